#include "engine/audio_header.h"

#include <cstring>

namespace vozduxan {
namespace {

std::uint32_t le32(const unsigned char* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

std::optional<double> wavByteRate(const unsigned char* data, std::size_t len) {
  if (len < 12 || std::memcmp(data, "RIFF", 4) != 0 || std::memcmp(data + 8, "WAVE", 4) != 0)
    return std::nullopt;
  std::size_t at = 12;
  while (at + 8 <= len) {
    const std::uint32_t size = le32(data + at + 4);
    if (std::memcmp(data + at, "fmt ", 4) == 0) {
      if (at + 16 + 4 > len || size < 16) return std::nullopt;
      const std::uint32_t byteRate = le32(data + at + 8 + 8);
      return byteRate > 0 ? std::optional<double>(byteRate) : std::nullopt;
    }
    // In size_t: in 32 bits, 8 + size (+ 1) wraps to 0 for chunk sizes 0xfffffff7 and 0xfffffff8,
    // and the loop never advances (found by native/fuzz/audio_header.cc).
    at += 8 + static_cast<std::size_t>(size) + (size & 1);  // chunks are padded to even sizes
  }
  return std::nullopt;
}

std::optional<double> flacByteRate(const unsigned char* data, std::size_t len,
                                   std::int64_t fileSize) {
  // "fLaC", then the STREAMINFO block (type 0) whose bytes 10..17 pack sample rate (20 bits),
  // channels (3), bits per sample (5) and total samples (36).
  if (len < 8 + 18 || std::memcmp(data, "fLaC", 4) != 0 || (data[4] & 0x7f) != 0)
    return std::nullopt;
  const unsigned char* info = data + 8;
  const std::uint32_t sampleRate = static_cast<std::uint32_t>(info[10]) << 12 |
                                   static_cast<std::uint32_t>(info[11]) << 4 | info[12] >> 4;
  std::uint64_t totalSamples = info[13] & 0x0f;
  for (int i = 14; i < 18; ++i) totalSamples = totalSamples << 8 | info[i];
  if (sampleRate == 0 || totalSamples == 0) return std::nullopt;
  const double seconds = static_cast<double>(totalSamples) / sampleRate;
  return static_cast<double>(fileSize) / seconds;
}

}  // namespace

std::optional<double> headerBytesPerSecond(const unsigned char* data, std::size_t len,
                                           std::int64_t fileSize) {
  if (auto rate = wavByteRate(data, len)) return rate;
  return flacByteRate(data, len, fileSize);
}

}  // namespace vozduxan
