// Piece planning around each stream's position (engine/scheduler.h): urgent, bounded and
// tiered modes, and how a prefetch yields to the main stream.
#include "engine/scheduler.h"

#include <doctest/doctest.h>

#include <set>
#include <vector>

namespace vozduxan {
namespace {

constexpr std::uint8_t kOff = 0;
constexpr std::uint8_t kLow = 1;
constexpr std::uint8_t kDefault = 4;
constexpr std::uint8_t kHigh = 6;
constexpr std::uint8_t kTop = 7;

SchedulePlan plan(const std::vector<StreamWant>& wants, int numPieces, std::set<int> had) {
  return planSchedule(wants, numPieces, [&](int p) { return had.count(p) > 0; });
}

void checkDeadlines(const SchedulePlan& plan, const std::vector<PieceDeadline>& expected) {
  REQUIRE(plan.deadlines.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CAPTURE(i);
    CHECK(plan.deadlines[i].piece == expected[i].piece);
    CHECK(plan.deadlines[i].deadlineMs == expected[i].deadlineMs);
  }
}

TEST_CASE("urgent: while the position's piece is missing only it is wanted") {
  const SchedulePlan p = plan({{0, 99, 0, true}}, 100, {});
  CHECK(p.urgent);
  CHECK(p.priorities[0] == kTop);
  for (int i = 1; i < 100; ++i) CHECK(p.priorities[static_cast<std::size_t>(i)] == kOff);
  checkDeadlines(p, {{0, 0}});
  REQUIRE(p.windows.size() == 1);
  CHECK(p.windows[0].first == 0);
  CHECK(p.windows[0].last == 0);
}

TEST_CASE("urgent: a seek wants its piece alone, wherever the file starts") {
  const SchedulePlan p = plan({{10, 99, 50, true}}, 100, {10, 11, 12});
  CHECK(p.urgent);
  CHECK(p.priorities[50] == kTop);
  for (int i = 0; i < 100; ++i)
    if (i != 50) CHECK(p.priorities[static_cast<std::size_t>(i)] == kOff);
}

TEST_CASE("urgent: a reader that caught up with the download also wants the next piece, low") {
  const SchedulePlan p = plan({{10, 99, 13, true}}, 100, {10, 11, 12});
  CHECK(p.urgent);
  CHECK(p.priorities[13] == kTop);
  CHECK(p.priorities[14] == kLow);
  for (int i = 15; i < 100; ++i) CHECK(p.priorities[static_cast<std::size_t>(i)] == kOff);
  checkDeadlines(p, {{13, 0}});
  // At the file's last piece there is no next one.
  const SchedulePlan atEnd = plan({{10, 99, 99, true}}, 120, {98});
  CHECK(atEnd.priorities[99] == kTop);
  CHECK(atEnd.priorities[100] == kOff);
}

TEST_CASE("tiers: top, then high, then default to the file's end; two staggered deadlines") {
  const SchedulePlan p = plan({{0, 99, 0, true}}, 120, {0});
  CHECK_FALSE(p.urgent);
  for (int i = 0; i <= 19; ++i) CHECK(p.priorities[static_cast<std::size_t>(i)] == kTop);
  for (int i = 20; i <= 59; ++i) CHECK(p.priorities[static_cast<std::size_t>(i)] == kHigh);
  for (int i = 60; i <= 99; ++i) CHECK(p.priorities[static_cast<std::size_t>(i)] == kDefault);
  // Other files of the torrent are not downloaded.
  for (int i = 100; i < 120; ++i) CHECK(p.priorities[static_cast<std::size_t>(i)] == kOff);
  // The first two missing pieces, the nearest first.
  checkDeadlines(p, {{1, 0}, {2, 400}});
  CHECK(p.windows[0].first == 0);
  CHECK(p.windows[0].last == 19);
}

TEST_CASE("bounded: from the position up to the n-th missing piece, no deadlines") {
  StreamWant want{0, 99, 10, true};
  want.aheadPieces = 2;
  const SchedulePlan p = plan({want}, 100, {10, 11});
  CHECK_FALSE(p.urgent);
  for (int i = 10; i <= 13; ++i) CHECK(p.priorities[static_cast<std::size_t>(i)] == kTop);
  CHECK(p.priorities[9] == kOff);
  CHECK(p.priorities[14] == kOff);
  CHECK(p.deadlines.empty());
  CHECK(p.windows[0].first == 10);
  CHECK(p.windows[0].last == 13);

  // It stops at the file's end.
  want.positionPiece = 98;
  want.aheadPieces = 5;
  const SchedulePlan end = plan({want}, 100, {98});
  CHECK(end.windows[0].last == 99);
}

TEST_CASE("a prefetch warms its start below the main stream and fills in at low priority") {
  const SchedulePlan p = plan({{0, 49, 0, true}, {50, 99, 50, false}}, 100, {0, 50});
  CHECK_FALSE(p.urgent);
  CHECK(p.priorities[19] == kTop);
  CHECK(p.priorities[49] == kHigh);  // the main stream's TIER2 ends at its file
  for (int i = 50; i <= 57; ++i) CHECK(p.priorities[static_cast<std::size_t>(i)] == kTop);
  for (int i = 58; i <= 97; ++i) CHECK(p.priorities[static_cast<std::size_t>(i)] == kDefault);
  CHECK(p.priorities[98] == kLow);
  CHECK(p.priorities[99] == kLow);
  checkDeadlines(p, {{1, 0}, {2, 400}, {51, 10'000}, {52, 11'000}});
  CHECK(p.windows[1].first == 50);
  CHECK(p.windows[1].last == 57);
}

TEST_CASE("while the main stream is urgent a prefetch gets nothing") {
  const SchedulePlan p = plan({{0, 49, 0, true}, {50, 99, 50, false}}, 100, {});
  CHECK(p.urgent);
  for (int i = 50; i < 100; ++i) CHECK(p.priorities[static_cast<std::size_t>(i)] == kOff);
  checkDeadlines(p, {{0, 0}});
  CHECK(p.windows[1].first == -1);
  CHECK(p.windows[1].last == -1);

  // Alone, an urgent prefetch is served like a main stream.
  const SchedulePlan alone = plan({{0, 49, 0, true}, {50, 99, 50, false}}, 100, {0});
  CHECK(alone.urgent);
  CHECK(alone.priorities[50] == kTop);
  CHECK(alone.priorities[0] == kOff);  // the main stream waits while the prefetch is urgent
}

TEST_CASE("wants beyond the torrent are clamped to it") {
  const SchedulePlan p = plan({{-5, 500, 700, true}}, 10, {9});
  REQUIRE(p.priorities.size() == 10);
  CHECK(p.priorities[9] == kTop);
  CHECK(p.windows[0].first == 9);
  CHECK(p.windows[0].last == 9);
}

}  // namespace
}  // namespace vozduxan
