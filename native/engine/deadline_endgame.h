// A fast connection asks for the blocks of an awaited piece that slower connections hold
// (engine/block_takeover.h says which), on libtorrent's network thread. It needs libtorrent's
// peer_connection and piece picker, which only the static build exports (peer_queue_cap.h).
#pragma once

#ifdef VOZDUXAN_PEER_QUEUE_CAP
#include <functional>
#include <libtorrent/fwd.hpp>

#include "engine/block_takeover.h"

namespace libtorrent {
class peer_connection;  // internal: fwd.hpp leaves it out
}

namespace vozduxan {

/// Seconds a connection takes per block; negative when not known yet.
using SecsPerBlockOf = std::function<double(const lt::peer_connection&)>;

/// Called as `connection` receives a block, before libtorrent files it; `pace` is what it can
/// deliver from then on. While the torrent has time-critical pieces, asks `connection` too for
/// blocks of a top-priority piece with nothing left to request that one slower connection alone
/// holds; libtorrent sends them ahead of the requests that follow this block, and cancels the
/// slower copy when the first one lands.
void takeOverAwaitedBlocks(lt::peer_connection& connection, const TakerPace& pace,
                           const SecsPerBlockOf& secsPerBlock);

}  // namespace vozduxan
#endif
