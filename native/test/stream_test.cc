// Stream (engine/stream.h) over a Torrent with metadata but no pieces: a reader that finds its
// piece missing must never park after a release or a newer response has woken the parked ones
// (issue 17, defect 4). The race is made deterministic through the one call a reader makes
// between its first look and parking: the reschedule request of its setPosition, which here
// plays the release (or the newer response) arriving from another thread at that very moment.
#include "engine/stream.h"

#include <doctest/doctest.h>

#include <functional>
#include <iterator>
#include <libtorrent/bencode.hpp>
#include <libtorrent/create_torrent.hpp>
#include <libtorrent/torrent_info.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace vozduxan {
namespace {

constexpr int kPiece = 16 * 1024;

std::shared_ptr<Torrent> torrentWithoutPieces() {
  lt::file_storage files;
  files.add_file("album/01.flac", 4 * kPiece);
  lt::create_torrent creator(files, kPiece, lt::create_torrent::v1_only);
  for (lt::piece_index_t piece : files.piece_range())
    creator.set_hash(piece, lt::sha1_hash("aaaaaaaaaaaaaaaaaaaa"));
  std::vector<char> bytes;
  lt::bencode(std::back_inserter(bytes), creator.generate());
  auto torrent = std::make_shared<Torrent>("key", "/nonexistent");
  torrent->setMetadata(std::make_shared<const lt::torrent_info>(bytes, lt::from_span));
  return torrent;
}

/// What Torrents::releaseStream does, in its order: mark released, then wake the parked readers.
void release(Stream& stream, Torrent& torrent) {
  stream.markReleased();
  for (auto& waiter : torrent.takeAllWaiters()) waiter();
}

struct Race {
  std::shared_ptr<Torrent> torrent = torrentWithoutPieces();
  std::function<void()> between;  // runs once, between the reader's first look and its parking
  std::shared_ptr<Stream> stream =
      std::make_shared<Stream>("token", torrent, 0, true, [this](const std::shared_ptr<Torrent>&) {
        if (auto run = std::exchange(between, nullptr)) run();
      });
};

TEST_CASE("a read racing release() fails or is woken; it never parks unseen") {
  Race race;
  const std::uint64_t generation = race.stream->beginResponse(0);
  race.between = [&] { release(*race.stream, *race.torrent); };
  std::vector<char> buffer(kPiece);
  std::size_t got = 0;
  int resumed = 0;
  const ReadStatus status =
      race.stream->read(generation, 0, buffer.data(), buffer.size(), got, [&] { ++resumed; });
  CHECK((status == ReadStatus::Failed || resumed == 1));
  CHECK(race.torrent->awaitedPieces().empty());
}

TEST_CASE("a read outside any response racing release() does not park either") {
  Race race;
  race.between = [&] { release(*race.stream, *race.torrent); };
  std::vector<char> buffer(kPiece);
  std::size_t got = 0;
  int resumed = 0;
  const ReadStatus status =
      race.stream->read(0, buffer.data(), buffer.size(), got, [&] { ++resumed; });
  CHECK((status == ReadStatus::Failed || resumed == 1));
  CHECK(race.torrent->awaitedPieces().empty());
}

TEST_CASE("a read racing a newer response (a seek) fails or is woken") {
  Race race;
  const std::uint64_t older = race.stream->beginResponse(0);
  race.between = [&] { race.stream->beginResponse(3 * kPiece); };
  std::vector<char> buffer(kPiece);
  std::size_t got = 0;
  int resumed = 0;
  const ReadStatus status =
      race.stream->read(older, 0, buffer.data(), buffer.size(), got, [&] { ++resumed; });
  CHECK((status == ReadStatus::Failed || resumed == 1));
  CHECK(race.torrent->awaitedPieces().empty());
}

TEST_CASE("without a race a missing piece parks its reader until it arrives") {
  Race race;
  std::vector<char> buffer(kPiece);
  std::size_t got = 0;
  int resumed = 0;
  const std::uint64_t generation = race.stream->beginResponse(0);
  CHECK(race.stream->read(generation, kPiece, buffer.data(), buffer.size(), got,
                          [&] { ++resumed; }) == ReadStatus::NotYet);
  CHECK(race.torrent->awaitedPieces() == std::vector<int>{1});
  for (auto& waiter : race.torrent->markPiece(1)) waiter();
  CHECK(resumed == 1);
  // Released: reads fail at once and park nothing.
  release(*race.stream, *race.torrent);
  CHECK(race.stream->read(generation, 0, buffer.data(), buffer.size(), got, [&] { ++resumed; }) ==
        ReadStatus::Failed);
  CHECK(race.torrent->awaitedPieces().empty());
}

}  // namespace
}  // namespace vozduxan
