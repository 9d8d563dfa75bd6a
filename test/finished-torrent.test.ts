// A torrent that has every piece its streams want is "finished" to libtorrent, and libtorrent's
// extension handshake then tells each new peer that we are upload-only. A seed closes such a
// connection, and libtorrent dials it again only after min_reconnect_time (60 s): the next
// track, or a seek, waits a minute for a seed it had already met (native/engine/no_upload_only.h).
import { join } from 'node:path';
import test from 'ava';
import { type Fixture, makeTorrent, readTorrent, startSwarm, waitFor } from './harness/index.ts';
import { audioIndices, openSession, sharedFixtures, tempDir } from './helpers.ts';
import { fileSlice, httpGet, readAll } from './http-client.ts';

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

/** The album as a torrent of 32 KiB pieces (mktorrent's least): two blocks, so a piece's hash check and its last write race. */
async function albumOfTwoBlockPieces(): Promise<Fixture> {
  const { album } = await sharedFixtures();
  const torrentPath = join(tempDir('vz-finished-'), 'album-32k.torrent');
  const torrent = await makeTorrent(album.contentPath, torrentPath, { pieceLengthExp: 15 });
  const meta = readTorrent(torrent);
  const files = album.files.map((file, i) => ({ ...file, ...meta.files[i] }));
  return { ...album, ...meta, torrentPath, torrent, files };
}

// libtorrent 2.0.8 counts a piece that passed its hash check before its last write completed
// twice while its priority is 0: as passed and as not wanted. A piece we stopped wanting while its
// blocks were on the wire (the last track's look-ahead) then makes the torrent "finished" with the
// next track's first piece still missing, and libtorrent looks again only when a priority crosses
// zero: the prepare waited for its buffer timeout (CI, the soak and player tests).
test('prepare/release cycles whose dropped look-ahead lands after the next track asked: every prepare buffers', async (t) => {
  const album = await albumOfTwoBlockPieces();
  const swarm = await startSwarm(album, { seeders: ['libtorrent'] });
  t.teardown(() => swarm.stop());
  // No progress for this long on loopback is the stall, not a slow seeder.
  // Over a 1-byte cache: every evict() removes the torrent and its data, so each round of tracks
  // starts with every first piece missing.
  const session = await openSession(t, { bufferTimeoutMs: 15_000, cacheMaxBytes: 1 });
  const torrent = new Uint8Array(album.torrent);
  const audio = audioIndices(album);
  const CYCLES = 240;
  let evicted = 0;
  for (let cycle = 0; cycle < CYCLES; ++cycle) {
    const fileIndex = audio[cycle % audio.length];
    const file = album.files[fileIndex];
    const stream = await session.prepare({ torrent, peers: swarm.peers, fileIndex });
    // From the buffer: the look-ahead behind it is still on the wire at the release.
    const [first, last] = [0, 4095];
    const response = await httpGet(stream.url, { headers: { Range: `bytes=${first}-${last}` } });
    t.is(response.status, 206, `cycle ${cycle}`);
    t.true(response.body.equals(await fileSlice(file.absPath, first, last)), `cycle ${cycle}`);
    t.true(await session.release(stream.token));
    if (cycle % audio.length === audio.length - 1)
      evicted += (await session.evict()).removedTorrents;
  }
  // evict() keeps a torrent a closing response still holds: most rounds, not all, start afresh.
  const rounds = CYCLES / audio.length;
  t.true(evicted >= rounds / 2, `${evicted} of ${rounds} rounds evicted the torrent`);
});
