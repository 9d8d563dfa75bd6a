// Reading without HTTP (README, Reading without HTTP): a Node Readable and a random-access
// handle over real, still-downloading torrents; only verified bytes, byte-exact.
import { createHash, randomInt } from 'node:crypto';
import { once } from 'node:events';
import test from 'ava';
import { parseStream } from 'music-metadata';
import { type SessionEvent, VozduxanError } from '../lib/index.ts';
import { startSwarm, waitFor } from './harness/index.ts';
import { audioIndices, openSession, rejectsWithCode, sharedFixtures } from './helpers.ts';
import { fileSlice } from './http-client.ts';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function collect(readable: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of readable) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

test('every album file through a Readable while it downloads is byte-exact', async (t) => {
  const { album } = await sharedFixtures();
  const swarm = await startSwarm(album, { seeders: ['libtorrent'], uploadLimit: 2_000_000 });
  t.teardown(() => swarm.stop());
  const session = await openSession(t);
  for (const index of audioIndices(album)) {
    const stream = await session.prepare({ magnet: swarm.magnet(), fileIndex: index });
    const body = await collect(
      session.createReadStream(stream.token, { highWaterMark: 64 * 1024 }),
    );
    t.is(sha256(body), album.files[index].sha256, album.files[index].path);
    await session.release(stream.token);
  }
});

test('a range of a Readable, and its events: started, then completed with every byte', async (t) => {
  const { single } = await sharedFixtures();
  const swarm = await startSwarm(single, { seeders: ['libtorrent'] });
  t.teardown(() => swarm.stop());
  const session = await openSession(t);
  const events: SessionEvent[] = [];
  session.on('readStarted', (e) => events.push(e));
  session.on('readCompleted', (e) => events.push(e));
  const stream = await session.prepare({ magnet: swarm.magnet(), fileIndex: 0 });
  const [start, end] = [100_001, 900_000];
  const body = await collect(session.createReadStream(stream.token, { start, end }));
  t.true(body.equals(await fileSlice(single.files[0].absPath, start, end)));
  const done = await waitFor('readCompleted', async () =>
    events.find((e) => e.type === 'readCompleted'),
  );
  t.like(done, { bytes: end - start + 1, token: stream.token });
  t.like(events[0], { type: 'readStarted', range: { start, end } });
});

test('random reads through a handle equal the source, at the tail too', async (t) => {
  const { big } = await sharedFixtures();
  const swarm = await startSwarm(big, { seeders: ['libtorrent'], uploadLimit: 1_500_000 });
  t.teardown(() => swarm.stop());
  const session = await openSession(t);
  const stream = await session.prepare({ magnet: swarm.magnet(), fileIndex: 0 });
  const file = big.files[0];
  const handle = await session.open(stream.token);
  t.is(handle.size, file.size);
  const positions = [
    file.size - 128,
    0,
    randomInt(file.size - 70_000),
    randomInt(file.size - 70_000),
  ];
  for (const position of positions) {
    const buffer = Buffer.alloc(70_000);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    const expected = await fileSlice(
      file.absPath,
      position,
      Math.min(position + 70_000, file.size) - 1,
    );
    t.is(bytesRead, expected.length);
    t.true(buffer.subarray(0, bytesRead).equals(expected), `at ${position}`);
  }
  await handle.close();
  await rejectsWithCode(t, handle.read(Buffer.alloc(1)), 'CLOSED');
});

test('a tag reader (music-metadata) reads the format and duration of a FLAC and an MP3 while they download', async (t) => {
  const { album } = await sharedFixtures();
  const swarm = await startSwarm(album, { seeders: ['libtorrent'], uploadLimit: 1_000_000 });
  t.teardown(() => swarm.stop());
  const session = await openSession(t);
  for (const ext of ['.flac', '.mp3']) {
    const index = album.files.findIndex((f) => f.path.endsWith(ext));
    const stream = await session.prepare({ magnet: swarm.magnet(), fileIndex: index });
    const readable = session.createReadStream(stream.token);
    // By name: music-metadata 11 finds no parser from the MIME type 'audio/flac' itself.
    const metadata = await parseStream(readable, {
      path: album.files[index].path,
      size: stream.fileSize,
    });
    readable.destroy();
    const seconds = ext === '.flac' ? 20 : 45; // the fixture's tracks (harness/fixtures.ts)
    t.true(
      Math.abs((metadata.format.duration ?? 0) - seconds) < 0.5,
      `${ext}: ${metadata.format.duration}`,
    );
    t.is(metadata.format.sampleRate, 44_100, ext);
    await session.release(stream.token);
  }
});

test('destroy mid-stream cancels at once (readCancelled client), then release; backpressure holds', async (t) => {
  const { big } = await sharedFixtures();
  const swarm = await startSwarm(big, { seeders: ['libtorrent'], uploadLimit: 300_000 });
  t.teardown(() => swarm.stop());
  const session = await openSession(t);
  const cancelled: SessionEvent[] = [];
  session.on('readCancelled', (e) => cancelled.push(e));
  const stream = await session.prepare({ magnet: swarm.magnet(), fileIndex: 0 });
  const highWaterMark = 16 * 1024;
  const readable = session.createReadStream(stream.token, { highWaterMark });
  await once(readable, 'readable');
  // Not consumed: the Readable holds at most what its high-water mark lets it ask for.
  await new Promise((r) => setImmediate(r));
  t.true(readable.readableLength <= 2 * highWaterMark, `${readable.readableLength}`);
  const first = readable.read(1000) as Buffer;
  t.true(first.equals(await fileSlice(big.files[0].absPath, 0, 999)));
  // Then a read far ahead, parked on a piece that is not here, destroyed while it waits.
  const tail = session.createReadStream(stream.token, { start: big.files[0].size - 10 });
  tail.resume();
  await waitFor('the tail read parked', async () =>
    session.stats(stream.token).seeks >= 2 ? true : undefined,
  );
  tail.destroy();
  await once(tail, 'close');
  readable.destroy();
  await waitFor('two readCancelled', async () => (cancelled.length >= 2 ? true : undefined));
  t.true(
    cancelled.every(
      (e) => e.type === 'readCancelled' && (e.reason === 'client' || e.cause === 'client'),
    ),
  );
  t.true(await session.release(stream.token));
  const after = session.createReadStream.bind(session, stream.token);
  t.throws(after, { instanceOf: VozduxanError, message: /no stream/ });
});

test('a Readable whose stream is released mid-read errors NOT_FOUND; abort errors CANCELLED', async (t) => {
  const { big } = await sharedFixtures();
  const swarm = await startSwarm(big, { seeders: ['libtorrent'], uploadLimit: 300_000 });
  t.teardown(() => swarm.stop());
  const session = await openSession(t);
  const stream = await session.prepare({ magnet: swarm.magnet(), fileIndex: 0 });
  const released = session.createReadStream(stream.token);
  released.resume();
  await once(released, 'data');
  const failed = once(released, 'error');
  await session.release(stream.token);
  const [error] = await failed;
  t.true(error instanceof VozduxanError);
  t.is((error as VozduxanError).code, 'NOT_FOUND');

  const again = await session.prepare({ magnet: swarm.magnet(), fileIndex: 0 });
  const abort = new AbortController();
  const aborted = session.createReadStream(again.token, { signal: abort.signal });
  aborted.resume();
  await once(aborted, 'data');
  const gotError = once(aborted, 'error');
  abort.abort();
  const [abortError] = await gotError;
  t.is((abortError as VozduxanError).code, 'CANCELLED');
});
