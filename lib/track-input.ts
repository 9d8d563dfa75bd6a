// Pure input parsing for the Player: what a call names as a track, checked and keyed. No
// session, no state: unit-tested on its own (test/unit/track-input.test.ts).
import { torrentBytes } from './base64';
import { VozduxanError } from './errors';
import type { TorrentFileInput } from './player-types';
import { torrentInfoHash } from './torrent-hash';

/** A player call's track, checked: what to prepare and what "the same track" means. */
export interface Track {
  magnet: string;
  fileIdx: number;
  /**
   * Info hash (the magnet's, else the .torrent bytes', else the magnet's own text) plus file
   * index.
   */
  key: string;
  torrent: Uint8Array | undefined;
  peers: string[] | undefined;
}

/**
 * Checks a player call's track arguments and keys the track.
 * @param what the .torrent argument's name, for the BAD_INPUT message.
 * @throws VozduxanError BAD_INPUT (no options object, magnet not a string, bad .torrent),
 *   INVALID_FILE (fileIdx not a number).
 */
export function readTrack(
  options: { peers?: string[] } | null | undefined,
  magnet: unknown,
  fileIdx: unknown,
  torrentFile: TorrentFileInput | undefined,
  what = 'torrentFile',
): Track {
  if (typeof options !== 'object' || options === null) {
    throw new VozduxanError('BAD_INPUT', 'expected an options object');
  }
  if (typeof magnet !== 'string') throw new VozduxanError('BAD_INPUT', 'magnet must be a string');
  if (typeof fileIdx !== 'number')
    throw new VozduxanError('INVALID_FILE', 'fileIdx must be a number');
  const torrent = torrentBytes(torrentFile, what);
  return {
    magnet,
    fileIdx,
    key: trackKey(magnet, fileIdx, torrent),
    torrent,
    peers: options.peers,
  };
}

/**
 * What identifies a track: the magnet's v1 info hash (hex or base32 spell the same key), else
 * the .torrent bytes' (so tracks given only as bytes never share a key across albums), and the
 * file index; with neither, the magnet's own text.
 * @param torrent the track's .torrent bytes, if the call gave them.
 */
export function trackKey(magnet: string, fileIdx: number, torrent?: Uint8Array): string {
  const hash = infoHashOf(magnet) ?? (torrent ? torrentInfoHash(torrent) : undefined);
  return `${hash ?? magnet}#${fileIdx}`;
}

/** The v1 info hash of a magnet as 40 lowercase hex digits (hex or base32 `xt`), or undefined. */
export function infoHashOf(magnet: string): string | undefined {
  const match = /[?&]xt=urn:btih:([0-9a-z]+)/i.exec(magnet);
  const hash = match?.[1]?.toLowerCase();
  if (!hash) return undefined;
  if (/^[0-9a-f]{40}$/.test(hash)) return hash;
  if (hash.length !== 32) return undefined;
  return base32ToHex(hash);
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * Decodes RFC 4648 base32 (lowercase, no padding) to hex; undefined on a character outside
 * the alphabet. Only whole nibbles are kept: 32 characters (160 bits) give 40 hex digits.
 */
export function base32ToHex(text: string): string | undefined {
  let bits = '';
  for (const char of text) {
    const value = BASE32.indexOf(char);
    if (value < 0) return undefined;
    bits += value.toString(2).padStart(5, '0');
  }
  return (bits.match(/.{4}/g) ?? [])
    .map((nibble) => Number.parseInt(nibble, 2).toString(16))
    .join('');
}
