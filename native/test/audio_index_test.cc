// The time index (engine/audio_index.h) for WAV, FLAC and MP3 against files made by real
// encoders at test time (sox, flac), checked against what independent tools say (soxi durations,
// metaflac's seek points and block lengths), and hostile inputs for every format.
#include "engine/audio_index.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "audio_test_support.h"

namespace vozduxan {
namespace {

using namespace audio_test;  // the time index tests' own helpers

TEST_CASE("WAV from sox: fmt byte rate, data chunk, offsets on sample frames") {
  REQUIRE_TOOLS("sox");
  TempDir dir;
  const Bytes wav = encode(dir, "t.wav", soxSine(10, "", "wav"));
  REQUIRE(!wav.empty());
  const auto index = parseAudioIndex("audio/wav", sizeOf(wav), localReader(wav));
  CHECK(index.format == AudioFormat::Wav);
  REQUIRE(index.bytesPerSecond);
  CHECK(*index.bytesPerSecond == 176'400);
  REQUIRE(index.durationSecs);
  CHECK(*index.durationSecs == doctest::Approx(10.0));
  // The data chunk as a plain search finds it.
  const std::string text(wav.begin(), wav.begin() + 200);
  const auto dataStart = static_cast<std::int64_t>(text.find("data") + 8);
  CHECK(index.audioStart == dataStart);
  const auto offset = offsetForTime(index, 2.5, sizeOf(wav), localReader(wav));
  CHECK(offset == dataStart + 441'000);
  // 1/3 s is not a whole number of 4-byte frames: rounded down onto one.
  const auto third = offsetForTime(index, 1.0 / 3, sizeOf(wav), localReader(wav));
  CHECK((third - dataStart) % 4 == 0);
  CHECK(third == dataStart + 58'800);
  CHECK(offsetForTime(index, 0, sizeOf(wav), localReader(wav)) == 0);
  CHECK(offsetForTime(index, 1e9, sizeOf(wav), localReader(wav)) < sizeOf(wav));
}

/// metaflac's view of a FLAC file: the first frame's offset (after all metadata blocks) and the
/// seek points (sample, offset from the first frame).
struct MetaflacView {
  std::int64_t firstFrame = 4;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> points;
};

MetaflacView metaflac(const std::string& path) {
  MetaflacView view;
  std::istringstream lines(output("metaflac --list " + path));
  std::string line;
  while (std::getline(lines, line)) {
    unsigned long long sample = 0, offset = 0, length = 0;
    if (std::sscanf(line.c_str(), "  length: %llu", &length) == 1)
      view.firstFrame += 4 + static_cast<std::int64_t>(length);
    else if (std::sscanf(line.c_str(), "    point %*d: sample_number=%llu, stream_offset=%llu",
                         &sample, &offset) == 2)
      view.points.emplace_back(sample, offset);
  }
  return view;
}

bool isFlacFrame(const Bytes& file, std::int64_t at) {
  return at >= 0 && static_cast<std::size_t>(at) + 1 < file.size() && file[at] == 0xff &&
         (file[at + 1] & 0xfe) == 0xf8;
}

TEST_CASE("FLAC from flac: STREAMINFO duration, the seektable point at or before the time") {
  REQUIRE_TOOLS("sox", "flac", "metaflac", "soxi");
  TempDir dir;
  REQUIRE(!encode(dir, "t.wav", soxSine(20, "", "wav")).empty());
  const Bytes flac = encode(dir, "t.flac", "flac -s -f --seekpoint=1s -o OUT " + dir.file("t.wav"));
  REQUIRE(!flac.empty());
  const MetaflacView view = metaflac(dir.file("t.flac"));
  REQUIRE(view.points.size() >= 10);
  const auto index = parseAudioIndex("audio/flac", sizeOf(flac), localReader(flac));
  CHECK(index.format == AudioFormat::Flac);
  CHECK(index.audioStart == view.firstFrame);
  REQUIRE(index.durationSecs);
  CHECK(*index.durationSecs == doctest::Approx(soxiSeconds(dir, "t.flac")).epsilon(1e-6));
  REQUIRE(index.bytesPerSecond);
  CHECK(*index.bytesPerSecond ==
        doctest::Approx((flac.size() - view.firstFrame) / *index.durationSecs));
  CHECK(index.seekPoints.size() == view.points.size());
  for (double t : {0.1, 1.0, 5.3, 12.75, 19.9, 30.0}) {
    const auto target = static_cast<std::uint64_t>(t * 44'100);
    std::uint64_t expected = 0;
    for (const auto& [sample, offset] : view.points)
      if (sample <= target) expected = offset;
    const auto offset = offsetForTime(index, t, sizeOf(flac), localReader(flac));
    CAPTURE(t);
    CHECK(offset == view.firstFrame + static_cast<std::int64_t>(expected));
    CHECK(isFlacFrame(flac, offset));
  }
}

TEST_CASE("FLAC without a seektable: proportional over the frames") {
  REQUIRE_TOOLS("sox", "flac");
  TempDir dir;
  REQUIRE(!encode(dir, "t.wav", soxSine(10, "", "wav")).empty());
  const Bytes flac = encode(dir, "t.flac", "flac -s -f --no-seektable -o OUT " + dir.file("t.wav"));
  REQUIRE(!flac.empty());
  const auto index = parseAudioIndex("audio/flac", sizeOf(flac), localReader(flac));
  CHECK(index.seekPoints.empty());
  REQUIRE(index.durationSecs);
  CHECK(*index.durationSecs == doctest::Approx(10.0));
  const auto half = offsetForTime(index, 5.0, sizeOf(flac), localReader(flac));
  CHECK(half ==
        doctest::Approx(index.audioStart + (sizeOf(flac) - index.audioStart) / 2.0).epsilon(1e-3));
}

bool isMp3Frame(const Bytes& file, std::int64_t at) {
  return at >= 0 && static_cast<std::size_t>(at) + 1 < file.size() && file[at] == 0xff &&
         (file[at + 1] & 0xe0) == 0xe0;
}

/// Offsets for times across the file land on frames and never go back.
void checkMp3Seeks(const AudioIndex& index, const Bytes& mp3, double seconds) {
  std::int64_t previous = 0;
  for (double t = 0.25; t < seconds; t += 0.25) {
    const auto offset = offsetForTime(index, t, sizeOf(mp3), localReader(mp3));
    CAPTURE(t);
    CHECK(isMp3Frame(mp3, offset));
    CHECK(offset >= previous);
    previous = offset;
  }
  const auto middle = offsetForTime(index, seconds / 2, sizeOf(mp3), localReader(mp3));
  CHECK(middle > sizeOf(mp3) * 3 / 10);
  CHECK(middle < sizeOf(mp3) * 7 / 10);
}

constexpr double kMp3Frame = 1152.0 / 44'100;

/// An MP3 from sox (LAME), empty (with a message) where sox lacks libsox-fmt-mp3.
Bytes encodeMp3(const TempDir& dir, const std::string& name, double seconds,
                const std::string& options, int rate = 44'100) {
  Bytes mp3 = encode(dir, name, soxSine(seconds, options, "mp3", rate));
  if (mp3.empty()) MESSAGE("skipped: sox cannot write MP3 (libsox-fmt-mp3)");
  return mp3;
}

TEST_CASE("MP3 VBR from sox (LAME): Xing frames and table of contents") {
  REQUIRE_TOOLS("sox", "soxi");
  TempDir dir;
  const Bytes mp3 = encodeMp3(dir, "v.mp3", 20, "-C -4.2");
  if (mp3.empty()) return;
  const auto index = parseAudioIndex("audio/mpeg", sizeOf(mp3), localReader(mp3));
  CHECK(index.format == AudioFormat::Mp3);
  CHECK(index.interpolateSeekPoints);
  CHECK(index.seekPoints.size() > 50);
  REQUIRE(index.durationSecs);
  CHECK(std::abs(*index.durationSecs - soxiSeconds(dir, "v.mp3")) <= kMp3Frame);
  REQUIRE(index.bytesPerSecond);
  CHECK(*index.bytesPerSecond == doctest::Approx(mp3.size() / *index.durationSecs).epsilon(0.02));
  checkMp3Seeks(index, mp3, 20);
  // Without the bytes at the target (only the head local) the table's offset stands as is.
  const auto unsynced = offsetForTime(index, 10, sizeOf(mp3), localReader(mp3, 4096));
  CHECK(unsynced > 0);
  CHECK(unsynced < sizeOf(mp3));
}

TEST_CASE("MP3 CBR from sox: the frame header's bitrate (MPEG-1, -2 and -2.5)") {
  REQUIRE_TOOLS("sox", "soxi");
  struct Case {
    int rate;
    int kbps;
    double frameSeconds;
  };
  for (const Case c : {Case{44'100, 128, kMp3Frame}, Case{22'050, 64, 576.0 / 22'050},
                       Case{11'025, 32, 576.0 / 11'025}}) {
    CAPTURE(c.rate);
    TempDir dir;
    const Bytes mp3 = encodeMp3(dir, "c.mp3", 12, "-C " + std::to_string(c.kbps), c.rate);
    if (mp3.empty()) return;
    const auto index = parseAudioIndex("audio/mpeg", sizeOf(mp3), localReader(mp3));
    REQUIRE(index.durationSecs);
    CHECK(std::abs(*index.durationSecs - soxiSeconds(dir, "c.mp3")) <= c.frameSeconds);
    REQUIRE(index.bytesPerSecond);
    CHECK(*index.bytesPerSecond == doctest::Approx(c.kbps * 125).epsilon(0.01));
    checkMp3Seeks(index, mp3, 12);
  }
}

TEST_CASE("MP3: an ID3v2 tag before the frames, a VBRI table written into the first frame") {
  REQUIRE_TOOLS("sox");
  TempDir dir;
  const Bytes cbr = encodeMp3(dir, "c.mp3", 12, "-C 128");
  if (cbr.empty()) return;
  // ID3v2.4 with a syncsafe size of 5000 (0x27 0x08 in 7-bit groups).
  Bytes tagged = {'I', 'D', '3', 4, 0, 0, 0, 0, 0x27, 0x08};
  tagged.resize(10 + 5000, 0);
  tagged.insert(tagged.end(), cbr.begin(), cbr.end());
  const auto index = parseAudioIndex("audio/mpeg", sizeOf(tagged), localReader(tagged));
  CHECK(index.audioStart == 5010);
  REQUIRE(index.durationSecs);
  CHECK(*index.durationSecs == doctest::Approx((cbr.size()) / 16'000.0).epsilon(1e-3));
  CHECK(isMp3Frame(tagged, offsetForTime(index, 6, sizeOf(tagged), localReader(tagged))));

  // VBRI (Fraunhofer): 40 entries of 10 frames each, sized from the real frame positions.
  Bytes vbri = cbr;
  std::vector<std::int64_t> frames;  // the starts, walked by the frame length (417 or 418)
  for (std::int64_t at = 0; at + 4 <= sizeOf(vbri) && isMp3Frame(vbri, at);
       at += 417 + ((vbri[static_cast<std::size_t>(at) + 2] >> 1) & 1))
    frames.push_back(at);
  REQUIRE(frames.size() > 401);
  Bytes header = {'V', 'B', 'R', 'I', 0, 1, 0, 0, 0, 0};
  const auto put = [&header](std::uint64_t v, int width) {
    for (int i = width - 1; i >= 0; --i) header.push_back(static_cast<unsigned char>(v >> (8 * i)));
  };
  put(cbr.size(), 4);
  put(frames.size(), 4);
  put(40, 2);  // entries
  put(1, 2);   // scale
  put(2, 2);   // bytes per entry
  put(10, 2);  // frames per entry
  for (int i = 0; i < 40; ++i)
    put(frames[std::size_t{10} * (i + 1)] - frames[std::size_t{10} * i], 2);
  std::copy(header.begin(), header.end(), vbri.begin() + 36);
  const auto table = parseAudioIndex("audio/mpeg", sizeOf(vbri), localReader(vbri));
  CHECK(table.seekPoints.size() == 41);
  REQUIRE(table.durationSecs);
  CHECK(*table.durationSecs == doctest::Approx(frames.size() * kMp3Frame));
  // 10 frames an entry: the time of frame 200 is the 20th point, on that frame.
  CHECK(offsetForTime(table, 200 * kMp3Frame, sizeOf(vbri), localReader(vbri)) == frames[200]);
  checkMp3Seeks(table, vbri, 12);
}

TEST_CASE("hostile and empty inputs: no throw, offsets inside the file") {
  const char* mimes[] = {"audio/wav", "audio/flac", "audio/mpeg",
                         "audio/ogg", "audio/mp4",  "application/octet-stream"};
  std::vector<Bytes> inputs = {
      {},
      Bytes(100, 0xff),
      Bytes{'R', 'I', 'F', 'F', 0xff, 0xff, 0xff, 0xff, 'W',  'A',
            'V', 'E', 'f', 'm', 't',  ' ',  0xff, 0xff, 0xff, 0xff},
      Bytes{'f', 'L', 'a', 'C', 0x03, 0xff, 0xff, 0xff},
      Bytes{'I', 'D', '3', 4, 0, 0, 0x7f, 0x7f, 0x7f, 0x7f},
      Bytes{'O', 'g', 'g', 'S', 0, 2},
      Bytes{0, 0, 0, 1, 'm', 'o', 'o', 'v', 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
      Bytes{0, 0, 0, 0, 'f', 't', 'y', 'p'},
  };
  for (const char* mime : mimes) {
    for (const Bytes& input : inputs) {
      for (std::int64_t size : {sizeOf(input), std::int64_t{0}, std::int64_t{1} << 40}) {
        const auto index = parseAudioIndex(mime, size, localReader(input));
        for (double t : {-1.0, 0.0, 0.5, 1e300, std::nan("")}) {
          const auto offset = offsetForTime(index, t, size, localReader(input));
          CHECK(offset >= 0);
          CHECK((size == 0 ? offset == 0 : offset < size));
        }
      }
    }
  }
  // A callback that throws is caught: an empty index, an offset from the typical rate.
  const LocalBytes throwing = [](std::int64_t, std::size_t) -> std::optional<Bytes> {
    throw std::runtime_error("disk gone");
  };
  const auto index = parseAudioIndex("audio/mpeg", 1'000'000, throwing);
  CHECK(index.format == AudioFormat::Unknown);
  CHECK(offsetForTime(index, 1.0, 1'000'000, throwing) == 40'000);
}

}  // namespace
}  // namespace vozduxan
