// Plain configuration and request types shared by the engine and the binding.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "engine/read_ahead.h"

namespace vozduxan {

using SettingValue = std::variant<std::string, std::int64_t, bool>;

/// Limits of the localhost HTTP server (README, HTTP).
struct HttpLimits {
  /// Open connections at most; past it the longest-idle one (no response in flight) is closed
  /// to make room, or, when every one is serving, the new one is closed at once.
  int maxConnections = 256;
  /// A request's header must arrive in full within this, counted from its first byte (or from
  /// the connection's start).
  std::chrono::milliseconds headerTimeout{10'000};
  /// A keep-alive connection with no request in flight is closed after this.
  std::chrono::milliseconds idleTimeout{30'000};
  /// A response whose client reads nothing for this long is ended.
  std::chrono::milliseconds writeStallTimeout{60'000};
  /// Origins that get CORS headers (exact match with the Origin header); empty: none does.
  std::vector<std::string> allowedOrigins;
  /// A read waiting this long for a piece reports loadSlow (once) and goes on waiting.
  std::chrono::milliseconds softTimeout{2'000};
  /// A response waiting this long for one piece ends (readFailed BUFFER_TIMEOUT, retryable):
  /// the session's bufferTimeout.
  std::chrono::milliseconds parkTimeout{120'000};
};

struct SessionConfig {
  std::string storagePath;
  std::uint64_t cacheMaxBytes = 0;  // 0 → 50 GB
  std::uint32_t cacheTtlSecs = 0;   // 0 → 3600 s
  int listenPort = 0;               // 0 → OS picks
  std::chrono::milliseconds metadataTimeout{90'000};
  std::chrono::milliseconds bufferTimeout{120'000};
  /// A torrent nothing uses (only listed, or its calls ended) stays in libtorrent this long, with
  /// its peers, so a prepare that follows, say from .torrent bytes alone, still has a swarm.
  std::chrono::milliseconds unusedTorrentLinger{60'000};
  /// libtorrent settings by settings_pack name, applied after our defaults.
  std::vector<std::pair<std::string, SettingValue>> settings;
  /// Extra CA certificates (PEM) for HTTPS trackers; "" → only the system's.
  std::string caFile;
  HttpLimits http;
  /// A stream with work (parked readers, a prebuffer to fill) and no block, piece or byte
  /// arriving for this long reports `stalled` (the hang watchdog).
  std::chrono::milliseconds hangTimeout{60'000};
  /// The data saver (read_ahead.h): no piece is wanted more than this many seconds of audio past
  /// the position; 0: unlimited.
  double maxReadAheadSecs = 0;
  /// With the cap, a player silent this long no longer holds back a reader parked past it.
  std::chrono::milliseconds readAheadStale = kDefaultReadAheadStale;
  /// Called from engine threads when events wait (once per batch): the binding then takes them
  /// (Session::takeEvents) on the JS thread.
  std::function<void()> eventsWaiting;
  /// Called from engine threads; the binding forwards it to the JS thread.
  std::function<void(const std::string&)> log;
};

/// What identifies a torrent: a magnet, .torrent bytes, or both, plus direct peers.
struct TorrentInput {
  std::string magnet;
  std::vector<char> torrent;
  std::vector<std::string> peers;
};

struct FileEntry {
  int index = 0;
  std::string name;
  std::string mime;
  std::int64_t size = 0;
};

struct PrepareRequest {
  TorrentInput input;
  int fileIndex = 0;
  bool main = true;
  std::chrono::milliseconds metadataTimeout{0};  // 0 → session default
  double maxReadAheadSecs = 0;                   // 0 → session default
};

struct StreamInfo {
  std::string url;
  std::string token;
  std::int64_t fileSize = 0;
  std::string mimeType;
  std::int64_t prebufferBytes = 0;
  double durationSecs = 0;  // 0: not known (yet)
};

struct StreamStats {
  std::int64_t downloadRate = 0;
  std::int64_t uploadRate = 0;
  int numPeers = 0;
  int numSeeds = 0;
  std::int64_t position = 0;
  std::int64_t bufferedAhead = 0;
  std::int64_t fileSize = 0;
  int piecesHad = 0;
  int piecesTotal = 0;
  int windowFirst = -1;  // first and last TIER1 piece, torrent-relative
  int windowLast = -1;
  std::uint64_t generation = 0;
  std::uint64_t seeks = 0;
  bool main = true;
  std::string state;  // "buffering" | "streaming" | "complete"
};

struct EvictResult {
  int removedTorrents = 0;
  std::uint64_t freedBytes = 0;
  std::uint64_t cacheBytes = 0;
};

}  // namespace vozduxan
