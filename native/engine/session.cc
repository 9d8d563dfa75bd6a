#include "engine/session.h"

#include <pthread.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/read_resume_data.hpp>
#include <libtorrent/torrent_status.hpp>
#include <libtorrent/write_resume_data.hpp>
#include <utility>

#include "engine/audio_header.h"
#include "engine/mime.h"
#include "engine/pending_op.h"
#include "engine/request_pacing.h"
#include "engine/session_settings.h"
#include "engine/tcp_no_delay.h"
#include "engine/tls_trust.h"
#include "engine/token.h"
#include "engine/torrent_input.h"

namespace vozduxan {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kTick = std::chrono::milliseconds(50);
constexpr auto kStatusInterval = std::chrono::milliseconds(500);
constexpr std::int64_t kMinPrebuffer = 32 * 1024;
constexpr std::int64_t kMaxPrebuffer = 4 * 1024 * 1024;
constexpr double kMaxPrebufferSeconds = 3.0;
/// Pieces verified over less than this after the first say little about the link's rate.
constexpr auto kRateProbeMin = std::chrono::milliseconds(100);
constexpr std::uint64_t kDefaultCacheBytes = 50ULL * 1000 * 1000 * 1000;
constexpr std::uint32_t kDefaultTtlSecs = 3600;
// Pieces of a magnet held back until its first schedule (a byte each while it resolves); a larger
// torrent's remaining pieces start at libtorrent's default priority until that schedule.
constexpr std::size_t kMagnetPieceSlots = 1 << 20;

bool isConnectNoise(const std::string& message) {
  std::string lower(message);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.find("connecttopeer") != std::string::npos ||
         lower.find("connect to peer") != std::string::npos;
}

/// Prebuffer from the measured rate against the file's bitrate: on a link that outruns
/// playback (by 20%) the first verified piece is enough; on a slower one, hold what covers the
/// shortfall over the whole file plus two seconds of audio, but never more than a few
/// seconds of download, so a slow swarm delays the first sound only a little.
std::int64_t sizePrebuffer(std::int64_t fileSize, double bytesPerSecondIn, double bitrate) {
  // A link 20% faster than playback stays ahead of it: the first verified piece is enough.
  if (bytesPerSecondIn >= 1.2 * bitrate) return std::min(kMinPrebuffer, fileSize);
  const double shortfall =
      static_cast<double>(fileSize) * (1.0 - std::min(1.0, bytesPerSecondIn / bitrate));
  const double wanted =
      std::min(shortfall + 2.0 * bitrate, kMaxPrebufferSeconds * bytesPerSecondIn);
  return std::min(std::clamp(static_cast<std::int64_t>(wanted), kMinPrebuffer, kMaxPrebuffer),
                  fileSize);
}

/// The file's byte rate from its header (WAV, FLAC) when its first bytes are verified on
/// disk, else a typical rate for its type.
double fileBytesPerSecond(Stream& stream) {
  std::array<char, 4096> head{};
  std::size_t got = 0;
  const auto len = static_cast<std::size_t>(std::min<std::int64_t>(head.size(), stream.size()));
  if (stream.read(0, head.data(), len, got, [] {}) == ReadStatus::Ready) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(head.data());
    if (auto rate = headerBytesPerSecond(bytes, got, stream.size())) return *rate;
  }
  return typicalBytesPerSecond(stream.mimeType());
}

}  // namespace

struct Session::TorrentEntry {
  std::shared_ptr<Torrent> torrent;
  std::vector<lt::tcp::endpoint> pendingPeers;  // given before the handle arrived
  std::set<lt::tcp::endpoint> knownPeers;       // every direct peer, for a re-add
  bool attached = false;
  bool dialed = false;  // resumed: libtorrent connects to peers from then on
  bool metadataFromCache = false;
  std::vector<std::uint8_t> priorities;
  std::set<int> deadlinePieces;
};

Session::Session(SessionConfig config)
    : config_(std::move(config)),
      cache_(config_.storagePath),
      http_(*this, [this](const std::string& m) { log(m); }) {
  // Before libtorrent starts: its network thread loads the trusted CAs once, at start-up.
  if (!config_.caFile.empty()) addTrustedCaFile(config_.caFile);
  lt::settings_pack pack = buildSettings(config_);
  for (const auto& [name, value] : config_.settings) {
    if (name == "request_queue_time") adaptiveQueue_ = false;  // the caller's choice stands
  }
  try {
    lt_ = std::make_unique<lt::session>(lt::session_params(std::move(pack)));
    lt_->add_extension(makeTcpNoDelayPlugin());
    lt_->set_alert_notify([this] {
      {
        std::lock_guard<std::mutex> lock(loopMu_);
        alertsReady_ = true;
      }
      loopWake_.notify_one();
    });
    http_.start();
    loop_ = std::thread([this] { runLoop(); });
  } catch (const EngineError&) {
    if (lt_) lt_->set_alert_notify([] {});
    throw;
  } catch (const std::exception& e) {
    if (lt_) lt_->set_alert_notify([] {});
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

// ---- calls from JS --------------------------------------------------------------

Session::TorrentEntry& Session::entryFor(lt::add_torrent_params params) {
  const std::string key = torrentKey(params.ti ? params.ti->info_hashes() : params.info_hashes);
  auto found = torrents_.find(key);
  if (found != torrents_.end()) {
    TorrentEntry& entry = *found->second;
    const lt::torrent_handle handle = entry.torrent->handle();
    entry.knownPeers.insert(params.peers.begin(), params.peers.end());
    for (const auto& peer : params.peers) {
      if (entry.attached) {
        handle.connect_peer(peer);
      } else {
        entry.pendingPeers.push_back(peer);
      }
    }
    if (entry.attached) {
      for (const auto& tracker : params.trackers) handle.add_tracker(lt::announce_entry(tracker));
    }
    return entry;
  }
  auto entry = std::make_unique<TorrentEntry>();
  entry->torrent = std::make_shared<Torrent>(key, cache_.dataPath(key));
  entry->knownPeers.insert(params.peers.begin(), params.peers.end());
  if (!params.ti) {
    params.ti = cache_.loadMetadata(key);
    entry->metadataFromCache = params.ti != nullptr;
  }
  addToLibtorrent(*entry, std::move(params), true);
  TorrentEntry& ref = *entry;
  torrents_.emplace(key, std::move(entry));
  return ref;
}

void Session::addToLibtorrent(TorrentEntry& entry, lt::add_torrent_params params,
                              bool trustResume) {
  if (params.ti) {
    // Pieces already on disk from an earlier run: trusted here (we still hash-check each
    // piece before its first serve), so a restart skips re-hashing the whole cache.
    const std::vector<char> resume =
        trustResume ? cache_.loadResume(entry.torrent->key()) : std::vector<char>{};
    lt::error_code ec;
    if (!resume.empty()) {
      lt::add_torrent_params saved = lt::read_resume_data(resume, ec);
      if (!ec && saved.have_pieces.size() == params.ti->num_pieces())
        params.have_pieces = std::move(saved.have_pieces);
    }
    // Nothing downloads until a stream asks for pieces.
    params.piece_priorities.assign(static_cast<std::size_t>(params.ti->num_pieces()),
                                   lt::dont_download);
  } else {
    // A magnet: libtorrent applies piece priorities given before the metadata when it lands,
    // cut to the torrent's piece count. Without them it requests random pieces at once, ahead of
    // the ones a stream needs. Not file priorities: a file at dont_download is written to the
    // part file, and re-enabling it goes through the disk thread, after which libtorrent resets
    // every piece to the default priority and requests at random again (measured: a cold start
    // at 8.1 s instead of 4.0 s with 1 MiB pieces at 256 KiB/s).
    params.piece_priorities.assign(kMagnetPieceSlots, lt::dont_download);
  }
  params.save_path = entry.torrent->savePath();
  params.flags &= ~(lt::torrent_flags::auto_managed | lt::torrent_flags::paused |
                    lt::torrent_flags::duplicate_is_error);
  // Added paused: libtorrent dials a torrent's peers at once when it is resumed, otherwise
  // only from its once-a-second connect tick. A magnet resumes on its add alert; a torrent
  // with metadata once a stream wants a piece it lacks (reschedule), or when it needs a full
  // check, which a paused torrent never starts.
  params.flags |= lt::torrent_flags::paused;
  entry.dialed = false;
  lt_->async_add_torrent(std::move(params));
}

void Session::repair(TorrentEntry& entry) {
  // libtorrent has no call to forget one piece, and after force_recheck it does not dial
  // seeds it dropped while complete. Re-adding the torrent without resume data gives a
  // full check and fresh connections to every known peer.
  log("cached data of " + entry.torrent->key() +
      " failed its hash check: re-adding it to check and re-download");
  lt_->remove_torrent(entry.torrent->handle());
  entry.attached = false;
  entry.priorities.clear();
  entry.deadlinePieces.clear();
  lt::add_torrent_params params;
  params.ti = std::make_shared<lt::torrent_info>(*entry.torrent->info());
  params.peers.assign(entry.knownPeers.begin(), entry.knownPeers.end());
  addToLibtorrent(entry, std::move(params), false);
}

void Session::registerOp(std::unique_ptr<PendingOp> op) {
  ops_[op->id] = std::move(op);
  wake();
}

void Session::listFiles(std::uint64_t opId, const TorrentInput& input,
                        std::chrono::milliseconds timeout, FilesDone done) {
  lt::add_torrent_params params = parseTorrentInput(input);
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) throw EngineError(ErrorCode::Closed, "session is closed");
  auto op = std::make_unique<PendingOp>();
  op->id = opId;
  op->kind = PendingOp::Kind::ListFiles;
  op->torrentKey = entryFor(std::move(params)).torrent->key();
  op->metadataDeadline = Clock::now() + (timeout.count() > 0 ? timeout : config_.metadataTimeout);
  op->filesDone = std::move(done);
  registerOp(std::move(op));
}

void Session::prepare(std::uint64_t opId, const PrepareRequest& request, Progress progress,
                      PrepareDone done) {
  lt::add_torrent_params params = parseTorrentInput(request.input);
  if (request.fileIndex < 0) throw EngineError(ErrorCode::InvalidFile, "file index must be >= 0");
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) throw EngineError(ErrorCode::Closed, "session is closed");
  auto op = std::make_unique<PendingOp>();
  op->id = opId;
  op->kind = PendingOp::Kind::Prepare;
  op->torrentKey = entryFor(std::move(params)).torrent->key();
  const auto timeout =
      request.metadataTimeout.count() > 0 ? request.metadataTimeout : config_.metadataTimeout;
  op->metadataDeadline = Clock::now() + timeout;
  op->bufferDeadline = Clock::now() + timeout + config_.bufferTimeout;
  op->request = request;
  op->request.input = {};  // parsed already; don't keep the bytes twice
  op->progress = std::move(progress);
  op->prepareDone = std::move(done);
  registerOp(std::move(op));
}

void Session::cancel(std::uint64_t opId) {
  Deferred deferred;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = ops_.find(opId);
    if (it == ops_.end() || it->second->finished) return;
    finishOp(*it->second, EngineError(ErrorCode::Cancelled, "cancelled"), deferred);
    const std::string key = it->second->torrentKey;
    ops_.erase(it);
    if (auto entry = torrents_.find(key); entry != torrents_.end()) dropIfUnused(*entry->second);
  }
  for (auto& run : deferred) run();
}

std::shared_ptr<Stream> Session::findStreamLocked(const std::string& token) const {
  auto it = streams_.find(token);
  return it == streams_.end() ? nullptr : it->second;
}

std::shared_ptr<StreamSource> Session::findStream(const std::string& token) {
  std::lock_guard<std::mutex> lock(mu_);
  return findStreamLocked(token);
}

bool Session::notifyPosition(const std::string& token, std::int64_t byteOffset) {
  std::shared_ptr<Stream> stream;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stream = findStreamLocked(token);
  }
  if (!stream) return false;
  stream->reportPosition(byteOffset);
  return true;
}

bool Session::release(const std::string& token) {
  Deferred deferred;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto stream = findStreamLocked(token);
    if (!stream) return false;
    releaseLocked(stream, deferred);
  }
  for (auto& run : deferred) run();
  return true;
}

void Session::releaseLocked(const std::shared_ptr<Stream>& stream, Deferred& deferred) {
  stream->markReleased();
  streams_.erase(stream->token());
  // Wake every response waiting on this torrent; the released stream's ones then end.
  for (auto& waiter : stream->torrent()->takeAllWaiters()) deferred.push_back(std::move(waiter));
  stream->torrent()->touch();
  cache_.touch(stream->torrent()->key());
  stream->torrent()->handle().save_resume_data(lt::torrent_handle::only_if_modified);
  if (auto entry = torrents_.find(stream->torrent()->key()); entry != torrents_.end()) {
    reschedule(*entry->second);
  }
}

std::optional<StreamStats> Session::stats(const std::string& token) const {
  std::shared_ptr<Stream> stream;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stream = findStreamLocked(token);
  }
  if (!stream) return std::nullopt;
  const Torrent& torrent = *stream->torrent();
  const TorrentStatusSnapshot status = torrent.status();
  StreamStats stats;
  stats.downloadRate = status.downloadRate;
  stats.uploadRate = status.uploadRate;
  stats.numPeers = status.numPeers;
  stats.numSeeds = status.numSeeds;
  stats.position = stream->position();
  stats.fileSize = stream->size();
  const std::int64_t end = stream->fileOffset() + stream->size();
  stats.bufferedAhead = torrent.contiguousFrom(stream->fileOffset() + stats.position, end);
  stats.piecesTotal = stream->lastPiece() - stream->firstPiece() + 1;
  stats.piecesHad = torrent.countPieces(stream->firstPiece(), stream->lastPiece());
  stats.windowFirst = stream->windowFirst();
  stats.windowLast = stream->windowLast();
  stats.generation = stream->generation();
  stats.seeks = stream->seeks();
  stats.main = stream->main();
  stats.state = stats.piecesHad == stats.piecesTotal ? "complete"
                : stats.bufferedAhead > 0            ? "streaming"
                                                     : "buffering";
  return stats;
}

// ---- eviction -------------------------------------------------------------------

EvictResult Session::evict() {
  const auto ttl =
      std::chrono::seconds(config_.cacheTtlSecs ? config_.cacheTtlSecs : kDefaultTtlSecs);
  const std::uint64_t maxBytes = config_.cacheMaxBytes ? config_.cacheMaxBytes : kDefaultCacheBytes;
  const auto systemNow = std::chrono::system_clock::now();
  const auto steadyNow = Clock::now();
  std::map<std::string, Clock::time_point> lastUsed;  // torrents in the session
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) throw EngineError(ErrorCode::Closed, "session is closed");
    for (const auto& [key, entry] : torrents_) lastUsed[key] = entry->torrent->lastUsed();
  }
  // Walking the cache is disk I/O: done without the lock, so streams keep flowing.
  std::vector<CachedTorrent> cached = cache_.list();
  for (auto& item : cached) {
    if (auto used = lastUsed.find(item.key); used != lastUsed.end()) {
      item.lastUsed = systemNow - std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                      steadyNow - used->second);
    }
  }
  std::sort(cached.begin(), cached.end(),
            [](const CachedTorrent& a, const CachedTorrent& b) { return a.lastUsed < b.lastUsed; });

  EvictResult result;
  std::uint64_t total = 0;
  for (const auto& item : cached) total += item.bytes;
  std::lock_guard<std::mutex> lock(mu_);
  const auto busy = [&](const std::string& key) {
    for (const auto& [token, stream] : streams_) {
      if (stream->torrent()->key() == key) return true;
    }
    for (const auto& [id, op] : ops_) {
      if (op->torrentKey == key) return true;
    }
    // A response still holding the torrent (through its stream) keeps it too.
    auto entry = torrents_.find(key);
    return entry != torrents_.end() && entry->second->torrent.use_count() > 1;
  };
  for (const auto& item : cached) {
    const bool expired = systemNow - item.lastUsed >= ttl;
    if ((!expired && total <= maxBytes) || busy(item.key)) continue;
    if (auto entry = torrents_.find(item.key); entry != torrents_.end()) {
      lt_->remove_torrent(entry->second->torrent->handle());
      torrents_.erase(entry);
    }
    // Under the lock, so a prepare cannot re-add this torrent while its files go.
    result.freedBytes += cache_.remove(item.key);
    total -= std::min(total, item.bytes);
    ++result.removedTorrents;
  }
  result.cacheBytes = total;
  if (result.removedTorrents > 0) {
    log("evicted " + std::to_string(result.removedTorrents) + " torrent(s), " +
        std::to_string(result.freedBytes) + " bytes");
  }
  return result;
}

// ---- close ----------------------------------------------------------------------

void Session::close() {
  std::lock_guard<std::mutex> closing(closeMu_);
  Deferred deferred;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
    closed_ = true;
    for (auto& [id, op] : ops_) {
      if (!op->finished) finishOp(*op, EngineError(ErrorCode::Closed, "session closed"), deferred);
    }
    ops_.clear();
    for (auto& [token, stream] : streams_) stream->markReleased();
    for (auto& [key, entry] : torrents_) {
      for (auto& waiter : entry->torrent->takeAllWaiters()) deferred.push_back(std::move(waiter));
    }
  }
  for (auto& run : deferred) run();
  http_.stop();
  {
    std::lock_guard<std::mutex> lock(loopMu_);
    stopping_ = true;
  }
  loopWake_.notify_one();
  if (loop_.joinable()) loop_.join();
  lt_->set_alert_notify([] {});
  saveAllResumeData();
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [key, entry] : torrents_) entry->torrent->takeAllWaiters();
    streams_.clear();
    torrents_.clear();
  }
  lt_.reset();
}

void Session::saveAllResumeData() {
  // The engine thread is gone: pump the answers here, a bounded while.
  int outstanding = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [key, entry] : torrents_) {
      if (!entry->attached || !entry->torrent->info()) continue;
      entry->torrent->handle().save_resume_data(lt::torrent_handle::only_if_modified);
      ++outstanding;
    }
  }
  const auto deadline = Clock::now() + std::chrono::seconds(3);
  while (outstanding > 0 && Clock::now() < deadline) {
    if (!lt_->wait_for_alert(std::chrono::milliseconds(100))) continue;
    std::vector<lt::alert*> alerts;
    lt_->pop_alerts(&alerts);
    std::lock_guard<std::mutex> lock(mu_);
    for (lt::alert* alert : alerts) {
      if (auto* saved = lt::alert_cast<lt::save_resume_data_alert>(alert)) {
        if (TorrentEntry* entry = findEntry(saved->handle)) {
          cache_.saveResume(entry->torrent->key(), lt::write_resume_data_buf(saved->params));
        }
        --outstanding;
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
    try {
      std::lock_guard<std::mutex> lock(mu_);
      handleAlerts(deferred);
      for (const auto& key : keys) {
        if (auto entry = torrents_.find(key); entry != torrents_.end()) reschedule(*entry->second);
      }
      advanceOps(deferred);
      for (auto& [key, entry] : torrents_) {
        if (entry->attached && entry->torrent->takeRecheckRequest()) repair(*entry);
      }
      if (Clock::now() >= nextStatus) {
        for (auto& [key, entry] : torrents_) reconcileAwaited(*entry, deferred);
        pacePipeline();
        lt_->post_torrent_updates();
        nextStatus = Clock::now() + kStatusInterval;
      }
    } catch (const std::exception& e) {
      log(std::string("engine loop error: ") + e.what());
    }
    for (auto& run : deferred) {
      try {
        run();
      } catch (const std::exception& e) {
        log(std::string("engine callback error: ") + e.what());
      }
    }
  }
}

Session::TorrentEntry* Session::findEntry(const lt::torrent_handle& handle) {
  for (auto& [key, entry] : torrents_) {
    if (entry->attached && entry->torrent->handle() == handle) return entry.get();
  }
  return nullptr;
}

void Session::handleAlerts(Deferred& deferred) {
  std::vector<lt::alert*> alerts;
  lt_->pop_alerts(&alerts);
  for (lt::alert* alert : alerts) {
    if (auto* added = lt::alert_cast<lt::add_torrent_alert>(alert)) {
      const auto& params = added->params;
      const std::string key = torrentKey(params.ti ? params.ti->info_hashes() : params.info_hashes);
      auto it = torrents_.find(key);
      if (it == torrents_.end()) continue;
      if (added->error) {
        log("add torrent failed: " + added->error.message());
        for (auto& [id, op] : ops_) {
          if (op->torrentKey == key && !op->finished) {
            finishOp(*op,
                     EngineError(ErrorCode::StorageError,
                                 "could not add torrent: " + added->error.message()),
                     deferred);
          }
        }
        torrents_.erase(it);
        continue;
      }
      TorrentEntry& entry = *it->second;
      entry.torrent->attach(added->handle);
      entry.attached = true;
      for (const auto& peer : entry.pendingPeers) added->handle.connect_peer(peer);
      entry.pendingPeers.clear();
      if (params.ti && entry.torrent->info()) {
        // A re-added torrent (repair) kept its metadata and its streams: they want their
        // pieces again before the check ends.
        reschedule(entry);
      } else if (params.ti) {
        onMetadata(entry, params.ti);
      } else {
        dial(entry);
      }
    } else if (auto* metadata = lt::alert_cast<lt::metadata_received_alert>(alert)) {
      if (TorrentEntry* entry = findEntry(metadata->handle))
        onMetadata(*entry, metadata->handle.torrent_file());
    } else if (auto* checked = lt::alert_cast<lt::torrent_checked_alert>(alert)) {
      if (TorrentEntry* entry = findEntry(checked->handle)) onChecked(*entry, deferred);
    } else if (auto* state = lt::alert_cast<lt::state_changed_alert>(alert)) {
      TorrentEntry* entry = findEntry(state->handle);
      if (state->state == lt::torrent_status::checking_files && entry) dial(*entry);
      const bool active = state->state == lt::torrent_status::downloading ||
                          state->state == lt::torrent_status::finished ||
                          state->state == lt::torrent_status::seeding;
      if (active && entry && entry->torrent->info() && !entry->torrent->ready())
        onChecked(*entry, deferred);
    } else if (auto* piece = lt::alert_cast<lt::piece_finished_alert>(alert)) {
      if (TorrentEntry* entry = findEntry(piece->handle)) {
        for (auto& waiter : entry->torrent->markPiece(static_cast<int>(piece->piece_index))) {
          deferred.push_back(std::move(waiter));
        }
        reschedule(*entry);
      }
    } else if (auto* resume = lt::alert_cast<lt::save_resume_data_alert>(alert)) {
      if (TorrentEntry* entry = findEntry(resume->handle)) {
        cache_.saveResume(entry->torrent->key(), lt::write_resume_data_buf(resume->params));
      }
    } else if (auto* updates = lt::alert_cast<lt::state_update_alert>(alert)) {
      for (const lt::torrent_status& status : updates->status) {
        if (TorrentEntry* entry = findEntry(status.handle)) {
          entry->torrent->setStatus({status.download_payload_rate, status.upload_payload_rate,
                                     status.num_peers, status.num_seeds, status.total_wanted_done});
        }
      }
    } else if (auto* failed = lt::alert_cast<lt::file_error_alert>(alert)) {
      log(failed->message());
      if (TorrentEntry* entry = findEntry(failed->handle)) {
        for (auto& [id, op] : ops_) {
          if (op->torrentKey == entry->torrent->key() && op->kind == PendingOp::Kind::Prepare &&
              !op->finished) {
            finishOp(*op, EngineError(ErrorCode::StorageError, failed->message()), deferred);
          }
        }
      }
    } else if (alert->category() & lt::alert_category::error) {
      log(alert->message());
    } else if (lt::alert_cast<lt::torrent_finished_alert>(alert) ||
               lt::alert_cast<lt::torrent_removed_alert>(alert)) {
      log(alert->message());
    }
  }
  // Drop ops ended by alerts (errors) here so the loop sees a consistent map.
  for (auto it = ops_.begin(); it != ops_.end();) {
    it = it->second->finished ? ops_.erase(it) : std::next(it);
  }
}

void Session::onMetadata(TorrentEntry& entry, std::shared_ptr<const lt::torrent_info> info) {
  if (!info || entry.torrent->info()) return;
  entry.torrent->setMetadata(info);
  if (!entry.metadataFromCache) cache_.saveMetadata(entry.torrent->key(), *info);
  log("metadata ready: " + info->name() + " (" + std::to_string(info->num_files()) + " files)");
  reschedule(entry);
}

void Session::onChecked(TorrentEntry& entry, Deferred& deferred) {
  if (!entry.torrent->info()) return;
  const lt::torrent_status status =
      entry.torrent->handle().status(lt::torrent_handle::query_pieces);
  std::vector<bool> have(static_cast<std::size_t>(status.pieces.size()), false);
  for (int p = 0; p < status.pieces.size(); ++p) {
    have[static_cast<std::size_t>(p)] = status.pieces[lt::piece_index_t(p)];
  }
  for (auto& waiter : entry.torrent->setChecked(have)) deferred.push_back(std::move(waiter));
  // After a recheck, set every deadline and priority afresh.
  entry.torrent->handle().clear_piece_deadlines();
  entry.deadlinePieces.clear();
  entry.priorities.clear();
  reschedule(entry);  // dials the peers if a stream wants a piece the torrent lacks
}

void Session::dial(TorrentEntry& entry) {
  if (entry.dialed) return;
  entry.torrent->handle().resume();
  entry.dialed = true;
}

// ---- pending operations -----------------------------------------------------------

void Session::advanceOps(Deferred& deferred) {
  for (auto& [id, op] : ops_) {
    if (op->finished) continue;
    try {
      if (advance(*op, deferred)) op->finished = true;
    } catch (const EngineError& e) {
      finishOp(*op, e, deferred);
    } catch (const std::exception& e) {
      finishOp(*op, EngineError(ErrorCode::Internal, e.what()), deferred);
    }
  }
  for (auto it = ops_.begin(); it != ops_.end();) {
    it = it->second->finished ? ops_.erase(it) : std::next(it);
  }
}

void Session::finishOp(PendingOp& op, std::optional<EngineError> error, Deferred& deferred) {
  op.finished = true;
  if (error && op.stream) releaseLocked(op.stream, deferred);
  if (op.kind == PendingOp::Kind::ListFiles) {
    if (op.filesDone)
      deferred.push_back([done = std::move(op.filesDone), error] { done({}, error); });
  } else if (op.prepareDone) {
    deferred.push_back([done = std::move(op.prepareDone), error] { done({}, error); });
  }
}

bool Session::advance(PendingOp& op, Deferred& deferred) {
  auto it = torrents_.find(op.torrentKey);
  if (it == torrents_.end()) throw EngineError(ErrorCode::Internal, "torrent vanished");
  const auto info = it->second->torrent->info();
  const auto now = Clock::now();
  if (!info) {
    if (now >= op.metadataDeadline) {
      throw EngineError(ErrorCode::MetadataTimeout,
                        "no metadata from the swarm before the timeout");
    }
    if (op.progress && op.lastStatus != "metadata") {
      op.lastStatus = "metadata";
      deferred.push_back([progress = op.progress] { progress(0.0, "resolving metadata"); });
    }
    return false;
  }
  if (op.kind == PendingOp::Kind::ListFiles) {
    std::vector<FileEntry> files;
    const lt::file_storage& storage = info->files();
    for (lt::file_index_t i : storage.file_range()) {
      if (storage.pad_file_at(i)) continue;
      const std::string name = storage.file_path(i);
      files.push_back({static_cast<int>(i), name, mimeForName(name), storage.file_size(i)});
    }
    deferred.push_back(
        [done = std::move(op.filesDone), files = std::move(files)] { done(files, std::nullopt); });
    return true;
  }
  return advancePrepare(op, deferred);
}

void Session::cancelOtherMainPrepares(const PendingOp& op, Deferred& deferred) {
  for (auto& [id, other] : ops_) {
    if (id == op.id || other->finished || other->kind != PendingOp::Kind::Prepare ||
        !other->request.main)
      continue;
    if (other->torrentKey != op.torrentKey) continue;
    finishOp(
        *other,
        EngineError(ErrorCode::Cancelled, "superseded by a newer main prepare on this torrent"),
        deferred);
  }
}

bool Session::advancePrepare(PendingOp& op, Deferred& deferred) {
  TorrentEntry& entry = *torrents_.at(op.torrentKey);
  const std::shared_ptr<Torrent>& torrent = entry.torrent;
  const auto info = torrent->info();
  const auto now = Clock::now();
  if (!torrent->ready()) {
    if (op.progress && op.lastStatus != "checking") {
      op.lastStatus = "checking";
      deferred.push_back([progress = op.progress] { progress(0.0, "checking files"); });
    }
    if (now >= op.bufferDeadline)
      throw EngineError(ErrorCode::BufferTimeout, "file check did not finish");
    return false;
  }
  if (!op.stream) {
    const lt::file_storage& storage = info->files();
    const int index = op.request.fileIndex;
    if (index >= storage.num_files()) {
      throw EngineError(ErrorCode::InvalidFile,
                        "file index " + std::to_string(index) + " out of range (torrent has " +
                            std::to_string(storage.num_files()) + " files)");
    }
    const std::string name = storage.file_path(lt::file_index_t(index));
    if (storage.pad_file_at(lt::file_index_t(index)) || !isAudioMime(mimeForName(name))) {
      throw EngineError(ErrorCode::InvalidFile,
                        "file " + std::to_string(index) + " is not audio: " + name);
    }
    if (op.request.main) cancelOtherMainPrepares(op, deferred);
    op.stream = std::make_shared<Stream>(
        newStreamToken(), torrent, index, op.request.main,
        [this](const std::shared_ptr<Torrent>& t) { requestReschedule(t); });
    op.stream->setPosition(0);
    streams_[op.stream->token()] = op.stream;
    op.bufferStart = now;
    op.prebufferTarget = std::min<std::int64_t>(kMinPrebuffer, op.stream->size());
    op.bufferDeadline = now + config_.bufferTimeout;
    reschedule(entry);
  }
  const Stream& stream = *op.stream;
  const std::int64_t buffered =
      torrent->contiguousFrom(stream.fileOffset(), stream.fileOffset() + stream.size());
  if (buffered > op.lastBuffered) {
    op.lastBuffered = buffered;
    op.bufferDeadline = now + config_.bufferTimeout;
  }
  if (!op.targetSized && buffered > 0) {
    // libtorrent's payload rate, not bytes over elapsed time: the elapsed time includes
    // connecting and unchoking, which says nothing about the rate playback will see.
    const double measured = static_cast<double>(torrent->status().downloadRate);
    const double seconds =
        std::max(1e-3, std::chrono::duration<double>(now - op.bufferStart).count());
    const double rate = measured > 0 ? measured : static_cast<double>(buffered) / seconds;
    const double bitrate = fileBytesPerSecond(*op.stream);
    op.stream->setByteRate(bitrate);
    op.prebufferTarget = sizePrebuffer(stream.size(), rate, bitrate);
    op.targetSized = true;
    op.firstPieceAt = now;
    op.firstBuffered = buffered;
  } else if (op.targetSized && buffered > op.firstBuffered &&
             now - op.firstPieceAt >= kRateProbeMin) {
    // libtorrent's rate lags by seconds and a slow first piece (connection set-up) reads low:
    // the pieces since the first tell the link's rate sooner. The target only ever shrinks.
    const double since = std::chrono::duration<double>(now - op.firstPieceAt).count();
    const double rate = std::max(static_cast<double>(torrent->status().downloadRate),
                                 static_cast<double>(buffered - op.firstBuffered) / since);
    op.prebufferTarget =
        std::min(op.prebufferTarget, sizePrebuffer(stream.size(), rate, stream.byteRate()));
  }
  const std::int64_t target = std::max<std::int64_t>(op.prebufferTarget, 1);
  if (buffered >= target || buffered >= stream.size()) {
    StreamInfo result;
    result.token = stream.token();
    result.url = "http://127.0.0.1:" + std::to_string(http_.port()) + "/stream/" + stream.token();
    result.fileSize = stream.size();
    result.mimeType = stream.mimeType();
    result.prebufferBytes = target;
    auto done = std::move(op.prepareDone);
    if (op.progress) deferred.push_back([progress = op.progress] { progress(1.0, "ready"); });
    deferred.push_back(
        [done = std::move(done), result = std::move(result)] { done(result, std::nullopt); });
    return true;
  }
  const int percent =
      static_cast<int>(100.0 * static_cast<double>(buffered) / static_cast<double>(target));
  if (op.progress && percent != op.lastPercent) {
    op.lastPercent = percent;
    op.lastStatus = "buffering";
    deferred.push_back(
        [progress = op.progress, percent] { progress(percent / 100.0, "buffering"); });
  }
  if (now >= op.bufferDeadline)
    throw EngineError(ErrorCode::BufferTimeout, "no data arrived before the timeout");
  return false;
}

void Session::dropIfUnused(TorrentEntry& entry) {
  // A magnet that never resolved has nothing worth keeping: stop its network activity.
  if (entry.torrent->info() || !entry.attached) return;
  const std::string key = entry.torrent->key();
  for (const auto& [id, op] : ops_) {
    if (op->torrentKey == key && !op->finished) return;
  }
  lt_->remove_torrent(entry.torrent->handle());
  torrents_.erase(key);
}

// ---- scheduling -------------------------------------------------------------------

void Session::pacePipeline() {
  const auto now = Clock::now();
  std::vector<PacingInput> inputs;
  std::map<std::string, RateMeter> meters;
  std::map<const Torrent*, std::vector<std::int64_t>> fileBytes;  // one query per torrent
  for (const auto& [token, stream] : streams_) {
    if (!stream->main()) continue;
    const Torrent& torrent = *stream->torrent();
    auto progress = fileBytes.find(&torrent);
    if (progress == fileBytes.end()) {
      // Blocks received, pieces verified or not: whole pieces alone come too seldom with large
      // pieces on a slow link (one 1 MiB piece per 4 s at 256 KiB/s read as 0 or twice the
      // link by turns, and sent the pipeline deep).
      progress = fileBytes.emplace(&torrent, std::vector<std::int64_t>{}).first;
      try {
        torrent.handle().file_progress(progress->second);
      } catch (const lt::system_error&) {
        // Removed meanwhile (a repair re-adds it): no sample this round.
      }
    }
    const auto fileIndex = static_cast<std::size_t>(stream->fileIndex());
    const std::int64_t end = stream->fileOffset() + stream->size();
    const int had = torrent.countPieces(stream->firstPiece(), stream->lastPiece());
    RateMeter& meter = meters[token] = std::move(rateMeters_[token]);
    if (fileIndex < progress->second.size()) meter.add(now, progress->second[fileIndex]);
    PacingInput input;
    input.downloadRate = meter.rate();
    input.byteRate = stream->byteRate();
    input.bufferedAhead = torrent.contiguousFrom(stream->fileOffset() + stream->position(), end);
    input.complete = had == stream->lastPiece() - stream->firstPiece() + 1;
    input.playerReports = stream->playerReports();
    const int positionPiece = stream->pieceAt(stream->position());
    const int awaited = torrent.firstAwaited(positionPiece + 1, stream->lastPiece());
    if (awaited >= 0) {
      const std::int64_t pieceStart =
          static_cast<std::int64_t>(awaited) * torrent.info()->piece_length();
      input.readerAhead = pieceStart - (stream->fileOffset() + stream->position());
    }
    inputs.push_back(input);
  }
  rateMeters_.swap(meters);  // released streams' meters go
  const bool keepingUp = vozduxan::keepingUp(inputs);
  if (keepingUp == keepingUp_) return;
  keepingUp_ = keepingUp;
  if (adaptiveQueue_) {
    lt::settings_pack pack;
    pack.set_int(lt::settings_pack::request_queue_time,
                 keepingUp ? kShallowQueueSeconds : kDeepQueueSeconds);
    lt_->apply_settings(std::move(pack));
  }
  for (auto& [key, entry] : torrents_) reschedule(*entry);  // the look-ahead follows
}

void Session::reconcileAwaited(TorrentEntry& entry, Deferred& deferred) {
  if (!entry.attached || !entry.torrent->ready()) return;
  const std::vector<int> awaited = entry.torrent->awaitedPieces();
  if (awaited.empty()) return;
  // Seen in 3 of ~25 bulk downloads of 256 MiB: libtorrent went "finished" while a reader
  // waited for a piece it had neither downloaded nor reported, and the reader waited forever.
  const lt::torrent_handle handle = entry.torrent->handle();
  try {
    const auto state = handle.status({}).state;
    const bool ltWantsNothing =
        state == lt::torrent_status::finished || state == lt::torrent_status::seeding;
    std::vector<lt::piece_index_t> unwanted;
    for (int piece : awaited) {
      const lt::piece_index_t index(piece);
      if (handle.have_piece(index)) {
        // Usually its alert is merely still queued; waking the reader early costs nothing.
        for (auto& waiter : entry.torrent->markPiece(piece)) deferred.push_back(std::move(waiter));
        continue;
      }
      const auto planned = static_cast<std::size_t>(piece) < entry.priorities.size()
                               ? entry.priorities[static_cast<std::size_t>(piece)]
                               : std::uint8_t{0};
      const auto applied = static_cast<std::uint8_t>(handle.piece_priority(index));
      if (planned != 0 && (applied != planned || ltWantsNothing)) unwanted.push_back(index);
    }
    if (unwanted.empty()) return;
    log("libtorrent does not want a piece a reader of " + entry.torrent->key() +
        " waits for: applying the schedule again");
    // Through dont_download and back: libtorrent re-evaluates its finished state and its
    // interest in peers only when a piece's priority crosses zero.
    for (const lt::piece_index_t index : unwanted) handle.piece_priority(index, lt::dont_download);
    handle.clear_piece_deadlines();
    entry.deadlinePieces.clear();
    entry.priorities.clear();
    reschedule(entry);
  } catch (const lt::system_error&) {
    // Removed meanwhile (a repair re-adds it and checks every piece).
  }
}

void Session::requestReschedule(const std::shared_ptr<Torrent>& torrent) {
  {
    std::lock_guard<std::mutex> lock(loopMu_);
    rescheduleKeys_.insert(torrent->key());
  }
  loopWake_.notify_one();
}

void Session::reschedule(TorrentEntry& entry) {
  Torrent& torrent = *entry.torrent;
  const auto info = torrent.info();
  if (!info || !entry.attached) return;
  std::vector<std::shared_ptr<Stream>> streams;
  std::vector<StreamWant> wants;
  for (const auto& [token, stream] : streams_) {
    if (stream->torrent().get() != &torrent) continue;
    streams.push_back(stream);
    StreamWant want{stream->firstPiece(), stream->lastPiece(), stream->pieceAt(stream->position()),
                    stream->main()};
    if (keepingUp_ && stream->main())
      want.aheadPieces = std::max(1, kBoundedAheadBytes / info->piece_length());
    wants.push_back(want);
  }
  const SchedulePlan plan =
      planSchedule(wants, info->num_pieces(), [&](int p) { return torrent.hasPiece(p); });
  const lt::torrent_handle handle = torrent.handle();
  if (plan.priorities != entry.priorities) {
    std::vector<lt::download_priority_t> priorities(plan.priorities.size());
    std::transform(plan.priorities.begin(), plan.priorities.end(), priorities.begin(),
                   [](std::uint8_t p) { return lt::download_priority_t(p); });
    handle.prioritize_pieces(priorities);
    entry.priorities = plan.priorities;
  }
  bool seek = false;
  for (const auto& stream : streams) seek = stream->takeSeek() || seek;
  if (seek) {
    // libtorrent only cancels stale requests when the deadline list is empty.
    handle.clear_piece_deadlines();
    entry.deadlinePieces.clear();
  }
  std::set<int> next;
  for (const PieceDeadline& deadline : plan.deadlines) {
    next.insert(deadline.piece);
    if (!entry.deadlinePieces.count(deadline.piece)) {
      handle.set_piece_deadline(lt::piece_index_t(deadline.piece), deadline.deadlineMs);
    }
  }
  for (int piece : entry.deadlinePieces) {
    if (!next.count(piece) && !torrent.hasPiece(piece))
      handle.reset_piece_deadline(lt::piece_index_t(piece));
  }
  entry.deadlinePieces = std::move(next);
  for (std::size_t i = 0; i < streams.size(); ++i)
    streams[i]->setWindow(plan.windows[i].first, plan.windows[i].last);
  // Not before a missing piece is wanted: a torrent that wants nothing it lacks is "finished",
  // and libtorrent then tells each peer in its handshake that we are upload-only. Seeds close
  // such connections and libtorrent dials them again only after min_reconnect_time (60 s): a
  // prepare whose stream attached a moment after the resume waited a minute for its data.
  // The priorities above are posted first, so libtorrent applies them before it connects.
  for (std::size_t piece = 0; piece < plan.priorities.size() && !entry.dialed; ++piece) {
    if (plan.priorities[piece] != 0 && !torrent.hasPiece(static_cast<int>(piece))) dial(entry);
  }
}

}  // namespace vozduxan
