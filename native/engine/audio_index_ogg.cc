// Ogg (Vorbis, Opus): the granule rate from the identification header, the duration from the last
// page's granule position (when the tail is local), and seeks by bisecting pages that are local.
#include <algorithm>
#include <array>
#include <limits>

#include "engine/audio_index_detail.h"

namespace vozduxan::audio_index_detail {
namespace {

constexpr std::size_t kMaxPage = 27 + 255 + 255 * 255;
constexpr std::uint64_t kNoGranule = ~std::uint64_t{0};  // no packet ends on the page

struct OggPage {
  std::size_t at = 0;  // in the buffer it was found in
  std::size_t length = 0;
  std::uint64_t granule = 0;
  std::uint32_t serial = 0;
  std::size_t bodyAt = 0;
};

[[maybe_unused]] std::uint32_t oggCrc(ByteView bytes, std::size_t at, std::size_t length) {
  // CRC-32, polynomial 0x04c11db7, not reflected, initial 0; the checksum field counts as zeros.
  static const std::array<std::uint32_t, 256> table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t r = i << 24;
      for (int bit = 0; bit < 8; ++bit) r = r & 0x80000000u ? r << 1 ^ 0x04c11db7u : r << 1;
      t[i] = r;
    }
    return t;
  }();
  std::uint32_t crc = 0;
  for (std::size_t i = 0; i < length; ++i) {
    const unsigned char byte = i >= 22 && i < 26 ? 0 : bytes[at + i];
    crc = crc << 8 ^ table[(crc >> 24 ^ byte) & 0xff];
  }
  return crc;
}

/// The page starting at `at` when it is whole in `bytes` and its checksum holds; checksums
/// spend `budget` (none when it is spent).
std::optional<OggPage> pageAt(ByteView bytes, std::size_t at, std::size_t& budget) {
  if (!bytes.matches(at, "OggS", 4) || !bytes.has(at, 27) || bytes[at + 4] != 0)
    return std::nullopt;
  const std::size_t segments = bytes[at + 26];
  if (!bytes.has(at + 27, segments)) return std::nullopt;
  std::size_t length = 27 + segments;
  for (std::size_t i = 0; i < segments; ++i) length += bytes[at + 27 + i];
  if (!bytes.has(at, length) || length > budget) return std::nullopt;
  budget -= length;
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION  // else mutated pages would never get past here
  if (oggCrc(bytes, at, length) != static_cast<std::uint32_t>(bytes.le(at + 22, 4)))
    return std::nullopt;
#endif
  return OggPage{at, length, bytes.le(at + 6, 8), static_cast<std::uint32_t>(bytes.le(at + 14, 4)),
                 at + 27 + segments};
}

/// Checksum bytes one search may spend: "OggS" every few bytes with long claimed pages would
/// otherwise cost a checksum of up to 64 KiB per byte of the window.
constexpr std::size_t kCrcBudget = std::size_t{1024} * 1024;

/// The next page of `serial` whose granule is set, at or after `from` in `bytes`.
std::optional<OggPage> nextPage(ByteView bytes, std::size_t from, std::uint32_t serial) {
  std::size_t budget = kCrcBudget;
  for (std::size_t at = from; bytes.has(at, 27); ++at) {
    if (bytes[at] != 'O') continue;
    const auto page = pageAt(bytes, at, budget);
    if (!page) continue;
    if (page->serial == serial && page->granule != kNoGranule) return page;
    at += page->length - 1;
  }
  return std::nullopt;
}

}  // namespace

void parseOgg(AudioIndex& index, LocalFile& file) {
  const ByteView head = file.head();
  std::size_t budget = kCrcBudget;
  const auto first = pageAt(head, 0, budget);
  if (!first) return;
  const std::size_t body = first->bodyAt;
  if (head.matches(body, "\x01vorbis", 7) && head.has(body, 16)) {
    index.oggGranuleRate = static_cast<std::uint32_t>(head.le(body + 12, 4));
  } else if (head.matches(body, "OpusHead", 8) && head.has(body, 12)) {
    index.oggGranuleRate = 48'000;  // Opus granules count 48 kHz samples whatever the input rate
    index.oggPreSkip = head.le(body + 10, 2);
  } else {
    return;
  }
  if (index.oggGranuleRate == 0) return;
  index.oggSerial = first->serial;
  // Audio starts at the first page past the headers, the first with a granule above 0.
  index.audioStart = static_cast<std::int64_t>(first->length);
  for (auto page = nextPage(head, first->length, index.oggSerial); page;
       page = nextPage(head, page->at + page->length, index.oggSerial)) {
    if (page->granule > 0) {
      index.audioStart = static_cast<std::int64_t>(page->at);
      break;
    }
  }
  index.audioEnd = file.size();
  // The duration: the last page of the stream in the tail, when the tail is local.
  const std::int64_t tailAt = std::max<std::int64_t>(
      index.audioStart, file.size() - static_cast<std::int64_t>(2 * kMaxPage));
  const auto tailLength = static_cast<std::size_t>(file.size() - tailAt);
  const ByteView tail = file.bytes(tailAt, tailLength);
  if (tail.size() != tailLength) {  // a local prefix of the tail may miss the last page
    index.tailFrom = tailAt;
    return;
  }
  std::optional<OggPage> last;
  for (auto page = nextPage(tail, 0, index.oggSerial); page;
       page = nextPage(tail, page->at + page->length, index.oggSerial))
    last = page;
  if (!last || last->granule <= index.oggPreSkip) return;
  index.durationSecs = static_cast<double>(last->granule - index.oggPreSkip) / index.oggGranuleRate;
  index.bytesPerSecond = averageRate(index.audioEnd - index.audioStart, index.durationSecs);
}

std::optional<std::int64_t> oggOffsetForTime(const AudioIndex& index, LocalFile& file,
                                             double seconds, std::int64_t estimate) {
  if (index.oggGranuleRate == 0) return std::nullopt;
  const double targetGranule =
      seconds * index.oggGranuleRate + static_cast<double>(index.oggPreSkip);
  if (!(targetGranule < 1.8e19)) return std::nullopt;  // beyond any granule: the estimate
  const auto target = static_cast<std::uint64_t>(targetGranule);
  // Invariant: `best` is a page start before the target (or the audio start), and the last page
  // before the target starts in [best, hi).
  std::int64_t best = index.audioStart;
  std::int64_t hi = index.audioEnd > best ? index.audioEnd : file.size();
  constexpr std::int64_t kLinear = std::int64_t{64} * 1024;
  const auto within = [&](std::int64_t offset) { return std::clamp(offset, best, hi - 1); };
  for (int step = 0; step < 40 && hi - best > kLinear; ++step) {  // 2^40 bytes
    const std::int64_t mid = best + (hi - best) / 2;
    const ByteView bytes = file.bytes(mid, kMaxPage * 2);
    const auto page = nextPage(bytes, 0, index.oggSerial);
    if (!page) {
      // Whole window local and no page in it: a gap with nothing to seek to; else not local.
      if (bytes.size() < kMaxPage * 2 && mid + static_cast<std::int64_t>(bytes.size()) < hi)
        return within(estimate);
      hi = mid;
      continue;
    }
    const std::int64_t pageStart = mid + static_cast<std::int64_t>(page->at);
    if (pageStart < hi && page->granule < target) {
      best = pageStart;
    } else {
      hi = mid;  // the last page before the target starts before mid
    }
  }
  // The last stretch page by page.
  const std::int64_t base = best;
  const ByteView bytes = file.bytes(base, static_cast<std::size_t>(hi - base) + kMaxPage);
  for (auto page = nextPage(bytes, 0, index.oggSerial); page;
       page = nextPage(bytes, page->at + page->length, index.oggSerial)) {
    const std::int64_t pageStart = base + static_cast<std::int64_t>(page->at);
    if (pageStart >= hi || page->granule >= target) break;
    best = pageStart;
  }
  return best;
}

}  // namespace vozduxan::audio_index_detail
