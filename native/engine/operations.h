// The operations room: listFiles and prepare calls in flight, advanced on every engine tick
// through metadata → file check → prebuffer, and how each ends (done, failed, cancelled,
// superseded by a newer main prepare). Not thread-safe: the session's lock guards it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <libtorrent/add_torrent_params.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "engine/config.h"
#include "engine/deferred.h"
#include "engine/errors.h"
#include "engine/events.h"
#include "engine/pending_op.h"
#include "engine/stream.h"
#include "engine/streams.h"
#include "engine/torrents.h"

namespace vozduxan {

class Operations {
 public:
  /// The URL a ready stream is served at (the HTTP server's).
  using StreamUrl = std::function<std::string(const std::string& token)>;

  /// `events` (may be null) gets each prepare's prebufferProgress.
  Operations(const SessionConfig& config, Torrents& torrents, Streams& streams,
             Stream::RescheduleRequest reschedule, StreamUrl url, EventHub* events = nullptr);

  /// Both start the call; the next tick advances it.
  void listFiles(std::uint64_t id, lt::add_torrent_params params, std::chrono::milliseconds timeout,
                 FilesDone done);
  void prepare(std::uint64_t id, lt::add_torrent_params params, const PrepareRequest& request,
               Progress progress, PrepareDone done);
  /// Ends the call with Cancelled and releases what it started.
  void cancel(std::uint64_t id, Deferred& deferred);
  /// Moves every call as far as it can go now.
  void advance(Deferred& deferred);
  /// Fails the calls waiting on a torrent (`only` those of one kind).
  void fail(const std::string& torrentKey, const EngineError& error,
            std::optional<PendingOp::Kind> only, Deferred& deferred);
  /// Close: fails every call and forgets them all.
  void failAll(const EngineError& error, Deferred& deferred);
  /// Forgets the calls that ended (by an alert's failure, say).
  void eraseFinished();
  bool waitsFor(const std::string& torrentKey) const;
  /// Prepares still filling this stream's prebuffer.
  int pendingFor(const Stream& stream) const;

 private:
  /// Throws BadInput when a pending call already has this id.
  void checkNewId(std::uint64_t id) const;
  bool advance(PendingOp& op, Deferred& deferred);
  void reportPrebuffer(const Stream& stream, double fraction) const;
  bool advancePrepare(PendingOp& op, Deferred& deferred);
  void finish(PendingOp& op, const std::optional<EngineError>& error, Deferred& deferred);
  void cancelOtherMainPrepares(const PendingOp& op, Deferred& deferred);

  const std::chrono::milliseconds metadataTimeout_;
  const std::chrono::milliseconds bufferTimeout_;
  const ReadAheadLimit readAhead_;  // the session's; a prepare may set its own cap
  Torrents& torrents_;
  Streams& streams_;
  const Stream::RescheduleRequest reschedule_;
  const StreamUrl url_;
  EventHub* const events_;
  std::map<std::uint64_t, std::unique_ptr<PendingOp>> byId_;
};

}  // namespace vozduxan
