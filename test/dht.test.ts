// DHT-only magnets (issue 16, item 2): a magnet with no tracker and no x.pe resolves and plays
// byte-exact through a DHT on loopback: two libtorrent DHT nodes and a libtorrent seeder that
// announced the torrent into the DHT, all on 127.0.0.1 and bootstrapped to each other. The only
// test in the suite where DHT is on, and only inside the hermetic namespace.
import { createHash } from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import { LOOPBACK_SETTINGS, Session } from '../lib/index.ts';
import {
  type Fixture,
  type LoopbackDht,
  loopbackDhtSettings,
  magnetFor,
  startLoopbackDht,
} from './harness/index.ts';
import { audioIndices, openSession, rejectsWithCode, sharedFixtures, tempDir } from './helpers.ts';
import { httpGet } from './http-client.ts';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

let started: Promise<LoopbackDht> | undefined;
/** One DHT (two nodes and the album's seeder) for the file's tests. */
function loopbackDht(album: Fixture): Promise<LoopbackDht> {
  started ??= startLoopbackDht(album, { plainNodes: 2 });
  return started;
}
test.after.always(async () => {
  await (await started?.catch(() => undefined))?.stop();
});

/** The album, its DHT, and its magnet with no tracker and no x.pe: the DHT is the only way. */
async function dhtOnlyAlbum(
  t: ExecutionContext,
): Promise<{ album: Fixture; dht: LoopbackDht; magnet: string }> {
  const { album } = await sharedFixtures();
  const dht = await loopbackDht(album);
  const magnet = magnetFor(album.infoHash, { name: album.name });
  t.notRegex(magnet, /[?&](tr|x\.pe)=/);
  return { album, dht, magnet };
}

/** Streams each file in `indices` over HTTP: every body must be the fixture's bytes. */
async function playByteExact(
  t: ExecutionContext,
  session: Session,
  magnet: string,
  album: Fixture,
  indices: readonly number[],
): Promise<void> {
  for (const index of indices) {
    const expected = album.files[index];
    const stream = await session.prepare({ magnet, fileIndex: index, metadataTimeoutMs: 30_000 });
    const res = await httpGet(stream.url);
    t.is(res.status, 200, expected.path);
    t.true(res.complete, `${expected.path}: the whole body arrived`);
    t.is(sha256(res.body), expected.sha256, `${expected.path}: bytes`);
    await session.release(stream.token);
  }
}

test.serial(
  'a magnet with no tracker and no x.pe resolves and plays byte-exact through a loopback DHT',
  async (t) => {
    const { album, dht, magnet } = await dhtOnlyAlbum(t);

    // The control: with the DHT off nothing can find the seeder.
    const offline = await openSession(t);
    await rejectsWithCode(
      t,
      offline.listFiles({ magnet, metadataTimeoutMs: 1500 }),
      'METADATA_TIMEOUT',
    );

    // A regression fails in BUFFER_TIMEOUT rather than hanging (default 120 s).
    const session = await openSession(t, {
      settings: loopbackDhtSettings(dht.bootstrap),
      bufferTimeoutMs: 30_000,
    });
    try {
      // Listed first, so the torrent wants nothing when its metadata lands. A leecher with
      // libtorrent's default close_redundant_connections then tells the seed it is upload-only,
      // the seed closes the connection, and the download never starts (0 peers after the
      // metadata; this test with that setting on fails BUFFER_TIMEOUT): the DHT, the only source
      // of peers here, re-announces every 15 minutes. The engine turns the setting off.
      const files = await session.listFiles({ magnet, metadataTimeoutMs: 30_000 });
      t.deepEqual(
        files.map((f) => [f.name, f.size]),
        album.files.map((f) => [f.path, f.size]),
      );
      await playByteExact(t, session, magnet, album, audioIndices(album));
    } catch (err) {
      t.log(dht.output());
      throw err;
    }
  },
);

test.serial(
  'after a restart on the same storagePath the cached torrent finds its seeder through the DHT alone',
  async (t) => {
    const { album, dht, magnet } = await dhtOnlyAlbum(t);
    const storagePath = tempDir();
    const config = {
      storagePath,
      settings: { ...LOOPBACK_SETTINGS, ...loopbackDhtSettings(dht.bootstrap) },
      bufferTimeoutMs: 30_000,
    };

    const first = await Session.create(config);
    try {
      await first.listFiles({ magnet, metadataTimeoutMs: 30_000 });
    } finally {
      await first.close();
    }
    // The metadata now comes from the cache, not from a peer: the DHT lookup is what dials.
    const second = await Session.create(config);
    t.teardown(() => second.close());
    try {
      const [firstAudio] = audioIndices(album);
      await playByteExact(t, second, magnet, album, [firstAudio]);
    } catch (err) {
      t.log(dht.output());
      throw err;
    }
  },
);
