import { pbkdf2 } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import test from 'ava';
import { magnetFor } from './harness/index.ts';
import { openSession, rejectsWithCode } from './helpers.ts';

test('eight prepares waiting on a dead swarm do not hold libuv pool threads', async (t) => {
  const session = await openSession(t);
  const controller = new AbortController();
  let settled = 0;
  const prepares = Array.from({ length: 8 }, (_, i) => {
    const magnet = magnetFor(`${String(i).repeat(2)}${'a'.repeat(38)}`, { peers: ['127.0.0.1:9'] });
    return session.prepare({ magnet, fileIndex: 0, signal: controller.signal }).finally(() => {
      settled += 1;
    });
  });
  // The pool has 4 threads: if the prepares held them, none of this could finish.
  const work = await Promise.all([
    ...Array.from({ length: 8 }, () => readFile(import.meta.filename)),
    ...Array.from({ length: 4 }, () => promisify(pbkdf2)('secret', 'salt', 1000, 32, 'sha256')),
  ]);
  t.is(work.length, 12);
  t.is(settled, 0, 'all prepares were still waiting while fs and crypto completed');
  controller.abort();
  for (const prepare of prepares) await rejectsWithCode(t, prepare, 'CANCELLED');
});
