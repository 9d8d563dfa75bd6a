// One run of one job: fresh seeders (through delay lines when the cell has a round trip), a
// fresh client process with empty storage, the job, teardown.
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PYTHON } from '../../test/harness/proc.ts';
import { bulkJob } from './bulk.ts';
import { burstJob } from './burst.ts';
import { Client } from './child.ts';
import { startDelayLine } from './delay.ts';
import {
  cellKey,
  cpuJob,
  type JobContext,
  type JobKind,
  type Live,
  nextJob,
  type RunResult,
  type RunSpec,
  seederRates,
  serveJob,
  stallJob,
  startJob,
  torrentOf,
} from './jobs.ts';
import { probeJob } from './probe.ts';
import { type Seeder, startSeeder } from './seeder.ts';
import { SEEDER_PORTS } from './shaper.ts';
import { dropJob, swarmJob } from './swarm.ts';
import { errorText, nowMs, sleep, withTimeout } from './util.ts';

const CLIENT_MAIN = fileURLToPath(new URL('../clients/main.ts', import.meta.url));
const FLOOR = fileURLToPath(new URL('../peers/floor.py', import.meta.url));

/**
 * The serving job's warm-up only fills the cache: it takes libtorrent's deep request pipeline
 * (the engine keeps it shallow for seeks, which caps a bulk download on loopback near 1.5 MB/s
 * and made each warm-up of 256 MiB take three minutes). What it measures is served from disk.
 */
const SERVE_WARM_UP_SETTINGS = { request_queue_time: 3 };

function spawnClient(ctx: JobContext, name: string, job: JobKind, savePath: string): Client {
  if (name === 'floor') return new Client(name, PYTHON, [FLOOR, '{}'], ctx.repoRoot);
  const [kind = ''] = name.split(':');
  const own = kind === 'ours' ? (ctx.oursSettings[name] ?? {}) : {};
  const settings = kind === 'ours' && job === 'serve' ? { ...SERVE_WARM_UP_SETTINGS, ...own } : own;
  const addonDir = ctx.addonDirs[name];
  return new Client(
    name,
    process.execPath,
    ['--import', 'tsx', CLIENT_MAIN, kind, JSON.stringify(settings), savePath],
    ctx.repoRoot,
    addonDir ? { ...process.env, VOZDUXAN_PREBUILD: addonDir } : undefined,
  );
}

const JOBS: Record<JobKind, (live: Live) => Promise<void>> = {
  serve: serveJob,
  start: startJob,
  stall: stallJob,
  cpu: cpuJob,
  next: nextJob,
  probe: probeJob,
  burst: burstJob,
  swarm: swarmJob,
  drop: dropJob,
  bulk: bulkJob,
};

const JOB_TIMEOUT_MS: Record<JobKind, (ctx: JobContext) => number> = {
  serve: () => 600_000,
  start: () => 240_000,
  stall: (ctx) => ctx.playSecs * 6_000 + 120_000,
  cpu: () => 180_000,
  next: () => 180_000,
  probe: () => 240_000,
  burst: () => 240_000,
  swarm: () => 240_000,
  drop: () => 240_000,
  bulk: () => 420_000,
};

/** Starts every seeder of a cell (on the shaped ports when shaping); stops them all if one fails. */
async function startSeeders(ctx: JobContext, spec: RunSpec): Promise<Seeder[]> {
  const { cell } = spec;
  const torrent = torrentOf(ctx.fixtures, cell);
  const rates = seederRates(cell);
  const started = await Promise.allSettled(
    rates.map((_, i) =>
      startSeeder(
        cell.seeder ?? 'lt',
        torrent.torrentPath,
        torrent.dataDir,
        ctx.shaper ? (SEEDER_PORTS[i] ?? -1) : 0,
        ctx.tmpRoot,
      ),
    ),
  );
  const up = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(up.map((s) => s.stop()));
    throw failed.reason;
  }
  return up;
}

/** One run: fresh seeders, a fresh client process with empty storage, the job, teardown. */
export async function runOne(ctx: JobContext, spec: RunSpec): Promise<RunResult> {
  const { cell } = spec;
  const started = nowMs();
  const result: RunResult = {
    job: cell.job,
    cellKey: cellKey(cell),
    cell,
    client: spec.client,
    rep: spec.rep,
    startedAt: new Date().toISOString(),
    durationMs: 0,
    metrics: {},
  };
  const savePath = await mkdtemp(join(ctx.tmpRoot, 'store-'));
  let client: Client | null = null;
  let seeders: Seeder[] = [];
  const delayLines: Seeder[] = [];
  try {
    if (ctx.shaper) {
      const rates = seederRates(cell);
      if (rates.some((r) => !(r > 0))) throw new Error('shaped run without a rate');
      for (const [i, rate] of rates.entries()) ctx.shaper.setRate(rate, SEEDER_PORTS[i]);
    }
    client = spawnClient(ctx, spec.client, cell.job, savePath);
    const c = client;
    [seeders] = await Promise.all([
      spec.client !== 'nodefs' ? startSeeders(ctx, spec) : [],
      c.ready(60_000),
    ]);
    if (cell.rttMs) {
      // Every client, the floor too, reaches each seeder through a delay line of its own.
      for (const s of seeders) delayLines.push(await startDelayLine(s.peer, cell.rttMs));
    }
    // Apps create their session long before the user picks a track: the add call lands at a
    // random phase of every client's internal timers (libtorrent's once-a-second tick).
    const [lo, hi] = ctx.idleMs;
    const idle = lo + ctx.random() * (hi - lo);
    if (idle > 0) await sleep(idle);
    result.idleMs = idle;
    c.mark();
    const live: Live = {
      ctx,
      cell,
      rep: spec.rep,
      client: c,
      seeders,
      peers: (delayLines.length > 0 ? delayLines : seeders).map((s) => s.peer),
      savePath,
      m: result.metrics,
    };
    await withTimeout(`${cell.job} job`, JOB_TIMEOUT_MS[cell.job](ctx), JOBS[cell.job](live));
    result.usage = c.usage();
  } catch (error) {
    result.error = errorText(error).slice(0, 4000);
  } finally {
    await client?.stop().catch(() => client?.kill());
    await Promise.all(delayLines.map((d) => d.stop()));
    await Promise.all(seeders.map((s) => s.stop()));
    await rm(savePath, { recursive: true, force: true }).catch(() => {});
    result.durationMs = nowMs() - started;
  }
  return result;
}
