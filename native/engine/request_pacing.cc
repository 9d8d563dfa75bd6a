#include "engine/request_pacing.h"

#include <algorithm>

#include "engine/read_ahead.h"

namespace vozduxan {
namespace {

constexpr auto kRateWindow = std::chrono::seconds(4);
constexpr auto kMinRateHistory = std::chrono::seconds(2);
constexpr double kComfortableRateRatio = 1.3;
constexpr double kComfortableBufferSeconds = 10.0;
// A reader this far past the position of a player that never reported one is downloading, not
// playing (see bulkReader and request_pacing.h).
constexpr double kBulkReaderSeconds = 2.0;

bool fallingBehind(const PacingInput& s) {
  if (s.complete || s.byteRate <= 0 || s.downloadRate < 0) return false;
  const bool slowLink = s.downloadRate < kComfortableRateRatio * s.byteRate;
  const double comfortable =
      comfortableBufferSeconds(s.readAheadSecs, kComfortableBufferSeconds) * s.byteRate;
  const bool thinBuffer = static_cast<double>(s.bufferedAhead) < comfortable;
  return slowLink && thinBuffer;
}

// A reader far past the position of a player that never reported one: a download, not playback.
bool bulkReader(const PacingInput& s) {
  if (s.complete || s.byteRate <= 0 || s.playerReports) return false;
  return static_cast<double>(s.readerAhead) >= kBulkReaderSeconds * s.byteRate;
}

}  // namespace

void RateMeter::add(Clock::time_point now, std::int64_t totalBytes) {
  if (!samples_.empty() && totalBytes < samples_.back().second) samples_.clear();
  // History starts with the first bytes: the time spent connecting, handshaking and waiting to
  // be unchoked before them says nothing about the link, and read as a slow link it sent the
  // pipeline deep right before the first byte (issue 18: 3 s of requests ahead of every seek).
  if (totalBytes <= 0) return;
  samples_.emplace_back(now, totalBytes);
  while (samples_.size() > 2 && now - samples_[1].first >= kRateWindow) samples_.pop_front();
}

double RateMeter::rate() const {
  if (samples_.size() < 2) return -1;
  const auto span = samples_.back().first - samples_.front().first;
  if (span < kMinRateHistory) return -1;
  const double bytes = static_cast<double>(samples_.back().second - samples_.front().second);
  return bytes / std::chrono::duration<double>(span).count();
}

bool keepingUp(const std::vector<PacingInput>& mainStreams) {
  for (const PacingInput& s : mainStreams) {
    if (fallingBehind(s) || bulkReader(s)) return false;
  }
  return true;
}

RequestPacer::RequestPacer(const SessionConfig& config, bool windowed) {
  for (const auto& [name, value] : config.settings) {
    if (name == "request_queue_time") ownsQueueDepth_ = false;
  }
  windowed_ = windowed && ownsQueueDepth_;
}

bool RequestPacer::update(Clock::time_point now, std::vector<Sample> mainStreams) {
  std::vector<PacingInput> inputs;
  std::map<std::string, RateMeter> meters;
  for (Sample& sample : mainStreams) {
    RateMeter& meter = meters[sample.token] = std::move(meters_[sample.token]);
    if (sample.fileBytes >= 0) meter.add(now, sample.fileBytes);
    sample.input.downloadRate = meter.rate();
    inputs.push_back(sample.input);
  }
  meters_.swap(meters);  // released streams' meters go
  const bool nowKeepingUp = vozduxan::keepingUp(inputs);
  if (nowKeepingUp == keepingUp_) return false;
  keepingUp_ = nowKeepingUp;
  return true;
}

std::optional<int> RequestPacer::requestQueueSeconds() const {
  if (!ownsQueueDepth_) return std::nullopt;
  return keepingUp_ ? keepingUpQueueSeconds(windowed_) : kDeepQueueSeconds;
}

int RequestPacer::aheadPieces(bool main, int pieceLength) const {
  return keepingUp_ && main ? std::max(1, kBoundedAheadBytes / pieceLength) : 0;
}

}  // namespace vozduxan
