// Never tells a peer in the extension handshake that we are upload-only.
//
// libtorrent puts "upload_only: 1" in every handshake while a torrent wants no piece it lacks
// ("finished"), even with close_redundant_connections off, where it sends no upload-only
// message after the handshake. A streaming client is finished whenever its streams have what
// they want, and wants more at the next seek or track; a seed that reads "upload-only" closes
// the connection, and libtorrent dials that peer again only after min_reconnect_time (60 s).
#pragma once

#include <libtorrent/extensions.hpp>
#include <memory>

namespace vozduxan {

/// A session plugin that removes "upload_only" from every extension handshake we send.
std::shared_ptr<lt::plugin> makeNoUploadOnlyPlugin();

}  // namespace vozduxan
