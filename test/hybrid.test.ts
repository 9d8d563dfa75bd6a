// Hybrid (v1+v2) and v2-only torrents from libtorrent's own creator, seeded by libtorrent on
// loopback: every way of naming them plays byte-exact, before and after a restart on the same
// storagePath, and either hash finds the same torrent within one session.
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { LOOPBACK_SETTINGS, Session } from '../lib/index.ts';
import { type Seeder, startLibtorrentSeeder } from './harness/index.ts';
import {
  type LtTorrent,
  type LtTorrentMode,
  ltMagnet,
  makeLtTorrent,
} from './harness/lt-torrent.ts';
import { tempDir } from './helpers.ts';
import { httpGet } from './http-client.ts';

const settings = { ...LOOPBACK_SETTINGS };
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

interface Seeded {
  torrent: LtTorrent;
  seeder: Seeder;
}

const made = new Map<LtTorrentMode, Promise<Seeded>>();
const seeders: Seeder[] = [];

/** One torrent of each kind per test file, and one libtorrent seeder for it. */
function seeded(mode: LtTorrentMode): Promise<Seeded> {
  let promise = made.get(mode);
  if (!promise) {
    promise = (async () => {
      const torrent = await makeLtTorrent(mkdtempSync(join(tmpdir(), 'vz-lt-')), mode);
      const seeder = await startLibtorrentSeeder({
        torrentPath: torrent.torrentPath,
        dataDir: torrent.dataDir,
      });
      seeders.push(seeder);
      return { torrent, seeder };
    })();
    made.set(mode, promise);
  }
  return promise;
}

test.after.always(async () => {
  await Promise.all(seeders.map((s) => s.stop()));
});

type Input = { magnet?: string; torrent?: Uint8Array; peers?: string[] };
type By = 'torrent' | 'btih' | 'btmh' | 'both';

function inputFor(s: Seeded, by: By): Input {
  const peers = [s.seeder.peer];
  if (by === 'torrent') return { torrent: new Uint8Array(s.torrent.torrent), peers };
  return { magnet: ltMagnet(s.torrent, by, peers) };
}

/** Lists the torrent, then streams every file of it: each must be byte-exact. */
async function playAll(
  t: ExecutionContext,
  session: Session,
  s: Seeded,
  by: By,
  label: string,
): Promise<void> {
  const input = inputFor(s, by);
  const files = await session.listFiles({ ...input, metadataTimeoutMs: 30_000 });
  const expected = s.torrent.sha256;
  t.deepEqual(
    files.map((f) => f.name).sort(),
    [...expected.keys()].sort(),
    `${label}: the album's files, no pad files`,
  );
  for (const file of files) {
    const stream = await session.prepare({
      ...input,
      fileIndex: file.index,
      metadataTimeoutMs: 30_000,
    });
    const body = (await httpGet(stream.url)).body;
    t.is(body.length, file.size, `${label}: ${file.name} length`);
    t.is(
      sha256(body),
      expected.get(file.name) ?? 'not in the album',
      `${label}: ${file.name} bytes`,
    );
    await session.release(stream.token);
  }
}

const cases: ReadonlyArray<readonly [LtTorrentMode, By]> = [
  ['hybrid', 'torrent'],
  ['hybrid', 'btih'],
  ['hybrid', 'btmh'],
  ['hybrid', 'both'],
  ['v2', 'torrent'],
  ['v2', 'btmh'],
];

for (const [mode, by] of cases) {
  test.serial(
    `a ${mode} torrent named by ${by} plays byte-exact, and again after a restart on the same storagePath`,
    async (t) => {
      const s = await seeded(mode);
      const storagePath = tempDir();
      const first = await Session.create({ storagePath, settings });
      try {
        await playAll(t, first, s, by, 'first run');
      } finally {
        await first.close();
      }
      // The restart loads the cached metadata (saved without create_torrent::generate, which
      // throws for a v2 magnet's) and keys it as the first run did.
      const second = await Session.create({ storagePath, settings });
      try {
        await playAll(t, second, s, by, 'after the restart');
        // Every entry attached: the eviction walk finds no handle-less torrent to choke on.
        await t.notThrowsAsync(second.evict());
      } finally {
        await second.close();
      }
    },
  );
}

test.serial(
  'a hybrid .torrent then its magnets, and a magnet then its .torrent, find one torrent in one session',
  async (t) => {
    const s = await seeded('hybrid');
    for (const order of [
      ['torrent', 'btih', 'btmh', 'both'],
      ['btih', 'torrent', 'btmh'],
      ['btmh', 'torrent', 'btih'],
    ] as const) {
      const session = await Session.create({ storagePath: tempDir(), settings });
      try {
        for (const by of order) await playAll(t, session, s, by, `${order.join(' → ')}: ${by}`);
        t.is(Session.debugTorrentCounts(session).session, 1, `${order.join(' → ')}: one entry`);
      } finally {
        await session.close();
      }
    }
  },
);
