// MP3 (MPEG-1/2/2.5 audio, layers I-III): skip ID3v2, find the first frame, read a Xing/Info or
// VBRI table of contents, else take the stream as CBR from the first frame's bitrate.
#include <algorithm>
#include <cmath>

#include "engine/audio_index_detail.h"

namespace vozduxan::audio_index_detail {
namespace {

struct Mp3Frame {
  int version = 0;  // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
  int layer = 0;    // 1..3
  bool mono = false;
  std::uint32_t bitrate = 0;  // bits per second
  std::uint32_t sampleRate = 0;
  std::uint32_t samplesPerFrame = 0;
  std::uint32_t length = 0;  // bytes, header included
};

/// Bits a frame shares with every other frame of its stream: sync, version, layer, sample rate.
constexpr std::uint32_t kStreamMask = 0xfffe0c00;

std::optional<Mp3Frame> decodeHeader(std::uint32_t header) {
  if ((header & 0xffe00000) != 0xffe00000) return std::nullopt;
  Mp3Frame frame;
  frame.version = static_cast<int>(header >> 19 & 3);
  const auto layerBits = static_cast<int>(header >> 17 & 3);
  const auto bitrateIndex = static_cast<int>(header >> 12 & 15);
  const auto rateIndex = static_cast<int>(header >> 10 & 3);
  if (frame.version == 1 || layerBits == 0 || bitrateIndex == 0 || bitrateIndex == 15 ||
      rateIndex == 3)
    return std::nullopt;  // reserved, or free format (no length from the header)
  frame.layer = 4 - layerBits;
  frame.mono = (header >> 6 & 3) == 3;
  static constexpr std::uint16_t kBitrates[5][15] = {
      {0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448},  // V1 L1
      {0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},     // V1 L2
      {0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320},      // V1 L3
      {0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256},     // V2 L1
      {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},          // V2 L2/L3
  };
  const bool v1 = frame.version == 3;
  const int row = v1 ? frame.layer - 1 : (frame.layer == 1 ? 3 : 4);
  frame.bitrate = kBitrates[row][bitrateIndex] * 1000u;
  static constexpr std::uint32_t kRates[3] = {44'100, 48'000, 32'000};
  frame.sampleRate = kRates[rateIndex] >> (v1 ? 0 : frame.version == 2 ? 1 : 2);
  const std::uint32_t padding = header >> 9 & 1;
  if (frame.layer == 1) {
    frame.samplesPerFrame = 384;
    frame.length = (12 * frame.bitrate / frame.sampleRate + padding) * 4;
  } else {
    frame.samplesPerFrame = frame.layer == 3 && !v1 ? 576 : 1152;
    frame.length = frame.samplesPerFrame / 8 * frame.bitrate / frame.sampleRate + padding;
  }
  return frame;
}

/// The largest frame (layer II, 384 kbit/s at 32 kHz, padded) plus a header.
constexpr std::size_t kMaxFrame = 1730 + 4;

/// The first position in [0, scan) of `bytes` holding a frame of the stream `reference` (any
/// stream when 0) that is followed by a second one, so a stray 0xFFE in the data is not taken.
std::optional<std::size_t> findFrame(ByteView bytes, std::size_t scan, std::uint32_t reference) {
  for (std::size_t at = 0; at < scan && bytes.has(at, 4); ++at) {
    if (bytes[at] != 0xff) continue;
    const auto header = static_cast<std::uint32_t>(bytes.be(at, 4));
    if (reference != 0 && (header & kStreamMask) != (reference & kStreamMask)) continue;
    const auto frame = decodeHeader(header);
    if (!frame) continue;
    const std::size_t next = at + frame->length;
    // At the end of the file there is no second frame to check.
    if (!bytes.has(next, 4)) {
      if (next >= bytes.size()) return at;
      continue;
    }
    if ((bytes.be(next, 4) & kStreamMask) == (header & kStreamMask)) return at;
  }
  return std::nullopt;
}

constexpr std::size_t kScan = std::size_t{64} * 1024;

/// Xing/Info (LAME, most VBR encoders): frames, bytes and a 100-entry table of contents.
bool readXing(AudioIndex& index, ByteView frame, const Mp3Frame& header, std::int64_t payload) {
  const std::size_t sideInfo =
      header.version == 3 ? (header.mono ? 17 : 32) : (header.mono ? 9 : 17);
  std::size_t at = 4 + sideInfo;
  if (!frame.matches(at, "Xing", 4) && !frame.matches(at, "Info", 4)) return false;
  const std::uint64_t flags = frame.be(at + 4, 4);
  at += 8;
  std::uint64_t frames = 0;
  std::uint64_t bytes = 0;
  if (flags & 1) {
    frames = frame.be(at, 4);
    at += 4;
  }
  if (flags & 2) {
    bytes = frame.be(at, 4);
    at += 4;
  }
  if (frames == 0) return false;  // no duration: the bitrate of the first frame is a guess
  if (bytes == 0 || bytes > static_cast<std::uint64_t>(payload)) bytes = payload;
  index.durationSecs = static_cast<double>(frames) * header.samplesPerFrame / header.sampleRate;
  index.bytesPerSecond = averageRate(static_cast<std::int64_t>(bytes), index.durationSecs);
  if ((flags & 4) && frame.has(at, 100)) {
    const double seconds = *index.durationSecs;
    for (int i = 0; i < 100; ++i) {
      addSeekPoint(index.seekPoints, seconds * i / 100,
                   index.audioStart + static_cast<std::int64_t>(frame[at + i] * bytes / 256));
    }
    addSeekPoint(index.seekPoints, seconds, index.audioStart + static_cast<std::int64_t>(bytes));
    index.interpolateSeekPoints = true;
  }
  return true;
}

/// VBRI (Fraunhofer): bytes, frames and a table of byte counts per group of frames.
bool readVbri(AudioIndex& index, ByteView frame, const Mp3Frame& header, std::int64_t payload) {
  constexpr std::size_t at = 4 + 32;
  if (!frame.matches(at, "VBRI", 4) || !frame.has(at, 26)) return false;
  std::uint64_t bytes = frame.be(at + 10, 4);
  const std::uint64_t frames = frame.be(at + 14, 4);
  const std::uint64_t entries = frame.be(at + 18, 2);
  const std::uint64_t scale = frame.be(at + 20, 2);
  const int entrySize = static_cast<int>(frame.be(at + 22, 2));
  const std::uint64_t framesPerEntry = frame.be(at + 24, 2);
  if (frames == 0) return false;
  if (bytes == 0 || bytes > static_cast<std::uint64_t>(payload)) bytes = payload;
  index.durationSecs = static_cast<double>(frames) * header.samplesPerFrame / header.sampleRate;
  index.bytesPerSecond = averageRate(static_cast<std::int64_t>(bytes), index.durationSecs);
  if (entrySize < 1 || entrySize > 4 || framesPerEntry == 0) return true;
  const double secondsPerEntry =
      static_cast<double>(framesPerEntry) * header.samplesPerFrame / header.sampleRate;
  std::int64_t offset = index.audioStart;
  addSeekPoint(index.seekPoints, 0, offset);
  for (std::uint64_t i = 0; i < entries; ++i) {
    std::uint64_t size = 0;
    if (!frame.be(at + 26 + i * entrySize, entrySize, size)) break;
    offset += static_cast<std::int64_t>(size * std::max<std::uint64_t>(scale, 1));
    if (offset - index.audioStart > payload) break;
    addSeekPoint(index.seekPoints, secondsPerEntry * static_cast<double>(i + 1), offset);
  }
  index.interpolateSeekPoints = true;
  return true;
}

}  // namespace

void parseMp3(AudioIndex& index, LocalFile& file) {
  const std::uint64_t id3 = id3v2Size(file.head());
  if (id3 >= static_cast<std::uint64_t>(file.size())) return;
  // A large cover picture can push the first frame past the head: read it where it is.
  const auto from = static_cast<std::int64_t>(id3);
  const ByteView scan = file.bytes(from, kScan + kMaxFrame);
  const auto first = findFrame(scan, kScan, 0);
  if (!first) return;
  const auto headerBits = static_cast<std::uint32_t>(scan.be(*first, 4));
  const auto header = decodeHeader(headerBits);
  if (!header) return;
  index.mp3Header = headerBits;
  index.audioStart = from + static_cast<std::int64_t>(*first);
  index.audioEnd = file.size();
  const ByteView tag = file.bytes(file.size() - 128, 3);
  if (tag.matches(0, "TAG", 3) && file.size() - 128 > index.audioStart)
    index.audioEnd = file.size() - 128;  // ID3v1
  const std::int64_t payload = index.audioEnd - index.audioStart;
  const ByteView frame = file.bytes(index.audioStart, kMaxFrame);
  if (readXing(index, frame, *header, payload) || readVbri(index, frame, *header, payload)) return;
  index.bytesPerSecond = header->bitrate / 8.0;
  index.durationSecs = static_cast<double>(payload) / *index.bytesPerSecond;
}

std::optional<std::int64_t> mp3NextFrame(const AudioIndex& index, LocalFile& file,
                                         std::int64_t offset) {
  if (index.mp3Header == 0) return std::nullopt;
  constexpr std::size_t kResync = std::size_t{8} * 1024;
  const ByteView bytes = file.bytes(offset, kResync + kMaxFrame);
  const auto at = findFrame(bytes, kResync, index.mp3Header);
  if (!at) return std::nullopt;
  return offset + static_cast<std::int64_t>(*at);
}

}  // namespace vozduxan::audio_index_detail
