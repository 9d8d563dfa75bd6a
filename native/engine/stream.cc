#include "engine/stream.h"

#include <algorithm>

#include "engine/mime.h"

namespace vozduxan {

Stream::Stream(std::string token, std::shared_ptr<Torrent> torrent, int fileIndex, bool main,
               RescheduleRequest reschedule)
    : token_(std::move(token)),
      torrent_(std::move(torrent)),
      fileIndex_(fileIndex),
      main_(main),
      reschedule_(std::move(reschedule)) {
  const auto info = torrent_->info();
  const lt::file_storage& files = info->files();
  const lt::file_index_t index(fileIndex);
  fileOffset_ = files.file_offset(index);
  size_ = files.file_size(index);
  mime_ = mimeForName(files.file_name(index).to_string());
  firstPiece_ = static_cast<int>(fileOffset_ / info->piece_length());
  const std::int64_t lastByte = fileOffset_ + std::max<std::int64_t>(size_, 1) - 1;
  lastPiece_ = static_cast<int>(lastByte / info->piece_length());
}

int Stream::pieceAt(std::int64_t fileByte) const {
  const std::int64_t clamped =
      std::clamp<std::int64_t>(fileByte, 0, std::max<std::int64_t>(size_ - 1, 0));
  return static_cast<int>((fileOffset_ + clamped) / torrent_->info()->piece_length());
}

void Stream::setPosition(std::int64_t fileByte) {
  position_.store(std::clamp<std::int64_t>(fileByte, 0, size_));
  const int piece = pieceAt(fileByte);
  const int first = windowFirst_.load();
  const int last = windowLast_.load();
  if (first < 0 || piece < first || piece > last + 1) {
    seekPending_.store(true);
    seeks_.fetch_add(1);
  }
  torrent_->touch();
  if (reschedule_) reschedule_(torrent_);
}

void Stream::anchorAt(std::int64_t fileByte) {
  lastReport_.store(std::chrono::steady_clock::now().time_since_epoch().count());
  setPosition(fileByte);
}

std::chrono::steady_clock::time_point Stream::lastReport() const {
  return std::chrono::steady_clock::time_point(
      std::chrono::steady_clock::duration(lastReport_.load()));
}

void Stream::followReader(std::int64_t fileByte, bool start) {
  if (start) return anchorAt(fileByte);
  // With a cap the reader's chunks move nothing: past the cap it parks (readFor).
  if (!readAhead_.capped()) setPosition(fileByte);
}

void Stream::setByteRate(double bytesPerSecond) {
  const double before = byteRate_.exchange(bytesPerSecond);
  if (readAhead_.capped() && before != bytesPerSecond && reschedule_) reschedule_(torrent_);
}

double Stream::readAheadBytes() const {
  const double rate = byteRate();
  return vozduxan::readAheadBytes(readAhead_, rate > 0 ? rate : typicalBytesPerSecond(mime_));
}

int Stream::readAheadLastPiece() const {
  if (!readAhead_.capped()) return -1;
  return vozduxan::readAheadLastPiece(fileOffset_ + position(), readAheadBytes(),
                                      torrent_->info()->piece_length(), lastPiece_);
}

bool Stream::holds(int piece) const { return readAhead_.capped() && piece > readAheadLastPiece(); }

std::int64_t Stream::pieceStartInFile(int piece) const {
  const std::int64_t start =
      static_cast<std::int64_t>(piece) * torrent_->info()->piece_length() - fileOffset_;
  return std::max<std::int64_t>(start, 0);
}

void Stream::followStaleReader(std::chrono::steady_clock::time_point now) {
  if (!readAhead_.capped() || released()) return;
  const int capLast = readAheadLastPiece();
  if (capLast >= lastPiece_) return;
  const int parked = torrent_->firstAwaited(capLast + 1, lastPiece_);
  if (parked < 0 || !reportsStale(lastReport(), now, readAhead_.staleAfter)) return;
  setPosition(pieceStartInFile(parked));
}

StreamStats Stream::stats() const {
  const Torrent& torrent = *torrent_;
  const TorrentStatusSnapshot status = torrent.status();
  StreamStats stats;
  stats.downloadRate = status.downloadRate;
  stats.uploadRate = status.uploadRate;
  stats.numPeers = status.numPeers;
  stats.numSeeds = status.numSeeds;
  stats.position = position();
  stats.fileSize = size_;
  stats.bufferedAhead = torrent.contiguousFrom(fileOffset_ + stats.position, fileOffset_ + size_);
  stats.piecesTotal = lastPiece_ - firstPiece_ + 1;
  stats.piecesHad = torrent.countPieces(firstPiece_, lastPiece_);
  stats.windowFirst = windowFirst();
  stats.windowLast = windowLast();
  stats.generation = generation();
  stats.seeks = seeks();
  stats.main = main_;
  stats.state = stats.piecesHad == stats.piecesTotal ? "complete"
                : stats.bufferedAhead > 0            ? "streaming"
                                                     : "buffering";
  return stats;
}

PacingInput Stream::pacingInput() const {
  const Torrent& torrent = *torrent_;
  PacingInput input;
  input.byteRate = byteRate();
  input.bufferedAhead = torrent.contiguousFrom(fileOffset_ + position(), fileOffset_ + size_);
  input.complete = torrent.countPieces(firstPiece_, lastPiece_) == lastPiece_ - firstPiece_ + 1;
  input.playerReports = playerReports();
  input.readAheadSecs = readAhead_.seconds;
  // With a cap nothing past it is wanted: buffered to the file's end is all there is to have, and
  // a reader parked past the cap waits for the window, not for the link.
  if (readAhead_.capped() && input.bufferedAhead >= size_ - position()) input.complete = true;
  const int wantedLast = readAhead_.capped() ? readAheadLastPiece() : lastPiece_;
  const int awaited = torrent.firstAwaited(pieceAt(position()) + 1, wantedLast);
  if (awaited >= 0) input.readerAhead = pieceStartInFile(awaited) - position();
  return input;
}

namespace {

/// Verified bytes of the file, never waiting: a prefix of what was asked, or nothing.
LocalBytes localBytesOf(const std::shared_ptr<Torrent>& torrent, std::int64_t fileOffset,
                        std::int64_t size) {
  return [torrent, fileOffset, size](std::int64_t offset,
                                     std::size_t len) -> std::optional<std::vector<unsigned char>> {
    if (offset < 0 || offset >= size) return std::nullopt;
    len = static_cast<std::size_t>(
        std::min<std::int64_t>(static_cast<std::int64_t>(len), size - offset));
    std::vector<unsigned char> out(len);
    std::size_t done = 0;
    while (done < len) {
      std::size_t got = 0;
      int missing = -1;
      const ReadStatus status =
          torrent->read(fileOffset + offset + static_cast<std::int64_t>(done),
                        reinterpret_cast<char*>(out.data()) + done, len - done, got, missing);
      if (status != ReadStatus::Ready || got == 0) break;
      done += got;
    }
    if (done == 0) return std::nullopt;
    out.resize(done);
    return out;
  };
}

bool complete(const AudioIndex& index) {
  return index.format != AudioFormat::Unknown && index.durationSecs && index.tailFrom < 0;
}

}  // namespace

void Stream::indexAudio() {
  // Again only when more of the file is local than at the last look: a player's timeupdate
  // must not re-read the head four times a second, and a finished piece must not wait.
  const int local = torrent_->countPieces(firstPiece_, lastPiece_);
  {
    std::lock_guard<std::mutex> lock(indexMu_);
    if (index_ && (complete(*index_) || local == indexedPieces_)) return;
    indexedPieces_ = local;
  }
  auto index = std::make_shared<AudioIndex>(
      parseAudioIndex(mime_, size_, localBytesOf(torrent_, fileOffset_, size_)));
  std::lock_guard<std::mutex> lock(indexMu_);
  index_ = std::move(index);
}

std::shared_ptr<const AudioIndex> Stream::audioIndex() const {
  std::lock_guard<std::mutex> lock(indexMu_);
  return index_;
}

std::optional<double> Stream::durationSecs() const {
  const auto index = audioIndex();
  return index ? index->durationSecs : std::nullopt;
}

std::int64_t Stream::offsetForTime(double seconds) {
  indexAudio();
  const auto index = audioIndex();
  if (!index) return 0;
  return vozduxan::offsetForTime(*index, seconds, size_,
                                 localBytesOf(torrent_, fileOffset_, size_));
}

bool Stream::takeSeek() { return seekPending_.exchange(false); }

void Stream::setWindow(int first, int last) {
  windowFirst_.store(first);
  windowLast_.store(last);
}

void Stream::markReleased(bool bySessionClose) {
  std::lock_guard<std::mutex> lock(wakeMu_);
  if (bySessionClose) closedBySession_.store(true);
  released_.store(true);
  generation_.fetch_add(1);
}

std::uint64_t Stream::beginResponse(std::int64_t offset) {
  std::uint64_t generation = 0;
  {
    std::lock_guard<std::mutex> lock(wakeMu_);
    generation = generation_.fetch_add(1) + 1;
  }
  anchorAt(offset);
  // Responses parked on a piece only look at their generation when woken; the piece
  // they wait for may never come now that the window moved. Wake them so the stale
  // ones end (the others simply wait again).
  for (auto& waiter : torrent_->takeAllWaiters()) waiter();
  return generation;
}

bool Stream::current(std::uint64_t generation) const {
  return !released_.load() && generation_.load() == generation;
}

bool Stream::live(const std::uint64_t* generation) const {
  return !released_.load() && (generation == nullptr || generation_.load() == *generation);
}

ReadStatus Stream::read(std::uint64_t generation, std::int64_t offset, char* buffer,
                        std::size_t len, std::size_t& got, std::function<void()> resume) {
  return readFor(&generation, offset, buffer, len, got, std::move(resume));
}

ReadStatus Stream::read(std::int64_t offset, char* buffer, std::size_t len, std::size_t& got,
                        std::function<void()> resume, bool jump) {
  return readFor(nullptr, offset, buffer, len, got, std::move(resume), jump);
}

void Stream::moveForMissing(int missing, bool jump) {
  if (!readAhead_.capped()) {
    // The reader got ahead of the window: anchor the deadlines at what it waits for.
    if (missing < windowFirst_.load() || missing > windowLast_.load())
      setPosition(pieceStartInFile(missing));
    return;
  }
  const MissingPiece m{
      missing, pieceAt(position()), readAheadLastPiece(), jump,
      reportsStale(lastReport(), std::chrono::steady_clock::now(), readAhead_.staleAfter)};
  if (onMissingPiece(m) != ReaderMove::Anchor) return;
  // A random-access read is a seek, as a Range request is; the others only move the window.
  if (jump) return anchorAt(pieceStartInFile(missing));
  setPosition(pieceStartInFile(missing));
}

ReadStatus Stream::readFor(const std::uint64_t* generation, std::int64_t offset, char* buffer,
                           std::size_t len, std::size_t& got, std::function<void()> resume,
                           bool jump) {
  got = 0;
  if (!live(generation) || offset < 0 || offset >= size_) return ReadStatus::Failed;
  len = static_cast<std::size_t>(
      std::min<std::int64_t>(static_cast<std::int64_t>(len), size_ - offset));
  int missing = -1;
  const ReadStatus status = torrent_->read(fileOffset_ + offset, buffer, len, got, missing);
  if (status == ReadStatus::NotYet) {
    moveForMissing(missing, jump);
    // A release or a newer response may have come and woken the parked readers since the check
    // above: look again, under the lock they change it under, before parking.
    std::lock_guard<std::mutex> lock(wakeMu_);
    if (!live(generation)) return ReadStatus::Failed;
    torrent_->waitPiece(missing, std::move(resume));
  }
  return status;
}

}  // namespace vozduxan
