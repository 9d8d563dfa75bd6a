import type { Config } from './config.ts';
import {
  type Cell,
  cellKey,
  JOB_KINDS,
  type JobKind,
  pieceLabel,
  type RunResult,
  rateLabel,
} from './jobs.ts';
import type { SeederKind } from './seeder.ts';
import { groupedBars, type Series } from './svg.ts';
import { quantile } from './util.ts';

export interface BenchMeta {
  startedAt: string;
  finishedAt: string;
  gitRev: string;
  /** native/ or lib/ had uncommitted changes when the run started. */
  gitDirty: boolean;
  /** First 16 hex digits of the tested addon's sha256. */
  addonSha256?: string;
  /** The addon file that was copied and tested. */
  addon?: string;
  node: string;
  kernel: string;
  cpu: string;
  config: Config;
}

export interface RawResults {
  meta: BenchMeta;
  runs: RunResult[];
}

export interface Stat {
  n: number;
  errors: number;
  median: number;
  p95: number;
  min: number;
  max: number;
}

export const NAMES: Record<string, string> = {
  floor: 'floor (libtorrent leecher)',
  ours: 'vozduxan',
  webtorrent: 'WebTorrent 3',
  peerflix: 'torrent-stream (peerflix)',
  nodefs: 'Node http + fs.createReadStream',
};
export const SHORT: Record<string, string> = {
  floor: 'floor',
  ours: 'ours',
  webtorrent: 'WT',
  peerflix: 'TS',
  nodefs: 'Node fs',
};
export const COLORS: Record<string, string> = {
  floor: '#8c8c8c',
  ours: '#1f77b4',
  webtorrent: '#ff7f0e',
  peerflix: '#2ca02c',
  nodefs: '#9467bd',
};
export const VARIANT_COLORS = ['#17becf', '#d62728', '#bcbd22', '#e377c2', '#8c564b', '#7f7f7f'];
export const PEERS = ['webtorrent', 'peerflix'] as const;

export function name(client: string): string {
  return client.startsWith('ours:') ? `vozduxan [${client.slice(5)}]` : (NAMES[client] ?? client);
}

export function short(client: string): string {
  return client.startsWith('ours:') ? `ours[${client.slice(5)}]` : (SHORT[client] ?? client);
}

export function color(client: string, variants: string[]): string {
  if (client.startsWith('ours:'))
    return VARIANT_COLORS[variants.indexOf(client) % VARIANT_COLORS.length] ?? '#000';
  return COLORS[client] ?? '#000';
}

export function stat(runs: readonly RunResult[], metric: string, scale = 1): Stat {
  const values = runs
    .map((r) => r.metrics[metric])
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const scaled = values.map((v) => v * scale);
  return {
    n: values.length,
    errors: runs.filter((r) => r.error).length,
    median: quantile(scaled, 0.5),
    p95: quantile(scaled, 0.95),
    min: quantile(scaled, 0),
    max: quantile(scaled, 1),
  };
}

export function usageStat(
  runs: readonly RunResult[],
  key: 'cpuSeconds' | 'peakRssAnon',
  scale = 1,
): Stat {
  const fake = runs.map((r) => ({ ...r, metrics: { v: r.usage ? r.usage[key] : Number.NaN } }));
  return stat(fake, 'v', scale);
}

export function ms(v: number): string {
  if (!Number.isFinite(v)) return '–';
  if (v < 10) return v.toFixed(2);
  if (v < 100) return v.toFixed(1);
  return v.toFixed(0);
}

export function num(v: number, digits = 2): string {
  return Number.isFinite(v) ? v.toFixed(digits) : '–';
}

export function ratio(a: number, b: number): number {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : Number.NaN;
}

export function x(v: number): string {
  return Number.isFinite(v) ? `${v.toFixed(2)}×` : '–';
}

export function mark(ok: boolean | null): string {
  return ok === null ? '–' : ok ? '✅' : '❌';
}

export function cellOrder(a: Cell, b: Cell): number {
  return (
    JOB_KINDS.indexOf(a.job) - JOB_KINDS.indexOf(b.job) ||
    (a.seeder ?? 'lt').localeCompare(b.seeder ?? 'lt') ||
    (a.burst ?? '').localeCompare(b.burst ?? '') ||
    a.pieceKiB - b.pieceKiB ||
    b.rate - a.rate ||
    (a.source === b.source ? 0 : a.source === 'torrent' ? -1 : 1) ||
    (a.consumer === b.consumer ? 0 : a.consumer === 'mp3' ? -1 : 1) ||
    (a.prefetch === b.prefetch ? 0 : a.prefetch ? -1 : 1) ||
    (a.rttMs ?? 0) - (b.rttMs ?? 0)
  );
}

const SEEDER_NAMES: Record<SeederKind, string> = { lt: 'libtorrent seeder', qbt: 'qBittorrent' };

function cellLabel(c: Cell): string {
  const at = `${pieceLabel(c.pieceKiB)} · ${rateLabel(c.rate)}`;
  const rtt = `${c.rttMs ?? 0} ms RTT`;
  switch (c.job) {
    case 'start':
      return `${at} · ${c.source === 'torrent' ? '.torrent' : 'magnet'}`;
    case 'probe':
    case 'bulk':
      return `${at} · ${rtt}`;
    case 'burst':
      return `${c.burst === 'ogg' ? 'Ogg bisect' : 'FLAC seek'} · ${at} · ${rtt}`;
    case 'stall':
      return `${at} · ${c.consumer === 'mp3' ? 'MP3 320k' : 'FLAC 1.4M'}${c.rttMs ? ` · ${rtt}` : ''}`;
    case 'swarm':
    case 'drop':
      return `${pieceLabel(c.pieceKiB)} · ${(c.swarm ?? [c.rate]).map(rateLabel).join(' + ')}`;
    case 'next':
      return `${rateLabel(c.rate)} · ${c.prefetch ? 'prefetched' : 'not prefetched'}`;
    default:
      return cellKey(c);
  }
}

/** A cell's row label; a cell seeded by qBittorrent says so. */
export function label(c: Cell): string {
  const seeder = c.seeder && c.seeder !== 'lt' ? ` · ${SEEDER_NAMES[c.seeder]}` : '';
  return `${cellLabel(c)}${seeder}`;
}

export class Runs {
  readonly #by = new Map<string, RunResult[]>();
  readonly #cells = new Map<string, Cell>();
  readonly clients: string[];

  constructor(runs: readonly RunResult[]) {
    const clients = new Set<string>();
    for (const r of runs) {
      const k = `${r.cellKey}|${r.client}`;
      const list = this.#by.get(k) ?? [];
      list.push(r);
      this.#by.set(k, list);
      this.#cells.set(r.cellKey, r.cell);
      clients.add(r.client);
    }
    const order = ['floor', 'ours', 'webtorrent', 'peerflix', 'nodefs'];
    this.clients = [...clients].sort((a, b) => {
      const ia = order.indexOf(a.startsWith('ours:') ? 'ours' : a);
      const ib = order.indexOf(b.startsWith('ours:') ? 'ours' : b);
      return ia - ib || a.localeCompare(b);
    });
  }

  cells(job: JobKind): Cell[] {
    return [...this.#cells.values()].filter((c) => c.job === job).sort(cellOrder);
  }

  get(cell: Cell, client: string): RunResult[] {
    return this.#by.get(`${cellKey(cell)}|${client}`) ?? [];
  }

  clientsIn(job: JobKind): string[] {
    return this.clients.filter((c) => this.cells(job).some((cell) => this.get(cell, c).length > 0));
  }
}

export interface Target {
  name: string;
  met: boolean | null;
  detail: string;
}

/**
 * A target's line: met when no judged cell missed it, not judged (null) when no cell had the
 * default build beside the floor (a run of variants only, BENCH_ADDONS or BENCH_VARIANTS).
 */
export function targetOf(
  name: string,
  fails: string[],
  judged: boolean,
  metDetail: string,
): Target {
  if (!judged) return { name, met: null, detail: 'not judged: no default build beside the floor' };
  if (fails.length) return { name, met: false, detail: `misses: ${fails.join('; ')}` };
  return { name, met: true, detail: metDetail };
}

export interface Summary {
  meta: BenchMeta;
  stats: { job: JobKind; cell: string; client: string; metric: string; stat: Stat }[];
  ratios: {
    job: JobKind;
    cell: string;
    metric: string;
    client: string;
    vs: string;
    ratio: number;
  }[];
  targets: Target[];
}

/** Writes summary.json, summary.md and the charts into outDir; returns the paths written. */
export interface Chart {
  file: string;
  svg: string;
}

/** Adds one SVG chart of a metric over cells and clients (log: a log scale). */
export type ChartFn = (
  file: string,
  title: string,
  unit: string,
  cells: Cell[],
  clients: string[],
  metric: (c: Cell, client: string) => Stat,
  log: boolean,
  note?: string,
) => void;

/** What every section of the report writes into: the runs, summary.json, summary.md, charts. */
export interface Reporter {
  runs: Runs;
  variants: string[];
  summary: Summary;
  md: string[];
  charts: Chart[];
  /** The stat of a metric in a cell for a client, recorded in summary.json. */
  S(cell: Cell, client: string, metric: string, scale?: number): Stat;
  /** A ratio of medians, recorded in summary.json. */
  R(cell: Cell, metric: string, client: string, vs: string, a: number, b: number): number;
  /** "median / p95" of a stat, or how many runs failed. */
  cellStr(s: Stat): string;
  chart: ChartFn;
}

export function makeReporter(raw: RawResults): Reporter {
  const runs = new Runs(raw.runs);
  const variants = runs.clients.filter((c) => c.startsWith('ours:'));
  const summary: Summary = { meta: raw.meta, stats: [], ratios: [], targets: [] };
  const md: string[] = [];
  const charts: Chart[] = [];

  const S = (cell: Cell, client: string, metric: string, scale = 1): Stat => {
    const s = stat(runs.get(cell, client), metric, scale);
    if (s.n > 0 || s.errors > 0)
      summary.stats.push({ job: cell.job, cell: label(cell), client, metric, stat: s });
    return s;
  };
  const R = (
    cell: Cell,
    metric: string,
    client: string,
    vs: string,
    a: number,
    b: number,
  ): number => {
    const r = ratio(a, b);
    if (Number.isFinite(r))
      summary.ratios.push({ job: cell.job, cell: label(cell), metric, client, vs, ratio: r });
    return r;
  };
  const cellStr = (s: Stat): string => {
    if (s.n === 0) return s.errors > 0 ? `fail×${s.errors}` : '–';
    const err = s.errors > 0 ? ` (${s.errors} failed)` : '';
    return `${ms(s.median)} / ${ms(s.p95)}${err}`;
  };
  const chart: ChartFn = (file, title, unit, cells, clients, metric, log, note) => {
    if (cells.length === 0) return;
    const series: Series[] = clients.map((client) => ({
      name: name(client),
      color: color(client, variants),
      values: cells.map((cell) => {
        const s = metric(cell, client);
        return { median: s.median, p95: s.p95 };
      }),
    }));
    charts.push({
      file,
      svg: groupedBars({ title, unit, groups: cells.map(label), series, log, note }),
    });
  };

  return { runs, variants, summary, md, charts, S, R, cellStr, chart };
}
