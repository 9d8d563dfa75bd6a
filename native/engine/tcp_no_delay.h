// Turns Nagle's algorithm off on BitTorrent peer connections, which libtorrent 2.0 leaves on.
//
// With a shallow request pipeline (two blocks per peer, see request_pacing.h) both ends hold
// their small writes: our next REQUEST waits for the ACK of the previous one, which the seeder
// delays (it has no data to piggyback it on: its next block waits for the ACK in our held
// REQUEST). Each round trip then costs a delayed-ACK timeout (measured on loopback: one 16 KiB
// block per 43 ms, 380 KB/s from an idle seeder).
#pragma once

#include <libtorrent/extensions.hpp>
#include <memory>

namespace vozduxan {

/// A session plugin that sets TCP_NODELAY on every TCP peer socket once its handshake is in.
std::shared_ptr<lt::plugin> makeTcpNoDelayPlugin();

}  // namespace vozduxan
