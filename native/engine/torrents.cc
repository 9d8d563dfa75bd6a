#include "engine/torrents.h"

#include <algorithm>
#include <libtorrent/read_resume_data.hpp>
#include <libtorrent/write_resume_data.hpp>
#include <utility>

#include "engine/scheduler.h"
#include "engine/torrent_input.h"

namespace vozduxan {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::uint64_t kDefaultCacheBytes = 50ULL * 1000 * 1000 * 1000;
constexpr std::uint32_t kDefaultTtlSecs = 3600;
// Pieces of a magnet held back until its first schedule (a byte each while it resolves); a larger
// torrent's remaining pieces start at libtorrent's default priority until that schedule.
constexpr std::size_t kMagnetPieceSlots = 1 << 20;

}  // namespace

void clearAppliedPlan(TorrentEntry& entry) {
  entry.torrent->handle().clear_piece_deadlines();
  entry.deadlinePieces.clear();
  entry.priorities.clear();
}

Torrents::Torrents(lt::session& lt, Cache& cache, Streams& streams, const SessionConfig& config,
                   Log log)
    : lt_(lt),
      cache_(cache),
      streams_(streams),
      ttl_(config.cacheTtlSecs ? config.cacheTtlSecs : kDefaultTtlSecs),
      maxBytes_(config.cacheMaxBytes ? config.cacheMaxBytes : kDefaultCacheBytes),
      linger_(config.unusedTorrentLinger),
      log_(std::move(log)),
      pacer_(config, peerQueueCapAvailable()),
      queueCap_(std::make_shared<std::atomic<bool>>(pacer_.capsPeerQueues())) {
  if (auto plugin = makePeerQueueCapPlugin(queueCap_)) lt_.add_extension(std::move(plugin));
}

// ---- entries --------------------------------------------------------------------

TorrentEntry& Torrents::add(lt::add_torrent_params params) {
  const lt::info_hash_t hashes = params.ti ? params.ti->info_hashes() : params.info_hashes;
  if (TorrentEntry* found = find(hashes)) {
    TorrentEntry& entry = *found;
    entry.dropWhenAdded = false;
    entry.unusedSince.reset();
    alias(hashes, entry.torrent->key());  // a .torrent after its btih magnet adds the v2 hash
    const lt::torrent_handle handle = entry.torrent->handle();
    // Its storage failed before (a full disk): a new call tries again.
    if (entry.torrent->clearStorageFailed() && entry.attached) handle.clear_error();
    givePeers(entry, params.peers);
    if (entry.attached) {
      for (const auto& tracker : params.trackers) handle.add_tracker(lt::announce_entry(tracker));
    }
    return entry;
  }
  // A new entry: under the key whose metadata is cached (an earlier run's, maybe from the
  // other hash of a hybrid), else under torrentKey().
  std::string key = torrentKey(hashes);
  for (const std::string& candidate : torrentKeys(hashes)) {
    if (cache_.hasMetadata(candidate)) {
      key = candidate;
      break;
    }
  }
  auto entry = std::make_unique<TorrentEntry>();
  entry->torrent = std::make_shared<Torrent>(key, cache_.dataPath(key));
  entry->knownPeers.insert(params.peers.begin(), params.peers.end());
  if (!params.ti) {
    params.ti = cache_.loadMetadata(key);
    entry->metadataFromCache = params.ti != nullptr;
  }
  alias(hashes, key);
  if (params.ti) alias(params.ti->info_hashes(), key);
  addToLibtorrent(*entry, std::move(params), true);
  TorrentEntry& ref = *entry;
  byKey_.emplace(key, std::move(entry));
  return ref;
}

void Torrents::alias(const lt::info_hash_t& hashes, const std::string& key) {
  for (const std::string& name : torrentKeys(hashes)) aliases_.emplace(name, key);
}

// By value: callers pass the entry's own key (entry->torrent->key()), which byKey_.erase frees
// (a heap-use-after-free in the alias walk, found by the ASan suite).
void Torrents::erase(std::string key) {  // NOLINT(performance-unnecessary-value-param)
  byKey_.erase(key);
  for (auto it = aliases_.begin(); it != aliases_.end();) {
    it = it->second == key ? aliases_.erase(it) : std::next(it);
  }
}

void Torrents::addToLibtorrent(TorrentEntry& entry, lt::add_torrent_params params,
                               bool trustResume) {
  if (params.ti) {
    // Pieces already on disk from an earlier run: trusted here (we still hash-check each
    // piece before its first serve), so a restart skips re-hashing the whole cache.
    const std::vector<char> resume =
        trustResume ? cache_.loadResume(entry.torrent->key()) : std::vector<char>{};
    lt::error_code ec;
    if (!resume.empty()) {
      lt::add_torrent_params saved = lt::read_resume_data(resume, ec);
      if (!ec && saved.have_pieces.size() == params.ti->num_pieces()) {
        params.have_pieces = std::move(saved.have_pieces);
        // A v2 torrent's verified hashes: without them libtorrent cannot give us the piece
        // layers (a magnet's metadata has none) to check its pieces before they are served.
        if (static_cast<int>(saved.merkle_trees.size()) == params.ti->num_files()) {
          params.merkle_trees = std::move(saved.merkle_trees);
          params.merkle_tree_mask = std::move(saved.merkle_tree_mask);
          params.verified_leaf_hashes = std::move(saved.verified_leaf_hashes);
        }
      }
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
  entry.ltFinished = false;
  entry.revivedAt.reset();
  lt_.async_add_torrent(std::move(params));
}

void Torrents::repair(TorrentEntry& entry) {
  // libtorrent has no call to forget one piece, and after force_recheck it does not dial
  // seeds it dropped while complete. Re-adding the torrent without resume data gives a
  // full check and fresh connections to every known peer.
  log_("cached data of " + entry.torrent->key() +
       " failed its hash check: re-adding it to check and re-download");
  lt_.remove_torrent(entry.torrent->handle());
  entry.attached = false;
  entry.priorities.clear();
  entry.deadlinePieces.clear();
  lt::add_torrent_params params;
  params.ti = std::make_shared<lt::torrent_info>(*entry.torrent->info());
  params.peers.assign(entry.knownPeers.begin(), entry.knownPeers.end());
  addToLibtorrent(entry, std::move(params), false);
}

void Torrents::repairWhereRequested() {
  for (auto& [key, entry] : byKey_) {
    if (!entry->attached) continue;
    if (entry->torrent->takeRecheckRequest()) {
      repair(*entry);
    } else if (entry->torrent->takeHashesRequest()) {
      // A v2 piece a reader wants to check and whose hash our metadata lacks (a magnet's has no
      // piece layers): libtorrent's merkle trees have it once the piece passed its check.
      try {
        entry->torrent->setHashes(entry->torrent->handle().torrent_file_with_hashes());
      } catch (const std::exception& e) {
        log_("piece hashes of " + key + " unavailable: " + e.what());
      }
    }
  }
}

TorrentEntry* Torrents::find(const std::string& key) {
  auto it = byKey_.find(key);
  if (it != byKey_.end()) return it->second.get();
  auto alias = aliases_.find(key);
  if (alias == aliases_.end()) return nullptr;
  it = byKey_.find(alias->second);
  return it == byKey_.end() ? nullptr : it->second.get();
}

TorrentEntry* Torrents::find(const lt::info_hash_t& hashes) {
  for (const std::string& name : torrentKeys(hashes)) {
    if (TorrentEntry* entry = find(name)) return entry;
  }
  return nullptr;
}

TorrentEntry* Torrents::find(const lt::add_torrent_params& params) {
  if (TorrentEntry* entry = find(params.info_hashes)) return entry;
  return params.ti ? find(params.ti->info_hashes()) : nullptr;
}

TorrentEntry* Torrents::find(const lt::torrent_handle& handle) {
  for (auto& [key, entry] : byKey_) {
    if (entry->attached && entry->torrent->handle() == handle) return entry.get();
  }
  return nullptr;
}

bool Torrents::dropIfUnused(const std::string& key) {
  TorrentEntry* entry = find(key);
  if (!entry || entry->streamed || streams_.uses(entry->torrent->key()) ||
      entry->torrent.use_count() > 1)
    return false;
  if (!entry->attached) {
    // libtorrent has not answered its add yet: its add alert removes it (onAdded), unless a
    // call asks for it again meanwhile (add).
    entry->dropWhenAdded = true;
    return true;
  }
  removeFromLibtorrent(entry->torrent->handle());
  erase(entry->torrent->key());
  return true;
}

void Torrents::givePeers(TorrentEntry& entry, const std::vector<lt::tcp::endpoint>& peers) {
  entry.knownPeers.insert(peers.begin(), peers.end());
  for (const auto& peer : peers) {
    if (entry.attached) {
      entry.torrent->handle().connect_peer(peer);
    } else {
      entry.pendingPeers.push_back(peer);
    }
  }
}

bool Torrents::addPeers(const std::string& key, const std::vector<lt::tcp::endpoint>& peers) {
  TorrentEntry* entry = find(key);
  if (!entry) return false;
  givePeers(*entry, peers);
  return true;
}

void Torrents::markUnused(const std::string& key, std::chrono::steady_clock::time_point now) {
  if (linger_.count() <= 0) {
    dropIfUnused(key);
    return;
  }
  TorrentEntry* entry = find(key);
  if (entry && !entry->unusedSince) entry->unusedSince = now;
}

void Torrents::dropLingering(std::chrono::steady_clock::time_point now,
                             const std::function<bool(const std::string&)>& waited) {
  std::vector<std::string> due;
  for (auto& [key, entry] : byKey_) {
    if (entry->unusedSince && now - *entry->unusedSince >= linger_) due.push_back(key);
  }
  for (const std::string& key : due) {
    TorrentEntry* entry = find(key);
    if (!entry) continue;
    entry->unusedSince.reset();  // in use again, or gone below
    if (!waited(key)) dropIfUnused(key);
  }
}

bool Torrents::removeFromLibtorrent(const lt::torrent_handle& handle, bool deleteFiles) {
  if (!handle.is_valid()) return false;
  try {
    // Without deleteFiles the data and the cached metadata stay.
    lt_.remove_torrent(handle, deleteFiles ? lt::session::delete_files : lt::remove_flags_t{});
    return true;
  } catch (const lt::system_error& e) {
    log_(std::string("remove torrent: ") + e.what());
    return false;
  }
}

std::size_t Torrents::size() const { return byKey_.size(); }

void Torrents::dial(TorrentEntry& entry) {
  if (entry.dialed) return;
  entry.torrent->handle().resume();
  entry.dialed = true;
}

// ---- alerts ---------------------------------------------------------------------

void Torrents::onAddFailed(const std::string& key) { erase(key); }

void Torrents::onAddedUnwanted(const lt::torrent_handle& handle) {
  // Unless another entry holds the same handle (libtorrent hands out one per torrent).
  if (!find(handle)) removeFromLibtorrent(handle);
}

void Torrents::onAdded(TorrentEntry& entry, const lt::torrent_handle& handle,
                       const std::shared_ptr<const lt::torrent_info>& addedWith) {
  if (entry.dropWhenAdded) {
    removeFromLibtorrent(handle);
    erase(entry.torrent->key());
    return;
  }
  entry.torrent->attach(handle);
  entry.attached = true;
  for (const auto& peer : entry.pendingPeers) handle.connect_peer(peer);
  entry.pendingPeers.clear();
  if (addedWith && entry.torrent->info()) {
    // A re-added torrent (repair) kept its metadata and its streams: they want their
    // pieces again before the check ends.
    reschedule(entry);
  } else if (addedWith) {
    onMetadata(entry, addedWith);
  } else {
    dial(entry);
  }
}

void Torrents::onMetadata(TorrentEntry& entry,
                          const std::shared_ptr<const lt::torrent_info>& info) {
  if (!info || entry.torrent->info()) return;
  entry.torrent->setMetadata(info);
  alias(info->info_hashes(), entry.torrent->key());  // a btih magnet learns its v2 hash
  if (!entry.metadataFromCache) {
    try {
      cache_.saveMetadata(entry.torrent->key(), *info);
    } catch (const std::exception& e) {
      log_("metadata of " + entry.torrent->key() + " not cached: " + e.what());
    }
  }
  log_("metadata ready: " + info->name() + " (" + std::to_string(info->num_files()) + " files)");
  reschedule(entry);
}

void Torrents::onChecked(TorrentEntry& entry, Deferred& deferred) {
  if (!entry.torrent->info()) return;
  const lt::torrent_status status =
      entry.torrent->handle().status(lt::torrent_handle::query_pieces);
  std::vector<bool> have(static_cast<std::size_t>(status.pieces.size()), false);
  for (int p = 0; p < status.pieces.size(); ++p) {
    have[static_cast<std::size_t>(p)] = status.pieces[lt::piece_index_t(p)];
  }
  for (auto& waiter : entry.torrent->setChecked(have)) deferred.push_back(std::move(waiter));
  // After a recheck, set every deadline and priority afresh.
  clearAppliedPlan(entry);
  reschedule(entry);  // dials the peers if a stream wants a piece the torrent lacks
}

void Torrents::onStateChanged(TorrentEntry& entry, lt::torrent_status::state_t state,
                              Deferred& deferred) {
  entry.ltFinished = state == lt::torrent_status::finished;
  if (!entry.ltFinished) entry.revivedAt.reset();
  // A paused torrent never starts a full check.
  if (state == lt::torrent_status::checking_files) dial(entry);
  const bool active = state == lt::torrent_status::downloading ||
                      state == lt::torrent_status::finished || state == lt::torrent_status::seeding;
  if (active && entry.torrent->info() && !entry.torrent->ready()) onChecked(entry, deferred);
}

void Torrents::onPieceFinished(TorrentEntry& entry, int piece, Deferred& deferred) {
  for (auto& waiter : entry.torrent->markPiece(piece)) deferred.push_back(std::move(waiter));
  reschedule(entry);
}

void Torrents::onResumeData(const lt::torrent_handle& handle,
                            const lt::add_torrent_params& params) {
  if (TorrentEntry* entry = find(handle)) {
    cache_.saveResume(entry->torrent->key(), lt::write_resume_data_buf(params));
  }
}

void Torrents::onStatus(const std::vector<lt::torrent_status>& statuses) {
  for (const lt::torrent_status& status : statuses) {
    if (TorrentEntry* entry = find(status.handle)) {
      entry->torrent->setStatus({status.download_payload_rate, status.upload_payload_rate,
                                 status.num_peers, status.num_seeds, status.total_wanted_done,
                                 status.total_payload_download});
    }
  }
}

// ---- scheduling -----------------------------------------------------------------

void Torrents::reschedule(const std::string& key) {
  if (TorrentEntry* entry = find(key)) reschedule(*entry);
}

void Torrents::reschedule(TorrentEntry& entry) {
  Torrent& torrent = *entry.torrent;
  const auto info = torrent.info();
  if (!info || !entry.attached) return;
  const std::vector<std::shared_ptr<Stream>> streams = streams_.of(torrent);
  std::vector<StreamWant> wants;
  for (const auto& stream : streams) {
    StreamWant want{stream->firstPiece(), stream->lastPiece(), stream->pieceAt(stream->position()),
                    stream->main()};
    want.aheadPieces = pacer_.aheadPieces(stream->main(), info->piece_length());
    want.capLastPiece = stream->readAheadLastPiece();
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
  // Not before a missing piece is wanted: a torrent that has all it wants (a cached track)
  // needs no connection. (Dialing early once also cost a minute: a "finished" torrent's
  // handshake said upload-only and seeds closed it; no_upload_only.h now strips that.)
  // The priorities above are posted first, so libtorrent applies them before it connects.
  entry.missingWanted = -1;
  for (std::size_t piece = 0; piece < plan.priorities.size() && entry.missingWanted < 0; ++piece) {
    if (plan.priorities[piece] != 0 && !torrent.hasPiece(static_cast<int>(piece)))
      entry.missingWanted = static_cast<int>(piece);
  }
  if (entry.missingWanted >= 0) dial(entry);
}

void Torrents::pace() {
  const auto now = Clock::now();
  std::vector<RequestPacer::Sample> samples;
  std::map<const Torrent*, std::vector<std::int64_t>> fileBytes;  // one query per torrent
  for (const auto& [token, stream] : streams_.all()) {
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
    RequestPacer::Sample sample{token, -1, stream->pacingInput()};
    if (fileIndex < progress->second.size()) sample.fileBytes = progress->second[fileIndex];
    samples.push_back(std::move(sample));
  }
  if (!pacer_.update(now, std::move(samples))) return;
  queueCap_->store(pacer_.capsPeerQueues(), std::memory_order_relaxed);
  if (const auto seconds = pacer_.requestQueueSeconds()) {
    lt::settings_pack pack;
    pack.set_int(lt::settings_pack::request_queue_time, *seconds);
    lt_.apply_settings(std::move(pack));
  }
  for (auto& [key, entry] : byKey_) reschedule(*entry);  // the look-ahead follows
}

// ---- streams, resume data, close ------------------------------------------------

void Torrents::releaseStream(const std::shared_ptr<Stream>& stream, Deferred& deferred) {
  stream->markReleased();
  streams_.erase(stream->token());
  // Wake every response waiting on this torrent; the released stream's ones then end.
  for (auto& waiter : stream->torrent()->takeAllWaiters()) deferred.push_back(std::move(waiter));
  stream->torrent()->touch();
  cache_.touch(stream->torrent()->key());
  // A repair may have left the torrent detached (removed, its re-add not yet answered):
  // save_resume_data on that handle throws.
  const lt::torrent_handle handle = stream->torrent()->handle();
  if (handle.is_valid()) {
    try {
      handle.save_resume_data(lt::torrent_handle::only_if_modified);
    } catch (const lt::system_error&) {
      // Removed meanwhile: the re-add saves again when its stream ends.
    }
  }
  reschedule(stream->torrent()->key());
}

void Torrents::takeAllWaiters(Deferred& deferred) {
  for (auto& [key, entry] : byKey_) {
    for (auto& waiter : entry->torrent->takeAllWaiters()) deferred.push_back(std::move(waiter));
  }
}

int Torrents::requestResumeData() {
  int outstanding = 0;
  for (auto& [key, entry] : byKey_) {
    if (!entry->attached || !entry->torrent->info()) continue;
    entry->torrent->handle().save_resume_data(lt::torrent_handle::only_if_modified);
    ++outstanding;
  }
  return outstanding;
}

void Torrents::clear() {
  // Parked readers are dropped unrun (the server has stopped): each holds its connection,
  // which holds its stream and so this torrent.
  for (auto& [key, entry] : byKey_) entry->torrent->takeAllWaiters();
  byKey_.clear();
  aliases_.clear();
}

}  // namespace vozduxan
