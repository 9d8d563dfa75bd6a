// The request window (engine/request_window.h): how many blocks one connection keeps in flight,
// from the latency of its own requests.
#include "engine/request_window.h"

#include <doctest/doctest.h>

#include <chrono>
#include <deque>

namespace vozduxan {
namespace {

using Clock = RequestWindow::Clock;
using std::chrono::milliseconds;

// A path with a fixed delay and a link that sends one block per `perBlock`: it answers every
// request, in order, and keeps as many in flight as the window allows.
struct Path {
  milliseconds delay;
  milliseconds perBlock;
  RequestWindow window;
  Clock::time_point now = Clock::time_point{} + std::chrono::hours(1);
  Clock::time_point linkFree = now;
  std::deque<std::pair<int, Clock::time_point>> answers;  // block, arrival
  int next = 0;

  void request() {
    window.sent(0, next * 16384, now);
    const Clock::time_point atSeeder = now + delay / 2;
    linkFree = std::max(linkFree, atSeeder) + perBlock;
    answers.emplace_back(next, linkFree + delay / 2);
    ++next;
  }
  // Runs `blocks` arrivals and returns the window after the last.
  int run(int blocks, int initial = 4) {
    for (int i = 0; i < initial; ++i) request();
    for (int i = 0; i < blocks; ++i) {
      const auto [block, at] = answers.front();
      answers.pop_front();
      now = at;
      REQUIRE(window.arrived(0, block * 16384, now));
      while (window.inFlight() < window.blocks()) request();
    }
    return window.blocks();
  }
};

TEST_CASE("RequestWindow: no window before the first answer; unknown blocks change nothing") {
  RequestWindow window;
  CHECK(window.blocks() == 0);
  const auto t0 = Clock::now();
  window.sent(1, 0, t0);
  CHECK_FALSE(window.arrived(1, 16384, t0 + milliseconds(10)));
  CHECK(window.blocks() == 0);
  CHECK(window.arrived(1, 0, t0 + milliseconds(10)));
  CHECK(window.blocks() >= RequestWindow::kMinBlocks);
}

TEST_CASE("RequestWindow: a short path keeps about two blocks in flight") {
  Path path{milliseconds(0), milliseconds(16)};  // 1 MiB/s, no round trip
  const int blocks = path.run(200);
  CHECK(blocks >= RequestWindow::kMinBlocks);
  CHECK(blocks <= 3);
}

TEST_CASE("RequestWindow: a long path gets its bandwidth-delay product plus a block") {
  Path path{milliseconds(150), milliseconds(16)};  // 1 MiB/s, 150 ms round trip: ~10 blocks
  const int blocks = path.run(400);
  CHECK(blocks >= 10);
  CHECK(blocks <= 13);
  // The link stayed busy: the last 100 blocks came one per 16 ms.
  Path busy{milliseconds(150), milliseconds(16)};
  busy.run(300);
  const auto start = busy.now;
  busy.run(100, 0);
  CHECK(busy.now - start <= milliseconds(16 * 100 + 16));
}

TEST_CASE("RequestWindow: the window grows on a long fast path until the link is busy") {
  Path path{milliseconds(150), milliseconds(4)};  // 4 MiB/s, 150 ms: ~38 blocks
  path.run(200);                                  // about 1.3 s
  const auto start = path.now;
  path.run(100, 0);
  CHECK(path.now - start <= milliseconds(4 * 100 * 115 / 100));  // within 15 % of the link
}

TEST_CASE("RequestWindow: the time per block is the link's once it is busy, whatever the path") {
  RequestWindow fresh;
  CHECK(fresh.secsPerBlock() < 0);
  Path near{milliseconds(0), milliseconds(16)};
  near.run(200);
  CHECK(near.window.secsPerBlock() == doctest::Approx(0.016).epsilon(0.2));
  Path far{milliseconds(150), milliseconds(53)};  // 300 KiB/s, 150 ms round trip
  far.run(200);
  CHECK(far.window.secsPerBlock() == doctest::Approx(0.053).epsilon(0.2));
}

TEST_CASE("RequestWindow: cancelled, rejected and choked requests leave the count") {
  RequestWindow window;
  const auto t0 = Clock::now();
  window.sent(0, 0, t0);
  window.sent(0, 16384, t0);
  window.sent(0, 32768, t0);
  window.forget(0, 16384);
  CHECK(window.inFlight() == 2);
  window.clear();
  CHECK(window.inFlight() == 0);
  window.sent(0, 0, t0);
  window.sent(0, 16384, t0 + RequestWindow::kForgetAfter + milliseconds(1));
  CHECK(window.inFlight() == 1);  // the first was never answered
}

}  // namespace
}  // namespace vozduxan
