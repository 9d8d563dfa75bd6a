// Reads of a stream's verified bytes without HTTP (README, Reading without HTTP): what a Node
// Readable and a random-access handle call. Each open read is one request for events; its
// chunks run on the HTTP thread (never the JS thread: they may touch the disk), park on a
// missing piece like a response does, and never end an HTTP response of the same token.
//
// Threads: open/read/cancel/close from the JS thread, attempts on the io thread, checkSlow from
// the engine thread; one mutex guards the state. Resumes hold the core weakly.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "engine/errors.h"
#include "engine/events.h"
#include "engine/read_record.h"
#include "engine/stream.h"

namespace vozduxan {

class DirectReads {
 public:
  /// Exactly once per chunk, on any thread: the bytes (empty at the end of the range), or why not.
  using Done = std::function<void(std::vector<char>, std::optional<EngineError>)>;

  DirectReads(boost::asio::io_context& io, EventHub& events, std::chrono::milliseconds softTimeout);
  ~DirectReads();
  DirectReads(const DirectReads&) = delete;
  DirectReads& operator=(const DirectReads&) = delete;

  /// A read of [first, last] of the stream's file. `follow`: the deadline window follows the
  /// reader (a Readable), as it follows an HTTP response; else it stays with the player.
  std::uint64_t open(std::shared_ptr<Stream> stream, std::int64_t first, std::int64_t last,
                     bool follow);
  /// The next bytes at `position` (at most `length`, at most to `last`), under the call `opId`.
  /// Throws NotFound for a read that is not open, BadInput for an opId in use.
  void read(std::uint64_t opId, std::uint64_t readId, std::int64_t position, std::size_t length,
            Done done);
  /// Ends the chunk `opId` with Cancelled now; false if none was pending.
  bool cancel(std::uint64_t opId);
  /// The reader is done: completed (it read its whole range) or not (destroyed early).
  void close(std::uint64_t readId, bool completed);
  /// Engine thread: loadSlow for reads parked longer than the soft time-out.
  void checkSlow();

 private:
  struct Core;
  std::shared_ptr<Core> core_;
};

}  // namespace vozduxan
