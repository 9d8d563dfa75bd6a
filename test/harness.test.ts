import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import anyTest, { type ExecutionContext, type TestFn } from 'ava';
import {
  type Fixture,
  type Fixtures,
  ltFetch,
  magnetFor,
  makeFixtures,
  type Swarm,
  sha256File,
  startSwarm,
} from './harness/index.ts';
import { freePort, HARNESS_PORTS } from './harness/net.ts';
import { PYTHON, run } from './harness/proc.ts';

interface Context {
  dir: string;
  fixtures: Fixtures;
  swarm: Swarm;
}
const test = anyTest as TestFn<Context>;

test.before(async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vozduxan-harness-'));
  const fixtures = await makeFixtures(dir);
  const swarm = await startSwarm(fixtures.album, {
    seeders: ['aria2', 'libtorrent'],
    tracker: true,
  });
  t.context = { dir, fixtures, swarm };
});

test.after.always(async (t) => {
  await t.context.swarm?.stop();
  if (t.context.dir) await rm(t.context.dir, { recursive: true, force: true });
});

async function assertSameFiles(
  t: ExecutionContext<Context>,
  fixture: Fixture,
  saveDir: string,
): Promise<void> {
  for (const f of fixture.files) {
    t.is(await sha256File(join(saveDir, ...f.path.split('/'))), f.sha256, f.path);
  }
}

test('fixtures: torrent metadata agrees with libtorrent and the files', async (t) => {
  const { single, album, big } = t.context.fixtures;
  for (const fx of [single, album, big]) {
    const script = 'import sys, libtorrent as lt; print(lt.torrent_info(sys.argv[1]).info_hash())';
    t.is((await run(PYTHON, ['-c', script, fx.torrentPath])).trim(), fx.infoHash, fx.key);
    t.is(
      fx.files.reduce((n, f) => n + f.size, 0),
      fx.totalSize,
    );
    for (const f of fx.files)
      t.not(f.size % fx.pieceLength, 0, `${f.path} must not end on a piece boundary`);
  }
  t.deepEqual(
    album.files.map((f) => f.path),
    [
      'Album/01 - Intro.flac',
      'Album/02 - Chirp.mp3',
      'Album/03 - Öresund.wav',
      'Album/04 - Coda.flac',
      'Album/notes.txt',
    ],
  );
  t.true(album.totalSize > 8e6 && album.totalSize < 15e6);
  t.true(big.totalSize > 19e6);
  t.is(
    magnetFor(album.infoHash, {
      name: 'A B',
      peers: ['127.0.0.1:1'],
      trackers: ['http://127.0.0.1:2/announce'],
    }),
    `magnet:?xt=urn:btih:${album.infoHash}&dn=A%20B&tr=http%3A%2F%2F127.0.0.1%3A2%2Fannounce&x.pe=127.0.0.1:1`,
  );
});

test('fixtures: audio decodes', async (t) => {
  const { single, album, big } = t.context.fixtures;
  const audio = [single, album, big]
    .flatMap((fx) => fx.files)
    .filter((f) => !f.path.endsWith('.txt'));
  for (const f of audio) {
    const seconds = Number(await run('soxi', ['-D', f.absPath]));
    t.true(seconds > 5, `${f.path}: ${seconds} s`);
  }
});

test('aria2 seeder serves the album to a libtorrent leecher (.torrent + peer)', async (t) => {
  const aria2 = t.context.swarm.seeders.find((s) => s.kind === 'aria2');
  if (!aria2) return t.fail('no aria2 seeder');
  const saveDir = join(t.context.dir, 'dl-aria2');
  await ltFetch({
    torrentPath: t.context.fixtures.album.torrentPath,
    saveDir,
    peers: [aria2.peer],
  });
  await assertSameFiles(t, t.context.fixtures.album, saveDir);
});

test('libtorrent seeder serves the album to a libtorrent leecher (magnet x.pe)', async (t) => {
  const lt = t.context.swarm.seeders.find((s) => s.kind === 'libtorrent');
  if (!lt) return t.fail('no libtorrent seeder');
  const saveDir = join(t.context.dir, 'dl-libtorrent');
  const { album } = t.context.fixtures;
  await ltFetch({
    magnet: magnetFor(album.infoHash, { name: album.name, peers: [lt.peer] }),
    saveDir,
  });
  await assertSameFiles(t, album, saveDir);
});

test('tracker lists both seeders; a magnet with only the tracker downloads', async (t) => {
  const { swarm, fixtures } = t.context;
  const tracker = swarm.tracker;
  if (!tracker) return t.fail('no tracker');
  t.true((await tracker.scrape(fixtures.album.infoHash)).complete >= 2);
  const saveDir = join(t.context.dir, 'dl-tracker');
  await ltFetch({ magnet: swarm.magnet({ peers: false }), saveDir });
  await assertSameFiles(t, fixtures.album, saveDir);
});

test('seeders can be throttled and are gone after stop()', async (t) => {
  const { single } = t.context.fixtures;
  const swarm = await startSwarm(single, { uploadLimit: 4 * 1024 * 1024 });
  try {
    const saveDir = join(t.context.dir, 'dl-single');
    await ltFetch({ torrentPath: single.torrentPath, saveDir, peers: swarm.peers });
    await assertSameFiles(t, single, saveDir);
  } finally {
    await swarm.stop();
  }
  for (const s of swarm.seeders) {
    t.throws(
      () => process.kill(s.pid, 0),
      { code: 'ESRCH' },
      `${s.kind} (pid ${s.pid}) still running`,
    );
  }
});

test('ports for seeders never come from the range engine sockets bind ephemerally', async (t) => {
  // hermetic.sh moves the namespace's ephemeral range above the harness's ports, so a port
  // handed to a seeder cannot be taken meanwhile by a session's own outgoing socket.
  const [low = '0'] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
    .trim()
    .split(/\s+/);
  t.true(Number(low) > HARNESS_PORTS.last, `ephemeral range starts at ${low}`);
  for (let i = 0; i < 20; i++) {
    const port = await freePort();
    t.true(port >= HARNESS_PORTS.first && port <= HARNESS_PORTS.last, String(port));
  }
});
