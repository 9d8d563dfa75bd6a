// The time index (engine/audio_index.h): every byte of the file comes from a stranger's torrent,
// and which of them are local changes as pieces arrive. The first input byte picks the mime and
// what is local; the rest is the file.
#include "engine/audio_index.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <vector>

namespace {

using Bytes = std::vector<unsigned char>;

constexpr const char* kMimes[] = {"audio/wav", "audio/flac", "audio/mpeg",
                                  "audio/ogg", "audio/mp4",  "application/octet-stream"};

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const unsigned selector = data[0];
  const Bytes file(data + 1, data + size);
  const char* mime = kMimes[selector % 6];
  // Local: all of it, a prefix, or all but a window in the middle (a piece not yet verified).
  const std::size_t mode = selector / 6 % 3;
  const std::size_t holeAt = file.size() / 3;
  const std::size_t holeEnd = mode == 2 ? file.size() * 2 / 3 : holeAt;
  const std::size_t localEnd = mode == 1 ? file.size() / 2 : file.size();
  const vozduxan::LocalBytes read = [&](std::int64_t offset,
                                        std::size_t len) -> std::optional<Bytes> {
    check(offset >= 0);
    if (static_cast<std::uint64_t>(offset) >= localEnd) return std::nullopt;
    const auto from = static_cast<std::size_t>(offset);
    if (from >= holeAt && from < holeEnd) return std::nullopt;
    std::size_t end = from + std::min(len, localEnd - from);
    if (from < holeAt && end > holeAt && holeEnd > holeAt) end = holeAt;  // a local prefix
    return Bytes(file.begin() + static_cast<std::ptrdiff_t>(from),
                 file.begin() + static_cast<std::ptrdiff_t>(end));
  };
  // The torrent's file size is metadata: it may be the input's or claim more (tail not local).
  const std::int64_t sizes[] = {static_cast<std::int64_t>(file.size()),
                                static_cast<std::int64_t>(file.size()) * 3 + 7};
  for (const std::int64_t fileSize : sizes) {
    const auto index = vozduxan::parseAudioIndex(mime, fileSize, read);
    if (index.durationSecs) check(std::isfinite(*index.durationSecs) && *index.durationSecs > 0);
    if (index.bytesPerSecond)
      check(std::isfinite(*index.bytesPerSecond) && *index.bytesPerSecond > 0);
    check(index.seekPoints.size() <= vozduxan::kMaxSeekPoints);
    for (std::size_t i = 1; i < index.seekPoints.size(); ++i) {
      check(index.seekPoints[i].seconds > index.seekPoints[i - 1].seconds);
      check(index.seekPoints[i].offset >= index.seekPoints[i - 1].offset);
    }
    for (const double seconds :
         {-1.0, 0.0, 0.001, 0.5, 3.0, 60.0, 1e7, 1e300, std::numeric_limits<double>::quiet_NaN(),
          std::numeric_limits<double>::infinity()}) {
      const std::int64_t offset = vozduxan::offsetForTime(index, seconds, fileSize, read);
      check(offset >= 0 && (fileSize == 0 ? offset == 0 : offset < fileSize));
    }
  }
  return 0;
}
