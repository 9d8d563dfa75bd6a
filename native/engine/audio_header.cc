#include "engine/audio_header.h"

#include <cstring>

#include "engine/audio_bytes.h"

namespace vozduxan {

std::optional<WavFormat> readWavFormat(const unsigned char* data, std::size_t len) {
  const ByteView head(data, len);
  if (!head.matches(0, "RIFF", 4) || !head.matches(8, "WAVE", 4)) return std::nullopt;
  std::optional<WavFormat> format;
  std::size_t at = 12;
  // Each step advances at least 8 bytes, so the walk ends within len / 8 steps.
  while (head.has(at, 8)) {
    const std::uint64_t size = head.le(at + 4, 4);
    if (head.matches(at, "fmt ", 4)) {
      if (!head.has(at + 8, 12) || size < 16) return std::nullopt;
      const auto byteRate = static_cast<std::uint32_t>(head.le(at + 8 + 8, 4));
      if (byteRate == 0) return std::nullopt;
      format = WavFormat{byteRate, static_cast<std::uint32_t>(head.le(at + 8 + 12, 2)), {}, 0};
    } else if (format && head.matches(at, "data", 4)) {
      format->dataStart = at + 8;
      format->dataSize = size;
      return format;
    }
    // In 64 bits: in 32, 8 + size (+ 1) wraps to 0 for chunk sizes 0xfffffff7 and 0xfffffff8,
    // and the loop never advances (found by native/fuzz/audio_header.cc).
    const std::uint64_t step = 8 + size + (size & 1);  // chunks are padded to even sizes
    if (step > head.size() - at) break;
    at += static_cast<std::size_t>(step);
  }
  return format;
}

std::optional<FlacStreamInfo> readFlacStreamInfo(const unsigned char* body, std::size_t len) {
  // Bytes 10..17 pack sample rate (20 bits), channels (3), bits per sample (5) and total
  // samples (36).
  const ByteView info(body, len);
  if (!info.has(10, 8)) return std::nullopt;
  FlacStreamInfo out;
  out.sampleRate = static_cast<std::uint32_t>(info.be(10, 3) >> 4);
  out.totalSamples = info.be(13, 5) & 0xfffffffffULL;
  return out;
}

namespace {

std::optional<double> flacByteRate(const unsigned char* data, std::size_t len,
                                   std::int64_t fileSize) {
  // "fLaC", then the STREAMINFO block (type 0).
  if (len < 8 + 18 || std::memcmp(data, "fLaC", 4) != 0 || (data[4] & 0x7f) != 0)
    return std::nullopt;
  const auto info = readFlacStreamInfo(data + 8, len - 8);
  if (!info || info->sampleRate == 0 || info->totalSamples == 0) return std::nullopt;
  const double seconds = static_cast<double>(info->totalSamples) / info->sampleRate;
  return static_cast<double>(fileSize) / seconds;
}

}  // namespace

std::optional<double> headerBytesPerSecond(const unsigned char* data, std::size_t len,
                                           std::int64_t fileSize) {
  if (auto wav = readWavFormat(data, len)) return static_cast<double>(wav->byteRate);
  return flacByteRate(data, len, fileSize);
}

}  // namespace vozduxan
