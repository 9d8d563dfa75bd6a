import { fileURLToPath } from 'node:url';
import { LOOPBACK } from '../../test/harness/net.ts';
import { PYTHON, spawnTied } from '../../test/harness/proc.ts';
import { startOrKill } from '../../test/harness/seeders.ts';

const SEEDER = fileURLToPath(new URL('../peers/seeder.py', import.meta.url));

export interface Seeder {
  /** '127.0.0.1:PORT' */
  peer: string;
  stop(): Promise<void>;
}

/**
 * A fresh libtorrent seeder (Python bindings) for one run. It sends as fast as TCP lets it: the
 * rate limit is the Shaper's htb class on its port, the same for every client. Spawned and
 * awaited as the test harness's seeders are; it has nothing to save, so it is simply killed.
 */
export async function startSeeder(
  torrentPath: string,
  dataDir: string,
  port: number,
): Promise<Seeder> {
  const args = [SEEDER, '--port', String(port), '--torrent', torrentPath, '--save-path', dataDir];
  const proc = spawnTied(PYTHON, args, { guard: 'stdin' });
  let listening = 0;
  await startOrKill(proc, async () => {
    const m = await proc.waitForLine(/^READY (\d+)$/, 30_000);
    listening = Number(m[1]);
  });
  return { peer: `${LOOPBACK}:${listening}`, stop: () => proc.stop(0, 'SIGKILL') };
}
