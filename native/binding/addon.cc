#include "binding/addon.h"

#include <libtorrent/version.hpp>

#include "binding/session_wrap.h"

namespace vozduxan::binding {

Addon::Addon(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeSession", SessionWrap::define(env));
  exports.Set("libtorrentVersion", Napi::String::New(env, LIBTORRENT_VERSION));
  // Runs before instance data is freed: sessions still open when the environment
  // (the process, or a worker thread) ends are closed and their threads joined.
  env.AddCleanupHook(closeAll, this);
}

void Addon::closeAll(Addon* addon) {
  const std::set<SessionWrap*> open = addon->open_;
  for (SessionWrap* session : open) session->closeForTeardown();
  addon->open_.clear();
}

}  // namespace vozduxan::binding

using VozduxanAddon = vozduxan::binding::Addon;
NODE_API_ADDON(VozduxanAddon)
