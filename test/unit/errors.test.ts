// lib/errors.ts on its own: whatever is thrown becomes one VozduxanError with a stable code.
import test from 'ava';
import { toVozduxanError } from '../../lib/errors.ts';
import { type ErrorCode, VozduxanError } from '../../lib/index.ts';

const CODES: ErrorCode[] = [
  'BAD_INPUT',
  'METADATA_TIMEOUT',
  'BUFFER_TIMEOUT',
  'INVALID_FILE',
  'STORAGE_ERROR',
  'CANCELLED',
  'CLOSED',
  'NOT_FOUND',
  'INTERNAL',
];

test('a VozduxanError passes through as itself', (t) => {
  const error = new VozduxanError('CLOSED', 'gone');
  t.is(toVozduxanError(error), error);
  t.is(error.name, 'VozduxanError');
  t.true(error instanceof Error);
});

test('an addon error keeps its known code, its message, and itself as the cause', (t) => {
  for (const code of CODES) {
    const native = Object.assign(new Error(`native ${code}`), { code });
    const error = toVozduxanError(native);
    t.true(error instanceof VozduxanError);
    t.is(error.code, code);
    t.is(error.message, `native ${code}`);
    t.is(error.cause, native);
  }
});

test('an unknown or missing code, or a thrown non-Error, becomes INTERNAL', (t) => {
  t.is(toVozduxanError(Object.assign(new Error('x'), { code: 'ENOENT' })).code, 'INTERNAL');
  t.is(toVozduxanError(Object.assign(new Error('x'), { code: 7 })).code, 'INTERNAL');
  t.is(toVozduxanError(new TypeError('x')).code, 'INTERNAL');
  const thrown = toVozduxanError('a string');
  t.is(thrown.code, 'INTERNAL');
  t.is(thrown.message, 'a string');
});
