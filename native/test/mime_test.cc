// File name → MIME type, what counts as audio, typical byte rates (engine/mime.h).
#include "engine/mime.h"

#include <doctest/doctest.h>

namespace vozduxan {
namespace {

TEST_CASE("audio types by extension, in any case, in any folder") {
  CHECK(mimeForName("a.mp3") == "audio/mpeg");
  CHECK(mimeForName("Album/01 Track.FLAC") == "audio/flac");
  CHECK(mimeForName("x.wav") == "audio/wav");
  CHECK(mimeForName("x.wave") == "audio/wav");
  CHECK(mimeForName("x.ogg") == "audio/ogg");
  CHECK(mimeForName("x.opus") == "audio/ogg");
  CHECK(mimeForName("x.m4a") == "audio/mp4");
  CHECK(mimeForName("x.aiff") == "audio/aiff");
  CHECK(mimeForName("x.tar.flac") == "audio/flac");  // the last extension counts
}

TEST_CASE("other files") {
  CHECK(mimeForName("cover.JPG") == "image/jpeg");
  CHECK(mimeForName("cover.png") == "image/png");
  CHECK(mimeForName("rip.log") == "text/plain");
  CHECK(mimeForName("album.cue") == "text/plain");
  CHECK(mimeForName("README") == "application/octet-stream");
  CHECK(mimeForName("x.exe") == "application/octet-stream");
  // A dot in a folder name is no extension.
  CHECK(mimeForName("album.flac/README") == "application/octet-stream");
  CHECK(mimeForName("") == "application/octet-stream");
  CHECK(mimeForName("trailing.") == "application/octet-stream");
}

TEST_CASE("audio is every audio/ type and nothing else") {
  CHECK(isAudioMime("audio/flac"));
  CHECK(isAudioMime(mimeForName("x.dsf")));
  CHECK_FALSE(isAudioMime("image/jpeg"));
  CHECK_FALSE(isAudioMime("application/octet-stream"));
  CHECK_FALSE(isAudioMime("text/audio/"));
}

TEST_CASE("typical byte rates: CD PCM, lossless, lossy, and a default") {
  CHECK(typicalBytesPerSecond("audio/wav") == 176'400);
  CHECK(typicalBytesPerSecond("audio/flac") == 110'000);
  CHECK(typicalBytesPerSecond("audio/mpeg") == 40'000);
  CHECK(typicalBytesPerSecond("audio/x-dsf") == 705'600);
  CHECK(typicalBytesPerSecond("application/octet-stream") == 40'000);
}

}  // namespace
}  // namespace vozduxan
