#include "engine/read_record.h"

#include <algorithm>

namespace vozduxan {

void ReadRecord::begin(EventHub* hub, std::string token, std::int64_t first, std::int64_t last) {
  if (open_) cancel(CancelReason::Client);
  hub_ = hub && hub->enabled() ? hub : nullptr;
  token_ = std::move(token);
  requestId_ = hub_ ? hub_->nextRequestId() : 0;
  first_ = first;
  last_ = last;
  bytes_ = 0;
  begun_ = Clock::now();
  parkedAt_.reset();
  parkedPiece_ = -1;
  open_ = true;
  started_ = false;
  slowReported_ = false;
}

double ReadRecord::sinceBeginMs() const {
  return std::chrono::duration<double, std::milli>(Clock::now() - begun_).count();
}

EngineEvent ReadRecord::event(EventKind kind) const {
  EngineEvent event;
  event.kind = kind;
  event.token = token_;
  event.requestId = requestId_;
  return event;
}

void ReadRecord::started() {
  if (!open_ || started_) return;
  started_ = true;
  if (!hub_) return;
  EngineEvent e = event(EventKind::ReadStarted);
  e.rangeStart = first_;
  e.rangeEnd = last_;
  e.waitInQueueMs = sinceBeginMs();
  hub_->emit(std::move(e));
}

void ReadRecord::parked(int piece) {
  if (!open_ || parkedAt_) return;
  parkedAt_ = Clock::now();
  parkedPiece_ = piece;
}

void ReadRecord::checkSlow(std::chrono::milliseconds softTimeout, bool held) {
  if (held) {
    if (parkedAt_) parkedAt_ = Clock::now();
    return;
  }
  if (!open_ || !parkedAt_ || slowReported_ || !hub_) return;
  const double waited =
      std::chrono::duration<double, std::milli>(Clock::now() - *parkedAt_).count();
  if (waited < static_cast<double>(softTimeout.count())) return;
  slowReported_ = true;
  EngineEvent e = event(EventKind::LoadSlow);
  e.elapsedMs = waited;
  e.piece = parkedPiece_;
  hub_->emit(std::move(e));
}

void ReadRecord::complete() {
  if (!open_) return;
  open_ = false;
  if (!hub_) return;
  EngineEvent e = event(EventKind::ReadCompleted);
  e.bytes = bytes_;
  e.durationMs = sinceBeginMs();
  // A read served from what was already local can take no measurable time.
  e.bandwidthBps = static_cast<double>(bytes_) * 1000.0 / std::max(e.durationMs, 0.001);
  hub_->emit(std::move(e));
}

void ReadRecord::cancel(CancelReason reason) {
  if (!open_) return;
  open_ = false;
  if (!hub_) return;
  EngineEvent e = event(EventKind::ReadCancelled);
  e.bytes = bytes_;
  if (started_) {
    e.reason = cancelReasonName(reason);
  } else {
    e.reason = "beforeStart";
    e.cause = cancelReasonName(reason);
  }
  hub_->emit(std::move(e));
}

void ReadRecord::fail(const std::string& code, bool retryable) {
  if (!open_) return;
  open_ = false;
  if (!hub_) return;
  EngineEvent e = event(EventKind::ReadFailed);
  e.code = code;
  e.retryable = retryable;
  e.bytes = bytes_;
  hub_->emit(std::move(e));
}

}  // namespace vozduxan
