// The data saver's arithmetic (engine/read_ahead.h): where a capped window ends, what a reader on
// a missing piece does, when a player counts as quiet, what buffer counts as comfortable; and
// how the scheduler and request pacing apply the cap.
#include "engine/read_ahead.h"

#include <doctest/doctest.h>

#include <set>

#include "engine/prebuffer.h"
#include "engine/read_record.h"
#include "engine/request_pacing.h"
#include "engine/scheduler.h"

namespace vozduxan {
namespace {

constexpr int kPiece = 256 * 1024;

TEST_CASE("the cap in bytes: seconds times the byte rate; none without a cap or a rate") {
  CHECK(readAheadBytes({3, kDefaultReadAheadStale}, 176'400) == doctest::Approx(529'200));
  CHECK(readAheadBytes({}, 176'400) == 0);
  CHECK(readAheadBytes({3, kDefaultReadAheadStale}, 0) == 0);
}

TEST_CASE("the window ends at the last piece that starts within the cap") {
  // 3 s of CD audio from 0: pieces 0, 1 and 2 (2 starts at 524,288 <= 529,200).
  CHECK(readAheadLastPiece(0, 529'200, kPiece, 80) == 2);
  // A piece that starts one byte past the cap is not wanted.
  CHECK(readAheadLastPiece(0, 2.0 * kPiece - 1, kPiece, 80) == 1);
  CHECK(readAheadLastPiece(0, 2.0 * kPiece, kPiece, 80) == 2);
  // Anchored mid-piece: counted from the anchor, not its piece's start.
  CHECK(readAheadLastPiece(kPiece + 10, kPiece - 10, kPiece, 80) == 2);
  // Never past the file, never before the anchor's piece (a cap smaller than a piece).
  CHECK(readAheadLastPiece(79 * std::int64_t{kPiece}, 1e15, kPiece, 80) == 80);
  CHECK(readAheadLastPiece(5 * std::int64_t{kPiece} + 7, 1, kPiece, 80) == 5);
  CHECK(readAheadLastPiece(0, 1e9 * 176'400, kPiece, 80) == 80);
}

TEST_CASE("a reader on a missing piece: parks within the window and past the cap, anchors behind") {
  const MissingPiece within{4, 3, 5, false, false};
  CHECK(onMissingPiece(within) == ReaderMove::Park);
  MissingPiece past{6, 3, 5, false, false};
  CHECK(onMissingPiece(past) == ReaderMove::Park);  // waits for the window
  past.stale = true;
  CHECK(onMissingPiece(past) == ReaderMove::Anchor);  // the player went quiet
  past.stale = false;
  past.jump = true;
  CHECK(onMissingPiece(past) == ReaderMove::Anchor);  // a random-access read is a seek
  const MissingPiece behind{1, 3, 5, false, false};
  CHECK(onMissingPiece(behind) == ReaderMove::Anchor);
  MissingPiece jumpWithin{5, 3, 5, true, true};
  CHECK(onMissingPiece(jumpWithin) == ReaderMove::Park);  // wanted already: it comes
}

TEST_CASE("a player is quiet once no report came for the staleness interval") {
  const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  CHECK_FALSE(reportsStale(t0, t0 + std::chrono::milliseconds(2'999), kDefaultReadAheadStale));
  CHECK(reportsStale(t0, t0 + std::chrono::milliseconds(3'000), kDefaultReadAheadStale));
}

TEST_CASE("comfortable buffer: 10 s without a cap, 1.5 s or the cap with one") {
  CHECK(comfortableBufferSeconds(0, 10) == 10);
  CHECK(comfortableBufferSeconds(3, 10) == kCappedComfortableSeconds);
  CHECK(comfortableBufferSeconds(1, 10) == 1);
}

TEST_CASE("pacing: a capped stream with its window full on an idle link keeps up") {
  PacingInput idle;
  idle.downloadRate = 0;  // nothing wanted: nothing arrives
  idle.byteRate = 176'400;
  idle.bufferedAhead = 2 * 176'400;
  CHECK_FALSE(keepingUp({idle}));  // without a cap: a thin buffer on a slow link
  idle.readAheadSecs = 3;
  CHECK(keepingUp({idle}));
  idle.bufferedAhead = 176'400;  // 1 s of a 3 s cap: the window is not full, the link is slow
  CHECK_FALSE(keepingUp({idle}));
}

TEST_CASE("the prebuffer never holds more than the cap lets in") {
  const auto start = PrebufferProbe::Clock::now();
  PrebufferProbe probe(10'000'000, start);
  probe.limit(176'400);
  // A slow link sizes a target of seconds of download; the window holds one second of audio.
  probe.observe(start + std::chrono::seconds(2), 65'536, 150'000, [] { return 176'400.0; });
  CHECK(probe.target() == 176'400);
  CHECK_FALSE(probe.filled(100'000));
  CHECK(probe.filled(262'144));  // the window's one piece
}

TEST_CASE("a read held by the cap reports no loadSlow, and its wait starts when it is let go") {
  EventHub hub;
  hub.setEnabled(true);
  ReadRecord record;
  record.begin(&hub, "token", 0, 999);
  record.parked(3);
  CHECK(record.parkedPiece() == 3);
  record.checkSlow(std::chrono::milliseconds(0), true);
  CHECK(hub.take().empty());
  record.checkSlow(std::chrono::milliseconds(60'000), false);  // the clock restarted: not yet
  CHECK(hub.take().empty());
  record.checkSlow(std::chrono::milliseconds(0), false);
  const auto events = hub.take();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == EventKind::LoadSlow);
  CHECK(events[0].piece == 3);
}

TEST_CASE("the scheduler wants nothing past the cap nor behind the position, in every mode") {
  const std::set<int> had{10, 11};
  const auto have = [&](int p) { return had.count(p) > 0; };
  StreamWant want{0, 99, 10, true};
  want.capLastPiece = 13;
  const auto wantedOnly = [](const SchedulePlan& plan, int first, int last) {
    for (int p = 0; p < 100; ++p) {
      CAPTURE(p);
      const bool wanted = plan.priorities[static_cast<std::size_t>(p)] != 0;
      if (p < first || p > last) CHECK_FALSE(wanted);
    }
    for (const PieceDeadline& d : plan.deadlines) CHECK((d.piece >= first && d.piece <= last));
  };
  // Tiers (the stream falls behind): the whole window, nothing of the rest of the file.
  const SchedulePlan tiers = planSchedule({want}, 100, have);
  wantedOnly(tiers, 10, 13);
  CHECK(tiers.priorities[12] != 0);
  CHECK(tiers.priorities[13] != 0);
  CHECK(tiers.windows[0].last == 13);
  // Bounded (keeping up): the next missing pieces, within the window.
  want.aheadPieces = 8;
  const SchedulePlan bounded = planSchedule({want}, 100, have);
  wantedOnly(bounded, 10, 13);
  CHECK(bounded.windows[0].last == 13);
  // Urgent (the position's piece is missing): the piece after it only if within the cap.
  want.positionPiece = 13;
  const SchedulePlan urgent = planSchedule({want}, 100, have);
  CHECK(urgent.urgent);
  wantedOnly(urgent, 13, 13);
  // No cap: today's plan, the rest of the file at default priority.
  want.capLastPiece = -1;
  want.aheadPieces = 0;
  want.positionPiece = 10;
  CHECK(planSchedule({want}, 100, have).priorities[0] != 0);
}

}  // namespace
}  // namespace vozduxan
