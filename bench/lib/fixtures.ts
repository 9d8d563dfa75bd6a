import { randomBytes } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { soxTones } from '../../test/harness/fixtures.ts';
import { magnetFor } from '../../test/harness/magnet.ts';
import { makeTorrent, readTorrent, type TorrentMeta } from '../../test/harness/torrent.ts';

export interface BenchTorrent extends TorrentMeta {
  torrentPath: string;
  /** The seeders' save path: the content lives at dataDir/name. */
  dataDir: string;
  /** A bare magnet (xt and dn only): peers are always added directly. */
  magnet: string;
}

export interface Fixtures {
  dir: string;
  /** One long FLAC, as a torrent per piece size (KiB → torrent). */
  main: Map<number, BenchTorrent>;
  /** The same length in Ogg Vorbis (~34 kB/s), a torrent per piece size (the Ogg bisect burst). */
  ogg: Map<number, BenchTorrent>;
  /** The album's first track (9.6 MB) on its own, a torrent per piece size (the bulk reader). */
  bulk: Map<number, BenchTorrent>;
  /** Three FLAC tracks in one torrent, 256 KiB pieces (next-track start, CPU work). */
  album: BenchTorrent;
  /** A large file for the cached-serving measurements, 1 MiB pieces. */
  serve: BenchTorrent;
}

export const PIECE_SIZES_KIB = [64, 256, 1024] as const;
const FIRST_TRACK = '01 - First.flac';

/** sox noise with sweeping tones, FLAC-encoded: real, incompressible-ish audio (~1.27 Mbit/s). */
async function soxFlac(
  out: string,
  seconds: number,
  [a, fa, b, fb]: [string, string, string, string],
): Promise<void> {
  await soxTones(out, seconds, [a, fa, b, fb, 'whitenoise']);
}

async function randomFile(path: string, bytes: number): Promise<void> {
  const file = await open(path, 'w');
  try {
    const chunk = 8 << 20;
    for (let done = 0; done < bytes; done += chunk)
      await file.write(randomBytes(Math.min(chunk, bytes - done)));
  } finally {
    await file.close();
  }
}

async function torrent(
  target: string,
  dataDir: string,
  out: string,
  pieceExp: number,
): Promise<BenchTorrent> {
  const meta = readTorrent(await makeTorrent(target, out, { pieceLengthExp: pieceExp }));
  return {
    ...meta,
    torrentPath: out,
    dataDir,
    magnet: magnetFor(meta.infoHash, { name: meta.name }),
  };
}

/**
 * Generates the audio and the .torrent files (mktorrent) under dir. mainSeconds sets the long
 * track's length (~160 KB per second), serveBytes the cached-serving file's size.
 */
export async function makeFixtures(
  dir: string,
  mainSeconds: number,
  serveBytes: number,
): Promise<Fixtures> {
  const dataDir = join(dir, 'data');
  const albumDir = join(dataDir, 'Album');
  const torrents = join(dir, 'torrents');
  await mkdir(albumDir, { recursive: true });
  await mkdir(torrents, { recursive: true });
  // An odd byte count keeps the last piece short, as in real torrents.
  await Promise.all([
    soxFlac(join(dataDir, 'main.flac'), mainSeconds, ['sine', '200-2000', 'sine', '2000-200']),
    soxFlac(join(albumDir, FIRST_TRACK), 61, ['sine', '300-900', 'sine', '350-1000']),
    // -C 8: Vorbis quality 8, about 34 kB/s of this noise, so a bisection spans several pieces.
    soxTones(
      join(dataDir, 'main.ogg'),
      mainSeconds,
      ['sine', '200-2000', 'sine', '2000-200', 'whitenoise'],
      ['-C', '8'],
    ),
    soxFlac(join(albumDir, '02 - Second.flac'), 59, ['square', '110-440', 'sine', '220-880']),
    soxFlac(join(albumDir, '03 - Third.flac'), 47, ['sawtooth', '80-160', 'sine', '500-250']),
    randomFile(join(dataDir, 'serve.flac'), serveBytes + 12_345),
  ]);
  const perPieceSize = async (
    target: string,
    seedDir: string,
    name: string,
  ): Promise<Map<number, BenchTorrent>> => {
    const out = new Map<number, BenchTorrent>();
    for (const kib of PIECE_SIZES_KIB) {
      const exp = Math.log2(kib * 1024);
      out.set(kib, await torrent(target, seedDir, join(torrents, `${name}-${kib}k.torrent`), exp));
    }
    return out;
  };
  const main = await perPieceSize(join(dataDir, 'main.flac'), dataDir, 'main');
  const ogg = await perPieceSize(join(dataDir, 'main.ogg'), dataDir, 'ogg');
  const bulk = await perPieceSize(join(albumDir, FIRST_TRACK), albumDir, 'bulk');
  const album = await torrent(albumDir, dataDir, join(torrents, 'album.torrent'), 18);
  const serve = await torrent(
    join(dataDir, 'serve.flac'),
    dataDir,
    join(torrents, 'serve.torrent'),
    20,
  );
  return { dir, main, ogg, bulk, album, serve };
}
