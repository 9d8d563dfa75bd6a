// How much of a file a prepare holds before it resolves: the measured download rate against
// the file's byte rate. Pure (time, rates and header bytes come in as values), so every rule
// here has a unit test (native/test/prebuffer_test.cc).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace vozduxan {

constexpr std::int64_t kMinPrebuffer = std::int64_t{32} * 1024;
constexpr std::int64_t kMaxPrebuffer = std::int64_t{4} * 1024 * 1024;
constexpr double kMaxPrebufferSeconds = 3.0;
/// Pieces verified over less than this after the first say little about the link's rate.
constexpr auto kRateProbeMin = std::chrono::milliseconds(100);

/// On a link that outruns playback by 20% the first verified piece is enough; on a slower one,
/// hold what covers the shortfall over the whole file plus two seconds of audio, but never more
/// than a few seconds of download, so a slow swarm delays the first sound only a little.
std::int64_t sizePrebuffer(std::int64_t fileSize, double bytesPerSecondIn, double bitrate);

/// Whether the bytes in hand are enough to start: true when a lower bound of the link's rate
/// (verified bytes over all the time since the prepare began, connecting and slow start
/// included) already keeps up with playback. No margin is needed on a bound that only errs low.
bool keepsUpAtLeast(std::int64_t buffered, double secondsSinceStart, double bitrate);

/// The file's playback byte rate: from its header (WAV, FLAC) in `head` (the file's first
/// bytes, verified; `len` 0 when they are not), else typical for its MIME type.
double fileByteRate(const unsigned char* head, std::size_t len, std::int64_t fileSize,
                    const std::string& mime);

/// One prepare's prebuffer target, refined on every engine tick until it is filled.
class PrebufferProbe {
 public:
  using Clock = std::chrono::steady_clock;

  PrebufferProbe(std::int64_t fileSize, Clock::time_point start);

  /// `buffered`: verified bytes from the file's start; `libtorrentRate`: the torrent's payload
  /// rate. `byteRate` is asked once, when the first bytes are in. Once a lower bound of the
  /// link's rate keeps up with playback, the target is what is verified: first sound never
  /// waits for a piece the link will bring before playback needs it.
  void observe(Clock::time_point now, std::int64_t buffered, double libtorrentRate,
               const std::function<double()>& byteRate);
  /// Never more than `maxBytes` from now on (the data saver's window); sizing later respects it.
  void limit(std::int64_t maxBytes);
  /// Bytes to hold before the prepare resolves (at least one).
  std::int64_t target() const;
  bool filled(std::int64_t buffered) const;
  int percent(std::int64_t buffered) const;

 private:
  std::int64_t fileSize_;
  Clock::time_point start_;
  std::int64_t target_;
  std::int64_t limit_ = -1;  // -1: none
  bool sized_ = false;
  double byteRate_ = 0;
  Clock::time_point firstPieceAt_;  // when the target was first sized
  std::int64_t firstBuffered_ = 0;  // bytes buffered then
};

}  // namespace vozduxan
