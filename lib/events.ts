// The events a Session emits (README, Events). Every one carries the stream's token and a
// monotonic timestamp; the read events also carry the read's requestId.

/** What every session event carries. */
export interface SessionEventBase {
  /** The stream the event is about. */
  token: string;
  /** When it happened: a monotonic clock in ms (comparable with `performance.now()` deltas, not a date). */
  at: number;
}

/** What every read event carries: reads are HTTP responses and reads without HTTP alike. */
export interface ReadEventBase extends SessionEventBase {
  /** Per session, from 1; one read's events share it. */
  requestId: number;
}

/** A read's first bytes are ready to go out. */
export interface ReadStartedEvent extends ReadEventBase {
  /** The event's name. */
  type: 'readStarted';
  /** The file bytes asked for, inclusive. */
  range: {
    /** First byte. */
    start: number;
    /** Last byte. */
    end: number;
  };
  /** From the request to its first byte: the wait for its first piece, in ms. */
  waitInQueueMs: number;
}

/** A read delivered everything it asked for. */
export interface ReadCompletedEvent extends ReadEventBase {
  /** The event's name. */
  type: 'readCompleted';
  /** Bytes delivered. */
  bytes: number;
  /** From the request to its last byte, in ms. */
  durationMs: number;
  /** bytes over the duration, in bytes per second (a zero duration counts as 1 µs). */
  bandwidthBps: number;
}

/**
 * Why a read ended early. `seek`: a newer request on the token; `release`: the stream was
 * released; `close`: the session closed; `client`: the client went away (or destroyed its
 * stream); `writeStall`: the client read nothing for `httpWriteStallTimeoutMs` (a paused player
 * holding its connection), so the server ended the response; `beforeStart`: any of those before
 * the read's first byte (see `cause`).
 */
export type ReadCancelReason =
  | 'seek'
  | 'release'
  | 'close'
  | 'client'
  | 'writeStall'
  | 'beforeStart';

/** A read ended before it delivered everything. */
export interface ReadCancelledEvent extends ReadEventBase {
  /** The event's name. */
  type: 'readCancelled';
  /** Why. */
  reason: ReadCancelReason;
  /** For `beforeStart`: what ended it. */
  cause?: Exclude<ReadCancelReason, 'beforeStart'>;
  /** Bytes delivered before it ended. */
  bytes: number;
}

/** A read failed: its files are unreadable (`retryable: false`) or a piece's bytes never matched its hash on disk (`retryable: true`: the engine re-fetches it). */
export interface ReadFailedEvent extends ReadEventBase {
  /** The event's name. */
  type: 'readFailed';
  /** An error code, as on VozduxanError. */
  code: string;
  /** Whether the same request may succeed later. */
  retryable: boolean;
  /** Bytes delivered before it failed. */
  bytes: number;
}

/** A read has waited `softTimeoutMs` for a piece: once per read; the read goes on. */
export interface LoadSlowEvent extends ReadEventBase {
  /** The event's name. */
  type: 'loadSlow';
  /** How long it has waited for the piece, in ms. */
  elapsedMs: number;
  /** The torrent piece it waits for. */
  piece: number;
}

/** The watchdog: the stream has work (parked readers, a prebuffer to fill) and nothing arrived for `hangTimeoutMs`. Reported once, until `moving`. */
export interface StalledEvent extends SessionEventBase {
  /** The event's name. */
  type: 'stalled';
  /** How long nothing moved, in ms. */
  elapsedMs: number;
  /** Prepares waiting on the stream's prebuffer. */
  pendingOps: number;
  /** Pieces of the file readers wait for. */
  awaitedPieces: number[];
  /** Connected peers. */
  peers: number;
  /** As `stats().state`. */
  state: string;
}

/** After `stalled`: blocks arrive again, or nothing waits any more. */
export interface MovingEvent extends SessionEventBase {
  /** The event's name. */
  type: 'moving';
}

/** Pieces of the stream's file that passed their hash since the last such event (batched). */
export interface PieceVerifiedEvent extends SessionEventBase {
  /** The event's name. */
  type: 'pieceVerified';
  /** Torrent piece indices, ascending. */
  pieces: number[];
}

/** The stream's torrent has a different number of peers or seeds. */
export interface PeersChangedEvent extends SessionEventBase {
  /** The event's name. */
  type: 'peersChanged';
  /** Connected peers. */
  peers: number;
  /** Of them, seeds. */
  seeds: number;
}

/** A prepare's prebuffer grew (what `onProgress` sees while buffering); emitted before the prepare resolves with this token. */
export interface PrebufferProgressEvent extends SessionEventBase {
  /** The event's name. */
  type: 'prebufferProgress';
  /** 0 to 1. */
  fraction: number;
}

/** Any session event. */
export type SessionEvent =
  | ReadStartedEvent
  | ReadCompletedEvent
  | ReadCancelledEvent
  | ReadFailedEvent
  | LoadSlowEvent
  | StalledEvent
  | MovingEvent
  | PieceVerifiedEvent
  | PeersChangedEvent
  | PrebufferProgressEvent;

/** The Session's events by name, for its typed `on`/`off` (an EventEmitter). */
export interface SessionEvents {
  /** A read's first bytes are ready. */
  readStarted: [ReadStartedEvent];
  /** A read delivered everything. */
  readCompleted: [ReadCompletedEvent];
  /** A read ended early. */
  readCancelled: [ReadCancelledEvent];
  /** A read failed. */
  readFailed: [ReadFailedEvent];
  /** A read waits long for a piece. */
  loadSlow: [LoadSlowEvent];
  /** Work and no motion for `hangTimeoutMs`. */
  stalled: [StalledEvent];
  /** Motion after `stalled`. */
  moving: [MovingEvent];
  /** Pieces verified (batched). */
  pieceVerified: [PieceVerifiedEvent];
  /** Peer or seed count changed. */
  peersChanged: [PeersChangedEvent];
  /** Prebuffer progress of a prepare. */
  prebufferProgress: [PrebufferProgressEvent];
}

/** The names of SessionEvents. */
export const SESSION_EVENT_NAMES: readonly (keyof SessionEvents)[] = Object.freeze([
  'readStarted',
  'readCompleted',
  'readCancelled',
  'readFailed',
  'loadSlow',
  'stalled',
  'moving',
  'pieceVerified',
  'peersChanged',
  'prebufferProgress',
]);
