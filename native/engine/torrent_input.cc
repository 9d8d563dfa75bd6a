#include "engine/torrent_input.h"

#include <libtorrent/error_code.hpp>
#include <libtorrent/hex.hpp>
#include <libtorrent/magnet_uri.hpp>
#include <libtorrent/torrent_info.hpp>
#include <memory>

#include "engine/errors.h"

namespace vozduxan {
namespace {

[[noreturn]] void badInput(const std::string& message) {
  throw EngineError(ErrorCode::BadInput, message);
}

lt::add_torrent_params parseMagnet(const std::string& magnet) {
  if (magnet.rfind("magnet:?", 0) != 0) badInput("not a magnet URI: expected 'magnet:?...'");
  lt::error_code ec;
  lt::add_torrent_params params = lt::parse_magnet_uri(magnet, ec);
  if (ec) badInput("invalid magnet URI: " + ec.message());
  if (!params.info_hashes.has_v1() && !params.info_hashes.has_v2()) {
    badInput("magnet URI has no info hash (xt=urn:btih:...)");
  }
  return params;
}

std::shared_ptr<lt::torrent_info> parseTorrentBytes(const std::vector<char>& bytes) {
  lt::error_code ec;
  auto info = std::make_shared<lt::torrent_info>(
      lt::span<const char>(bytes.data(), static_cast<std::ptrdiff_t>(bytes.size())), ec,
      lt::from_span);
  if (ec) badInput("invalid .torrent data: " + ec.message());
  if (info->num_files() <= 0 || info->num_pieces() <= 0) badInput("invalid .torrent: no files");
  return info;
}

bool sameTorrent(const lt::info_hash_t& a, const lt::info_hash_t& b) {
  if (a.has_v1() && b.has_v1()) return a.v1 == b.v1;
  if (a.has_v2() && b.has_v2()) return a.v2 == b.v2;
  return false;
}

}  // namespace

lt::tcp::endpoint parsePeer(const std::string& peer) {
  auto colon = peer.find_last_of(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= peer.size()) {
    badInput("invalid peer '" + peer + "': expected HOST:PORT");
  }
  std::string host = peer.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string portText = peer.substr(colon + 1);
  if (portText.find_first_not_of("0123456789") != std::string::npos || portText.size() > 5) {
    badInput("invalid peer '" + peer + "': bad port");
  }
  const int port = std::stoi(portText);
  if (port <= 0 || port > 65535) badInput("invalid peer '" + peer + "': bad port");
  lt::error_code ec;
  auto address = lt::make_address(host, ec);
  if (ec) badInput("invalid peer '" + peer + "': expected an IP address");
  return {address, static_cast<std::uint16_t>(port)};
}

std::string torrentKey(const lt::info_hash_t& hashes) {
  // v1 first: a hybrid torrent has both, and a btih magnet, its .torrent and a magnet with
  // both hashes must all name the same folder. The v2 key is the whole SHA-256.
  return hashes.has_v1() ? lt::aux::to_hex(hashes.v1) : lt::aux::to_hex(hashes.v2);
}

std::vector<std::string> torrentKeys(const lt::info_hash_t& hashes) {
  std::vector<std::string> keys;
  if (hashes.has_v1()) keys.push_back(lt::aux::to_hex(hashes.v1));
  if (hashes.has_v2()) {
    keys.push_back(lt::aux::to_hex(hashes.v2));
    // Before v1 came first, a hybrid or v2 torrent was kept under its truncated v2 hash.
    keys.push_back(lt::aux::to_hex(lt::sha1_hash(hashes.v2.data())));
  }
  return keys;
}

std::string torrentKey(const lt::add_torrent_params& params) {
  return torrentKey(params.ti ? params.ti->info_hashes() : params.info_hashes);
}

lt::add_torrent_params parseTorrentInput(const TorrentInput& input) {
  if (input.magnet.empty() && input.torrent.empty()) {
    badInput("give a magnet, .torrent bytes, or both");
  }
  lt::add_torrent_params params;
  if (!input.magnet.empty()) params = parseMagnet(input.magnet);
  if (!input.torrent.empty()) {
    auto info = parseTorrentBytes(input.torrent);
    if (!input.magnet.empty() && !sameTorrent(params.info_hashes, info->info_hashes())) {
      badInput("the magnet's info hash differs from the .torrent's");
    }
    params.ti = std::move(info);
    params.info_hashes = params.ti->info_hashes();
  }
  for (const std::string& peer : input.peers) params.peers.push_back(parsePeer(peer));
  return params;
}

}  // namespace vozduxan
