#include "binding/addon.h"

#include <libtorrent/version.hpp>

#include "binding/session_wrap.h"
#include "engine/peer_queue_cap.h"
#include "engine/tls_trust.h"

namespace vozduxan::binding {

Addon::Addon(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeSession", SessionWrap::define(env, open_));
  exports.Set("libtorrentVersion", Napi::String::New(env, LIBTORRENT_VERSION));
  Napi::Object build = Napi::Object::New(env);
  build.Set("openssl", Napi::String::New(env, ownOpensslVersion()));
  build.Set("selfContained", Napi::Boolean::New(env, carriesOwnOpenssl()));
  build.Set("systemCaBundle", Napi::String::New(env, findSystemCaBundle()));
  build.Set("peerQueueCap", Napi::Boolean::New(env, peerQueueCapAvailable()));
  exports.Set("build", build);
  // Runs before instance data is freed: sessions still open when the environment
  // (the process, or a worker thread) ends are closed and their threads joined.
  env.AddCleanupHook(closeAll, this);
}

void Addon::closeAll(Addon* addon) { addon->open_->closeAll(); }

}  // namespace vozduxan::binding

using VozduxanAddon = vozduxan::binding::Addon;
NODE_API_ADDON(VozduxanAddon)
