// Small, dependency-free SVG charts: grouped bars (median) with a whisker to the p95.

export interface BarValue {
  median: number;
  /** Whisker end (p95); NaN for none. */
  p95: number;
}

export interface Series {
  name: string;
  color: string;
  values: BarValue[];
}

export interface ChartOptions {
  title: string;
  /** y-axis label, with its unit. */
  unit: string;
  groups: string[];
  series: Series[];
  log?: boolean;
  note?: string;
}

function esc(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function tickLabel(v: number): string {
  if (v === 0) return '0';
  if (Math.abs(v) >= 1000) return `${(v / 1000).toPrecision(3).replace(/\.?0+$/, '')}k`;
  if (Math.abs(v) >= 1) return String(Number(v.toPrecision(3)));
  return String(Number(v.toPrecision(2)));
}

function niceStep(range: number): number {
  const raw = range / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

export function groupedBars(opts: ChartOptions): string {
  const { groups, series } = opts;
  const barW = 14;
  const gap = 18;
  const groupW = series.length * barW + gap;
  const left = 72;
  const longest = Math.min(40, Math.max(0, ...groups.map((g) => g.length)));
  const plotEnd = left + groups.length * groupW;
  // Group labels are rotated 40°: the last one reaches ~4.8 px per character past its group.
  const right = 16;
  const width = Math.max(560, plotEnd + right + Math.max(0, longest * 4.8 - groupW / 2));
  const perRow = Math.max(1, Math.floor((width - left - right) / 230));
  const top = 58 + Math.ceil(series.length / perRow) * 18;
  const plotH = 300;
  const bottom = 30 + longest * 4.2;
  const height = top + plotH + bottom + (opts.note ? 20 : 0);
  const values = series
    .flatMap((s) => s.values.flatMap((v) => [v.median, v.p95]))
    .filter((v) => Number.isFinite(v));
  const positives = values.filter((v) => v > 0);
  const log = opts.log === true && positives.length > 0;
  let lo = 0;
  let hi = Math.max(1e-9, ...values) * 1.08;
  const ticks: number[] = [];
  if (log) {
    lo = 10 ** Math.floor(Math.log10(Math.min(...positives)));
    hi = 10 ** Math.ceil(Math.log10(Math.max(...positives)));
    if (hi <= lo) hi = lo * 10;
    for (let d = lo; d <= hi * 1.001; d *= 10) {
      for (const m of [1, 2, 5]) if (d * m <= hi * 1.001) ticks.push(d * m);
    }
  } else {
    const step = niceStep(hi);
    hi = Math.ceil(hi / step) * step;
    for (let v = 0; v <= hi + step / 2; v += step) ticks.push(v);
  }
  const y = (v: number): number => {
    if (!Number.isFinite(v)) return Number.NaN;
    const f = log
      ? (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))
      : v / hi;
    return top + plotH - Math.max(0, Math.min(1, f)) * plotH;
  };

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${left}" y="20" font-size="14" font-weight="bold">${esc(opts.title)}</text>`,
  );
  series.forEach((s, i) => {
    const lx = left + (i % perRow) * 230;
    const ly = 38 + Math.floor(i / perRow) * 18;
    out.push(
      `<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${s.color}"/>`,
      `<text x="${lx + 14}" y="${ly}">${esc(s.name)}</text>`,
    );
  });
  for (const t of ticks) {
    const ty = y(t);
    out.push(
      `<line x1="${left}" x2="${plotEnd}" y1="${ty}" y2="${ty}" stroke="#e5e5e5"/>`,
      `<text x="${left - 6}" y="${ty + 4}" text-anchor="end" fill="#444">${tickLabel(t)}</text>`,
    );
  }
  out.push(
    `<text transform="translate(16 ${top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#444">${esc(opts.unit)}${log ? ' (log scale)' : ''}</text>`,
    `<line x1="${left}" x2="${plotEnd}" y1="${top + plotH}" y2="${top + plotH}" stroke="#888"/>`,
  );
  groups.forEach((g, gi) => {
    const gx = left + gap / 2 + gi * groupW;
    series.forEach((s, si) => {
      const v = s.values[gi];
      if (!v || !Number.isFinite(v.median)) return;
      const x = gx + si * barW;
      const by = y(v.median);
      const h = top + plotH - by;
      out.push(
        `<rect x="${x}" y="${by}" width="${barW - 2}" height="${Math.max(h, 0.5)}" fill="${s.color}"><title>${esc(`${s.name} · ${g}: median ${tickLabel(v.median)}, p95 ${tickLabel(v.p95)}`)}</title></rect>`,
      );
      if (Number.isFinite(v.p95) && v.p95 > v.median) {
        const cx = x + (barW - 2) / 2;
        const wy = y(v.p95);
        out.push(
          `<line x1="${cx}" x2="${cx}" y1="${by}" y2="${wy}" stroke="#222"/>`,
          `<line x1="${cx - 3}" x2="${cx + 3}" y1="${wy}" y2="${wy}" stroke="#222"/>`,
        );
      }
    });
    const lx = gx + (series.length * barW) / 2;
    const ly = top + plotH + 10;
    out.push(
      `<text transform="translate(${lx} ${ly}) rotate(40)" text-anchor="start" fill="#222">${esc(g.length > 40 ? `${g.slice(0, 39)}…` : g)}</text>`,
    );
  });
  if (opts.note)
    out.push(`<text x="${left}" y="${height - 8}" fill="#666">${esc(opts.note)}</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
