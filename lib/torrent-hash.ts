// The v1 info hash of .torrent bytes (SHA-1 of the bencoded `info` dictionary, as it stands in
// the file), found by walking the bencoding without decoding it. Pure; for keying tracks.
import { createHash } from 'node:crypto';

const COLON = 0x3a;
const END = 0x65; // 'e'
/** Deeper nesting than any real torrent has: bounds the walk on hostile bytes. */
const MAX_DEPTH = 64;

/** The offset just past the bencoded value that starts at `at`, or -1 if it is malformed. */
function skipValue(bytes: Uint8Array, at: number, depth: number): number {
  if (at >= bytes.length || depth > MAX_DEPTH) return -1;
  const c = bytes[at] as number;
  if (c === 0x69) {
    // i<digits>e
    const end = bytes.indexOf(END, at + 1);
    return end < 0 ? -1 : end + 1;
  }
  if (c === 0x6c || c === 0x64) {
    // l<values>e, d<key value ...>e
    let pos = at + 1;
    while (pos < bytes.length && bytes[pos] !== END) {
      pos = skipValue(bytes, pos, depth + 1);
      if (pos < 0) return -1;
    }
    return pos < bytes.length ? pos + 1 : -1;
  }
  return skipString(bytes, at).end;
}

/** A bencoded string <len>:<bytes> at `at`: where its bytes start and where it ends (-1: bad). */
function skipString(bytes: Uint8Array, at: number): { start: number; end: number } {
  let length = 0;
  let pos = at;
  while (pos < bytes.length && bytes[pos] !== COLON) {
    const digit = (bytes[pos] as number) - 0x30;
    if (digit < 0 || digit > 9 || pos - at > 12) return { start: -1, end: -1 };
    length = length * 10 + digit;
    pos += 1;
  }
  if (pos === at || pos >= bytes.length) return { start: -1, end: -1 };
  const start = pos + 1;
  const end = start + length;
  return end <= bytes.length ? { start, end } : { start: -1, end: -1 };
}

/**
 * The v1 info hash of a .torrent file as 40 lowercase hex digits, or undefined when the bytes
 * are not a bencoded dictionary with an `info` entry. Hybrid torrents have the same v1 hash as
 * their btih magnet; a v2-only torrent gets SHA-1 of its info dictionary too, which is a stable
 * key though no btih magnet names it.
 */
export function torrentInfoHash(bytes: Uint8Array): string | undefined {
  if (bytes[0] !== 0x64) return undefined;
  let info: Uint8Array | undefined;
  let pos = 1;
  while (pos < bytes.length && bytes[pos] !== END) {
    const key = skipString(bytes, pos);
    if (key.start < 0) return undefined;
    const valueEnd = skipValue(bytes, key.end, 1);
    if (valueEnd < 0) return undefined;
    const name = Buffer.from(bytes.subarray(key.start, key.end)).toString('latin1');
    if (name === 'info' && bytes[key.end] === 0x64) info = bytes.subarray(key.end, valueEnd);
    pos = valueEnd;
  }
  // Only a whole, well-formed file counts: a truncated one is no torrent.
  if (pos >= bytes.length || !info) return undefined;
  return createHash('sha1').update(info).digest('hex');
}
