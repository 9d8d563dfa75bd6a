// Swarms as they are in the wild (issue 16): the only seeder dies mid-response and another
// implementation appears; nothing returns and the waits end cleanly; a lying peer sends flipped
// bytes beside an honest one. Every byte served must match the source.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import type { SessionEvent } from '../lib/index.ts';
import { startAria2Seeder, startLibtorrentSeeder, waitFor } from './harness/index.ts';
import { openSession, rejectsWithCode, sharedFixtures, tempDir } from './helpers.ts';
import { httpGet } from './http-client.ts';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

test('the only seeder dies mid-response; an aria2 seeder given by addPeers finishes it byte-exact', async (t) => {
  const { big } = await sharedFixtures();
  const first = await startLibtorrentSeeder({
    torrentPath: big.torrentPath,
    dataDir: big.dataDir,
    uploadLimit: 600_000,
  });
  t.teardown(() => first.stop());
  const session = await openSession(t, { softTimeoutMs: 500 });
  const slow: SessionEvent[] = [];
  session.on('loadSlow', (e) => slow.push(e));
  const magnet = `magnet:?xt=urn:btih:${big.infoHash}&x.pe=${first.peer}`;
  const stream = await session.prepare({ magnet, fileIndex: 0 });
  let killed = false;
  const body = httpGet(stream.url, {
    onFirstChunk: () => {
      killed = true;
      void first.stop();
    },
  });
  await waitFor('the seeder gone and the response starving', async () =>
    killed && slow.length > 0 && session.stats(stream.token).numPeers === 0 ? true : undefined,
  );
  t.is(session.stats(stream.token).state === 'complete', false);
  const second = await startAria2Seeder({ torrentPath: big.torrentPath, dataDir: big.dataDir });
  t.teardown(() => second.stop());
  t.true(session.addPeers(stream.token, [second.peer]));
  const result = await body;
  t.true(result.complete);
  t.is(sha256(result.body), big.files[0].sha256);
});

test('when nothing returns: prepare rejects BUFFER_TIMEOUT and a parked response ends (readFailed)', async (t) => {
  const { big } = await sharedFixtures();
  const seeder = await startLibtorrentSeeder({
    torrentPath: big.torrentPath,
    dataDir: big.dataDir,
    uploadLimit: 400_000,
  });
  t.teardown(() => seeder.stop());
  const session = await openSession(t, { bufferTimeoutMs: 1500 });
  const failed: SessionEvent[] = [];
  session.on('readFailed', (e) => failed.push(e));
  const magnet = `magnet:?xt=urn:btih:${big.infoHash}&x.pe=${seeder.peer}`;
  const stream = await session.prepare({ magnet, fileIndex: 0 });
  await seeder.stop();
  const tail = await httpGet(stream.url, {
    headers: { Range: `bytes=${big.files[0].size - 100}-` },
  });
  t.is(tail.status, 206);
  t.false(tail.complete);
  t.is(tail.body.length, 0);
  t.like(failed[0] ?? (await waitFor('readFailed', async () => failed[0])), {
    type: 'readFailed',
    code: 'BUFFER_TIMEOUT',
    retryable: true,
  });
  // Another file of nothing: its prepare times out the same way.
  const { album } = await sharedFixtures();
  const dead = `magnet:?xt=urn:btih:${album.infoHash}&x.pe=127.0.0.1:9`;
  await session.listFiles({ torrent: new Uint8Array(album.torrent) });
  await rejectsWithCode(t, session.prepare({ magnet: dead, fileIndex: 1 }), 'BUFFER_TIMEOUT');
});

test('a lying peer (flipped bytes) beside an honest one: every byte right, its pieces fail, it is banned', async (t) => {
  const { single } = await sharedFixtures();
  const file = single.files[0];
  // The liar's copy: one byte flipped in every 64 KiB.
  const liarDir = tempDir('vz-liar-');
  await mkdir(liarDir, { recursive: true });
  const liarPath = join(liarDir, single.name);
  await copyFile(file.absPath, liarPath);
  const handle = await open(liarPath, 'r+');
  for (let at = 1000; at < file.size; at += 65_536) {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, at);
    byte[0] ^= 0xff;
    await handle.write(byte, 0, 1, at);
  }
  await handle.close();
  const liar = await startAria2Seeder({
    torrentPath: single.torrentPath,
    dataDir: liarDir,
    unverified: true,
  });
  t.teardown(() => liar.stop());
  const honest = await startLibtorrentSeeder({
    torrentPath: single.torrentPath,
    dataDir: single.dataDir,
    uploadLimit: 1_000_000,
  });
  t.teardown(() => honest.stop());
  const lines: string[] = [];
  const session = await openSession(t, { onLog: (line) => lines.push(line) });
  const magnet = `magnet:?xt=urn:btih:${single.infoHash}&x.pe=${liar.peer}&x.pe=${honest.peer}`;
  const stream = await session.prepare({ magnet, fileIndex: 0 });
  const body = (await httpGet(stream.url)).body;
  t.is(sha256(body), file.sha256);
  await waitFor('a hash failure and a ban in the log', async () =>
    lines.some((l) => /hash.*fail/i.test(l)) && lines.some((l) => /ban/i.test(l))
      ? true
      : undefined,
  );
  t.pass();
});
