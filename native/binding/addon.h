// Per-environment module state (main thread and each worker get their own): the
// NativeSession constructor and the sessions still open, closed by an env cleanup hook.
#pragma once

#include <napi.h>

#include <set>

namespace vozduxan::binding {

class SessionWrap;

class Addon : public Napi::Addon<Addon> {
 public:
  Addon(Napi::Env env, Napi::Object exports);

  void track(SessionWrap* session) { open_.insert(session); }
  void untrack(SessionWrap* session) { open_.erase(session); }

 private:
  static void closeAll(Addon* addon);
  std::set<SessionWrap*> open_;
};

}  // namespace vozduxan::binding
