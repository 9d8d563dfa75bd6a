/**
 * Text the command line prints: sizes, rates, the progress bar, the live stats line, the file
 * table and the M3U playlist. Pure functions, no I/O.
 * @packageDocumentation
 */
import type { FileEntry, StreamStats } from './types';

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB'] as const;
const BAR_WIDTH = 24;

/** A byte count for humans, in binary units: `512 B`, `1.5 KiB`, `12.3 MiB`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 1024) return `${Math.max(0, Math.round(bytes || 0))} B`;
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** A rate for humans: `1.2 MiB/s`. */
export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** The progress bar line: `[##########--------------]  42%  buffering`. */
export function progressText(fraction: number, status: string): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.round(clamped * BAR_WIDTH);
  const bar = `${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}`;
  const percent = `${Math.floor(clamped * 100)}%`.padStart(4);
  return `[${bar}] ${percent}  ${status}`;
}

/** The live stats line: rate, peers, buffered ahead, pieces and state. */
export function statsText(stats: StreamStats): string {
  const seeds = stats.numSeeds === 1 ? '1 seed' : `${stats.numSeeds} seeds`;
  const peers = stats.numPeers === 1 ? '1 peer' : `${stats.numPeers} peers`;
  return [
    `down ${formatRate(stats.downloadRate)}`,
    `${peers} (${seeds})`,
    `${formatBytes(stats.bufferedAhead)} ahead`,
    `pieces ${stats.piecesHad}/${stats.piecesTotal}`,
    stats.state,
  ].join(' | ');
}

/** The `files` table: a header, then one row per file (index, size, MIME type, name). */
export function filesTable(files: readonly FileEntry[]): string {
  const rows = files.map((f) => [String(f.index), formatBytes(f.size), f.mime, f.name] as const);
  const header = ['#', 'size', 'type', 'name'] as const;
  const width = (column: 0 | 1 | 2): number =>
    Math.max(header[column].length, ...rows.map((row) => row[column].length));
  const [w0, w1, w2] = [width(0), width(1), width(2)];
  const line = (row: readonly [string, string, string, string]): string =>
    `${row[0].padStart(w0)}  ${row[1].padStart(w1)}  ${row[2].padEnd(w2)}  ${row[3]}`;
  return `${[header, ...rows].map(line).join('\n')}\n`;
}

/** The last path component of a torrent file name, with line breaks made spaces. */
export function displayName(name: string): string {
  const base = name.slice(name.lastIndexOf('/') + 1) || name;
  return base.replace(/[\r\n]+/g, ' ');
}

/** An extended M3U playlist with one entry, which mpv, VLC and most players open. */
export function m3u(name: string, url: string): string {
  return `#EXTM3U\n#EXTINF:-1,${displayName(name)}\n${url}\n`;
}
