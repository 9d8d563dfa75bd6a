// What the HTTP server needs from a stream, and how it finds one by token.
// Keeps the server independent of the session that implements them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "engine/read_status.h"

namespace vozduxan {

class StreamSource {
 public:
  virtual ~StreamSource() = default;
  virtual std::int64_t size() const = 0;
  virtual const std::string& mimeType() const = 0;
  /// A new Range response starts at `offset`: older responses become stale, and the
  /// download window moves there. Returns the response's generation.
  virtual std::uint64_t beginResponse(std::int64_t offset) = 0;
  /// False once a newer response started or the stream was released.
  virtual bool current(std::uint64_t generation) const = 0;
  /// Reads file bytes at `offset` for the response of `generation`. On NotYet, `resume` runs
  /// (on any thread, possibly before this returns) when the missing piece arrives, the stream
  /// goes away or a newer response starts; it may also be dropped unrun once the server has
  /// stopped. Failed once `generation` is no longer current: a reader never parks after a
  /// release or a newer response woke the parked ones.
  virtual ReadStatus read(std::uint64_t generation, std::int64_t offset, char* buffer,
                          std::size_t len, std::size_t& got, std::function<void()> resume) = 0;
  /// Why reads end once it is no longer current: released, and whether by the session's close.
  virtual bool released() const { return false; }
  virtual bool closedBySession() const { return false; }
  /// The torrent's piece that holds a file byte (for events); -1 if unknown.
  virtual int pieceAt(std::int64_t fileByte) const { return -1; }
  /// Whether a reader parked on `piece` waits for the read-ahead window to reach it rather than
  /// for the swarm (read_ahead.h): its wait is no slow load.
  virtual bool holds(int piece) const { return false; }
};

class StreamDirectory {
 public:
  virtual ~StreamDirectory() = default;
  /// nullptr for unknown and released tokens alike.
  virtual std::shared_ptr<StreamSource> findStream(const std::string& token) = 0;
};

}  // namespace vozduxan
