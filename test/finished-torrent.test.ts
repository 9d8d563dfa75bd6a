// A torrent that has every piece its streams want is "finished" to libtorrent, and libtorrent's
// extension handshake then tells each new peer that we are upload-only. A seed closes such a
// connection, and libtorrent dials it again only after min_reconnect_time (60 s): the next
// track, or a seek, waits a minute for a seed it had already met (native/engine/no_upload_only.h).
import test from 'ava';
import { startSwarm, waitFor } from './harness/index.ts';
import { audioIndices, openSession, sharedFixtures } from './helpers.ts';
import { readAll } from './http-client.ts';

test('a torrent with every piece it wants keeps a libtorrent seed it meets, and the next track comes from it', async (t) => {
  const { album } = await sharedFixtures();
  const [playedIdx, nextIdx] = audioIndices(album);
  const torrent = new Uint8Array(album.torrent);
  const session = await openSession(t);
  const first = await startSwarm(album, { seeders: ['libtorrent'] });
  t.teardown(() => first.stop());
  const played = await session.prepare({ torrent, peers: first.peers, fileIndex: playedIdx });
  t.is((await readAll(played.url)).sha256, album.files[playedIdx].sha256);
  await first.stop();

  // The torrent wants nothing it lacks, and its only seed is gone: it meets another one now.
  const second = await startSwarm(album, { seeders: ['libtorrent'] });
  t.teardown(() => second.stop());
  const seed = second.seeders[0];
  const again = await session.prepare({ torrent, peers: second.peers, fileIndex: playedIdx });
  t.is(session.stats(again.token).state, 'complete');
  await waitFor('the new seed connected, or dropped us', async () =>
    seed.uploadOnlyDrops() > 0 || session.stats(again.token).numSeeds > 0 ? true : undefined,
  );
  t.is(seed.uploadOnlyDrops(), 0, seed.output());

  const next = await session.prepare({ torrent, peers: second.peers, fileIndex: nextIdx });
  t.is((await readAll(next.url)).sha256, album.files[nextIdx].sha256);
  t.is(seed.uploadOnlyDrops(), 0, seed.output());
});
