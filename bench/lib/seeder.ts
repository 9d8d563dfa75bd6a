import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { PYTHON } from '../../test/harness/proc.ts';
import { withTimeout } from './util.ts';

const SEEDER = fileURLToPath(new URL('../peers/seeder.py', import.meta.url));

export interface Seeder {
  /** '127.0.0.1:PORT' */
  peer: string;
  stop(): Promise<void>;
}

/**
 * A fresh libtorrent seeder (Python bindings) for one run. It sends as fast as TCP lets it: the
 * rate limit is the Shaper's htb class on its port, the same for every client.
 */
export async function startSeeder(
  torrentPath: string,
  dataDir: string,
  port: number,
): Promise<Seeder> {
  const args = [SEEDER, '--port', String(port), '--torrent', torrentPath, '--save-path', dataDir];
  const child = spawn(PYTHON, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.on('error', () => {});
  let tail = '';
  child.stderr.on('data', (b: Buffer) => {
    tail = (tail + b.toString()).slice(-8192);
  });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  const lines = createInterface({ input: child.stdout });
  const ready = new Promise<number>((resolve, reject) => {
    lines.on('line', (line) => {
      const m = /^READY (\d+)$/.exec(line);
      if (m) resolve(Number(m[1]));
    });
    void exited.then(() => reject(new Error(`seeder exited before READY: ${tail}`)));
  });
  try {
    const listening = await withTimeout('seeder start', 30_000, ready);
    return { peer: `127.0.0.1:${listening}`, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
