// The direct peers list of Session.prepare (engine/torrent_input.h, parsePeer): one peer per line,
// each "a.b.c.d:port" or "[v6]:port"; anything else must end in EngineError(BadInput).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "engine/errors.h"
#include "engine/torrent_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  while (true) {
    const std::size_t end = rest.find('\n');
    const std::string peer(rest.substr(0, end));
    try {
      const lt::tcp::endpoint endpoint = vozduxan::parsePeer(peer);
      if (endpoint.port() == 0) std::abort();
    } catch (const vozduxan::EngineError& e) {
      if (e.code() != vozduxan::ErrorCode::BadInput) std::abort();
    }
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return 0;
}
