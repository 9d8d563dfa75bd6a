// The Player's orchestration over a scripted stand-in for Session: which tokens it releases,
// when, and why; when it evicts; what a superseded call does. The real-swarm behaviour is
// test/player.test.ts; this runs in milliseconds and holds each prepare until the test says.
import test from 'ava';
import {
  Player,
  type PlayerReleasedEvent,
  type PrepareOptions,
  type Session,
  type StreamInfo,
  VozduxanError,
} from '../../lib/index.ts';

const HASH = 'c12fe1c06bba254a9dc9f519b335aa7c1367a88a';
const MAGNET = `magnet:?xt=urn:btih:${HASH}`;

interface Call {
  options: PrepareOptions;
  resolve: (info: StreamInfo) => void;
}

/** Just the Session methods the Player calls, recording them; prepares wait for `finish`. */
class ScriptedSession {
  readonly calls: Call[] = [];
  readonly released: string[] = [];
  evictions = 0;
  #tokens = 0;

  prepare(options: PrepareOptions): Promise<StreamInfo> {
    return new Promise((resolve, reject) => {
      options.signal?.addEventListener('abort', () =>
        reject(new VozduxanError('CANCELLED', 'aborted')),
      );
      this.calls.push({ options, resolve });
    });
  }

  /** Resolves the n-th prepare with a fresh token. */
  finish(n: number): string {
    const token = `t${++this.#tokens}`;
    const call = this.calls[n];
    if (!call) throw new Error(`no prepare #${n}`);
    call.resolve({
      url: `http://127.0.0.1:1/stream/${token}`,
      token,
      fileSize: 1000,
      mimeType: 'audio/flac',
      prebufferBytes: 100,
    });
    return token;
  }

  async release(token: string): Promise<boolean> {
    this.released.push(token);
    return true;
  }

  async evict() {
    this.evictions += 1;
    return { removedTorrents: 0, freedBytes: 0, cacheBytes: 0 };
  }
}

function rig() {
  const session = new ScriptedSession();
  const player = new Player(session as unknown as Session);
  const events: PlayerReleasedEvent[] = [];
  player.on('released', (event) => events.push(event));
  const reasons = () => events.map((e) => `${e.token}:${e.reason}`);
  return { session, player, reasons };
}

test('a superseded prepare is aborted, rejects CANCELLED, and never becomes current', async (t) => {
  const { session, player, reasons } = rig();
  const first = player.prepareStream({ magnet: MAGNET, fileIdx: 0 });
  const second = player.prepareStream({ magnet: MAGNET, fileIdx: 1 });
  t.true(session.calls[0]?.options.signal?.aborted, 'the older native wait is aborted at once');
  const error = await t.throwsAsync(first, { instanceOf: VozduxanError });
  t.is(error?.code, 'CANCELLED');
  const token = session.finish(1);
  t.is((await second).token, token);
  t.is(player.slots().current?.token, token);
  t.deepEqual(reasons(), []);
});

test('a late result for a superseded call is released before the call rejects', async (t) => {
  const { session, player, reasons } = rig();
  // The engine ignores the abort here: its result still arrives.
  session.prepare = function (options) {
    return new Promise((resolve) => this.calls.push({ options, resolve }));
  };
  const first = player.prepareStream({ magnet: MAGNET, fileIdx: 0 });
  const second = player.prepareStream({ magnet: MAGNET, fileIdx: 1 });
  const late = session.finish(0);
  await t.throwsAsync(first, { instanceOf: VozduxanError, message: /superseded/ });
  t.deepEqual(reasons(), [`${late}:superseded`]);
  const token = session.finish(1);
  await second;
  t.is(player.slots().current?.token, token);
});

test('rotation releases the old current only once the new one is ready; a parked copy is consumed', async (t) => {
  const { session, player, reasons } = rig();
  const one = player.prepareStream({ magnet: MAGNET, fileIdx: 0 });
  const t1 = session.finish(0);
  await one;
  const warm = player.prefetchNextTrack({ nextMagnet: MAGNET, nextFileIdx: 1, warmOnly: false });
  const p = session.finish(1);
  await warm;
  t.is(session.calls[1]?.options.main, false, 'a prefetch is not main playback');
  const two = player.prepareStream({ magnet: MAGNET, fileIdx: 1 });
  t.deepEqual(session.released, [], 'nothing released while the new stream is not ready');
  const t2 = session.finish(2);
  await two;
  await player.idle();
  t.deepEqual(reasons().sort(), [`${p}:consumed`, `${t1}:rotated`].sort());
  t.deepEqual(player.slots(), {
    current: {
      slot: 'current',
      magnet: MAGNET,
      fileIdx: 1,
      url: `http://127.0.0.1:1/stream/${t2}`,
      token: t2,
      fileSize: 1000,
      mimeType: 'audio/flac',
    },
  });
});

test('asking again for the track a slot holds or prepares returns that stream or call', async (t) => {
  const { session, player } = rig();
  const options = { nextMagnet: MAGNET, nextFileIdx: 3, warmOnly: true };
  const first = player.prefetchNextTrack(options);
  // The same info hash spelled in base32 is the same track.
  const again = player.prefetchNextTrack({
    ...options,
    nextMagnet: 'magnet:?xt=urn:btih:YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK',
  });
  t.is(again, first);
  t.is(session.calls.length, 1);
  const token = session.finish(0);
  t.is((await player.prefetchNextTrack(options)).token, token);
  t.is(session.calls.length, 1);
});

test('every 10th counted release evicts; dispose releases without counting, then evicts', async (t) => {
  const { session, player } = rig();
  for (let i = 0; i < 9; i++) await player.releaseStream(`x${i}`);
  t.is(session.evictions, 0);
  await player.releaseStream('x9');
  t.is(session.evictions, 1);
  const ready = player.prepareStream({ magnet: MAGNET, fileIdx: 0 });
  const token = session.finish(0);
  await ready;
  await player.dispose();
  t.is(session.released.at(-1), token);
  t.is(session.evictions, 2, 'dispose evicts unconditionally');
  t.deepEqual(player.slots(), {});
  for (let i = 0; i < 9; i++) await player.releaseStream(`y${i}`);
  t.is(session.evictions, 2, "dispose's release did not count: 19 counted so far");
  await player.releaseStream('y9');
  t.is(session.evictions, 3, 'the 20th counted release evicts');
});

test('cancelPrepare aborts the in-flight prepare; with nothing in flight it does nothing', async (t) => {
  const { session, player } = rig();
  t.false(player.cancelPrepare());
  const call = player.prepareStream({ magnet: MAGNET, fileIdx: 0 });
  t.true(player.preparing);
  t.true(player.cancelPrepare());
  t.false(player.preparing);
  t.true(session.calls[0]?.options.signal?.aborted);
  t.is((await t.throwsAsync(call, { instanceOf: VozduxanError }))?.code, 'CANCELLED');
  const next = player.prepareStream({ magnet: MAGNET, fileIdx: 0 });
  session.finish(1);
  await t.notThrowsAsync(next, 'a cancel does not poison the next call');
});
