#include "binding/convert_events.h"

namespace vozduxan::binding {
namespace {

Napi::Array intArray(Napi::Env env, const std::vector<int>& values) {
  Napi::Array array = Napi::Array::New(env, values.size());
  for (std::size_t i = 0; i < values.size(); ++i)
    array.Set(static_cast<std::uint32_t>(i), values[i]);
  return array;
}

Napi::Object fromEvent(Napi::Env env, const EngineEvent& e) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("type", eventName(e.kind));
  o.Set("token", e.token);
  if (e.requestId != 0) o.Set("requestId", static_cast<double>(e.requestId));
  o.Set("at", e.atMs);
  switch (e.kind) {
    case EventKind::ReadStarted: {
      Napi::Object range = Napi::Object::New(env);
      range.Set("start", static_cast<double>(e.rangeStart));
      range.Set("end", static_cast<double>(e.rangeEnd));
      o.Set("range", range);
      o.Set("waitInQueueMs", e.waitInQueueMs);
      break;
    }
    case EventKind::ReadCompleted:
      o.Set("bytes", static_cast<double>(e.bytes));
      o.Set("durationMs", e.durationMs);
      o.Set("bandwidthBps", e.bandwidthBps);
      break;
    case EventKind::ReadCancelled:
      o.Set("reason", e.reason);
      if (!e.cause.empty()) o.Set("cause", e.cause);
      o.Set("bytes", static_cast<double>(e.bytes));
      break;
    case EventKind::ReadFailed:
      o.Set("code", e.code);
      o.Set("retryable", e.retryable);
      o.Set("bytes", static_cast<double>(e.bytes));
      break;
    case EventKind::LoadSlow:
      o.Set("elapsedMs", e.elapsedMs);
      o.Set("piece", e.piece);
      break;
    case EventKind::Stalled:
      o.Set("elapsedMs", e.elapsedMs);
      o.Set("pendingOps", e.pendingOps);
      o.Set("awaitedPieces", intArray(env, e.awaitedPieces));
      o.Set("peers", e.peers);
      o.Set("state", e.state);
      break;
    case EventKind::Moving:
      break;
    case EventKind::PieceVerified:
      o.Set("pieces", intArray(env, e.pieces));
      break;
    case EventKind::PeersChanged:
      o.Set("peers", e.peers);
      o.Set("seeds", e.seeds);
      break;
    case EventKind::PrebufferProgress:
      o.Set("fraction", e.fraction);
      break;
  }
  return o;
}

}  // namespace

Napi::Array fromEvents(Napi::Env env, const std::vector<EngineEvent>& events) {
  Napi::Array array = Napi::Array::New(env, events.size());
  for (std::size_t i = 0; i < events.size(); ++i)
    array.Set(static_cast<std::uint32_t>(i), fromEvent(env, events[i]));
  return array;
}

}  // namespace vozduxan::binding
