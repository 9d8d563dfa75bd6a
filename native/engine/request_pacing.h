// How deep libtorrent's request pipeline runs (request_queue_time), from how the streams fare.
//
// Every queued block sits in front of the next seek: a seeder reads ahead what we asked for
// (libtorrent: up to half a second of its upload) and sends it even after our cancel. So while
// the swarm outruns playback the pipeline stays shallow (request_queue_time 0: two blocks per
// peer, plus the pieces with deadlines); only a main stream that falls behind (download rate
// under 1.3x its byte rate with less than ten seconds buffered) gets libtorrent's deep default,
// which high-latency peers need to reach their full rate.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

namespace vozduxan {

/// A stream's own download rate: verified bytes of its file over the last few seconds.
/// libtorrent's payload rate lags by seconds (0, then a fraction of the link, measured here).
class RateMeter {
 public:
  using Clock = std::chrono::steady_clock;
  void add(Clock::time_point now, std::int64_t verifiedBytes);
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
};

constexpr int kShallowQueueSeconds = 0;
constexpr int kDeepQueueSeconds = 3;  // libtorrent's default

/// request_queue_time for the session's main streams.
int requestQueueSeconds(const std::vector<PacingInput>& mainStreams);

}  // namespace vozduxan
