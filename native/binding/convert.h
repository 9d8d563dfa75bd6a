// JS values ⇄ engine types. Bad shapes become EngineError(BadInput), never a crash.
#pragma once

#include <napi.h>

#include "engine/config.h"
#include "engine/errors.h"

namespace vozduxan::binding {

SessionConfig toSessionConfig(const Napi::Object& options);
TorrentInput toTorrentInput(const Napi::Object& options);
PrepareRequest toPrepareRequest(const Napi::Object& options);
std::string toToken(const Napi::Value& value);
std::chrono::milliseconds optionalMillis(const Napi::Object& options, const char* name);

Napi::Value fromFiles(Napi::Env env, const std::vector<FileEntry>& files);
Napi::Value fromStreamInfo(Napi::Env env, const StreamInfo& info);
Napi::Value fromStats(Napi::Env env, const StreamStats& stats);
Napi::Value fromEvict(Napi::Env env, const EvictResult& result);
Napi::Error toJsError(Napi::Env env, const EngineError& error);

}  // namespace vozduxan::binding
