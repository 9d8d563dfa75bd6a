// How far ahead a main stream asks the swarm for data, and how deep libtorrent's request
// pipeline runs, from how the main streams fare.
//
// Every requested block sits in front of the next seek: a seeder pushes what we asked for into
// its socket at once, and a cancel cannot recall it. So while the swarm outruns playback the
// look-ahead is bounded (a main stream wants only its next missing pieces, at most
// kBoundedAheadBytes, see scheduler.h) and the pipeline shallow (request_queue_time 0: two
// blocks per peer once libtorrent's slow start ends). A main stream that falls behind
// (download rate under 1.3x its byte rate with less than ten seconds buffered) opens the full
// tiers and a deep pipeline (one second of requests), which a slow or distant swarm needs for
// its full rate (with a read-ahead cap, 1.5 s or the cap buffered is enough: a link idle because
// the window is full is not a slow link, see read_ahead.h); so does a reader that waits two
// seconds of audio past the position of a player that never reported one (a bulk download: the
// bounded pipeline tops out near 0.8 MB/s on a libtorrent seeder, which answers each pair of
// requests 43 ms later; at 150 ms RTT a bulk GET of 9.6 MB at 1 MiB/s got 51-54 % of the link
// when this took ten seconds of audio, 75-80 % with two, the floor 90 %. Half a second gave 83 %,
// but a scrub's reads, 250 ms apart, then went deep between two Ranges: 2.07x the floor, not
// 0.92x).
//
// Where the build can hold each connection's pipeline at what its path needs (the
// bandwidth-delay product plus a block, peer_queue_cap.h: the prebuilt addon), a stream that
// keeps up gets the deep request_queue_time under that window instead of two blocks: a long path
// then gets its full rate without falling behind first, and slow start queues no more than the
// path holds in front of a seek.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/config.h"

namespace vozduxan {

/// A stream's own download rate: bytes of its file received over the last few seconds.
/// libtorrent's payload rate lags by seconds (0, then a fraction of the link, measured here).
class RateMeter {
 public:
  using Clock = std::chrono::steady_clock;
  /// `totalBytes` only grows; a smaller count (the torrent was re-added) starts afresh. History
  /// starts at the first sample with bytes in it.
  void add(Clock::time_point now, std::int64_t totalBytes);
  /// Bytes/s over the window; negative while the history is shorter than two seconds.
  double rate() const;

 private:
  std::deque<std::pair<Clock::time_point, std::int64_t>> samples_;
};

struct PacingInput {
  double downloadRate = -1;        // bytes/s (RateMeter); negative while unknown
  double byteRate = 0;             // bytes/s of playback; 0 while unknown
  std::int64_t bufferedAhead = 0;  // verified bytes from the position on
  bool complete = false;           // every piece of the file is here
  bool playerReports = false;      // the player reports its position (notifyPosition)
  std::int64_t readerAhead = -1;   // bytes past the position where a reader waits; -1: none
  double readAheadSecs = 0;        // the data saver's cap (read_ahead.h); 0: none
};

/// While a main stream keeps up it wants only this much from its first missing piece on (at
/// least one piece). A young connection's slow start fills its queue with every wanted block,
/// so with small pieces this is what sits in front of a seek (64 KiB pieces at 1 MiB/s, seek
/// to 50 %: 1.50-1.71x the floor with 128 KiB, 1.13-1.42x with 64 KiB).
constexpr int kBoundedAheadBytes = 64 * 1024;
constexpr int kShallowQueueSeconds = 0;
// libtorrent's queue is this many seconds of the peer's rate: one second covers any round trip
// under a second (the rate the queue is sized from then grows to the link's), and puts a third of
// the default's three seconds of requests in front of the next seek (1 MiB pieces at 256 KiB/s,
// 150 ms RTT, a seek right after the first byte: 1.33x the floor with 3 s, 1.12x with 1 s).
constexpr int kDeepQueueSeconds = 1;

/// libtorrent's request_queue_time while every main stream keeps up: shallow, or deep where each
/// connection's window holds the pipeline (peer_queue_cap.h).
constexpr int keepingUpQueueSeconds(bool windowed) {
  return windowed ? kDeepQueueSeconds : kShallowQueueSeconds;
}

/// Whether every main stream keeps up: bounded look-ahead and a shallow pipeline.
bool keepingUp(const std::vector<PacingInput>& mainStreams);

/// The pacing mode across status ticks: each main stream's RateMeter and what they add up to.
class RequestPacer {
 public:
  using Clock = RateMeter::Clock;

  /// One main stream at a status tick. `input.downloadRate` is the pacer's to fill.
  struct Sample {
    std::string token;
    std::int64_t fileBytes = -1;  // bytes of its file received so far; negative: unknown
    PacingInput input;
  };

  /// The depth of libtorrent's request pipeline stays the caller's if they set it. `windowed`:
  /// each connection's pipeline can be held at its path's need (peer_queue_cap.h), so a stream
  /// that keeps up gets the deep request_queue_time under that window instead of two blocks.
  explicit RequestPacer(const SessionConfig& config, bool windowed = false);

  /// Returns true when the mode flipped: every torrent's look-ahead changes, and
  /// requestQueueSeconds() says the pipeline depth to apply.
  bool update(Clock::time_point now, std::vector<Sample> mainStreams);
  bool keepingUp() const { return keepingUp_; }
  /// libtorrent's request_queue_time for the current mode; nullopt when the caller owns it.
  std::optional<int> requestQueueSeconds() const;
  /// Whether each connection's pipeline is held at its path's need now (peer_queue_cap.h).
  bool capsPeerQueues() const { return windowed_ && keepingUp_; }
  /// How many missing pieces from its position a stream wants; 0: the full tiers.
  int aheadPieces(bool main, int pieceLength) const;

 private:
  bool ownsQueueDepth_ = true;
  bool windowed_ = false;
  bool keepingUp_ = true;
  std::map<std::string, RateMeter> meters_;  // by token
};

}  // namespace vozduxan
