// A bare BitTorrent seeder (paced_seeder.py, the protocol written out, no libtorrent) that
// answers one block per interval and reports how many requests waited at it as each came in.
import { fileURLToPath } from 'node:url';
import type { Fixture } from './fixtures.ts';
import { LOOPBACK } from './net.ts';
import { PYTHON, spawnTied } from './proc.ts';
import { startOrKill } from './seeders.ts';

const PACED_SEEDER = fileURLToPath(new URL('./paced_seeder.py', import.meta.url));

/** One REQUEST as the seeder saw it come in. */
export interface QueuedRequest {
  /** Requests received and not answered yet, this one included: the leecher's pipeline. */
  waiting: number;
  /** Blocks answered before it came. */
  served: number;
}

export interface PacedSeeder {
  /** '127.0.0.1:PORT'. */
  peer: string;
  /** Every request so far, in order. */
  requests: QueuedRequest[];
  stop(): Promise<void>;
}

/** Seeds a single-file fixture at one 16 KiB block per `intervalSecs`. */
export async function startPacedSeeder(
  fixture: Fixture,
  intervalSecs: number,
): Promise<PacedSeeder> {
  const args = [
    PACED_SEEDER,
    '--file',
    fixture.files[0].absPath,
    '--info-hash',
    fixture.infoHash,
    '--piece-length',
    String(fixture.pieceLength),
    '--interval',
    String(intervalSecs),
  ];
  const proc = spawnTied(PYTHON, args, { guard: 'stdin' });
  const requests: QueuedRequest[] = [];
  proc.onLine((line) => {
    const m = /^QUEUED (\d+) (\d+)$/.exec(line);
    if (m) requests.push({ waiting: Number(m[1]), served: Number(m[2]) });
  });
  let port = 0;
  await startOrKill(proc, async () => {
    port = Number((await proc.waitForLine(/^READY (\d+)$/, 30_000))[1]);
  });
  return { peer: `${LOOPBACK}:${port}`, requests, stop: () => proc.stop() };
}
