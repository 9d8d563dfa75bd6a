// The engine's session: owns lt::session, the cache, the HTTP server and one event-loop
// thread ("vozduxan-engine") that pops alerts, advances pending operations (metadata →
// checks → prebuffer) and applies piece schedules. Calls from JS return at once;
// results arrive through the callbacks, on the engine thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <libtorrent/session.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/cache.h"
#include "engine/config.h"
#include "engine/errors.h"
#include "engine/http_server.h"
#include "engine/request_pacing.h"
#include "engine/scheduler.h"
#include "engine/stream.h"
#include "engine/torrent.h"

namespace vozduxan {

struct PendingOp;

class Session : public StreamDirectory {
 public:
  using FilesDone = std::function<void(std::vector<FileEntry>, std::optional<EngineError>)>;
  using PrepareDone = std::function<void(StreamInfo, std::optional<EngineError>)>;
  using Progress = std::function<void(double fraction, const std::string& status)>;

  /// Throws EngineError (BadInput for bad settings, StorageError for the path).
  explicit Session(SessionConfig config);
  ~Session() override;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  std::uint16_t httpPort() const { return http_.port(); }

  /// Both throw EngineError(BadInput) at once for malformed input; everything later
  /// arrives through `done`, exactly once.
  void listFiles(std::uint64_t opId, const TorrentInput& input, std::chrono::milliseconds timeout,
                 FilesDone done);
  void prepare(std::uint64_t opId, const PrepareRequest& request, Progress progress,
               PrepareDone done);
  /// Ends a pending operation with Cancelled and releases what it started.
  void cancel(std::uint64_t opId);

  bool notifyPosition(const std::string& token, std::int64_t byteOffset);
  bool release(const std::string& token);
  std::optional<StreamStats> stats(const std::string& token) const;
  EvictResult evict();
  /// Fails pending operations with Closed, ends responses, joins threads. Idempotent.
  void close();
  bool closed() const;

  std::shared_ptr<StreamSource> findStream(const std::string& token) override;

 private:
  using Deferred = std::vector<std::function<void()>>;
  struct TorrentEntry;

  void log(const std::string& message) const;
  void runLoop();
  void wake();
  void handleAlerts(Deferred& deferred);
  void onMetadata(TorrentEntry& entry, std::shared_ptr<const lt::torrent_info> info);
  void onChecked(TorrentEntry& entry, Deferred& deferred);
  /// Resumes the torrent (added paused) once: libtorrent connects to its peers from then on.
  void dial(TorrentEntry& entry);
  void advanceOps(Deferred& deferred);
  bool advance(PendingOp& op, Deferred& deferred);
  bool advancePrepare(PendingOp& op, Deferred& deferred);
  void finishOp(PendingOp& op, std::optional<EngineError> error, Deferred& deferred);
  void cancelOtherMainPrepares(const PendingOp& op, Deferred& deferred);
  /// Bounds or opens the main streams' look-ahead and request pipeline (request_pacing.h).
  void pacePipeline();
  /// Backstop for readers parked on a piece: wakes them if libtorrent has it, re-applies the
  /// plan if libtorrent no longer wants it.
  void reconcileAwaited(TorrentEntry& entry, Deferred& deferred);
  void requestReschedule(const std::shared_ptr<Torrent>& torrent);
  void reschedule(TorrentEntry& entry);
  void releaseLocked(const std::shared_ptr<Stream>& stream, Deferred& deferred);
  void dropIfUnused(TorrentEntry& entry);
  TorrentEntry& entryFor(lt::add_torrent_params params);
  void addToLibtorrent(TorrentEntry& entry, lt::add_torrent_params params, bool trustResume);
  void repair(TorrentEntry& entry);
  TorrentEntry* findEntry(const lt::torrent_handle& handle);
  std::shared_ptr<Stream> findStreamLocked(const std::string& token) const;
  void registerOp(std::unique_ptr<PendingOp> op);
  void saveAllResumeData();

  const SessionConfig config_;
  Cache cache_;
  std::unique_ptr<lt::session> lt_;
  HttpServer http_;

  mutable std::mutex mu_;  // guards everything below, up to loopMu_
  std::map<std::string, std::unique_ptr<TorrentEntry>> torrents_;
  std::map<std::string, std::shared_ptr<Stream>> streams_;
  std::map<std::uint64_t, std::unique_ptr<PendingOp>> ops_;
  bool closed_ = false;
  bool adaptiveQueue_ = true;                    // false when the caller set request_queue_time
  bool keepingUp_ = true;                        // every main stream keeps up (request_pacing.h)
  std::map<std::string, RateMeter> rateMeters_;  // by token, main streams only

  std::mutex loopMu_;  // guards the loop's wake-up state
  std::condition_variable loopWake_;
  bool alertsReady_ = false;
  bool stopping_ = false;
  std::set<std::string> rescheduleKeys_;

  std::thread loop_;
  std::mutex closeMu_;
};

}  // namespace vozduxan
