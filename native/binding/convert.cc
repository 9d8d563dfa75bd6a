#include "binding/convert.h"

#include <algorithm>
#include <cmath>

namespace vozduxan::binding {
namespace {

[[noreturn]] void badInput(const std::string& message) {
  throw EngineError(ErrorCode::BadInput, message);
}

bool present(const Napi::Object& object, const char* name) {
  const Napi::Value value = object.Get(name);
  return !value.IsUndefined() && !value.IsNull();
}

double number(const Napi::Object& object, const char* name, double fallback) {
  if (!present(object, name)) return fallback;
  const Napi::Value value = object.Get(name);
  if (!value.IsNumber()) badInput(std::string(name) + " must be a number");
  const double result = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(result) || result < 0)
    badInput(std::string(name) + " must be a finite number >= 0");
  return result;
}

/// A whole number of at most `max` (out of range: BadInput, never an undefined cast).
double bounded(const Napi::Object& object, const char* name, double max) {
  const double result = number(object, name, 0);
  if (result > max) {
    badInput(std::string(name) + " must be at most " +
             std::to_string(static_cast<std::uint64_t>(max)));
  }
  return std::floor(result);
}

std::string string(const Napi::Object& object, const char* name) {
  if (!present(object, name)) return {};
  const Napi::Value value = object.Get(name);
  if (!value.IsString()) badInput(std::string(name) + " must be a string");
  return value.As<Napi::String>().Utf8Value();
}

}  // namespace

std::chrono::milliseconds optionalMillis(const Napi::Object& options, const char* name) {
  // Deadlines saturate (the engine's deadlineAfter), so any safe integer is a valid timeout.
  return std::chrono::milliseconds(static_cast<std::int64_t>(bounded(options, name, kMaxSafe)));
}

std::int64_t toByteOffset(const Napi::Value& value) {
  if (!value.IsNumber()) badInput("byteOffset must be a number");
  const double offset = value.As<Napi::Number>().DoubleValue();
  if (!(offset >= 0) || offset > kMaxSafe)
    badInput("byteOffset must be a finite number from 0 to Number.MAX_SAFE_INTEGER");
  return static_cast<std::int64_t>(offset);
}

bool toBoolean(const Napi::Value& value, const char* name) {
  if (!value.IsBoolean()) badInput(std::string(name) + " must be a boolean");
  return value.As<Napi::Boolean>().Value();
}

std::uint64_t toOpId(const Napi::Value& value) {
  if (!value.IsNumber()) badInput("opId must be a number");
  const double id = value.As<Napi::Number>().DoubleValue();
  if (!(id >= 0) || id > kMaxSafe || id != std::floor(id))
    badInput("opId must be a whole number from 0 to Number.MAX_SAFE_INTEGER");
  return static_cast<std::uint64_t>(id);
}

namespace {

/// A whole number in [1, max]; absent or 0: `fallback`.
double positive(const Napi::Object& options, const char* name, double max, double fallback) {
  const double value = number(options, name, 0);
  if (value == 0) return fallback;
  if (value != std::floor(value) || value > max) {
    badInput(std::string(name) + " must be a whole number from 1 to " +
             std::to_string(static_cast<std::int64_t>(max)));
  }
  return value;
}

/// maxReadAheadSecs: absent (0: unlimited), or seconds in (0, 1e9]; anything else BadInput
/// (0 would want nothing at all, not "unlimited").
double readAheadSecs(const Napi::Object& options) {
  constexpr const char* kName = "maxReadAheadSecs";
  if (!present(options, kName)) return 0;
  const Napi::Value value = options.Get(kName);
  const double secs = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1;
  if (!(secs > 0) || secs > kMaxReadAheadSecs)
    badInput("maxReadAheadSecs must be a finite number of seconds > 0 (at most 1e9), or absent");
  return secs;
}

/// The HTTP server's limits and CORS origins (README, HTTP).
HttpLimits toHttpLimits(const Napi::Object& options) {
  HttpLimits limits;
  constexpr double kMaxTimeoutMs = 2'147'483'647;  // as setTimeout's: about 24.8 days
  const auto millis = [&](const char* name, std::chrono::milliseconds fallback) {
    return std::chrono::milliseconds(static_cast<std::int64_t>(
        positive(options, name, kMaxTimeoutMs, static_cast<double>(fallback.count()))));
  };
  limits.maxConnections =
      static_cast<int>(positive(options, "httpMaxConnections", 65535, limits.maxConnections));
  limits.headerTimeout = millis("httpHeaderTimeoutMs", limits.headerTimeout);
  limits.idleTimeout = millis("httpIdleTimeoutMs", limits.idleTimeout);
  limits.writeStallTimeout = millis("httpWriteStallTimeoutMs", limits.writeStallTimeout);
  limits.softTimeout = millis("softTimeoutMs", limits.softTimeout);
  if (present(options, "allowedOrigins")) {
    const Napi::Value raw = options.Get("allowedOrigins");
    if (!raw.IsArray()) badInput("allowedOrigins must be an array of origin strings");
    const auto origins = raw.As<Napi::Array>();
    for (std::uint32_t i = 0; i < origins.Length(); ++i) {
      const Napi::Value origin = origins.Get(i);
      if (!origin.IsString()) badInput("allowedOrigins must be an array of origin strings");
      std::string text = origin.As<Napi::String>().Utf8Value();
      // What an Origin header can hold: visible ASCII, no list separator; "*" is no wildcard.
      const bool visible = !text.empty() && text.size() <= 1024 &&
                           std::all_of(text.begin(), text.end(),
                                       [](char c) { return c > ' ' && c < 0x7f && c != ','; });
      if (!visible || text == "*") {
        badInput("allowedOrigins: '" + text +
                 "' is not an origin (e.g. 'app://player' or 'http://localhost:5173')");
      }
      limits.allowedOrigins.push_back(std::move(text));
    }
  }
  return limits;
}

}  // namespace

SessionConfig toSessionConfig(const Napi::Object& options) {
  SessionConfig config;
  config.storagePath = string(options, "storagePath");
  if (config.storagePath.empty()) badInput("storagePath is required");
  config.cacheMaxBytes = static_cast<std::uint64_t>(bounded(options, "cacheMaxBytes", kMaxSafe));
  config.cacheTtlSecs = static_cast<std::uint32_t>(bounded(options, "cacheTtlSecs", kMaxTtlSecs));
  const double port = number(options, "listenPort", 0);
  if (port > 65535) badInput("listenPort must be 0..65535");
  config.listenPort = static_cast<int>(port);
  if (auto ms = optionalMillis(options, "metadataTimeoutMs"); ms.count() > 0)
    config.metadataTimeout = ms;
  if (auto ms = optionalMillis(options, "bufferTimeoutMs"); ms.count() > 0)
    config.bufferTimeout = ms;
  if (present(options, "unusedTorrentLingerMs"))
    config.unusedTorrentLinger = optionalMillis(options, "unusedTorrentLingerMs");
  if (auto ms = optionalMillis(options, "hangTimeoutMs"); ms.count() > 0) config.hangTimeout = ms;
  config.maxReadAheadSecs = readAheadSecs(options);
  config.readAheadStale = std::chrono::milliseconds(static_cast<std::int64_t>(positive(
      options, "readAheadStaleMs", kMaxSafe, static_cast<double>(config.readAheadStale.count()))));
  config.caFile = string(options, "caFile");
  if (present(options, "settings")) {
    const Napi::Value raw = options.Get("settings");
    if (!raw.IsObject()) badInput("settings must be an object");
    const Napi::Object settings = raw.As<Napi::Object>();
    const Napi::Array names = settings.GetPropertyNames();
    for (std::uint32_t i = 0; i < names.Length(); ++i) {
      const std::string name = names.Get(i).As<Napi::String>().Utf8Value();
      const Napi::Value value = settings.Get(name);
      if (value.IsBoolean()) {
        config.settings.emplace_back(name, value.As<Napi::Boolean>().Value());
      } else if (value.IsNumber()) {
        config.settings.emplace_back(
            name, static_cast<std::int64_t>(value.As<Napi::Number>().Int64Value()));
      } else if (value.IsString()) {
        config.settings.emplace_back(name, value.As<Napi::String>().Utf8Value());
      } else {
        badInput("setting '" + name + "' must be a string, number or boolean");
      }
    }
  }
  config.http = toHttpLimits(options);
  return config;
}

TorrentInput toTorrentInput(const Napi::Object& options) {
  TorrentInput input;
  input.magnet = string(options, "magnet");
  if (present(options, "torrent")) {
    const Napi::Value raw = options.Get("torrent");
    if (!raw.IsTypedArray() || raw.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      badInput("torrent must be a Uint8Array");
    }
    const auto bytes = raw.As<Napi::Uint8Array>();
    const auto* data = reinterpret_cast<const char*>(bytes.Data());
    input.torrent.assign(data, data + bytes.ByteLength());
  }
  if (present(options, "peers")) input.peers = toPeers(options.Get("peers"));
  return input;
}

std::vector<std::string> toPeers(const Napi::Value& raw) {
  if (!raw.IsArray()) badInput("peers must be an array of 'host:port' strings");
  const auto peers = raw.As<Napi::Array>();
  std::vector<std::string> out;
  for (std::uint32_t i = 0; i < peers.Length(); ++i) {
    const Napi::Value peer = peers.Get(i);
    if (!peer.IsString()) badInput("peers must be an array of 'host:port' strings");
    out.push_back(peer.As<Napi::String>().Utf8Value());
  }
  return out;
}

PrepareRequest toPrepareRequest(const Napi::Object& options) {
  PrepareRequest request;
  request.input = toTorrentInput(options);
  const double index = number(options, "fileIndex", 0);
  if (index != std::floor(index) || index > 1e9) {
    throw EngineError(ErrorCode::InvalidFile, "fileIndex must be a whole number");
  }
  request.fileIndex = static_cast<int>(index);
  if (present(options, "main")) {
    const Napi::Value main = options.Get("main");
    if (!main.IsBoolean()) badInput("main must be a boolean");
    request.main = main.As<Napi::Boolean>().Value();
  }
  request.metadataTimeout = optionalMillis(options, "metadataTimeoutMs");
  request.maxReadAheadSecs = readAheadSecs(options);
  return request;
}

std::string toToken(const Napi::Value& value) {
  if (!value.IsString()) badInput("token must be a string");
  return value.As<Napi::String>().Utf8Value();
}

Napi::Value fromFiles(Napi::Env env, const std::vector<FileEntry>& files) {
  Napi::Array array = Napi::Array::New(env, files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("index", files[i].index);
    entry.Set("name", files[i].name);
    entry.Set("mime", files[i].mime);
    entry.Set("size", static_cast<double>(files[i].size));
    array.Set(static_cast<std::uint32_t>(i), entry);
  }
  return array;
}

Napi::Value fromStreamInfo(Napi::Env env, const StreamInfo& info) {
  Napi::Object object = Napi::Object::New(env);
  object.Set("url", info.url);
  object.Set("token", info.token);
  object.Set("fileSize", static_cast<double>(info.fileSize));
  object.Set("mimeType", info.mimeType);
  object.Set("prebufferBytes", static_cast<double>(info.prebufferBytes));
  if (info.durationSecs > 0) object.Set("durationSecs", info.durationSecs);
  return object;
}

Napi::Value fromStats(Napi::Env env, const StreamStats& stats) {
  Napi::Object object = Napi::Object::New(env);
  object.Set("downloadRate", static_cast<double>(stats.downloadRate));
  object.Set("uploadRate", static_cast<double>(stats.uploadRate));
  object.Set("numPeers", stats.numPeers);
  object.Set("numSeeds", stats.numSeeds);
  object.Set("position", static_cast<double>(stats.position));
  object.Set("bufferedAhead", static_cast<double>(stats.bufferedAhead));
  object.Set("fileSize", static_cast<double>(stats.fileSize));
  object.Set("piecesHad", stats.piecesHad);
  object.Set("piecesTotal", stats.piecesTotal);
  object.Set("windowFirst", stats.windowFirst);
  object.Set("windowLast", stats.windowLast);
  object.Set("generation", static_cast<double>(stats.generation));
  object.Set("seeks", static_cast<double>(stats.seeks));
  object.Set("main", stats.main);
  object.Set("state", stats.state);
  return object;
}

Napi::Value fromEvict(Napi::Env env, const EvictResult& result) {
  Napi::Object object = Napi::Object::New(env);
  object.Set("removedTorrents", result.removedTorrents);
  object.Set("freedBytes", static_cast<double>(result.freedBytes));
  object.Set("cacheBytes", static_cast<double>(result.cacheBytes));
  return object;
}

Napi::Error toJsError(Napi::Env env, const EngineError& error) {
  Napi::Error js = Napi::Error::New(env, error.what());
  js.Set("code", errorCodeName(error.code()));
  return js;
}

}  // namespace vozduxan::binding
