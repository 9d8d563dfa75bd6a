// .torrent bytes as Session.prepare / listFiles sees them (engine/torrent_input.h): our checks plus
// libtorrent's loader, then what the engine reads from an accepted torrent (files, sizes, key) and
// the metadata it re-encodes for the cache (create_torrent, as Cache::saveMetadata does).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <iterator>
#include <libtorrent/bencode.hpp>
#include <libtorrent/create_torrent.hpp>
#include <libtorrent/torrent_info.hpp>
#include <string>
#include <vector>

#include "engine/errors.h"
#include "engine/mime.h"
#include "engine/torrent_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  vozduxan::TorrentInput input;
  input.torrent.assign(reinterpret_cast<const char*>(data),
                       reinterpret_cast<const char*>(data) + size);
  try {
    const lt::add_torrent_params params = vozduxan::parseTorrentInput(input);
    if (!params.ti) std::abort();
    const lt::file_storage& files = params.ti->files();
    for (const lt::file_index_t index : files.file_range()) {
      const std::string path = files.file_path(index);
      const std::string mime = vozduxan::mimeForName(path);
      if (vozduxan::isAudioMime(mime)) (void)vozduxan::typicalBytesPerSecond(mime);
      if (files.file_size(index) < 0) std::abort();
    }
    const std::string key = vozduxan::torrentKey(params);
    if (key.size() != 40 && key.size() != 64) std::abort();
    try {
      lt::create_torrent maker(*params.ti);
      std::vector<char> bytes;
      lt::bencode(std::back_inserter(bytes), maker.generate());
    } catch (const std::exception&) {
      // generate() refuses some torrents it loads (e.g. v2-only); the engine's caller handles it.
    }
  } catch (const vozduxan::EngineError& e) {
    if (e.code() != vozduxan::ErrorCode::BadInput) std::abort();
  }
  return 0;
}
