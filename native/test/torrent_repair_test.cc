// Repair that isn't over-eager (issue 16 item 7): a piece whose bytes on disk do not match its
// hash is bad for good only if libtorrent never passed it in this session. One that passed
// (piece_finished) is right and only not flushed yet: it is retried, never repaired. One known
// from a check or resume data is bad on disk: after a few looks libtorrent is asked to check.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <libtorrent/bencode.hpp>
#include <libtorrent/create_torrent.hpp>
#include <libtorrent/hasher.hpp>
#include <memory>
#include <string>
#include <vector>

#include "engine/torrent.h"

namespace vozduxan {
namespace {

constexpr int kPiece = 16 * 1024;
constexpr int kPieces = 4;

/// A torrent of one file on disk whose piece 1 was corrupted after hashing.
struct CorruptedOnDisk {
  std::string dir;
  std::shared_ptr<Torrent> torrent;

  CorruptedOnDisk() {
    std::string pattern = (std::filesystem::temp_directory_path() / "vz-repair-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    dir = pattern;
    std::vector<char> content(kPiece * kPieces);
    for (std::size_t i = 0; i < content.size(); ++i)
      content[i] = static_cast<char>(i * 7 + i / 251);
    lt::file_storage files;
    files.add_file("track.wav", static_cast<std::int64_t>(content.size()));
    lt::create_torrent creator(files, kPiece, lt::create_torrent::v1_only);
    for (int p = 0; p < kPieces; ++p) {
      creator.set_hash(
          lt::piece_index_t(p),
          lt::hasher(lt::span<const char>(content.data() + p * kPiece, kPiece)).final());
    }
    std::vector<char> bytes;
    lt::bencode(std::back_inserter(bytes), creator.generate());
    content[kPiece + 10] ^= 0x5a;  // piece 1, on disk only
    std::ofstream(dir + "/track.wav", std::ios::binary).write(content.data(), content.size());
    torrent = std::make_shared<Torrent>("key", dir);
    torrent->setMetadata(std::make_shared<const lt::torrent_info>(bytes, lt::from_span));
  }
  ~CorruptedOnDisk() { std::filesystem::remove_all(dir); }

  ReadStatus readPiece1(int& missing) {
    std::vector<char> buffer(kPiece);
    std::size_t got = 0;
    return torrent->read(kPiece, buffer.data(), buffer.size(), got, missing);
  }
};

TEST_CASE("a piece known from a check that never matches is repaired after a few looks") {
  CorruptedOnDisk file;
  file.torrent->setChecked(std::vector<bool>(kPieces, true));
  int missing = -1;
  int looks = 0;
  ReadStatus status = ReadStatus::Retry;
  while (status == ReadStatus::Retry && looks < 100) {
    status = file.readPiece1(missing);
    ++looks;
  }
  CHECK(status == ReadStatus::NotYet);
  CHECK(missing == 1);
  CHECK(looks <= 3);
  CHECK(file.torrent->takeRecheckRequest());
}

TEST_CASE("a piece libtorrent passed in this session is retried, never repaired") {
  CorruptedOnDisk file;
  file.torrent->setChecked(std::vector<bool>(kPieces, false));
  file.torrent->markPiece(1);
  int missing = -1;
  for (int i = 0; i < 300; ++i) REQUIRE(file.readPiece1(missing) == ReadStatus::Retry);
  CHECK_FALSE(file.torrent->takeRecheckRequest());
}

}  // namespace
}  // namespace vozduxan
