import type { VozduxanError } from './errors';
import type {
  LoadSlowEvent,
  MovingEvent,
  ReadFailedEvent,
  SessionEvent,
  StalledEvent,
} from './events';

/**
 * The player's three token buckets: `current` is the track being heard, `prefetch` the
 * next one in the queue (+1), `warm` the one after it (+2).
 */
export type PlayerSlot = 'current' | 'prefetch' | 'warm';

/** A .torrent file: its bytes, or base64 as the seeds' commands pass it. `null`: none. */
export type TorrentFileInput = Uint8Array | string | null;

/** Options for {@link Player.prepareStream}. */
export interface PrepareStreamOptions {
  /** The torrent's magnet URI. Its info hash (with `fileIdx`) identifies the track. */
  magnet: string;
  /** Which file of the torrent to play (see {@link Player.listFiles}). */
  fileIdx: number;
  /** The .torrent file, to skip the metadata exchange. Bad base64 rejects with BAD_INPUT. */
  torrentFile?: TorrentFileInput;
  /** Peers to connect to directly, as `'127.0.0.1:6881'`. */
  peers?: string[];
}

/** Options for {@link Player.prefetchNextTrack}. */
export interface PrefetchNextTrackOptions {
  /** The playing track's magnet: accepted for the seeds' API, not used. */
  currentMagnet?: string;
  /** The playing track's file index: accepted for the seeds' API, not used. */
  currentFileIdx?: number;
  /** The magnet of the track to warm. */
  nextMagnet: string;
  /** The file index of the track to warm. */
  nextFileIdx: number;
  /** The next track's .torrent file (bytes or base64). */
  nextTorrentFile?: TorrentFileInput;
  /** `false`: park in the prefetch slot (+1). `true`: park in the warm slot (+2). */
  warmOnly: boolean;
  /** Peers to connect to directly. */
  peers?: string[];
}

/** Extra options for {@link Player.listFiles}. */
export interface PlayerListFilesOptions {
  /** Peers to connect to directly. */
  peers?: string[];
  /** Aborting rejects the call with CANCELLED. */
  signal?: AbortSignal;
}

/** A ready stream, as {@link Player.prepareStream} and {@link Player.prefetchNextTrack} return it. */
export interface PlayerStream {
  /** `http://127.0.0.1:PORT/stream/TOKEN`, for an `<audio>` element. */
  url: string;
  /** The stream's token, for `notifyPosition`, `streamStats` and `releaseStream`. */
  token: string;
  /** The file's size in bytes (divide by the duration for bytes per second). */
  fileSize: number;
  /** The file's MIME type. */
  mimeType: string;
}

/** What a slot holds: a ready stream and the track it plays. */
export interface PlayerSlotState extends PlayerStream {
  /** Which slot holds the stream. */
  slot: PlayerSlot;
  /** The magnet the stream was prepared from. */
  magnet: string;
  /** The file index the stream plays. */
  fileIdx: number;
}

/** A snapshot of the three slots; an absent key means the slot is empty. */
export interface PlayerSlots {
  /** The playing track's stream. */
  current?: PlayerSlotState;
  /** The next track's stream (+1). */
  prefetch?: PlayerSlotState;
  /** The second-ahead track's stream (+2). */
  warm?: PlayerSlotState;
}

/** Payload of the `progress` event: the seeds' `torrent-prepare-progress`. */
export interface PlayerProgressEvent {
  /** The slot the stream is being prepared for. */
  slot: PlayerSlot;
  /** The track's magnet. */
  magnet: string;
  /** The track's file index. */
  fileIdx: number;
  /** Prebuffer progress, 0..100 (whole numbers). */
  percent: number;
  /** `resolving metadata`, `checking files`, `buffering` or `ready`. */
  status: string;
}

/** Why the player released a token (payload of the `released` event). */
export type PlayerReleaseReason =
  /** {@link Player.releaseStream} was called. */
  | 'request'
  /** The old current stream, after a new current one became ready. */
  | 'rotated'
  /** A slot's old prefetch or warm stream, after its replacement became ready. */
  | 'replaced'
  /** A prefetch or warm stream of the track that just became current (it was prepared again as main). */
  | 'consumed'
  /** The result of a call that a newer call, `cancelPrepare` or `dispose` had superseded. */
  | 'superseded'
  /** {@link Player.dispose}. */
  | 'dispose';

/** Payload of the `released` event. */
export interface PlayerReleasedEvent {
  /** The released token. */
  token: string;
  /** The slot it was taken from, if any. */
  slot: PlayerSlot | undefined;
  /** Why it was released. */
  reason: PlayerReleaseReason;
  /** Whether the engine still knew the token (false: it was already gone). */
  existed: boolean;
}

/** The player call (or background task) an `error` event comes from. */
export type PlayerOperation =
  | 'prepareStream'
  | 'prefetchNextTrack'
  | 'releaseStream'
  | 'listFiles'
  | 'dispose';

/** Payload of the `error` event. */
export interface PlayerErrorEvent {
  /** The call that failed. Background releases report the call that started them. */
  operation: PlayerOperation;
  /** The failure, with its stable code. */
  error: VozduxanError;
}

/** A session event about a stream a slot holds, with that slot. */
export type PlayerStreamEvent<E extends SessionEvent> = E & {
  /** The slot that holds the stream. */
  slot: PlayerSlot;
};

/**
 * The {@link Player}'s events. `error` is emitted only while someone listens (an
 * EventEmitter `error` without a listener would throw), and never for CANCELLED: a cancel is
 * the caller's own doing and still rejects the call it ends.
 */
export interface PlayerEvents {
  /** Prebuffer progress of the newest call for a slot. */
  progress: [PlayerProgressEvent];
  /** A stream was parked in a slot. */
  ready: [PlayerSlotState];
  /** The player released a token. */
  released: [PlayerReleasedEvent];
  /** A player call or one of its background releases failed. */
  error: [PlayerErrorEvent];
  /** A read of a slot's stream waits long for a piece (show "loading"). */
  loadSlow: [PlayerStreamEvent<LoadSlowEvent>];
  /** A slot's stream has work and nothing arrives (the hang watchdog). */
  stalled: [PlayerStreamEvent<StalledEvent>];
  /** A slot's stream moves again after `stalled`. */
  moving: [PlayerStreamEvent<MovingEvent>];
  /** A read of a slot's stream failed. */
  readFailed: [PlayerStreamEvent<ReadFailedEvent>];
}
