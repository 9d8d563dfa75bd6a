// Turns a user's magnet / .torrent bytes / peer list into libtorrent add parameters.
#pragma once

#include <libtorrent/add_torrent_params.hpp>
#include <string>
#include <vector>

#include "engine/config.h"

namespace vozduxan {

/// Throws EngineError(BadInput) for anything malformed: garbage magnets, truncated or
/// corrupt torrents, neither input given, a magnet whose info hash differs from the
/// torrent's, or an unparsable peer.
lt::add_torrent_params parseTorrentInput(const TorrentInput& input);

/// "a.b.c.d:port" or "[v6]:port" → endpoint; throws BadInput.
lt::tcp::endpoint parsePeer(const std::string& peer);

/// The key a torrent is known by in the engine: its v1 info hash in hex when it has one (v1
/// and hybrid torrents), else its whole v2 hash (64 hex digits).
std::string torrentKey(const lt::info_hash_t& hashes);
/// Every key these hashes may be known by, torrentKey()'s first: v1, v2, and the truncated v2
/// hash older versions keyed hybrid and v2 torrents by (their cache folders).
std::vector<std::string> torrentKeys(const lt::info_hash_t& hashes);
/// The key of the torrent these parameters add: its metadata's hashes, else the magnet's.
std::string torrentKey(const lt::add_torrent_params& params);

}  // namespace vozduxan
