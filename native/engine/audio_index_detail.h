// Internals of the time index (engine/audio_index.h) shared by its per-format files: the local
// bytes with a cached head, numeric clamps, seek point tables, and the per-format entry points.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "engine/audio_bytes.h"
#include "engine/audio_index.h"

namespace vozduxan::audio_index_detail {

/// The most any one read asks for: a moov box, a FLAC seektable (hostile sizes stop here).
inline constexpr std::size_t kMaxRead = std::size_t{16} * 1024 * 1024;

/// The file through LocalBytes, its head kept so the parsers re-read it for free.
class LocalFile {
 public:
  LocalFile(const LocalBytes& read, std::int64_t size) : read_(read), size_(size > 0 ? size : 0) {}
  std::int64_t size() const { return size_; }
  void loadHead(std::size_t len);
  ByteView head() const { return ByteView(head_.data(), head_.size()); }
  /// Up to `len` (capped at kMaxRead) local bytes at `offset`: fewer at the end of the file or
  /// where bytes are not local, none outside the file. Valid until the next call.
  ByteView bytes(std::int64_t offset, std::size_t len);

 private:
  const LocalBytes& read_;
  std::int64_t size_;
  std::vector<unsigned char> head_;
  std::vector<unsigned char> scratch_;
};

/// `value` rounded down into [lo, hi] (lo for NaN), without UB for any double.
std::int64_t clampToOffset(double value, std::int64_t lo, std::int64_t hi);

/// The size of the ID3v2 tags at `at` (syncsafe sizes, footer included), 0 when there are none.
std::uint64_t id3v2Size(ByteView bytes, std::size_t at = 0);

/// Appends a point when it keeps the table increasing in time and non-decreasing in offset
/// (a hostile table with points out of order loses those points, never breaks the search).
void addSeekPoint(std::vector<AudioSeekPoint>& points, double seconds, std::int64_t offset);

/// The byte rate over the payload and duration, when both make sense.
std::optional<double> averageRate(std::int64_t payloadBytes, std::optional<double> seconds);

void parseWav(AudioIndex& index, LocalFile& file);
void parseFlac(AudioIndex& index, LocalFile& file);
void parseMp3(AudioIndex& index, LocalFile& file);
void parseOgg(AudioIndex& index, LocalFile& file);
void parseM4a(AudioIndex& index, LocalFile& file);

/// MP3: the start of the first frame of the index's stream at or after `offset` within a few KiB,
/// nullopt when those bytes are not local or hold no frame.
std::optional<std::int64_t> mp3NextFrame(const AudioIndex& index, LocalFile& file,
                                         std::int64_t offset);
/// Ogg: the start of the last page before the target granule, bisecting local pages; nullopt
/// when the bisection could not start (the caller falls back to the average rate). `estimate`
/// is the average-rate offset, used where pages are not local.
std::optional<std::int64_t> oggOffsetForTime(const AudioIndex& index, LocalFile& file,
                                             double seconds, std::int64_t estimate);

}  // namespace vozduxan::audio_index_detail
