// Positions in seconds (issue 19): a time index read from an audio file's own header — WAV fmt,
// FLAC STREAMINFO/SEEKTABLE, MP3 Xing/VBRI or CBR, Ogg granules, M4A stts/stsc/stco — that maps a
// playback time to the byte offset a player needs. Pure parsing: the bytes come through a callback
// that returns only local (hash-verified) bytes, and every byte is treated as hostile.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace vozduxan {

/// Bytes [offset, offset + len) of the file that are local (hash-verified): nullopt, or fewer
/// bytes than asked (a prefix), when not all of them are.
using LocalBytes =
    std::function<std::optional<std::vector<unsigned char>>(std::int64_t offset, std::size_t len)>;

/// How many head bytes parseAudioIndex asks for at most (an ID3 tag, FLAC picture or moov at the
/// start can push the index further: those are read at their own offsets, still through
/// LocalBytes).
inline constexpr std::size_t kAudioIndexHeadBytes = std::size_t{256} * 1024;

enum class AudioFormat { Unknown, Wav, Flac, Mp3, Ogg, M4a };

/// A time with the byte offset where decoding for it can start.
struct AudioSeekPoint {
  double seconds = 0;
  std::int64_t offset = 0;
};

struct AudioIndex {
  AudioFormat format = AudioFormat::Unknown;
  std::optional<double> durationSecs;
  std::optional<double> bytesPerSecond;  // the real average: audio payload bytes / duration
  /// What offsetForTime assumes without bytesPerSecond: typicalBytesPerSecond(mime).
  double fallbackBytesPerSecond = 40'000;

  // Where the audio payload lies: [audioStart, audioEnd) (WAV data, FLAC frames, MP3 frames,
  // Ogg audio pages, M4A mdat). audioEnd 0 means "to the end of the file".
  std::int64_t audioStart = 0;
  std::int64_t audioEnd = 0;

  /// Seek points in increasing time and offset: FLAC's seektable, the Xing/VBRI table of contents,
  /// M4A's chunks. Capped in size (kMaxSeekPoints), thinned evenly when the file has more.
  std::vector<AudioSeekPoint> seekPoints;
  /// MP3 tables of contents are coarse: interpolate between points (then resync to a frame)
  /// rather than take the point at or before.
  bool interpolateSeekPoints = false;

  std::uint32_t blockAlign = 0;  // WAV: offsets are aligned to whole sample frames

  // MP3: the first frame's header, to resync on frames of the same stream.
  std::uint32_t mp3Header = 0;

  // Ogg: the logical stream the index is about, its granule rate and Opus pre-skip.
  std::uint32_t oggSerial = 0;
  std::uint32_t oggGranuleRate = 0;
  std::uint64_t oggPreSkip = 0;

  /// >= 0: parsing again once [tailFrom, fileSize) is local gives more (Ogg: the duration from
  /// the last page; M4A: the whole index, its moov follows mdat). -1: nothing more to get there.
  std::int64_t tailFrom = -1;
};

inline constexpr std::size_t kMaxSeekPoints = 1 << 16;

/// Parses what it can: the head (up to kAudioIndexHeadBytes from 0), and for M4A the moov box
/// where it lies (at the tail when the file was muxed that way: it must be local), for Ogg the last
/// page (duration: only when the tail is local). The format comes from `mime` (as mimeForName
/// gives it, e.g. audio/flac, audio/mpeg, audio/ogg, audio/mp4, audio/wav), or from the head's
/// magic when the mime is not one of these. Never throws: an unknown or broken file gives an index
/// with only `format` (maybe) set.
AudioIndex parseAudioIndex(const std::string& mime, std::int64_t fileSize, const LocalBytes& read);

/// The byte offset at which playback of `seconds` starts, in [0, fileSize) (0 when fileSize <= 0
/// or seconds <= 0): the seek point at or before the time when the index has them, Ogg pages
/// bisected where they are local, MP3 offsets moved onto the next frame when those bytes are
/// local, else the average byte rate over the audio payload (typicalBytesPerSecond without one).
/// Never throws.
std::int64_t offsetForTime(const AudioIndex& index, double seconds, std::int64_t fileSize,
                           const LocalBytes& read);

}  // namespace vozduxan
