// lib/torrent-hash.ts on its own: the info hash of .torrent bytes, and hostile bytes.
import { createHash } from 'node:crypto';
import test from 'ava';
import { torrentInfoHash } from '../../lib/torrent-hash.ts';

const info = 'd6:lengthi3e4:name5:a.wav12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaae';
const torrent = (body: string) => new Uint8Array(Buffer.from(body, 'latin1'));
const sha1 = (text: string) => createHash('sha1').update(Buffer.from(text, 'latin1')).digest('hex');

test('the info hash is SHA-1 of the info dictionary as it stands in the file', (t) => {
  t.is(torrentInfoHash(torrent(`d8:announce9:http://x/4:info${info}e`)), sha1(info));
  // Keys after info, nested lists and dictionaries before it, are walked over.
  const nested = '1:ali1ei2eld1:xi3eeee1:bd1:cl0:ee'; // a: [1, 2, [{x: 3}]], b: {c: ['']}
  t.is(torrentInfoHash(torrent(`d${nested}4:info${info}7:comment2:hie`)), sha1(info));
});

test('two torrents differ, one torrent keys the same every time', (t) => {
  const other = info.replace('a.wav', 'b.wav');
  t.not(torrentInfoHash(torrent(`d4:info${info}e`)), torrentInfoHash(torrent(`d4:info${other}e`)));
  t.is(torrentInfoHash(torrent(`d4:info${info}e`)), torrentInfoHash(torrent(`d4:info${info}e`)));
});

test('bytes that are no torrent have no info hash, and never throw', (t) => {
  for (const bad of [
    '',
    'garbage',
    'le',
    'd4:infoi3ee', // info is not a dictionary
    `d4:info${info}`, // the outer dictionary never ends
    `d4:info${info.slice(0, -5)}`, // truncated inside info
    'd4:name1:xe', // no info
    'd99999999999:xe', // a length past the end
    `d${'l'.repeat(10_000)}`, // nesting beyond any real torrent
    'd4:infod3:abce', // a key without a value
  ]) {
    t.is(torrentInfoHash(torrent(bad)), undefined, JSON.stringify(bad.slice(0, 30)));
  }
});
