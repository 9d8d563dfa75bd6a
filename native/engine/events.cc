#include "engine/events.h"

namespace vozduxan {

const char* eventName(EventKind kind) {
  switch (kind) {
    case EventKind::ReadStarted:
      return "readStarted";
    case EventKind::ReadCompleted:
      return "readCompleted";
    case EventKind::ReadCancelled:
      return "readCancelled";
    case EventKind::ReadFailed:
      return "readFailed";
    case EventKind::LoadSlow:
      return "loadSlow";
    case EventKind::Stalled:
      return "stalled";
    case EventKind::Moving:
      return "moving";
    case EventKind::PieceVerified:
      return "pieceVerified";
    case EventKind::PeersChanged:
      return "peersChanged";
    case EventKind::PrebufferProgress:
      return "prebufferProgress";
  }
  return "unknown";
}

const char* cancelReasonName(CancelReason reason) {
  switch (reason) {
    case CancelReason::Seek:
      return "seek";
    case CancelReason::Release:
      return "release";
    case CancelReason::Close:
      return "close";
    case CancelReason::Client:
      return "client";
    case CancelReason::WriteStall:
      return "writeStall";
  }
  return "client";
}

double eventClockMs() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void EventHub::emit(EngineEvent event) {
  if (!enabled()) return;
  if (event.atMs == 0) event.atMs = eventClockMs();
  bool announce = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    queued_.push_back(std::move(event));
    announce = !notified_;
    notified_ = true;
  }
  if (announce && notify_) notify_();
}

std::vector<EngineEvent> EventHub::take() {
  std::lock_guard<std::mutex> lock(mu_);
  notified_ = false;
  std::vector<EngineEvent> batch;
  batch.swap(queued_);
  return batch;
}

}  // namespace vozduxan
