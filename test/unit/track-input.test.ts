// lib/track-input.ts on its own: magnet keys, the base32 decoder and the track checks.
import test, { type ExecutionContext } from 'ava';
import { VozduxanError } from '../../lib/index.ts';
import { base32ToHex, infoHashOf, readTrack, trackKey } from '../../lib/track-input.ts';

// One info hash spelled both ways (base32 from Python's base64.b32encode of the same bytes).
const HEX = 'c12fe1c06bba254a9dc9f519b335aa7c1367a88a';
const B32 = 'YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK';

test('infoHashOf reads a hex xt, in either case', (t) => {
  t.is(infoHashOf(`magnet:?xt=urn:btih:${HEX}`), HEX);
  t.is(infoHashOf(`magnet:?xt=urn:btih:${HEX.toUpperCase()}&dn=x`), HEX);
  t.is(infoHashOf(`magnet:?dn=x&xt=urn:btih:${HEX}&tr=http%3A%2F%2F127.0.0.1`), HEX);
});

test('infoHashOf decodes a base32 xt to the same hex, in either case', (t) => {
  t.is(infoHashOf(`magnet:?xt=urn:btih:${B32}`), HEX);
  t.is(infoHashOf(`magnet:?xt=urn:btih:${B32.toLowerCase()}`), HEX);
  t.is(
    infoHashOf('magnet:?xt=urn:btih:aaaqeayeaudaocajbifqydiob4ibceqt'),
    '000102030405060708090a0b0c0d0e0f10111213',
  );
});

test('infoHashOf is undefined without a readable v1 hash', (t) => {
  t.is(infoHashOf(''), undefined);
  t.is(infoHashOf('magnet:?dn=no-hash'), undefined);
  t.is(infoHashOf(`magnet:?xt=urn:btih:${HEX.slice(1)}`), undefined, '39 hex digits');
  t.is(infoHashOf(`magnet:?xt=urn:btih:${HEX}0`), undefined, '41 hex digits');
  t.is(infoHashOf(`magnet:?xt=urn:btih:${B32.slice(0, 31)}1`), undefined, '1 is not base32');
  t.is(infoHashOf(`magnet:?xt=urn:btmh:1220${'ab'.repeat(32)}`), undefined, 'v2 only');
  t.is(infoHashOf(`magnet:?dn=xt=urn:btih:${HEX}`), undefined, 'xt must be a parameter');
});

test('base32ToHex follows RFC 4648, keeping whole nibbles', (t) => {
  t.is(base32ToHex('mzxw6ytboi'), Buffer.from('foobar').toString('hex'));
  t.is(base32ToHex('my'), '66');
  t.is(base32ToHex(''), '');
  t.is(base32ToHex('mzxw6ytb0i'), undefined, '0 is outside the alphabet');
  t.is(base32ToHex('MZXW6YTBOI'), undefined, 'the caller lowercases');
});

test('trackKey: hex and base32 spell one track; file index and hashless magnets differ', (t) => {
  const hex = `magnet:?xt=urn:btih:${HEX}`;
  const b32 = `magnet:?xt=urn:btih:${B32}&dn=Album`;
  t.is(trackKey(hex, 2), `${HEX}#2`);
  t.is(trackKey(b32, 2), trackKey(hex, 2));
  t.not(trackKey(hex, 2), trackKey(hex, 3));
  t.is(trackKey('', 0), '#0');
  t.is(trackKey('magnet:?dn=x', 1), 'magnet:?dn=x#1');
});

test('readTrack keys the track and carries its peers and .torrent', (t) => {
  const bytes = new Uint8Array([100, 101]);
  const peers = ['127.0.0.1:6881'];
  const track = readTrack({ peers }, `magnet:?xt=urn:btih:${B32}`, 1, bytes);
  t.deepEqual(track, {
    magnet: `magnet:?xt=urn:btih:${B32}`,
    fileIdx: 1,
    key: `${HEX}#1`,
    torrent: bytes,
    peers,
  });
  t.is(track.torrent, bytes, 'bytes are passed through, not copied');
  t.deepEqual(readTrack({}, '', 0, 'ZGU=').torrent, new Uint8Array([100, 101]), 'base64');
  t.is(readTrack({}, '', 0, null).torrent, undefined);
  t.is(readTrack({}, '', 0, undefined).peers, undefined);
});

function code(t: ExecutionContext, run: () => unknown): string | undefined {
  const error = t.throws(run, { instanceOf: VozduxanError });
  return error?.code;
}

test('readTrack rejects what a player call cannot use', (t) => {
  t.is(
    code(t, () => readTrack(null, 'm', 0, undefined)),
    'BAD_INPUT',
  );
  t.is(
    code(t, () => readTrack(undefined, 'm', 0, undefined)),
    'BAD_INPUT',
  );
  t.is(
    code(t, () => readTrack({}, 42, 0, undefined)),
    'BAD_INPUT',
  );
  t.is(
    code(t, () => readTrack({}, undefined, 0, undefined)),
    'BAD_INPUT',
  );
  t.is(
    code(t, () => readTrack({}, 'm', '0', undefined)),
    'INVALID_FILE',
  );
  t.is(
    code(t, () => readTrack({}, 'm', undefined, undefined)),
    'INVALID_FILE',
  );
  const error = t.throws(() => readTrack({}, 'm', 0, 'not base64!', 'nextTorrentFile'));
  t.regex(error?.message ?? '', /^nextTorrentFile /);
  t.is(
    code(t, () => readTrack({}, 'm', 0, 7 as never)),
    'BAD_INPUT',
  );
});
