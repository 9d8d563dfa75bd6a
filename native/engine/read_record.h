// The life of one read (an HTTP response's body, or a read without HTTP) as events: started at
// its first byte, then exactly one of completed, cancelled (with a reason) or failed; and one
// loadSlow if it waits too long for a piece. Used from one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "engine/events.h"

namespace vozduxan {

class ReadRecord {
 public:
  using Clock = std::chrono::steady_clock;

  /// A new read of [first, last] of `token`'s file; ends the previous one as cancelled (client)
  /// if it was still open. hub may be null: then nothing is reported.
  void begin(EventHub* hub, std::string token, std::int64_t first, std::int64_t last);
  bool open() const { return open_; }
  std::uint64_t requestId() const { return requestId_; }

  /// Bytes are ready to leave: the first call reports readStarted.
  void started();
  /// Bytes the reader took.
  void add(std::int64_t bytes) { bytes_ += bytes; }
  /// It waits for `piece` from now (once per wait).
  void parked(int piece);
  void unparked() { parkedAt_.reset(); }
  /// How long it has waited for its piece so far; nullopt while not waiting.
  std::optional<Clock::duration> parkedFor() const {
    if (!parkedAt_) return std::nullopt;
    return Clock::now() - *parkedAt_;
  }
  /// The piece it waits for; -1 while not waiting.
  int parkedPiece() const { return parkedAt_ ? parkedPiece_ : -1; }
  /// loadSlow once per read, when it has waited at least `softTimeout` for a piece. `held`: the
  /// read-ahead cap holds the piece back (the window, not the link, keeps it waiting): its wait
  /// starts again, so neither loadSlow nor a park time-out counts the time held.
  void checkSlow(std::chrono::milliseconds softTimeout, bool held = false);

  void complete();
  void cancel(CancelReason reason);
  void fail(const std::string& code, bool retryable);

 private:
  EngineEvent event(EventKind kind) const;
  double sinceBeginMs() const;

  EventHub* hub_ = nullptr;
  std::string token_;
  std::uint64_t requestId_ = 0;
  std::int64_t first_ = 0;
  std::int64_t last_ = 0;
  std::int64_t bytes_ = 0;
  Clock::time_point begun_;
  std::optional<Clock::time_point> parkedAt_;
  int parkedPiece_ = -1;
  bool open_ = false;
  bool started_ = false;
  bool slowReported_ = false;
};

}  // namespace vozduxan
