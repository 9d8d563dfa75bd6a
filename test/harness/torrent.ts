import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { type BValue, bBytes, bDict, bdecode, bInt, bList } from './bencode.ts';
import { run } from './proc.ts';

export interface TorrentFile {
  /** Path inside the torrent, '/'-joined, starting with the torrent name for multi-file torrents. */
  path: string;
  size: number;
  /** Byte offset of the file within the torrent's concatenated data. */
  offset: number;
}

export interface TorrentMeta {
  /** v1 info hash, lowercase hex. */
  infoHash: string;
  name: string;
  pieceLength: number;
  numPieces: number;
  totalSize: number;
  /** Files in torrent order. */
  files: TorrentFile[];
}

export interface MakeTorrentOptions {
  /** Piece length is 2^pieceLengthExp bytes. */
  pieceLengthExp: number;
  announce?: string;
}

/** Builds a .torrent with mktorrent, a tool independent of libtorrent and aria2. */
export async function makeTorrent(
  target: string,
  out: string,
  opts: MakeTorrentOptions,
): Promise<Buffer> {
  const args = ['-d', '-l', String(opts.pieceLengthExp), '-o', out];
  if (opts.announce) args.push('-a', opts.announce);
  await rm(out, { force: true }); // mktorrent refuses to overwrite
  await run('mktorrent', [...args, target]);
  return readFile(out);
}

export function readTorrent(torrent: Buffer): TorrentMeta {
  const { value, info: rawInfo } = bdecode(torrent);
  if (!rawInfo) throw new Error('torrent has no info dictionary');
  const info = bDict(value, 'info');
  const name = bBytes(info, 'name').toString('utf8');
  const pieceLength = bInt(info, 'piece length');
  const numPieces = bBytes(info, 'pieces').length / 20;

  const entries: BValue[] | undefined = bList(info, 'files');
  const sized = entries
    ? entries.map((f) => {
        const parts = bList(f, 'path') ?? [];
        const rel = parts.map((p) => (Buffer.isBuffer(p) ? p.toString('utf8') : String(p)));
        return { path: [name, ...rel].join('/'), size: bInt(f, 'length') };
      })
    : [{ path: name, size: bInt(info, 'length') }];

  let offset = 0;
  const files = sized.map((f) => {
    const file = { ...f, offset };
    offset += f.size;
    return file;
  });
  if (Math.ceil(offset / pieceLength) !== numPieces)
    throw new Error('torrent piece count does not match its size');

  const infoHash = createHash('sha1').update(rawInfo).digest('hex');
  return { infoHash, name, pieceLength, numPieces, totalSize: offset, files };
}
