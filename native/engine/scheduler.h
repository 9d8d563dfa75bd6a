// Tiered piece scheduling around each stream's position (pure planning, no libtorrent calls).
//
// TIER1: the next pieces get top priority, the nearest of them deadlines, staggered so the
// nearest is requested first.
// TIER2: the pieces after that get high priority. TIER3: the rest of the file, default.
// Pieces that belong to no open stream are not downloaded. A torrent with several
// streams (an album's current and next track) gets the union, the highest tier winning.
//
// Bounded mode (a main stream that keeps up, see request_pacing.h): only the next few missing
// pieces from the position are wanted, without deadlines. libtorrent's request queue cannot bound
// what is in flight: slow start grows a peer's queue by one block per block received whatever
// request_queue_time says (measured: 149 blocks queued with a target of 2), and once no deadline is
// left, a new one cancels every other request, which the seeder has already sent, so the blocks
// come twice (92 of 447 in one start) and the pieces in random order. Bounding what is wanted
// bounds what can be in flight; the frontier moves with every verified piece, so the file still
// downloads at the link's rate.
//
// Capped (the data saver, maxReadAheadSecs): each mode as above, but only within the stream's
// position piece and its capLastPiece; nothing behind the position, nothing past the cap.
//
// Urgent mode: while the piece at a stream's position is missing (a cold start or a seek),
// only it is wanted, by that stream alone (and the next one at low priority when the reader
// caught up with the download rather than jumped; scheduler.cc says why). libtorrent
// requests time-critical pieces only from peers whose request queue has room; with the wider
// tiers open, the regular picker fills the queue first and a
// rate-limited seeder then serves the piece the player waits for last (measured: 60 s
// instead of 0.9 s at 300 KB/s).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace vozduxan {

struct SchedulerTuning {
  int urgentPieces = 1;
  int tier1Pieces = 20;
  // TIER1 pieces that also get deadlines. libtorrent requests overdue time-critical pieces
  // whole, past its request-queue limits (measured: 30 blocks queued with a limit of 2), and a
  // seeder sends what it has read ahead even after our cancel: every queued block is a delay
  // for the next seek. The rest of TIER1 waits at top priority for the regular picker.
  int deadlinePieces = 2;
  int tier2Pieces = 40;  // pieces after TIER1
  int mainDeadlineStepMs = 400;
  int prefetchTier1Pieces = 8;
  int prefetchDeadlineBaseMs = 10'000;
  int prefetchDeadlineStepMs = 1'000;
};

/// One stream's wish: its file's pieces and the piece at its position.
struct StreamWant {
  int firstPiece = 0;
  int lastPiece = 0;
  int positionPiece = 0;
  bool main = true;
  /// Bounded mode when > 0: how many missing pieces from the position are wanted.
  int aheadPieces = 0;
  /// The data saver (read_ahead.h) when >= 0: no piece past it is wanted, nor any before the
  /// position, in every mode.
  int capLastPiece = -1;
};

struct PieceDeadline {
  int piece = 0;
  int deadlineMs = 0;
};

struct SchedulePlan {
  std::vector<std::uint8_t> priorities;  // libtorrent download priority per piece (0..7)
  std::vector<PieceDeadline> deadlines;  // pieces not yet had, nearest first
  struct Window {
    int first = -1;
    int last = -1;
  };
  std::vector<Window> windows;  // TIER1 per StreamWant, in order
  bool urgent = false;          // some stream waits for the pieces at its position
};

SchedulePlan planSchedule(const std::vector<StreamWant>& wants, int numPieces,
                          const std::function<bool(int)>& havePiece,
                          const SchedulerTuning& tuning = {});

}  // namespace vozduxan
