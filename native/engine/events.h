// Stream events (README, Events): what reads, the watchdog and the swarm report, queued from any
// engine thread and handed to the binding in batches. Nothing is built while no one listens.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace vozduxan {

enum class EventKind {
  ReadStarted,
  ReadCompleted,
  ReadCancelled,
  ReadFailed,
  LoadSlow,
  Stalled,
  Moving,
  PieceVerified,
  PeersChanged,
  PrebufferProgress,
};

/// Why a read ended early (seed 004's classification).
enum class CancelReason { Seek, Release, Close, Client, WriteStall };

const char* eventName(EventKind kind);
const char* cancelReasonName(CancelReason reason);

/// One event; which fields mean something depends on `kind` (README, Events).
struct EngineEvent {
  EventKind kind = EventKind::ReadStarted;
  std::string token;
  std::uint64_t requestId = 0;  // reads only; 0: none
  double atMs = 0;              // steady clock, ms: monotonic, comparable within the process
  std::int64_t rangeStart = 0;  // readStarted: the bytes asked for, inclusive
  std::int64_t rangeEnd = 0;
  double waitInQueueMs = 0;  // readStarted: from the request to its first byte
  std::int64_t bytes = 0;    // readCompleted, readCancelled
  double durationMs = 0;     // readCompleted
  double bandwidthBps = 0;   // readCompleted
  std::string reason;        // readCancelled: seek, release, close, client or beforeStart
  std::string cause;         // readCancelled beforeStart: what ended it (seek, release, ...)
  std::string code;          // readFailed: an error code (errors.h)
  bool retryable = false;    // readFailed
  double elapsedMs = 0;      // loadSlow: waited so far; stalled: without motion
  int piece = -1;            // loadSlow: the piece waited for
  std::vector<int> pieces;   // pieceVerified: this file's pieces verified since the last batch
  int pendingOps = 0;        // stalled: prepares waiting on the stream
  std::vector<int> awaitedPieces;  // stalled: pieces readers wait for
  int peers = 0;                   // stalled, peersChanged
  int seeds = 0;                   // peersChanged
  std::string state;               // stalled: the stream's state (stats())
  double fraction = 0;             // prebufferProgress: 0..1
};

double eventClockMs();

/// Thread-safe. The sink is told (once per batch) that events wait; it takes them with take(),
/// from any thread, so every event queued before take() leaves in one batch.
class EventHub {
 public:
  using Notify = std::function<void()>;

  explicit EventHub(Notify notify = {}) : notify_(std::move(notify)) {}

  /// Whether anyone listens; emit() drops events while not. Any thread.
  void setEnabled(bool enabled) { enabled_.store(enabled); }
  bool enabled() const { return enabled_.load(std::memory_order_relaxed); }
  /// Per session, from 1.
  std::uint64_t nextRequestId() { return nextRequestId_.fetch_add(1) + 1; }

  void emit(EngineEvent event);
  std::vector<EngineEvent> take();

 private:
  const Notify notify_;
  std::atomic<bool> enabled_{false};
  std::atomic<std::uint64_t> nextRequestId_{0};
  std::mutex mu_;
  std::vector<EngineEvent> queued_;
  bool notified_ = false;  // a batch is announced and not yet taken
};

}  // namespace vozduxan
