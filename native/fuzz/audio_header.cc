// The WAV and FLAC header readers that size the prebuffer (engine/audio_header.h): the bytes
// come from a stranger's torrent, and the file size from its metadata.
#include "engine/audio_header.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::int64_t fileSizes[] = {static_cast<std::int64_t>(size), 0, 1, std::int64_t{1} << 32,
                                    std::numeric_limits<std::int64_t>::max()};
  for (const std::int64_t fileSize : fileSizes) {
    const auto rate = vozduxan::headerBytesPerSecond(data, size, fileSize);
    // A rate the prebuffer multiplies by seconds: never NaN or infinite.
    if (rate && !std::isfinite(*rate)) std::abort();
  }
  return 0;
}
