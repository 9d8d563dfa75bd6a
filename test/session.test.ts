import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { LOOPBACK_SETTINGS, Session, VozduxanError } from '../lib/index.ts';
import { openSession, rejectsWithCode, tempDir } from './helpers.ts';

test('create binds the HTTP server on 127.0.0.1 and close is idempotent', async (t) => {
  const session = await openSession(t);
  t.true(session.httpPort > 0);
  const response = await fetch(`http://127.0.0.1:${session.httpPort}/stream/${'a'.repeat(48)}`);
  t.is(response.status, 404);
  await response.arrayBuffer();
  await session.close();
  await session.close();
});

test('calls after close reject or throw CLOSED', async (t) => {
  const session = await openSession(t);
  await session.close();
  await rejectsWithCode(
    t,
    session.listFiles({ magnet: `magnet:?xt=urn:btih:${'ab'.repeat(20)}` }),
    'CLOSED',
  );
  await rejectsWithCode(
    t,
    session.prepare({ magnet: `magnet:?xt=urn:btih:${'ab'.repeat(20)}`, fileIndex: 0 }),
    'CLOSED',
  );
  await rejectsWithCode(t, session.evict(), 'CLOSED');
  await rejectsWithCode(t, session.release('ab'), 'CLOSED');
  const error = t.throws(() => session.stats('ab'), { instanceOf: VozduxanError });
  t.is(error?.code, 'CLOSED');
});

test('a storagePath whose parent is missing rejects with STORAGE_ERROR and leaves nothing behind', async (t) => {
  const storagePath = join(tempDir(), 'missing', 'child');
  await rejectsWithCode(
    t,
    Session.create({ storagePath, settings: { ...LOOPBACK_SETTINGS } }),
    'STORAGE_ERROR',
  );
  t.false(existsSync(storagePath));
});

test('an unwritable storagePath rejects with STORAGE_ERROR', async (t) => {
  // Mode bits do not stop root, so use a folder that nobody can create entries in: /proc.
  const dir = process.getuid?.() === 0 ? '/proc' : tempDir();
  if (dir !== '/proc') chmodSync(dir, 0o500);
  const storagePath = join(dir, 'vozduxan-store');
  await rejectsWithCode(
    t,
    Session.create({ storagePath, settings: { ...LOOPBACK_SETTINGS } }),
    'STORAGE_ERROR',
  );
  t.false(existsSync(storagePath));
});

test('bad config values reject with BAD_INPUT', async (t) => {
  await rejectsWithCode(t, Session.create({ storagePath: '' }), 'BAD_INPUT');
  await rejectsWithCode(
    t,
    Session.create({ storagePath: tempDir(), settings: { no_such_setting: 1 } }),
    'BAD_INPUT',
  );
  await rejectsWithCode(
    t,
    Session.create({ storagePath: tempDir(), settings: { enable_dht: 'yes' } }),
    'BAD_INPUT',
  );
  await rejectsWithCode(t, Session.create({ storagePath: tempDir(), listenPort: -1 }), 'BAD_INPUT');
});

test('onLog receives engine log lines on the JS thread', async (t) => {
  const lines: string[] = [];
  const session = await openSession(t, { onLog: (line) => lines.push(line) });
  await rejectsWithCode(
    t,
    session.listFiles({ magnet: `magnet:?xt=urn:btih:${'cd'.repeat(20)}`, metadataTimeoutMs: 200 }),
    'METADATA_TIMEOUT',
  );
  await session.close();
  t.true(lines.every((line) => typeof line === 'string'));
  t.false(lines.some((line) => /connect to peer/i.test(line)));
});
