// Hybrid (v1+v2) and v2-only torrents made by libtorrent's own creator (lt_make_torrent.py),
// over a small album of random bytes named as audio: files of several pieces (checked against
// their piece layer) and one smaller than a piece (checked against its file root).
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PYTHON, run } from './proc.ts';

export type LtTorrentMode = 'hybrid' | 'v2';

export interface LtTorrent {
  mode: LtTorrentMode;
  torrent: Buffer;
  torrentPath: string;
  /** The seeder's save path: it holds the album folder. */
  dataDir: string;
  v1: string | null;
  v2: string;
  /** By path inside the album, as listFiles names them (album/NAME). */
  sha256: Map<string, string>;
}

const MAKER = fileURLToPath(new URL('./lt_make_torrent.py', import.meta.url));
const ALBUM: ReadonlyArray<readonly [string, number]> = [
  ['01.flac', 300_000],
  ['02.mp3', 100_000],
  ['03.wav', 10_000],
];

export async function makeLtTorrent(dir: string, mode: LtTorrentMode): Promise<LtTorrent> {
  const dataDir = join(dir, mode);
  const album = join(dataDir, 'album');
  mkdirSync(album, { recursive: true });
  const sha256 = new Map<string, string>();
  for (const [name, size] of ALBUM) {
    const bytes = randomBytes(size);
    writeFileSync(join(album, name), bytes);
    sha256.set(`album/${name}`, createHash('sha256').update(bytes).digest('hex'));
  }
  const torrentPath = join(dir, `${mode}.torrent`);
  const out = await run(PYTHON, [
    MAKER,
    '--content',
    album,
    '--out',
    torrentPath,
    '--mode',
    mode,
    '--piece-size',
    String(32 * 1024),
  ]);
  const hashes = JSON.parse(out.trim()) as { v1: string | null; v2: string };
  return {
    mode,
    torrent: readFileSync(torrentPath),
    torrentPath,
    dataDir,
    v1: hashes.v1,
    v2: hashes.v2,
    sha256,
  };
}

/** A magnet naming the torrent by its v1 hash, its v2 hash, or both, with peer hints. */
export function ltMagnet(
  torrent: LtTorrent,
  by: 'btih' | 'btmh' | 'both',
  peers: readonly string[],
): string {
  const xts: string[] = [];
  if (by !== 'btmh') {
    if (!torrent.v1) throw new Error(`a ${torrent.mode} torrent has no v1 hash`);
    xts.push(`xt=urn:btih:${torrent.v1}`);
  }
  if (by !== 'btih') xts.push(`xt=urn:btmh:1220${torrent.v2}`);
  return `magnet:?${[...xts, ...peers.map((p) => `x.pe=${p}`)].join('&')}`;
}
