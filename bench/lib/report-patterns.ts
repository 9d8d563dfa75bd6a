// The report's sections for the patterns of issue 18: browser bursts, a swarm of three rates, a
// seeder that drops mid-piece, and the bulk reader's share of the link.
import { FLAC_LEAD_BYTES, OGG_RANGES } from './burst.ts';
import type { Cell } from './jobs.ts';
import { label, mark, num, PEERS, type Reporter, short, stat, x } from './report-core.ts';
import { ratioSections } from './report-ratios.ts';
import { DROP_AT, DROP_SURVIVOR_SHARE } from './swarm.ts';

const FIRST_BYTE = {
  metric: 'ttfb',
  title: 'First byte of `bytes=0-` from the add call',
  limit: 1.1,
};

/** One piece at the fastest seeder's rate: what physics allows a seek in a swarm, set-up aside. */
function pieceAtFastest(cell: Cell): number {
  return ((cell.pieceKiB * 1024) / Math.max(...(cell.swarm ?? [cell.rate]))) * 1000;
}

/** 1c: bursts as browsers make them. */
export function burstSections(rep: Reporter): void {
  ratioSections(
    rep,
    {
      job: 'burst',
      number: '1c',
      note: ({ metric, limit }) =>
        `Seeks as Chromium makes them, right after the first byte of the head: a FLAC seek reads ${FLAC_LEAD_BYTES / 1000} kB ` +
        `before its target, then the target; an Ogg seek bisects with ${OGG_RANGES} Ranges converging on it. Each Range is ` +
        "asked the moment the one before gave its first byte, and drops it. Timed from the burst's first request to its " +
        "last Range's first byte; the floor fetches the same offsets' pieces one after another. burst 2 follows burst 1 " +
        `at once. Target: ours ≤ ${limit}× floor and ${metric === 'ttfb' ? '≤ the best peer' : 'ahead of both peers'}.`,
      target:
        'Bursts as browsers make them (FLAC seek, Ogg bisect) ≤ 1.2× floor, at every round trip',
    },
    [
      FIRST_BYTE,
      { metric: 'burst1', title: 'Burst 1, the moment the first byte came', limit: 1.2 },
      { metric: 'burst2', title: "Burst 2, the moment burst 1's last Range came", limit: 1.2 },
    ],
  );
}

/** 8 (a swarm of three rates) and 9 (a seeder drops mid-piece). */
export function swarmSections(rep: Reporter): void {
  ratioSections(
    rep,
    {
      job: 'swarm',
      number: '8',
      note: ({ limit }) =>
        'Three seeders, each shaped by its own htb class on its own port, every client dialling all three. Seek 50 %: a ' +
        "Range at 50 % the moment the head's first byte came; seek 90 %: after playing 1 s at 50 % (the floor idles as " +
        "long). The seek's piece should come from the fast idle peer, never wait on the 50 KiB/s one. piece÷fastest: one " +
        `piece at the fastest seeder's rate. Target: ours ≤ ${limit}× floor and ahead of both peers.`,
      target: 'Swarm of three rates: first byte ≤ 1.1× floor, seeks ≤ 1.2× floor',
      physical: { head: 'piece÷fastest', ms: pieceAtFastest },
    },
    [
      FIRST_BYTE,
      { metric: 'swarm50', title: 'Swarm: seek to 50 % right after the first byte', limit: 1.2 },
      { metric: 'swarm90', title: 'Swarm: seek to 90 % after playing 1 s', limit: 1.2 },
    ],
  );
  ratioSections(
    rep,
    {
      job: 'drop',
      number: '9',
      note: ({ limit }) =>
        `Two seeders: the first at the cell's rate, the second at ${DROP_SURVIVOR_SHARE}× of it. A Range at 50 % is asked ` +
        `the moment the head's first byte came, and the first seeder is killed ${DROP_AT} of one piece's transfer time ` +
        "later (the kernel closes its sockets): ms to the Range's first byte. The floor's piece request meets the same " +
        `kill at the same delay. Target: ours ≤ ${limit}× floor and ahead of both peers.`,
      target: 'A seeder drops mid-piece: the seek ≤ 1.2× floor',
    },
    [FIRST_BYTE, { metric: 'drop', title: 'Seek while its seeder drops mid-piece', limit: 1.2 }],
  );
}

/** 3b: a bulk reader's throughput ÷ the link rate, target ≥ 90 % at 150 ms RTT. */
export function bulkSection(rep: Reporter): void {
  const { runs, md, S, R, summary, chart } = rep;
  const cells = runs.cells('bulk');
  if (cells.length === 0) return;
  const clients = runs.clientsIn('bulk');
  const peers = PEERS.filter((p) => clients.includes(p));
  const heads = ['ours÷floor', ...peers.map((p) => `ours÷${short(p)}`)];
  const row = (cols: string[]): string => `| ${cols.join(' | ')} |`;
  md.push(
    '## 3b. Bulk reader: throughput ÷ link rate (median / min)',
    '',
    "One plain GET of a whole 9.6 MB track (the album's first, as a torrent per piece size) as fast as it comes, no " +
      'position reports; the floor downloads the file with libtorrent defaults. The file size ÷ (last byte − add call) ' +
      '÷ the shaped rate. Target: ours ≥ 90 % at 150 ms RTT.',
    '',
    row(['cell', ...clients.map(short), ...heads, 'target']),
    row(['---', ...clients.map(() => '---:'), ...heads.map(() => '---:'), ':-:']),
  );
  const fails: string[] = [];
  for (const cell of cells) {
    const pct = (c: string): string => {
      const s = S(cell, c, 'bulkRatio', 100);
      if (s.n === 0) return s.errors ? `fail×${s.errors}` : '–';
      return `${num(s.median, 1)} % / ${num(s.min, 1)} %${s.errors ? ` (${s.errors} failed)` : ''}`;
    };
    const med = (c: string): number => stat(runs.get(cell, c), 'bulkRatio').median;
    const ours = med('ours');
    const rf = R(cell, 'bulkRatio', 'ours', 'floor', ours, med('floor'));
    const rp = peers.map((p) => R(cell, 'bulkRatio', 'ours', p, ours, med(p)));
    const ok = (cell.rttMs ?? 0) >= 150 && Number.isFinite(ours) ? ours >= 0.9 : null;
    if (ok === false) fails.push(`${label(cell)}: ${num(ours * 100, 1)} %`);
    md.push(row([label(cell), ...clients.map(pct), x(rf), ...rp.map(x), mark(ok)]));
  }
  md.push('');
  summary.targets.push({
    name: 'A bulk reader at 150 ms RTT gets ≥ 90 % of the link rate',
    met: cells.some((c) => (c.rttMs ?? 0) >= 150) ? fails.length === 0 : null,
    detail: fails.join('; ') || 'every cell at 150 ms RTT within target',
  });
  chart(
    'bulk.svg',
    'Bulk reader throughput ÷ link rate (median, whisker p95)',
    '% of link',
    cells,
    clients,
    (c, cl) => stat(runs.get(c, cl), 'bulkRatio', 100),
    false,
  );
}
