// Holds each BitTorrent peer connection's request pipeline at what its path needs (the
// bandwidth-delay product plus one block, engine/request_window.h) while every main stream keeps
// up, so a seek waits behind at most that much.
//
// libtorrent has no setting for it: the seeder's `reqq` replaces max_out_request_queue in the
// extended handshake, and slow start grows the queue up to that. peer_connection's
// max_out_request_queue() is the one lever, and libtorrent exports it only from a static build
// (the prebuilt addon, VOZDUXAN_PEER_QUEUE_CAP). Elsewhere there is no plugin and the pipeline
// keeps libtorrent's own depth (see request_pacing.h).
//
// The same plugin lets a fast connection take over the blocks of an awaited piece that a slower
// one holds (deadline_endgame.h): it knows each connection's time per block from its window.
#pragma once

#include <atomic>
#include <libtorrent/extensions.hpp>
#include <memory>

namespace vozduxan {

/// Whether this build can cap a connection's pipeline.
bool peerQueueCapAvailable();

/// On while the window applies (every main stream keeps up); off lets libtorrent's own depth
/// (the seeder's reqq) back. Shared by the engine, which flips it, and libtorrent's network
/// thread, which reads it.
using PeerQueueCapSwitch = std::shared_ptr<std::atomic<bool>>;

/// A session plugin that applies the window to every peer connection while `capping` is on;
/// nullptr where the build cannot (peerQueueCapAvailable() is false).
std::shared_ptr<lt::plugin> makePeerQueueCapPlugin(const PeerQueueCapSwitch& capping);

}  // namespace vozduxan
