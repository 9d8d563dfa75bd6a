// Magnet parsing as Session.prepare / listFiles sees it (engine/torrent_input.h): our checks, then
// libtorrent's parse_magnet_uri. Malformed input must end in EngineError(BadInput), nothing else.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "engine/errors.h"
#include "engine/torrent_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  vozduxan::TorrentInput input;
  input.magnet.assign(reinterpret_cast<const char*>(data), size);
  try {
    const lt::add_torrent_params params = vozduxan::parseTorrentInput(input);
    if (!params.info_hashes.has_v1() && !params.info_hashes.has_v2()) std::abort();
    const std::string key = vozduxan::torrentKey(params);
    if (key.size() != 40 && key.size() != 64) std::abort();
  } catch (const vozduxan::EngineError& e) {
    if (e.code() != vozduxan::ErrorCode::BadInput) std::abort();
  }
  return 0;
}
