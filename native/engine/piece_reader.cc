#include "engine/piece_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <libtorrent/hasher.hpp>

namespace vozduxan {
namespace {

/// Closes the descriptor on scope exit.
class FileDescriptor {
 public:
  explicit FileDescriptor(const std::string& path)
      : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::size_t preadFully(int fd, char* buffer, std::size_t len, std::int64_t offset) {
  std::size_t done = 0;
  while (done < len) {
    ssize_t n = ::pread(fd, buffer + done, len - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  return done;
}

}  // namespace

PieceReader::PieceReader(std::shared_ptr<const lt::torrent_info> info, std::string savePath)
    : info_(std::move(info)), savePath_(std::move(savePath)) {}

std::size_t PieceReader::readRaw(std::int64_t offset, char* buffer, std::size_t len) const {
  const lt::file_storage& files = info_->files();
  if (offset < 0 || offset >= files.total_size() || len == 0) return 0;
  len = static_cast<std::size_t>(
      std::min<std::int64_t>(static_cast<std::int64_t>(len), files.total_size() - offset));
  const auto piece = lt::piece_index_t(static_cast<int>(offset / files.piece_length()));
  const auto inPiece = offset % files.piece_length();
  std::size_t done = 0;
  for (const lt::file_slice& slice :
       files.map_block(piece, inPiece, static_cast<std::int64_t>(len))) {
    const auto size = static_cast<std::size_t>(slice.size);
    if (files.pad_file_at(slice.file_index)) {
      std::memset(buffer + done, 0, size);
    } else {
      FileDescriptor fd(files.file_path(slice.file_index, savePath_));
      if (fd.get() < 0) return done;
      const std::size_t got = preadFully(fd.get(), buffer + done, size, slice.offset);
      if (got < size) return done + got;
    }
    done += size;
  }
  return done;
}

bool PieceReader::readVerified(int piece, std::vector<char>& out) const {
  const auto index = lt::piece_index_t(piece);
  const auto size = static_cast<std::size_t>(info_->piece_size(index));
  out.resize(size);
  const std::int64_t offset = static_cast<std::int64_t>(piece) * info_->piece_length();
  if (readRaw(offset, out.data(), size) != size) return false;
  if (!canVerify()) return true;  // v2-only torrents: trust libtorrent's own check.
  lt::hasher hash(out.data(), static_cast<int>(size));
  return hash.final() == info_->hash_for_piece(index);
}

}  // namespace vozduxan
