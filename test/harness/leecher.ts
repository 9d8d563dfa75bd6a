import { fileURLToPath } from 'node:url';
import { PYTHON, spawnTied } from './proc.ts';

export interface FetchOptions {
  /** Exactly one of torrentPath and magnet. */
  torrentPath?: string;
  magnet?: string;
  saveDir: string;
  /** '127.0.0.1:PORT' peers to dial (in addition to any magnet x.pe hints). */
  peers?: readonly string[];
  timeoutMs?: number;
}

const LT_FETCH = fileURLToPath(new URL('./lt_fetch.py', import.meta.url));

/**
 * Downloads a torrent completely with an independent libtorrent (Python) leecher,
 * loopback-only like the seeders. Resolves with the leecher's own elapsed seconds.
 */
export async function ltFetch(opts: FetchOptions): Promise<{ seconds: number }> {
  if ((opts.torrentPath === undefined) === (opts.magnet === undefined)) {
    throw new Error('ltFetch needs exactly one of torrentPath and magnet');
  }
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const args = [LT_FETCH, '--save-path', opts.saveDir, '--timeout', String(timeoutMs / 1000)];
  if (opts.torrentPath !== undefined) args.push('--torrent', opts.torrentPath);
  if (opts.magnet !== undefined) args.push('--magnet', opts.magnet);
  for (const p of opts.peers ?? []) args.push('--peer', p);

  const proc = spawnTied(PYTHON, args, { guard: 'stdin' });
  try {
    // The script enforces the timeout itself; the margin here only covers a hung interpreter.
    const m = await proc.waitForLine(/^DONE ([\d.]+)$/, timeoutMs + 10_000);
    const exit = await proc.exited;
    if (exit.code !== 0)
      throw new Error(`lt_fetch exited (${exit.signal ?? exit.code}): ${proc.output()}`);
    return { seconds: Number(m[1]) };
  } finally {
    await proc.stop(1000);
  }
}
