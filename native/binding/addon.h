// Per-environment module state (main thread and each worker get their own): the
// NativeSession constructor and the sessions still open, closed by an env cleanup hook.
#pragma once

#include <napi.h>

#include <memory>

#include "binding/open_sessions.h"

namespace vozduxan::binding {

class Addon : public Napi::Addon<Addon> {
 public:
  Addon(Napi::Env env, Napi::Object exports);

 private:
  static void closeAll(Addon* addon);
  // Shared: each session holds it weakly, and finds it gone if it outlives the environment.
  std::shared_ptr<OpenSessions> open_ = std::make_shared<OpenSessions>();
};

}  // namespace vozduxan::binding
