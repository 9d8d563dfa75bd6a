import { VozduxanError } from './errors';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes standard base64 (RFC 4648 §4, padding optional, whitespace ignored), strictly:
 * Node's `Buffer.from(text, 'base64')` silently skips junk, which would turn a corrupt
 * .torrent into a confusing engine error instead of BAD_INPUT.
 * @throws VozduxanError BAD_INPUT when `text` is empty or not base64.
 */
export function decodeBase64(text: string, what = 'value'): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  const body = clean.replace(/=+$/, '');
  const padded = clean.length !== body.length;
  if (
    clean === '' ||
    !BASE64.test(clean) ||
    body.length % 4 === 1 ||
    (padded && clean.length % 4 !== 0)
  ) {
    throw new VozduxanError('BAD_INPUT', `${what} is not valid base64`);
  }
  const bytes = Buffer.from(body, 'base64');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

/**
 * Normalises a .torrent given as bytes or base64 (as the seeds' commands pass it).
 * `null` and `undefined` mean "no .torrent".
 * @throws VozduxanError BAD_INPUT for bad base64 or any other type.
 */
export function torrentBytes(
  value: Uint8Array | string | null | undefined,
  what = 'torrentFile',
): Uint8Array | undefined {
  if (value === undefined || value === null) return undefined;
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return decodeBase64(value, what);
  throw new VozduxanError('BAD_INPUT', `${what} must be a Uint8Array or a base64 string`);
}
