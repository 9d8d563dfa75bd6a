#include "engine/deadline_endgame.h"

#ifdef VOZDUXAN_PEER_QUEUE_CAP
#include <cstddef>
#include <libtorrent/peer_connection.hpp>
#include <libtorrent/piece_picker.hpp>
#include <libtorrent/torrent.hpp>
#include <libtorrent/torrent_peer.hpp>
#include <memory>
#include <vector>

namespace vozduxan {
namespace {

/// When `holder` should deliver `block`: its requests come back in the order they went out,
/// each `perBlock` after the one before. Negative when it holds no such request.
double deliverySecs(const lt::peer_connection& holder, const lt::piece_block& block,
                    double perBlock) {
  std::size_t ahead = 0;
  for (const auto* queue : {&holder.download_queue(), &holder.request_queue()}) {
    for (const lt::pending_block& pending : *queue) {
      ++ahead;
      if (pending.block == block) return perBlock * static_cast<double>(ahead);
    }
  }
  return -1;
}

}  // namespace

void takeOverAwaitedBlocks(lt::peer_connection& connection, const TakerPace& pace,
                           const SecsPerBlockOf& secsPerBlock) {
  if (pace.secsPerBlock <= 0) return;
  if (connection.is_disconnecting() || connection.has_peer_choked() || connection.on_parole())
    return;
  const std::shared_ptr<lt::torrent> torrent = connection.associated_torrent().lock();
  if (!torrent || !torrent->has_picker() || torrent->upload_mode() ||
      torrent->num_time_critical_pieces() == 0)
    return;
  const lt::piece_picker& picker = torrent->picker();
  const lt::torrent_peer* self = connection.peer_info_struct();
  std::vector<HeldBlock> held;
  for (const lt::piece_picker::downloading_piece& piece : picker.get_download_queue()) {
    if (picker.piece_priority(piece.index) != lt::top_priority || piece.locked ||
        !connection.has_piece(piece.index))
      continue;
    // A block nobody asked for yet goes out through libtorrent's own picker.
    if (piece.finished + piece.writing + piece.requested != picker.blocks_in_piece(piece.index))
      continue;
    int index = 0;
    for (const lt::piece_picker::block_info& info : picker.blocks_for_piece(piece)) {
      const int block = index++;
      if (info.state != lt::piece_picker::block_info::state_requested || info.num_peers != 1 ||
          info.peer == nullptr || info.peer == self || info.peer->connection == nullptr)
        continue;
      const auto& holder = *static_cast<const lt::peer_connection*>(info.peer->connection);
      const double perBlock = secsPerBlock(holder);
      if (perBlock <= 0) continue;
      const double secs = deliverySecs(holder, lt::piece_block(piece.index, block), perBlock);
      if (secs > 0) held.push_back({static_cast<int>(piece.index), block, secs});
    }
  }
  if (held.empty()) return;
  for (const std::size_t i : blocksToTakeOver(pace, held)) {
    connection.add_request(lt::piece_block(lt::piece_index_t(held[i].piece), held[i].block),
                           lt::peer_connection::time_critical | lt::peer_connection::busy);
  }
}

}  // namespace vozduxan
#endif
