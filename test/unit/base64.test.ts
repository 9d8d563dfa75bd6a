// lib/base64.ts on its own: strict base64, as the player's .torrent arguments need it.
import test from 'ava';
import { decodeBase64, torrentBytes } from '../../lib/base64.ts';
import { VozduxanError } from '../../lib/index.ts';

const bytes = (text: string) => [...decodeBase64(text)];

test('decodeBase64 reads standard base64, padded or not, ignoring white space', (t) => {
  t.deepEqual(bytes('Zm9vYmFy'), [...Buffer.from('foobar')]);
  t.deepEqual(bytes('Zm9vYg=='), [...Buffer.from('foob')]);
  t.deepEqual(bytes('Zm9vYg'), [...Buffer.from('foob')]);
  t.deepEqual(bytes('Zm9v\nYmE='), [...Buffer.from('fooba')]);
  t.deepEqual(bytes(' +/+/ '), [0xfb, 0xff, 0xbf]);
});

test('decodeBase64 rejects what Buffer.from would silently skip', (t) => {
  for (const text of [
    '',
    '   ',
    'Zm9v!mFy',
    'Zm9vY',
    'Zm9vYg=',
    'Zm9vYg===',
    'Zm9v-_',
    'Zg==Zg==',
  ]) {
    const error = t.throws(() => decodeBase64(text, 'torrentFile'), { instanceOf: VozduxanError });
    t.is(error?.code, 'BAD_INPUT', JSON.stringify(text));
    t.is(error?.message, 'torrentFile is not valid base64');
  }
});

test('decodeBase64 returns a view of exactly the decoded bytes', (t) => {
  const out = decodeBase64('AAEC');
  t.true(out instanceof Uint8Array);
  t.is(out.length, 3);
  t.deepEqual([...out], [0, 1, 2]);
});

test('torrentBytes: bytes pass through, base64 decodes, null and undefined mean none', (t) => {
  const raw = new Uint8Array([1, 2, 3]);
  t.is(torrentBytes(raw), raw);
  t.deepEqual(torrentBytes('AQID'), raw);
  t.is(torrentBytes(null), undefined);
  t.is(torrentBytes(undefined), undefined);
});

test('torrentBytes rejects any other type with BAD_INPUT naming the argument', (t) => {
  for (const value of [42, {}, [1, 2], true]) {
    const error = t.throws(() => torrentBytes(value as never, 'nextTorrentFile'), {
      instanceOf: VozduxanError,
    });
    t.is(error?.code, 'BAD_INPUT');
    t.is(error?.message, 'nextTorrentFile must be a Uint8Array or a base64 string');
  }
});
