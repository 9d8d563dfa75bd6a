#include "engine/stream_watch.h"

#include <doctest/doctest.h>

namespace vozduxan {
namespace {

using namespace std::chrono_literals;
using Clock = StreamWatch::Clock;

WatchedStream stream(bool hasWork, std::int64_t motion) {
  WatchedStream s;
  s.token = "ab";
  s.torrentKey = "key";
  s.firstPiece = 2;
  s.lastPiece = 5;
  s.hasWork = hasWork;
  s.motion = motion;
  s.peers = 1;
  return s;
}

int count(const std::vector<EngineEvent>& events, EventKind kind) {
  int n = 0;
  for (const auto& e : events) n += e.kind == kind;
  return n;
}

TEST_CASE("work without motion for the hang time-out is one stalled, motion then one moving") {
  StreamWatch watch(1000ms);
  const auto t0 = Clock::now();
  watch.observe(t0, {stream(true, 10)});
  CHECK(count(watch.observe(t0 + 900ms, {stream(true, 10)}), EventKind::Stalled) == 0);
  const auto stalled = watch.observe(t0 + 1100ms, {stream(true, 10)});
  REQUIRE(count(stalled, EventKind::Stalled) == 1);
  CHECK(count(watch.observe(t0 + 5000ms, {stream(true, 10)}), EventKind::Stalled) == 0);
  const auto moving = watch.observe(t0 + 5500ms, {stream(true, 11)});
  CHECK(count(moving, EventKind::Moving) == 1);
}

TEST_CASE("a quiet idle stream never stalls") {
  StreamWatch watch(100ms);
  const auto t0 = Clock::now();
  for (int i = 0; i < 50; ++i) {
    CHECK(count(watch.observe(t0 + i * 100ms, {stream(false, 10)}), EventKind::Stalled) == 0);
  }
}

TEST_CASE("verified pieces are batched per stream and limited to its file") {
  StreamWatch watch(1000ms);
  const auto t0 = Clock::now();
  watch.observe(t0, {stream(false, 0)});
  for (int piece : {4, 1, 3, 3, 9}) watch.pieceVerified("key", piece);
  const auto events = watch.observe(t0 + 500ms, {stream(false, 0)});
  REQUIRE(count(events, EventKind::PieceVerified) == 1);
  for (const auto& e : events) {
    if (e.kind == EventKind::PieceVerified) CHECK(e.pieces == std::vector<int>{3, 4});
  }
  CHECK(count(watch.observe(t0 + 1000ms, {stream(false, 0)}), EventKind::PieceVerified) == 0);
}

TEST_CASE("peersChanged only when the count changes") {
  StreamWatch watch(1000ms);
  const auto t0 = Clock::now();
  CHECK(count(watch.observe(t0, {stream(false, 0)}), EventKind::PeersChanged) == 1);
  CHECK(count(watch.observe(t0 + 1ms, {stream(false, 0)}), EventKind::PeersChanged) == 0);
  auto more = stream(false, 0);
  more.peers = 2;
  CHECK(count(watch.observe(t0 + 2ms, {more}), EventKind::PeersChanged) == 1);
}

}  // namespace
}  // namespace vozduxan
