// JS values ⇄ engine types. Bad shapes become EngineError(BadInput), never a crash.
#pragma once

#include <napi.h>

#include "engine/config.h"
#include "engine/errors.h"

namespace vozduxan::binding {

SessionConfig toSessionConfig(const Napi::Object& options);
TorrentInput toTorrentInput(const Napi::Object& options);
/// An array of "host:port" strings.
std::vector<std::string> toPeers(const Napi::Value& value);
PrepareRequest toPrepareRequest(const Napi::Object& options);
std::string toToken(const Napi::Value& value);
/// Number.MAX_SAFE_INTEGER: the largest whole number a JS number holds exactly.
constexpr double kMaxSafe = 9007199254740991.0;
/// cacheTtlSecs is 32-bit: about 136 years.
constexpr double kMaxTtlSecs = 4294967295.0;
/// maxReadAheadSecs at most (as notifyTime's seconds): about 31 years of audio.
constexpr double kMaxReadAheadSecs = 1e9;

/// A whole number of milliseconds up to kMaxSafe (0 when absent); BadInput otherwise.
std::chrono::milliseconds optionalMillis(const Napi::Object& options, const char* name);
/// 0..kMaxSafe; BadInput otherwise.
std::int64_t toByteOffset(const Napi::Value& value);
/// A whole number 0..kMaxSafe; BadInput otherwise.
std::uint64_t toOpId(const Napi::Value& value);
/// Throws BadInput unless `value` is a boolean.
bool toBoolean(const Napi::Value& value, const char* name);

Napi::Value fromFiles(Napi::Env env, const std::vector<FileEntry>& files);
Napi::Value fromStreamInfo(Napi::Env env, const StreamInfo& info);
Napi::Value fromStats(Napi::Env env, const StreamStats& stats);
Napi::Value fromEvict(Napi::Env env, const EvictResult& result);
Napi::Error toJsError(Napi::Env env, const EngineError& error);

}  // namespace vozduxan::binding
