#include "engine/no_upload_only.h"

#include <libtorrent/entry.hpp>
#include <libtorrent/peer_connection_handle.hpp>

namespace vozduxan {
namespace {

// libtorrent calls add_handshake on its network thread after it filled in the handshake.
struct NoUploadOnlyPeer final : lt::peer_plugin {
  void add_handshake(lt::entry& handshake) override {
    if (handshake.type() != lt::entry::dictionary_t) return;
    handshake.dict().erase("upload_only");
  }
};

struct NoUploadOnlyTorrent final : lt::torrent_plugin {
  std::shared_ptr<lt::peer_plugin> new_connection(const lt::peer_connection_handle&) override {
    return std::make_shared<NoUploadOnlyPeer>();
  }
};

struct NoUploadOnlyPlugin final : lt::plugin {
  std::shared_ptr<lt::torrent_plugin> new_torrent(const lt::torrent_handle&,
                                                  lt::client_data_t) override {
    return std::make_shared<NoUploadOnlyTorrent>();
  }
};

}  // namespace

std::shared_ptr<lt::plugin> makeNoUploadOnlyPlugin() {
  return std::make_shared<NoUploadOnlyPlugin>();
}

}  // namespace vozduxan
