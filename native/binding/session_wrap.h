// The JS `NativeSession` class: translates calls to the engine's Session and settles
// promises on the JS thread. Owns the engine (shared with its blocking workers).
#pragma once

#include <napi.h>

#include <map>
#include <memory>

#include "binding/js_dispatcher.h"
#include "binding/open_sessions.h"
#include "engine/session.h"

namespace vozduxan::binding {

class SessionWrap : public Napi::ObjectWrap<SessionWrap> {
 public:
  /// `open` tracks the sessions this constructor makes; it must outlive the constructor.
  static Napi::Function define(Napi::Env env, std::shared_ptr<OpenSessions>& open);
  explicit SessionWrap(const Napi::CallbackInfo& info);
  ~SessionWrap() override;

  /// Env teardown: close synchronously, settle nothing (JS is gone).
  void closeForTeardown();

 private:
  struct Pending {
    Napi::Promise::Deferred deferred;
    Napi::FunctionReference onProgress;
  };

  Napi::Value httpPort(const Napi::CallbackInfo& info);
  Napi::Value listFiles(const Napi::CallbackInfo& info);
  Napi::Value prepare(const Napi::CallbackInfo& info);
  Napi::Value cancel(const Napi::CallbackInfo& info);
  Napi::Value notifyPosition(const Napi::CallbackInfo& info);
  Napi::Value notifyTime(const Napi::CallbackInfo& info);
  Napi::Value release(const Napi::CallbackInfo& info);
  Napi::Value addPeers(const Napi::CallbackInfo& info);
  Napi::Value stats(const Napi::CallbackInfo& info);
  Napi::Value evict(const Napi::CallbackInfo& info);
  Napi::Value close(const Napi::CallbackInfo& info);
  Napi::Value debugTorrentCounts(const Napi::CallbackInfo& info);
  Napi::Value setEventsEnabled(const Napi::CallbackInfo& info);
  Napi::Value openRead(const Napi::CallbackInfo& info);
  Napi::Value read(const Napi::CallbackInfo& info);
  Napi::Value closeRead(const Napi::CallbackInfo& info);

  Session& engine(Napi::Env env);
  std::uint64_t opId(const Napi::CallbackInfo& info);
  Napi::Promise track(Napi::Env env, std::uint64_t id, Napi::Value onProgress);
  template <typename Settle>
  void settle(std::uint64_t id, Settle&& settleWith);
  void rejectAllPending(Napi::Env env, const EngineError& error);

  std::shared_ptr<Session> engine_;
  std::shared_ptr<JsDispatcher> dispatcher_;
  /// Engine callbacks hold this weakly; it dies with the wrap, so late tasks are dropped.
  std::shared_ptr<SessionWrap*> self_;
  std::weak_ptr<OpenSessions> open_;
  std::map<std::uint64_t, Pending> pending_;  // JS thread only
  Napi::FunctionReference onLog_;
  Napi::FunctionReference onEvents_;
  bool closing_ = false;
};

}  // namespace vozduxan::binding
