#include "binding/session_wrap.h"

#include "binding/convert.h"
#include "binding/convert_events.h"

namespace vozduxan::binding {
namespace {

/// Runs short blocking engine work (evict, close) on the libuv pool.
template <typename Result>
class BlockingWork : public Napi::AsyncWorker {
 public:
  using Work = std::function<Result()>;
  using Done = std::function<Napi::Value(Napi::Env, const Result&)>;

  BlockingWork(Napi::Env env, Work work, Done done)
      : Napi::AsyncWorker(env, "vozduxan"),
        deferred_(Napi::Promise::Deferred::New(env)),
        work_(std::move(work)),
        done_(std::move(done)) {}

  Napi::Promise promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      result_ = work_();
    } catch (const EngineError& e) {
      error_.emplace(e);
    } catch (const std::exception& e) {
      error_.emplace(ErrorCode::Internal, e.what());
    }
  }
  void OnOK() override {
    Napi::HandleScope scope(Env());
    if (error_) return deferred_.Reject(toJsError(Env(), *error_).Value());
    deferred_.Resolve(done_(Env(), result_));
  }

 private:
  Napi::Promise::Deferred deferred_;
  Work work_;
  Done done_;
  Result result_{};
  std::optional<EngineError> error_;
};

Napi::Promise rejected(Napi::Env env, const EngineError& error) {
  auto deferred = Napi::Promise::Deferred::New(env);
  deferred.Reject(toJsError(env, error).Value());
  return deferred.Promise();
}

Napi::Object optionsArg(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsObject())
    throw EngineError(ErrorCode::BadInput, "expected an options object");
  return info[0].As<Napi::Object>();
}

}  // namespace

Napi::Function SessionWrap::define(Napi::Env env, std::shared_ptr<OpenSessions>& open) {
  // The constructor finds the registry through its data pointer (CallbackInfo::Data).
  return DefineClass(env, "NativeSession",
                     {
                         InstanceAccessor<&SessionWrap::httpPort>("httpPort"),
                         InstanceMethod<&SessionWrap::listFiles>("listFiles"),
                         InstanceMethod<&SessionWrap::prepare>("prepare"),
                         InstanceMethod<&SessionWrap::cancel>("cancel"),
                         InstanceMethod<&SessionWrap::notifyPosition>("notifyPosition"),
                         InstanceMethod<&SessionWrap::notifyTime>("notifyTime"),
                         InstanceMethod<&SessionWrap::release>("release"),
                         InstanceMethod<&SessionWrap::addPeers>("addPeers"),
                         InstanceMethod<&SessionWrap::stats>("stats"),
                         InstanceMethod<&SessionWrap::evict>("evict"),
                         InstanceMethod<&SessionWrap::close>("close"),
                         InstanceMethod<&SessionWrap::debugTorrentCounts>("debugTorrentCounts"),
                         InstanceMethod<&SessionWrap::setEventsEnabled>("setEventsEnabled"),
                         InstanceMethod<&SessionWrap::openRead>("openRead"),
                         InstanceMethod<&SessionWrap::read>("read"),
                         InstanceMethod<&SessionWrap::closeRead>("closeRead"),
                     },
                     &open);
}

SessionWrap::SessionWrap(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<SessionWrap>(info), self_(std::make_shared<SessionWrap*>(this)) {
  Napi::Env env = info.Env();
  try {
    const Napi::Object options = optionsArg(info);
    SessionConfig config = toSessionConfig(options);
    if (options.Get("onLog").IsFunction())
      onLog_ = Napi::Persistent(options.Get("onLog").As<Napi::Function>());
    if (options.Get("onEvents").IsFunction())
      onEvents_ = Napi::Persistent(options.Get("onEvents").As<Napi::Function>());
    dispatcher_ = std::make_shared<JsDispatcher>(env);
    std::weak_ptr<SessionWrap*> weak = self_;
    // One task per batch: it takes every event queued until it runs.
    config.eventsWaiting = [dispatcher = dispatcher_, weak] {
      dispatcher->post([weak](Napi::Env env) {
        auto self = weak.lock();
        if (!self || !(*self)->engine_) return;
        std::vector<EngineEvent> events = (*self)->engine_->takeEvents();
        if (events.empty() || (*self)->onEvents_.IsEmpty()) return;
        (*self)->onEvents_.Call({fromEvents(env, events)});
      });
    };
    config.log = [dispatcher = dispatcher_, weak](const std::string& message) {
      dispatcher->post([weak, message](Napi::Env env) {
        auto self = weak.lock();
        if (!self || (*self)->onLog_.IsEmpty()) return;
        (*self)->onLog_.Call({Napi::String::New(env, message)});
      });
    };
    engine_ = std::make_shared<Session>(std::move(config));
  } catch (const EngineError& e) {
    if (dispatcher_) dispatcher_->release();
    throw toJsError(env, e);
  }
  open_ = *static_cast<std::shared_ptr<OpenSessions>*>(info.Data());
  if (auto open = open_.lock()) open->track(this, [this] { closeForTeardown(); });
}

SessionWrap::~SessionWrap() {
  // Backstop only: the owner should have called close().
  if (engine_) engine_->close();
  if (dispatcher_) dispatcher_->release();
  if (auto open = open_.lock()) open->untrack(this);
  self_.reset();
}

void SessionWrap::closeForTeardown() {
  if (engine_) engine_->close();
  if (dispatcher_) dispatcher_->release();
  // JS is going: its pending promises can no longer be settled, only forgotten (the ASan
  // suite reported them as leaked at exit).
  pending_.clear();
}

Session& SessionWrap::engine(Napi::Env env) {
  if (closing_ || !engine_ || engine_->closed())
    throw EngineError(ErrorCode::Closed, "session is closed");
  return *engine_;
}

std::uint64_t SessionWrap::opId(const Napi::CallbackInfo& info) {
  const std::uint64_t id = toOpId(optionsArg(info).Get("opId"));
  if (pending_.count(id)) {
    throw EngineError(ErrorCode::BadInput,
                      "opId " + std::to_string(id) + " is already in use by a pending call");
  }
  return id;
}

Napi::Promise SessionWrap::track(Napi::Env env, std::uint64_t id, Napi::Value onProgress) {
  Pending pending{Napi::Promise::Deferred::New(env), {}};
  if (onProgress.IsFunction())
    pending.onProgress = Napi::Persistent(onProgress.As<Napi::Function>());
  Napi::Promise promise = pending.deferred.Promise();
  pending_.emplace(id, std::move(pending));
  dispatcher_->setKeepAlive(env, true);
  return promise;
}

template <typename Settle>
void SessionWrap::settle(std::uint64_t id, Settle&& settleWith) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;
  Pending pending = std::move(it->second);
  pending_.erase(it);
  if (pending_.empty()) dispatcher_->setKeepAlive(Env(), false);
  settleWith(pending.deferred);
}

void SessionWrap::rejectAllPending(Napi::Env env, const EngineError& error) {
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [id, entry] : pending) entry.deferred.Reject(toJsError(env, error).Value());
  dispatcher_->setKeepAlive(env, false);
}

Napi::Value SessionWrap::httpPort(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), engine_ ? engine_->httpPort() : 0);
}

Napi::Value SessionWrap::listFiles(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    const Napi::Object options = optionsArg(info);
    const std::uint64_t id = opId(info);
    std::weak_ptr<SessionWrap*> weak = self_;
    engine(env).listFiles(
        id, toTorrentInput(options), optionalMillis(options, "metadataTimeoutMs"),
        [dispatcher = dispatcher_, weak, id](std::vector<FileEntry> files,
                                             std::optional<EngineError> error) {
          dispatcher->post([weak, id, files = std::move(files), error](Napi::Env env) {
            auto self = weak.lock();
            if (!self) return;
            (*self)->settle(id, [&](Napi::Promise::Deferred& deferred) {
              if (error) return deferred.Reject(toJsError(env, *error).Value());
              deferred.Resolve(fromFiles(env, files));
            });
          });
        });
    return track(env, id, env.Undefined());
  } catch (const EngineError& e) {
    return rejected(env, e);
  }
}

Napi::Value SessionWrap::prepare(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    const Napi::Object options = optionsArg(info);
    const std::uint64_t id = opId(info);
    std::weak_ptr<SessionWrap*> weak = self_;
    auto dispatcher = dispatcher_;
    auto progress = [dispatcher, weak, id](double fraction, const std::string& status) {
      dispatcher->post([weak, id, fraction, status](Napi::Env env) {
        auto self = weak.lock();
        if (!self) return;
        auto it = (*self)->pending_.find(id);
        if (it == (*self)->pending_.end() || it->second.onProgress.IsEmpty()) return;
        it->second.onProgress.Call(
            {Napi::Number::New(env, fraction), Napi::String::New(env, status)});
      });
    };
    auto done = [dispatcher, weak, id](StreamInfo stream, std::optional<EngineError> error) {
      dispatcher->post([weak, id, stream = std::move(stream), error](Napi::Env env) {
        auto self = weak.lock();
        if (!self) return;
        (*self)->settle(id, [&](Napi::Promise::Deferred& deferred) {
          if (error) return deferred.Reject(toJsError(env, *error).Value());
          deferred.Resolve(fromStreamInfo(env, stream));
        });
      });
    };
    engine(env).prepare(id, toPrepareRequest(options), progress, done);
    return track(env, id, options.Get("onProgress"));
  } catch (const EngineError& e) {
    return rejected(env, e);
  }
}

Napi::Value SessionWrap::cancel(const Napi::CallbackInfo& info) {
  if (info.Length() > 0 && info[0].IsNumber() && engine_) {
    engine_->cancel(static_cast<std::uint64_t>(info[0].As<Napi::Number>().Int64Value()));
  }
  return info.Env().Undefined();
}

Napi::Value SessionWrap::notifyPosition(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    const std::string token = toToken(info[0]);
    const std::int64_t offset = toByteOffset(info[1]);
    return Napi::Boolean::New(env, engine(env).notifyPosition(token, offset));
  } catch (const EngineError& e) {
    throw toJsError(env, e);
  }
}

Napi::Value SessionWrap::notifyTime(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    const std::string token = toToken(info[0]);
    if (!info[1].IsNumber()) throw EngineError(ErrorCode::BadInput, "seconds must be a number");
    const double seconds = info[1].As<Napi::Number>().DoubleValue();
    if (!(seconds >= 0) || seconds > 1e9)
      throw EngineError(ErrorCode::BadInput, "seconds must be a finite number from 0 to 1e9");
    const auto offset = engine(env).notifyTime(token, seconds);
    // -1: no stream with this token (notifyPosition answers false).
    return Napi::Number::New(env, offset ? static_cast<double>(*offset) : -1.0);
  } catch (const EngineError& e) {
    throw toJsError(env, e);
  }
}

Napi::Value SessionWrap::addPeers(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    const std::string token = toToken(info[0]);
    return Napi::Boolean::New(env, engine(env).addPeers(token, toPeers(info[1])));
  } catch (const EngineError& e) {
    throw toJsError(env, e);
  }
}

Napi::Value SessionWrap::release(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    const std::string token = toToken(info[0]);
    return Napi::Boolean::New(env, engine(env).release(token));
  } catch (const EngineError& e) {
    throw toJsError(env, e);
  }
}

Napi::Value SessionWrap::stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    const auto stats = engine(env).stats(toToken(info[0]));
    return stats ? fromStats(env, *stats) : env.Undefined();
  } catch (const EngineError& e) {
    throw toJsError(env, e);
  }
}

Napi::Value SessionWrap::debugTorrentCounts(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Session::TorrentCounts counts =
      engine_ ? engine_->torrentCounts() : Session::TorrentCounts{};
  Napi::Object object = Napi::Object::New(env);
  object.Set("session", static_cast<double>(counts.session));
  object.Set("libtorrent", static_cast<double>(counts.libtorrent));
  return object;
}

Napi::Value SessionWrap::openRead(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    const std::string token = toToken(info[0]);
    const std::int64_t first = toByteOffset(info[1]);
    const std::int64_t last = toByteOffset(info[2]);
    const bool follow = toBoolean(info[3], "follow");
    // 0 for an unknown token, as release answers false: the caller says NOT_FOUND.
    return Napi::Number::New(env,
                             static_cast<double>(engine(env).openRead(token, first, last, follow)));
  } catch (const EngineError& e) {
    throw toJsError(env, e);
  }
}

Napi::Value SessionWrap::read(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    const Napi::Object options = optionsArg(info);
    const std::uint64_t id = opId(info);
    const std::uint64_t readId = toOpId(options.Get("readId"));
    const std::int64_t position = toByteOffset(options.Get("position"));
    const std::int64_t length = toByteOffset(options.Get("length"));
    std::weak_ptr<SessionWrap*> weak = self_;
    engine(env).read(
        id, readId, position, static_cast<std::size_t>(length),
        [dispatcher = dispatcher_, weak, id](std::vector<char> bytes,
                                             std::optional<EngineError> error) {
          dispatcher->post([weak, id, bytes = std::move(bytes), error](Napi::Env env) {
            auto self = weak.lock();
            if (!self) return;
            (*self)->settle(id, [&](Napi::Promise::Deferred& deferred) {
              if (error) return deferred.Reject(toJsError(env, *error).Value());
              deferred.Resolve(Napi::Buffer<char>::Copy(env, bytes.data(), bytes.size()));
            });
          });
        });
    return track(env, id, env.Undefined());
  } catch (const EngineError& e) {
    return rejected(env, e);
  }
}

Napi::Value SessionWrap::closeRead(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    const std::uint64_t readId = toOpId(info[0]);
    const bool completed = toBoolean(info[1], "completed");
    if (engine_) engine_->closeRead(readId, completed);
    return env.Undefined();
  } catch (const EngineError& e) {
    throw toJsError(env, e);
  }
}

Napi::Value SessionWrap::setEventsEnabled(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    const bool enabled = toBoolean(info[0], "enabled");
    if (engine_) engine_->setEventsEnabled(enabled);
    return env.Undefined();
  } catch (const EngineError& e) {
    throw toJsError(env, e);
  }
}

Napi::Value SessionWrap::evict(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    engine(env);
    auto* work = new BlockingWork<EvictResult>(  // ownership: Napi::AsyncWorker deletes itself
        env, [engine = engine_] { return engine->evict(); },
        [](Napi::Env env, const EvictResult& result) { return fromEvict(env, result); });
    work->Queue();
    return work->promise();
  } catch (const EngineError& e) {
    return rejected(env, e);
  }
}

Napi::Value SessionWrap::close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  closing_ = true;
  std::weak_ptr<SessionWrap*> weak = self_;
  auto* work = new BlockingWork<bool>(  // ownership: Napi::AsyncWorker deletes itself
      env,
      [engine = engine_] {
        if (engine) engine->close();
        return true;
      },
      [weak](Napi::Env env, const bool&) {
        if (auto self = weak.lock()) {
          (*self)->rejectAllPending(env, EngineError(ErrorCode::Closed, "session closed"));
          (*self)->dispatcher_->release();
        }
        return env.Undefined();
      });
  work->Queue();
  return work->promise();
}

}  // namespace vozduxan::binding
