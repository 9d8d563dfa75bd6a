#include "engine/session.h"

#include <pthread.h>

#include <algorithm>
#include <cctype>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/extensions/smart_ban.hpp>
#include <utility>
#include <vector>

#include "engine/guarded.h"
#include "engine/no_upload_only.h"
#include "engine/session_settings.h"
#include "engine/tcp_no_delay.h"
#include "engine/tls_trust.h"
#include "engine/torrent_input.h"

namespace vozduxan {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kTick = std::chrono::milliseconds(50);
constexpr auto kStatusInterval = std::chrono::milliseconds(500);

bool isConnectNoise(const std::string& message) {
  std::string lower(message);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.find("connecttopeer") != std::string::npos ||
         lower.find("connect to peer") != std::string::npos;
}

HttpLimits httpLimitsOf(const SessionConfig& config) {
  HttpLimits limits = config.http;
  limits.parkTimeout = config.bufferTimeout;
  return limits;
}

std::unique_ptr<lt::session> startLibtorrent(const SessionConfig& config) {
  // Before libtorrent starts: its network thread loads the trusted CAs once, at start-up.
  if (!config.caFile.empty()) addTrustedCaFile(config.caFile);
  lt::settings_pack pack = buildSettings(config);
  try {
    auto session = std::make_unique<lt::session>(lt::session_params(std::move(pack)));
    session->add_extension(makeTcpNoDelayPlugin());
    session->add_extension(makeNoUploadOnlyPlugin());
    // A piece that fails its hash and then passes tells, block by block, which peer lied:
    // that peer is banned instead of every peer that took part losing trust.
    session->add_extension(&lt::create_smart_ban_plugin);
    return session;
  } catch (const std::exception& e) {
    throw EngineError(ErrorCode::Internal, std::string("session start failed: ") + e.what());
  }
}

}  // namespace

Session::Session(SessionConfig config)
    : config_(std::move(config)),
      events_(config_.eventsWaiting),
      cache_(config_.storagePath),
      lt_(startLibtorrent(config_)),
      http_(
          *this, [this](const std::string& m) { log(m); }, httpLimitsOf(config_), &events_),
      reads_(http_.io(), events_, config_.http.softTimeout),
      torrents_(*lt_, cache_, streams_, config_, [this](const std::string& m) { log(m); }),
      ops_(
          config_, torrents_, streams_,
          [this](const std::shared_ptr<Torrent>& t) { requestReschedule(t); },
          [this](const std::string& token) { return http_.streamUrl(token); }, &events_),
      watch_(config_.hangTimeout) {
  try {
    lt_->set_alert_notify([this] { wake(); });
    http_.start();
    loop_ = std::thread([this] { runLoop(); });
  } catch (const EngineError&) {
    lt_->set_alert_notify([] {});
    throw;
  } catch (const std::exception& e) {
    lt_->set_alert_notify([] {});
    throw EngineError(ErrorCode::Internal, std::string("session start failed: ") + e.what());
  }
}

Session::~Session() { close(); }

void Session::log(const std::string& message) const {
  if (config_.log && !isConnectNoise(message)) config_.log(message);
}

bool Session::closed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return closed_;
}

void Session::wake() {
  {
    std::lock_guard<std::mutex> lock(loopMu_);
    alertsReady_ = true;
  }
  loopWake_.notify_one();
}

void Session::requestReschedule(const std::shared_ptr<Torrent>& torrent) {
  {
    std::lock_guard<std::mutex> lock(loopMu_);
    rescheduleKeys_.insert(torrent->key());
  }
  loopWake_.notify_one();
}

// ---- calls from JS: each takes the lock and hands over to a room -----------------

void Session::listFiles(std::uint64_t opId, const TorrentInput& input,
                        std::chrono::milliseconds timeout, FilesDone done) {
  lt::add_torrent_params params = parseTorrentInput(input);
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) throw EngineError(ErrorCode::Closed, "session is closed");
  ops_.listFiles(opId, std::move(params), timeout, std::move(done));
  wake();
}

void Session::prepare(std::uint64_t opId, const PrepareRequest& request, Progress progress,
                      PrepareDone done) {
  lt::add_torrent_params params = parseTorrentInput(request.input);
  if (request.fileIndex < 0) throw EngineError(ErrorCode::InvalidFile, "file index must be >= 0");
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) throw EngineError(ErrorCode::Closed, "session is closed");
  ops_.prepare(opId, std::move(params), request, std::move(progress), std::move(done));
  wake();
}

std::uint64_t Session::openRead(const std::string& token, std::int64_t first, std::int64_t last,
                                bool follow) {
  std::shared_ptr<Stream> stream;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) throw EngineError(ErrorCode::Closed, "session is closed");
    stream = streams_.find(token);
  }
  if (!stream) return 0;
  return reads_.open(std::move(stream), first, last, follow);
}

void Session::read(std::uint64_t opId, std::uint64_t readId, std::int64_t position,
                   std::size_t length, DirectReads::Done done) {
  if (closed()) throw EngineError(ErrorCode::Closed, "session is closed");
  reads_.read(opId, readId, position, length, std::move(done));
}

void Session::closeRead(std::uint64_t readId, bool completed) { reads_.close(readId, completed); }

void Session::cancel(std::uint64_t opId) {
  if (reads_.cancel(opId)) return;
  Deferred deferred;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ops_.cancel(opId, deferred);
  }
  runDeferred(deferred);
}

std::shared_ptr<StreamSource> Session::findStream(const std::string& token) {
  std::lock_guard<std::mutex> lock(mu_);
  return streams_.find(token);
}

bool Session::notifyPosition(const std::string& token, std::int64_t byteOffset) {
  std::shared_ptr<Stream> stream;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stream = streams_.find(token);
  }
  if (!stream) return false;
  stream->reportPosition(byteOffset);
  return true;
}

std::optional<std::int64_t> Session::notifyTime(const std::string& token, double seconds) {
  std::shared_ptr<Stream> stream;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stream = streams_.find(token);
  }
  if (!stream) return std::nullopt;
  const std::int64_t offset = stream->offsetForTime(seconds);
  stream->reportPosition(offset);
  return offset;
}

bool Session::addPeers(const std::string& token, const std::vector<std::string>& peers) {
  std::vector<lt::tcp::endpoint> endpoints;
  endpoints.reserve(peers.size());
  for (const std::string& peer : peers) endpoints.push_back(parsePeer(peer));
  std::lock_guard<std::mutex> lock(mu_);
  const auto stream = streams_.find(token);
  return stream && torrents_.addPeers(stream->torrent()->key(), endpoints);
}

bool Session::release(const std::string& token) {
  Deferred deferred;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto stream = streams_.find(token);
    if (!stream) return false;
    torrents_.releaseStream(stream, deferred);
  }
  runDeferred(deferred);
  return true;
}

std::optional<StreamStats> Session::stats(const std::string& token) const {
  std::shared_ptr<Stream> stream;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stream = streams_.find(token);
  }
  if (!stream) return std::nullopt;
  return stream->stats();
}

EvictResult Session::evict() {
  EvictionSnapshot snapshot;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) throw EngineError(ErrorCode::Closed, "session is closed");
    snapshot = torrents_.evictionSnapshot();
  }
  // Walking the cache is disk I/O: done without the lock, so streams keep flowing.
  std::vector<CachedTorrent> cached = cache_.list();
  std::unique_lock<std::mutex> lock(mu_);
  // close() may have run meanwhile: libtorrent is gone, and so are the torrents.
  if (closed_) throw EngineError(ErrorCode::Closed, "session is closed");
  EvictResult result = torrents_.evict(
      snapshot, std::move(cached), [this](const std::string& key) { return ops_.waitsFor(key); });
  lock.unlock();
  cache_.emptyTrash();  // the deleting itself, without the lock
  return result;
}

Session::TorrentCounts Session::torrentCounts() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_ || !lt_) return {};
  return {torrents_.size(), lt_->get_torrents().size()};
}

// ---- close ----------------------------------------------------------------------

void Session::close() {
  // Nothing here may throw past this point: closed_ is set first, and the engine thread must
  // still be joined (a std::thread destroyed joinable ends the process). Each fallible step
  // is guarded on its own.
  std::lock_guard<std::mutex> closing(closeMu_);
  const auto onError = [this](const std::string& what) { log("close: " + what); };
  Deferred deferred;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
    closed_ = true;
    guarded([&] { ops_.failAll(EngineError(ErrorCode::Closed, "session closed"), deferred); },
            onError);
    guarded(
        [&] {
          streams_.markAllReleased();
          torrents_.takeAllWaiters(deferred);
        },
        onError);
  }
  runDeferred(deferred);
  guarded([&] { http_.stop(); }, onError);
  {
    std::lock_guard<std::mutex> lock(loopMu_);
    stopping_ = true;
  }
  loopWake_.notify_one();
  if (loop_.joinable()) loop_.join();
  guarded([&] { lt_->set_alert_notify([] {}); }, onError);
  guarded([&] { saveAllResumeData(); }, onError);
  guarded(
      [&] {
        std::lock_guard<std::mutex> lock(mu_);
        streams_.clear();
        torrents_.clear();
      },
      onError);
  guarded([&] { lt_.reset(); }, onError);
}

void Session::runDeferred(Deferred& deferred) const {
  forEachGuarded(
      deferred, [](auto& run) { run(); },
      [this](const std::string& what) { log("engine callback error: " + what); });
}

void Session::saveAllResumeData() {
  // The engine thread is gone: pump the answers here, a bounded while.
  int outstanding = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    outstanding = torrents_.requestResumeData();
  }
  const auto deadline = Clock::now() + std::chrono::seconds(3);
  while (outstanding > 0 && Clock::now() < deadline) {
    if (!lt_->wait_for_alert(std::chrono::milliseconds(100))) continue;
    std::vector<lt::alert*> alerts;
    lt_->pop_alerts(&alerts);
    std::lock_guard<std::mutex> lock(mu_);
    for (lt::alert* alert : alerts) {
      if (auto* saved = lt::alert_cast<lt::save_resume_data_alert>(alert)) {
        --outstanding;
        guarded([&] { torrents_.onResumeData(saved->handle, saved->params); },
                [this](const std::string& what) { log("resume data not saved: " + what); });
      } else if (lt::alert_cast<lt::save_resume_data_failed_alert>(alert)) {
        --outstanding;  // nothing changed since the last save, or the torrent has no data
      }
    }
  }
}

// ---- the engine thread ----------------------------------------------------------

void Session::runLoop() {
  pthread_setname_np(pthread_self(), "vozduxan-engine");
  auto nextStatus = Clock::now();
  while (true) {
    std::set<std::string> keys;
    {
      std::unique_lock<std::mutex> lock(loopMu_);
      loopWake_.wait_for(lock, kTick,
                         [this] { return stopping_ || alertsReady_ || !rescheduleKeys_.empty(); });
      if (stopping_) return;
      alertsReady_ = false;
      keys.swap(rescheduleKeys_);
    }
    Deferred deferred;
    {
      // Each step guarded on its own: one that throws never starves the others.
      const auto onError = [this](const std::string& what) { log("engine loop error: " + what); };
      std::lock_guard<std::mutex> lock(mu_);
      guarded([&] { handleAlerts(deferred); }, onError);
      for (const auto& key : keys) guarded([&] { torrents_.reschedule(key); }, onError);
      guarded([&] { torrents_.reviveFinished(Clock::now()); }, onError);
      guarded([&] { ops_.advance(deferred); }, onError);
      guarded([&] { torrents_.repairWhereRequested(); }, onError);
      if (Clock::now() >= nextStatus) {
        guarded([&] { torrents_.reconcileAwaited(deferred); }, onError);
        guarded([&] { streams_.followStaleReaders(Clock::now()); }, onError);
        guarded([&] { torrents_.pace(); }, onError);
        guarded(
            [&] {
              torrents_.dropLingering(
                  Clock::now(), [this](const std::string& key) { return ops_.waitsFor(key); });
            },
            onError);
        guarded([&] { lt_->post_torrent_updates(); }, onError);
        guarded([&] { reportStreams(); }, onError);
        guarded([&] { reads_.checkSlow(); }, onError);
        nextStatus = Clock::now() + kStatusInterval;
      }
    }
    runDeferred(deferred);
  }
}

void Session::reportStreams() {
  if (!events_.enabled()) return;
  std::vector<WatchedStream> watched;
  for (const auto& [token, stream] : streams_.all()) {
    if (stream->released()) continue;
    const Torrent& torrent = *stream->torrent();
    const TorrentStatusSnapshot status = torrent.status();
    WatchedStream w;
    w.token = token;
    w.torrentKey = torrent.key();
    w.firstPiece = stream->firstPiece();
    w.lastPiece = stream->lastPiece();
    for (int piece : torrent.awaitedPieces()) {
      // A reader held past the read-ahead cap waits for the player, not the swarm: no work.
      if (piece >= w.firstPiece && piece <= w.lastPiece && !stream->holds(piece))
        w.awaitedPieces.push_back(piece);
    }
    w.pendingOps = ops_.pendingFor(*stream);
    w.hasWork = !w.awaitedPieces.empty() || w.pendingOps > 0;
    w.motion = status.bytesReceived + status.bytesDone;
    w.peers = status.numPeers;
    w.seeds = status.numSeeds;
    w.state = stream->stats().state;
    watched.push_back(std::move(w));
  }
  for (EngineEvent& event : watch_.observe(Clock::now(), watched)) events_.emit(std::move(event));
}

void Session::handleAlerts(Deferred& deferred) {
  std::vector<lt::alert*> alerts;
  lt_->pop_alerts(&alerts);
  // One alert's failure (a metadata file that cannot be written, say) must not drop the
  // rest of the batch: other torrents' add and check alerts would be lost for good.
  forEachGuarded(
      alerts, [&](lt::alert* alert) { handleAlert(alert, deferred); },
      [this](const std::string& what) { log("alert handling error: " + what); });
  // Drop ops ended by alerts (errors) here so the loop sees a consistent map.
  ops_.eraseFinished();
}

void Session::handleAlert(lt::alert* alert, Deferred& deferred) {
  if (auto* added = lt::alert_cast<lt::add_torrent_alert>(alert)) {
    TorrentEntry* entry = torrents_.find(added->params);
    if (!entry) {
      torrents_.onAddedUnwanted(added->handle);
      return;
    }
    if (added->error) {
      log("add torrent failed: " + added->error.message());
      const std::string key = entry->torrent->key();
      ops_.fail(
          key,
          EngineError(ErrorCode::StorageError, "could not add torrent: " + added->error.message()),
          std::nullopt, deferred);
      torrents_.onAddFailed(key);
      return;
    }
    torrents_.onAdded(*entry, added->handle, added->params.ti);
  } else if (auto* metadata = lt::alert_cast<lt::metadata_received_alert>(alert)) {
    if (TorrentEntry* entry = torrents_.find(metadata->handle))
      torrents_.onMetadata(*entry, metadata->handle.torrent_file());
  } else if (auto* checked = lt::alert_cast<lt::torrent_checked_alert>(alert)) {
    if (TorrentEntry* entry = torrents_.find(checked->handle))
      torrents_.onChecked(*entry, deferred);
  } else if (auto* state = lt::alert_cast<lt::state_changed_alert>(alert)) {
    if (TorrentEntry* entry = torrents_.find(state->handle))
      torrents_.onStateChanged(*entry, state->state, deferred);
  } else if (auto* piece = lt::alert_cast<lt::piece_finished_alert>(alert)) {
    if (TorrentEntry* entry = torrents_.find(piece->handle)) {
      torrents_.onPieceFinished(*entry, static_cast<int>(piece->piece_index), deferred);
      if (events_.enabled())
        watch_.pieceVerified(entry->torrent->key(), static_cast<int>(piece->piece_index));
    }
  } else if (auto* resume = lt::alert_cast<lt::save_resume_data_alert>(alert)) {
    torrents_.onResumeData(resume->handle, resume->params);
  } else if (auto* updates = lt::alert_cast<lt::state_update_alert>(alert)) {
    torrents_.onStatus(updates->status);
  } else if (auto* failed = lt::alert_cast<lt::file_error_alert>(alert)) {
    log(failed->message());
    if (TorrentEntry* entry = torrents_.find(failed->handle)) {
      ops_.fail(entry->torrent->key(), EngineError(ErrorCode::StorageError, failed->message()),
                PendingOp::Kind::Prepare, deferred);
      for (auto& waiter : entry->torrent->markStorageFailed())
        deferred.push_back(std::move(waiter));
    }
  } else if ((alert->category() & lt::alert_category::error) ||
             lt::alert_cast<lt::torrent_finished_alert>(alert) ||
             lt::alert_cast<lt::torrent_removed_alert>(alert) ||
             // A lying or broken peer: reported (the tests read it from onLog), never served.
             lt::alert_cast<lt::hash_failed_alert>(alert) ||
             lt::alert_cast<lt::peer_ban_alert>(alert)) {
    log(alert->message());
  }
}

}  // namespace vozduxan
