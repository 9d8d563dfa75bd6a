#include "engine/request_window.h"

#include <algorithm>
#include <cmath>

namespace vozduxan {
namespace {

// A block that queued behind this many others on the path says the link is full: the window is
// then the bandwidth-delay product plus one block, which keeps it full.
constexpr double kQueuedBlocksOfAFullLink = 1.0;
// What slow start needs to go on: the block just received replaced, one more, and one because
// libtorrent applies a new ceiling from its next block on (the sends right after this block
// still see the one before).
constexpr int kSlowStartStep = 3;
constexpr int kMaxBlocks = 2000;  // libtorrent's own ceiling on a peer's request queue
// The newest block's weight in the time per block.
constexpr double kPerBlockWeight = 0.25;

}  // namespace

std::deque<RequestWindow::Request>::iterator RequestWindow::find(int piece, int start) {
  return std::find_if(inFlight_.begin(), inFlight_.end(),
                      [&](const Request& r) { return r.piece == piece && r.start == start; });
}

void RequestWindow::sent(int piece, int start, Clock::time_point now) {
  while (!inFlight_.empty() && now - inFlight_.front().sentAt > kForgetAfter) {
    inFlight_.pop_front();
  }
  inFlight_.push_back({piece, start, now, static_cast<int>(inFlight_.size()) + 1});
}

bool RequestWindow::arrived(int piece, int start, Clock::time_point now) {
  const auto it = find(piece, start);
  if (it == inFlight_.end()) return false;
  const Request request = *it;
  inFlight_.erase(it);
  const Clock::duration latency = std::max(now - request.sentAt, Clock::duration(1));
  minLatency_ = std::min(minLatency_, latency);
  const double took =
      std::chrono::duration<double>(now - std::max(request.sentAt, lastArrival_)).count();
  secsPerBlock_ =
      secsPerBlock_ < 0 ? took : secsPerBlock_ + kPerBlockWeight * (took - secsPerBlock_);
  lastArrival_ = now;
  // Little's law: the requests queued with this block all came in within its latency, so the
  // path delivers queuedAtSend blocks per latency; over the least latency that is the product.
  const double ratio = std::chrono::duration<double>(latency).count() /
                       std::chrono::duration<double>(minLatency_).count();
  const double product = request.queuedAtSend / ratio;
  const int fits = static_cast<int>(std::ceil(product)) + 1;
  // Less than a block queued behind the path: the link has room, and libtorrent's slow start
  // may go on (one more request per block received doubles the window per round trip).
  const bool room = request.queuedAtSend - product < kQueuedBlocksOfAFullLink;
  const int growing = room ? inFlight() + kSlowStartStep : 0;
  blocks_ = std::clamp(std::max(fits, growing), kMinBlocks, kMaxBlocks);
  return true;
}

void RequestWindow::forget(int piece, int start) {
  const auto it = find(piece, start);
  if (it != inFlight_.end()) inFlight_.erase(it);
}

}  // namespace vozduxan
