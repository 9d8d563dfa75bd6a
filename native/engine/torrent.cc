#include "engine/torrent.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace vozduxan {

Torrent::Torrent(std::string key, std::string savePath)
    : key_(std::move(key)),
      savePath_(std::move(savePath)),
      lastUsed_(std::chrono::steady_clock::now()) {}

void Torrent::attach(lt::torrent_handle handle) {
  std::lock_guard<std::mutex> lock(mu_);
  handle_ = std::move(handle);
}

lt::torrent_handle Torrent::handle() const {
  std::lock_guard<std::mutex> lock(mu_);
  return handle_;
}

void Torrent::setMetadata(std::shared_ptr<const lt::torrent_info> info) {
  std::lock_guard<std::mutex> lock(mu_);
  if (info_) return;
  info_ = std::move(info);
  reader_.emplace(info_, savePath_);
  have_.assign(static_cast<std::size_t>(info_->num_pieces()), false);
  verified_.assign(have_.size(), false);
  finishedHere_.assign(have_.size(), false);
}

std::shared_ptr<const lt::torrent_info> Torrent::info() const {
  std::lock_guard<std::mutex> lock(mu_);
  return info_;
}

std::vector<Torrent::Waiter> Torrent::setChecked(const std::vector<bool>& have) {
  std::lock_guard<std::mutex> lock(mu_);
  checked_ = true;
  std::vector<Waiter> ready;
  for (std::size_t i = 0; i < have.size() && i < have_.size(); ++i) {
    have_[i] = have[i];
    finishedHere_[i] = false;
    if (!have[i]) verified_[i] = false;
    auto it = waiters_.find(static_cast<int>(i));
    if (have[i] && it != waiters_.end()) {
      for (auto& waiter : it->second) ready.push_back(std::move(waiter));
      waiters_.erase(it);
    }
  }
  hashFailures_.clear();
  return ready;
}

bool Torrent::takeRecheckRequest() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::exchange(recheckWanted_, false);
}

bool Torrent::takeHashesRequest() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::exchange(hashesWanted_, false);
}

void Torrent::setHashes(std::shared_ptr<const lt::torrent_info> withHashes) {
  std::lock_guard<std::mutex> lock(mu_);
  if (withHashes) hashes_ = std::move(withHashes);
}

bool Torrent::ready() const {
  std::lock_guard<std::mutex> lock(mu_);
  return info_ && checked_;
}

std::vector<Torrent::Waiter> Torrent::markPiece(int piece) {
  std::lock_guard<std::mutex> lock(mu_);
  if (piece < 0 || static_cast<std::size_t>(piece) >= have_.size()) return {};
  have_[static_cast<std::size_t>(piece)] = true;
  finishedHere_[static_cast<std::size_t>(piece)] = true;
  auto it = waiters_.find(piece);
  if (it == waiters_.end()) return {};
  std::vector<Waiter> ready = std::move(it->second);
  waiters_.erase(it);
  return ready;
}

std::vector<Torrent::Waiter> Torrent::markStorageFailed() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    storageFailed_ = true;
  }
  return takeAllWaiters();
}

bool Torrent::clearStorageFailed() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::exchange(storageFailed_, false);
}

std::vector<Torrent::Waiter> Torrent::takeAllWaiters() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Waiter> all;
  for (auto& [piece, list] : waiters_) {
    for (auto& waiter : list) all.push_back(std::move(waiter));
  }
  waiters_.clear();
  return all;
}

bool Torrent::hasPiece(int piece) const {
  std::lock_guard<std::mutex> lock(mu_);
  return piece >= 0 && static_cast<std::size_t>(piece) < have_.size() &&
         have_[static_cast<std::size_t>(piece)];
}

int Torrent::countPieces(int first, int last) const {
  std::lock_guard<std::mutex> lock(mu_);
  int count = 0;
  for (int p = std::max(first, 0); p <= last && static_cast<std::size_t>(p) < have_.size(); ++p) {
    if (have_[static_cast<std::size_t>(p)]) ++count;
  }
  return count;
}

std::int64_t Torrent::contiguousFrom(std::int64_t offset, std::int64_t end) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!info_ || offset >= end) return 0;
  const std::int64_t pieceLength = info_->piece_length();
  std::int64_t cursor = offset;
  while (cursor < end) {
    const auto piece = static_cast<std::size_t>(cursor / pieceLength);
    if (piece >= have_.size() || !have_[piece]) break;
    cursor = static_cast<std::int64_t>(piece + 1) * pieceLength;
  }
  return std::min(cursor, end) - offset;
}

std::vector<int> Torrent::awaitedPieces() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<int> pieces;
  for (const auto& [piece, list] : waiters_) pieces.push_back(piece);
  return pieces;
}

int Torrent::firstAwaited(int first, int last) const {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = waiters_.lower_bound(first);
  return it != waiters_.end() && it->first <= last ? it->first : -1;
}

void Torrent::waitPiece(int piece, Waiter waiter) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    const bool had = piece >= 0 && static_cast<std::size_t>(piece) < have_.size() &&
                     have_[static_cast<std::size_t>(piece)];
    if (!had) {
      waiters_[piece].push_back(std::move(waiter));
      return;
    }
  }
  waiter();
}

ReadStatus Torrent::read(std::int64_t offset, char* buffer, std::size_t len, std::size_t& got,
                         int& missing) {
  got = 0;
  std::unique_lock<std::mutex> lock(mu_);
  if (!info_ || !reader_) return ReadStatus::Failed;
  const std::int64_t pieceLength = info_->piece_length();
  const int piece = static_cast<int>(offset / pieceLength);
  if (static_cast<std::size_t>(piece) >= have_.size()) return ReadStatus::Failed;
  if (!have_[static_cast<std::size_t>(piece)]) {
    // Its storage failed (a full disk, say): the piece is not coming; readers end, typed.
    if (storageFailed_) return ReadStatus::Failed;
    missing = piece;
    return ReadStatus::NotYet;
  }
  const PieceReader& reader = *reader_;
  if (!verified_[static_cast<std::size_t>(piece)]) {
    const std::shared_ptr<const lt::torrent_info> hashes = hashes_;
    lock.unlock();
    std::vector<char> whole;
    const PieceCheck check = reader.readVerified(piece, whole, hashes.get());
    if (check == PieceCheck::NoHash) {
      // A v2 piece whose hash we do not have yet: ask the engine for libtorrent's, and retry.
      lock.lock();
      hashesWanted_ = true;
      return ReadStatus::Retry;
    }
    if (check != PieceCheck::Match) {
      // A piece that passed libtorrent's hash in this session is right and only not flushed
      // yet (its bytes are still in libtorrent's store buffer, slow storage): retry, never
      // repair. One known only from a check or resume data that does not match is bad on
      // disk (a cache corrupted between runs): after a few looks, forget it and have
      // libtorrent check the torrent again.
      constexpr int kFailuresBeforeRepair = 3;
      lock.lock();
      if (finishedHere_[static_cast<std::size_t>(piece)]) return ReadStatus::Retry;
      if (++hashFailures_[piece] < kFailuresBeforeRepair) return ReadStatus::Retry;
      hashFailures_.erase(piece);
      have_[static_cast<std::size_t>(piece)] = false;
      recheckWanted_ = true;
      missing = piece;
      return ReadStatus::NotYet;
    }
    const std::int64_t inPiece = offset - static_cast<std::int64_t>(piece) * pieceLength;
    got = std::min(len, whole.size() - static_cast<std::size_t>(inPiece));
    std::memcpy(buffer, whole.data() + inPiece, got);
    lock.lock();
    verified_[static_cast<std::size_t>(piece)] = true;
    return ReadStatus::Ready;
  }
  // Extend over the run of verified pieces so a cached file is read in large blocks.
  std::int64_t end = offset;
  for (auto p = static_cast<std::size_t>(piece); p < verified_.size() && verified_[p]; ++p) {
    end = static_cast<std::int64_t>(p + 1) * pieceLength;
    if (end - offset >= static_cast<std::int64_t>(len)) break;
  }
  const auto want = static_cast<std::size_t>(
      std::min<std::int64_t>(static_cast<std::int64_t>(len), end - offset));
  lock.unlock();
  got = reader.readRaw(offset, buffer, want);
  return got == want ? ReadStatus::Ready : ReadStatus::Failed;
}

void Torrent::setStatus(const TorrentStatusSnapshot& status) {
  std::lock_guard<std::mutex> lock(mu_);
  status_ = status;
}

TorrentStatusSnapshot Torrent::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

void Torrent::touch() {
  std::lock_guard<std::mutex> lock(mu_);
  lastUsed_ = std::chrono::steady_clock::now();
}

std::chrono::steady_clock::time_point Torrent::lastUsed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lastUsed_;
}

}  // namespace vozduxan
