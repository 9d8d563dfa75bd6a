// Types of the raw native addon (build/Release/vozduxan.node). Nothing more: the
// idiomatic API lives in lib/.

export type NativeSettingValue = string | number | boolean;

export interface NativeSessionConfig {
  storagePath: string;
  cacheMaxBytes?: number;
  cacheTtlSecs?: number;
  listenPort?: number;
  metadataTimeoutMs?: number;
  bufferTimeoutMs?: number;
  settings?: Record<string, NativeSettingValue>;
  onLog?: (message: string) => void;
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

export interface NativePrepareRequest extends NativeTorrentInput {
  opId: number;
  fileIndex: number;
  main?: boolean;
  metadataTimeoutMs?: number;
  onProgress?: (fraction: number, status: string) => void;
}

export interface NativeFileEntry {
  index: number;
  name: string;
  mime: string;
  size: number;
}

export interface NativeStreamInfo {
  url: string;
  token: string;
  fileSize: number;
  mimeType: string;
  prebufferBytes: number;
}

export interface NativeStreamStats {
  downloadRate: number;
  uploadRate: number;
  numPeers: number;
  numSeeds: number;
  position: number;
  bufferedAhead: number;
  fileSize: number;
  piecesHad: number;
  piecesTotal: number;
  windowFirst: number;
  windowLast: number;
  generation: number;
  seeks: number;
  main: boolean;
  state: 'buffering' | 'streaming' | 'complete';
}

export interface NativeEvictResult {
  removedTorrents: number;
  freedBytes: number;
  cacheBytes: number;
}

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
  notifyPosition(token: string, byteOffset: number): boolean;
  release(token: string): boolean;
  stats(token: string): NativeStreamStats | undefined;
  evict(): Promise<NativeEvictResult>;
  close(): Promise<void>;
}

export interface NativeBinding {
  NativeSession: typeof NativeSession;
  libtorrentVersion: string;
}
