// Numbers from JS that the engine once cast without a bound (undefined behaviour), timeouts that
// overflowed into an immediate timeout, and a reused opId that orphaned a promise (issue 17,
// item 5). Each is refused with BAD_INPUT or handled as the largest value, never misread.
import test from 'ava';
import { LOOPBACK_SETTINGS, Session } from '../lib/index.ts';
import { loadBinding } from '../lib/native.ts';
import { magnetFor } from './harness/index.ts';
import { openSession, rejectsWithCode, tempDir } from './helpers.ts';

const settings = { ...LOOPBACK_SETTINGS };
// A magnet nobody serves: its call waits for metadata until its timeout or a cancel.
const unserved = magnetFor('0123456789abcdef0123456789abcdef01234567', { peers: ['127.0.0.1:9'] });
const PENDING = Symbol('still pending');

/** What the promise settled to within `ms`, or PENDING. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | Error | typeof PENDING> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof PENDING>((resolve) => {
    timer = setTimeout(() => resolve(PENDING), ms);
  });
  try {
    return await Promise.race([promise.catch((e: Error) => e), late]);
  } finally {
    clearTimeout(timer);
  }
}

function nativeSession(t: import('ava').ExecutionContext) {
  const { NativeSession } = loadBinding();
  const native = new NativeSession({ storagePath: tempDir(), settings });
  t.teardown(() => native.close());
  return native;
}

test('notifyPosition refuses offsets past Number.MAX_SAFE_INTEGER, in lib/ and in the addon', async (t) => {
  const session = await openSession(t);
  for (const offset of [2 ** 63, 1e300, Number.MAX_SAFE_INTEGER + 2]) {
    const error = t.throws(() => session.notifyPosition('no-such-token', offset));
    t.is((error as { code?: string } | undefined)?.code, 'BAD_INPUT', String(offset));
  }
  t.false(session.notifyPosition('no-such-token', Number.MAX_SAFE_INTEGER));
  // The addon itself, for callers that skip lib/.
  const native = nativeSession(t);
  for (const offset of [2 ** 63, 1e300, -1, Number.NaN]) {
    const error = t.throws(() => native.notifyPosition('no-such-token', offset));
    t.is((error as { code?: string } | undefined)?.code, 'BAD_INPUT', String(offset));
  }
});

test('Session.create refuses a cacheTtlSecs or cacheMaxBytes its integer cannot hold', async (t) => {
  for (const config of [
    { cacheTtlSecs: 2 ** 32 },
    { cacheTtlSecs: 1e12 },
    { cacheMaxBytes: 2 ** 64 },
    { metadataTimeoutMs: 2 ** 60 },
    { bufferTimeoutMs: 1e300 },
  ]) {
    await rejectsWithCode(
      t,
      Session.create({ storagePath: tempDir(), settings, ...config }),
      'BAD_INPUT',
    );
  }
  const ok = await Session.create({
    storagePath: tempDir(),
    settings,
    cacheTtlSecs: 2 ** 32 - 1,
    cacheMaxBytes: Number.MAX_SAFE_INTEGER,
  });
  await ok.close();
  t.pass();
});

test('a metadataTimeoutMs of Number.MAX_SAFE_INTEGER waits (it once overflowed into an immediate METADATA_TIMEOUT)', async (t) => {
  const session = await openSession(t, { metadataTimeoutMs: Number.MAX_SAFE_INTEGER });
  const starts: Array<(signal: AbortSignal) => Promise<unknown>> = [
    (signal) => session.listFiles({ magnet: unserved, signal }),
    (signal) =>
      session.listFiles({ magnet: unserved, signal, metadataTimeoutMs: Number.MAX_SAFE_INTEGER }),
    (signal) =>
      session.prepare({
        magnet: unserved,
        fileIndex: 0,
        signal,
        metadataTimeoutMs: Number.MAX_SAFE_INTEGER,
      }),
  ];
  for (const start of starts) {
    const abort = new AbortController();
    const call = start(abort.signal);
    // Many engine ticks (50 ms each): an overflowed deadline would have failed by now.
    t.is(await within(call, 1500), PENDING);
    abort.abort();
    await rejectsWithCode(t, call, 'CANCELLED');
  }
  await rejectsWithCode(
    t,
    session.listFiles({ magnet: unserved, metadataTimeoutMs: Number.MAX_SAFE_INTEGER * 2 }),
    'BAD_INPUT',
  );
});

test('a raw opId already pending is refused with BAD_INPUT, and the pending call is left intact', async (t) => {
  const native = nativeSession(t);
  const first = native.listFiles({ magnet: unserved, opId: 7 });
  const second = native.listFiles({ magnet: unserved, opId: 7 });
  const answer = await within(second, 3000);
  t.not(answer, PENDING, 'the second call settled');
  t.is((answer as { code?: string }).code, 'BAD_INPUT');
  t.is(await within(first, 500), PENDING, 'the first call still waits');
  native.cancel(7);
  const cancelled = await within(first, 3000);
  t.is((cancelled as { code?: string }).code, 'CANCELLED');
  for (const opId of [-1, 1.5, Number.NaN, 2 ** 64]) {
    const bad = await within(native.listFiles({ magnet: unserved, opId }), 3000);
    t.is((bad as { code?: string }).code, 'BAD_INPUT', String(opId));
  }
});
