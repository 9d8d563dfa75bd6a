import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PYTHON } from '../../test/harness/proc.ts';
import { Client, type Usage } from './child.ts';
import { startDelayLine } from './delay.ts';
import type { BenchTorrent, Fixtures } from './fixtures.ts';
import { type Fetched, Player, RawConnection } from './http.ts';
import { probeJob } from './probe.ts';
import { type Seeder, startSeeder } from './seeder.ts';
import { SEEDER_PORT, type Shaper } from './shaper.ts';
import { errorText, nowMs, prng, quantile, sleep, withTimeout } from './util.ts';

export type JobKind = 'serve' | 'start' | 'probe' | 'stall' | 'cpu' | 'next';
export type Source = 'torrent' | 'magnet';
export type Consumer = 'mp3' | 'flac';

/** Playback rates of the paced consumers, bytes per second: 320 kbit/s and 1.4 Mbit/s. */
export const CONSUMER_RATE: Record<Consumer, number> = { mp3: 40_000, flac: 175_000 };
/** The player's buffer: playback starts, and restarts after a stall, once it holds this much. */
export const BUFFER_SECS = 2;
/** How long the player plays at 10 % before each seek. */
const PLAY_BEFORE_SEEK_SECS = 1;

export interface Cell {
  job: JobKind;
  pieceKiB: number;
  /** Seeder payload rate, bytes per second; 0: unshaped loopback. */
  rate: number;
  source: Source;
  consumer?: Consumer;
  prefetch?: boolean;
  /** Round trip added by a delay line between every client and the seeder, ms. */
  rttMs?: number;
}

export function rateLabel(rate: number): string {
  if (rate === 0) return 'unshaped';
  return rate >= 1 << 20 ? `${rate / (1 << 20)} MiB/s` : `${rate / 1024} KiB/s`;
}

export function pieceLabel(kib: number): string {
  return kib >= 1024 ? `${kib / 1024} MiB` : `${kib} KiB`;
}

export function cellKey(c: Cell): string {
  const parts: string[] = [c.job, pieceLabel(c.pieceKiB), rateLabel(c.rate), c.source];
  if (c.consumer) parts.push(c.consumer);
  if (c.prefetch !== undefined) parts.push(c.prefetch ? 'prefetch' : 'no prefetch');
  if (c.rttMs !== undefined) parts.push(`${c.rttMs} ms RTT`);
  return parts.join(' · ');
}

export interface RunSpec {
  cell: Cell;
  client: string;
  rep: number;
}

export interface RunResult {
  job: JobKind;
  cellKey: string;
  cell: Cell;
  client: string;
  rep: number;
  startedAt: string;
  durationMs: number;
  metrics: Record<string, number>;
  /** Idle time before the add call. */
  idleMs?: number;
  usage?: Usage;
  error?: string;
}

export interface JobContext {
  fixtures: Fixtures;
  shaper: Shaper | null;
  repoRoot: string;
  tmpRoot: string;
  /** libtorrent settings per vozduxan variant: 'ours' and 'ours:NAME'. */
  oursSettings: Record<string, Record<string, string | number | boolean>>;
  /** Snapshot folders of other addon builds (VOZDUXAN_PREBUILD), by client name. */
  addonDirs: Record<string, string>;
  playSecs: number;
  serveFullGets: number;
  serveRanges: number;
  /** How long a client sits idle between start-up and the add call: [min, max) ms, uniform. */
  idleMs: [number, number];
  random: () => number;
  /** Report the playback position to the client (vozduxan: notifyPosition) every 250 ms. */
  notify: boolean;
}

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

export interface Live {
  ctx: JobContext;
  cell: Cell;
  rep: number;
  client: Client;
  seeder: Seeder | null;
  savePath: string;
  m: Record<string, number>;
}

export function num(msg: Record<string, unknown>, key: string): number {
  const v = msg[key];
  if (typeof v !== 'number') throw new Error(`reply without ${key}: ${JSON.stringify(msg)}`);
  return v;
}

export function str(msg: Record<string, unknown>, key: string): string {
  const v = msg[key];
  if (typeof v !== 'string') throw new Error(`reply without ${key}: ${JSON.stringify(msg)}`);
  return v;
}

export function torrentFor(live: Live): BenchTorrent {
  const { fixtures } = live.ctx;
  if (live.cell.job === 'next' || live.cell.job === 'cpu') return fixtures.album;
  if (live.cell.job === 'serve') return fixtures.serve;
  const t = fixtures.main.get(live.cell.pieceKiB);
  if (!t) throw new Error(`no fixture with ${live.cell.pieceKiB} KiB pieces`);
  return t;
}

export async function add(live: Live, fileIndex: number): Promise<Record<string, unknown>> {
  const t = torrentFor(live);
  const source =
    live.cell.source === 'magnet' ? { magnet: t.magnet } : { torrentPath: t.torrentPath };
  const args = { savePath: live.savePath, peer: live.seeder?.peer ?? '', fileIndex, ...source };
  return live.client.call('add', args, 90_000);
}

export function player(
  live: Live,
  url: string,
  offset: number,
  rate: number,
  fileIndex = 0,
): Player {
  return new Player({
    url,
    offset,
    rate,
    bufferSecs: BUFFER_SECS,
    onPosition: live.ctx.notify
      ? (byte) => live.client.send('position', { fileIndex, byte })
      : undefined,
  });
}

export function firstByte(p: Player, what: string, ms = 60_000): Promise<number> {
  return withTimeout(`first byte of ${what}`, ms, p.firstByte);
}

/** A streaming client's add: when prepare resolved, with the prebuffer's diagnosis. */
export async function addStream(live: Live): Promise<{ tAdd: number; url: string }> {
  const { m } = live;
  const a = await add(live, 0);
  const tAdd = num(a, 'tAdd');
  m.ready = num(a, 'tReady') - tAdd;
  if (typeof a.tMeta === 'number') m.metadata = a.tMeta - tAdd;
  const first = a.firstProgress as { t: number; fraction: number } | undefined;
  if (first) {
    // Diagnosis: the first piece's arrival and the prebuffer target prepare() aimed for.
    m.firstPiece = first.t - tAdd;
    m.prebufferPieces = Math.round(1 / first.fraction);
  }
  return { tAdd, url: str(a, 'url') };
}

/** 1 + 2 + 7: time to first byte, seeks to 50 % and 90 % while playing at 10 %, release. */
async function startJob(live: Live): Promise<void> {
  const { m } = live;
  const size = torrentFor(live).files[0]?.size ?? 0;
  const at = (f: number): number => Math.floor(size * f);
  if (live.client.name === 'floor') {
    const a = await add(live, 0);
    m.ttfb = num(a, 'tReady') - num(a, 'tAdd');
    m.metadata = num(a, 'tMeta') - num(a, 'tAdd');
    const piece = async (offset: number): Promise<number> => {
      const r = await live.client.call('piece', { fileIndex: 0, offset });
      return num(r, 't1') - num(r, 't0');
    };
    m.seek10 = await piece(at(0.1));
    await sleep(PLAY_BEFORE_SEEK_SECS * 1000);
    m.seek50 = await piece(at(0.5));
    await piece(at(0.1));
    await sleep(PLAY_BEFORE_SEEK_SECS * 1000);
    m.seek90 = await piece(at(0.9));
    return;
  }
  const rate = CONSUMER_RATE.flac;
  const { tAdd, url } = await addStream(live);
  const p0 = player(live, url, 0, rate);
  m.ttfb = (await firstByte(p0, 'bytes=0-')) - tAdd;
  p0.abort();
  const st = (await live.client.call('stats', { fileIndex: 0 })).stats as Record<
    string,
    number
  > | null;
  // Diagnosis: how many pieces the engine had finished when the first byte went out.
  if (st) m.piecesAtFirstByte = st.piecesHad ?? Number.NaN;

  const playAt10 = async (): Promise<Player> => {
    const p = player(live, url, at(0.1), rate);
    await firstByte(p, '10 %');
    await withTimeout('playing at 10 %', 60_000, p.untilPlayed(PLAY_BEFORE_SEEK_SECS));
    return p;
  };
  // A seek as a browser does it: drop the playing response, ask for the new range.
  const seek = async (from: Player, f: number): Promise<Player> => {
    from.abort();
    const p = player(live, url, at(f), rate);
    await firstByte(p, `${f * 100} %`);
    return p;
  };
  let p = await playAt10();
  m.seek10 = p.tFirstByte - p.tRequest;
  const s50 = await seek(p, 0.5);
  m.seek50 = s50.tFirstByte - s50.tRequest;
  // Back to 10 % is a seek too: the browser drops the response at 50 % first.
  s50.abort();
  p = await playAt10();
  const s90 = await seek(p, 0.9);
  m.seek90 = s90.tFirstByte - s90.tRequest;

  const r = await live.client.call('release', { fileIndex: 0 });
  const released = r.released as { t0: number; t1: number } | null;
  if (released) {
    m.release = released.t1 - released.t0;
    // How long until the in-flight response (paced, possibly blocked on a write) ends.
    const closed = await Promise.race([s90.closed(), sleep(10_000).then(() => Number.NaN)]);
    m.releaseEnd = closed - released.t0;
  }
  s90.abort();
}

/** 3: stalls of a paced consumer with a 2 s buffer, from the first byte of the file. */
async function stallJob(live: Live): Promise<void> {
  const { m, cell, ctx } = live;
  const rate = CONSUMER_RATE[cell.consumer ?? 'flac'];
  const a = await add(live, 0);
  const tAdd = num(a, 'tAdd');
  const p = player(live, str(a, 'url'), 0, rate);
  m.ttfb = (await firstByte(p, 'bytes=0-')) - tAdd;
  await withTimeout('playback', ctx.playSecs * 5_000 + 60_000, p.untilPlayed(ctx.playSecs));
  p.abort();
  if (p.error) throw new Error(`player: ${p.error}`);
  m.startup = p.tPlayStart - tAdd;
  const st = (await live.client.call('stats', { fileIndex: 0 })).stats as Record<
    string,
    number
  > | null;
  // Diagnosis: how often the engine saw the position leave its window (each one a "seek").
  if (st) m.engineSeeks = st.seeks ?? Number.NaN;
  m.stalls = p.stalls;
  m.stallMs = p.stallMs;
  m.stallRatio = p.stallMs / (ctx.playSecs * 1000);
}

/** 4: the same work for every client: fetch one 9.6 MB track completely, as fast as it comes. */
async function cpuJob(live: Live): Promise<void> {
  const { m } = live;
  if (live.client.name === 'floor') {
    const a = await add(live, 0);
    const r = await live.client.call('fetch', { fileIndex: 0 }, 120_000);
    m.fetch = num(r, 't1') - num(a, 'tAdd');
    return;
  }
  const a = await add(live, 0);
  const url = new URL(str(a, 'url'));
  const conn = new RawConnection(Number(url.port));
  try {
    const r = await withTimeout('full fetch', 120_000, conn.get(url.pathname));
    const want = live.ctx.fixtures.album.files[0]?.size ?? -1;
    if (r.bytes !== want) throw new Error(`fetched ${r.bytes} bytes, expected ${want}`);
    m.fetch = r.tEnd - num(a, 'tAdd');
  } finally {
    conn.close();
  }
}

/** 6: start of the next album track, with the next track prefetched or not. */
async function nextJob(live: Live): Promise<void> {
  const { m, cell } = live;
  const rate = CONSUMER_RATE.flac;
  const a = await add(live, 0);
  const p1 = player(live, str(a, 'url'), 0, rate, 0);
  await firstByte(p1, 'track 1');
  let url2 = '';
  const playing = withTimeout('track 1', 60_000, p1.untilPlayed(2));
  if (cell.prefetch) {
    const r = await live.client.call('prefetch', { fileIndex: 1 }, 60_000);
    m.prefetch = num(r, 't1') - num(r, 't0');
    url2 = str(r, 'url');
  }
  await playing;
  p1.abort();
  const tSwitch = nowMs();
  if (!cell.prefetch) url2 = str(await live.client.call('open', { fileIndex: 1 }, 60_000), 'url');
  const p2 = player(live, url2, 0, rate, 1);
  m.next = (await firstByte(p2, 'track 2')) - tSwitch;
  p2.abort();
}

async function fetchAll(port: number, path: string, size: number): Promise<Fetched> {
  const conn = new RawConnection(port);
  try {
    const r = await conn.get(path);
    if (r.bytes !== size) throw new Error(`served ${r.bytes} of ${size} bytes`);
    return r;
  } finally {
    conn.close();
  }
}

/** 5: serving a fully cached file: full GETs and random 64 KiB ranges on one keep-alive connection. */
async function serveJob(live: Live): Promise<void> {
  const { m, ctx } = live;
  const file = ctx.fixtures.serve.files[0];
  if (!file) throw new Error('no serve fixture');
  const a =
    live.client.name === 'nodefs'
      ? await live.client.call('add', { filePath: join(ctx.fixtures.serve.dataDir, file.path) })
      : await add(live, 0);
  const url = new URL(str(a, 'url'));
  const port = Number(url.port);
  // Warm-up: downloads and verifies every piece (or fills the page cache for the baseline).
  const warm = await withTimeout('warm-up GET', 240_000, fetchAll(port, url.pathname, file.size));
  m.warm = warm.tEnd - num(a, 'tAdd');
  const rates: number[] = [];
  for (let i = 0; i < ctx.serveFullGets; i++) {
    const r = await fetchAll(port, url.pathname, file.size);
    rates.push(file.size / ((r.tEnd - r.tRequest) / 1000));
  }
  m.fullGBps = quantile(rates, 0.5) / 1e9;
  const random = prng(42);
  const chunk = 64 * 1024;
  const conn = new RawConnection(port);
  const lat: number[] = [];
  const t0 = nowMs();
  try {
    for (let i = 0; i < ctx.serveRanges; i++) {
      const start = Math.floor(random() * (file.size - chunk));
      const r = await conn.get(url.pathname, [start, start + chunk - 1]);
      if (r.status !== 206 || r.bytes !== chunk)
        throw new Error(`range: HTTP ${r.status}, ${r.bytes} bytes`);
      lat.push(r.tEnd - r.tRequest);
    }
  } finally {
    conn.close();
  }
  const secs = (nowMs() - t0) / 1000;
  m.rangesPerSec = ctx.serveRanges / secs;
  m.rangeMBps = (ctx.serveRanges * chunk) / secs / 1e6;
  m.rangeP50 = quantile(lat, 0.5);
  m.rangeP99 = quantile(lat, 0.99);
}

const JOBS: Record<JobKind, (live: Live) => Promise<void>> = {
  serve: serveJob,
  start: startJob,
  stall: stallJob,
  cpu: cpuJob,
  next: nextJob,
  probe: probeJob,
};

const JOB_TIMEOUT_MS: Record<JobKind, (ctx: JobContext) => number> = {
  serve: () => 600_000,
  start: () => 240_000,
  stall: (ctx) => ctx.playSecs * 6_000 + 120_000,
  cpu: () => 180_000,
  next: () => 180_000,
  probe: () => 240_000,
};

/** One run: a fresh seeder, a fresh client process with empty storage, the job, teardown. */
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
  let seeder: Seeder | null = null;
  let delayLine: Seeder | null = null;
  try {
    if (ctx.shaper) {
      if (cell.rate > 0) ctx.shaper.setRate(cell.rate);
      else throw new Error('shaped run without a rate');
    }
    const needsSeeder = spec.client !== 'nodefs';
    const torrent =
      cell.job === 'serve'
        ? ctx.fixtures.serve
        : cell.job === 'next' || cell.job === 'cpu'
          ? ctx.fixtures.album
          : ctx.fixtures.main.get(cell.pieceKiB);
    if (!torrent) throw new Error(`no torrent for ${cellKey(cell)}`);
    client = spawnClient(ctx, spec.client, cell.job, savePath);
    const c = client;
    [seeder] = await Promise.all([
      needsSeeder
        ? startSeeder(torrent.torrentPath, torrent.dataDir, ctx.shaper ? SEEDER_PORT : 0)
        : null,
      c.ready(60_000),
    ]);
    if (seeder && cell.rttMs) {
      // Every client, the floor too, reaches the seeder through the same delay line.
      delayLine = await startDelayLine(seeder.peer, cell.rttMs);
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
      seeder: delayLine ?? seeder,
      savePath,
      m: result.metrics,
    };
    await withTimeout(`${cell.job} job`, JOB_TIMEOUT_MS[cell.job](ctx), JOBS[cell.job](live));
    result.usage = c.usage();
  } catch (error) {
    result.error = errorText(error).slice(0, 4000);
  } finally {
    await client?.stop().catch(() => client?.kill());
    await delayLine?.stop();
    await seeder?.stop();
    await rm(savePath, { recursive: true, force: true }).catch(() => {});
    result.durationMs = nowMs() - started;
  }
  return result;
}
