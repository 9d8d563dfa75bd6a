#include "engine/block_takeover.h"

#include <doctest/doctest.h>

using vozduxan::blocksToTakeOver;
using vozduxan::HeldBlock;
using vozduxan::kMaxTakeOverBlocks;
using vozduxan::TakerPace;

TEST_CASE("a fast idle connection takes a slow holder's blocks, the latest first") {
  // 300 KiB/s holds the last three blocks (53 ms each); 2 MiB/s (8 ms a block) is idle.
  const std::vector<HeldBlock> held{{163, 13, 0.053}, {163, 14, 0.106}, {163, 15, 0.159}};
  const auto taken = blocksToTakeOver({0, 0.008}, held);
  REQUIRE(taken.size() == 3);
  CHECK(taken[0] == 2);
  CHECK(taken[1] == 1);
  CHECK(taken[2] == 0);
}

TEST_CASE("a holder about as fast keeps the block it delivers next; a busy taker takes none") {
  CHECK(blocksToTakeOver({0, 0.016}, {{1, 0, 0.016}}).empty());
  // The second one would come sooner from an idle taker of the same rate, but not from one
  // with a block of its own in front.
  const std::vector<HeldBlock> held{{1, 0, 0.016}, {1, 1, 0.032}};
  CHECK(blocksToTakeOver({0, 0.016}, held).size() == 1);
  CHECK(blocksToTakeOver({0.010, 0.012}, held).empty());
}

TEST_CASE("the taker's own queue counts: it takes only what it still delivers well ahead") {
  // Half the holder's rate: 31 ms a block there, 16 ms here behind one queued block.
  const std::vector<HeldBlock> held{{7, 14, 0.031}, {7, 15, 0.062}};
  const auto taken = blocksToTakeOver({0.016, 0.016}, held);
  REQUIRE(taken.size() == 1);
  CHECK(taken[0] == 1);
}

TEST_CASE("no more than kMaxTakeOverBlocks at once, and nothing held means nothing taken") {
  std::vector<HeldBlock> held;
  for (int b = 0; b < 10; ++b) held.push_back({0, b, 1.0 + b});
  CHECK(static_cast<int>(blocksToTakeOver({0, 0.001}, held).size()) == kMaxTakeOverBlocks);
  CHECK(blocksToTakeOver({0, 0.001}, {}).empty());
}
