// The sessions still open in one environment (the main thread or a worker): the environment's
// cleanup hook (addon.cc) closes them when it ends. Its own room, so a session registers itself
// without knowing the module that defines its class (no addon <-> session_wrap include cycle).
#pragma once

#include <functional>
#include <map>
#include <utility>

namespace vozduxan::binding {

class OpenSessions {
 public:
  using Close = std::function<void()>;

  void track(const void* session, Close close) { open_[session] = std::move(close); }
  void untrack(const void* session) { open_.erase(session); }
  /// Closes every session still open (synchronously, settling nothing: JS is gone).
  void closeAll() {
    const std::map<const void*, Close> open = std::move(open_);
    open_.clear();
    for (const auto& [session, close] : open) close();
  }

 private:
  std::map<const void*, Close> open_;
};

}  // namespace vozduxan::binding
