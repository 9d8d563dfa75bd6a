// Reads torrent bytes from the files on disk, and checks whole pieces against their hash.
//
// libtorrent 2.0 (mmap storage) can report a piece finished while its bytes still sit in
// the store buffer, so a read straight after piece_finished_alert may see zeros. We never
// serve a piece from disk until its on-disk bytes have matched the piece hash once.
#pragma once

#include <cstdint>
#include <libtorrent/torrent_info.hpp>
#include <memory>
#include <string>
#include <vector>

namespace vozduxan {

enum class PieceCheck {
  Match,
  Mismatch,  // or a short read
  NoHash,    // a v2 piece whose piece-layer hash is not known (yet)
};

class PieceReader {
 public:
  PieceReader(std::shared_ptr<const lt::torrent_info> info, std::string savePath);

  /// Reads the whole piece and checks it: SHA-1 against the v1 hash when the torrent has one,
  /// else (v2-only) the SHA-256 merkle root of its 16 KiB blocks against the file's piece layer
  /// (or its root, for a file of one piece). `withHashes`: metadata carrying the piece layers
  /// when the torrent's own lacks them (a magnet's); may be null.
  PieceCheck readVerified(int piece, std::vector<char>& out,
                          const lt::torrent_info* withHashes = nullptr) const;

  /// Reads torrent-relative bytes [offset, offset + len); returns the count read.
  std::size_t readRaw(std::int64_t offset, char* buffer, std::size_t len) const;

  /// The SHA-256 merkle root of `leaves` padded with zero hashes to `width` (a power of two).
  static lt::sha256_hash merkleRoot(std::vector<lt::sha256_hash> leaves, std::size_t width);

 private:
  PieceCheck checkV2(int piece, const std::vector<char>& bytes,
                     const lt::torrent_info* withHashes) const;

  std::shared_ptr<const lt::torrent_info> info_;
  std::string savePath_;
};

}  // namespace vozduxan
