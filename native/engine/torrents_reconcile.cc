// Backstops of Torrents (torrents.h) for where libtorrent's view of a torrent parts from our plan:
// a parked reader whose piece libtorrent has or does not want, and a torrent libtorrent calls
// finished while a stream still waits for a piece.
#include <algorithm>

#include "engine/torrents.h"

namespace vozduxan {

namespace {

// A piece's last write lands a few milliseconds after its hash check: try again this soon, then
// twice as late each time (up to 1.6 s), so a torrent that stays finished for another reason (an
// error pauses it) costs next to nothing.
constexpr auto kReviveFirstRetry = std::chrono::milliseconds(25);
constexpr int kReviveMaxDoublings = 6;

}  // namespace

void Torrents::reconcileAwaited(Deferred& deferred) {
  for (auto& [key, entry] : byKey_) reconcileAwaited(*entry, deferred);
}

void Torrents::reconcileAwaited(TorrentEntry& entry, Deferred& deferred) {
  if (!entry.attached || !entry.torrent->ready()) return;
  const std::vector<int> awaited = entry.torrent->awaitedPieces();
  if (awaited.empty()) return;
  const lt::torrent_handle handle = entry.torrent->handle();
  try {
    std::vector<lt::piece_index_t> unwanted;
    for (int piece : awaited) {
      const lt::piece_index_t index(piece);
      if (handle.have_piece(index)) {
        // Usually its alert is merely still queued; waking the reader early costs nothing.
        for (auto& waiter : entry.torrent->markPiece(piece)) deferred.push_back(std::move(waiter));
        continue;
      }
      const auto planned = static_cast<std::size_t>(piece) < entry.priorities.size()
                               ? entry.priorities[static_cast<std::size_t>(piece)]
                               : std::uint8_t{0};
      const auto applied = static_cast<std::uint8_t>(handle.piece_priority(index));
      if (planned != 0 && applied != planned) unwanted.push_back(index);
    }
    if (unwanted.empty()) return;
    log_("libtorrent does not want a piece a reader of " + entry.torrent->key() +
         " waits for: applying the schedule again");
    // Through dont_download and back: libtorrent re-evaluates its interest in peers only when a
    // piece's priority crosses zero.
    for (const lt::piece_index_t index : unwanted) handle.piece_priority(index, lt::dont_download);
    clearAppliedPlan(entry);
    reschedule(entry);
  } catch (const lt::system_error&) {
    // Removed meanwhile (a repair re-adds it and checks every piece).
  }
}

void Torrents::reviveFinished(std::chrono::steady_clock::time_point now) {
  for (auto& [key, entry] : byKey_) reviveFinished(*entry, now);
}

// libtorrent 2.0.8's picker counts a piece whose hash check passed before its last block was
// written twice while its priority is 0: as passed and as not wanted. A piece we stopped wanting
// with its blocks on the wire (the last track's look-ahead, the blocks before a seek) can so make
// the torrent "finished" with a wanted piece missing; once the write lands the counts are right
// again, but libtorrent re-evaluates its state only when a piece's priority crosses zero, and until
// then wants nothing: a prepare waited for its whole buffer timeout. (Fixed upstream in 2.0.13.)
// Through zero and back (the plan sends it back) is such a crossing.
void Torrents::reviveFinished(TorrentEntry& entry, std::chrono::steady_clock::time_point now) {
  const int missing = entry.missingWanted;
  if (!entry.ltFinished || missing < 0 || !entry.attached || !entry.torrent->ready()) return;
  if (entry.revivedAt &&
      now - *entry.revivedAt <
          kReviveFirstRetry * (1 << std::min(entry.revives, kReviveMaxDoublings)))
    return;
  if (!entry.revivedAt) {
    log_("libtorrent calls " + entry.torrent->key() + " finished while piece " +
         std::to_string(missing) + " is wanted: asking again");
  }
  entry.revives = entry.revivedAt ? entry.revives + 1 : 0;
  entry.revivedAt = now;
  try {
    // Also drops the piece's deadline, which the plan below sets again.
    entry.torrent->handle().piece_priority(lt::piece_index_t(missing), lt::dont_download);
  } catch (const lt::system_error&) {
    return;  // removed meanwhile
  }
  entry.priorities[static_cast<std::size_t>(missing)] = 0;
  entry.deadlinePieces.erase(missing);
  reschedule(entry);
}

}  // namespace vozduxan
