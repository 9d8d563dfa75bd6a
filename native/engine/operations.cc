#include "engine/operations.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <set>
#include <utility>
#include <vector>

#include "engine/mime.h"
#include "engine/prebuffer.h"
#include "engine/token.h"

namespace vozduxan {

namespace {

using Clock = PendingOp::Clock;

/// now + timeout, or the end of time where that would overflow (a timeout of
/// Number.MAX_SAFE_INTEGER ms is 285,000 years: as good as none).
Clock::time_point deadlineAfter(Clock::time_point now, std::chrono::milliseconds timeout) {
  if (timeout.count() <= 0) return now;
  const auto room =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::time_point::max() - now);
  if (timeout >= room) return Clock::time_point::max();
  return now + timeout;
}

Clock::time_point deadlineAfter(Clock::time_point now, std::chrono::milliseconds first,
                                std::chrono::milliseconds second) {
  return deadlineAfter(deadlineAfter(now, first), second);
}

/// The file's byte rate from its header when its first bytes are verified on disk, else a
/// typical rate for its type (prebuffer.h).
double streamByteRate(Stream& stream) {
  // The file's own index first: every format's real average rate, where it says.
  stream.indexAudio();
  if (const auto index = stream.audioIndex(); index && index->bytesPerSecond)
    return *index->bytesPerSecond;
  std::array<char, 4096> head{};
  std::size_t got = 0;
  const auto len = static_cast<std::size_t>(std::min<std::int64_t>(head.size(), stream.size()));
  const bool ready = stream.read(0, head.data(), len, got, [] {}) == ReadStatus::Ready;
  return fileByteRate(reinterpret_cast<const unsigned char*>(head.data()), ready ? got : 0,
                      stream.size(), stream.mimeType());
}

}  // namespace

Operations::Operations(const SessionConfig& config, Torrents& torrents, Streams& streams,
                       Stream::RescheduleRequest reschedule, StreamUrl url, EventHub* events)
    : metadataTimeout_(config.metadataTimeout),
      bufferTimeout_(config.bufferTimeout),
      readAhead_{config.maxReadAheadSecs, config.readAheadStale},
      torrents_(torrents),
      streams_(streams),
      reschedule_(std::move(reschedule)),
      url_(std::move(url)),
      events_(events) {}

// ---- starting and ending --------------------------------------------------------

void Operations::checkNewId(std::uint64_t id) const {
  // A second call under a pending call's id would replace it, and its promise would never settle.
  if (byId_.count(id)) {
    throw EngineError(ErrorCode::BadInput,
                      "opId " + std::to_string(id) + " is already in use by a pending call");
  }
}

void Operations::listFiles(std::uint64_t id, lt::add_torrent_params params,
                           std::chrono::milliseconds timeout, FilesDone done) {
  checkNewId(id);
  auto op = std::make_unique<PendingOp>();
  op->id = id;
  op->kind = PendingOp::Kind::ListFiles;
  op->torrentKey = torrents_.add(std::move(params)).torrent->key();
  op->metadataDeadline =
      deadlineAfter(Clock::now(), timeout.count() > 0 ? timeout : metadataTimeout_);
  op->filesDone = std::move(done);
  byId_[id] = std::move(op);
}

void Operations::prepare(std::uint64_t id, lt::add_torrent_params params,
                         const PrepareRequest& request, Progress progress, PrepareDone done) {
  checkNewId(id);
  auto op = std::make_unique<PendingOp>();
  op->id = id;
  op->kind = PendingOp::Kind::Prepare;
  op->torrentKey = torrents_.add(std::move(params)).torrent->key();
  const auto timeout =
      request.metadataTimeout.count() > 0 ? request.metadataTimeout : metadataTimeout_;
  const auto now = Clock::now();
  op->metadataDeadline = deadlineAfter(now, timeout);
  op->bufferDeadline = deadlineAfter(now, timeout, bufferTimeout_);
  op->request = request;
  op->request.input = {};  // parsed already; don't keep the bytes twice
  op->progress = std::move(progress);
  op->prepareDone = std::move(done);
  byId_[id] = std::move(op);
}

void Operations::cancel(std::uint64_t id, Deferred& deferred) {
  auto it = byId_.find(id);
  if (it == byId_.end() || it->second->finished) return;
  finish(*it->second, EngineError(ErrorCode::Cancelled, "cancelled"), deferred);
  const std::string key = it->second->torrentKey;
  byId_.erase(it);
  if (!waitsFor(key)) torrents_.markUnused(key, Clock::now());
}

void Operations::fail(const std::string& torrentKey, const EngineError& error,
                      std::optional<PendingOp::Kind> only, Deferred& deferred) {
  for (auto& [id, op] : byId_) {
    if (op->torrentKey == torrentKey && (!only || op->kind == *only) && !op->finished)
      finish(*op, error, deferred);
  }
}

void Operations::failAll(const EngineError& error, Deferred& deferred) {
  for (auto& [id, op] : byId_) {
    if (!op->finished) finish(*op, error, deferred);
  }
  byId_.clear();
}

void Operations::eraseFinished() {
  std::set<std::string> keys;
  for (auto it = byId_.begin(); it != byId_.end();) {
    if (it->second->finished) {
      keys.insert(it->second->torrentKey);
      it = byId_.erase(it);
    } else {
      ++it;
    }
  }
  // A torrent only listed, or whose calls all failed before a stream was made of it (a magnet
  // that timed out, say), would otherwise dial its swarm for the rest of the session.
  const auto now = Clock::now();
  for (const std::string& key : keys) {
    if (!waitsFor(key)) torrents_.markUnused(key, now);
  }
}

void Operations::reportPrebuffer(const Stream& stream, double fraction) const {
  if (!events_ || !events_->enabled()) return;
  EngineEvent event;
  event.kind = EventKind::PrebufferProgress;
  event.token = stream.token();
  event.fraction = fraction;
  events_->emit(std::move(event));
}

int Operations::pendingFor(const Stream& stream) const {
  int count = 0;
  for (const auto& [id, op] : byId_) {
    if (op->stream.get() == &stream && !op->finished) ++count;
  }
  return count;
}

bool Operations::waitsFor(const std::string& torrentKey) const {
  for (const auto& [id, op] : byId_) {
    if (op->torrentKey == torrentKey && !op->finished) return true;
  }
  return false;
}

void Operations::finish(PendingOp& op, const std::optional<EngineError>& error,
                        Deferred& deferred) {
  op.finished = true;
  // The answer first: whatever fails after it, the call is settled.
  if (op.kind == PendingOp::Kind::ListFiles) {
    if (op.filesDone)
      deferred.push_back([done = std::move(op.filesDone), error] { done({}, error); });
  } else if (op.prepareDone) {
    deferred.push_back([done = std::move(op.prepareDone), error] { done({}, error); });
  }
  if (error && op.stream) {
    try {
      torrents_.releaseStream(op.stream, deferred);
    } catch (const std::exception&) {
      // The stream is released (marked first); libtorrent's side is the next tick's.
    }
  }
}

void Operations::cancelOtherMainPrepares(const PendingOp& op, Deferred& deferred) {
  for (auto& [id, other] : byId_) {
    if (id == op.id || other->finished || other->kind != PendingOp::Kind::Prepare ||
        !other->request.main)
      continue;
    if (other->torrentKey != op.torrentKey) continue;
    finish(*other,
           EngineError(ErrorCode::Cancelled, "superseded by a newer main prepare on this torrent"),
           deferred);
  }
}

// ---- the state machine ------------------------------------------------------------

void Operations::advance(Deferred& deferred) {
  for (auto& [id, op] : byId_) {
    if (op->finished) continue;
    try {
      if (advance(*op, deferred)) op->finished = true;
    } catch (const EngineError& e) {
      finish(*op, e, deferred);
    } catch (const std::exception& e) {
      finish(*op, EngineError(ErrorCode::Internal, e.what()), deferred);
    }
  }
  eraseFinished();
}

bool Operations::advance(PendingOp& op, Deferred& deferred) {
  TorrentEntry* entry = torrents_.find(op.torrentKey);
  if (!entry) throw EngineError(ErrorCode::Internal, "torrent vanished");
  const auto info = entry->torrent->info();
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

bool Operations::advancePrepare(PendingOp& op, Deferred& deferred) {
  TorrentEntry& entry = *torrents_.find(op.torrentKey);
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
    op.stream =
        std::make_shared<Stream>(newStreamToken(), torrent, index, op.request.main, reschedule_);
    ReadAheadLimit readAhead = readAhead_;
    if (op.request.maxReadAheadSecs > 0) readAhead.seconds = op.request.maxReadAheadSecs;
    op.stream->setReadAhead(readAhead);
    op.stream->anchorAt(0);
    streams_.add(op.stream);
    entry.streamed = true;
    op.prebuffer.emplace(op.stream->size(), now);
    op.bufferDeadline = deadlineAfter(now, bufferTimeout_);
    torrents_.reschedule(entry);
  }
  Stream& stream = *op.stream;
  const std::int64_t buffered =
      torrent->contiguousFrom(stream.fileOffset(), stream.fileOffset() + stream.size());
  if (buffered > op.lastBuffered) {
    op.lastBuffered = buffered;
    op.bufferDeadline = deadlineAfter(now, bufferTimeout_);
  }
  PrebufferProbe& prebuffer = *op.prebuffer;
  prebuffer.observe(now, buffered, static_cast<double>(torrent->status().downloadRate), [&] {
    const double bitrate = streamByteRate(stream);
    stream.setByteRate(bitrate);
    return bitrate;
  });
  // Past the cap nothing is wanted: the prebuffer holds at most what the window can.
  if (stream.readAhead().capped())
    prebuffer.limit(static_cast<std::int64_t>(std::ceil(stream.readAheadBytes())));
  if (prebuffer.filled(buffered)) {
    StreamInfo result;
    result.token = stream.token();
    result.url = url_(stream.token());
    result.fileSize = stream.size();
    result.mimeType = stream.mimeType();
    result.prebufferBytes = prebuffer.target();
    result.durationSecs = stream.durationSecs().value_or(0);
    auto done = std::move(op.prepareDone);
    if (op.progress) deferred.push_back([progress = op.progress] { progress(1.0, "ready"); });
    reportPrebuffer(stream, 1.0);
    deferred.push_back(
        [done = std::move(done), result = std::move(result)] { done(result, std::nullopt); });
    return true;
  }
  const int percent = prebuffer.percent(buffered);
  if (percent != op.lastPercent) {
    op.lastPercent = percent;
    op.lastStatus = "buffering";
    reportPrebuffer(stream, percent / 100.0);
    if (op.progress) {
      deferred.push_back(
          [progress = op.progress, percent] { progress(percent / 100.0, "buffering"); });
    }
  }
  if (now >= op.bufferDeadline)
    throw EngineError(ErrorCode::BufferTimeout, "no data arrived before the timeout");
  return false;
}

}  // namespace vozduxan
