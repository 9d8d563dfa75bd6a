import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import type { NativeSession } from '../binding';
import { toVozduxanError, VozduxanError } from './errors';
import { SESSION_EVENT_NAMES, type SessionEvent, type SessionEvents } from './events';
import { loadBinding } from './native';
import {
  createReadStream,
  type DirectReadHost,
  openHandle,
  type ReadStreamOptions,
  type StreamFileHandle,
} from './reads';
import type {
  EvictResult,
  FileEntry,
  ListFilesOptions,
  PrepareOptions,
  SessionConfig,
  StreamInfo,
  StreamStats,
} from './types';

/**
 * libtorrent settings that keep a session on loopback: no DHT, LSD, UPnP, NAT-PMP or uTP,
 * listening on 127.0.0.1 only. For tests, demos, benchmarks and LAN-only use; real users
 * want the defaults (DHT on).
 */
export const LOOPBACK_SETTINGS: Readonly<Record<string, string | number | boolean>> = Object.freeze(
  {
    enable_dht: false,
    enable_lsd: false,
    enable_upnp: false,
    enable_natpmp: false,
    enable_outgoing_utp: false,
    enable_incoming_utp: false,
    listen_interfaces: '127.0.0.1:0',
    allow_multiple_connections_per_ip: true,
  },
);

const EVENT_NAMES: ReadonlySet<string | symbol> = new Set(SESSION_EVENT_NAMES);

/**
 * A streaming session: one libtorrent session, one localhost HTTP server, one cache folder.
 * Create with {@link Session.create}; always {@link Session.close} it when done.
 *
 * It is an EventEmitter of {@link SessionEvents} (typed `on`, `once`, `off`): read, watchdog and
 * swarm events of every stream. While no listener is attached the engine builds none.
 */
export class Session extends EventEmitter<SessionEvents> {
  readonly #native: NativeSession;
  #nextOpId = 1;
  #closing: Promise<void> | undefined;

  private constructor(native: NativeSession) {
    super();
    this.#native = native;
    // Events cost nothing while no one listens: the engine is told when the first listener
    // comes and the last one goes.
    const meta = this as unknown as EventEmitter;
    meta.on('newListener', (name: string | symbol) => {
      if (EVENT_NAMES.has(name)) this.#native.setEventsEnabled(true);
    });
    meta.on('removeListener', (name: string | symbol) => {
      if (EVENT_NAMES.has(name)) this.#native.setEventsEnabled(this.#listening());
    });
  }

  #listening(): boolean {
    return SESSION_EVENT_NAMES.some((name) => this.listenerCount(name) > 0);
  }

  #dispatch(events: SessionEvent[]): void {
    for (const event of events) {
      // A listener that throws must not lose the rest of the batch, nor reach the engine.
      try {
        (this.emit as (name: string, event: SessionEvent) => boolean)(event.type, event);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  /**
   * Starts a session. Rejects with STORAGE_ERROR when `storagePath` cannot be created or
   * written, and BAD_INPUT for malformed options or unknown libtorrent settings.
   * @param config the storage folder, cache limits, time-outs and libtorrent settings.
   */
  static async create(config: SessionConfig): Promise<Session> {
    if (typeof config !== 'object' || config === null) {
      throw new VozduxanError('BAD_INPUT', 'Session.create needs a config object');
    }
    if (typeof config.storagePath !== 'string' || config.storagePath === '') {
      throw new VozduxanError('BAD_INPUT', 'storagePath is required');
    }
    if (config.onLog !== undefined && typeof config.onLog !== 'function') {
      throw new VozduxanError('BAD_INPUT', 'onLog must be a function');
    }
    try {
      const { NativeSession } = loadBinding();
      let session: Session | undefined;
      const native = new NativeSession({
        ...config,
        onEvents: (events: SessionEvent[]) => {
          if (session) session.#dispatch(events);
        },
      });
      session = new Session(native);
      return session;
    } catch (error) {
      throw toVozduxanError(error);
    }
  }

  /** The localhost HTTP server's port: random, bound to 127.0.0.1, fixed for the session's life. */
  get httpPort(): number {
    return this.#native.httpPort;
  }

  /**
   * Lists a torrent's files. With .torrent bytes the answer is immediate; with a magnet alone
   * the metadata comes from peers. Rejects with BAD_INPUT, METADATA_TIMEOUT, CANCELLED or CLOSED.
   * @param options the torrent (magnet and/or .torrent bytes, peers), a time-out and a signal.
   */
  async listFiles(options: ListFilesOptions): Promise<FileEntry[]> {
    const { signal, ...request } = checkInput(options);
    return this.#withSignal(signal, (opId) => this.#native.listFiles({ ...request, opId }));
  }

  /**
   * Prepares a file for streaming and resolves once its fast-start prebuffer is verified.
   * Rejects with BAD_INPUT, INVALID_FILE, METADATA_TIMEOUT, BUFFER_TIMEOUT, STORAGE_ERROR,
   * CANCELLED or CLOSED.
   * @param options the torrent, the file index, main or prefetch, progress callback and signal.
   */
  async prepare(options: PrepareOptions): Promise<StreamInfo> {
    const { signal, ...request } = checkInput(options);
    if (!Number.isInteger(request.fileIndex) || request.fileIndex < 0) {
      throw new VozduxanError('INVALID_FILE', 'fileIndex must be a whole number >= 0');
    }
    if (request.onProgress !== undefined && typeof request.onProgress !== 'function') {
      throw new VozduxanError('BAD_INPUT', 'onProgress must be a function');
    }
    return this.#withSignal(signal, (opId) => this.#native.prepare({ ...request, opId }));
  }

  /**
   * Moves a stream's deadline window to the player's position (call it on every `timeupdate`).
   * Non-blocking. Returns false when the token is unknown or released.
   * @param token the stream's token.
   * @param byteOffset the playback position in the file, in bytes (0 to
   * `Number.MAX_SAFE_INTEGER`; floored).
   * @throws VozduxanError BAD_INPUT for a negative, non-finite or larger offset, CLOSED.
   */
  notifyPosition(token: string, byteOffset: number): boolean {
    if (!Number.isFinite(byteOffset) || byteOffset < 0 || byteOffset > Number.MAX_SAFE_INTEGER) {
      throw new VozduxanError(
        'BAD_INPUT',
        'byteOffset must be a finite number from 0 to Number.MAX_SAFE_INTEGER',
      );
    }
    return this.#call(() => this.#native.notifyPosition(token, Math.floor(byteOffset)));
  }

  /**
   * A Node Readable of the stream's file (or `start`..`end` of it, inclusive), without HTTP:
   * only hash-verified bytes, with backpressure (nothing is read past `highWaterMark` ahead of
   * the consumer), and the deadline window follows it as it follows an HTTP reader. `destroy()`
   * and `signal` cancel at once. Errors are VozduxanErrors: NOT_FOUND once released, CLOSED.
   * @param token the stream's token.
   * @param options the byte range, the buffer size and an abort signal.
   * @throws VozduxanError NOT_FOUND for an unknown token, BAD_INPUT for bad options.
   */
  createReadStream(token: string, options?: ReadStreamOptions): Readable {
    return createReadStream(this.#readHost(), token, options);
  }

  /**
   * Random access to the stream's bytes, like `fs.FileHandle.read` (tag readers jump to the
   * end for ID3v1 or APEv2). Reads do not move the player's deadline window, except to fetch
   * a piece they wait for.
   * @param token the stream's token.
   * @throws VozduxanError NOT_FOUND for an unknown token.
   */
  async open(token: string): Promise<StreamFileHandle> {
    return openHandle(this.#readHost(), token);
  }

  #readHost(): DirectReadHost {
    return {
      native: this.#native,
      nextOpId: () => this.#nextOpId++,
      fileSize: (token) => this.stats(token).fileSize,
    };
  }

  /**
   * Moves a stream's deadline window to the player's position in seconds (call it on every
   * `timeupdate` with `audio.currentTime`). The time is mapped to a byte from the file's own
   * index: FLAC SEEKTABLE, MP3 Xing/VBRI or CBR frames, Ogg granules (bisecting local pages),
   * M4A `stts`/`stco`, WAV's byte rate; the average byte rate while no index is local. Right
   * for VBR, where `currentTime * bytesPerSecond` is not.
   * @param token the stream's token.
   * @param seconds the playback position, from 0.
   * @returns the byte offset the window moved to, or undefined for an unknown or released token.
   * @throws VozduxanError BAD_INPUT for a negative or non-finite time, CLOSED.
   */
  notifyTime(token: string, seconds: number): number | undefined {
    if (!Number.isFinite(seconds) || seconds < 0 || seconds > 1e9) {
      throw new VozduxanError('BAD_INPUT', 'seconds must be a finite number from 0 to 1e9');
    }
    const offset = this.#call(() => this.#native.notifyTime(token, seconds));
    return offset < 0 ? undefined : offset;
  }

  /**
   * Gives the stream's torrent more direct peers, e.g. a seeder the app learned of on its own
   * after the swarm went quiet. libtorrent dials them at once.
   * @param token the stream's token.
   * @param peers `'host:port'` strings (IPv4, or `[IPv6]:port`).
   * @returns false when the token is unknown or released.
   * @throws VozduxanError BAD_INPUT for a malformed peer, CLOSED.
   */
  addPeers(token: string, peers: readonly string[]): boolean {
    return this.#call(() => this.#native.addPeers(token, [...peers]));
  }

  /**
   * Stops a stream: clears its deadlines and ends its in-flight responses; later requests to its
   * URL get 404. Idempotent: resolves false when the token was unknown or already released.
   * @param token the stream's token.
   */
  async release(token: string): Promise<boolean> {
    return this.#call(() => this.#native.release(token));
  }

  /**
   * Live numbers for a stream; fast, no I/O. Throws NOT_FOUND for unknown or released tokens.
   * @param token the stream's token.
   */
  stats(token: string): StreamStats {
    const stats = this.#call(() => this.#native.stats(token));
    if (!stats) throw new VozduxanError('NOT_FOUND', 'no stream with this token');
    return stats;
  }

  /**
   * Removes idle torrents whose TTL expired, then the oldest idle ones while the cache exceeds
   * `cacheMaxBytes`. Never touches data a live stream or an in-flight response uses.
   */
  async evict(): Promise<EvictResult> {
    try {
      return await this.#native.evict();
    } catch (error) {
      throw toVozduxanError(error);
    }
  }

  /**
   * Releases everything and waits for in-flight native work. Pending calls reject with CLOSED,
   * later calls too. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#native.close().catch((error: unknown) => {
      throw toVozduxanError(error);
    });
    return this.#closing;
  }

  /**
   * For tests: the torrents this session knows and the torrents its libtorrent session holds.
   * @internal
   */
  static debugTorrentCounts(session: Session): { session: number; libtorrent: number } {
    return session.#native.debugTorrentCounts();
  }

  #call<T>(run: () => T): T {
    try {
      return run();
    } catch (error) {
      throw toVozduxanError(error);
    }
  }

  async #withSignal<T>(
    signal: AbortSignal | undefined,
    start: (opId: number) => Promise<T>,
  ): Promise<T> {
    if (signal?.aborted) throw new VozduxanError('CANCELLED', 'aborted before start');
    const opId = this.#nextOpId++;
    const abort = () => this.#native.cancel(opId);
    signal?.addEventListener('abort', abort, { once: true });
    try {
      return await start(opId);
    } catch (error) {
      throw toVozduxanError(error);
    } finally {
      signal?.removeEventListener('abort', abort);
    }
  }
}

function checkInput<T extends { magnet?: unknown; torrent?: unknown; peers?: unknown }>(
  options: T,
): T {
  if (typeof options !== 'object' || options === null) {
    throw new VozduxanError('BAD_INPUT', 'expected an options object');
  }
  if (options.torrent !== undefined && !(options.torrent instanceof Uint8Array)) {
    throw new VozduxanError('BAD_INPUT', 'torrent must be a Uint8Array');
  }
  return options;
}
