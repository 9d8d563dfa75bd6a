/**
 * vozduxan: stream audio from BitTorrent swarms to any player over a localhost HTTP URL.
 * @packageDocumentation
 */
export { type ErrorCode, VozduxanError } from './errors';
export type {
  LoadSlowEvent,
  MovingEvent,
  PeersChangedEvent,
  PieceVerifiedEvent,
  PrebufferProgressEvent,
  ReadCancelledEvent,
  ReadCancelReason,
  ReadCompletedEvent,
  ReadEventBase,
  ReadFailedEvent,
  ReadStartedEvent,
  SessionEvent,
  SessionEventBase,
  SessionEvents,
  StalledEvent,
} from './events';

import { loadBinding } from './native';
import type { BuildInfo } from './types';

export { Player } from './player';
export type {
  PlayerErrorEvent,
  PlayerEvents,
  PlayerListFilesOptions,
  PlayerOperation,
  PlayerProgressEvent,
  PlayerReleasedEvent,
  PlayerReleaseReason,
  PlayerSlot,
  PlayerSlotState,
  PlayerSlots,
  PlayerStream,
  PlayerStreamEvent,
  PrefetchNextTrackOptions,
  PrepareStreamOptions,
  TorrentFileInput,
} from './player-types';
export type { ReadResult, ReadStreamOptions, StreamFileHandle } from './reads';
export { LOOPBACK_SETTINGS, Session } from './session';
export type {
  BuildInfo,
  EvictResult,
  FileEntry,
  ListFilesOptions,
  PrepareOptions,
  SessionConfig,
  SettingValue,
  StreamInfo,
  StreamStats,
  TorrentInput,
} from './types';

/** The libtorrent-rasterbar version the addon was built against. */
export function libtorrentVersion(): string {
  return loadBinding().libtorrentVersion;
}

/** What the loaded addon was built with: libtorrent and OpenSSL versions, and whether it is the
 * self-contained prebuild. */
export function buildInfo(): BuildInfo {
  const binding = loadBinding();
  return { libtorrent: binding.libtorrentVersion, ...binding.build };
}
