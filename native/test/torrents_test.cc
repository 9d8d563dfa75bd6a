// The torrents room against a real libtorrent session (loopback only, nothing dialed): calls on
// a torrent whose handle a repair left detached never throw (issue 17, item 3), and either hash
// of a hybrid torrent finds one entry (issue 16, item 1).
#include "engine/torrents.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <iterator>
#include <libtorrent/bencode.hpp>
#include <libtorrent/create_torrent.hpp>
#include <libtorrent/hex.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/settings_pack.hpp>
#include <string>
#include <vector>

#include "engine/cache.h"
#include "engine/config.h"
#include "engine/streams.h"
#include "engine/torrent_input.h"

namespace vozduxan {
namespace {

namespace fs = std::filesystem;

lt::settings_pack loopbackOnly() {
  lt::settings_pack pack;
  pack.set_str(lt::settings_pack::listen_interfaces, "127.0.0.1:0");
  pack.set_bool(lt::settings_pack::enable_dht, false);
  pack.set_bool(lt::settings_pack::enable_lsd, false);
  pack.set_bool(lt::settings_pack::enable_upnp, false);
  pack.set_bool(lt::settings_pack::enable_natpmp, false);
  return pack;
}

/// A hybrid torrent whose piece hashes are made up (adding it does not check them).
std::shared_ptr<lt::torrent_info> hybridTorrent() {
  lt::file_storage files;
  files.add_file("album/01.flac", 100'000);
  lt::create_torrent creator(files, 32 * 1024);
  for (lt::piece_index_t piece : files.piece_range())
    creator.set_hash(piece, lt::sha1_hash("aaaaaaaaaaaaaaaaaaaa"));
  for (lt::piece_index_t::diff_type i{0}; i < lt::piece_index_t::diff_type(files.num_pieces());
       ++i) {
    creator.set_hash2(lt::file_index_t(0), i, lt::sha256_hash("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"));
  }
  std::vector<char> bytes;
  lt::bencode(std::back_inserter(bytes), creator.generate());
  return std::make_shared<lt::torrent_info>(bytes, lt::from_span);
}

struct Room {
  fs::path root = fs::temp_directory_path() / "vz-torrents-test";
  SessionConfig config;
  lt::session lt{lt::session_params(loopbackOnly())};
  Cache cache{(fs::remove_all(root), root.string())};
  Streams streams;
  Torrents torrents{lt, cache, streams, config, [](const std::string&) {}};
};

TEST_CASE("releasing a stream whose torrent is detached (a repair's re-add pending) never throws") {
  Room room;
  const auto info = hybridTorrent();
  auto torrent = std::make_shared<Torrent>("detached", (room.root / "detached").string());
  torrent->setMetadata(info);
  REQUIRE_FALSE(torrent->handle().is_valid());
  auto stream = std::make_shared<Stream>("token", torrent, 0, true, [](const auto&) {});
  room.streams.add(stream);
  Deferred deferred;
  CHECK_NOTHROW(room.torrents.releaseStream(stream, deferred));
  CHECK(stream->released());
}

TEST_CASE("evicting a magnet libtorrent has not answered yet never touches its empty handle") {
  Room room;
  lt::add_torrent_params magnet;
  magnet.info_hashes = lt::info_hash_t(lt::sha1_hash("0123456789abcdefghij"));
  const std::string key = room.torrents.add(magnet).torrent->key();
  EvictionSnapshot snapshot = room.torrents.evictionSnapshot();
  snapshot.lastUsed.clear();  // last used long ago: past any TTL
  std::vector<CachedTorrent> cached{{key, 0, {}}};
  EvictResult result;
  CHECK_NOTHROW(
      result = room.torrents.evict(snapshot, cached, [](const std::string&) { return false; }));
  CHECK(result.removedTorrents == 1);
}

TEST_CASE("a hybrid torrent's v1 and v2 hashes find one entry, keyed by v1") {
  Room room;
  const auto info = hybridTorrent();
  const lt::info_hash_t hashes = info->info_hashes();
  REQUIRE(hashes.has_v1());
  REQUIRE(hashes.has_v2());
  lt::add_torrent_params bytes;
  bytes.ti = info;
  TorrentEntry& entry = room.torrents.add(bytes);
  CHECK(entry.torrent->key() == lt::aux::to_hex(hashes.v1));
  lt::add_torrent_params btmh;
  btmh.info_hashes = lt::info_hash_t(hashes.v2);
  CHECK(&room.torrents.add(btmh) == &entry);
  lt::add_torrent_params btih;
  btih.info_hashes = lt::info_hash_t(hashes.v1);
  CHECK(&room.torrents.add(btih) == &entry);
  CHECK(room.torrents.find(lt::aux::to_hex(hashes.v2)) == &entry);
  CHECK(room.torrents.size() == 1);
  // Not yet attached: dropped when its add alert comes, not before (the add is in flight).
  CHECK(room.torrents.dropIfUnused(entry.torrent->key()));
  CHECK(room.torrents.size() == 1);
  room.torrents.clear();
}

}  // namespace
}  // namespace vozduxan
