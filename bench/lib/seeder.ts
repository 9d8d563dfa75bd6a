import { fileURLToPath } from 'node:url';
import { LOOPBACK } from '../../test/harness/net.ts';
import { PYTHON, spawnTied } from '../../test/harness/proc.ts';
import { startOrKill } from '../../test/harness/seeders.ts';
import { startQbittorrent } from './qbittorrent.ts';

const SEEDER = fileURLToPath(new URL('../peers/seeder.py', import.meta.url));

/** The seeder implementations a cell can use: Python libtorrent, qBittorrent 4.5. */
export type SeederKind = 'lt' | 'qbt';
export const SEEDER_KINDS: readonly SeederKind[] = ['lt', 'qbt'];

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
async function startLibtorrent(
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

/** A fresh seeder of `kind` on `port` (0: any free port); tmpRoot holds qBittorrent's profile. */
export function startSeeder(
  kind: SeederKind,
  torrentPath: string,
  dataDir: string,
  port: number,
  tmpRoot: string,
): Promise<Seeder> {
  return kind === 'qbt'
    ? startQbittorrent(torrentPath, dataDir, port, tmpRoot)
    : startLibtorrent(torrentPath, dataDir, port);
}
