import { join } from 'node:path';
import type { Client, Usage } from './child.ts';
import type { BenchTorrent, Fixtures } from './fixtures.ts';
import { type Fetched, Player, RawConnection } from './http.ts';
import type { Seeder, SeederKind } from './seeder.ts';
import type { Shaper } from './shaper.ts';
import { nowMs, prng, quantile, sleep, withTimeout } from './util.ts';

export type JobKind =
  | 'serve'
  | 'start'
  | 'probe'
  | 'stall'
  | 'cpu'
  | 'next'
  | 'burst'
  | 'swarm'
  | 'drop'
  | 'bulk';
/** The jobs in report order. */
export const JOB_KINDS: readonly JobKind[] = [
  'serve',
  'start',
  'probe',
  'burst',
  'stall',
  'bulk',
  'swarm',
  'drop',
  'cpu',
  'next',
];
export type Source = 'torrent' | 'magnet';
export type Consumer = 'mp3' | 'flac';
/** A browser's seek burst: Chromium's FLAC seek (seek point, then target) or its Ogg bisection. */
export type Burst = 'flac' | 'ogg';

/** Playback rates of the paced consumers, bytes per second: 320 kbit/s and 1.4 Mbit/s. */
export const CONSUMER_RATE: Record<Consumer, number> = { mp3: 40_000, flac: 175_000 };
/** The player's buffer: playback starts, and restarts after a stall, once it holds this much. */
export const BUFFER_SECS = 2;
/** How long the player plays at 10 % before each seek. */
export const PLAY_BEFORE_SEEK_SECS = 1;

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
  /** The seeder implementation; absent: the Python libtorrent seeder ('lt'). */
  seeder?: SeederKind;
  burst?: Burst;
  /** Several seeders, each at its own rate on its own shaped port (the first one at `rate`). */
  swarm?: number[];
}

/** The seeders' rates of a cell: one at `rate` unless it is a swarm. */
export function seederRates(c: Cell): number[] {
  return c.swarm ?? [c.rate];
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
  if (c.burst) parts.push(`${c.burst} burst`);
  if (c.swarm) parts.push(`seeders ${c.swarm.map(rateLabel).join(' + ')}`);
  if (c.rttMs !== undefined) parts.push(`${c.rttMs} ms RTT`);
  // The libtorrent seeder is the default and stays out of the key (older raw files re-render).
  if (c.seeder && c.seeder !== 'lt') parts.push(c.seeder);
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

export interface Live {
  ctx: JobContext;
  cell: Cell;
  rep: number;
  client: Client;
  /** The seeder processes, in the order of seederRates(cell). */
  seeders: Seeder[];
  /** What the client dials: the seeders, or the delay lines in front of them. */
  peers: string[];
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

/** The torrent a cell plays: the album, the serving file, the Ogg, a bulk track or the main FLAC. */
export function torrentOf(fixtures: Fixtures, cell: Cell): BenchTorrent {
  if (cell.job === 'next' || cell.job === 'cpu') return fixtures.album;
  if (cell.job === 'serve') return fixtures.serve;
  const set =
    cell.job === 'bulk' ? fixtures.bulk : cell.burst === 'ogg' ? fixtures.ogg : fixtures.main;
  const t = set.get(cell.pieceKiB);
  if (!t) throw new Error(`no fixture with ${cell.pieceKiB} KiB pieces for ${cellKey(cell)}`);
  return t;
}

export function torrentFor(live: Live): BenchTorrent {
  return torrentOf(live.ctx.fixtures, live.cell);
}

/** Byte offsets in file 0 of the live torrent, by fraction of its size. */
export function offsetAt(live: Live): (fraction: number) => number {
  const size = torrentFor(live).files[0]?.size ?? 0;
  return (f) => Math.floor(size * f);
}

export async function add(live: Live, fileIndex: number): Promise<Record<string, unknown>> {
  const t = torrentFor(live);
  const source =
    live.cell.source === 'magnet' ? { magnet: t.magnet } : { torrentPath: t.torrentPath };
  const args = { savePath: live.savePath, peers: live.peers, fileIndex, ...source };
  return live.client.call('add', args, 90_000);
}

/** The floor's add: first byte (its first piece in) from the add call, and the metadata time. */
export async function floorAdd(live: Live): Promise<void> {
  const a = await add(live, 0);
  live.m.ttfb = num(a, 'tReady') - num(a, 'tAdd');
  live.m.metadata = num(a, 'tMeta') - num(a, 'tAdd');
}

/** The floor fetches the one piece holding `offset` of file 0: ms, on its own clock. */
export async function floorPiece(live: Live, offset: number): Promise<number> {
  const r = await live.client.call('piece', { fileIndex: 0, offset });
  return num(r, 't1') - num(r, 't0');
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
export async function startJob(live: Live): Promise<void> {
  const { m } = live;
  const at = offsetAt(live);
  if (live.client.name === 'floor') {
    await floorAdd(live);
    const piece = (offset: number): Promise<number> => floorPiece(live, offset);
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
export async function stallJob(live: Live): Promise<void> {
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

/**
 * File 0 of the cell's torrent, whole, as fast as it comes: the floor into its storage, the others
 * over one plain GET (no Range, no position reports). Times from the add call to the last byte.
 */
export async function fetchWhole(
  live: Live,
  timeoutMs: number,
): Promise<{ tAdd: number; tEnd: number }> {
  const a = await add(live, 0);
  const tAdd = num(a, 'tAdd');
  if (live.client.name === 'floor') {
    const r = await live.client.call('fetch', { fileIndex: 0 }, timeoutMs);
    return { tAdd, tEnd: num(r, 't1') };
  }
  const url = new URL(str(a, 'url'));
  const conn = new RawConnection(Number(url.port));
  try {
    const r = await withTimeout('full fetch', timeoutMs, conn.get(url.pathname));
    const want = torrentFor(live).files[0]?.size ?? -1;
    if (r.bytes !== want) throw new Error(`fetched ${r.bytes} bytes, expected ${want}`);
    return { tAdd, tEnd: r.tEnd };
  } finally {
    conn.close();
  }
}

/** 4: the same work for every client: fetch one 9.6 MB track completely, as fast as it comes. */
export async function cpuJob(live: Live): Promise<void> {
  const { tAdd, tEnd } = await fetchWhole(live, 120_000);
  live.m.fetch = tEnd - tAdd;
}

/** 6: start of the next album track, with the next track prefetched or not. */
export async function nextJob(live: Live): Promise<void> {
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
export async function serveJob(live: Live): Promise<void> {
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
