// The time index (engine/audio_index.h) against files made by real encoders at test time (sox,
// flac: both in scripts/install-system-deps.sh), checked against what independent tools say
// (soxi durations, metaflac's seek points and block lengths), plus hand-built M4A boxes and
// hostile inputs.
#include "engine/audio_index.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace vozduxan {
namespace {

using Bytes = std::vector<unsigned char>;
namespace fs = std::filesystem;

/// A scratch directory for encoder output, removed with its files.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "audio-index-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

bool haveTool(const char* name) {
  return std::system((std::string("command -v ") + name + " >/dev/null 2>&1").c_str()) == 0;
}

/// The command's standard output (empty when it fails).
std::string output(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return out;
  std::array<char, 4096> buffer{};
  while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe))
    out.append(buffer.data(), n);
  pclose(pipe);
  return out;
}

Bytes readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// A file made by `command` (sox or flac writing to OUT), or empty when the tool failed.
Bytes encode(const TempDir& dir, const std::string& name, const std::string& command) {
  const std::string path = dir.file(name);
  std::string line = command;
  line.replace(line.find("OUT"), 3, path);
  if (std::system((line + " 2>/dev/null").c_str()) != 0) return {};
  return readAll(path);
}

double soxiSeconds(const TempDir& dir, const std::string& name) {
  return std::atof(output("soxi -D " + dir.file(name)).c_str());
}

/// Every byte local, or only the first `localBytes` (a prefix, as LocalBytes promises).
LocalBytes localReader(const Bytes& file, std::size_t localBytes = ~std::size_t{0}) {
  return [&file, localBytes](std::int64_t offset, std::size_t len) -> std::optional<Bytes> {
    const std::size_t end = std::min(file.size(), localBytes);
    if (offset < 0 || static_cast<std::size_t>(offset) >= end) return std::nullopt;
    const std::size_t n = std::min(len, end - static_cast<std::size_t>(offset));
    return Bytes(file.begin() + offset, file.begin() + offset + static_cast<std::ptrdiff_t>(n));
  };
}

std::int64_t sizeOf(const Bytes& file) { return static_cast<std::int64_t>(file.size()); }

/// A 16-bit stereo sine of `seconds` through sox's output options (e.g. "-C 128").
std::string soxSine(double seconds, const std::string& options, const std::string& type,
                    int rate = 44'100) {
  std::ostringstream cmd;
  cmd << "sox -V1 -n -r " << rate << " -c 2 -b 16 " << options << " -t " << type << " OUT synth "
      << seconds << " sine 440 sine 660";
  return cmd.str();
}

#define REQUIRE_TOOLS(...)                                                            \
  for (const char* tool : {__VA_ARGS__}) {                                            \
    if (!haveTool(tool)) {                                                            \
      MESSAGE("skipped: " << tool << " is missing (scripts/install-system-deps.sh)"); \
      return;                                                                         \
    }                                                                                 \
  }

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
