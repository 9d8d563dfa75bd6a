#include "engine/scheduler.h"

#include <algorithm>
#include <map>

namespace vozduxan {
namespace {

constexpr std::uint8_t kDontDownload = 0;
constexpr std::uint8_t kLow = 1;
constexpr std::uint8_t kDefault = 4;
constexpr std::uint8_t kHigh = 6;
constexpr std::uint8_t kTop = 7;

void raise(std::vector<std::uint8_t>& priorities, int piece, std::uint8_t priority) {
  auto& slot = priorities[static_cast<std::size_t>(piece)];
  slot = std::max(slot, priority);
}

}  // namespace

SchedulePlan planSchedule(const std::vector<StreamWant>& wants, int numPieces,
                          const std::function<bool(int)>& havePiece,
                          const SchedulerTuning& tuning) {
  SchedulePlan plan;
  plan.priorities.assign(static_cast<std::size_t>(std::max(numPieces, 0)), kDontDownload);
  std::map<int, int> deadlineByPiece;  // piece → earliest deadline over all streams
  const auto addDeadline = [&](int piece, int deadline) {
    auto [it, inserted] = deadlineByPiece.emplace(piece, deadline);
    if (!inserted) it->second = std::min(it->second, deadline);
  };

  struct Span {
    int first, last, position;
  };
  std::vector<Span> spans;
  std::vector<bool> urgent;
  for (const StreamWant& want : wants) {
    int first = std::clamp(want.firstPiece, 0, numPieces - 1);
    int last = std::clamp(want.lastPiece, first, numPieces - 1);
    int position = std::clamp(want.positionPiece, first, last);
    if (want.capLastPiece >= 0) {
      last = std::clamp(want.capLastPiece, position, last);
      first = position;
    }
    spans.push_back({first, last, position});
    bool missing = false;
    for (int p = position; p <= std::min(last, position + tuning.urgentPieces - 1); ++p)
      missing = missing || !havePiece(p);
    urgent.push_back(missing);
  }
  // Main streams come first; a prefetch is urgent only when no main stream is.
  bool mainUrgent = false;
  for (std::size_t i = 0; i < wants.size(); ++i)
    mainUrgent = mainUrgent || (urgent[i] && wants[i].main);
  for (std::size_t i = 0; i < wants.size(); ++i) {
    if (mainUrgent && !wants[i].main) urgent[i] = false;
    plan.urgent = plan.urgent || urgent[i];
  }

  for (std::size_t i = 0; i < wants.size(); ++i) {
    const StreamWant& want = wants[i];
    const auto [first, last, position] = spans[i];
    if (plan.urgent) {
      if (!urgent[i]) {
        plan.windows.push_back({-1, -1});
        continue;
      }
      const int urgentLast = std::min(last, position + tuning.urgentPieces - 1);
      int rank = 0;
      for (int p = position; p <= urgentLast; ++p) {
        raise(plan.priorities, p, kTop);
        if (!havePiece(p)) addDeadline(p, rank++ * tuning.mainDeadlineStepMs);
      }
      // After a jump (a cold start or a seek: the piece behind the position is not in), nothing
      // else is wanted. libtorrent's picker asks a peer for a block another peer is fetching
      // only once its own queue is empty and no block is free; with the next piece wanted, a
      // fast seeder whose blocks were in took that one, and the urgent piece waited for a slower
      // seeder's last blocks. Measured, first byte beside a floor that wants one piece:
      // 2 MiB/s + 300 KiB/s + 50 KiB/s seeders, 1.77-2.10x with it, 0.96-1.05x without. The
      // torrent is then "finished" between the piece's hash check and the next plan: our
      // handshake never says upload-only (no_upload_only.h), so no seed it meets drops us.
      // libtorrent 2.0.8 may call it finished too early, too (torrents_reconcile.cc says why).
      // A reader that caught up with the download keeps the next piece at low priority: its
      // pipeline stays full across the piece boundary, and we stay interested.
      const int fileFirst = std::clamp(want.firstPiece, 0, numPieces - 1);
      const bool jumped = position == fileFirst || !havePiece(position - 1);
      if (!jumped && urgentLast < last) raise(plan.priorities, urgentLast + 1, kLow);
      plan.windows.push_back({position, urgentLast});
      continue;
    }
    if (want.main && want.aheadPieces > 0) {
      // From the position up to the aheadPieces-th missing piece (or the file's end).
      int missing = 0;
      int p = position;
      for (;; ++p) {
        raise(plan.priorities, p, kTop);
        if (p == last || (!havePiece(p) && ++missing == want.aheadPieces)) break;
      }
      plan.windows.push_back({position, p});
      continue;
    }
    const int tier1 = want.main ? tuning.tier1Pieces : tuning.prefetchTier1Pieces;
    const int tier1Last = std::min(last, position + tier1 - 1);
    const int tier2Last = std::min(last, tier1Last + tuning.tier2Pieces);

    // A prefetch only warms its start; the rest of its file waits at low priority so
    // it never competes with the playing stream.
    const std::uint8_t rest = want.main ? kDefault : kLow;
    for (int p = first; p <= last; ++p) raise(plan.priorities, p, rest);
    // Below the deadline pieces' top priority, so the regular picker never outranks them.
    for (int p = tier1Last + 1; p <= tier2Last; ++p)
      raise(plan.priorities, p, want.main ? kHigh : kDefault);

    int rank = 0;
    for (int p = position; p <= tier1Last; ++p) {
      raise(plan.priorities, p, kTop);
      if (havePiece(p) || rank >= tuning.deadlinePieces) continue;
      const int deadline =
          want.main ? rank * tuning.mainDeadlineStepMs
                    : tuning.prefetchDeadlineBaseMs + rank * tuning.prefetchDeadlineStepMs;
      ++rank;
      addDeadline(p, deadline);
    }
    plan.windows.push_back({position, tier1Last});
  }

  plan.deadlines.reserve(deadlineByPiece.size());
  for (const auto& [piece, deadline] : deadlineByPiece) plan.deadlines.push_back({piece, deadline});
  std::sort(plan.deadlines.begin(), plan.deadlines.end(),
            [](const PieceDeadline& a, const PieceDeadline& b) {
              return a.deadlineMs < b.deadlineMs ||
                     (a.deadlineMs == b.deadlineMs && a.piece < b.piece);
            });
  return plan;
}

}  // namespace vozduxan
