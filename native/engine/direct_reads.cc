#include "engine/direct_reads.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace vozduxan {

namespace net = boost::asio;

namespace {
constexpr std::size_t kMaxChunk = 1 << 20;
}  // namespace

struct DirectReads::Core : std::enable_shared_from_this<Core> {
  struct Read {
    std::shared_ptr<Stream> stream;
    std::int64_t first = 0;
    std::int64_t last = 0;
    bool follow = false;
    bool started = false;  // a chunk was asked for: the first one anchors a following read
    ReadRecord record;
  };
  struct Chunk {
    std::uint64_t readId = 0;
    std::int64_t position = 0;
    std::size_t length = 0;
    Done done;
    int retries = 0;
  };

  Core(net::io_context& io, EventHub& events, std::chrono::milliseconds softTimeout)
      : io(io), events(events), softTimeout(softTimeout) {}

  void post(std::uint64_t opId) {
    net::post(io, [weak = weak_from_this(), opId] {
      if (auto core = weak.lock()) core->attempt(opId);
    });
  }

  void retryLater(std::uint64_t opId) {
    auto timer = std::make_shared<net::steady_timer>(io, std::chrono::milliseconds(kRetryDelayMs));
    timer->async_wait([weak = weak_from_this(), opId, timer](boost::system::error_code ec) {
      if (ec) return;
      if (auto core = weak.lock()) core->attempt(opId);
    });
  }

  /// Takes the chunk and ends it, under the lock; the caller runs `done` after unlocking.
  Done finish(std::uint64_t opId) {
    auto it = chunks.find(opId);
    if (it == chunks.end()) return {};
    Done done = std::move(it->second.done);
    chunks.erase(it);
    return done;
  }

  void attempt(std::uint64_t opId);

  net::io_context& io;
  EventHub& events;
  const std::chrono::milliseconds softTimeout;
  std::mutex mu;
  std::uint64_t nextReadId = 0;
  std::map<std::uint64_t, Read> reads;
  std::map<std::uint64_t, Chunk> chunks;  // by opId
};

void DirectReads::Core::attempt(std::uint64_t opId) {
  std::shared_ptr<Stream> stream;
  std::int64_t position = 0;
  std::size_t length = 0;
  bool jump = false;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto chunk = chunks.find(opId);
    if (chunk == chunks.end()) return;  // cancelled meanwhile
    auto read = reads.find(chunk->second.readId);
    if (read == reads.end()) return;
    stream = read->second.stream;
    jump = !read->second.follow;
    position = chunk->second.position;
    length = chunk->second.length;
  }
  std::vector<char> bytes(length);
  std::size_t got = 0;
  ReadStatus status = ReadStatus::Failed;
  std::optional<EngineError> error;
  try {
    status = stream->read(
        position, bytes.data(), bytes.size(), got,
        [weak = weak_from_this(), opId] {
          if (auto core = weak.lock()) core->post(opId);
        },
        jump);
  } catch (const std::exception& e) {
    error.emplace(ErrorCode::Internal, e.what());
  }
  Done done;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto chunk = chunks.find(opId);
    if (chunk == chunks.end()) return;
    Read& read = reads.at(chunk->second.readId);
    if (error) {
      read.record.fail("INTERNAL", false);
    } else if (status == ReadStatus::Ready && got > 0) {
      read.record.unparked();
      read.record.started();
      read.record.add(static_cast<std::int64_t>(got));
      bytes.resize(got);
    } else if (status == ReadStatus::NotYet) {
      read.record.parked(stream->pieceAt(position));
      return;  // the resume posts the next attempt
    } else if (status == ReadStatus::Retry && ++chunk->second.retries <= kMaxRetries) {
      retryLater(opId);
      return;
    } else if (stream->released()) {
      read.record.cancel(stream->closedBySession() ? CancelReason::Close : CancelReason::Release);
      error.emplace(stream->closedBySession() ? ErrorCode::Closed : ErrorCode::NotFound,
                    "the stream was released");
    } else {
      const bool retryable = status == ReadStatus::Retry;
      read.record.fail("STORAGE_ERROR", retryable);
      error.emplace(ErrorCode::StorageError, retryable
                                                 ? "piece bytes never matched their hash on disk"
                                                 : "the stream's files are unreadable");
    }
    done = finish(opId);
  }
  if (!done) return;
  if (error) return done({}, error);
  done(std::move(bytes), std::nullopt);
}

DirectReads::DirectReads(net::io_context& io, EventHub& events,
                         std::chrono::milliseconds softTimeout)
    : core_(std::make_shared<Core>(io, events, softTimeout)) {}

DirectReads::~DirectReads() = default;

std::uint64_t DirectReads::open(std::shared_ptr<Stream> stream, std::int64_t first,
                                std::int64_t last, bool follow) {
  std::lock_guard<std::mutex> lock(core_->mu);
  const std::uint64_t id = ++core_->nextReadId;
  Core::Read& read = core_->reads[id];
  read.record.begin(&core_->events, stream->token(), first, last);
  read.stream = std::move(stream);
  read.first = first;
  read.last = last;
  read.follow = follow;
  return id;
}

void DirectReads::read(std::uint64_t opId, std::uint64_t readId, std::int64_t position,
                       std::size_t length, Done done) {
  std::shared_ptr<Stream> follow;
  bool start = false;
  {
    std::lock_guard<std::mutex> lock(core_->mu);
    auto read = core_->reads.find(readId);
    if (read == core_->reads.end()) throw EngineError(ErrorCode::NotFound, "no such open read");
    if (core_->chunks.count(opId)) throw EngineError(ErrorCode::BadInput, "opId in use");
    Core::Read& r = read->second;
    const std::int64_t end = std::min(r.last, r.stream->size() - 1);
    if (position < r.first || position > end || length == 0) {
      // Past the range: the end, not an error (a reader asks once more than it needs).
      done({}, std::nullopt);
      return;
    }
    length = static_cast<std::size_t>(std::min<std::int64_t>(
        {static_cast<std::int64_t>(std::min(length, kMaxChunk)), end - position + 1}));
    core_->chunks[opId] = Core::Chunk{readId, position, length, std::move(done), 0};
    if (r.follow) follow = r.stream;
    start = !r.started;
    r.started = true;
  }
  if (follow) follow->followReader(position, start);
  core_->post(opId);
}

bool DirectReads::cancel(std::uint64_t opId) {
  Done done;
  {
    std::lock_guard<std::mutex> lock(core_->mu);
    auto chunk = core_->chunks.find(opId);
    if (chunk == core_->chunks.end()) return false;
    auto read = core_->reads.find(chunk->second.readId);
    if (read != core_->reads.end()) read->second.record.cancel(CancelReason::Client);
    done = core_->finish(opId);
  }
  if (done) done({}, EngineError(ErrorCode::Cancelled, "cancelled"));
  return true;
}

void DirectReads::close(std::uint64_t readId, bool completed) {
  std::vector<Done> orphans;
  {
    std::lock_guard<std::mutex> lock(core_->mu);
    auto read = core_->reads.find(readId);
    if (read == core_->reads.end()) return;
    if (completed) {
      read->second.record.complete();
    } else {
      read->second.record.cancel(CancelReason::Client);
    }
    for (auto it = core_->chunks.begin(); it != core_->chunks.end();) {
      if (it->second.readId != readId) {
        ++it;
        continue;
      }
      orphans.push_back(std::move(it->second.done));
      it = core_->chunks.erase(it);
    }
    core_->reads.erase(read);
  }
  for (Done& done : orphans) done({}, EngineError(ErrorCode::Cancelled, "the read was closed"));
}

void DirectReads::checkSlow() {
  std::lock_guard<std::mutex> lock(core_->mu);
  for (auto& [id, read] : core_->reads)
    read.record.checkSlow(core_->softTimeout, read.stream->holds(read.record.parkedPiece()));
}

}  // namespace vozduxan
