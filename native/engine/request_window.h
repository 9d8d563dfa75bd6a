// How many block requests one peer connection needs in flight: the bandwidth-delay product of
// its path plus one block, measured from its own requests and the blocks that answer them.
//
// Every block in flight sits in front of the next seek's first block, and libtorrent's slow
// start adds one request per block received until the rate stops rising, which on a young
// connection queues the whole look-ahead (issue 18: a seek right after the first byte was
// 1.3-1.8x the floor). More than the bandwidth-delay product buys no rate: the link is already
// busy. Fewer starves a long path. So the window follows the path: a block's latency against the
// least latency seen says whether requests queue (the link is full) or not (the window may grow).
#pragma once

#include <chrono>
#include <deque>

namespace vozduxan {

class RequestWindow {
 public:
  using Clock = std::chrono::steady_clock;

  /// libtorrent never asks for fewer than two blocks at a time.
  static constexpr int kMinBlocks = 2;
  /// Requests older than this are forgotten (a seeder that dropped them, a lost reject).
  static constexpr auto kForgetAfter = std::chrono::seconds(30);

  /// A request for (piece, start) went out at `now`.
  void sent(int piece, int start, Clock::time_point now);
  /// The block (piece, start) came in at `now`. Returns false when it answers no request we saw.
  bool arrived(int piece, int start, Clock::time_point now);
  /// A request that will not be answered: cancelled or rejected.
  void forget(int piece, int start);
  /// The peer choked us: every request in flight is void.
  void clear() { inFlight_.clear(); }

  /// Blocks to keep in flight; 0 until a block has answered a request.
  int blocks() const { return blocks_; }
  /// Requests in flight now.
  int inFlight() const { return static_cast<int>(inFlight_.size()); }
  /// Seconds a block takes to come back, from its request or from the block before it,
  /// whichever is later (a moving average: the link's time per block once it is busy); negative
  /// until a block has answered a request. libtorrent's rates say what was asked of a peer, not
  /// what it can give (a bounded stream asks little), and its queue time rounds to zero.
  double secsPerBlock() const { return secsPerBlock_; }

 private:
  struct Request {
    int piece;
    int start;
    Clock::time_point sentAt;
    int queuedAtSend;  // requests in flight when it went out, itself included
  };
  std::deque<Request>::iterator find(int piece, int start);

  std::deque<Request> inFlight_;
  Clock::duration minLatency_ = Clock::duration::max();
  int blocks_ = 0;
  Clock::time_point lastArrival_{};
  double secsPerBlock_ = -1;
};

}  // namespace vozduxan
