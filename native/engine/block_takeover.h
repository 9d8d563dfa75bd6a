// Which blocks of a piece the player waits for a fast connection should ask for too, while a
// slower connection holds them (pure planning; engine/deadline_endgame.h applies it).
//
// libtorrent's picker asks a peer for a block another peer is fetching only once the peer's own
// queue is empty, one block at a time, and its time-critical picker runs once a second. So once
// every block of the awaited piece was requested, the piece waited for a slow seeder's last
// blocks while a fast one sat idle. A swarm of 2 MiB/s, 300 KiB/s and 50 KiB/s seeders, a seek
// to 90 % while playing, the 300 KiB/s seeder holding the last three blocks: 2.22x the floor
// with 256 KiB pieces and 2.49x with 1 MiB, 1.21x and 1.05x once taken over. A block asked
// twice costs the slower copy's bytes; it is asked only where the faster connection, with its
// own queue in front, would still deliver it well before its holder.
#pragma once

#include <cstddef>
#include <vector>

namespace vozduxan {

/// A block of an awaited piece that one other connection is fetching.
struct HeldBlock {
  int piece = 0;
  int block = 0;
  /// When its holder should deliver it, seconds from now.
  double holderSecs = 0;
};

/// What the asking connection can deliver: its queue drains in `queueSecs`, then each further
/// block takes `secsPerBlock`.
struct TakerPace {
  double queueSecs = 0;
  double secsPerBlock = 0;
};

/// A block is asked again only when the taker would deliver it in under this share of its
/// holder's time: a holder about as fast keeps its blocks (no bytes twice for nothing).
constexpr double kTakeOverShare = 2.0 / 3.0;
/// At most this many blocks are asked again per call (each call follows a received block).
constexpr int kMaxTakeOverBlocks = 4;

/// Indexes into `held` of the blocks to ask for, latest holder first: each one behind those
/// taken before it in the taker's queue.
std::vector<std::size_t> blocksToTakeOver(const TakerPace& taker,
                                          const std::vector<HeldBlock>& held);

}  // namespace vozduxan
