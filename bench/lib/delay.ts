import { fileURLToPath } from 'node:url';
import { LOOPBACK } from '../../test/harness/net.ts';
import { spawnTied } from '../../test/harness/proc.ts';
import { startOrKill } from '../../test/harness/seeders.ts';
import type { Seeder } from './seeder.ts';

const DELAY_LINE = fileURLToPath(new URL('../peers/delay-line.ts', import.meta.url));

/**
 * A delay line in its own process between every client and the seeder: `rttMs / 2` each way.
 * Clients (the floor too) get its address instead of the seeder's, so they all pay the same
 * round trip. Its own process, so its timers do not share an event loop with the runner's clock.
 */
export async function startDelayLine(target: string, rttMs: number): Promise<Seeder> {
  const args = ['--import', 'tsx', DELAY_LINE, '--target', target, '--delay', String(rttMs / 2)];
  const proc = spawnTied(process.execPath, args, { guard: 'stdin' });
  let port = 0;
  await startOrKill(proc, async () => {
    const m = await proc.waitForLine(/^READY (\d+)$/, 30_000);
    port = Number(m[1]);
  });
  return { peer: `${LOOPBACK}:${port}`, stop: () => proc.stop(0, 'SIGKILL') };
}
