#include "binding/js_dispatcher.h"

namespace vozduxan::binding {
namespace {

void runTask(Napi::Env env, Napi::Function, JsDispatcher::Task* task) {
  // env is null when Node tears the function down with tasks still queued.
  if (env != nullptr) {
    try {
      (*task)(env);
    } catch (const Napi::Error& e) {
      // A throwing JS callback (onLog, onProgress) must not take the process down.
      (void)e;
    }
  }
  delete task;
}

}  // namespace

JsDispatcher::JsDispatcher(Napi::Env env)
    : tsfn_(Napi::ThreadSafeFunction::New(env, Napi::Function(), "vozduxan-events", 0, 1)) {
  tsfn_.Unref(env);
}

JsDispatcher::~JsDispatcher() { release(); }

void JsDispatcher::post(Task task) {
  std::lock_guard<std::mutex> lock(mu_);
  if (released_) return;
  auto* heap = new Task(std::move(task));  // ownership passes to runTask
  if (tsfn_.NonBlockingCall(heap, runTask) != napi_ok) delete heap;
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
