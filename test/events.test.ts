// Session events against real seeders (README, Events): a read's life from started to
// completed, each reason a read is cancelled for from its real cause, loadSlow, the hang
// watchdog (a frozen seeder), and the swarm events a UI polls for today.
import { request } from 'node:http';
import test, { type ExecutionContext } from 'ava';
import { SESSION_EVENT_NAMES } from '../lib/events.ts';
import {
  type LoadSlowEvent,
  Player,
  type PlayerStreamEvent,
  type ReadCompletedEvent,
  type Session,
  type SessionEvent,
} from '../lib/index.ts';
import { startSwarm, waitFor } from './harness/index.ts';
import { openSession, sharedFixtures } from './helpers.ts';
import { httpGet } from './http-client.ts';

/** Every event of the session, in order. */
function record(session: Session): SessionEvent[] {
  const seen: SessionEvent[] = [];
  for (const name of SESSION_EVENT_NAMES)
    session.on(name, (event: SessionEvent) => seen.push(event));
  return seen;
}

function eventually<T>(what: string, find: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  return waitFor(what, async () => find(), { timeoutMs });
}

/** A GET that can be dropped: resolves once its first body bytes arrived. */
function openGet(url: string, range?: string): Promise<{ drop(): void; ended: Promise<void> }> {
  return new Promise((resolve, reject) => {
    let endedResolve: () => void = () => {};
    const ended = new Promise<void>((r) => {
      endedResolve = r;
    });
    const req = request(
      url,
      { agent: false, headers: range ? { Range: `bytes=${range}` } : {} },
      (res) => {
        res.once('data', () => resolve({ drop: () => req.destroy(), ended }));
        res.on('data', () => {});
        res.on('close', endedResolve);
        res.on('error', () => {});
      },
    );
    req.on('error', (error) => {
      endedResolve();
      reject(error);
    });
    req.end();
  });
}

const THROTTLED = 300_000; // bytes per second: the big WAV (176 kB/s) never finishes during a test

async function throttledStream(
  t: ExecutionContext,
  config: Parameters<typeof openSession>[1] = {},
) {
  const { big } = await sharedFixtures();
  const swarm = await startSwarm(big, { seeders: ['libtorrent'], uploadLimit: THROTTLED });
  t.teardown(() => swarm.stop());
  const session = await openSession(t, config);
  const events = record(session);
  const stream = await session.prepare({ magnet: swarm.magnet(), fileIndex: 0 });
  return { big, swarm, session, events, stream };
}

test('a whole GET: readStarted, then readCompleted with every byte; the swarm events of its stream', async (t) => {
  const { single } = await sharedFixtures();
  const swarm = await startSwarm(single, { seeders: ['libtorrent'] });
  t.teardown(() => swarm.stop());
  const session = await openSession(t);
  const events = record(session);
  const stream = await session.prepare({ magnet: swarm.magnet(), fileIndex: 0 });
  const size = single.files[0].size;
  t.is((await httpGet(stream.url)).body.length, size);
  const done = await eventually('readCompleted', () =>
    events.find(
      (e): e is ReadCompletedEvent => e.type === 'readCompleted' && e.token === stream.token,
    ),
  );
  const mine = events.filter(
    (e) =>
      (e.type === 'readStarted' || e.type === 'readCompleted') && e.requestId === done.requestId,
  );
  t.deepEqual(
    mine.map((e) => e.type),
    ['readStarted', 'readCompleted'],
  );
  const [started] = mine;
  if (started.type !== 'readStarted' || done.type !== 'readCompleted') return t.fail();
  t.true(done.requestId >= 1);
  t.deepEqual(started.range, { start: 0, end: size - 1 });
  t.is(done.bytes, size);
  t.true(done.bandwidthBps > 0 && Number.isFinite(done.bandwidthBps));
  t.true(done.at >= started.at);
  const progress = events.filter((e) => e.type === 'prebufferProgress' && e.token === stream.token);
  t.true(progress.length > 0);
  const last = progress.at(-1);
  t.is(last?.type === 'prebufferProgress' ? last.fraction : -1, 1);
  const peers = await eventually('peersChanged', () =>
    events.find((e) => e.type === 'peersChanged' && e.token === stream.token && e.peers >= 1),
  );
  t.truthy(peers);
  const verified = await eventually('pieceVerified', () =>
    events.find((e) => e.type === 'pieceVerified' && e.token === stream.token),
  );
  if (verified.type === 'pieceVerified') t.true(verified.pieces.length >= 1);
  t.is(
    events.filter((e) => e.type === 'stalled' || e.type === 'loadSlow' || e.type === 'readFailed')
      .length,
    0,
  );
});

test('readCancelled says why: seek, client, release and beforeStart', async (t) => {
  const { session, events, stream, big } = await throttledStream(t);
  const size = big.files[0].size;
  const cancelled = (n: number) =>
    eventually(`readCancelled #${n}`, () => {
      const all = events.filter((e) => e.type === 'readCancelled');
      return all.length >= n ? all[n - 1] : undefined;
    });

  // seek: a newer request on the token ends the streaming one.
  const first = await openGet(stream.url);
  const second = await openGet(stream.url, '0-');
  const seek = await cancelled(1);
  t.like(seek, { type: 'readCancelled', reason: 'seek', token: stream.token });
  t.true(seek.type === 'readCancelled' && seek.bytes > 0);
  await first.ended;

  // client: the client hangs up mid-body.
  second.drop();
  t.like(await cancelled(2), { reason: 'client' });

  // beforeStart: a request far ahead of what is here, released before its first byte.
  const tail = request(stream.url, {
    agent: false,
    headers: { Range: `bytes=${size - 1000}-` },
  });
  tail.on('error', () => {});
  tail.on('response', (res) => res.resume());
  tail.end();
  await eventually('the tail request parked', () => {
    const stats = session.stats(stream.token);
    return stats.seeks >= 2 ? true : undefined;
  });
  // release: the one streaming from 0 ends with reason release.
  const third = await openGet(stream.url, '0-');
  t.true(await session.release(stream.token));
  await third.ended;
  const reasons = await eventually('both releases reported', () => {
    const all = events.filter((e) => e.type === 'readCancelled').slice(2);
    return all.length >= 2 ? all : undefined;
  });
  const byReason = Object.fromEntries(
    reasons.map((e) => [e.type === 'readCancelled' ? e.reason : '', e]),
  );
  t.truthy(byReason.beforeStart, JSON.stringify(reasons));
  t.like(byReason.beforeStart, { cause: 'seek' });
  t.truthy(byReason.release, JSON.stringify(reasons));
  tail.destroy();
});

test('readCancelled with reason close when the session closes under a response', async (t) => {
  const { session, events, stream } = await throttledStream(t);
  const get = await openGet(stream.url);
  await session.close();
  await get.ended;
  const closed = await eventually('readCancelled close', () =>
    events.find((e) => e.type === 'readCancelled'),
  );
  t.like(closed, { reason: 'close', token: stream.token });
});

test('loadSlow: a read waiting on a throttled seeder reports once and goes on', async (t) => {
  const { events, stream, big } = await throttledStream(t, { softTimeoutMs: 300 });
  const size = big.files[0].size;
  const get = await openGet(stream.url, `${size - 4000}-`).catch(() => undefined);
  const slow = await eventually(
    'loadSlow',
    () => events.find((e) => e.type === 'loadSlow'),
    60_000,
  );
  t.like(slow, { token: stream.token });
  if (slow.type === 'loadSlow') {
    t.true(slow.elapsedMs >= 300);
    t.true(slow.piece >= 0);
    t.is(events.filter((e) => e.type === 'loadSlow' && e.requestId === slow.requestId).length, 1);
  }
  get?.drop();
});

test('the watchdog: a frozen seeder with a reader parked is stalled, then moving after SIGCONT', async (t) => {
  const { swarm, events, stream, big } = await throttledStream(t, { hangTimeoutMs: 1500 });
  const size = big.files[0].size;
  const pid = swarm.seeders[0].pid;
  process.kill(pid, 'SIGSTOP');
  t.teardown(() => {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {}
  });
  // An idle open stream is not a stall, frozen seeder or not: nothing waits on it.
  await new Promise((r) => setTimeout(r, 3000));
  t.is(events.filter((e) => e.type === 'stalled').length, 0);
  const tail = request(stream.url, { agent: false, headers: { Range: `bytes=${size - 4000}-` } });
  tail.on('error', () => {});
  tail.on('response', (res) => res.resume());
  tail.end();
  const stalled = await eventually('stalled', () => events.find((e) => e.type === 'stalled'));
  t.like(stalled, { token: stream.token });
  if (stalled.type === 'stalled') {
    t.true(stalled.awaitedPieces.length >= 1);
    t.true(stalled.elapsedMs >= 1500);
  }
  process.kill(pid, 'SIGCONT');
  t.like(await eventually('moving', () => events.find((e) => e.type === 'moving'), 60_000), {
    token: stream.token,
  });
  tail.destroy();
});

test('no listener: no events are built, and listening later starts them', async (t) => {
  const { single } = await sharedFixtures();
  const swarm = await startSwarm(single, { seeders: ['libtorrent'] });
  t.teardown(() => swarm.stop());
  const session = await openSession(t);
  const stream = await session.prepare({ magnet: swarm.magnet(), fileIndex: 0 });
  await httpGet(stream.url);
  const seen: SessionEvent[] = [];
  const listener = (e: SessionEvent) => seen.push(e);
  session.on('readCompleted', listener);
  await httpGet(stream.url);
  const done = await eventually('readCompleted', () => seen.at(0));
  // The first GET, made while no one listened, took no requestId.
  t.like(done, { type: 'readCompleted', requestId: 1 });
});

test('the Player re-emits loadSlow for the stream in its current slot', async (t) => {
  const { big } = await sharedFixtures();
  const swarm = await startSwarm(big, { seeders: ['libtorrent'], uploadLimit: THROTTLED });
  t.teardown(() => swarm.stop());
  const session = await openSession(t, { softTimeoutMs: 300 });
  const player = new Player(session);
  const slow: PlayerStreamEvent<LoadSlowEvent>[] = [];
  player.on('loadSlow', (e) => slow.push(e));
  const stream = await player.prepareStream({ magnet: swarm.magnet(), fileIdx: 0 });
  const get = await openGet(stream.url, `${big.files[0].size - 4000}-`).catch(() => undefined);
  const event = await eventually("the player's loadSlow", () => slow.at(0), 60_000);
  t.like(event, { slot: 'current', token: stream.token, type: 'loadSlow' });
  get?.drop();
});
