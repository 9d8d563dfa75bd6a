#include "engine/prebuffer.h"

#include <algorithm>

#include "engine/audio_header.h"
#include "engine/mime.h"

namespace vozduxan {

std::int64_t sizePrebuffer(std::int64_t fileSize, double bytesPerSecondIn, double bitrate) {
  if (bytesPerSecondIn >= 1.2 * bitrate) return std::min(kMinPrebuffer, fileSize);
  const double shortfall =
      static_cast<double>(fileSize) * (1.0 - std::min(1.0, bytesPerSecondIn / bitrate));
  const double wanted =
      std::min(shortfall + 2.0 * bitrate, kMaxPrebufferSeconds * bytesPerSecondIn);
  return std::min(std::clamp(static_cast<std::int64_t>(wanted), kMinPrebuffer, kMaxPrebuffer),
                  fileSize);
}

bool keepsUpAtLeast(std::int64_t buffered, double secondsSinceStart, double bitrate) {
  if (buffered <= 0 || bitrate <= 0) return false;
  return static_cast<double>(buffered) >= bitrate * std::max(secondsSinceStart, 1e-3);
}

double fileByteRate(const unsigned char* head, std::size_t len, std::int64_t fileSize,
                    const std::string& mime) {
  if (auto rate = headerBytesPerSecond(head, len, fileSize)) return *rate;
  return typicalBytesPerSecond(mime);
}

PrebufferProbe::PrebufferProbe(std::int64_t fileSize, Clock::time_point start)
    : fileSize_(fileSize), start_(start), target_(std::min(kMinPrebuffer, fileSize)) {}

void PrebufferProbe::observe(Clock::time_point now, std::int64_t buffered, double libtorrentRate,
                             const std::function<double()>& byteRate) {
  if (!sized_) {
    if (buffered <= 0) return;
    // Both read low: libtorrent's payload rate lags by seconds, and bytes over the elapsed time
    // include connecting and unchoking. The higher of the two is the closer to the link.
    const double seconds = std::max(1e-3, std::chrono::duration<double>(now - start_).count());
    const double rate = std::max(libtorrentRate, static_cast<double>(buffered) / seconds);
    byteRate_ = byteRate();
    target_ = sizePrebuffer(fileSize_, rate, byteRate_);
    sized_ = true;
    firstPieceAt_ = now;
    firstBuffered_ = buffered;
    // The margin above is for estimates that may err high. Bytes over the whole elapsed time
    // only err low: when even they keep up with playback, a second piece would cost first sound
    // (a second 1 MiB piece at 256 KiB/s is 4 s) and save no stall (issue 18).
    if (keepsUpAtLeast(buffered, seconds, byteRate_)) target_ = std::min(target_, buffered);
    return;
  }
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  if (keepsUpAtLeast(buffered, elapsed, byteRate_)) target_ = std::min(target_, buffered);
  if (buffered <= firstBuffered_ || now - firstPieceAt_ < kRateProbeMin) return;
  // libtorrent's rate lags by seconds and a slow first piece (connection set-up) reads low:
  // the pieces since the first tell the link's rate sooner. The target only ever shrinks.
  const double since = std::chrono::duration<double>(now - firstPieceAt_).count();
  const double rate =
      std::max(libtorrentRate, static_cast<double>(buffered - firstBuffered_) / since);
  target_ = std::min(target_, sizePrebuffer(fileSize_, rate, byteRate_));
}

void PrebufferProbe::limit(std::int64_t maxBytes) { limit_ = std::max<std::int64_t>(maxBytes, 1); }

std::int64_t PrebufferProbe::target() const {
  const std::int64_t target = limit_ > 0 ? std::min(target_, limit_) : target_;
  return std::max<std::int64_t>(target, 1);
}

bool PrebufferProbe::filled(std::int64_t buffered) const {
  return buffered >= target() || buffered >= fileSize_;
}

int PrebufferProbe::percent(std::int64_t buffered) const {
  return static_cast<int>(100.0 * static_cast<double>(buffered) / static_cast<double>(target()));
}

}  // namespace vozduxan
