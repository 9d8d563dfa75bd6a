// Carries work from engine threads to the JS thread through one ThreadSafeFunction.
// Only the JS thread touches napi_env; engine threads only post closures here.
#pragma once

#include <napi.h>

#include <functional>
#include <memory>
#include <mutex>

namespace vozduxan::binding {

class JsDispatcher {
 public:
  using Task = std::function<void(Napi::Env)>;

  explicit JsDispatcher(Napi::Env env);
  ~JsDispatcher();
  JsDispatcher(const JsDispatcher&) = delete;
  JsDispatcher& operator=(const JsDispatcher&) = delete;

  /// Any thread. Dropped silently once released.
  void post(Task task);
  /// JS thread: keep the event loop alive while calls are pending (or not).
  void setKeepAlive(Napi::Env env, bool keepAlive);
  /// JS thread: no more tasks; queued ones still run. Idempotent.
  void release();

 private:
  static void runTask(Napi::Env env, Napi::Function, std::nullptr_t*, Task* task);
  // Typed: N-API hands queued tasks to runTask with a null env when it tears the function down
  // at exit, so they are freed. (The untyped Napi::ThreadSafeFunction drops them unfreed.)
  using Tsfn = Napi::TypedThreadSafeFunction<std::nullptr_t, Task, &JsDispatcher::runTask>;
  Tsfn tsfn_;
  std::mutex mu_;
  bool released_ = false;
  bool keepAlive_ = false;
};

}  // namespace vozduxan::binding
