import { EventEmitter } from 'node:events';
import { torrentBytes } from './base64';
import { toVozduxanError, VozduxanError } from './errors';
import type { SessionEvent } from './events';
import { type Parked, SLOTS, SlotTable, stateOf, streamOf } from './player-slots';
import type {
  PlayerEvents,
  PlayerListFilesOptions,
  PlayerOperation,
  PlayerReleaseReason,
  PlayerSlot,
  PlayerSlots,
  PlayerStream,
  PrefetchNextTrackOptions,
  PrepareStreamOptions,
  TorrentFileInput,
} from './player-types';
import type { Session } from './session';
import { readTrack, type Track } from './track-input';
import type { FileEntry, StreamInfo, StreamStats } from './types';

/** `session.evict()` runs on every EVICT_EVERY-th counted release. */
const EVICT_EVERY = 10;

/** The session events a Player re-emits for its own streams: what a player UI shows. */
const FORWARDED = ['loadSlow', 'stalled', 'moving', 'readFailed'] as const;
type Forwarded = (typeof FORWARDED)[number];

/**
 * The layer between an audio player and a {@link Session}: the seeds' commands, with three
 * token buckets (current, prefetch +1, warm +2), a version guard, cancellation, rotation and
 * every-tenth-release eviction.
 *
 * No lock is held across a native call: slot changes are synchronous steps between awaits,
 * and releases of tokens a slot no longer holds run in the background (see {@link idle}),
 * so a slow release never holds up another call.
 *
 * Advancing to a track already parked in the prefetch or warm slot (same info hash and
 * file index) prepares it again as main playback rather than adopting the parked token: the
 * parked stream was prepared as a prefetch, which the engine schedules at low priority.
 * Its data is local, so the new prepare resolves at once (the first verified piece is
 * enough on a link that fast); the parked token is then released ('consumed').
 *
 * The player never closes its session: {@link dispose} releases the player's streams and
 * purges the cache, and the player stays usable; close the session yourself.
 */
export class Player extends EventEmitter<PlayerEvents> {
  readonly #session: Session;
  readonly #slots = new SlotTable();
  readonly #background = new Set<Promise<void>>();
  #releases = 0;

  /**
   * Makes a player over a session.
   * @param session the session to stream from; the player does not own or close it.
   * @throws VozduxanError BAD_INPUT when `session` is not a {@link Session}.
   */
  constructor(session: Session) {
    super();
    if (typeof session?.prepare !== 'function') {
      throw new VozduxanError('BAD_INPUT', 'Player needs a Session');
    }
    this.#session = session;
    // Subscribed on the session only while someone listens here: events cost nothing otherwise.
    const meta = this as unknown as EventEmitter;
    meta.on('newListener', (name: string | symbol) => {
      if (isForwarded(name) && this.listenerCount(name) === 0) {
        this.#session.on(name, this.#forward);
      }
    });
    meta.on('removeListener', (name: string | symbol) => {
      if (isForwarded(name) && this.listenerCount(name) === 0) {
        this.#session.off(name, this.#forward);
      }
    });
  }

  readonly #forward = (event: SessionEvent): void => {
    const slot = this.#slots.slotOf(event.token);
    if (!slot || !isForwarded(event.type)) return;
    (this.emit as (name: string, payload: unknown) => boolean)(event.type, { ...event, slot });
  };

  /**
   * Prepares a track as the current stream and resolves with its URL once the prebuffer is
   * verified. Each call supersedes the previous one: the older call's native wait is aborted
   * at once, and a result that still arrives for it is released and its call rejects with
   * CANCELLED, never touching the current slot. On success the previous current token is
   * released after the new stream is ready, in the background ('rotated').
   * Rejects with BAD_INPUT (bad magnet, peers or base64), INVALID_FILE, METADATA_TIMEOUT,
   * BUFFER_TIMEOUT, STORAGE_ERROR, CANCELLED, CLOSED or INTERNAL.
   * @param options the track: magnet, file index, and optionally its .torrent and peers.
   */
  async prepareStream(options: PrepareStreamOptions): Promise<PlayerStream> {
    try {
      const track = readTrack(options, options?.magnet, options?.fileIdx, options?.torrentFile);
      return await this.#prepareInto('current', track);
    } catch (error) {
      throw this.#fail('prepareStream', error);
    }
  }

  /**
   * Ends the in-flight {@link prepareStream}: it rejects with CANCELLED, its native wait is
   * aborted, and whatever it started is released. Unlike the seeds' flag, a cancel with
   * nothing in flight does nothing (it does not poison the next call).
   * @returns whether a call was in flight.
   */
  cancelPrepare(): boolean {
    return this.#slots.cancel('current');
  }

  /**
   * Warms the next track without disturbing the current one: `warmOnly: false` parks it in
   * the prefetch slot (+1), `true` in the warm slot (+2). Each call replaces only its own
   * slot: the slot's older in-flight call is superseded (CANCELLED), and its old token is
   * released once the new stream is ready ('replaced'). Asking again for the track a slot
   * already holds or is preparing returns that stream or call.
   * Rejects with the codes of {@link prepareStream}.
   * @param options the next track and which slot to park it in (`warmOnly`).
   */
  prefetchNextTrack(options: PrefetchNextTrackOptions): Promise<PlayerStream> {
    let track: Track;
    let slot: PlayerSlot;
    try {
      slot = options?.warmOnly ? 'warm' : 'prefetch';
      track = readTrack(
        options,
        options?.nextMagnet,
        options?.nextFileIdx,
        options?.nextTorrentFile,
        'nextTorrentFile',
      );
    } catch (error) {
      return Promise.reject(this.#fail('prefetchNextTrack', error));
    }
    const parked = this.#slots.parked(slot);
    if (parked?.key === track.key) return Promise.resolve(streamOf(parked));
    const pending = this.#slots.pending(slot);
    if (pending?.key === track.key && pending.promise) return pending.promise;
    const promise = this.#prepareInto(slot, track).catch((error: unknown) => {
      throw this.#fail('prefetchNextTrack', error);
    });
    const started = this.#slots.pending(slot);
    if (started) started.promise = promise;
    return promise;
  }

  /**
   * Releases a stream and clears whichever slot held it (before the native call, so nothing
   * can release it twice). Counts toward eviction: every 10th counted release (this one,
   * rotations, replacements and discarded results alike) also awaits `session.evict()`.
   * Resolves false when the engine no longer knew the token. Rejects with CLOSED or INTERNAL.
   * @param token the stream's token, from {@link prepareStream} or {@link prefetchNextTrack}.
   */
  async releaseStream(token: string): Promise<boolean> {
    try {
      if (typeof token !== 'string') throw new VozduxanError('BAD_INPUT', 'token must be a string');
      const slot = this.#slots.takeToken(token);
      return await this.#release(token, slot, 'request', true);
    } catch (error) {
      throw this.#fail('releaseStream', error);
    }
  }

  /**
   * Releases everything the player holds, as the seeds' cache purge: supersedes in-flight
   * prepares and prefetches, takes all three tokens out of their slots first, then releases
   * them, waits for background releases, and calls `session.evict()` unconditionally. These
   * releases do not count toward the every-10th eviction. The player stays usable.
   * Rejects with the first failure (CLOSED or INTERNAL) after trying every step.
   */
  async dispose(): Promise<void> {
    for (const slot of SLOTS) this.#slots.cancel(slot);
    const taken = this.#slots.takeAll();
    const results = await Promise.allSettled(
      taken.map((parked) => this.#release(parked.token, parked.slot, 'dispose', false)),
    );
    await this.idle();
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    try {
      await this.#session.evict();
    } catch (error) {
      failures.push(error);
    }
    if (failures.length > 0) throw this.#fail('dispose', failures[0]);
  }

  /**
   * Moves a stream's deadline window to the playback position; call it on every
   * `timeupdate` and seek with `currentTime × bytes per second`. Non-blocking.
   * @param token the stream's token.
   * @param byteOffset the playback position in the file, in bytes.
   * @returns false when the token is unknown or released.
   * @throws VozduxanError BAD_INPUT for a negative or non-finite offset, CLOSED.
   */
  notifyPosition(token: string, byteOffset: number): boolean {
    return this.#session.notifyPosition(token, byteOffset);
  }

  /**
   * Live numbers for a stream's status popup (download rate, peers, buffered bytes...).
   * @param token the stream's token.
   * @throws VozduxanError NOT_FOUND for unknown or released tokens, CLOSED.
   */
  streamStats(token: string): StreamStats {
    return this.#session.stats(token);
  }

  /**
   * Lists a torrent's files without starting playback. With a .torrent (bytes or base64)
   * the answer is immediate. Rejects with BAD_INPUT, METADATA_TIMEOUT, CANCELLED or CLOSED.
   * @param magnet the torrent's magnet URI; `''` with a .torrent given.
   * @param torrentFile the .torrent file, bytes or base64, to skip the metadata exchange.
   * @param options direct peers and an AbortSignal.
   */
  async listFiles(
    magnet: string,
    torrentFile?: TorrentFileInput,
    options: PlayerListFilesOptions = {},
  ): Promise<FileEntry[]> {
    try {
      const torrent = torrentBytes(torrentFile);
      return await this.#session.listFiles({
        magnet: magnet === '' && torrent ? undefined : magnet,
        torrent,
        peers: options.peers,
        signal: options.signal,
      });
    } catch (error) {
      throw this.#fail('listFiles', error);
    }
  }

  /** A snapshot of the three slots (copies; changing them changes nothing). */
  slots(): PlayerSlots {
    return this.#slots.snapshot();
  }

  /** Whether a {@link prepareStream} call is in flight. */
  get preparing(): boolean {
    return this.#slots.pending('current') !== undefined;
  }

  /**
   * Resolves once every background release started so far (rotated, replaced, consumed and
   * superseded tokens) has settled. Their failures were reported as `error` events, so this never rejects.
   */
  async idle(): Promise<void> {
    while (this.#background.size > 0) await Promise.allSettled([...this.#background]);
  }

  async #prepareInto(slot: PlayerSlot, track: Track): Promise<PlayerStream> {
    // Synchronous up to the first await: the version bump, the abort of the older call and
    // the registration of this one happen before anything else can run.
    const call = this.#slots.begin(slot, track.key);
    const current = () => this.#slots.isCurrent(call);
    let info: StreamInfo;
    try {
      info = await this.#session.prepare({
        magnet: track.magnet === '' && track.torrent ? undefined : track.magnet,
        torrent: track.torrent,
        peers: track.peers,
        fileIndex: track.fileIdx,
        main: slot === 'current',
        signal: call.controller.signal,
        onProgress: (fraction, status) => {
          if (!current()) return;
          const percent = Math.round(fraction * 100);
          this.emit('progress', {
            slot,
            magnet: track.magnet,
            fileIdx: track.fileIdx,
            percent,
            status,
          });
        },
      });
    } catch (error) {
      // A superseded call reports CANCELLED whatever the engine said: its outcome is moot.
      throw current() ? error : cancelled(slot);
    } finally {
      this.#slots.end(call);
    }
    if (!current()) {
      // The version guard: a late result is released (before the call rejects) and never
      // touches a slot.
      await this.#track(
        this.#release(info.token, undefined, 'superseded', true),
        operationOf(slot),
      );
      throw cancelled(slot);
    }
    const parked: Parked = {
      slot,
      magnet: track.magnet,
      fileIdx: track.fileIdx,
      key: track.key,
      url: info.url,
      token: info.token,
      fileSize: info.fileSize,
      mimeType: info.mimeType,
    };
    const { old, consumed } = this.#slots.park(parked);
    this.emit('ready', stateOf(parked));
    // Rotation: the old token goes only now that the new stream is ready, and in the
    // background, so neither this call nor any other waits for it.
    const operation = operationOf(slot);
    if (old) {
      const reason = slot === 'current' ? 'rotated' : 'replaced';
      void this.#track(this.#release(old.token, slot, reason, true), operation);
    }
    for (const held of consumed) {
      void this.#track(this.#release(held.token, held.slot, 'consumed', true), operation);
    }
    return streamOf(parked);
  }

  async #release(
    token: string,
    slot: PlayerSlot | undefined,
    reason: PlayerReleaseReason,
    counted: boolean,
  ): Promise<boolean> {
    const existed = await this.#session.release(token);
    this.emit('released', { token, slot, reason, existed });
    if (counted) {
      this.#releases += 1;
      if (this.#releases % EVICT_EVERY === 0) await this.#session.evict();
    }
    return existed;
  }

  /** Runs a release in the background set; its failure becomes an `error` event. */
  #track(task: Promise<unknown>, operation: PlayerOperation): Promise<void> {
    const settled: Promise<void> = task.then(
      () => undefined,
      (error: unknown) => {
        this.#fail(operation, error);
      },
    );
    const tracked = settled.finally(() => this.#background.delete(tracked));
    this.#background.add(tracked);
    return tracked;
  }

  #fail(operation: PlayerOperation, error: unknown): VozduxanError {
    const failure = toVozduxanError(error);
    if (failure.code !== 'CANCELLED' && this.listenerCount('error') > 0) {
      this.emit('error', { operation, error: failure });
    }
    return failure;
  }
}

function cancelled(slot: PlayerSlot): VozduxanError {
  return new VozduxanError('CANCELLED', `superseded by a newer call for the ${slot} slot`);
}

function operationOf(slot: PlayerSlot): PlayerOperation {
  return slot === 'current' ? 'prepareStream' : 'prefetchNextTrack';
}

function isForwarded(name: string | symbol): name is Forwarded {
  return (FORWARDED as readonly (string | symbol)[]).includes(name);
}
