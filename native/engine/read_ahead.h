// The data saver (README, Data saver): `maxReadAheadSecs` caps how far past the position the
// engine wants pieces. Pure arithmetic over positions, pieces and times, so each rule has a unit
// test (native/test/read_ahead_test.cc); Stream holds the state, the scheduler applies the cap.
//
// The anchor is the stream's position, which in capped mode moves only on a position report
// (notifyPosition, notifyTime), a Range request's start, the start of a Readable, a random-access
// read that waits for a piece outside the window, a reader behind the position, and the staleness
// tick. A sequential reader that reaches bytes past the cap parks until the window moves: it
// never drags the window along, or the cap would cap nothing.
//
// The staleness tick: a player that stops reporting must not leave its reader parked for good.
// Once no report came for `staleAfter`, a reader parked past the cap re-anchors the window at its
// piece; from then on, until the next report, each park past the cap re-anchors at once (the
// reader sets the pace, as a bulk download without the cap would, with nothing wanted more than
// the cap ahead of it).
#pragma once

#include <chrono>
#include <cstdint>

namespace vozduxan {

/// The staleness interval when the session sets none (`readAheadStaleMs`).
constexpr std::chrono::milliseconds kDefaultReadAheadStale{3'000};
/// With a cap, this much audio buffered ahead (or all the cap allows, if less) counts as
/// comfortable: an idle link that has filled the window is not a slow link.
constexpr double kCappedComfortableSeconds = 1.5;

/// One stream's cap. `seconds` 0: unlimited (no cap, today's behaviour).
struct ReadAheadLimit {
  double seconds = 0;
  std::chrono::milliseconds staleAfter = kDefaultReadAheadStale;
  bool capped() const { return seconds > 0; }
};

/// Bytes of audio the cap allows past the anchor at `byteRate` (bytes/s); 0 when unlimited.
double readAheadBytes(const ReadAheadLimit& limit, double byteRate);

/// The last piece a capped stream may want: the last one that starts at most `capBytes` past
/// `anchor` (torrent-relative bytes), never past `lastPiece` nor before the anchor's piece.
int readAheadLastPiece(std::int64_t anchor, double capBytes, int pieceLength, int lastPiece);

/// Seconds of buffer that count as comfortable for request pacing: 10 without a cap (the
/// uncapped rule), else kCappedComfortableSeconds or the cap, whichever is less.
double comfortableBufferSeconds(double capSeconds, double uncappedSeconds);

/// What a capped stream's reader does on a missing piece.
enum class ReaderMove {
  Park,    // wait: the piece is wanted, or the window must come to it
  Anchor,  // move the window to the piece
};

struct MissingPiece {
  int piece = 0;
  int positionPiece = 0;  // the anchor's piece
  int capLastPiece = 0;   // readAheadLastPiece
  bool jump = false;      // a random-access read (a seek), not a reader going on sequentially
  bool stale = false;     // no report for the staleness interval
};

ReaderMove onMissingPiece(const MissingPiece& missing);

/// Whether the player counts as gone quiet: no report for `staleAfter`.
bool reportsStale(std::chrono::steady_clock::time_point lastReport,
                  std::chrono::steady_clock::time_point now, std::chrono::milliseconds staleAfter);

}  // namespace vozduxan
