import { createHash, randomInt } from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import { startSwarm } from './harness/index.ts';
import { audioIndices, openSession, rejectsWithCode, sharedFixtures } from './helpers.ts';
import { fileSlice, httpGet } from './http-client.ts';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** The big WAV prepared from one libtorrent seeder limited to `rate` bytes per second. */
async function throttledBig(t: ExecutionContext, rate: number) {
  const { big } = await sharedFixtures();
  const swarm = await startSwarm(big, { seeders: ['libtorrent'], uploadLimit: rate });
  t.teardown(() => swarm.stop());
  const session = await openSession(t);
  const stream = await session.prepare({
    torrent: new Uint8Array(big.torrent),
    peers: swarm.peers,
    fileIndex: 0,
  });
  return { big, file: big.files[0], session, stream };
}

test('every audio file of the album is served byte-exact, boundary and short last pieces included', async (t) => {
  const { album } = await sharedFixtures();
  const swarm = await startSwarm(album, { seeders: ['aria2', 'libtorrent'] });
  t.teardown(() => swarm.stop());
  const session = await openSession(t);
  const torrent = new Uint8Array(album.torrent);
  let audioFiles = 0;
  for (const [index, file] of album.files.entries()) {
    if (!/\.(flac|mp3|wav)$/.test(file.path)) {
      await rejectsWithCode(
        t,
        session.prepare({ torrent, peers: swarm.peers, fileIndex: index }),
        'INVALID_FILE',
      );
      continue;
    }
    audioFiles += 1;
    const stream = await session.prepare({ torrent, peers: swarm.peers, fileIndex: index });
    t.is(stream.fileSize, file.size);
    t.regex(stream.url, /^http:\/\/127\.0\.0\.1:\d+\/stream\/[0-9a-f]{48}$/);
    const response = await httpGet(stream.url);
    t.is(response.status, 200);
    t.is(Number(response.headers['content-length']), file.size);
    t.is(response.headers['content-type'], stream.mimeType);
    t.is(sha256(response.body), file.sha256, file.path);
    await session.release(stream.token);
  }
  t.true(audioFiles >= 3);
  // The album's files do not start on piece boundaries: this is what the test is about.
  t.true(album.files.some((f) => f.offset % album.pieceLength !== 0));
});

test('a libtorrent seed never drops us as upload-only: peers are dialed once a piece is wanted', async (t) => {
  // libtorrent's handshake says "upload-only" while a torrent wants no piece; a seed then
  // closes the connection and libtorrent waits a minute to dial it again. Each session here
  // adds the torrent with its metadata, so its stream attaches only after the check.
  const { album } = await sharedFixtures();
  const swarm = await startSwarm(album, { seeders: ['libtorrent'] });
  t.teardown(() => swarm.stop());
  const torrent = new Uint8Array(album.torrent);
  const audio = audioIndices(album);
  const sessions = await Promise.all(audio.flatMap(() => [openSession(t), openSession(t)]));
  await Promise.all(
    sessions.map(async (session, n) => {
      const fileIndex = audio[n % audio.length];
      const stream = await session.prepare({ torrent, peers: swarm.peers, fileIndex });
      const response = await httpGet(stream.url, { headers: { Range: 'bytes=0-65535' } });
      t.true(response.body.equals(await fileSlice(album.files[fileIndex].absPath, 0, 65535)));
    }),
  );
  t.is(swarm.seeders[0].uploadOnlyDrops(), 0, swarm.seeders[0].output());
});

test('random ranges equal the source bytes while the download is still running', async (t) => {
  const { file, session, stream } = await throttledBig(t, 1_000_000);
  let servedBeforeComplete = 0;
  for (let i = 0; i < 12; i++) {
    const first = randomInt(0, file.size - 1);
    const last = Math.min(file.size - 1, first + randomInt(1, 300_000));
    const response = await httpGet(stream.url, { headers: { Range: `bytes=${first}-${last}` } });
    t.is(response.status, 206);
    t.is(response.headers['content-range'], `bytes ${first}-${last}/${file.size}`);
    t.true(
      response.body.equals(await fileSlice(file.absPath, first, last)),
      `range ${first}-${last}`,
    );
    if (session.stats(stream.token).state !== 'complete') servedBeforeComplete += 1;
  }
  t.true(servedBeforeComplete > 0, 'at least one range was served before the file completed');
});

test('a seek to 90% during the download is served before the file completes', async (t) => {
  const { file, session, stream } = await throttledBig(t, 500_000);
  const first = Math.floor(file.size * 0.9);
  const last = first + 128 * 1024 - 1;
  const response = await httpGet(stream.url, { headers: { Range: `bytes=${first}-${last}` } });
  t.is(response.status, 206);
  t.true(response.body.equals(await fileSlice(file.absPath, first, last)));
  const stats = session.stats(stream.token);
  t.true(stats.piecesHad < stats.piecesTotal, `had ${stats.piecesHad} of ${stats.piecesTotal}`);
  t.true(stats.seeks >= 1);
});

test('notifyPosition moves the deadline window', async (t) => {
  const { big, session, stream } = await throttledBig(t, 500_000);
  const before = session.stats(stream.token);
  t.true(
    before.windowFirst >= 0 && before.windowFirst < 5,
    `window starts at ${before.windowFirst}`,
  );
  const target = Math.floor(stream.fileSize / 2);
  t.true(session.notifyPosition(stream.token, target));
  const targetPiece = Math.floor(target / big.pieceLength);
  // The engine thread applies the move; poll the state it publishes (no timing assumed).
  let after = session.stats(stream.token);
  for (let i = 0; i < 200 && after.windowFirst !== targetPiece; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    after = session.stats(stream.token);
  }
  t.is(after.position, target);
  t.is(after.windowFirst, targetPiece);
  t.true(after.windowLast >= after.windowFirst);
  t.false(session.notifyPosition('f'.repeat(48), 0));
});

test('release ends a response mid-body and the URL then answers 404', async (t) => {
  const { file, session, stream } = await throttledBig(t, 300_000);
  const response = await httpGet(stream.url, {
    onFirstChunk: () => {
      void session.release(stream.token);
    },
  });
  t.is(response.status, 200);
  t.false(response.complete);
  t.true(response.body.length < stream.fileSize);
  t.true(response.body.equals(await fileSlice(file.absPath, 0, response.body.length - 1)));
  t.is((await httpGet(stream.url)).status, 404);
  t.false(await session.release(stream.token), 'release is idempotent');
  await rejectsWithCode(
    t,
    Promise.resolve().then(() => session.stats(stream.token)),
    'NOT_FOUND',
  );
});

test('a newer Range request on a token ends the older response (seek generation)', async (t) => {
  const { file, session, stream } = await throttledBig(t, 300_000);
  let seek: Promise<Awaited<ReturnType<typeof httpGet>>> | undefined;
  const first = await httpGet(stream.url, {
    onFirstChunk: () => {
      seek = httpGet(stream.url, {
        headers: { Range: `bytes=${Math.floor(stream.fileSize * 0.5)}-` },
      });
    },
  });
  t.false(first.complete, 'the older response stopped early');
  t.true(first.body.equals(await fileSlice(file.absPath, 0, first.body.length - 1)));
  await session.release(stream.token);
  const second = await seek;
  t.is(second?.status, 206);
});

test('release during a prepare on the same torrent leaves that prepare intact', async (t) => {
  const { album } = await sharedFixtures();
  const swarm = await startSwarm(album, { seeders: ['aria2'], uploadLimit: 500_000 });
  t.teardown(() => swarm.stop());
  const session = await openSession(t);
  const torrent = new Uint8Array(album.torrent);
  const audio = audioIndices(album);
  const current = await session.prepare({ torrent, peers: swarm.peers, fileIndex: audio[0] });
  const next = session.prepare({ torrent, peers: swarm.peers, fileIndex: audio[1] });
  t.true(await session.release(current.token));
  const stream = await next;
  const response = await httpGet(stream.url);
  t.is(sha256(response.body), album.files[audio[1]].sha256);
});

test('aborting a prepare rejects with CANCELLED, during metadata and during the prebuffer', async (t) => {
  const { big } = await sharedFixtures();
  const session = await openSession(t);
  const waiting = new AbortController();
  const resolving = session.prepare({
    magnet: `magnet:?xt=urn:btih:${'9'.repeat(40)}&x.pe=127.0.0.1:9`,
    fileIndex: 0,
    signal: waiting.signal,
  });
  waiting.abort();
  await rejectsWithCode(t, resolving, 'CANCELLED');

  // A seeder slow enough that the prebuffer cannot be done when the abort lands.
  const swarm = await startSwarm(big, { seeders: ['libtorrent'], uploadLimit: 20_000 });
  t.teardown(() => swarm.stop());
  const buffering = new AbortController();
  const statuses: string[] = [];
  const pending = session.prepare({
    torrent: new Uint8Array(big.torrent),
    peers: swarm.peers,
    fileIndex: 0,
    signal: buffering.signal,
    onProgress: (_fraction, status) => {
      statuses.push(status);
      if (status === 'buffering' || status === 'checking files') buffering.abort();
    },
  });
  await rejectsWithCode(t, pending, 'CANCELLED');
  t.true(statuses.length > 0);
});

test('a prefetch (main: false) does not stall the main stream', async (t) => {
  const { album } = await sharedFixtures();
  const swarm = await startSwarm(album, { seeders: ['libtorrent'], uploadLimit: 1_000_000 });
  t.teardown(() => swarm.stop());
  const session = await openSession(t);
  const torrent = new Uint8Array(album.torrent);
  const audio = audioIndices(album);
  const [mainIndex, nextIndex] = [audio[0], audio[audio.length - 1]];
  const prefetch = await session.prepare({
    torrent,
    peers: swarm.peers,
    fileIndex: nextIndex,
    main: false,
  });
  const main = await session.prepare({
    torrent,
    peers: swarm.peers,
    fileIndex: mainIndex,
    main: true,
  });
  const response = await httpGet(main.url);
  t.is(sha256(response.body), album.files[mainIndex].sha256);
  t.false(session.stats(prefetch.token).main);
  t.true(session.stats(main.token).main);
  const warmed = await httpGet(prefetch.url);
  t.is(sha256(warmed.body), album.files[nextIndex].sha256);
});

test('fileIndex out of range or not audio rejects with INVALID_FILE', async (t) => {
  const { album } = await sharedFixtures();
  const session = await openSession(t);
  const torrent = new Uint8Array(album.torrent);
  await rejectsWithCode(
    t,
    session.prepare({ torrent, fileIndex: album.files.length }),
    'INVALID_FILE',
  );
  await rejectsWithCode(t, session.prepare({ torrent, fileIndex: -1 }), 'INVALID_FILE');
  await rejectsWithCode(t, session.prepare({ torrent, fileIndex: 1.5 }), 'INVALID_FILE');
  const text = album.files.findIndex((f) => f.path.endsWith('.txt'));
  await rejectsWithCode(t, session.prepare({ torrent, fileIndex: text }), 'INVALID_FILE');
  await rejectsWithCode(t, session.prepare({ magnet: 'magnet:nope', fileIndex: 0 }), 'BAD_INPUT');
  await rejectsWithCode(
    t,
    session.prepare({
      magnet: `magnet:?xt=urn:btih:${'8'.repeat(40)}`,
      fileIndex: 0,
      metadataTimeoutMs: 200,
    }),
    'METADATA_TIMEOUT',
  );
});

test('five streams at once over two torrents, each byte-exact', async (t) => {
  const { album, single } = await sharedFixtures();
  const albumSwarm = await startSwarm(album, { seeders: ['aria2', 'libtorrent'] });
  const singleSwarm = await startSwarm(single, { seeders: ['libtorrent'] });
  t.teardown(async () => {
    await albumSwarm.stop();
    await singleSwarm.stop();
  });
  const session = await openSession(t);
  const audio = audioIndices(album);
  const wanted = [
    ...audio.map((index) => ({ fixture: album, peers: albumSwarm.peers, index, main: false })),
    { fixture: single, peers: singleSwarm.peers, index: 0, main: true },
  ];
  t.true(wanted.length >= 5);
  const streams = await Promise.all(
    wanted.map((w) =>
      session.prepare({
        torrent: new Uint8Array(w.fixture.torrent),
        peers: w.peers,
        fileIndex: w.index,
        main: w.main,
      }),
    ),
  );
  const bodies = await Promise.all(streams.map((s) => httpGet(s.url)));
  for (const [i, w] of wanted.entries())
    t.is(sha256(bodies[i].body), w.fixture.files[w.index].sha256);
});

test('a swarm that never sends data rejects with BUFFER_TIMEOUT', async (t) => {
  const { single } = await sharedFixtures();
  const session = await openSession(t, { bufferTimeoutMs: 500 });
  // Metadata from the bytes, but the only peer is a closed port.
  await rejectsWithCode(
    t,
    session.prepare({
      torrent: new Uint8Array(single.torrent),
      peers: ['127.0.0.1:9'],
      fileIndex: 0,
    }),
    'BUFFER_TIMEOUT',
  );
});
