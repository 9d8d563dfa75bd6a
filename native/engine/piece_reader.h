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

class PieceReader {
 public:
  PieceReader(std::shared_ptr<const lt::torrent_info> info, std::string savePath);

  /// Reads the whole piece and checks its SHA-1; false on a short read or a mismatch.
  bool readVerified(int piece, std::vector<char>& out) const;

  /// Reads torrent-relative bytes [offset, offset + len); returns the count read.
  std::size_t readRaw(std::int64_t offset, char* buffer, std::size_t len) const;

  /// Whether pieces can be checked here (v1 hashes present).
  bool canVerify() const { return info_->info_hashes().has_v1(); }

 private:
  std::shared_ptr<const lt::torrent_info> info_;
  std::string savePath_;
};

}  // namespace vozduxan
