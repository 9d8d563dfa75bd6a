// Reading a stream's verified bytes without HTTP: a Node Readable and a random-access handle
// (README, Reading without HTTP). Both call the engine's direct reads; every byte has passed
// its piece's hash, as over HTTP.
import { Readable } from 'node:stream';
import { toVozduxanError, VozduxanError } from './errors';

/** Options of {@link Session.createReadStream}. */
export interface ReadStreamOptions {
  /** First byte to read. Default 0. */
  start?: number;
  /** Last byte to read, inclusive (as `fs.createReadStream`). Default: the end of the file. */
  end?: number;
  /** Bytes buffered ahead of the consumer at most (and the size of each engine read, up to 1 MiB). Default 256 KiB. */
  highWaterMark?: number;
  /** Aborting destroys the stream with CANCELLED. */
  signal?: AbortSignal;
}

/** What {@link StreamFileHandle.read} resolves with, as `fs.FileHandle.read`. */
export interface ReadResult<T extends Uint8Array> {
  /** Bytes read: fewer than asked only at the end of the file. */
  bytesRead: number;
  /** The buffer passed in. */
  buffer: T;
}

/** Random access to a stream's bytes, like `fs.FileHandle` (from {@link Session.open}). */
export interface StreamFileHandle {
  /** The file's size in bytes. */
  readonly size: number;
  /**
   * Reads `length` bytes at `position` into `buffer` at `offset`, waiting for the pieces that
   * hold them. Each call is one read in the session's events. Rejects NOT_FOUND once the
   * stream is released, CLOSED once the session closes or the handle does.
   * @param buffer where the bytes go.
   * @param offset where in `buffer` they start. Default 0.
   * @param length how many to read. Default: the rest of `buffer`.
   * @param position the file offset to read from. Default 0.
   */
  read<T extends Uint8Array>(
    buffer: T,
    offset?: number,
    length?: number,
    position?: number,
  ): Promise<ReadResult<T>>;
  /** Ends the handle: its pending reads reject CANCELLED. Idempotent. */
  close(): Promise<void>;
}

/**
 * The addon's direct-read calls (binding.d.ts has the same shapes). Declared here so the
 * published types never reach binding.d.ts, which imports files the package does not ship.
 */
interface DirectReadNative {
  openRead(token: string, first: number, last: number, follow: boolean): number;
  read(request: {
    opId: number;
    readId: number;
    position: number;
    length: number;
  }): Promise<Buffer>;
  closeRead(readId: number, completed: boolean): void;
  cancel(opId: number): void;
}

/** What the readers need from the Session. */
export interface DirectReadHost {
  native: DirectReadNative;
  nextOpId(): number;
  fileSize(token: string): number;
}

const DEFAULT_HIGH_WATER_MARK = 256 * 1024;
const MAX_CHUNK = 1024 * 1024;

function checkOffset(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new VozduxanError('BAD_INPUT', `${name} must be a whole number >= 0`);
  }
  return value;
}

function openRead(
  host: DirectReadHost,
  token: string,
  first: number,
  last: number,
  follow: boolean,
) {
  let readId: number;
  try {
    readId = host.native.openRead(token, first, last, follow);
  } catch (error) {
    throw toVozduxanError(error);
  }
  if (readId === 0) throw new VozduxanError('NOT_FOUND', 'no stream with this token');
  return readId;
}

/** One chunk of an open read; `onOpId` learns the call's id (to cancel it). */
async function readChunk(
  host: DirectReadHost,
  readId: number,
  position: number,
  length: number,
  onOpId: (opId: number | undefined) => void,
): Promise<Buffer> {
  const opId = host.nextOpId();
  onOpId(opId);
  try {
    return await host.native.read({ opId, readId, position, length });
  } catch (error) {
    throw toVozduxanError(error);
  } finally {
    onOpId(undefined);
  }
}

/** A Readable over [start, end] of a stream; see Session.createReadStream. */
export function createReadStream(
  host: DirectReadHost,
  token: string,
  options: ReadStreamOptions = {},
): Readable {
  const size = host.fileSize(token);
  const start = checkOffset('start', options.start, 0);
  const end = Math.min(checkOffset('end', options.end, size - 1), size - 1);
  const highWaterMark = checkOffset(
    'highWaterMark',
    options.highWaterMark,
    DEFAULT_HIGH_WATER_MARK,
  );
  let position = start;
  let readId: number | undefined;
  let inFlight: number | undefined;
  let finished = false;
  const readable = new Readable({
    highWaterMark: Math.max(1, highWaterMark),
    signal: options.signal,
    construct(callback) {
      try {
        readId = openRead(host, token, start, Math.max(end, start), true);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    read(size) {
      if (readId === undefined) return;
      if (position > end) {
        finished = true;
        host.native.closeRead(readId, true);
        this.push(null);
        return;
      }
      const length = Math.min(Math.max(size, 1), MAX_CHUNK, end - position + 1);
      readChunk(host, readId, position, length, (id) => {
        inFlight = id;
      }).then(
        (bytes) => {
          if (bytes.length === 0) {
            finished = true;
            if (readId !== undefined) host.native.closeRead(readId, true);
            this.push(null);
            return;
          }
          position += bytes.length;
          this.push(bytes);
        },
        (error: VozduxanError) => {
          if (!this.destroyed) this.destroy(error);
        },
      );
    },
    destroy(error, callback) {
      // Cancel at once: the chunk in flight rejects CANCELLED, the read reports readCancelled.
      if (inFlight !== undefined) host.native.cancel(inFlight);
      if (readId !== undefined && !finished) host.native.closeRead(readId, false);
      finished = true;
      const failure =
        error && (error as { name?: string }).name === 'AbortError'
          ? new VozduxanError('CANCELLED', 'aborted')
          : error;
      callback(failure ? toVozduxanError(failure) : null);
    },
  });
  return readable;
}

/** A random-access handle on a stream; see Session.open. */
export function openHandle(host: DirectReadHost, token: string): StreamFileHandle {
  const size = host.fileSize(token);
  const open = new Set<number>();
  let closed = false;
  return {
    size,
    async read<T extends Uint8Array>(buffer: T, offset = 0, length?: number, position = 0) {
      if (closed) throw new VozduxanError('CLOSED', 'the handle is closed');
      if (!(buffer instanceof Uint8Array)) {
        throw new VozduxanError('BAD_INPUT', 'buffer must be a Uint8Array');
      }
      checkOffset('offset', offset, 0);
      checkOffset('position', position, 0);
      const wanted = checkOffset('length', length, buffer.length - offset);
      if (offset + wanted > buffer.length) {
        throw new VozduxanError('BAD_INPUT', 'offset + length is past the end of the buffer');
      }
      const last = Math.min(position + wanted, size) - 1;
      if (wanted === 0 || position >= size) return { bytesRead: 0, buffer };
      const readId = openRead(host, token, position, last, false);
      open.add(readId);
      let done = 0;
      try {
        while (position + done <= last) {
          const bytes = await readChunk(
            host,
            readId,
            position + done,
            last - position - done + 1,
            () => {},
          );
          if (bytes.length === 0) break;
          buffer.set(bytes, offset + done);
          done += bytes.length;
        }
        host.native.closeRead(readId, true);
        return { bytesRead: done, buffer };
      } catch (error) {
        host.native.closeRead(readId, false);
        throw error;
      } finally {
        open.delete(readId);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const readId of open) host.native.closeRead(readId, false);
      open.clear();
    },
  };
}
