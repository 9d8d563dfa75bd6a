// The table every latency pattern shares: per cell, each client's median / p95, every vozduxan
// build ÷ the floor, ours ÷ each peer, an optional physical limit, and a target mark; its misses
// become one line of the report's targets.
import type { Cell, JobKind } from './jobs.ts';
import { label, mark, ms, PEERS, type Reporter, ratio, short, targetOf, x } from './report-core.ts';

export interface RatioMetric {
  metric: string;
  /** The table's heading, after its section number. */
  title: string;
  /** Target: ours ≤ limit × the floor (and ≤ every peer). */
  limit: number;
}

export interface RatioSections {
  job: JobKind;
  /** Section number in summary.md, e.g. '1b'. */
  number: string;
  /** The paragraph under each heading (what was done, what the target is). */
  note: (m: RatioMetric) => string;
  /** The target's line in the report's targets. */
  target: string;
  /** A column of what physics allows (ms) per cell, e.g. one piece at the fastest seeder's rate. */
  physical?: { head: string; ms: (cell: Cell) => number };
}

/** One table per metric over the job's cells; pushes the target (met when every cell judged is). */
export function ratioSections(rep: Reporter, opts: RatioSections, metrics: RatioMetric[]): void {
  const { runs, md, S, R, cellStr, summary } = rep;
  const cells = runs.cells(opts.job);
  if (cells.length === 0) return;
  const clients = runs.clientsIn(opts.job);
  const peers = PEERS.filter((p) => clients.includes(p));
  const ours = clients.filter((c) => c.startsWith('ours'));
  const fails: string[] = [];
  let judged = 0; // cells where the default build ran beside the floor
  const heads = [...ours.map((o) => `${short(o)}÷floor`), ...peers.map((p) => `ours÷${short(p)}`)];
  const physical = opts.physical ? [opts.physical.head] : [];
  const row = (cols: string[]): string => `| ${cols.join(' | ')} |`;
  for (const m of metrics) {
    const { metric, limit } = m;
    md.push(
      `## ${opts.number}. ${m.title} (ms, median / p95)`,
      '',
      opts.note(m),
      '',
      row(['cell', ...physical, ...clients.map(short), ...heads, 'target']),
      row([
        '---',
        ...physical.map(() => '---:'),
        ...clients.map(() => '---:'),
        ...heads.map(() => '---:'),
        ':-:',
      ]),
    );
    for (const cell of cells) {
      const floor = S(cell, 'floor', metric);
      const own = S(cell, 'ours', metric);
      const rf = ours.map((o) =>
        R(cell, metric, o, 'floor', S(cell, o, metric).median, floor.median),
      );
      const peerMed = peers.map((p) => S(cell, p, metric).median);
      const rp = peers.map((p, i) =>
        R(cell, metric, 'ours', p, own.median, peerMed[i] ?? Number.NaN),
      );
      const r0 = ratio(own.median, floor.median);
      const ok = Number.isFinite(r0)
        ? r0 <= limit && peerMed.every((p) => !Number.isFinite(p) || own.median <= p)
        : null;
      if (ok !== null) judged++;
      if (ok === false) fails.push(`${metric} ${label(cell)} (${x(r0)} floor)`);
      const phys = opts.physical ? [ms(opts.physical.ms(cell))] : [];
      const cols = clients.map((c) => cellStr(S(cell, c, metric)));
      md.push(row([label(cell), ...phys, ...cols, ...rf.map(x), ...rp.map(x), mark(ok)]));
    }
    md.push('');
  }
  summary.targets.push(targetOf(opts.target, fails, judged > 0, 'all met'));
}
