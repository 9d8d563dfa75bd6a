/** A libtorrent setting value, by its settings_pack name (see libtorrent's reference). */
export type SettingValue = string | number | boolean;

/** Options for {@link Session.create}. */
export interface SessionConfig {
  /** Folder for downloaded pieces and cached metadata. Created if missing; its parent must exist. */
  storagePath: string;
  /** Cache size cap enforced by `evict()`, in bytes. 0 or absent: 50 GB. */
  cacheMaxBytes?: number;
  /** Idle torrents older than this are removed by `evict()`, in seconds. 0 or absent: 3600. */
  cacheTtlSecs?: number;
  /** BitTorrent listen port. 0 or absent: the OS picks one. */
  listenPort?: number;
  /** Default time to wait for a magnet's metadata, in ms. Absent: 90 000. */
  metadataTimeoutMs?: number;
  /** How long a prepare may go without receiving any data before it fails, in ms. Absent: 120 000. */
  bufferTimeoutMs?: number;
  /**
   * How long a torrent nothing uses (only listed, or whose calls all ended without a stream)
   * stays in libtorrent with its peers before it is removed, in ms, so that a `prepare` which
   * follows a `listFiles` (say from the `.torrent` bytes alone) still has its swarm.
   * 0: removed at once. Absent: 60 000.
   */
  unusedTorrentLingerMs?: number;
  /**
   * A read waiting this long for a piece emits `loadSlow` (once per read) and goes on waiting,
   * in ms. Absent: 2 000.
   */
  softTimeoutMs?: number;
  /**
   * The hang watchdog: a stream with work (parked readers, a prebuffer to fill) and no block or
   * piece arriving for this long emits `stalled`, then `moving` when motion resumes, in ms.
   * Absent: 60 000.
   */
  hangTimeoutMs?: number;
  /**
   * The data saver, for metered links: no piece is wanted that starts more than this many
   * seconds of audio past the stream's position (the player's last `notifyPosition` or
   * `notifyTime`, or the start of its last Range request), nor any piece behind it. A reader
   * that reaches bytes past the cap waits until the position moves (see `readAheadStaleMs`).
   * The seconds become bytes through the file's byte rate (its header or index, else typical
   * for its type). A `prepare` may set its own. A finite number > 0 (at most 1e9); absent:
   * unlimited, the engine downloads the whole file while it plays. Costs: while the window is
   * full nothing is wanted, so we are not interested in the peers, and a peer may give our
   * upload slot to someone else; a seek past the window can then wait for an unchoke (aria2 and
   * Transmission re-decide every 10 s). See the README, Data saver.
   */
  maxReadAheadSecs?: number;
  /**
   * With `maxReadAheadSecs`: once the player has not reported a position (no `notifyPosition`,
   * no `notifyTime`, no new Range request) for this long, a reader waiting past the cap no
   * longer waits: the window moves to it, and follows it until the next report. In ms;
   * 0 or absent: 3 000.
   */
  readAheadStaleMs?: number;
  /**
   * libtorrent settings by settings_pack name, applied over the engine's defaults, e.g.
   * `{ enable_dht: false, listen_interfaces: '127.0.0.1:0' }`. Unknown names reject with BAD_INPUT.
   */
  settings?: Record<string, SettingValue>;
  /**
   * A PEM file of CA certificates to trust for `https://` trackers, besides the system's CAs
   * (found at run time in the usual places: Debian, Fedora, SUSE, Alpine). Process-wide: one
   * OpenSSL serves every session, so a CA given to one session is trusted by later ones too.
   * A source build (the system's OpenSSL) applies it by setting `SSL_CERT_FILE` in the process
   * environment; the prebuilt addon leaves the environment alone.
   */
  caFile?: string;
  /**
   * Open connections the local HTTP server keeps at most. Past it, the connection idle the
   * longest (no response in flight) is closed to make room; when every one is serving, the new
   * connection is closed at once. 0 or absent: 256.
   */
  httpMaxConnections?: number;
  /**
   * A request header must arrive in full within this after the connection opens (or, on a
   * keep-alive connection, after its first byte), in ms; else the connection is closed.
   * 0 or absent: 10 000.
   */
  httpHeaderTimeoutMs?: number;
  /** A keep-alive connection with no request in flight is closed after this, in ms. 0 or absent: 30 000. */
  httpIdleTimeoutMs?: number;
  /**
   * A response whose client reads nothing for this long is ended (a paused player that holds
   * its connection), in ms; the player asks again with a Range when it resumes. 0 or absent: 60 000.
   */
  httpWriteStallTimeoutMs?: number;
  /**
   * Origins whose pages may read streams through `fetch`, XHR or Web Audio, e.g.
   * `['app://player', 'http://localhost:5173']`, compared exactly with the request's `Origin`.
   * Only those get `Access-Control-Allow-Origin` (and a preflight answer); every other origin
   * gets no CORS headers. Absent or empty: no CORS at all. An `<audio src>` needs none.
   */
  allowedOrigins?: string[];
  /**
   * Engine log lines, delivered on the JS thread (peer-connect noise filtered out).
   * @param message one log line.
   */
  onLog?: (message: string) => void;
}

/** Identifies a torrent: a magnet, .torrent bytes, or both, plus optional direct peers. */
export interface TorrentInput {
  /** A magnet URI (`magnet:?xt=urn:btih:...`); its `tr=` trackers and `x.pe=` peers are used. */
  magnet?: string;
  /** The .torrent file's bytes. With these, metadata is available at once. */
  torrent?: Uint8Array;
  /** Peers to connect to directly, as `'127.0.0.1:6881'` or `'[::1]:6881'`. */
  peers?: string[];
}

/** Options for {@link Session.listFiles}. */
export interface ListFilesOptions extends TorrentInput {
  /** Overrides the session's metadata timeout for this call, in ms. */
  metadataTimeoutMs?: number;
  /** Aborting rejects the call with CANCELLED. */
  signal?: AbortSignal;
}

/** One file of a torrent. */
export interface FileEntry {
  /** The index to pass to `prepare` as `fileIndex`. */
  index: number;
  /** Path inside the torrent, e.g. `Album/01 - Intro.flac`. */
  name: string;
  /** MIME type from the extension, e.g. `audio/flac`. */
  mime: string;
  /** Size in bytes. */
  size: number;
}

/** Options for {@link Session.prepare}. */
export interface PrepareOptions extends TorrentInput {
  /** Which file of the torrent to stream (see `listFiles`). */
  fileIndex: number;
  /**
   * `true` (default): active playback; cancels any in-flight main prepare on the same torrent.
   * `false`: a prefetch that warms the file without disturbing current streams.
   */
  main?: boolean;
  /** Overrides the session's metadata timeout for this call, in ms. */
  metadataTimeoutMs?: number;
  /**
   * This stream's data-saver cap in seconds of audio, in place of the session's
   * `maxReadAheadSecs` (a finite number > 0, at most 1e9). Absent: the session's. It can set a
   * cap or change the session's, not lift it.
   */
  maxReadAheadSecs?: number;
  /**
   * Prebuffer progress on the JS thread.
   * @param fraction how much of the prebuffer is verified, 0..1.
   * @param status `resolving metadata`, `checking files`, `buffering` or `ready`.
   */
  onProgress?: (fraction: number, status: string) => void;
  /** Aborting stops the native wait, releases what the call started, and rejects with CANCELLED. */
  signal?: AbortSignal;
}

/** A ready stream. */
export interface StreamInfo {
  /** `http://127.0.0.1:PORT/stream/TOKEN`, for an `<audio>` element or any HTTP client. */
  url: string;
  /** Identifies the stream in `notifyPosition`, `stats` and `release`. */
  token: string;
  /** The file's size in bytes. */
  fileSize: number;
  /** The file's MIME type. */
  mimeType: string;
  /** How many bytes from the start of the file were verified before this resolved. */
  prebufferBytes: number;
  /** The track's duration in seconds, from the file's own header, when it was local at prepare. */
  durationSecs?: number;
}

/** Live numbers for a stream's status popup. */
export interface StreamStats {
  /** Torrent download rate, bytes per second. */
  downloadRate: number;
  /** Torrent upload rate, bytes per second. */
  uploadRate: number;
  /** Connected peers. */
  numPeers: number;
  /** Connected seeds. */
  numSeeds: number;
  /** The scheduling position in the file, in bytes (player position or last read). */
  position: number;
  /** Verified bytes available from the position onward, without a gap. */
  bufferedAhead: number;
  /** The file's size in bytes. */
  fileSize: number;
  /** Pieces of this file already verified. */
  piecesHad: number;
  /** Pieces this file spans. */
  piecesTotal: number;
  /** First piece (torrent-relative) of the deadline window, -1 before scheduling. */
  windowFirst: number;
  /** Last piece of the deadline window, -1 before scheduling. */
  windowLast: number;
  /** Seek generation: bumps on every HTTP request for this stream. */
  generation: number;
  /** How many times the position jumped outside the window. */
  seeks: number;
  /** Whether the stream was prepared as main playback. */
  main: boolean;
  /** `buffering` (nothing ahead), `streaming`, or `complete` (whole file verified). */
  state: 'buffering' | 'streaming' | 'complete';
}

/** What {@link Session.evict} removed. */
export interface EvictResult {
  /** Torrents removed from the session and the disk. */
  removedTorrents: number;
  /** Bytes freed on disk. */
  freedBytes: number;
  /** Bytes the cache holds afterwards. */
  cacheBytes: number;
}

/** What the loaded addon was built with (see {@link buildInfo}). */
export interface BuildInfo {
  /** libtorrent-rasterbar's version, e.g. `2.0.8`. */
  libtorrent: string;
  /** The OpenSSL the addon carries (e.g. `OpenSSL 3.0.22 ...`), or `''` when it uses the system's. */
  openssl: string;
  /** True for the prebuilt addon: static libtorrent and OpenSSL, no system library needed. */
  selfContained: boolean;
  /** The system CA bundle found for HTTPS trackers, or `''` if none of the usual files exists. */
  systemCaBundle: string;
  /**
   * True when each peer connection's request pipeline is held at what its path needs (the
   * bandwidth-delay product plus one block) while playback keeps up, so a seek waits behind
   * little. Only a static libtorrent allows it: true for the prebuilt addon, false for a build
   * against a system libtorrent, which keeps a two-block pipeline instead.
   */
  peerQueueCap: boolean;
}
