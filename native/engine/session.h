// The engine's session: its lifecycle, and the one event-loop thread ("vozduxan-engine") that
// pops libtorrent's alerts and hands each to the room it concerns. The rooms, all guarded by
// the session's lock: Streams (by token), Torrents (by info hash: libtorrent, schedules, resume
// data, eviction) and Operations (listFiles and prepare in flight). Calls from JS return at
// once; results arrive through the callbacks, on the engine thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <libtorrent/session.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "engine/cache.h"
#include "engine/config.h"
#include "engine/deferred.h"
#include "engine/direct_reads.h"
#include "engine/errors.h"
#include "engine/events.h"
#include "engine/http_server.h"
#include "engine/operations.h"
#include "engine/pending_op.h"
#include "engine/stream_source.h"
#include "engine/stream_watch.h"
#include "engine/streams.h"
#include "engine/torrents.h"

namespace vozduxan {

class Session : public StreamDirectory {
 public:
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
  /// The player's position in seconds, mapped to a byte from the file's own index; the byte
  /// it moved to, or nullopt for an unknown token.
  std::optional<std::int64_t> notifyTime(const std::string& token, double seconds);
  bool release(const std::string& token);
  /// Direct peers ("ip:port") for the stream's torrent; throws BadInput for a malformed one.
  /// False for an unknown token.
  bool addPeers(const std::string& token, const std::vector<std::string>& peers);
  std::optional<StreamStats> stats(const std::string& token) const;
  EvictResult evict();
  /// Fails pending operations with Closed, ends responses, joins threads. Idempotent.
  void close();
  bool closed() const;

  std::shared_ptr<StreamSource> findStream(const std::string& token) override;

  /// Reads without HTTP (DirectReads): open answers 0 for an unknown or released token.
  std::uint64_t openRead(const std::string& token, std::int64_t first, std::int64_t last,
                         bool follow);
  void read(std::uint64_t opId, std::uint64_t readId, std::int64_t position, std::size_t length,
            DirectReads::Done done);
  void closeRead(std::uint64_t readId, bool completed);

  /// Whether anyone listens to events: while not, none is built. Any thread.
  void setEventsEnabled(bool enabled) { events_.setEnabled(enabled); }
  /// The events queued since the last call (config.eventsWaiting says when). Any thread.
  std::vector<EngineEvent> takeEvents() { return events_.take(); }

  /// For tests: torrents the session knows, and torrents libtorrent holds.
  struct TorrentCounts {
    std::size_t session = 0;
    std::size_t libtorrent = 0;
  };
  TorrentCounts torrentCounts() const;

 private:
  void log(const std::string& message) const;
  void runLoop();
  void wake();
  void handleAlerts(Deferred& deferred);
  void handleAlert(lt::alert* alert, Deferred& deferred);
  /// Runs callbacks collected under the lock, each guarded: one that throws never skips the rest.
  void runDeferred(Deferred& deferred) const;
  /// From any thread (a stream's position moved): the loop reschedules the torrent soon.
  void requestReschedule(const std::shared_ptr<Torrent>& torrent);
  void saveAllResumeData();
  /// The status tick's events: watchdog, peers, verified pieces (under the lock).
  void reportStreams();

  const SessionConfig config_;
  EventHub events_;  // before http_, which reports into it
  Cache cache_;
  std::unique_ptr<lt::session> lt_;
  HttpServer http_;
  DirectReads reads_;  // runs on http_'s thread: destroyed before it

  mutable std::mutex mu_;  // guards the rooms and closed_
  Streams streams_;
  Torrents torrents_;
  Operations ops_;
  StreamWatch watch_;
  bool closed_ = false;

  std::mutex loopMu_;  // guards the loop's wake-up state
  std::condition_variable loopWake_;
  bool alertsReady_ = false;
  bool stopping_ = false;
  std::set<std::string> rescheduleKeys_;

  std::thread loop_;  // the engine thread: started by the constructor, joined by close()
  std::mutex closeMu_;
};

}  // namespace vozduxan
