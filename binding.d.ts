// Types of the raw native addon (build/Release/vozduxan.node). Nothing more: the
// idiomatic API lives in lib/.

import type { SessionEvent } from './lib/events';
import type { EvictResult, FileEntry, StreamInfo, StreamStats } from './lib/types';

export type NativeSettingValue = string | number | boolean;

export interface NativeSessionConfig {
  storagePath: string;
  cacheMaxBytes?: number;
  cacheTtlSecs?: number;
  listenPort?: number;
  metadataTimeoutMs?: number;
  bufferTimeoutMs?: number;
  settings?: Record<string, NativeSettingValue>;
  caFile?: string;
  httpMaxConnections?: number;
  httpHeaderTimeoutMs?: number;
  httpIdleTimeoutMs?: number;
  httpWriteStallTimeoutMs?: number;
  allowedOrigins?: string[];
  onLog?: (message: string) => void;
  hangTimeoutMs?: number;
  softTimeoutMs?: number;
  unusedTorrentLingerMs?: number;
  maxReadAheadSecs?: number;
  readAheadStaleMs?: number;
  onEvents?: (events: SessionEvent[]) => void;
}

export interface NativeTorrentInput {
  magnet?: string;
  torrent?: Uint8Array;
  peers?: string[];
}

export interface NativeListRequest extends NativeTorrentInput {
  opId: number;
  metadataTimeoutMs?: number;
}

export interface NativeReadRequest {
  opId: number;
  readId: number;
  position: number;
  length: number;
}

export interface NativePrepareRequest extends NativeTorrentInput {
  opId: number;
  fileIndex: number;
  main?: boolean;
  metadataTimeoutMs?: number;
  maxReadAheadSecs?: number;
  onProgress?: (fraction: number, status: string) => void;
}

// Shapes the addon returns as they are: the public, documented types.
export type NativeFileEntry = FileEntry;
export type NativeStreamInfo = StreamInfo;
export type NativeStreamStats = StreamStats;
export type NativeEvictResult = EvictResult;

/** Errors from the addon carry one of these codes. */
export interface NativeError extends Error {
  code: string;
}

export declare class NativeSession {
  constructor(config: NativeSessionConfig);
  readonly httpPort: number;
  listFiles(request: NativeListRequest): Promise<NativeFileEntry[]>;
  prepare(request: NativePrepareRequest): Promise<NativeStreamInfo>;
  cancel(opId: number): void;
  setEventsEnabled(enabled: boolean): void;
  /** false when no stream has this token. */
  addPeers(token: string, peers: string[]): boolean;
  /** The byte offset it moved to; -1 when no stream has this token. */
  notifyTime(token: string, seconds: number): number;
  /** 0 when no stream has this token. */
  openRead(token: string, first: number, last: number, follow: boolean): number;
  read(request: NativeReadRequest): Promise<Buffer>;
  closeRead(readId: number, completed: boolean): void;
  notifyPosition(token: string, byteOffset: number): boolean;
  release(token: string): boolean;
  stats(token: string): NativeStreamStats | undefined;
  evict(): Promise<NativeEvictResult>;
  close(): Promise<void>;
  /** For tests: torrents the session knows, and torrents its libtorrent session holds. */
  debugTorrentCounts(): { session: number; libtorrent: number };
}

export interface NativeBuildInfo {
  openssl: string;
  selfContained: boolean;
  systemCaBundle: string;
  peerQueueCap: boolean;
}

export interface NativeBinding {
  NativeSession: typeof NativeSession;
  libtorrentVersion: string;
  build: NativeBuildInfo;
}
