// The time index (engine/audio_index.h) for the containers: Ogg Vorbis from sox checked against
// a plain page walk and soxi, Ogg Opus pages and M4A boxes built by hand (no encoder in the
// install deps writes them).
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "audio_test_support.h"
#include "engine/audio_index.h"

namespace vozduxan {
namespace {

using namespace audio_test;  // the time index tests' own helpers

struct OggPageView {
  std::int64_t at;
  std::uint64_t granule;
};

/// The pages of an Ogg file walked one after the other from the start (no sync search).
std::vector<OggPageView> oggPages(const Bytes& file) {
  std::vector<OggPageView> pages;
  std::size_t at = 0;
  while (at + 27 <= file.size() && std::equal(&file[at], &file[at] + 4, "OggS")) {
    std::uint64_t granule = 0;
    for (int i = 7; i >= 0; --i) granule = granule << 8 | file[at + 6 + i];
    const std::size_t segments = file[at + 26];
    std::size_t length = 27 + segments;
    for (std::size_t i = 0; i < segments; ++i) length += file[at + 27 + i];
    pages.push_back({static_cast<std::int64_t>(at), granule});
    at += length;
  }
  return pages;
}

constexpr std::size_t kOggHead = std::size_t{64} * 1024;

TEST_CASE("Ogg Vorbis from sox: last granule duration, bisected pages") {
  REQUIRE_TOOLS("sox", "soxi");
  TempDir dir;
  const Bytes ogg = encode(dir, "t.ogg", soxSine(20, "-C 3", "ogg"));
  REQUIRE(!ogg.empty());
  const auto pages = oggPages(ogg);
  REQUIRE(pages.size() > 10);
  const auto index = parseAudioIndex("audio/ogg", sizeOf(ogg), localReader(ogg));
  CHECK(index.format == AudioFormat::Ogg);
  CHECK(index.oggGranuleRate == 44'100);
  REQUIRE(index.durationSecs);
  CHECK(*index.durationSecs == doctest::Approx(soxiSeconds(dir, "t.ogg")).epsilon(1e-4));
  REQUIRE(index.bytesPerSecond);
  for (double t : {0.5, 3.0, 10.0, 17.7, 19.9}) {
    const auto target = static_cast<std::uint64_t>(t * 44'100);
    std::int64_t expected = index.audioStart;  // the last page ending before the target
    for (const auto& page : pages)
      if (page.at >= index.audioStart && page.granule < target) expected = page.at;
    CAPTURE(t);
    CHECK(offsetForTime(index, t, sizeOf(ogg), localReader(ogg)) == expected);
  }
  // Only the head local: no duration (the last page is not there), the offset an estimate.
  const auto partial = parseAudioIndex("audio/ogg", sizeOf(ogg), localReader(ogg, kOggHead));
  CHECK(partial.oggGranuleRate == 44'100);
  CHECK_FALSE(partial.durationSecs);
  CHECK(partial.tailFrom > sizeOf(ogg) - 200'000);
  CHECK(partial.tailFrom < sizeOf(ogg));
  CHECK(index.tailFrom == -1);
  const auto estimate = offsetForTime(partial, 15, sizeOf(ogg), localReader(ogg, kOggHead));
  CHECK(estimate > 0);
  CHECK(estimate < sizeOf(ogg));
}

// --- Ogg Opus: pages built by hand (sox writes no Opus) ---

std::uint32_t oggCrc(const Bytes& page) {
  std::uint32_t crc = 0;
  for (unsigned char byte : page) {
    crc ^= static_cast<std::uint32_t>(byte) << 24;
    for (int bit = 0; bit < 8; ++bit) crc = crc & 0x80000000u ? crc << 1 ^ 0x04c11db7u : crc << 1;
  }
  return crc;
}

/// One page of one packet (< 255 bytes) of stream 0x1234 with its checksum.
Bytes oggPage(std::uint64_t granule, std::uint32_t sequence, const Bytes& packet,
              unsigned char type) {
  Bytes page = {'O', 'g', 'g', 'S', 0, type};
  for (int i = 0; i < 8; ++i) page.push_back(static_cast<unsigned char>(granule >> (8 * i)));
  for (std::uint32_t v : {0x1234u, sequence, 0u})
    for (int i = 0; i < 4; ++i) page.push_back(static_cast<unsigned char>(v >> (8 * i)));
  page.push_back(1);
  page.push_back(static_cast<unsigned char>(packet.size()));
  page.insert(page.end(), packet.begin(), packet.end());
  const std::uint32_t crc = oggCrc(page);
  for (int i = 0; i < 4; ++i) page[22 + i] = static_cast<unsigned char>(crc >> (8 * i));
  return page;
}

TEST_CASE("Ogg Opus: 48 kHz granules less the pre-skip") {
  // OpusHead: version 1, 2 channels, pre-skip 312, input rate 44100 (not the granule rate).
  const Bytes head = {'O',  'p',  'u',  's',  'H', 'e', 'a', 'd', 1, 2,
                      0x38, 0x01, 0x44, 0xac, 0,   0,   0,   0,   0};
  Bytes file = oggPage(0, 0, head, 2);
  const Bytes tags =
      oggPage(0, 1, Bytes{'O', 'p', 'u', 's', 'T', 'a', 'g', 's', 0, 0, 0, 0, 0, 0, 0, 0}, 0);
  file.insert(file.end(), tags.begin(), tags.end());
  std::vector<std::pair<std::int64_t, std::uint64_t>> pages;  // (offset, granule)
  // 2000 pages of 20 ms: 40 s.
  for (std::uint32_t i = 1; i <= 2000; ++i) {
    const std::uint64_t granule = 312 + i * 960ULL;
    pages.emplace_back(static_cast<std::int64_t>(file.size()), granule);
    const Bytes page = oggPage(granule, i + 1, Bytes(100 + i % 50, static_cast<unsigned char>(i)),
                               i == 2000 ? 4 : 0);
    file.insert(file.end(), page.begin(), page.end());
  }
  const auto index = parseAudioIndex("audio/ogg", sizeOf(file), localReader(file));
  CHECK(index.oggGranuleRate == 48'000);
  CHECK(index.oggPreSkip == 312);
  CHECK(index.audioStart == pages.front().first);
  REQUIRE(index.durationSecs);
  CHECK(*index.durationSecs == doctest::Approx(40.0));
  for (double t : {0.001, 0.5, 7.77, 20.0, 39.99}) {
    const auto target = static_cast<std::uint64_t>(t * 48'000 + 312);
    std::int64_t expected = index.audioStart;
    for (const auto& [offset, granule] : pages)
      if (granule < target) expected = offset;
    CAPTURE(t);
    CHECK(offsetForTime(index, t, sizeOf(file), localReader(file)) == expected);
  }
  // A page whose checksum is wrong is not taken for one.
  Bytes broken = file;
  broken[static_cast<std::size_t>(pages[1000].first) + 30] ^= 1;
  const auto again = parseAudioIndex("audio/ogg", sizeOf(broken), localReader(broken));
  CHECK(offsetForTime(again, 20.01, sizeOf(broken), localReader(broken)) == pages[999].first);
}

// --- M4A: boxes built by hand (no encoder in the install deps writes MP4) ---

void put32(Bytes& out, std::uint64_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<unsigned char>(v >> (8 * i)));
}

Bytes box(const char* type, const Bytes& body) {
  Bytes out;
  put32(out, 8 + body.size());
  out.insert(out.end(), type, type + 4);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

Bytes fullBox(const char* type, std::initializer_list<std::uint64_t> words) {
  Bytes body;
  put32(body, 0);  // version 0, flags
  for (auto w : words) put32(body, w);
  return box(type, body);
}

std::uint64_t fourcc(const char* code) {
  std::uint64_t v = 0;
  for (int i = 0; i < 4; ++i) v = v << 8 | static_cast<unsigned char>(code[i]);
  return v;
}

/// An AAC-like track at 44.1 kHz: `chunks` chunks of 10 samples of 1024 ticks and chunkBytes,
/// after a video-like track that must be skipped. chunkBase: the offset of the first chunk.
Bytes moovBox(int chunks, std::uint64_t chunkBase, std::uint64_t chunkBytes) {
  const auto track = [&](const char* handler, std::uint64_t base) {
    Bytes stco;
    put32(stco, 0);
    put32(stco, static_cast<std::uint64_t>(chunks));
    for (int c = 0; c < chunks; ++c) put32(stco, base + static_cast<std::uint64_t>(c) * chunkBytes);
    const std::uint64_t samples = static_cast<std::uint64_t>(chunks) * 10;
    const Bytes stbl =
        box("stbl", concat({fullBox("stts", {1, samples, 1024}), fullBox("stsc", {1, 1, 10, 1}),
                            fullBox("stsz", {chunkBytes / 10, samples}), box("stco", stco)}));
    return box("trak", box("mdia", concat({fullBox("mdhd", {0, 0, 44'100, samples * 1024, 0}),
                                           fullBox("hdlr", {0, fourcc(handler), 0, 0, 0}),
                                           box("minf", stbl)})));
  };
  return box("moov", concat({fullBox("mvhd", {0, 0, 1000, 0}), track("vide", 0),
                             track("soun", chunkBase)}));
}

Bytes m4a(int chunks, bool moovFirst, std::uint64_t chunkBytes = 3000) {
  const Bytes ftyp = box("ftyp", Bytes{'M', '4', 'A', ' ', 0, 0, 0, 0});
  const Bytes payload(static_cast<std::size_t>(chunks * chunkBytes), 0xab);
  const Bytes sizing = moovBox(chunks, 0, chunkBytes);  // same size whatever the base
  const std::uint64_t base =
      ftyp.size() + (moovFirst ? sizing.size() : 0) + 8;  // past the mdat header
  const Bytes moov = moovBox(chunks, base, chunkBytes);
  const Bytes mdat = box("mdat", payload);
  return moovFirst ? concat({ftyp, moov, mdat}) : concat({ftyp, mdat, moov});
}

TEST_CASE("M4A: mdhd duration, the chunk holding the sample at a time (moov first or last)") {
  for (bool moovFirst : {true, false}) {
    CAPTURE(moovFirst);
    const Bytes file = m4a(200, moovFirst);  // 200 chunks of 10 x 1024 samples: 46.4 s
    const auto index = parseAudioIndex("audio/mp4", sizeOf(file), localReader(file));
    CHECK(index.format == AudioFormat::M4a);
    REQUIRE(index.durationSecs);
    CHECK(*index.durationSecs == doctest::Approx(2000.0 * 1024 / 44'100));
    REQUIRE(index.bytesPerSecond);
    CHECK(*index.bytesPerSecond == doctest::Approx(600'000 / *index.durationSecs));
    CHECK(index.seekPoints.size() == 200);
    CHECK(index.tailFrom == -1);
    const std::int64_t base = index.audioStart;
    const double chunkSeconds = 10.0 * 1024 / 44'100;
    CHECK(offsetForTime(index, 0.01, sizeOf(file), localReader(file)) == base);
    CHECK(offsetForTime(index, 7.5 * chunkSeconds, sizeOf(file), localReader(file)) ==
          base + std::int64_t{7} * 3000);
    CHECK(offsetForTime(index, 123 * chunkSeconds + 1e-9, sizeOf(file), localReader(file)) ==
          base + std::int64_t{123} * 3000);
    CHECK(offsetForTime(index, 1e6, sizeOf(file), localReader(file)) ==
          base + std::int64_t{199} * 3000);
  }
  // moov at the tail and not local: the box walk stops, only the mime's typical rate is left.
  const Bytes tail = m4a(50, false);
  const auto index = parseAudioIndex("audio/x-m4a", sizeOf(tail), localReader(tail, 4096));
  CHECK(index.format == AudioFormat::M4a);
  CHECK_FALSE(index.durationSecs);
  // Where the moov starts: the end of the mdat. With it local, the index is whole.
  const std::int64_t moovAt = sizeOf(tail) - sizeOf(moovBox(50, 0, 3000));
  CHECK(index.tailFrom == moovAt);
  const auto whole =
      parseAudioIndex("audio/x-m4a", sizeOf(tail), [&](std::int64_t at, std::size_t n) {
        return at >= moovAt ? localReader(tail)(at, n) : localReader(tail, 4096)(at, n);
      });
  CHECK(whole.seekPoints.size() == 50);
  CHECK(whole.tailFrom == -1);
  const auto offset = offsetForTime(index, 1.0, sizeOf(tail), localReader(tail, 4096));
  CHECK(offset >= 0);
  CHECK(offset < sizeOf(tail));
}

TEST_CASE("M4A: many chunks are thinned to kMaxSeekPoints, evenly") {
  const Bytes file = m4a(70'000, true, 20);
  const auto index = parseAudioIndex("audio/mp4", sizeOf(file), localReader(file));
  CHECK(index.seekPoints.size() == 35'000);
  const double chunkSeconds = 10.0 * 1024 / 44'100;
  CHECK(offsetForTime(index, 1001 * chunkSeconds, sizeOf(file), localReader(file)) ==
        index.audioStart + std::int64_t{1000} * 20);
}

}  // namespace
}  // namespace vozduxan
