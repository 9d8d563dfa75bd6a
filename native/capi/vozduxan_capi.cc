// The flat C ABI (include/vozduxan.h) over the engine: a second host beside the N-API binding.
// Blocking calls wait on the engine's completion callbacks; every entry point catches all
// exceptions, so none crosses into C.
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/errors.h"
#include "engine/session.h"
#include "vozduxan.h"

using vozduxan::EngineError;
using vozduxan::ErrorCode;

struct VozduxanSession {
  std::unique_ptr<vozduxan::Session> engine;
  std::atomic<std::uint64_t> nextOp{1};
  // Blocked calls in flight: destroy waits for them to leave before freeing the engine.
  std::mutex callsMu;
  std::condition_variable callsDone;
  int calls = 0;
};

// One blocking call at a time may use a handle; cancel reaches it through session + op.
struct VozduxanCancel {
  std::mutex mu;
  bool cancelled = false;
  VozduxanSession* session = nullptr;
  std::uint64_t op = 0;
};

namespace {

template <std::size_t N>
void copyString(char (&out)[N], const std::string& text) {
  const std::size_t n = text.size() < N - 1 ? text.size() : N - 1;
  std::memcpy(out, text.data(), n);
  out[n] = '\0';
}

VozduxanError toC(ErrorCode code) {
  switch (code) {
    case ErrorCode::BadInput:
      return VOZDUXAN_BAD_INPUT;
    case ErrorCode::MetadataTimeout:
      return VOZDUXAN_METADATA_TIMEOUT;
    case ErrorCode::BufferTimeout:
      return VOZDUXAN_BUFFER_TIMEOUT;
    case ErrorCode::InvalidFile:
      return VOZDUXAN_INVALID_FILE;
    case ErrorCode::StorageError:
      return VOZDUXAN_STORAGE_ERROR;
    case ErrorCode::Cancelled:
      return VOZDUXAN_CANCELLED;
    case ErrorCode::Closed:
      return VOZDUXAN_CLOSED;
    case ErrorCode::NotFound:
      return VOZDUXAN_NOT_FOUND;
    case ErrorCode::Internal:
      return VOZDUXAN_INTERNAL;
  }
  return VOZDUXAN_INTERNAL;
}

/// Counts a blocked call in, so destroy can wait for it to leave.
class CallGuard {
 public:
  explicit CallGuard(VozduxanSession& s) : s_(s) {
    std::lock_guard<std::mutex> lock(s_.callsMu);
    ++s_.calls;
  }
  ~CallGuard() {
    std::lock_guard<std::mutex> lock(s_.callsMu);
    if (--s_.calls == 0) s_.callsDone.notify_all();
  }
  CallGuard(const CallGuard&) = delete;
  CallGuard& operator=(const CallGuard&) = delete;

 private:
  VozduxanSession& s_;
};

/// Attaches a call's op id to its cancel handle for the call's duration (detached before the
/// call returns, so a late vozduxan_cancel never touches a finished call or a freed session).
class CancelBinding {
 public:
  CancelBinding(VozduxanCancel* cancel, VozduxanSession& s, std::uint64_t op) : cancel_(cancel) {
    if (!cancel_) return;
    std::lock_guard<std::mutex> lock(cancel_->mu);
    already_ = cancel_->cancelled;
    cancel_->session = &s;
    cancel_->op = op;
  }
  ~CancelBinding() {
    if (!cancel_) return;
    std::lock_guard<std::mutex> lock(cancel_->mu);
    cancel_->session = nullptr;
    cancel_->op = 0;
  }
  CancelBinding(const CancelBinding&) = delete;
  CancelBinding& operator=(const CancelBinding&) = delete;
  /// vozduxan_cancel was called before the call started.
  bool already() const { return already_; }

 private:
  VozduxanCancel* cancel_;
  bool already_ = false;
};

/// The engine's answer to one blocking call, and the gate that keeps the caller's progress
/// callback from running once the call has returned.
template <typename Result>
struct Waiter {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  Result result{};
  std::optional<EngineError> error;

  std::mutex gateMu;  // held while a progress callback runs; closed before the call returns
  bool gateOpen = true;

  void finish(Result r, std::optional<EngineError> e) {
    std::lock_guard<std::mutex> lock(mu);
    if (done) return;
    result = std::move(r);
    error = std::move(e);
    done = true;
    cv.notify_all();
  }
  void wait() {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return done; });
  }
  void closeGate() {
    std::lock_guard<std::mutex> lock(gateMu);
    gateOpen = false;
  }
};

vozduxan::TorrentInput toInput(const char* magnet, const uint8_t* data, size_t len) {
  vozduxan::TorrentInput input;
  if (magnet) input.magnet = magnet;
  if (data && len > 0) input.torrent.assign(data, data + len);
  return input;
}

VozduxanSession* createSession(const VozduxanConfig* config, bool loopback) noexcept {
  if (!config || !config->storage_path || !*config->storage_path) return nullptr;
  try {
    vozduxan::SessionConfig engineConfig;
    engineConfig.storagePath = config->storage_path;
    engineConfig.cacheMaxBytes = config->cache_max_bytes;
    engineConfig.cacheTtlSecs = config->cache_ttl_secs;
    engineConfig.listenPort = config->listen_port;
    VozduxanLogFn logFn = config->log_fn;
    void* userdata = config->log_userdata;
    engineConfig.log = [logFn, userdata](const std::string& line) {
      if (logFn)
        logFn(line.c_str(), userdata);
      else
        std::fprintf(stderr, "vozduxan: %s\n", line.c_str());
    };
    if (loopback) {
      for (const char* name : {"enable_dht", "enable_lsd", "enable_upnp", "enable_natpmp",
                               "enable_outgoing_utp", "enable_incoming_utp"})
        engineConfig.settings.emplace_back(name, false);
      engineConfig.settings.emplace_back("listen_interfaces", std::string("127.0.0.1:0"));
      engineConfig.settings.emplace_back("allow_multiple_connections_per_ip", true);
    }
    auto session = std::make_unique<VozduxanSession>();
    session->engine = std::make_unique<vozduxan::Session>(std::move(engineConfig));
    return session.release();  // ownership passes to the caller until vozduxan_session_destroy
  } catch (...) {
    return nullptr;
  }
}

template <typename Out>
void setError(Out& out, VozduxanError code, const std::string& message) {
  out.error = code;
  copyString(out.error_msg, message);
}

template <typename Out>
void setCaught(Out& out) {
  try {
    throw;
  } catch (const EngineError& e) {
    setError(out, toC(e.code()), e.what());
  } catch (const std::exception& e) {
    setError(out, VOZDUXAN_INTERNAL, e.what());
  } catch (...) {
    setError(out, VOZDUXAN_INTERNAL, "unknown error");
  }
}

}  // namespace

extern "C" {

VozduxanSession* vozduxan_session_create(const VozduxanConfig* config) {
  return createSession(config, false);
}

VozduxanSession* vozduxan_session_create_loopback(const VozduxanConfig* config) {
  return createSession(config, true);
}

void vozduxan_session_destroy(VozduxanSession* session) {
  if (!session) return;
  std::unique_ptr<VozduxanSession> owned(session);  // the ownership point of create's release()
  try {
    owned->engine->close();  // fails blocked calls with Closed; joins the engine's threads
  } catch (...) {
  }
  std::unique_lock<std::mutex> lock(owned->callsMu);
  owned->callsDone.wait(lock, [&] { return owned->calls == 0; });
}

VozduxanStreamInfo vozduxan_stream_prepare(VozduxanSession* session, const char* magnet,
                                           const uint8_t* torrent_data, size_t torrent_len,
                                           int file_idx, int is_main,
                                           VozduxanProgressFn progress_fn, void* userdata) {
  return vozduxan_stream_prepare_cancellable(session, magnet, torrent_data, torrent_len, file_idx,
                                             is_main, progress_fn, userdata, nullptr);
}

VozduxanStreamInfo vozduxan_stream_prepare_cancellable(VozduxanSession* session, const char* magnet,
                                                       const uint8_t* torrent_data,
                                                       size_t torrent_len, int file_idx,
                                                       int is_main, VozduxanProgressFn progress_fn,
                                                       void* userdata, VozduxanCancel* cancel) {
  VozduxanStreamInfo out{};
  if (!session) {
    setError(out, VOZDUXAN_BAD_INPUT, "session is NULL");
    return out;
  }
  try {
    CallGuard call(*session);
    const std::uint64_t op = session->nextOp++;
    CancelBinding binding(cancel, *session, op);
    if (binding.already()) {
      setError(out, VOZDUXAN_CANCELLED, "cancelled");
      return out;
    }
    vozduxan::PrepareRequest request;
    request.input = toInput(magnet, torrent_data, torrent_len);
    request.fileIndex = file_idx;
    request.main = is_main != 0;
    auto waiter = std::make_shared<Waiter<vozduxan::StreamInfo>>();
    auto progress = [waiter, progress_fn, userdata](double fraction, const std::string& status) {
      std::lock_guard<std::mutex> gate(waiter->gateMu);
      if (waiter->gateOpen && progress_fn) progress_fn(fraction, status.c_str(), userdata);
    };
    session->engine->prepare(op, request, progress,
                             [waiter](vozduxan::StreamInfo info, std::optional<EngineError> error) {
                               waiter->finish(std::move(info), std::move(error));
                             });
    waiter->wait();
    waiter->closeGate();  // waits for a progress callback still running; none starts after
    if (waiter->error) {
      setError(out, toC(waiter->error->code()), waiter->error->what());
      return out;
    }
    copyString(out.url, waiter->result.url);
    copyString(out.token, waiter->result.token);
    copyString(out.mime_type, waiter->result.mimeType);
    out.file_size = waiter->result.fileSize;
    out.error = VOZDUXAN_OK;
  } catch (...) {
    setCaught(out);
  }
  return out;
}

void vozduxan_stream_notify_position(VozduxanSession* session, const char* token,
                                     int64_t byte_offset) {
  if (!session || !token) return;
  try {
    session->engine->notifyPosition(token, byte_offset);
  } catch (...) {
  }
}

void vozduxan_stream_release(VozduxanSession* session, const char* token) {
  if (!session || !token) return;
  try {
    session->engine->release(token);
  } catch (...) {
  }
}

VozduxanStreamStats vozduxan_stream_stats(VozduxanSession* session, const char* token) {
  VozduxanStreamStats out{};
  if (!session || !token) return out;
  try {
    if (auto stats = session->engine->stats(token)) {
      const std::int64_t rate = stats->downloadRate;
      out.download_rate_bytes = static_cast<int32_t>(rate > INT32_MAX ? INT32_MAX : rate);
      out.num_peers = stats->numPeers;
    }
  } catch (...) {
  }
  return out;
}

VozduxanFileList vozduxan_list_files(VozduxanSession* session, const char* magnet,
                                     const uint8_t* torrent_data, size_t torrent_len) {
  return vozduxan_list_files_cancellable(session, magnet, torrent_data, torrent_len, nullptr);
}

VozduxanFileList vozduxan_list_files_cancellable(VozduxanSession* session, const char* magnet,
                                                 const uint8_t* torrent_data, size_t torrent_len,
                                                 VozduxanCancel* cancel) {
  VozduxanFileList out{};
  if (!session) {
    setError(out, VOZDUXAN_BAD_INPUT, "session is NULL");
    return out;
  }
  try {
    CallGuard call(*session);
    const std::uint64_t op = session->nextOp++;
    CancelBinding binding(cancel, *session, op);
    if (binding.already()) {
      setError(out, VOZDUXAN_CANCELLED, "cancelled");
      return out;
    }
    auto waiter = std::make_shared<Waiter<std::vector<vozduxan::FileEntry>>>();
    session->engine->listFiles(
        op, toInput(magnet, torrent_data, torrent_len), std::chrono::milliseconds(0),
        [waiter](std::vector<vozduxan::FileEntry> files, std::optional<EngineError> error) {
          waiter->finish(std::move(files), std::move(error));
        });
    waiter->wait();
    if (waiter->error) {
      setError(out, toC(waiter->error->code()), waiter->error->what());
      return out;
    }
    const auto& files = waiter->result;
    auto entries = std::make_unique<VozduxanFileEntry[]>(files.size());
    for (std::size_t i = 0; i < files.size(); ++i) {
      copyString(entries[i].name, files[i].name);
      copyString(entries[i].mime, files[i].mime);
      entries[i].size = files[i].size;
      entries[i].index = files[i].index;
    }
    out.count = static_cast<int>(files.size());
    out.files = entries.release();  // owned by the list until vozduxan_file_list_free
    out.error = VOZDUXAN_OK;
  } catch (...) {
    setCaught(out);
  }
  return out;
}

void vozduxan_file_list_free(VozduxanFileList* list) {
  if (!list) return;
  std::unique_ptr<VozduxanFileEntry[]> owned(list->files);  // the ownership point of release()
  list->files = nullptr;
  list->count = 0;
}

void vozduxan_session_evict(VozduxanSession* session) {
  if (!session) return;
  try {
    session->engine->evict();
  } catch (...) {
  }
}

uint16_t vozduxan_session_http_port(VozduxanSession* session) {
  if (!session) return 0;
  try {
    return session->engine->httpPort();
  } catch (...) {
    return 0;
  }
}

VozduxanCancel* vozduxan_cancel_new(void) {
  try {
    return std::make_unique<VozduxanCancel>().release();  // freed by vozduxan_cancel_free
  } catch (...) {
    return nullptr;
  }
}

void vozduxan_cancel(VozduxanCancel* cancel) {
  if (!cancel) return;
  try {
    std::lock_guard<std::mutex> lock(cancel->mu);
    cancel->cancelled = true;
    // Under the handle's lock: the call cannot detach (and return) meanwhile, so its session
    // is alive.
    if (cancel->session && cancel->op != 0) cancel->session->engine->cancel(cancel->op);
  } catch (...) {
  }
}

void vozduxan_cancel_free(VozduxanCancel* cancel) {
  std::unique_ptr<VozduxanCancel> owned(cancel);  // the ownership point of cancel_new's release()
}

const char* vozduxan_error_name(VozduxanError error) {
  switch (error) {
    case VOZDUXAN_OK:
      return "OK";
    case VOZDUXAN_METADATA_TIMEOUT:
      return "METADATA_TIMEOUT";
    case VOZDUXAN_INVALID_FILE:
      return "INVALID_FILE";
    case VOZDUXAN_BAD_INPUT:
      return "BAD_INPUT";
    case VOZDUXAN_CANCELLED:
      return "CANCELLED";
    case VOZDUXAN_BUFFER_TIMEOUT:
      return "BUFFER_TIMEOUT";
    case VOZDUXAN_STORAGE_ERROR:
      return "STORAGE_ERROR";
    case VOZDUXAN_CLOSED:
      return "CLOSED";
    case VOZDUXAN_NOT_FOUND:
      return "NOT_FOUND";
    case VOZDUXAN_INTERNAL:
      return "INTERNAL";
  }
  return "INTERNAL";
}

}  // extern "C"
