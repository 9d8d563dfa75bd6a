// The torrents room: every torrent of the session by info hash, and what the engine asks of
// libtorrent for each: adding it (paused), re-adding it to repair its data, dialing its peers,
// dropping it, applying its piece schedule, its resume data, and the eviction walk.
// Not thread-safe: the session's lock guards it, as it does every room.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <libtorrent/add_torrent_params.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/torrent_status.hpp>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/cache.h"
#include "engine/config.h"
#include "engine/deferred.h"
#include "engine/peer_queue_cap.h"
#include "engine/request_pacing.h"
#include "engine/streams.h"
#include "engine/torrent.h"

namespace vozduxan {

struct TorrentEntry {
  std::shared_ptr<Torrent> torrent;
  std::vector<lt::tcp::endpoint> pendingPeers;  // given before the handle arrived
  std::set<lt::tcp::endpoint> knownPeers;       // every direct peer, for a re-add
  bool attached = false;
  bool dialed = false;  // resumed: libtorrent connects to peers from then on
  bool metadataFromCache = false;
  bool streamed = false;       // a prepare made a stream of it: the eviction walk removes it, later
  bool dropWhenAdded = false;  // dropped before its add alert: that alert removes it
  // When the last call for it ended with no stream made: dropped once it lingered long enough.
  std::optional<std::chrono::steady_clock::time_point> unusedSince;
  // The schedule last applied to libtorrent, so a new plan only sends what changed.
  std::vector<std::uint8_t> priorities;
  std::set<int> deadlinePieces;
  // The first piece that plan wants and the torrent lacks; -1: none (it needs no peer now).
  int missingWanted = -1;
  // libtorrent's state is "finished" (from its alerts): it wants nothing it lacks, it thinks.
  bool ltFinished = false;
  // When reviveFinished last put a wanted piece through priority 0; unset: not in this episode.
  std::optional<std::chrono::steady_clock::time_point> revivedAt;
  int revives = 0;  // retries since revivedAt was first set
};

/// libtorrent forgot our deadlines (a recheck) or must re-evaluate them: the next plan goes out
/// whole.
void clearAppliedPlan(TorrentEntry& entry);

/// What the eviction walk knows before it lists the cache (disk I/O, done without the lock).
struct EvictionSnapshot {
  std::chrono::system_clock::time_point systemNow;
  std::chrono::steady_clock::time_point steadyNow;
  std::map<std::string, std::chrono::steady_clock::time_point> lastUsed;  // in the session
};

class Torrents {
 public:
  using Log = std::function<void(const std::string&)>;

  Torrents(lt::session& lt, Cache& cache, Streams& streams, const SessionConfig& config, Log log);

  /// The entry for these parameters: a known torrent gets their peers and trackers; a new one
  /// is added to libtorrent, paused, wanting nothing yet.
  /// Either hash of a hybrid torrent finds the same entry.
  TorrentEntry& add(lt::add_torrent_params params);
  /// By its key or any of its other hashes (hex).
  TorrentEntry* find(const std::string& key);
  TorrentEntry* find(const lt::info_hash_t& hashes);
  /// The entry an add alert's parameters are for.
  TorrentEntry* find(const lt::add_torrent_params& params);
  /// Attached entries only.
  TorrentEntry* find(const lt::torrent_handle& handle);
  /// A torrent no call waits for (the caller checked) and that never had a stream: only
  /// listed, cancelled, timed out. Removed from libtorrent (its swarm is no longer dialed) and
  /// forgotten; its cached metadata stays. Returns whether it went.
  bool dropIfUnused(const std::string& key);
  /// Direct peers for a known torrent (now, or once libtorrent has added it). False: unknown.
  bool addPeers(const std::string& key, const std::vector<lt::tcp::endpoint>& peers);
  /// The last call for it ended: it lingers (config.unusedTorrentLinger) before
  /// dropIfUnused, so the next call for it finds its peers. A zero linger drops it at once.
  void markUnused(const std::string& key, std::chrono::steady_clock::time_point now);
  /// Drops what lingered past the linger and is still unused; `waited` says whether a call
  /// waits for a key (Operations owns that).
  void dropLingering(std::chrono::steady_clock::time_point now,
                     const std::function<bool(const std::string&)>& waited);
  /// Entries in the session (for tests).
  std::size_t size() const;

  // Alerts, as the session dispatches them.
  /// libtorrent refused the torrent: there is nothing to remove from it, only to forget.
  void onAddFailed(const std::string& key);
  /// An add alert for no entry (the session forgot it): removes the torrent.
  void onAddedUnwanted(const lt::torrent_handle& handle);
  void onAdded(TorrentEntry& entry, const lt::torrent_handle& handle,
               const std::shared_ptr<const lt::torrent_info>& addedWith);
  void onMetadata(TorrentEntry& entry, const std::shared_ptr<const lt::torrent_info>& info);
  void onChecked(TorrentEntry& entry, Deferred& deferred);
  void onStateChanged(TorrentEntry& entry, lt::torrent_status::state_t state, Deferred& deferred);
  void onPieceFinished(TorrentEntry& entry, int piece, Deferred& deferred);
  void onResumeData(const lt::torrent_handle& handle, const lt::add_torrent_params& params);
  void onStatus(const std::vector<lt::torrent_status>& statuses);

  // Engine ticks.
  /// Plans the torrent's pieces for its streams and applies what changed; dials its peers
  /// once a stream wants a piece it lacks.
  void reschedule(TorrentEntry& entry);
  void reschedule(const std::string& key);
  /// Re-adds every torrent whose cached data failed its hash check (Torrent::read), and hands
  /// libtorrent's v2 piece hashes to torrents whose readers lack them.
  void repairWhereRequested();
  /// The parked-reader backstop, every status tick: wakes readers whose piece libtorrent has,
  /// and applies the plan again where libtorrent no longer wants an awaited piece.
  void reconcileAwaited(Deferred& deferred);
  /// Every engine loop: where libtorrent calls a torrent finished while our plan wants a piece
  /// it lacks, puts that piece through priority 0 and back, which makes libtorrent look again.
  void reviveFinished(std::chrono::steady_clock::time_point now);
  /// Feeds request pacing and applies its decisions (request_pacing.h), every status tick.
  void pace();

  /// Ends a stream: its responses end, its torrent's plan drops its wants.
  void releaseStream(const std::shared_ptr<Stream>& stream, Deferred& deferred);
  /// Close: every parked reader wakes (and finds its stream released).
  void takeAllWaiters(Deferred& deferred);
  /// Asks for the resume data of every resolved torrent; returns how many answers to expect.
  int requestResumeData();
  void clear();

  EvictionSnapshot evictionSnapshot() const;
  /// Removes what is past its TTL, then the least recently used while over the size cap,
  /// skipping what a stream, a response or a `pending` call still uses.
  EvictResult evict(const EvictionSnapshot& snapshot, std::vector<CachedTorrent> cached,
                    const std::function<bool(const std::string&)>& pending);

 private:
  void givePeers(TorrentEntry& entry, const std::vector<lt::tcp::endpoint>& peers);
  void addToLibtorrent(TorrentEntry& entry, lt::add_torrent_params params, bool trustResume);
  void repair(TorrentEntry& entry);
  void alias(const lt::info_hash_t& hashes, const std::string& key);
  /// Forgets the entry and its aliases.
  void erase(std::string key);
  /// remove_torrent, for a valid handle, never throwing.
  /// Returns whether libtorrent took the call (it then deletes the files, if asked, itself).
  bool removeFromLibtorrent(const lt::torrent_handle& handle, bool deleteFiles = false);
  /// Resumes the torrent (added paused) once: libtorrent connects to its peers from then on.
  void dial(TorrentEntry& entry);
  void reconcileAwaited(TorrentEntry& entry, Deferred& deferred);
  void reviveFinished(TorrentEntry& entry, std::chrono::steady_clock::time_point now);

  lt::session& lt_;
  Cache& cache_;
  Streams& streams_;
  const std::chrono::seconds ttl_;
  const std::uint64_t maxBytes_;
  const std::chrono::milliseconds linger_;
  const Log log_;
  RequestPacer pacer_;
  PeerQueueCapSwitch queueCap_;  // read by the plugin on libtorrent's network thread
  std::map<std::string, std::unique_ptr<TorrentEntry>> byKey_;
  std::map<std::string, std::string> aliases_;  // every hash (hex) → the key of its entry
};

}  // namespace vozduxan
