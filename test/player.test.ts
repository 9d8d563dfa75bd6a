// Player: token buckets, version guard, cancellation, rotation and eviction, against real
// seeders. Spies wrap the real Session's methods only to observe calls or to hold a real
// result back; nothing stands in for the network or libtorrent. No timing is asserted.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import {
  Player,
  type PlayerErrorEvent,
  type PlayerReleasedEvent,
  type PlayerStream,
  type PrepareOptions,
  type Session,
  type StreamInfo,
  VozduxanError,
} from '../lib/index.ts';
import { type Fixture, type Swarm, startSwarm } from './harness/index.ts';
import { audioIndices, openSession, rejectsWithCode, sharedFixtures, tempDir } from './helpers.ts';
import { httpGet } from './http-client.ts';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
/** A magnet whose only peer hint is a closed port: its metadata never arrives. */
const DEAD = `magnet:?xt=urn:btih:${'9'.repeat(40)}&x.pe=127.0.0.1:9`;
/** Long enough that only an abort can end a wait for DEAD's metadata within ava's timeout. */
const FOREVER = 600_000;

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Settles to 'pending' if `promise` has not settled after the queued callbacks run. */
async function peek(promise: Promise<unknown>): Promise<'pending' | 'settled'> {
  const marker = Symbol('pending');
  const winner = await Promise.race([
    promise.then(
      () => 'settled' as const,
      () => 'settled' as const,
    ),
    new Promise<symbol>((r) => setImmediate(() => r(marker))),
  ]);
  return winner === marker ? 'pending' : 'settled';
}

interface Rig {
  session: Session;
  player: Player;
  swarm: Swarm;
  fixture: Fixture;
  track: (fileIdx: number) => { magnet: string; fileIdx: number; torrentFile: Uint8Array };
  released: PlayerReleasedEvent[];
}

async function rig(
  t: ExecutionContext,
  fixture: Fixture,
  options: { uploadLimit?: number; metadataTimeoutMs?: number } = {},
): Promise<Rig> {
  const swarm = await startSwarm(fixture, {
    seeders: ['libtorrent'],
    uploadLimit: options.uploadLimit,
  });
  t.teardown(() => swarm.stop());
  const session = await openSession(t, { metadataTimeoutMs: options.metadataTimeoutMs });
  const player = new Player(session);
  const released: PlayerReleasedEvent[] = [];
  player.on('released', (event) => released.push(event));
  const torrentFile = new Uint8Array(fixture.torrent);
  const magnet = swarm.magnet();
  return {
    session,
    player,
    swarm,
    fixture,
    released,
    track: (fileIdx) => ({ magnet, fileIdx, torrentFile }),
  };
}

/** The token is gone from the engine: stats says NOT_FOUND and its URL answers 404. */
async function assertGone(
  t: ExecutionContext,
  session: Session,
  stream: { token: string; url: string },
) {
  const error = t.throws(() => session.stats(stream.token), { instanceOf: VozduxanError });
  t.is(error?.code, 'NOT_FOUND');
  t.is((await httpGet(stream.url)).status, 404);
}

/** The stream serves the file's exact bytes. */
async function assertServes(
  t: ExecutionContext,
  fixture: Fixture,
  fileIdx: number,
  stream: PlayerStream,
) {
  const response = await httpGet(stream.url);
  t.is(response.status, 200);
  t.is(sha256(response.body), fixture.files[fileIdx].sha256, fixture.files[fileIdx].path);
}

/**
 * Wraps session.prepare: the first call for `fileIndex` gets its real result, hands it to the
 * returned promise, and only then waits for `gate` before returning it to the player.
 */
function holdResult(session: Session, fileIndex: number, gate: Promise<void>): Promise<StreamInfo> {
  const real = session.prepare.bind(session);
  const got = deferred<StreamInfo>();
  let held = false;
  session.prepare = async (options: PrepareOptions) => {
    const info = await real(options);
    if (!held && options.fileIndex === fileIndex) {
      held = true;
      got.resolve(info);
      await gate;
    }
    return info;
  };
  return got.promise;
}

test('race: B started while A resolves aborts A at once; A never becomes current', async (t) => {
  const { album } = await sharedFixtures();
  const { session, player, track } = await rig(t, album, { metadataTimeoutMs: FOREVER });
  const [, second] = audioIndices(album);
  const ready: string[] = [];
  player.on('ready', (state) => ready.push(state.magnet));
  // A's magnet can only end by an abort: its one peer is a closed port and its timeout is
  // longer than the test's.
  const a = player.prepareStream({ magnet: DEAD, fileIdx: 0 });
  const b = player.prepareStream(track(second));
  await rejectsWithCode(t, a, 'CANCELLED');
  const stream = await b;
  t.deepEqual(ready, [track(second).magnet]);
  t.is(player.slots().current?.token, stream.token);
  t.is(player.slots().current?.fileIdx, second);
  t.false(player.preparing);
  await assertServes(t, album, second, stream);
  t.true(session.stats(stream.token).main);
});

test('race: a result for A that lands after B started is released and A rejects CANCELLED', async (t) => {
  const { album } = await sharedFixtures();
  const { session, player, track, released } = await rig(t, album);
  const [first, second] = audioIndices(album);
  const gate = deferred();
  const heldA = holdResult(session, first, gate.promise);
  const a = player.prepareStream(track(first));
  const infoA = await heldA;
  // A's stream is real and alive; its call is still waiting for the player's continuation.
  t.is(session.stats(infoA.token).fileSize, album.files[first].size);
  const b = player.prepareStream(track(second));
  gate.resolve();
  await rejectsWithCode(t, a, 'CANCELLED');
  // Released before A's call rejected, and A never touched the current slot.
  await assertGone(t, session, infoA);
  t.deepEqual(
    released.filter((e) => e.token === infoA.token).map((e) => [e.reason, e.slot, e.existed]),
    [['superseded', undefined, true]],
  );
  const streamB = await b;
  t.is(player.slots().current?.token, streamB.token);
  t.not(streamB.token, infoA.token);
  await assertServes(t, album, second, streamB);
});

test('cancelPrepare while metadata is resolving, while buffering, and after the native result', async (t) => {
  const { big } = await sharedFixtures();
  // 20 KB/s: the 120 s WAV's prebuffer cannot complete while the test runs.
  const { session, player, track } = await rig(t, big, {
    uploadLimit: 20_000,
    metadataTimeoutMs: FOREVER,
  });
  t.false(player.cancelPrepare(), 'nothing in flight');

  const statuses: string[] = [];
  const resolving = deferred();
  const buffering = deferred();
  player.on('progress', ({ status }) => {
    statuses.push(status);
    if (status === 'resolving metadata') resolving.resolve();
    if (status === 'buffering') buffering.resolve();
  });
  const metadata = player.prepareStream({ magnet: DEAD, fileIdx: 0 });
  await resolving.promise;
  t.true(player.preparing);
  t.true(player.cancelPrepare());
  await rejectsWithCode(t, metadata, 'CANCELLED');
  t.false(player.preparing);
  t.deepEqual(player.slots(), {});

  const slow = player.prepareStream(track(0));
  await buffering.promise;
  t.true(player.cancelPrepare());
  await rejectsWithCode(t, slow, 'CANCELLED');
  t.deepEqual(player.slots(), {});

  // A cancel that lands between the engine's answer and the player's continuation: the
  // result is released, not parked.
  const gate = deferred();
  const { single } = await sharedFixtures();
  const other = await startSwarm(single, { seeders: ['libtorrent'] });
  t.teardown(() => other.stop());
  const held = holdResult(session, 0, gate.promise);
  const late = player.prepareStream({ magnet: other.magnet(), fileIdx: 0 });
  const info = await held;
  t.true(player.cancelPrepare());
  gate.resolve();
  await rejectsWithCode(t, late, 'CANCELLED');
  await assertGone(t, session, info);
  t.deepEqual(player.slots(), {});

  // A cancel never poisons the next call (the seeds' flag did).
  t.false(player.cancelPrepare());
  const fresh = await player.prepareStream({ magnet: other.magnet(), fileIdx: 0 });
  t.is(player.slots().current?.token, fresh.token);
  t.true(statuses.includes('resolving metadata') && statuses.includes('buffering'));
});

test('the prefetch and warm slots are independent, and each replaces only its own token', async (t) => {
  const { album } = await sharedFixtures();
  const { session, player, track, released } = await rig(t, album);
  const [a, b, c, d] = audioIndices(album);
  const next = (fileIdx: number, warmOnly: boolean) => ({
    currentMagnet: track(a).magnet,
    currentFileIdx: a,
    nextMagnet: track(fileIdx).magnet,
    nextFileIdx: fileIdx,
    nextTorrentFile: Buffer.from(album.torrent).toString('base64'),
    warmOnly,
  });
  const current = await player.prepareStream(track(a));
  const prefetch = await player.prefetchNextTrack(next(b, false));
  const warm = await player.prefetchNextTrack(next(c, true));
  t.deepEqual(
    Object.values(player.slots()).map((s) => [s.slot, s.token, s.fileIdx]),
    [
      ['current', current.token, a],
      ['prefetch', prefetch.token, b],
      ['warm', warm.token, c],
    ],
  );
  t.false(session.stats(prefetch.token).main);
  t.false(session.stats(warm.token).main);
  // Asking again for what a slot holds returns it; nothing is prepared or released.
  t.is((await player.prefetchNextTrack(next(b, false))).token, prefetch.token);

  // A new warm replaces the warm only.
  const warm2 = await player.prefetchNextTrack(next(d, true));
  await player.idle();
  await assertGone(t, session, warm);
  t.is(player.slots().prefetch?.token, prefetch.token);
  t.is(player.slots().current?.token, current.token);
  t.is(session.stats(prefetch.token).fileSize, album.files[b].size);

  // A new prefetch replaces the prefetch only.
  const prefetch2 = await player.prefetchNextTrack(next(c, false));
  await player.idle();
  await assertGone(t, session, prefetch);
  t.is(player.slots().warm?.token, warm2.token);
  t.is(player.slots().current?.token, current.token);
  t.deepEqual(
    released.map((e) => [e.token, e.slot, e.reason]),
    [
      [warm.token, 'warm', 'replaced'],
      [prefetch.token, 'prefetch', 'replaced'],
    ],
  );
  await assertServes(t, album, c, prefetch2);
  await assertServes(t, album, d, warm2);
  await assertServes(t, album, a, current);
});

test('advancing to a prefetched track prepares it again from local data, with the swarm gone', async (t) => {
  const { album } = await sharedFixtures();
  const { session, player, swarm, track, released } = await rig(t, album);
  const [a, b] = audioIndices(album);
  const current = await player.prepareStream(track(a));
  const prefetch = await player.prefetchNextTrack({
    nextMagnet: track(b).magnet,
    nextFileIdx: b,
    warmOnly: false,
  });
  // Let the prefetch finish its file (a state, polled), then take the swarm away.
  while (session.stats(prefetch.token).state !== 'complete') {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await swarm.stop();
  // No peer is left, so this can only resolve from the prefetched pieces on disk.
  const advanced = await player.prepareStream({ magnet: track(b).magnet, fileIdx: b });
  await player.idle();
  t.true(session.stats(advanced.token).main);
  t.deepEqual(Object.keys(player.slots()), ['current']);
  t.is(player.slots().current?.token, advanced.token);
  t.deepEqual(
    released.map((e) => [e.token, e.reason]).sort(),
    [
      [current.token, 'rotated'],
      [prefetch.token, 'consumed'],
    ].sort(),
  );
  await assertGone(t, session, prefetch);
  const head = await httpGet(advanced.url, { headers: { Range: 'bytes=0-16383' } });
  t.is(head.status, 206);
  t.is(head.body.length, 16_384);
});

test('rotation releases the old token only after the new one is ready', async (t) => {
  const { album } = await sharedFixtures();
  const { session, player, track } = await rig(t, album, { uploadLimit: 1_000_000 });
  const [a, , c] = audioIndices(album);
  const first = await player.prepareStream(track(a));
  const order: string[] = [];
  const realRelease = session.release.bind(session);
  session.release = (token: string) => {
    order.push(`release ${token === first.token ? 'A' : token}`);
    return realRelease(token);
  };
  const aliveWhilePreparing: boolean[] = [];
  player.on('progress', () => {
    try {
      aliveWhilePreparing.push(session.stats(first.token).fileSize === album.files[a].size);
    } catch {
      aliveWhilePreparing.push(false);
    }
  });
  player.on('ready', (state) => order.push(`ready ${state.fileIdx === c ? 'B' : state.token}`));
  const second = await player.prepareStream(track(c));
  await player.idle();
  t.deepEqual(order, ['ready B', 'release A']);
  t.true(aliveWhilePreparing.length > 0);
  t.true(aliveWhilePreparing.every(Boolean), 'A stays alive while B prepares');
  await assertGone(t, session, first);
  await assertServes(t, album, c, second);
});

test('every 10th release calls session.evict()', async (t) => {
  const { album } = await sharedFixtures();
  const { session, player, track } = await rig(t, album);
  const audio = audioIndices(album);
  let evicts = 0;
  const realEvict = session.evict.bind(session);
  session.evict = () => {
    evicts += 1;
    return realEvict();
  };
  // Release 1: a rotation.
  await player.prepareStream(track(audio[0]));
  const current = await player.prepareStream(track(audio[1]));
  await player.idle();
  // Releases 2..9: real streams, minted straight from the session, released through the player.
  const torrent = new Uint8Array(album.torrent);
  const streams: StreamInfo[] = [];
  for (let i = 0; i < 8; i++) {
    streams.push(
      await session.prepare({ torrent, fileIndex: audio[i % audio.length], main: false }),
    );
  }
  for (const stream of streams) t.true(await player.releaseStream(stream.token));
  t.is(evicts, 0, 'nine releases: no eviction yet');
  // Release 10.
  t.true(await player.releaseStream(current.token));
  t.is(evicts, 1);
  t.deepEqual(player.slots(), {});
  for (const stream of streams) await assertGone(t, session, stream);
  // Unknown tokens count too (the seeds count calls); the 20th release evicts again.
  for (let i = 0; i < 9; i++) t.false(await player.releaseStream('f'.repeat(48)));
  t.is(evicts, 1);
  t.false(await player.releaseStream('e'.repeat(48)));
  t.is(evicts, 2);
});

test('dispose takes all three tokens, releases them, then evicts; the player stays usable', async (t) => {
  const { album } = await sharedFixtures();
  const { session, player, track, released } = await rig(t, album, { metadataTimeoutMs: FOREVER });
  const [a, b, c] = audioIndices(album);
  const current = await player.prepareStream(track(a));
  const prefetch = await player.prefetchNextTrack({
    nextMagnet: track(b).magnet,
    nextFileIdx: b,
    warmOnly: false,
  });
  const warm = await player.prefetchNextTrack({
    nextMagnet: track(c).magnet,
    nextFileIdx: c,
    warmOnly: true,
  });
  const all = [current, prefetch, warm];
  const goneAtEvict: boolean[] = [];
  const realEvict = session.evict.bind(session);
  let evicts = 0;
  session.evict = () => {
    evicts += 1;
    for (const s of all) {
      try {
        session.stats(s.token);
        goneAtEvict.push(false);
      } catch {
        goneAtEvict.push(true);
      }
    }
    return realEvict();
  };
  const inFlight = player.prepareStream({ magnet: DEAD, fileIdx: 0 });
  const disposing = player.dispose();
  // Taken before any release ran.
  t.deepEqual(player.slots(), {});
  t.false(player.preparing);
  await disposing;
  await rejectsWithCode(t, inFlight, 'CANCELLED');
  t.is(evicts, 1, 'dispose evicts unconditionally');
  t.deepEqual(goneAtEvict, [true, true, true], 'all three released before evict');
  t.deepEqual(
    released.map((e) => [e.token, e.slot, e.reason]),
    [
      [current.token, 'current', 'dispose'],
      [prefetch.token, 'prefetch', 'dispose'],
      [warm.token, 'warm', 'dispose'],
    ],
  );
  for (const s of all) await assertGone(t, session, s);
  const again = await player.prepareStream(track(b));
  await assertServes(t, album, b, again);
  // An empty player's dispose still evicts.
  await player.dispose();
  t.is(evicts, 2);
});

test('a slow release does not delay other player calls', async (t) => {
  const { album } = await sharedFixtures();
  const { session, player, track } = await rig(t, album);
  const [a, b, c, d] = audioIndices(album);
  const first = await player.prepareStream(track(a));
  const gate = deferred();
  const realRelease = session.release.bind(session);
  const pending: string[] = [];
  session.release = async (token: string) => {
    pending.push(token);
    await gate.promise;
    return realRelease(token);
  };
  const releasing = player.releaseStream(first.token);
  t.deepEqual(pending, [first.token]);
  t.deepEqual(player.slots(), {}, 'the slot is cleared before the native call');
  // While that release hangs, every other call completes.
  const prefetch = await player.prefetchNextTrack({
    nextMagnet: track(b).magnet,
    nextFileIdx: b,
    warmOnly: false,
  });
  const second = await player.prepareStream(track(c));
  t.true(player.notifyPosition(second.token, 1024));
  t.is(player.streamStats(second.token).fileSize, album.files[c].size);
  t.is(
    (await player.listFiles(track(c).magnet, Buffer.from(album.torrent).toString('base64'))).length,
    album.files.length,
  );
  // A rotation whose release hangs does not hold up the prepare that caused it.
  const third = await player.prepareStream(track(d));
  t.deepEqual(pending, [first.token, second.token]);
  t.is(await peek(releasing), 'pending');
  t.is(player.slots().current?.token, third.token);
  t.is(player.slots().prefetch?.token, prefetch.token);
  gate.resolve();
  t.true(await releasing);
  await player.idle();
  await assertGone(t, session, first);
  await assertGone(t, session, second);
  await assertServes(t, album, d, third);
});

test('every error code reaches the caller, and the error event reports all but CANCELLED', async (t) => {
  const { album, single } = await sharedFixtures();
  const swarm = await startSwarm(single, { seeders: ['libtorrent'] });
  t.teardown(() => swarm.stop());
  const storagePath = tempDir();
  const session = await openSession(t, {
    storagePath,
    metadataTimeoutMs: 300,
    bufferTimeoutMs: 300,
  });
  const player = new Player(session);
  const events: PlayerErrorEvent[] = [];
  player.on('error', (event) => events.push(event));
  const torrent = new Uint8Array(album.torrent);
  const text = album.files.findIndex((f) => f.path.endsWith('.txt'));
  const magnet = `magnet:?xt=urn:btih:${album.infoHash}`;

  await rejectsWithCode(
    t,
    player.prepareStream({ magnet, fileIdx: 0, torrentFile: 'not base64!' }),
    'BAD_INPUT',
  );
  await rejectsWithCode(
    t,
    player.prepareStream({ magnet, fileIdx: 0, torrentFile: 'QUJD=' }),
    'BAD_INPUT',
  );
  await rejectsWithCode(
    t,
    player.prepareStream({ magnet: 'magnet:nope', fileIdx: 0 }),
    'BAD_INPUT',
  );
  await rejectsWithCode(
    t,
    player.prefetchNextTrack({
      nextMagnet: magnet,
      nextFileIdx: 0,
      nextTorrentFile: '@@@@',
      warmOnly: true,
    }),
    'BAD_INPUT',
  );
  await rejectsWithCode(t, player.listFiles(magnet, 'A'), 'BAD_INPUT');
  t.is(
    t.throws(() => player.notifyPosition('a'.repeat(48), -1), { instanceOf: VozduxanError })?.code,
    'BAD_INPUT',
  );

  await rejectsWithCode(
    t,
    player.prepareStream({ magnet, fileIdx: text, torrentFile: torrent }),
    'INVALID_FILE',
  );
  await rejectsWithCode(
    t,
    player.prepareStream({ magnet, fileIdx: 99, torrentFile: torrent }),
    'INVALID_FILE',
  );
  await rejectsWithCode(t, player.prepareStream({ magnet: DEAD, fileIdx: 0 }), 'METADATA_TIMEOUT');
  await rejectsWithCode(t, player.listFiles(DEAD), 'METADATA_TIMEOUT');
  // Metadata from the .torrent, but no peer: no data ever arrives.
  await rejectsWithCode(
    t,
    player.prepareStream({ magnet, fileIdx: 0, torrentFile: torrent }),
    'BUFFER_TIMEOUT',
  );
  // A file where the torrent's data folder should be: the first write fails.
  writeFileSync(join(storagePath, single.infoHash), 'in the way');
  await rejectsWithCode(
    t,
    player.prepareStream({
      magnet: swarm.magnet(),
      fileIdx: 0,
      torrentFile: single.torrent.toString('base64'),
    }),
    'STORAGE_ERROR',
  );
  const cancelled = player.prepareStream({ magnet: DEAD, fileIdx: 0 });
  player.cancelPrepare();
  await rejectsWithCode(t, cancelled, 'CANCELLED');
  t.is(
    t.throws(() => player.streamStats('b'.repeat(48)), { instanceOf: VozduxanError })?.code,
    'NOT_FOUND',
  );

  // INTERNAL: no input makes the engine fail that way, so a spy throws a plain Error from the
  // session, as a crashed addon call would, to show the player passes the code through.
  const realRelease = session.release.bind(session);
  session.release = () => Promise.reject(new Error('addon exploded'));
  await rejectsWithCode(t, player.releaseStream('c'.repeat(48)), 'INTERNAL');
  session.release = realRelease;

  await session.close();
  await rejectsWithCode(
    t,
    player.prepareStream({ magnet, fileIdx: 0, torrentFile: torrent }),
    'CLOSED',
  );
  await rejectsWithCode(t, player.releaseStream('d'.repeat(48)), 'CLOSED');
  await rejectsWithCode(t, player.dispose(), 'CLOSED');
  t.is(
    t.throws(() => player.streamStats('d'.repeat(48)), { instanceOf: VozduxanError })?.code,
    'CLOSED',
  );

  t.deepEqual(
    events.map((e) => [e.operation, e.error.code]),
    [
      ['prepareStream', 'BAD_INPUT'],
      ['prepareStream', 'BAD_INPUT'],
      ['prepareStream', 'BAD_INPUT'],
      ['prefetchNextTrack', 'BAD_INPUT'],
      ['listFiles', 'BAD_INPUT'],
      ['prepareStream', 'INVALID_FILE'],
      ['prepareStream', 'INVALID_FILE'],
      ['prepareStream', 'METADATA_TIMEOUT'],
      ['listFiles', 'METADATA_TIMEOUT'],
      ['prepareStream', 'BUFFER_TIMEOUT'],
      ['prepareStream', 'STORAGE_ERROR'],
      ['releaseStream', 'INTERNAL'],
      ['prepareStream', 'CLOSED'],
      ['releaseStream', 'CLOSED'],
      ['dispose', 'CLOSED'],
    ],
  );
});

test('listFiles takes a magnet alone or base64 .torrent bytes; bad base64 is BAD_INPUT', async (t) => {
  const { album } = await sharedFixtures();
  const { player, swarm } = await rig(t, album);
  const fromPeers = await player.listFiles(swarm.magnet());
  const fromBase64 = await player.listFiles('', Buffer.from(album.torrent).toString('base64'));
  const names = album.files.map((f) => f.path);
  t.deepEqual(
    fromPeers.map((f) => f.name),
    names,
  );
  t.deepEqual(fromBase64, fromPeers);
  // Base64 with line breaks, as some encoders wrap it, is still valid.
  const wrapped = Buffer.from(album.torrent).toString('base64').replace(/.{76}/g, '$&\n');
  t.deepEqual(await player.listFiles('', wrapped), fromPeers);
  await rejectsWithCode(t, player.listFiles('', `${wrapped}*`), 'BAD_INPUT');
});

test('tracks given only as .torrent bytes are keyed by their info hash, not by file index alone', async (t) => {
  // Before, every bytes-only track keyed as `#N`: playing the album's track 0 after parking
  // the single's track 0 consumed the parked stream and served the wrong file.
  const { single, album } = await sharedFixtures();
  const singleSwarm = await startSwarm(single, { seeders: ['libtorrent'] });
  t.teardown(() => singleSwarm.stop());
  const { player, session, swarm } = await rig(t, album);
  const parked = await player.prefetchNextTrack({
    nextMagnet: '',
    nextFileIdx: 0,
    nextTorrentFile: new Uint8Array(single.torrent),
    peers: singleSwarm.peers,
    warmOnly: false,
  });
  await assertServes(t, single, 0, parked);
  const playing = await player.prepareStream({
    magnet: '',
    fileIdx: 0,
    torrentFile: new Uint8Array(album.torrent),
    peers: swarm.peers,
  });
  t.not(playing.token, parked.token);
  t.is(session.stats(playing.token).fileSize, album.files[0].size);
  await assertServes(t, album, 0, playing);
  t.is(player.slots().prefetch?.token, parked.token);
});
