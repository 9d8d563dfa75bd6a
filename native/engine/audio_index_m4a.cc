// M4A (ISO base media): the top-level boxes up to moov (at the head or, when it is local, the
// tail), the first sound track's mdhd duration, and its sample tables (stts, stsc, stco/co64,
// stsz) turned into one seek point per chunk: the chunk holding the sample at a time.
#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/audio_index_detail.h"

namespace vozduxan::audio_index_detail {
namespace {

struct Box {
  std::size_t at = 0;
  std::size_t bodyAt = 0;
  std::size_t end = 0;
};

constexpr int kMaxBoxesPerLevel = 256;

/// The box of `type` among those in [begin, end) of `bytes`.
std::optional<Box> findBox(ByteView bytes, std::size_t begin, std::size_t end, const char* type) {
  std::size_t at = begin;
  for (int i = 0; i < kMaxBoxesPerLevel && at < end && bytes.has(at, 8); ++i) {
    std::uint64_t size = bytes.be(at, 4);
    std::size_t header = 8;
    if (size == 1) {
      if (!bytes.be(at + 8, 8, size)) return std::nullopt;
      header = 16;
    } else if (size == 0) {
      size = end - at;  // to the end of the parent
    }
    if (size < header || size > end - at) return std::nullopt;
    const auto boxEnd = at + static_cast<std::size_t>(size);
    if (bytes.matches(at + 4, type, 4)) return Box{at, at + header, boxEnd};
    at = boxEnd;
  }
  return std::nullopt;
}

/// A full box's table: its entry count (after version and flags) capped by what the box holds.
std::uint64_t entryCount(ByteView bytes, const Box& box, std::size_t headerBytes,
                         std::size_t entryBytes) {
  const std::uint64_t count = bytes.be(box.bodyAt + 4, 4);
  const std::size_t tableAt = box.bodyAt + headerBytes;
  if (tableAt > box.end) return 0;
  return std::min<std::uint64_t>(count, (box.end - tableAt) / entryBytes);
}

struct SoundTrack {
  ByteView moov;
  Box mdhd, stts, stsc, stsz;
  std::optional<Box> stco;
  bool co64 = false;
};

std::optional<SoundTrack> findSoundTrack(ByteView moov) {
  std::size_t at = 0;
  for (int i = 0; i < kMaxBoxesPerLevel; ++i) {
    const auto trak = findBox(moov, at, moov.size(), "trak");
    if (!trak) return std::nullopt;
    at = trak->end;
    const auto mdia = findBox(moov, trak->bodyAt, trak->end, "mdia");
    if (!mdia) continue;
    const auto hdlr = findBox(moov, mdia->bodyAt, mdia->end, "hdlr");
    if (!hdlr || !moov.matches(hdlr->bodyAt + 8, "soun", 4)) continue;
    const auto mdhd = findBox(moov, mdia->bodyAt, mdia->end, "mdhd");
    const auto minf = findBox(moov, mdia->bodyAt, mdia->end, "minf");
    if (!mdhd || !minf) return std::nullopt;
    const auto stbl = findBox(moov, minf->bodyAt, minf->end, "stbl");
    if (!stbl) return std::nullopt;
    SoundTrack track{moov, *mdhd, {}, {}, {}, {}, false};
    const auto stts = findBox(moov, stbl->bodyAt, stbl->end, "stts");
    const auto stsc = findBox(moov, stbl->bodyAt, stbl->end, "stsc");
    const auto stsz = findBox(moov, stbl->bodyAt, stbl->end, "stsz");
    track.stco = findBox(moov, stbl->bodyAt, stbl->end, "stco");
    if (!track.stco) {
      track.stco = findBox(moov, stbl->bodyAt, stbl->end, "co64");
      track.co64 = true;
    }
    if (stts) track.stts = *stts;
    if (stsc) track.stsc = *stsc;
    if (stsz) track.stsz = *stsz;
    return track;
  }
  return std::nullopt;
}

/// One seek point per chunk (every k-th past kMaxSeekPoints): the time of its first sample.
void addChunkPoints(AudioIndex& index, const SoundTrack& track, double timescale,
                    std::int64_t fileSize) {
  const ByteView m = track.moov;
  if (!track.stco || track.stts.end == 0 || track.stsc.end == 0) return;
  const int offsetBytes = track.co64 ? 8 : 4;
  const std::uint64_t chunks = entryCount(m, *track.stco, 8, offsetBytes);
  const std::uint64_t runs = entryCount(m, track.stsc, 8, 12);
  const std::uint64_t times = entryCount(m, track.stts, 8, 8);
  if (chunks == 0 || runs == 0 || times == 0) return;
  const std::uint64_t every = (chunks + kMaxSeekPoints - 1) / kMaxSeekPoints;
  // Cursors: the stsc run of the chunk, and the stts entry of the chunk's first sample.
  std::uint64_t run = 0;
  std::uint64_t timeEntry = 0;
  std::uint64_t leftInEntry = m.be(track.stts.bodyAt + 8, 4);
  double ticks = 0;
  for (std::uint64_t chunk = 0; chunk < chunks; ++chunk) {
    while (run + 1 < runs && m.be(track.stsc.bodyAt + 8 + (run + 1) * 12, 4) <= chunk + 1) ++run;
    if (chunk % every == 0) {
      const std::uint64_t offset = m.be(track.stco->bodyAt + 8 + chunk * offsetBytes, offsetBytes);
      if (offset < static_cast<std::uint64_t>(fileSize))
        addSeekPoint(index.seekPoints, ticks / timescale, static_cast<std::int64_t>(offset));
    }
    // Advance the time over this chunk's samples, entry by entry (each entry is left once).
    std::uint64_t samples = m.be(track.stsc.bodyAt + 8 + run * 12 + 4, 4);
    while (samples > 0 && timeEntry < times) {
      const std::uint64_t take = std::min(samples, leftInEntry);
      ticks += static_cast<double>(take) *
               static_cast<double>(m.be(track.stts.bodyAt + 8 + timeEntry * 8 + 4, 4));
      samples -= take;
      leftInEntry -= take;
      if (leftInEntry == 0 && ++timeEntry < times)
        leftInEntry = m.be(track.stts.bodyAt + 8 + timeEntry * 8, 4);
    }
  }
}

/// The sound track's payload: the sum of its sample sizes (stsz: size for all, or a list).
std::optional<std::int64_t> sampleBytes(const SoundTrack& track) {
  const ByteView m = track.moov;
  if (track.stsz.end == 0) return std::nullopt;
  const std::uint64_t uniform = m.be(track.stsz.bodyAt + 4, 4);
  const std::uint64_t count = m.be(track.stsz.bodyAt + 8, 4);
  if (uniform != 0) {
    // 32 x 32 bits can pass int64: the caller then takes the mdat size.
    if (uniform * count > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return std::nullopt;
    return static_cast<std::int64_t>(uniform * count);
  }
  const std::size_t tableAt = track.stsz.bodyAt + 12;
  if (tableAt > track.stsz.end) return std::nullopt;
  const std::uint64_t listed = std::min<std::uint64_t>(count, (track.stsz.end - tableAt) / 4);
  std::uint64_t total = 0;  // at most 4 Mi sizes of 32 bits: no overflow
  for (std::uint64_t i = 0; i < listed; ++i) total += m.be(tableAt + i * 4, 4);
  return static_cast<std::int64_t>(total);
}

void readMoov(AudioIndex& index, ByteView moov, std::int64_t fileSize) {
  const auto track = findSoundTrack(moov);
  if (!track) return;
  const std::size_t at = track->mdhd.bodyAt;
  const bool v1 = moov[at] == 1;
  const std::uint64_t timescale = moov.be(at + (v1 ? 20 : 12), 4);
  const std::uint64_t duration = moov.be(at + (v1 ? 24 : 16), v1 ? 8 : 4);
  if (timescale == 0) return;
  if (duration > 0 && duration != (v1 ? ~std::uint64_t{0} : 0xffffffffu))
    index.durationSecs = static_cast<double>(duration) / static_cast<double>(timescale);
  const auto payload = sampleBytes(*track);
  index.bytesPerSecond = averageRate(payload && *payload > 0 && *payload <= fileSize
                                         ? *payload
                                         : index.audioEnd - index.audioStart,
                                     index.durationSecs);
  addChunkPoints(index, *track, static_cast<double>(timescale), fileSize);
}

}  // namespace

void parseM4a(AudioIndex& index, LocalFile& file) {
  std::int64_t at = 0;
  std::optional<std::int64_t> moovAt;
  std::uint64_t moovSize = 0;
  // Top-level boxes (ftyp, moov, mdat, free, ...): read each header where it lies.
  for (int i = 0; i < 64 && at < file.size(); ++i) {
    const ByteView header = file.bytes(at, 16);
    if (!header.has(0, 8)) {
      if (!moovAt) index.tailFrom = at;  // the moov may be there, after the mdat
      break;
    }
    std::uint64_t size = header.be(0, 4);
    std::uint64_t headerSize = 8;
    if (size == 1) {
      if (!header.be(8, 8, size)) break;
      headerSize = 16;
    } else if (size == 0) {
      size = static_cast<std::uint64_t>(file.size() - at);
    }
    if (size < headerSize || size > static_cast<std::uint64_t>(file.size() - at)) break;
    if (header.matches(4, "moov", 4)) {
      moovAt = at;
      moovSize = size;
    } else if (header.matches(4, "mdat", 4)) {
      index.audioStart = at + static_cast<std::int64_t>(headerSize);
      index.audioEnd = at + static_cast<std::int64_t>(size);
    }
    at += static_cast<std::int64_t>(size);
  }
  if (!moovAt || moovSize > kMaxRead) return;
  // The whole moov must be local: a partial table would map times to wrong chunks.
  const ByteView moovBytes = file.bytes(*moovAt, static_cast<std::size_t>(moovSize));
  if (moovBytes.size() != moovSize) {
    index.tailFrom = *moovAt;
    return;
  }
  const auto moov = findBox(moovBytes, 0, moovBytes.size(), "moov");
  if (!moov) return;
  readMoov(index, ByteView(moovBytes.data() + moov->bodyAt, moov->end - moov->bodyAt), file.size());
}

}  // namespace vozduxan::audio_index_detail
