// Disk trouble (issue 16 item 5), on real filesystems: a small tmpfs that fills mid-download,
// storage remounted read-only while a stream runs, and a cache whose metadata and resume files
// are garbage at start. The tests run as root in hermetic.sh's own mount namespace, so the
// mounts are theirs alone.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import type { SessionEvent } from '../lib/index.ts';
import { magnetFor, startSwarm, waitFor } from './harness/index.ts';
import { openSession, rejectsWithCode, sharedFixtures, tempDir } from './helpers.ts';
import { httpGet } from './http-client.ts';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** A tmpfs of `size` mounted on a fresh folder, unmounted at the end of the test. */
function tmpfs(t: ExecutionContext, size: string): string {
  const dir = tempDir('vz-tmpfs-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  t.teardown(() => {
    try {
      execFileSync('umount', ['-l', dir]);
    } catch {}
  });
  return dir;
}

test('a tmpfs that fills mid-download: that stream fails STORAGE_ERROR, another keeps playing', async (t) => {
  const { single, big } = await sharedFixtures();
  const storagePath = tmpfs(t, '12m');
  const small = await startSwarm(single, { seeders: ['libtorrent'] });
  t.teardown(() => small.stop());
  const large = await startSwarm(big, { seeders: ['libtorrent'] });
  t.teardown(() => large.stop());
  const lines: string[] = [];
  const session = await openSession(t, { storagePath, onLog: (line) => lines.push(line) });
  const failed: SessionEvent[] = [];
  session.on('readFailed', (e) => failed.push(e));
  const kept = await session.prepare({ magnet: small.magnet(), fileIndex: 0 });
  t.is(sha256((await httpGet(kept.url)).body), single.files[0].sha256);

  // 21 MB into what is left of 12 MB.
  let prepareError: unknown;
  const full = await session.prepare({ magnet: large.magnet(), fileIndex: 0 }).catch((e) => {
    prepareError = e;
    return undefined;
  });
  if (full) {
    const body = await httpGet(full.url);
    t.false(body.complete, 'the body stops where the disk did');
    const event = await waitFor('readFailed', async () => failed[0]);
    if (event.type !== 'readFailed' || event.code !== 'STORAGE_ERROR') {
      t.log(execFileSync('df', ['-k', storagePath]).toString());
      t.log(lines.slice(-40).join('\n'));
    }
    t.like(event, { type: 'readFailed', code: 'STORAGE_ERROR', token: full.token });
  } else {
    t.is((prepareError as { code?: string }).code, 'STORAGE_ERROR');
  }
  // The other torrent's stream plays on, byte-exact.
  t.is(sha256((await httpGet(kept.url)).body), single.files[0].sha256);
});

test('storage made read-only while the session runs: a typed STORAGE_ERROR, the rest plays', async (t) => {
  const { single, big } = await sharedFixtures();
  const storagePath = tmpfs(t, '64m');
  const small = await startSwarm(single, { seeders: ['libtorrent'] });
  t.teardown(() => small.stop());
  const large = await startSwarm(big, { seeders: ['libtorrent'] });
  t.teardown(() => large.stop());
  const session = await openSession(t, { storagePath });
  const kept = await session.prepare({ magnet: small.magnet(), fileIndex: 0 });
  t.is(sha256((await httpGet(kept.url)).body), single.files[0].sha256);
  // A read-only bind mount over it (a remount would refuse: files are open for writing).
  execFileSync('mount', ['--bind', storagePath, storagePath]);
  execFileSync('mount', ['-o', 'remount,bind,ro', storagePath]);
  t.teardown(() => {
    try {
      execFileSync('umount', ['-l', storagePath]);
    } catch {}
  });
  await rejectsWithCode(
    t,
    session.prepare({ magnet: large.magnet(), fileIndex: 0 }),
    'STORAGE_ERROR',
  );
  t.is(sha256((await httpGet(kept.url)).body), single.files[0].sha256);
});

test('garbage metadata and resume files at start: that torrent is fetched again, nothing else lost', async (t) => {
  const { single, album } = await sharedFixtures();
  const storagePath = tempDir();
  const swarm = await startSwarm(single, { seeders: ['libtorrent'] });
  t.teardown(() => swarm.stop());
  const albumSwarm = await startSwarm(album, { seeders: ['libtorrent'] });
  const first = await openSession(t, { storagePath });
  for (const [magnet, index] of [
    [swarm.magnet(), 0],
    [albumSwarm.magnet(), 0],
  ] as const) {
    const stream = await first.prepare({ magnet, fileIndex: index });
    await httpGet(stream.url);
    await first.release(stream.token);
  }
  await first.close();
  await albumSwarm.stop();
  // The single track's cached metadata and resume data become garbage and a truncated file.
  const meta = join(storagePath, '.vozduxan');
  const mine = readdirSync(meta).filter((name) => name.startsWith(single.infoHash));
  t.true(mine.length >= 1, readdirSync(meta).join(', '));
  for (const name of mine) {
    writeFileSync(join(meta, name), name.endsWith('.torrent') ? 'd4:infoi1ee garbage' : 'd');
  }
  const second = await openSession(t, { storagePath });
  const again = await second.prepare({ magnet: swarm.magnet(), fileIndex: 0 });
  t.is(sha256((await httpGet(again.url)).body), single.files[0].sha256);
  // The album's cache is intact: its metadata loads with no peer to ask.
  const cached = magnetFor(album.infoHash, { peers: ['127.0.0.1:9'] });
  t.is(
    (await second.listFiles({ magnet: cached, metadataTimeoutMs: 3000 })).length,
    album.files.length,
  );
});
