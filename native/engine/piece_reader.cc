#include "engine/piece_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
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

PieceCheck PieceReader::readVerified(int piece, std::vector<char>& out,
                                     const lt::torrent_info* withHashes) const {
  const auto index = lt::piece_index_t(piece);
  const auto size = static_cast<std::size_t>(info_->piece_size(index));
  out.resize(size);
  const std::int64_t offset = static_cast<std::int64_t>(piece) * info_->piece_length();
  if (readRaw(offset, out.data(), size) != size) return PieceCheck::Mismatch;
  if (!info_->info_hashes().has_v1()) return checkV2(piece, out, withHashes);
  lt::hasher hash(out.data(), static_cast<int>(size));
  return hash.final() == info_->hash_for_piece(index) ? PieceCheck::Match : PieceCheck::Mismatch;
}

lt::sha256_hash PieceReader::merkleRoot(std::vector<lt::sha256_hash> leaves, std::size_t width) {
  leaves.resize(std::max<std::size_t>(width, 1));  // zero hashes past the end of the file
  while (leaves.size() > 1) {
    for (std::size_t i = 0; i < leaves.size() / 2; ++i) {
      lt::hasher256 node;
      node.update(leaves[2 * i]);
      node.update(leaves[2 * i + 1]);
      leaves[i] = node.final();
    }
    leaves.resize(leaves.size() / 2);
  }
  return leaves.front();
}

PieceCheck PieceReader::checkV2(int piece, const std::vector<char>& bytes,
                                const lt::torrent_info* withHashes) const {
  constexpr std::size_t kBlock = std::size_t{16} * 1024;
  const lt::file_storage& files = info_->files();
  // In a v2 torrent every file starts on a piece boundary: the piece lies in one file.
  const lt::file_index_t file = files.file_index_at_piece(lt::piece_index_t(piece));
  const std::int64_t pieceStart = static_cast<std::int64_t>(piece) * files.piece_length();
  const std::int64_t inFile = pieceStart - files.file_offset(file);
  const std::int64_t fileSize = files.file_size(file);
  if (inFile < 0 || inFile >= fileSize) return PieceCheck::Mismatch;
  const auto len = static_cast<std::size_t>(
      std::min<std::int64_t>(static_cast<std::int64_t>(bytes.size()), fileSize - inFile));
  std::vector<lt::sha256_hash> leaves;
  for (std::size_t at = 0; at < len; at += kBlock) {
    leaves.push_back(
        lt::hasher256(bytes.data() + at, static_cast<int>(std::min(kBlock, len - at))).final());
  }
  const auto blocksPerPiece = static_cast<std::size_t>(files.piece_length()) / kBlock;
  if (fileSize <= files.piece_length()) {
    // A file of one piece has no piece layer: its root is that piece's tree, as wide as the
    // smallest power of two that holds its blocks.
    std::size_t width = 1;
    while (width < leaves.size()) width *= 2;
    return merkleRoot(std::move(leaves), width) == files.root(file) ? PieceCheck::Match
                                                                    : PieceCheck::Mismatch;
  }
  const auto layerIndex = static_cast<std::size_t>(inFile / files.piece_length());
  const lt::sha256_hash zero;
  for (const lt::torrent_info* source : {info_.get(), withHashes}) {
    if (!source) continue;
    const lt::span<const char> layer = source->piece_layer(file);
    const auto at = static_cast<std::ptrdiff_t>(layerIndex * lt::sha256_hash::size());
    if (layer.size() < at + static_cast<std::ptrdiff_t>(lt::sha256_hash::size())) continue;
    const lt::sha256_hash expected(layer.data() + at);
    if (expected == zero) continue;  // a node libtorrent does not know yet
    return merkleRoot(std::move(leaves), blocksPerPiece) == expected ? PieceCheck::Match
                                                                     : PieceCheck::Mismatch;
  }
  return PieceCheck::NoHash;
}

}  // namespace vozduxan
