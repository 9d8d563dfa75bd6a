import test from 'ava';
import type { FileEntry } from '../lib/index.ts';
import type { Fixture } from './harness/index.ts';
import { magnetFor, startSwarm } from './harness/index.ts';
import { openSession, rejectsWithCode, sharedFixtures } from './helpers.ts';

function expectedEntries(fixture: Fixture): Pick<FileEntry, 'index' | 'name' | 'size'>[] {
  return fixture.files.map((file, index) => ({ index, name: file.path, size: file.size }));
}

function withoutMime(files: FileEntry[]) {
  return files.map(({ index, name, size }) => ({ index, name, size }));
}

test('listFiles from .torrent bytes answers without any peer', async (t) => {
  const { album } = await sharedFixtures();
  const session = await openSession(t);
  const files = await session.listFiles({ torrent: new Uint8Array(album.torrent) });
  t.deepEqual(withoutMime(files), expectedEntries(album));
  const byName = new Map(files.map((f) => [f.name.split('.').pop(), f.mime]));
  t.is(byName.get('flac'), 'audio/flac');
  t.is(byName.get('mp3'), 'audio/mpeg');
  t.is(byName.get('wav'), 'audio/wav');
  t.is(byName.get('txt'), 'text/plain');
});

for (const seeder of ['aria2', 'libtorrent'] as const) {
  test(`listFiles from a magnet gets metadata from a ${seeder} seeder (x.pe hint)`, async (t) => {
    const { album } = await sharedFixtures();
    const swarm = await startSwarm(album, { seeders: [seeder] });
    t.teardown(() => swarm.stop());
    const session = await openSession(t);
    const files = await session.listFiles({ magnet: swarm.magnet() });
    t.deepEqual(withoutMime(files), expectedEntries(album));
  });
}

test('listFiles from a magnet with direct peers only (no x.pe)', async (t) => {
  const { single } = await sharedFixtures();
  const swarm = await startSwarm(single, { seeders: ['libtorrent'] });
  t.teardown(() => swarm.stop());
  const session = await openSession(t);
  const files = await session.listFiles({
    magnet: swarm.magnet({ peers: false }),
    peers: swarm.peers,
  });
  t.deepEqual(withoutMime(files), expectedEntries(single));
});

test('listFiles from a magnet finds seeders through the loopback tracker', async (t) => {
  const { single } = await sharedFixtures();
  const swarm = await startSwarm(single, { seeders: ['aria2'], tracker: true });
  t.teardown(() => swarm.stop());
  const session = await openSession(t);
  const files = await session.listFiles({ magnet: swarm.magnet({ peers: false }) });
  t.deepEqual(withoutMime(files), expectedEntries(single));
});

test('with both a magnet and bytes, the bytes supply the metadata', async (t) => {
  const { album } = await sharedFixtures();
  const session = await openSession(t);
  // The magnet's peer hint points nowhere: only the bytes can answer.
  const magnet = magnetFor(album.infoHash, { peers: ['127.0.0.1:9'] });
  const files = await session.listFiles({ magnet, torrent: new Uint8Array(album.torrent) });
  t.deepEqual(withoutMime(files), expectedEntries(album));
});

test('malformed input rejects with BAD_INPUT', async (t) => {
  const { album, single } = await sharedFixtures();
  const session = await openSession(t);
  const torrent = new Uint8Array(album.torrent);
  const truncated = torrent.slice(0, Math.floor(torrent.length / 2));
  // Flip a bit in the bencoding's first byte ('d' → 'e'): no longer a dictionary.
  const flipped = torrent.slice();
  flipped[0] ^= 0x01;
  const cases: Array<[string, Parameters<typeof session.listFiles>[0]]> = [
    ['garbage magnet', { magnet: 'not a magnet' }],
    ['magnet without info hash', { magnet: 'magnet:?dn=nothing' }],
    ['magnet with a short hash', { magnet: 'magnet:?xt=urn:btih:1234' }],
    ['truncated torrent', { torrent: truncated }],
    ['bit-flipped torrent', { torrent: flipped }],
    ['empty torrent', { torrent: new Uint8Array() }],
    ['neither input', {}],
    ['mismatched magnet and torrent', { magnet: magnetFor(single.infoHash), torrent }],
    ['bad peer', { torrent, peers: ['localhost'] }],
    ['bad peer port', { torrent, peers: ['127.0.0.1:99999'] }],
  ];
  for (const [label, input] of cases) {
    const error = await rejectsWithCode(t, session.listFiles(input), 'BAD_INPUT');
    t.log(`${label}: ${error.message}`);
  }
  await rejectsWithCode(
    t,
    session.listFiles({ torrent: [1, 2, 3] as unknown as Uint8Array }),
    'BAD_INPUT',
  );
  // The session is unharmed.
  t.is((await session.listFiles({ torrent })).length, album.files.length);
});

test('a magnet nobody serves rejects with METADATA_TIMEOUT', async (t) => {
  const session = await openSession(t);
  const magnet = magnetFor('0123456789abcdef0123456789abcdef01234567', { peers: ['127.0.0.1:9'] });
  await rejectsWithCode(
    t,
    session.listFiles({ magnet, metadataTimeoutMs: 300 }),
    'METADATA_TIMEOUT',
  );
});

test('aborting a listing that waits for metadata rejects with CANCELLED', async (t) => {
  const session = await openSession(t);
  const controller = new AbortController();
  const pending = session.listFiles({
    magnet: magnetFor('1123456789abcdef0123456789abcdef01234567'),
    signal: controller.signal,
  });
  controller.abort();
  await rejectsWithCode(t, pending, 'CANCELLED');
  await rejectsWithCode(
    t,
    session.listFiles({
      magnet: magnetFor('2123456789abcdef0123456789abcdef01234567'),
      signal: controller.signal,
    }),
    'CANCELLED',
  );
});
