#include "engine/stream_watch.h"

#include <algorithm>
#include <set>

namespace vozduxan {

void StreamWatch::pieceVerified(const std::string& torrentKey, int piece) {
  verified_[torrentKey].push_back(piece);
}

void StreamWatch::watchdog(Clock::time_point now, const WatchedStream& stream, State& state,
                           std::vector<EngineEvent>& out) const {
  EngineEvent event;
  event.token = stream.token;
  if (stream.motion != state.motion || !stream.hasWork) {
    state.motion = stream.motion;
    state.lastMotion = now;
    // Motion again, or nothing waits any more: either way the stall is over.
    if (state.stalled) {
      state.stalled = false;
      event.kind = EventKind::Moving;
      out.push_back(std::move(event));
    }
    return;
  }
  if (state.stalled || now - state.lastMotion < hangTimeout_) return;
  state.stalled = true;
  event.kind = EventKind::Stalled;
  event.elapsedMs = std::chrono::duration<double, std::milli>(now - state.lastMotion).count();
  event.pendingOps = stream.pendingOps;
  event.awaitedPieces = stream.awaitedPieces;
  event.peers = stream.peers;
  event.state = stream.state;
  out.push_back(std::move(event));
}

std::vector<EngineEvent> StreamWatch::observe(Clock::time_point now,
                                              const std::vector<WatchedStream>& streams) {
  std::vector<EngineEvent> out;
  std::set<std::string> seen;
  for (const WatchedStream& stream : streams) {
    seen.insert(stream.token);
    auto [it, fresh] = byToken_.try_emplace(stream.token);
    State& state = it->second;
    if (fresh) {
      state.motion = stream.motion;
      state.lastMotion = now;
    }
    watchdog(now, stream, state, out);
    if (stream.peers != state.peers || stream.seeds != state.seeds) {
      state.peers = stream.peers;
      state.seeds = stream.seeds;
      EngineEvent event;
      event.kind = EventKind::PeersChanged;
      event.token = stream.token;
      event.peers = stream.peers;
      event.seeds = stream.seeds;
      out.push_back(std::move(event));
    }
    auto verified = verified_.find(stream.torrentKey);
    if (verified == verified_.end()) continue;
    EngineEvent event;
    event.kind = EventKind::PieceVerified;
    event.token = stream.token;
    for (int piece : verified->second) {
      if (piece >= stream.firstPiece && piece <= stream.lastPiece) event.pieces.push_back(piece);
    }
    if (event.pieces.empty()) continue;
    std::sort(event.pieces.begin(), event.pieces.end());
    event.pieces.erase(std::unique(event.pieces.begin(), event.pieces.end()), event.pieces.end());
    out.push_back(std::move(event));
  }
  verified_.clear();
  for (auto it = byToken_.begin(); it != byToken_.end();) {
    it = seen.count(it->first) ? std::next(it) : byToken_.erase(it);
  }
  return out;
}

}  // namespace vozduxan
