// Byte rates read from audio headers (engine/audio_header.h): WAV's fmt chunk, FLAC's STREAMINFO.
#include "engine/audio_header.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vozduxan {
namespace {

using Bytes = std::vector<unsigned char>;

void append(Bytes& out, const std::string& text) {
  out.insert(out.end(), text.begin(), text.end());
}

void appendLe(Bytes& out, std::uint32_t value, int width) {
  for (int i = 0; i < width; ++i) out.push_back(static_cast<unsigned char>(value >> (8 * i)));
}

void appendChunk(Bytes& out, const std::string& id, const Bytes& body) {
  append(out, id);
  appendLe(out, static_cast<std::uint32_t>(body.size()), 4);
  out.insert(out.end(), body.begin(), body.end());
  if (body.size() % 2) out.push_back(0);  // RIFF pads chunks to even sizes
}

Bytes fmtBody(std::uint32_t byteRate, std::uint32_t size = 16) {
  Bytes body;
  appendLe(body, 1, 2);       // PCM
  appendLe(body, 2, 2);       // channels
  appendLe(body, 44'100, 4);  // sample rate
  appendLe(body, byteRate, 4);
  appendLe(body, 4, 2);   // block align
  appendLe(body, 16, 2);  // bits per sample
  body.resize(size);
  return body;
}

Bytes wav(std::initializer_list<std::pair<std::string, Bytes>> chunks) {
  Bytes out;
  append(out, "RIFF");
  appendLe(out, 0, 4);  // the RIFF size is not read
  append(out, "WAVE");
  for (const auto& [id, body] : chunks) appendChunk(out, id, body);
  return out;
}

std::optional<double> rateOf(const Bytes& head, std::int64_t fileSize = 1'000'000) {
  return headerBytesPerSecond(head.data(), head.size(), fileSize);
}

/// -1 for no rate, so a failed check prints a number.
double rate(const Bytes& head, std::int64_t fileSize = 1'000'000) {
  return rateOf(head, fileSize).value_or(-1);
}

/// "fLaC" and a STREAMINFO block: sample rate (20 bits), channels - 1 (3), bits - 1 (5) and
/// total samples (36) packed from its byte 10 on.
Bytes flac(std::uint32_t sampleRate, std::uint64_t totalSamples, unsigned char blockType = 0x80) {
  Bytes out;
  append(out, "fLaC");
  out.push_back(blockType);  // last-block flag | type 0 (STREAMINFO)
  appendLe(out, 0, 1);
  out.push_back(0);
  out.push_back(34);
  Bytes info(34, 0);
  const unsigned channels = 2 - 1;
  const unsigned bits = 16 - 1;
  info[10] = static_cast<unsigned char>(sampleRate >> 12);
  info[11] = static_cast<unsigned char>(sampleRate >> 4);
  info[12] = static_cast<unsigned char>((sampleRate & 0xf) << 4 | channels << 1 | bits >> 4);
  info[13] = static_cast<unsigned char>((bits & 0xf) << 4 | (totalSamples >> 32 & 0xf));
  for (int i = 0; i < 4; ++i)
    info[14 + i] = static_cast<unsigned char>(totalSamples >> (8 * (3 - i)));
  out.insert(out.end(), info.begin(), info.end());
  return out;
}

TEST_CASE("WAV: the fmt chunk's byte rate") {
  CHECK(rate(wav({{"fmt ", fmtBody(176'400)}})) == 176'400);
  // Chunks before fmt are skipped, odd sizes padded.
  CHECK(rate(wav({{"LIST", Bytes(7, 'x')}, {"fmt ", fmtBody(88'200)}})) == 88'200);
  // A longer fmt (WAVE_FORMAT_EXTENSIBLE) reads the same.
  CHECK(rate(wav({{"fmt ", fmtBody(192'000, 40)}})) == 192'000);
}

TEST_CASE("WAV: no usable fmt chunk, no rate") {
  CHECK_FALSE(rateOf(wav({{"fmt ", fmtBody(0)}})));
  CHECK_FALSE(rateOf(wav({{"fmt ", fmtBody(176'400, 14)}})));
  CHECK_FALSE(rateOf(wav({{"data", Bytes(100, 0)}})));
  Bytes cut = wav({{"fmt ", fmtBody(176'400)}});
  cut.resize(30);  // the byte rate is past the head
  CHECK_FALSE(rateOf(cut));
  Bytes notWave = wav({{"fmt ", fmtBody(176'400)}});
  notWave[8] = 'A';  // "AAVE"
  CHECK_FALSE(rateOf(notWave));
}

TEST_CASE("FLAC: the file size over STREAMINFO's duration") {
  // 441000 samples at 44.1 kHz: 10 s; a 1 MB file is 100 kB/s.
  CHECK(rate(flac(44'100, 441'000)) == doctest::Approx(100'000));
  // 96 kHz, and a sample count above 32 bits.
  const std::uint64_t samples = (1ULL << 32) + 96'000ULL * 100;
  CHECK(rate(flac(96'000, samples), 5'000'000'000) ==
        doctest::Approx(5e9 / (static_cast<double>(samples) / 96'000)));
  // The not-last-block flag does not matter.
  CHECK(rate(flac(44'100, 441'000, 0x00)) == doctest::Approx(100'000));
}

TEST_CASE("FLAC: no STREAMINFO first, or nothing in it, no rate") {
  CHECK_FALSE(rateOf(flac(44'100, 441'000, 0x84)));  // a VORBIS_COMMENT block first
  CHECK_FALSE(rateOf(flac(0, 441'000)));
  CHECK_FALSE(rateOf(flac(44'100, 0)));  // unknown length
  Bytes cut = flac(44'100, 441'000);
  cut.resize(20);
  CHECK_FALSE(rateOf(cut));
}

TEST_CASE("other formats and short heads: no rate") {
  Bytes id3;
  append(id3, "ID3\x04");
  id3.resize(64, 0);
  CHECK_FALSE(rateOf(id3));
  CHECK_FALSE(rateOf(Bytes{}));
  CHECK_FALSE(headerBytesPerSecond(nullptr, 0, 1000));
}

}  // namespace
}  // namespace vozduxan
