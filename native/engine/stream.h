// One open stream: a file of a torrent behind a token, its position and seek generation.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "engine/audio_index.h"
#include "engine/config.h"
#include "engine/read_ahead.h"
#include "engine/request_pacing.h"
#include "engine/stream_source.h"
#include "engine/torrent.h"

namespace vozduxan {

class Stream : public StreamSource {
 public:
  /// Asks the session to recompute the torrent's piece schedule (coalesced, async).
  using RescheduleRequest = std::function<void(const std::shared_ptr<Torrent>&)>;

  Stream(std::string token, std::shared_ptr<Torrent> torrent, int fileIndex, bool main,
         RescheduleRequest reschedule);

  const std::string& token() const { return token_; }
  const std::shared_ptr<Torrent>& torrent() const { return torrent_; }
  int fileIndex() const { return fileIndex_; }
  bool main() const { return main_; }
  std::int64_t fileOffset() const { return fileOffset_; }
  int firstPiece() const { return firstPiece_; }
  int lastPiece() const { return lastPiece_; }
  int pieceAt(std::int64_t fileByte) const override;

  /// Moves the scheduling anchor (player position or the start of a read).
  void setPosition(std::int64_t fileByte);
  /// A position report (a player's position, a Range request's start, a new read's start):
  /// moves the anchor and restarts the read-ahead cap's staleness clock (read_ahead.h).
  void anchorAt(std::int64_t fileByte);
  /// The player's own position (notifyPosition): from then on the engine knows where playback
  /// is, which the bounded look-ahead needs (a reader without it may be a bulk download).
  void reportPosition(std::int64_t fileByte) {
    playerReports_.store(true);
    anchorAt(fileByte);
  }
  bool playerReports() const { return playerReports_.load(); }
  /// A following reader (a Readable) asks for bytes at `fileByte`; `start`: its first chunk,
  /// which anchors as a Range request does. Without a cap every chunk moves the window.
  void followReader(std::int64_t fileByte, bool start);

  /// The data saver: set once, before the stream is shared.
  void setReadAhead(const ReadAheadLimit& limit) { readAhead_ = limit; }
  const ReadAheadLimit& readAhead() const { return readAhead_; }
  /// Bytes of audio the cap allows past the position (the byte rate, or a typical one for the
  /// type while it is unknown); 0 without a cap.
  double readAheadBytes() const;
  /// The last piece the stream may want (torrent-relative); -1 without a cap.
  int readAheadLastPiece() const;
  /// Whether a reader parked on `piece` waits for the window to come (past the cap), not for
  /// the link: no loadSlow, no stall.
  bool holds(int piece) const override;
  /// The staleness tick (engine thread, every status tick): a reader parked past the cap of a
  /// player that has not reported for the staleness interval re-anchors the window at its piece.
  void followStaleReader(std::chrono::steady_clock::time_point now);
  std::int64_t position() const { return position_.load(); }
  /// True once since the last call if the position left the scheduled window.
  bool takeSeek();
  void setWindow(int first, int last);
  int windowFirst() const { return windowFirst_.load(); }
  int windowLast() const { return windowLast_.load(); }
  std::uint64_t generation() const { return generation_.load(); }
  std::uint64_t seeks() const { return seeks_.load(); }
  /// Playback bytes per second (from the file's header or its type); 0 while unknown. With a
  /// cap, a new rate moves the cap's end: the torrent is rescheduled.
  void setByteRate(double bytesPerSecond);
  double byteRate() const { return byteRate_.load(); }

  /// Reads the file's own index (audio_index.h) from what is local: its duration, real byte
  /// rate and time-to-byte map. Again only while it is incomplete and more of the file is
  /// local than at the last look.
  void indexAudio();
  /// The index read so far (empty until indexAudio found the head).
  std::shared_ptr<const AudioIndex> audioIndex() const;
  std::optional<double> durationSecs() const;
  /// The byte at which playback of `seconds` starts, from the index (or the average rate).
  std::int64_t offsetForTime(double seconds);

  /// Ends the stream for readers: from now on read() fails and parks nothing. Whoever calls it
  /// then wakes the torrent's parked readers (they were parked before, and end when woken).
  /// `bySessionClose`: the session is closing (readers then end with reason "close").
  void markReleased(bool bySessionClose = false);
  bool released() const override { return released_.load(); }
  bool closedBySession() const override { return closedBySession_.load(); }

  /// A read outside any response (the prebuffer's header probe, reads without HTTP): fails once
  /// released. `jump`: a random-access read, which may move a capped window as a seek does.
  ReadStatus read(std::int64_t offset, char* buffer, std::size_t len, std::size_t& got,
                  std::function<void()> resume, bool jump = false);

  /// What Session::stats reports for this stream.
  StreamStats stats() const;
  /// What request pacing weighs for this stream (all but its download rate).
  PacingInput pacingInput() const;

  // StreamSource
  std::int64_t size() const override { return size_; }
  const std::string& mimeType() const override { return mime_; }
  std::uint64_t beginResponse(std::int64_t offset) override;
  bool current(std::uint64_t generation) const override;
  ReadStatus read(std::uint64_t generation, std::int64_t offset, char* buffer, std::size_t len,
                  std::size_t& got, std::function<void()> resume) override;

 private:
  /// Not released, and `generation` (when given) still current.
  bool live(const std::uint64_t* generation) const;
  ReadStatus readFor(const std::uint64_t* generation, std::int64_t offset, char* buffer,
                     std::size_t len, std::size_t& got, std::function<void()> resume,
                     bool jump = false);
  /// Where a reader waiting for `missing` moves the window (if anywhere) before it parks.
  void moveForMissing(int missing, bool jump);
  /// The file byte where a torrent piece starts (0 for a piece the file starts inside).
  std::int64_t pieceStartInFile(int piece) const;
  std::chrono::steady_clock::time_point lastReport() const;

  const std::string token_;
  const std::shared_ptr<Torrent> torrent_;
  const int fileIndex_;
  const bool main_;
  const RescheduleRequest reschedule_;
  std::int64_t fileOffset_ = 0;
  std::int64_t size_ = 0;
  std::string mime_;
  int firstPiece_ = 0;
  int lastPiece_ = 0;
  std::atomic<std::int64_t> position_{0};
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<std::uint64_t> seeks_{0};
  std::atomic<bool> seekPending_{false};
  std::atomic<int> windowFirst_{-1};
  std::atomic<int> windowLast_{-1};
  // Taken by markReleased and beginResponse to change what live() answers, and by a reader
  // from its last live() check until its waiter is registered: so a reader either parks before
  // the wake-up that follows a release or a newer response, or sees that it must not park.
  std::mutex wakeMu_;
  std::atomic<bool> released_{false};
  std::atomic<bool> closedBySession_{false};
  std::atomic<double> byteRate_{0};
  std::atomic<bool> playerReports_{false};
  ReadAheadLimit readAhead_;
  std::atomic<std::chrono::steady_clock::rep> lastReport_{0};  // steady_clock ticks
  mutable std::mutex indexMu_;                                 // guards index_ and indexedPieces_
  std::shared_ptr<const AudioIndex> index_;
  int indexedPieces_ = -1;  // the file's pieces that were local when index_ was read
};

}  // namespace vozduxan
