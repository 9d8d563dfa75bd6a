#include "engine/block_takeover.h"

#include <algorithm>
#include <numeric>

namespace vozduxan {

std::vector<std::size_t> blocksToTakeOver(const TakerPace& taker,
                                          const std::vector<HeldBlock>& held) {
  std::vector<std::size_t> order(held.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  // The block its holder would deliver last gains the most from a second request.
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return held[a].holderSecs > held[b].holderSecs;
  });
  std::vector<std::size_t> taken;
  for (const std::size_t i : order) {
    if (static_cast<int>(taken.size()) == kMaxTakeOverBlocks) break;
    const double ours =
        taker.queueSecs + taker.secsPerBlock * static_cast<double>(taken.size() + 1);
    // Sorted latest first: once one is not worth it, no later one is.
    if (ours >= kTakeOverShare * held[i].holderSecs) break;
    taken.push_back(i);
  }
  return taken;
}

}  // namespace vozduxan
