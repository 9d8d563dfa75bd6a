// What the session's status tick reports about each open stream, as events: the hang watchdog
// (stalled / moving), peer-count changes and the pieces verified since the last tick (batched:
// one event per stream and tick, not one per piece). Pure bookkeeping over what the tick saw;
// the session's lock guards it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/events.h"

namespace vozduxan {

/// One stream as the tick sees it.
struct WatchedStream {
  std::string token;
  std::string torrentKey;
  int firstPiece = 0;
  int lastPiece = 0;
  /// Readers parked on its pieces, or a prepare filling its prebuffer.
  bool hasWork = false;
  /// Any counter that moves when blocks or pieces arrive.
  std::int64_t motion = 0;
  int pendingOps = 0;
  std::vector<int> awaitedPieces;
  int peers = 0;
  int seeds = 0;
  std::string state;
};

class StreamWatch {
 public:
  using Clock = std::chrono::steady_clock;

  explicit StreamWatch(std::chrono::milliseconds hangTimeout) : hangTimeout_(hangTimeout) {}

  /// libtorrent verified a piece of this torrent (reported at the next observe()).
  void pieceVerified(const std::string& torrentKey, int piece);
  /// One tick over every open stream; streams not listed are forgotten.
  std::vector<EngineEvent> observe(Clock::time_point now,
                                   const std::vector<WatchedStream>& streams);

 private:
  struct State {
    std::int64_t motion = 0;
    Clock::time_point lastMotion;
    bool stalled = false;
    int peers = -1;
    int seeds = -1;
  };
  void watchdog(Clock::time_point now, const WatchedStream& stream, State& state,
                std::vector<EngineEvent>& out) const;

  const std::chrono::milliseconds hangTimeout_;
  std::map<std::string, State> byToken_;
  std::map<std::string, std::vector<int>> verified_;  // by torrent key, since the last tick
};

}  // namespace vozduxan
