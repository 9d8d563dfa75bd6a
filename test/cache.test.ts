import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { LOOPBACK_SETTINGS, Session } from '../lib/index.ts';
import { magnetFor, startSwarm, waitFor } from './harness/index.ts';
import { audioIndices, sharedFixtures, tempDir } from './helpers.ts';
import { httpGet } from './http-client.ts';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const settings = { ...LOOPBACK_SETTINGS };

test('a restart on the same storagePath serves from the cache with no swarm at all', async (t) => {
  const { single } = await sharedFixtures();
  const storagePath = tempDir();
  const swarm = await startSwarm(single, { seeders: ['libtorrent'] });
  const first = await Session.create({ storagePath, settings });
  const stream = await first.prepare({ magnet: swarm.magnet(), fileIndex: 0 });
  t.is(sha256((await httpGet(stream.url)).body), single.files[0].sha256);
  await first.close();
  await swarm.stop();
  // Resume data lets the restart trust what is on disk instead of re-hashing it all.
  t.true(existsSync(join(storagePath, '.vozduxan', `${single.infoHash}.resume`)));

  // No seeder runs now, and the magnet names a dead peer: only the cache can answer.
  const second = await Session.create({ storagePath, settings });
  t.teardown(() => second.close());
  const magnet = magnetFor(single.infoHash, { peers: ['127.0.0.1:9'] });
  const files = await second.listFiles({ magnet, metadataTimeoutMs: 2000 });
  t.is(files.length, 1);
  const again = await second.prepare({ magnet, fileIndex: 0, metadataTimeoutMs: 2000 });
  t.is(second.stats(again.token).state, 'complete');
  t.is(sha256((await httpGet(again.url)).body), single.files[0].sha256);
});

test('after a restart, a cached track plays and another track of its torrent downloads from a libtorrent seed', async (t) => {
  // The restart's torrent wants nothing it lacks until the second prepare. Had it dialed the
  // seed then, its handshake would have said "upload-only", the seed would have closed the
  // connection, and the second track would have waited a minute for libtorrent to dial again.
  const { album } = await sharedFixtures();
  const [cachedIdx, nextIdx] = audioIndices(album);
  const storagePath = tempDir();
  const swarm = await startSwarm(album, { seeders: ['libtorrent'] });
  t.teardown(() => swarm.stop());
  const torrent = new Uint8Array(album.torrent);
  const first = await Session.create({ storagePath, settings });
  const stream = await first.prepare({ torrent, peers: swarm.peers, fileIndex: cachedIdx });
  t.is(sha256((await httpGet(stream.url)).body), album.files[cachedIdx].sha256);
  await first.close();

  const second = await Session.create({ storagePath, settings });
  t.teardown(() => second.close());
  const cached = await second.prepare({ torrent, peers: swarm.peers, fileIndex: cachedIdx });
  t.is(second.stats(cached.token).state, 'complete');
  t.is(sha256((await httpGet(cached.url)).body), album.files[cachedIdx].sha256);
  const next = await second.prepare({ torrent, peers: swarm.peers, fileIndex: nextIdx });
  t.is(sha256((await httpGet(next.url)).body), album.files[nextIdx].sha256);
  t.is(swarm.seeders[0].uploadOnlyDrops(), 0, swarm.seeders[0].output());
});

test('evict removes expired idle torrents but never one a live stream uses', async (t) => {
  const { single, album } = await sharedFixtures();
  const swarmA = await startSwarm(single, { seeders: ['aria2'] });
  const swarmB = await startSwarm(album, { seeders: ['aria2'] });
  t.teardown(async () => {
    await swarmA.stop();
    await swarmB.stop();
  });
  // TTL 1 s: anything idle for a second is fair game.
  const session = await Session.create({ storagePath: tempDir(), settings, cacheTtlSecs: 1 });
  t.teardown(() => session.close());
  const live = await session.prepare({
    torrent: new Uint8Array(single.torrent),
    peers: swarmA.peers,
    fileIndex: 0,
  });
  const idle = await session.prepare({
    torrent: new Uint8Array(album.torrent),
    peers: swarmB.peers,
    fileIndex: 0,
  });
  await httpGet(live.url);
  await httpGet(idle.url);
  await session.release(idle.token);
  await new Promise((resolve) => setTimeout(resolve, 1100)); // the TTL is the subject here
  const result = await session.evict();
  t.is(result.removedTorrents, 1);
  t.true(result.freedBytes > 0);
  // The live stream is untouched and still byte-exact.
  t.is(sha256((await httpGet(live.url)).body), single.files[0].sha256);
});

test('evict keeps the cache under cacheMaxBytes, oldest idle first', async (t) => {
  const { single, album } = await sharedFixtures();
  const swarmA = await startSwarm(single, { seeders: ['libtorrent'] });
  const swarmB = await startSwarm(album, { seeders: ['libtorrent'] });
  t.teardown(async () => {
    await swarmA.stop();
    await swarmB.stop();
  });
  const session = await Session.create({ storagePath: tempDir(), settings, cacheMaxBytes: 1 });
  t.teardown(() => session.close());
  const a = await session.prepare({
    torrent: new Uint8Array(single.torrent),
    peers: swarmA.peers,
    fileIndex: 0,
  });
  await httpGet(a.url);
  await session.release(a.token);
  const b = await session.prepare({
    torrent: new Uint8Array(album.torrent),
    peers: swarmB.peers,
    fileIndex: 0,
  });
  await httpGet(b.url);
  const result = await session.evict();
  // Only the idle torrent can go; the live one stays even though the cap is exceeded.
  t.is(result.removedTorrents, 1);
  t.true(result.cacheBytes > 1);
  t.is(sha256((await httpGet(b.url)).body), album.files[0].sha256);
});

test('a cache corrupted between runs is repaired from the swarm, never served wrong', async (t) => {
  const { single } = await sharedFixtures();
  const storagePath = tempDir();
  const swarm = await startSwarm(single, { seeders: ['libtorrent'] });
  t.teardown(() => swarm.stop());
  const first = await Session.create({ storagePath, settings });
  const stream = await first.prepare({ magnet: swarm.magnet(), fileIndex: 0 });
  t.is(sha256((await httpGet(stream.url)).body), single.files[0].sha256);
  await first.close();

  // Flip bytes in the middle of the cached file: the resume data still says "have".
  const cached = join(storagePath, single.infoHash, single.files[0].path);
  const handle = await open(cached, 'r+');
  const middle = Math.floor(single.files[0].size / 2);
  await handle.write(Buffer.from('corrupted!'), 0, 10, middle);
  await handle.close();

  const second = await Session.create({ storagePath, settings });
  t.teardown(() => second.close());
  const again = await second.prepare({ magnet: swarm.magnet(), fileIndex: 0 });
  const response = await httpGet(again.url);
  t.true(response.complete);
  t.is(sha256(response.body), single.files[0].sha256);
});

test('evict deletes an idle torrent for good (libtorrent deletes what it wrote), off the session lock', async (t) => {
  const { single } = await sharedFixtures();
  const swarm = await startSwarm(single, { seeders: ['libtorrent'] });
  t.teardown(() => swarm.stop());
  const storagePath = tempDir();
  const session = await Session.create({ storagePath, settings, cacheMaxBytes: 1 });
  t.teardown(() => session.close());
  const a = await session.prepare({ magnet: swarm.magnet(), fileIndex: 0 });
  await httpGet(a.url);
  await session.release(a.token);
  const dataDir = join(storagePath, single.infoHash);
  t.true(existsSync(dataDir));
  const evicting = session.evict();
  t.throws(() => session.stats('0'.repeat(48)), { message: /no stream/ });
  t.is((await evicting).removedTorrents, 1);
  await waitFor('the evicted data gone', async () =>
    !existsSync(join(dataDir, single.name)) ? true : undefined,
  );
  // Its metadata went too: a magnet no peer answers no longer lists from the cache.
  const lost = magnetFor(single.infoHash, { peers: ['127.0.0.1:9'] });
  await t.throwsAsync(session.listFiles({ magnet: lost, metadataTimeoutMs: 500 }), {
    message: /metadata/,
  });
  t.false(existsSync(join(dataDir, single.name)), 'nothing recreated it');
});

test('evict racing close: every round settles, evict resolves or rejects CLOSED', async (t) => {
  const { single } = await sharedFixtures();
  const swarm = await startSwarm(single, { seeders: ['libtorrent'] });
  t.teardown(() => swarm.stop());
  const storagePath = tempDir();
  for (let round = 0; round < 8; round++) {
    const session = await Session.create({ storagePath, settings, cacheMaxBytes: 1 });
    const stream = await session.prepare({ magnet: swarm.magnet(), fileIndex: 0 });
    await httpGet(stream.url, { headers: { Range: 'bytes=0-1000' } });
    await session.release(stream.token);
    const [evicted, closed] = await Promise.allSettled([session.evict(), session.close()]);
    t.is(closed.status, 'fulfilled');
    if (evicted.status === 'rejected') t.is((evicted.reason as { code?: string }).code, 'CLOSED');
  }
});
