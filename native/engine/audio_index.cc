#include "engine/audio_index.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/audio_header.h"
#include "engine/audio_index_detail.h"
#include "engine/mime.h"

namespace vozduxan {
namespace audio_index_detail {

void LocalFile::loadHead(std::size_t len) {
  const ByteView got = bytes(0, len);
  head_.assign(got.data(), got.data() + got.size());
}

ByteView LocalFile::bytes(std::int64_t offset, std::size_t len) {
  if (offset < 0 || offset >= size_ || len == 0) return {};
  len = std::min({len, kMaxRead,
                  static_cast<std::size_t>(std::min<std::int64_t>(
                      size_ - offset, std::numeric_limits<std::int32_t>::max()))});
  if (static_cast<std::uint64_t>(offset) + len <= head_.size())
    return ByteView(head_.data() + offset, len);
  if (!read_) return {};
  auto got = read_(offset, len);
  if (!got) return {};
  scratch_ = std::move(*got);
  return ByteView(scratch_.data(), std::min(scratch_.size(), len));
}

std::int64_t clampToOffset(double value, std::int64_t lo, std::int64_t hi) {
  if (hi < lo) hi = lo;
  if (!(value > static_cast<double>(lo))) return lo;  // NaN too
  if (value >= static_cast<double>(hi)) return hi;
  return std::max(lo, std::min(hi, static_cast<std::int64_t>(std::floor(value))));
}

std::uint64_t id3v2Size(ByteView bytes, std::size_t at) {
  std::uint64_t total = 0;
  // A few tags may follow each other (some taggers prepend without merging); cap the walk.
  for (int tag = 0; tag < 4; ++tag) {
    const std::size_t here = at + static_cast<std::size_t>(total);
    if (!bytes.matches(here, "ID3", 3) || !bytes.has(here, 10)) break;
    std::uint64_t size = 0;
    for (int i = 0; i < 4; ++i) size = size << 7 | (bytes[here + 6 + i] & 0x7f);  // syncsafe
    const bool footer = bytes[here + 5] & 0x10;
    total += 10 + size + (footer ? 10 : 0);
  }
  return total;
}

void addSeekPoint(std::vector<AudioSeekPoint>& points, double seconds, std::int64_t offset) {
  if (!std::isfinite(seconds) || seconds < 0 || offset < 0 || points.size() >= kMaxSeekPoints)
    return;
  if (!points.empty() && (seconds <= points.back().seconds || offset < points.back().offset))
    return;
  points.push_back({seconds, offset});
}

std::optional<double> averageRate(std::int64_t payloadBytes, std::optional<double> seconds) {
  if (!seconds || !(*seconds > 0) || payloadBytes <= 0) return std::nullopt;
  const double rate = static_cast<double>(payloadBytes) / *seconds;
  if (!std::isfinite(rate) || rate <= 0) return std::nullopt;
  return rate;
}

namespace {

std::optional<double> positiveSeconds(double seconds) {
  if (!std::isfinite(seconds) || !(seconds > 0)) return std::nullopt;
  return seconds;
}

}  // namespace

void parseWav(AudioIndex& index, LocalFile& file) {
  const ByteView head = file.head();
  const auto format = readWavFormat(head.data(), head.size());
  if (!format) return;
  index.bytesPerSecond = format->byteRate;
  index.blockAlign = format->blockAlign;
  if (!format->dataStart || *format->dataStart >= static_cast<std::uint64_t>(file.size())) return;
  index.audioStart = static_cast<std::int64_t>(*format->dataStart);
  // A streamed WAV declares 0 or 0xffffffff: the data then runs to the end of the file.
  const std::uint64_t left = static_cast<std::uint64_t>(file.size() - index.audioStart);
  const std::uint64_t dataSize =
      format->dataSize == 0 || format->dataSize > left ? left : format->dataSize;
  index.audioEnd = index.audioStart + static_cast<std::int64_t>(dataSize);
  index.durationSecs = positiveSeconds(static_cast<double>(dataSize) / format->byteRate);
}

void parseFlac(AudioIndex& index, LocalFile& file) {
  // An ID3v2 tag before "fLaC" is not in the spec but is found in the wild.
  const auto base = static_cast<std::int64_t>(
      std::min<std::uint64_t>(id3v2Size(file.head()), static_cast<std::uint64_t>(file.size())));
  const ByteView magic = file.bytes(base, 4);
  if (!magic.matches(0, "fLaC", 4)) return;
  std::optional<FlacStreamInfo> info;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> table;  // (sample, offset from frames)
  std::int64_t at = base + 4;
  bool last = false;
  // Metadata blocks: a 4-byte header (last flag, type, 24-bit length) and the body. 128 blocks
  // is far past any real file; a hostile chain stops there.
  for (int block = 0; block < 128 && !last; ++block) {
    const ByteView header = file.bytes(at, 4);
    if (!header.has(0, 4)) return;  // not local: the first frame's offset is unknown
    last = header[0] & 0x80;
    const int type = header[0] & 0x7f;
    const std::uint64_t length = header.be(1, 3);
    // The first STREAMINFO and SEEKTABLE only: a chain of large copies would cost time.
    if ((type == 0 && !info) || (type == 3 && table.empty())) {
      const ByteView body = file.bytes(at + 4, static_cast<std::size_t>(length));
      if (body.size() == length) {
        if (type == 0) info = readFlacStreamInfo(body.data(), body.size());
        for (std::size_t p = 0; type == 3 && body.has(p, 18) && table.size() < kMaxSeekPoints;
             p += 18)
          table.emplace_back(body.be(p, 8), body.be(p + 8, 8));
      }
    }
    at += 4 + static_cast<std::int64_t>(length);
    if (at >= file.size()) return;
  }
  if (!last) return;
  index.audioStart = at;
  index.audioEnd = file.size();
  if (!info || info->sampleRate == 0) return;
  if (info->totalSamples > 0) {
    index.durationSecs =
        positiveSeconds(static_cast<double>(info->totalSamples) / info->sampleRate);
    index.bytesPerSecond = averageRate(index.audioEnd - index.audioStart, index.durationSecs);
  }
  constexpr std::uint64_t kPlaceholder = ~std::uint64_t{0};
  for (const auto& [sample, offset] : table) {
    if (sample == kPlaceholder || offset >= static_cast<std::uint64_t>(file.size() - at)) continue;
    addSeekPoint(index.seekPoints, static_cast<double>(sample) / info->sampleRate,
                 at + static_cast<std::int64_t>(offset));
  }
}

namespace {

AudioFormat formatOfMime(const std::string& mime) {
  if (mime == "audio/wav" || mime == "audio/x-wav" || mime == "audio/wave" ||
      mime == "audio/vnd.wave")
    return AudioFormat::Wav;
  if (mime == "audio/flac" || mime == "audio/x-flac") return AudioFormat::Flac;
  if (mime == "audio/mpeg" || mime == "audio/mp3") return AudioFormat::Mp3;
  if (mime == "audio/ogg" || mime == "audio/opus" || mime == "audio/vorbis")
    return AudioFormat::Ogg;
  if (mime == "audio/mp4" || mime == "audio/x-m4a" || mime == "audio/m4a") return AudioFormat::M4a;
  return AudioFormat::Unknown;
}

/// For a mime that names no format: the head's magic (ID3 could precede MP3 or FLAC).
AudioFormat formatOfMagic(ByteView head) {
  if (head.matches(0, "RIFF", 4) && head.matches(8, "WAVE", 4)) return AudioFormat::Wav;
  if (head.matches(0, "OggS", 4)) return AudioFormat::Ogg;
  if (head.matches(4, "ftyp", 4)) return AudioFormat::M4a;
  const std::uint64_t id3 = id3v2Size(head);
  if (id3 <= head.size() && head.matches(static_cast<std::size_t>(id3), "fLaC", 4))
    return AudioFormat::Flac;
  if (id3 > 0 || (head[0] == 0xff && (head[1] & 0xe0) == 0xe0)) return AudioFormat::Mp3;
  return AudioFormat::Unknown;
}

AudioIndex parse(const std::string& mime, std::int64_t fileSize, const LocalBytes& read) {
  AudioIndex index;
  index.fallbackBytesPerSecond = typicalBytesPerSecond(mime);
  LocalFile file(read, fileSize);
  file.loadHead(kAudioIndexHeadBytes);
  index.format = formatOfMime(mime);
  if (index.format == AudioFormat::Unknown) index.format = formatOfMagic(file.head());
  switch (index.format) {
    case AudioFormat::Wav:
      parseWav(index, file);
      break;
    case AudioFormat::Flac:
      parseFlac(index, file);
      break;
    case AudioFormat::Mp3:
      parseMp3(index, file);
      break;
    case AudioFormat::Ogg:
      parseOgg(index, file);
      break;
    case AudioFormat::M4a:
      parseM4a(index, file);
      break;
    case AudioFormat::Unknown:
      break;
  }
  return index;
}

/// The offset from the seek points: the point at or before the time, or interpolated between the
/// points around it.
std::int64_t fromSeekPoints(const AudioIndex& index, double seconds) {
  const auto& points = index.seekPoints;
  auto after = std::upper_bound(points.begin(), points.end(), seconds,
                                [](double t, const AudioSeekPoint& p) { return t < p.seconds; });
  if (after == points.begin()) return index.audioStart;
  const AudioSeekPoint& before = *(after - 1);
  if (!index.interpolateSeekPoints || after == points.end()) return before.offset;
  const double fraction = (seconds - before.seconds) / (after->seconds - before.seconds);
  return clampToOffset(static_cast<double>(before.offset) +
                           fraction * static_cast<double>(after->offset - before.offset),
                       before.offset, after->offset);
}

std::int64_t offsetFor(const AudioIndex& index, double seconds, std::int64_t fileSize,
                       const LocalBytes& read) {
  if (fileSize <= 0 || !(seconds > 0)) return 0;
  const std::int64_t last = fileSize - 1;
  const std::int64_t start = std::clamp<std::int64_t>(index.audioStart, 0, last);
  const std::int64_t end =
      index.audioEnd > start && index.audioEnd <= fileSize ? index.audioEnd : fileSize;
  const double rate = index.bytesPerSecond.value_or(index.fallbackBytesPerSecond);
  const std::int64_t estimate =
      clampToOffset(static_cast<double>(start) + seconds * rate, start, end - 1);
  LocalFile file(read, fileSize);

  if (!index.seekPoints.empty()) {
    const std::int64_t offset = std::clamp<std::int64_t>(fromSeekPoints(index, seconds), 0, last);
    if (index.format == AudioFormat::Mp3) return mp3NextFrame(index, file, offset).value_or(offset);
    return offset;
  }
  switch (index.format) {
    case AudioFormat::Wav:
      if (index.blockAlign > 1)
        return std::max(start, estimate - (estimate - start) % index.blockAlign);
      return estimate;
    case AudioFormat::Mp3:
      return mp3NextFrame(index, file, estimate).value_or(estimate);
    case AudioFormat::Ogg:
      return std::clamp<std::int64_t>(
          oggOffsetForTime(index, file, seconds, estimate).value_or(estimate), 0, last);
    default:
      return estimate;
  }
}

}  // namespace
}  // namespace audio_index_detail

AudioIndex parseAudioIndex(const std::string& mime, std::int64_t fileSize, const LocalBytes& read) {
  try {
    return audio_index_detail::parse(mime, fileSize, read);
  } catch (...) {
    // A throwing callback or an allocation failure: no index, offsetForTime falls back to a rate.
    AudioIndex none;
    none.fallbackBytesPerSecond = typicalBytesPerSecond(mime);
    return none;
  }
}

std::int64_t offsetForTime(const AudioIndex& index, double seconds, std::int64_t fileSize,
                           const LocalBytes& read) {
  try {
    return audio_index_detail::offsetFor(index, seconds, fileSize, read);
  } catch (...) {
    // The callback threw: the same answer without reading (the average rate, no resync).
    try {
      return audio_index_detail::offsetFor(index, seconds, fileSize, LocalBytes{});
    } catch (...) {
      return 0;
    }
  }
}

}  // namespace vozduxan
