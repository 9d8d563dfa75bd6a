// The data saver (README, Data saver): with maxReadAheadSecs no piece is wanted past that much
// audio beyond the position; moving the position moves the window; a reader past the cap waits
// for it, unless its player has gone quiet (the staleness tick); against aria2 too, which
// re-unchokes only every 10 s. States and bytes only: which pieces are verified (stats: the
// pieces had and the bytes buffered from the position; pieceVerified events name none outside the
// window), the window stats report, sha256 of what was read.
import { createHash } from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import {
  type Session,
  type SessionConfig,
  type StalledEvent,
  VozduxanError,
} from '../lib/index.ts';
import { type Fixture, type SeederKind, sleep, startSwarm, waitFor } from './harness/index.ts';
import { openSession, rejectsWithCode, sharedFixtures } from './helpers.ts';
import { fileSlice, readAll } from './http-client.ts';

const WAV_RATE = 176_400; // bytes per second of the fixtures' 44.1 kHz stereo 16-bit WAVs
const lastOf = (pieces: number[]) => pieces[pieces.length - 1];

/** The pieces a capped window at `position` may want: those starting ≤ position + cap. */
function windowAt(fixture: Fixture, position: number, capSecs: number): number[] {
  const last = Math.min(
    Math.floor((position + capSecs * WAV_RATE) / fixture.pieceLength),
    fixture.numPieces - 1,
  );
  const out: number[] = [];
  for (let p = Math.floor(position / fixture.pieceLength); p <= last; p++) out.push(p);
  return out;
}

/** The pieces pieceVerified events named (a lost alert may leave one out, never add one). */
function verifiedPieces(session: Session): Set<number> {
  const seen = new Set<number>();
  session.on('pieceVerified', ({ pieces }) => {
    for (const p of pieces) seen.add(p);
  });
  return seen;
}

const sorted = (set: Set<number>) => [...set].sort((a, b) => a - b);

/** Waits until the stream has every piece of `want` from its position on; returns its stats. */
function windowFilled(session: Session, token: string, fixture: Fixture, want: number[]) {
  const end = Math.min((lastOf(want) + 1) * fixture.pieceLength, fixture.files[0].size);
  return waitFor('the window to be verified', async () => {
    const stats = session.stats(token);
    return stats.position + stats.bufferedAhead >= end ? stats : undefined;
  });
}

/** Pieces pieceVerified named that are not in `allowed`. */
const outside = (verified: Set<number>, allowed: number[]) =>
  sorted(verified).filter((p) => !allowed.includes(p));

async function cappedStream(
  t: ExecutionContext,
  fixture: Fixture,
  seeders: SeederKind[],
  config: Partial<SessionConfig>,
) {
  const swarm = await startSwarm(fixture, { seeders });
  t.teardown(() => swarm.stop());
  const session = await openSession(t, config);
  const verified = verifiedPieces(session);
  const stream = await session.prepare({ magnet: swarm.magnet(), fileIndex: 0 });
  return { session, verified, stream };
}

test('libtorrent seeder: nothing past the window downloads; moving the position moves it; a reporting player reads every byte', async (t) => {
  const { big } = await sharedFixtures();
  const CAP = 3;
  // The staleness tick out of the way: only position reports move the window here.
  const { session, verified, stream } = await cappedStream(t, big, ['libtorrent'], {
    maxReadAheadSecs: CAP,
    readAheadStaleMs: 600_000,
  });
  session.notifyPosition(stream.token, 0);
  const first = windowAt(big, 0, CAP);
  t.true(first.length < big.numPieces / 4, 'the window is a small part of the file');
  const atStart = await windowFilled(session, stream.token, big, first);
  // Every piece of the window and nothing else (had = the window's count).
  t.is(atStart.piecesHad, first.length);
  t.true(atStart.windowLast <= lastOf(first));
  t.deepEqual(outside(verified, first), []);

  // The player moves to 60 s: the window follows, and nothing between the two came.
  const at = session.notifyTime(stream.token, 60) ?? -1;
  t.true(at > 0);
  const second = windowAt(big, at, CAP);
  t.true(second[0] > lastOf(first) + 1);
  const moved = await windowFilled(session, stream.token, big, second);
  t.is(moved.position, at);
  t.is(moved.piecesHad, first.length + second.length);
  t.true(moved.windowFirst >= second[0] && moved.windowLast <= lastOf(second));
  t.deepEqual(outside(verified, [...first, ...second]), []);

  // A player that reports what it has played (here: what it received) reads every byte.
  const body = await readAll(stream.url, (received) =>
    session.notifyPosition(stream.token, received),
  );
  t.is(body.length, big.files[0].size);
  t.is(body.sha256, big.files[0].sha256);
});

test('the staleness tick: an HTTP reader whose player never reports gets every byte', async (t) => {
  t.timeout(90_000); // without the tick the reader waits past the cap for good
  const { single } = await sharedFixtures();
  const { session, stream } = await cappedStream(t, single, ['libtorrent'], {
    maxReadAheadSecs: 2,
  });
  const body = await readAll(stream.url);
  t.is(body.length, single.files[0].size);
  t.is(body.sha256, single.files[0].sha256);
  t.is(session.stats(stream.token).state, 'complete');
});

test('the staleness tick: a Readable that never reports gets every byte', async (t) => {
  t.timeout(90_000);
  const { single } = await sharedFixtures();
  const { session, stream } = await cappedStream(t, single, ['libtorrent'], {
    maxReadAheadSecs: 2,
    readAheadStaleMs: 1_000,
  });
  const hash = createHash('sha256');
  let length = 0;
  for await (const chunk of session.createReadStream(stream.token)) {
    hash.update(chunk as Buffer);
    length += (chunk as Buffer).length;
  }
  t.is(length, single.files[0].size);
  t.is(hash.digest('hex'), single.files[0].sha256);
});

test('a reader held past the cap is no slow load and no stall; the next report frees it', async (t) => {
  const { single } = await sharedFixtures();
  const CAP = 1;
  const HANG_MS = 1_000;
  const { session, verified, stream } = await cappedStream(t, single, ['libtorrent'], {
    maxReadAheadSecs: CAP,
    readAheadStaleMs: 600_000,
    hangTimeoutMs: HANG_MS,
    softTimeoutMs: 300,
  });
  const alarms: string[] = [];
  const stalls: StalledEvent[] = [];
  session.on('stalled', (event) => {
    alarms.push('stalled');
    stalls.push(event);
  });
  session.on('loadSlow', () => alarms.push('loadSlow'));
  const window = windowAt(single, 0, CAP);
  let held = 0;
  let report = false;
  const body = readAll(stream.url, (received) => {
    held = received;
    if (report) session.notifyPosition(stream.token, received);
  });
  await waitFor('the reader to reach the cap', async () =>
    held === (lastOf(window) + 1) * single.pieceLength ? true : undefined,
  );
  t.is(session.stats(stream.token).piecesHad, window.length);
  // The link is idle and a reader waits: long enough for the watchdog and loadSlow to fire, were
  // the held reader counted as work.
  await sleep(3 * HANG_MS);
  t.deepEqual(alarms, []);
  t.is(session.stats(stream.token).piecesHad, window.length, 'still nothing past the window');
  t.deepEqual(outside(verified, window), []);
  report = true;
  session.notifyPosition(stream.token, held);
  const done = await body;
  t.is(done.sha256, single.files[0].sha256);
  // From here pieces are wanted again. A loaded machine may leave a piece unanswered for the 1 s
  // hang limit, and that stall is real; what must never happen is the held time counting toward
  // one, which shows as a stall that had waited since before the report.
  for (const stall of stalls)
    t.true(stall.elapsedMs < 3 * HANG_MS, `stalled ${stall.elapsedMs} ms`);
});

test('a random-access read past the cap moves the window, as a Range request would', async (t) => {
  t.timeout(30_000);
  const { single } = await sharedFixtures();
  const { session, stream } = await cappedStream(t, single, ['libtorrent'], {
    maxReadAheadSecs: 1,
    readAheadStaleMs: 600_000, // only the read itself may move the window
  });
  session.notifyPosition(stream.token, 0);
  const size = single.files[0].size;
  const handle = await session.open(stream.token);
  t.teardown(() => handle.close());
  const tail = Buffer.alloc(128);
  const { bytesRead } = await handle.read(tail, 0, tail.length, size - tail.length);
  t.is(bytesRead, tail.length);
  t.deepEqual(tail, await fileSlice(single.files[0].absPath, size - tail.length, size - 1));
  t.true(session.stats(stream.token).windowLast >= single.numPieces - 1);
});

test('aria2 seeder (re-unchokes every 10 s): a capped stream with a reporting player plays every byte', async (t) => {
  const { single } = await sharedFixtures();
  const CAP = 5;
  const { session, verified, stream } = await cappedStream(t, single, ['aria2'], {
    maxReadAheadSecs: CAP,
  });
  session.notifyPosition(stream.token, 0);
  const window = windowAt(single, 0, CAP);
  t.is((await windowFilled(session, stream.token, single, window)).piecesHad, window.length);
  t.deepEqual(outside(verified, window), []);
  const body = await readAll(stream.url, (received) =>
    session.notifyPosition(stream.token, received),
  );
  t.is(body.length, single.files[0].size);
  t.is(body.sha256, single.files[0].sha256);
});

test('maxReadAheadSecs and readAheadStaleMs: anything but a finite number > 0 is BAD_INPUT', async (t) => {
  const bad: unknown[] = [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '3', 2e9, true];
  for (const value of bad) {
    await rejectsWithCode(t, openSession(t, { maxReadAheadSecs: value as number }), 'BAD_INPUT');
  }
  for (const value of [-1, 1.5, Number.NaN, 'x']) {
    await rejectsWithCode(
      t,
      openSession(t, { maxReadAheadSecs: 3, readAheadStaleMs: value as number }),
      'BAD_INPUT',
    );
  }
  const session = await openSession(t, { maxReadAheadSecs: 0.5, readAheadStaleMs: 100 });
  const magnet = `magnet:?xt=urn:btih:${'7'.repeat(40)}`;
  for (const value of bad) {
    const error = await t.throwsAsync(
      session.prepare({ magnet, fileIndex: 0, maxReadAheadSecs: value as number }),
      { instanceOf: VozduxanError },
    );
    t.is(error?.code, 'BAD_INPUT', `prepare with ${String(value)}`);
  }
});
