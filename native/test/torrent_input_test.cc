// Magnets, .torrent bytes and direct peers → libtorrent add parameters (engine/torrent_input.h).
#include "engine/torrent_input.h"

#include <doctest/doctest.h>

#include <iterator>
#include <libtorrent/bencode.hpp>
#include <libtorrent/create_torrent.hpp>
#include <libtorrent/hex.hpp>
#include <libtorrent/torrent_info.hpp>
#include <string>
#include <vector>

#include "engine/errors.h"

namespace vozduxan {
namespace {

constexpr const char* kHex = "0123456789abcdef0123456789abcdef01234567";

/// A small v1 .torrent: its piece hashes are made up, which parsing does not check.
std::vector<char> makeTorrent(const std::string& name = "album") {
  lt::file_storage files;
  files.add_file(name + "/01.flac", 40'000);
  files.add_file(name + "/cover.jpg", 1'000);
  lt::create_torrent creator(files, 16 * 1024, lt::create_torrent::v1_only);
  for (lt::piece_index_t piece : files.piece_range())
    creator.set_hash(piece, lt::sha1_hash("aaaaaaaaaaaaaaaaaaaa"));
  std::vector<char> bytes;
  lt::bencode(std::back_inserter(bytes), creator.generate());
  return bytes;
}

std::string magnetOf(const std::vector<char>& torrent) {
  const lt::torrent_info info(torrent, lt::from_span);
  return "magnet:?xt=urn:btih:" + lt::aux::to_hex(info.info_hashes().v1);
}

/// The input is refused with BadInput, its message naming `about`.
void checkBadInput(const TorrentInput& input, const std::string& about) {
  CAPTURE(about);
  try {
    parseTorrentInput(input);
    FAIL("accepted");
  } catch (const EngineError& e) {
    CHECK(e.code() == ErrorCode::BadInput);
    CHECK(std::string(e.what()).find(about) != std::string::npos);
  }
}

TEST_CASE("a magnet gives its info hash and trackers") {
  TorrentInput input;
  input.magnet = std::string("magnet:?xt=urn:btih:") + kHex + "&tr=http%3A%2F%2F127.0.0.1%3A1%2Fa";
  const lt::add_torrent_params params = parseTorrentInput(input);
  CHECK(params.info_hashes.has_v1());
  CHECK(lt::aux::to_hex(params.info_hashes.v1) == kHex);
  REQUIRE(params.trackers.size() == 1);
  CHECK(params.trackers[0] == "http://127.0.0.1:1/a");
  CHECK(torrentKey(params) == kHex);
  CHECK(torrentKey(params.info_hashes) == kHex);
}

TEST_CASE("a base32 magnet names the same torrent as its hex spelling") {
  TorrentInput hex;
  hex.magnet = std::string("magnet:?xt=urn:btih:") + kHex;
  TorrentInput base32;
  base32.magnet = "magnet:?xt=urn:btih:AERUKZ4JVPG66AJDIVTYTK6N54ASGRLH";
  CHECK(torrentKey(parseTorrentInput(base32)) == torrentKey(parseTorrentInput(hex)));
}

TEST_CASE("malformed magnets are BadInput") {
  checkBadInput({"http://example.invalid/x.torrent", {}, {}}, "not a magnet URI");
  checkBadInput({"magnet:?dn=no-hash", {}, {}}, "magnet");
  checkBadInput({"magnet:?xt=urn:btih:nothex", {}, {}}, "magnet");
}

TEST_CASE("nothing given is BadInput") { checkBadInput({}, "give a magnet"); }

TEST_CASE(".torrent bytes give the metadata, and a magnet must match them") {
  const std::vector<char> torrent = makeTorrent();
  TorrentInput input;
  input.torrent = torrent;
  const lt::add_torrent_params params = parseTorrentInput(input);
  REQUIRE(params.ti);
  CHECK(params.ti->num_files() == 2);
  CHECK(params.info_hashes == params.ti->info_hashes());
  CHECK(torrentKey(params).size() == 40);

  input.magnet = magnetOf(torrent);
  CHECK(torrentKey(parseTorrentInput(input)) == torrentKey(params));

  input.magnet = magnetOf(makeTorrent("another album"));
  checkBadInput(input, "differs");
}

TEST_CASE("truncated or corrupt .torrent bytes are BadInput") {
  std::vector<char> torrent = makeTorrent();
  torrent.resize(torrent.size() / 2);
  checkBadInput({{}, torrent, {}}, "invalid .torrent");
  checkBadInput({{}, std::vector<char>{'d', 'e'}, {}}, "invalid .torrent");
  const std::string garbage = "not bencode at all";
  checkBadInput({{}, std::vector<char>(garbage.begin(), garbage.end()), {}}, "invalid .torrent");
}

TEST_CASE("peers: IPv4 and IPv6 with a port") {
  const lt::tcp::endpoint v4 = parsePeer("127.0.0.1:6881");
  CHECK(v4.address().to_string() == "127.0.0.1");
  CHECK(v4.port() == 6881);
  const lt::tcp::endpoint v6 = parsePeer("[::1]:51413");
  CHECK(v6.address().is_v6());
  CHECK(v6.address().to_string() == "::1");
  CHECK(v6.port() == 51413);
  CHECK(parsePeer("1.2.3.4:65535").port() == 65535);

  TorrentInput input;
  input.magnet = std::string("magnet:?xt=urn:btih:") + kHex;
  input.peers = {"127.0.0.1:1", "[::1]:2"};
  CHECK(parseTorrentInput(input).peers.size() == 2);
}

TEST_CASE("peers without an IP address and a port in range are BadInput") {
  for (const char* peer :
       {"127.0.0.1", "127.0.0.1:", ":6881", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:123456",
        "127.0.0.1:12a", "127.0.0.1:-1", "example.invalid:80", "[::1:80", "", "300.1.1.1:80"}) {
    CAPTURE(peer);
    CHECK_THROWS_AS(parsePeer(peer), EngineError);
  }
  TorrentInput input;
  input.magnet = std::string("magnet:?xt=urn:btih:") + kHex;
  input.peers = {"127.0.0.1:1", "nonsense"};
  checkBadInput(input, "invalid peer 'nonsense'");
}

}  // namespace
}  // namespace vozduxan
