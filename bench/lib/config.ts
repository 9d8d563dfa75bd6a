import type { Burst, Cell, Consumer, JobKind, Source } from './jobs.ts';
import type { SeederKind } from './seeder.ts';
import { DROP_SURVIVOR_SHARE, SWARM_RATES } from './swarm.ts';

type Settings = Record<string, string | number | boolean>;

export interface Config {
  quick: boolean;
  reps: number;
  seed: number;
  jobs: JobKind[];
  /** Client names: floor, ours, ours:VARIANT, webtorrent, peerflix (nodefs is added for serving). */
  clients: string[];
  serveClients: string[];
  pieces: number[];
  rates: number[];
  sources: Source[];
  consumers: Consumer[];
  /** Round trips of the probe and burst jobs' delay line, ms (0: none). */
  rtts: number[];
  /** Round trips of the stall and bulk jobs (stalls under the round trip), ms (0: none). */
  stallRtts: number[];
  bursts: Burst[];
  /** Seeder implementations; every swarm cell runs once with each. */
  seeders: SeederKind[];
  playSecs: number;
  mainSeconds: number;
  serveBytes: number;
  serveFullGets: number;
  serveRanges: number;
  oursSettings: Record<string, Settings>;
  /** Other builds of the addon, by client name ('ours:NAME'), run side by side with 'ours'. */
  addons: Record<string, string>;
  /** Idle time between a client's start-up and the add call, [min, max) ms. */
  idleMs: [number, number];
  /** Whether the player reports its position (vozduxan: notifyPosition), as the README advises. */
  notify: boolean;
  outDir: string;
}

const MiB = 1 << 20;
const KiB = 1 << 10;

function list(name: string, fallback: string): string[] {
  return (process.env[name] ?? fallback)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** '1M', '256K', '1048576' → bytes. */
function bytes(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([KM]?)$/i.exec(text);
  if (!m) throw new Error(`not a size: ${text}`);
  const unit = m[2]?.toUpperCase() === 'M' ? MiB : m[2]?.toUpperCase() === 'K' ? KiB : 1;
  return Math.round(Number(m[1]) * unit);
}

/** '1000-2000' → [1000, 2000]; '0' → [0, 0]. */
function range(text: string): [number, number] {
  const [a = '0', b = a] = text.split('-');
  const lo = Number(a);
  const hi = Number(b);
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi < lo)
    throw new Error(`not a range: ${text}`);
  return [lo, hi];
}

function json(name: string): Record<string, unknown> {
  const text = process.env[name];
  if (!text) return {};
  const v: unknown = JSON.parse(text);
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new Error(`${name} must be a JSON object`);
  return v as Record<string, unknown>;
}

/** Everything is set through BENCH_* environment variables (see bench/README.md). */
export function readConfig(outDir: string): Config {
  const quick = process.env.BENCH_QUICK === '1';
  const variants = json('BENCH_VARIANTS') as Record<string, Settings>;
  const oursSettings: Record<string, Settings> = { ours: json('BENCH_OURS_SETTINGS') as Settings };
  for (const [name, settings] of Object.entries(variants)) oursSettings[`ours:${name}`] = settings;
  const addons: Record<string, string> = {};
  for (const [name, path] of Object.entries(json('BENCH_ADDONS'))) {
    if (typeof path !== 'string') throw new Error('BENCH_ADDONS maps names to addon paths');
    addons[`ours:${name}`] = path;
    oursSettings[`ours:${name}`] ??= {};
  }
  const clients = list('BENCH_CLIENTS', 'floor,ours,webtorrent,peerflix');
  for (const name of Object.keys(oursSettings)) {
    if (name !== 'ours' && !clients.includes(name)) clients.push(name);
  }
  return {
    quick,
    reps: Number(process.env.BENCH_REPS ?? (quick ? 1 : 5)),
    seed: Number(process.env.BENCH_SEED ?? Math.floor(Math.random() * 2 ** 31)),
    jobs: list('BENCH_JOBS', 'serve,start,probe,burst,stall,bulk,swarm,drop,cpu,next') as JobKind[],
    clients,
    serveClients: list('BENCH_SERVE_CLIENTS', 'ours,nodefs'),
    pieces: list('BENCH_PIECES', quick ? '256' : '64,256,1024').map(Number),
    rates: list('BENCH_RATES', quick ? '1M' : '1M,256K').map(bytes),
    sources: list('BENCH_SOURCES', 'torrent,magnet') as Source[],
    consumers: list('BENCH_CONSUMERS', 'mp3,flac') as Consumer[],
    rtts: list('BENCH_RTTS', quick ? '0,150' : '0,40,150').map(Number),
    stallRtts: list('BENCH_STALL_RTTS', '0,150').map(Number),
    bursts: list('BENCH_BURSTS', 'flac,ogg') as Burst[],
    seeders: list('BENCH_SEEDERS', quick ? 'lt' : 'lt,qbt') as SeederKind[],
    playSecs: Number(process.env.BENCH_PLAY_SECS ?? (quick ? 8 : 15)),
    mainSeconds: 300,
    serveBytes: bytes(process.env.BENCH_SERVE_SIZE ?? (quick ? '128M' : '256M')),
    serveFullGets: quick ? 3 : 5,
    serveRanges: quick ? 500 : 2000,
    oursSettings,
    addons,
    idleMs: range(process.env.BENCH_IDLE_MS ?? '0-1000'),
    notify: process.env.BENCH_NOTIFY !== '0',
    outDir,
  };
}

/** A round trip as a cell field: absent for 0, so the cells without one keep their keys. */
const rtt = (rttMs: number): { rttMs?: number } => (rttMs > 0 ? { rttMs } : {});

/** Every cell of the matrix, per job: the cells of one seeder, then again with each other seeder. */
export function cellsFor(config: Config, job: JobKind): Cell[] {
  const cells = baseCells(config, job);
  if (job === 'serve') return cells;
  return config.seeders.flatMap((seeder) => cells.map((c) => ({ ...c, seeder })));
}

function baseCells(config: Config, job: JobKind): Cell[] {
  const cells: Cell[] = [];
  const { pieces, rates, sources, consumers } = config;
  switch (job) {
    case 'serve':
      cells.push({ job, pieceKiB: 1024, rate: 0, source: 'torrent' });
      break;
    case 'start':
      for (const pieceKiB of pieces)
        for (const rate of rates)
          for (const source of sources) cells.push({ job, pieceKiB, rate, source });
      break;
    case 'probe':
    case 'bulk':
      for (const pieceKiB of pieces)
        for (const rate of rates)
          for (const rttMs of job === 'probe' ? config.rtts : config.stallRtts)
            cells.push({ job, pieceKiB, rate, source: 'torrent', rttMs });
      break;
    case 'stall':
      for (const pieceKiB of pieces)
        for (const rate of rates)
          for (const consumer of consumers)
            for (const rttMs of config.stallRtts)
              cells.push({ job, pieceKiB, rate, source: 'torrent', consumer, ...rtt(rttMs) });
      break;
    case 'burst':
      for (const pieceKiB of pieces)
        for (const rate of rates)
          for (const burst of config.bursts)
            for (const rttMs of config.rtts)
              cells.push({ job, pieceKiB, rate, source: 'torrent', burst, rttMs });
      break;
    case 'swarm':
      for (const pieceKiB of pieces) {
        const swarm = [...SWARM_RATES];
        cells.push({ job, pieceKiB, rate: swarm[0] ?? MiB, source: 'torrent', swarm });
      }
      break;
    case 'drop':
      for (const pieceKiB of pieces)
        for (const rate of rates) {
          const swarm = [rate, Math.round(rate * DROP_SURVIVOR_SHARE)];
          cells.push({ job, pieceKiB, rate, source: 'torrent', swarm });
        }
      break;
    case 'cpu':
      cells.push({ job, pieceKiB: 256, rate: MiB, source: 'torrent' });
      break;
    case 'next':
      for (const rate of rates)
        for (const prefetch of [true, false])
          cells.push({ job, pieceKiB: 256, rate, source: 'torrent', prefetch });
      break;
  }
  return cells;
}

/** Which clients take part in a job. */
export function clientsFor(config: Config, job: JobKind): string[] {
  if (job === 'serve') {
    const variants = config.clients.filter((c) => c.startsWith('ours:'));
    return [...new Set([...config.serveClients, ...variants])];
  }
  const withFloor = job !== 'stall' && job !== 'next';
  return config.clients.filter((c) => withFloor || c !== 'floor');
}
