#include "engine/read_ahead.h"

#include <algorithm>
#include <cmath>

namespace vozduxan {

double readAheadBytes(const ReadAheadLimit& limit, double byteRate) {
  if (!limit.capped() || !(byteRate > 0)) return 0;
  return limit.seconds * byteRate;
}

int readAheadLastPiece(std::int64_t anchor, double capBytes, int pieceLength, int lastPiece) {
  if (pieceLength <= 0) return lastPiece;
  const double anchorPiece = std::floor(static_cast<double>(anchor) / pieceLength);
  // In doubles: a cap of a billion seconds must not overflow an integer on its way to the end.
  const double last = std::floor((static_cast<double>(anchor) + std::max(capBytes, 0.0)) /
                                 static_cast<double>(pieceLength));
  return static_cast<int>(std::clamp(last, std::min(anchorPiece, static_cast<double>(lastPiece)),
                                     static_cast<double>(lastPiece)));
}

double comfortableBufferSeconds(double capSeconds, double uncappedSeconds) {
  if (!(capSeconds > 0)) return uncappedSeconds;
  return std::min({uncappedSeconds, kCappedComfortableSeconds, capSeconds});
}

ReaderMove onMissingPiece(const MissingPiece& m) {
  // Behind the anchor: a tag reader, or a player that went back without saying so. Its piece is
  // not wanted (a capped stream wants nothing behind its position), so it anchors the window.
  if (m.piece < m.positionPiece) return ReaderMove::Anchor;
  if (m.piece <= m.capLastPiece) return ReaderMove::Park;  // wanted: it comes
  return m.jump || m.stale ? ReaderMove::Anchor : ReaderMove::Park;
}

bool reportsStale(std::chrono::steady_clock::time_point lastReport,
                  std::chrono::steady_clock::time_point now, std::chrono::milliseconds staleAfter) {
  return now - lastReport >= staleAfter;
}

}  // namespace vozduxan
