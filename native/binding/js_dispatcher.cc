#include "binding/js_dispatcher.h"

namespace vozduxan::binding {

void JsDispatcher::runTask(Napi::Env env, Napi::Function, std::nullptr_t*, Task* task) {
  const std::unique_ptr<Task> owned(task);  // posted by post(); freed here, run or not
  // env is null when Node tears the function down at exit with tasks still queued.
  if (env == nullptr) return;
  try {
    (*owned)(env);
  } catch (const Napi::Error& e) {
    // A throwing JS callback (onLog, onProgress) must not take the process down.
    (void)e;
  }
}

JsDispatcher::JsDispatcher(Napi::Env env) : tsfn_(Tsfn::New(env, "vozduxan-events", 0, 1)) {
  tsfn_.Unref(env);
}

JsDispatcher::~JsDispatcher() { release(); }

void JsDispatcher::post(Task task) {
  std::lock_guard<std::mutex> lock(mu_);
  if (released_) return;
  auto heap = std::make_unique<Task>(std::move(task));
  // On success the queue owns the task until runTask frees it.
  if (tsfn_.NonBlockingCall(heap.get()) == napi_ok) (void)heap.release();
}

void JsDispatcher::setKeepAlive(Napi::Env env, bool keepAlive) {
  std::lock_guard<std::mutex> lock(mu_);
  if (released_ || keepAlive == keepAlive_) return;
  keepAlive_ = keepAlive;
  if (keepAlive) {
    tsfn_.Ref(env);
  } else {
    tsfn_.Unref(env);
  }
}

void JsDispatcher::release() {
  std::lock_guard<std::mutex> lock(mu_);
  if (released_) return;
  released_ = true;
  tsfn_.Release();
}

}  // namespace vozduxan::binding
