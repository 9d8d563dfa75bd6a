// The average byte rate of an audio file, read from its header where the format states it, and
// the WAV/FLAC header fields that the time index (engine/audio_index.h) maps seconds with.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace vozduxan {

/// WAV: the fmt chunk's byte rate. FLAC: file size over the STREAMINFO duration.
/// nullopt for other formats or a header that does not parse.
std::optional<double> headerBytesPerSecond(const unsigned char* data, std::size_t len,
                                           std::int64_t fileSize);

/// What a RIFF/WAVE head says: the fmt chunk, and the data chunk when it is in the head.
struct WavFormat {
  std::uint32_t byteRate = 0;              // > 0
  std::uint32_t blockAlign = 0;            // may be 0 in a broken file
  std::optional<std::uint64_t> dataStart;  // offset of the data chunk's first byte
  std::uint64_t dataSize = 0;              // as declared (0xffffffff: until the end)
};
/// nullopt when the head is not WAVE or has no fmt chunk with a byte rate.
std::optional<WavFormat> readWavFormat(const unsigned char* data, std::size_t len);

/// FLAC's STREAMINFO fields the duration comes from.
struct FlacStreamInfo {
  std::uint32_t sampleRate = 0;
  std::uint64_t totalSamples = 0;  // 0: unknown
};
/// Decodes the 34-byte STREAMINFO body (`len` must be at least 18 for the fields used).
std::optional<FlacStreamInfo> readFlacStreamInfo(const unsigned char* body, std::size_t len);

}  // namespace vozduxan
