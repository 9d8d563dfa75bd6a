// DHT-only magnets (issue 16, item 2): a magnet with no tracker and no x.pe resolves and plays
// byte-exact through a DHT on loopback: two libtorrent DHT nodes and a libtorrent seeder that
// announced the torrent into the DHT, all on 127.0.0.1 and bootstrapped to each other. The only
// test in the suite where DHT is on, and only inside the hermetic namespace.
import { createHash } from 'node:crypto';
import test from 'ava';
import { loopbackDhtSettings, magnetFor, startLoopbackDht } from './harness/index.ts';
import { audioIndices, openSession, rejectsWithCode, sharedFixtures } from './helpers.ts';
import { httpGet } from './http-client.ts';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

test('a magnet with no tracker and no x.pe resolves and plays byte-exact through a loopback DHT', async (t) => {
  const { album } = await sharedFixtures();
  const dht = await startLoopbackDht(album, { plainNodes: 2 });
  t.teardown(() => dht.stop());
  const magnet = magnetFor(album.infoHash, { name: album.name });
  t.notRegex(magnet, /[?&](tr|x\.pe)=/, 'the DHT is the only way to the seeder');

  // The control: without the DHT nothing can find the seeder.
  const offline = await openSession(t);
  await rejectsWithCode(
    t,
    offline.listFiles({ magnet, metadataTimeoutMs: 1500 }),
    'METADATA_TIMEOUT',
  );

  const session = await openSession(t, { settings: loopbackDhtSettings(dht.bootstrap) });
  try {
    const files = await session.listFiles({ magnet, metadataTimeoutMs: 30_000 });
    t.deepEqual(
      files.map((f) => [f.name, f.size]),
      album.files.map((f) => [f.path, f.size]),
    );
    for (const index of audioIndices(album)) {
      const expected = album.files[index];
      const stream = await session.prepare({ magnet, fileIndex: index, metadataTimeoutMs: 30_000 });
      const res = await httpGet(stream.url);
      t.is(res.status, 200, expected.path);
      t.true(res.complete, `${expected.path}: the whole body arrived`);
      t.is(sha256(res.body), expected.sha256, `${expected.path}: bytes`);
      t.true(session.stats(stream.token).numPeers >= 1, 'a peer found through the DHT');
      await session.release(stream.token);
    }
  } catch (err) {
    t.log(dht.output());
    throw err;
  }
});
