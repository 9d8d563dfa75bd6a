// The average byte rate of an audio file, read from its header where the format states it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace vozduxan {

/// WAV: the fmt chunk's byte rate. FLAC: file size over the STREAMINFO duration.
/// nullopt for other formats or a header that does not parse.
std::optional<double> headerBytesPerSecond(const unsigned char* data, std::size_t len,
                                           std::int64_t fileSize);

}  // namespace vozduxan
