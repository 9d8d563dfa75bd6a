// Torrents nothing uses any more are removed from libtorrent (issue 16, item 6): a magnet only
// listed, one whose call timed out, one cancelled before libtorrent answered. A listed-only
// magnet once dialed its swarm for the rest of the session. Their metadata stays cached.
// They linger (unusedTorrentLingerMs) first: a prepare right after a listFiles keeps the peers.
import { createHash } from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import { Session } from '../lib/index.ts';
import { magnetFor, startSwarm, waitFor } from './harness/index.ts';
import { openSession as openDefaultSession, rejectsWithCode, sharedFixtures } from './helpers.ts';
import { httpGet } from './http-client.ts';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const dead = ['127.0.0.1:9'];
const LINGER_MS = 300;
const openSession = (t: ExecutionContext) =>
  openDefaultSession(t, { unusedTorrentLingerMs: LINGER_MS });

/** Waits until the session and its libtorrent hold `count` torrents. */
async function settlesAt(session: Session, count: number): Promise<void> {
  await waitFor(
    `${count} torrent(s) in the session and in libtorrent`,
    async () => {
      const counts = Session.debugTorrentCounts(session);
      return counts.session === count && counts.libtorrent === count ? true : undefined;
    },
    { timeoutMs: 10_000 },
  );
}

test('a torrent only listed is removed from libtorrent, and its metadata stays cached', async (t) => {
  const { single, album } = await sharedFixtures();
  const swarm = await startSwarm(single, { seeders: ['libtorrent'] });
  t.teardown(() => swarm.stop());
  const session = await openSession(t);
  t.is((await session.listFiles({ magnet: swarm.magnet() })).length, single.files.length);
  await settlesAt(session, 0);
  t.is(
    (await session.listFiles({ torrent: new Uint8Array(album.torrent) })).length,
    album.files.length,
  );
  await settlesAt(session, 0);
  // From the cache: no peer could answer this one.
  const cached = magnetFor(single.infoHash, { peers: dead });
  t.is((await session.listFiles({ magnet: cached, metadataTimeoutMs: 2000 })).length, 1);
  await settlesAt(session, 0);
});

test('a magnet that timed out, and one cancelled at once, are removed', async (t) => {
  const session = await openSession(t);
  const lost = magnetFor('00112233445566778899aabbccddeeff00112233', { peers: dead });
  await rejectsWithCode(
    t,
    session.listFiles({ magnet: lost, metadataTimeoutMs: 500 }),
    'METADATA_TIMEOUT',
  );
  await rejectsWithCode(
    t,
    session.prepare({ magnet: lost, fileIndex: 0, metadataTimeoutMs: 500 }),
    'METADATA_TIMEOUT',
  );
  await settlesAt(session, 0);
  for (let i = 0; i < 5; ++i) {
    const abort = new AbortController();
    const hash = createHash('sha1').update(`cancelled ${i}`).digest('hex');
    const call = session.listFiles({
      magnet: magnetFor(hash, { peers: dead }),
      signal: abort.signal,
    });
    abort.abort(); // before libtorrent's add alert, most likely
    await rejectsWithCode(t, call, 'CANCELLED');
  }
  await settlesAt(session, 0);
});

test('a listed torrent then prepared plays byte-exact and stays for the eviction walk', async (t) => {
  const { album } = await sharedFixtures();
  const swarm = await startSwarm(album, { seeders: ['libtorrent'] });
  t.teardown(() => swarm.stop());
  const session = await openSession(t);
  const magnet = swarm.magnet();
  const files = await session.listFiles({ magnet });
  const index = files.findIndex((f) => /\.(flac|mp3|wav)$/.test(f.name));
  const stream = await session.prepare({ magnet, fileIndex: files[index].index });
  t.is(sha256((await httpGet(stream.url)).body), album.files[index].sha256);
  await session.release(stream.token);
  t.deepEqual(Session.debugTorrentCounts(session), { session: 1, libtorrent: 1 });
});

test("a prepare from .torrent bytes alone right after listing by magnet keeps the magnet's peer", async (t) => {
  // The .torrent names no tracker the seeder announced to and carries no peer: only the entry
  // the magnet left behind knows where the seeder is. Dropped at once (the code before the
  // linger), the prepare had no swarm and failed BUFFER_TIMEOUT.
  const { single } = await sharedFixtures();
  const swarm = await startSwarm(single, { seeders: ['libtorrent'], tracker: false });
  t.teardown(() => swarm.stop());
  const session = await openDefaultSession(t, { bufferTimeoutMs: 20_000 });
  await session.listFiles({ magnet: swarm.magnet() });
  const stream = await session.prepare({ torrent: new Uint8Array(single.torrent), fileIndex: 0 });
  t.is(sha256((await httpGet(stream.url)).body), single.files[0].sha256);
  await session.release(stream.token);
});

test('a listed torrent lingers, then is removed; listing it again in time keeps it', async (t) => {
  const { single } = await sharedFixtures();
  const swarm = await startSwarm(single, { seeders: ['libtorrent'] });
  t.teardown(() => swarm.stop());
  const session = await openDefaultSession(t, { unusedTorrentLingerMs: 60_000 });
  await session.listFiles({ magnet: swarm.magnet() });
  await session.listFiles({ torrent: new Uint8Array(single.torrent) });
  t.deepEqual(Session.debugTorrentCounts(session), { session: 1, libtorrent: 1 });
});
