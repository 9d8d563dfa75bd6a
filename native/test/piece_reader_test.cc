// Pieces are checked against their hash before their first serve, v2-only torrents too
// (engine/piece_reader.h; issue 16, item 1): a piece whose bytes on disk are still zeros (in
// libtorrent's store buffer) must never pass.
#include "engine/piece_reader.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <libtorrent/bencode.hpp>
#include <libtorrent/create_torrent.hpp>
#include <libtorrent/torrent_info.hpp>
#include <random>
#include <string>
#include <vector>

namespace vozduxan {
namespace {

namespace fs = std::filesystem;
constexpr int kPiece = 32 * 1024;

struct Album {
  fs::path root;  // the save path: holds album/
  std::shared_ptr<lt::torrent_info> info;
};

void writeRandom(const fs::path& path, std::size_t size, unsigned seed) {
  std::mt19937 random(seed);
  std::vector<char> bytes(size);
  for (char& c : bytes) c = static_cast<char>(random());
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(size));
}

/// A v2-only or hybrid album: a file of several pieces with a partial last one, a file smaller
/// than a piece (no piece layer: checked against its root), and another multi-piece file.
Album makeAlbum(lt::create_flags_t flags, const std::string& name) {
  Album album{fs::temp_directory_path() / ("vz-piece-reader-" + name), nullptr};
  fs::remove_all(album.root);
  fs::create_directories(album.root / "album");
  writeRandom(album.root / "album" / "01.flac", 100'000, 1);
  writeRandom(album.root / "album" / "02.wav", 10'000, 2);
  writeRandom(album.root / "album" / "03.mp3", 70'000, 3);
  lt::file_storage files;
  lt::add_files(files, (album.root / "album").string());
  lt::create_torrent creator(files, kPiece, flags);
  lt::set_piece_hashes(creator, album.root.string());
  std::vector<char> bytes;
  lt::bencode(std::back_inserter(bytes), creator.generate());
  album.info = std::make_shared<lt::torrent_info>(bytes, lt::from_span);
  return album;
}

/// The same torrent as a magnet's metadata: the info dict alone, no piece layers.
std::shared_ptr<lt::torrent_info> withoutLayers(const lt::torrent_info& info) {
  const lt::span<const char> section = info.info_section();
  std::vector<char> bytes{'d', '4', ':', 'i', 'n', 'f', 'o'};
  bytes.insert(bytes.end(), section.begin(), section.end());
  bytes.push_back('e');
  return std::make_shared<lt::torrent_info>(bytes, lt::from_span);
}

void zeroPiece(const Album& album, int piece) {
  const lt::file_storage& files = album.info->files();
  for (const lt::file_slice& slice : files.map_block(
           lt::piece_index_t(piece), 0, album.info->piece_size(lt::piece_index_t(piece)))) {
    if (files.pad_file_at(slice.file_index)) continue;
    std::fstream out(files.file_path(slice.file_index, album.root.string()),
                     std::ios::in | std::ios::out | std::ios::binary);
    out.seekp(slice.offset);
    const std::vector<char> zeros(static_cast<std::size_t>(slice.size), 0);
    out.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
  }
}

TEST_CASE("v2-only: every piece matches its piece layer or file root; zeros on disk never do") {
  const Album album = makeAlbum(lt::create_torrent::v2_only, "v2");
  REQUIRE_FALSE(album.info->info_hashes().has_v1());
  const PieceReader reader(album.info, album.root.string());
  std::vector<char> bytes;
  const int pieces = album.info->num_pieces();
  for (int piece = 0; piece < pieces; ++piece) {
    CAPTURE(piece);
    CHECK(reader.readVerified(piece, bytes) == PieceCheck::Match);
  }
  for (int piece : {0, 3, pieces - 1}) {  // in a multi-piece file, its last piece, the small file
    zeroPiece(album, piece);
    CAPTURE(piece);
    CHECK(reader.readVerified(piece, bytes) == PieceCheck::Mismatch);
  }
}

TEST_CASE("v2-only from a magnet: without piece layers a multi-piece file's piece waits for them") {
  const Album album = makeAlbum(lt::create_torrent::v2_only, "v2-magnet");
  const auto bare = withoutLayers(*album.info);
  REQUIRE(bare->piece_layer(lt::file_index_t(0)).empty());
  const PieceReader reader(bare, album.root.string());
  std::vector<char> bytes;
  // Piece 0 lies in 01.flac (several pieces): its hash is in the piece layer only.
  CHECK(reader.readVerified(0, bytes) == PieceCheck::NoHash);
  CHECK(reader.readVerified(0, bytes, album.info.get()) == PieceCheck::Match);
  // The small file has no piece layer at all: its root, in the info dict, is enough.
  const lt::file_storage& files = bare->files();
  for (lt::file_index_t file : files.file_range()) {
    if (files.pad_file_at(file) || files.file_size(file) > kPiece) continue;
    const int piece = static_cast<int>(files.file_offset(file) / kPiece);
    CHECK(reader.readVerified(piece, bytes) == PieceCheck::Match);
  }
}

TEST_CASE("hybrid: checked with SHA-1, and zeros fail") {
  const Album album = makeAlbum({}, "hybrid");
  REQUIRE(album.info->info_hashes().has_v1());
  REQUIRE(album.info->info_hashes().has_v2());
  const PieceReader reader(album.info, album.root.string());
  std::vector<char> bytes;
  for (int piece = 0; piece < album.info->num_pieces(); ++piece)
    CHECK(reader.readVerified(piece, bytes) == PieceCheck::Match);
  zeroPiece(album, 1);
  CHECK(reader.readVerified(1, bytes) == PieceCheck::Mismatch);
}

TEST_CASE("merkleRoot pads with zero hashes up to its width") {
  const lt::sha256_hash leaf = lt::hasher256("abc", 3).final();
  CHECK(PieceReader::merkleRoot({leaf}, 1) == leaf);
  lt::hasher256 pair;
  pair.update(leaf);
  pair.update(lt::sha256_hash());
  CHECK(PieceReader::merkleRoot({leaf}, 2) == pair.final());
}

}  // namespace
}  // namespace vozduxan
