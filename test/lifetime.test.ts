import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import test from 'ava';
import { LOOPBACK_SETTINGS, Session } from '../lib/index.ts';
import { makeFixtures } from './harness/index.ts';
import { runTsChild } from './helpers.ts';

const CHILD = join(import.meta.dirname, 'child', 'open-session.ts');
const WORKER = join(import.meta.dirname, 'child', 'worker.cjs');

function runChild(scenario: string, nodeFlags: string[] = []) {
  return runTsChild(CHILD, [scenario], nodeFlags);
}

test('a process with an open, idle session exits by itself with code 0', async (t) => {
  const result = await runChild('natural-exit');
  t.is(result.stdout.trim(), 'READY', result.stderr);
  t.is(result.code, 0);
  t.is(result.signal, null);
});

test('process.exit with pending prepares, a listing and a served request exits 0 with no signal', async (t) => {
  const result = await runChild('exit-with-pending');
  t.is(result.stdout.trim(), 'READY', result.stderr);
  t.is(result.code, 0);
  t.is(result.signal, null);
});

test('an unclosed session dropped under --expose-gc exits cleanly', async (t) => {
  const result = await runChild('gc-unclosed', ['--expose-gc']);
  t.is(result.stdout.trim(), 'READY', result.stderr);
  t.is(result.code, 0);
  t.is(result.signal, null);
});

test('the addon loads, works and unloads in worker threads, closed or not', async (t) => {
  const fixtures = await makeFixtures(mkdtempSync(join(tmpdir(), 'vz-life-')));
  const torrentPath = fixtures.album.torrentPath;
  for (const mode of ['close', 'leave-open', 'pending', 'close', 'leave-open', 'pending']) {
    const worker = new Worker(WORKER, { workerData: { torrentPath, mode } });
    const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
    const message = await new Promise<{ files?: number; error?: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    t.is(message.error, undefined);
    t.is(message.files, fixtures.album.files.length);
    if (mode === 'pending') {
      // A pending prepare keeps the worker alive until it is terminated.
      t.is(await worker.terminate(), 1, mode);
    } else {
      // Nothing pending: the worker ends by itself, open session or not.
      t.is(await exited, 0, mode);
    }
  }
  // The main thread's own addon instance is unaffected by the workers' teardown.
  const session = await Session.create({
    storagePath: mkdtempSync(join(tmpdir(), 'vz-life-main-')),
    settings: { ...LOOPBACK_SETTINGS },
  });
  const files = await session.listFiles({ torrent: new Uint8Array(readFileSync(torrentPath)) });
  t.is(files.length, fixtures.album.files.length);
  await session.close();
});
