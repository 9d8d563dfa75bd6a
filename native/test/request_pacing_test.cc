// Request pacing's decisions (engine/request_pacing.h): when every main stream keeps up, how far
// ahead a stream asks, and how deep libtorrent's request pipeline runs.
#include "engine/request_pacing.h"

#include <doctest/doctest.h>

#include <chrono>

namespace vozduxan {
namespace {

using Clock = RequestPacer::Clock;
using std::chrono::seconds;

PacingInput playing(double downloadRate, std::int64_t bufferedAhead) {
  PacingInput input;
  input.downloadRate = downloadRate;
  input.byteRate = 100'000;
  input.bufferedAhead = bufferedAhead;
  input.playerReports = true;
  return input;
}

TEST_CASE("a stream falls behind on a slow link with a thin buffer") {
  CHECK(keepingUp({}));
  CHECK(keepingUp({playing(200'000, 0)}));                             // fast link
  CHECK(keepingUp({playing(100'000, 1'000'000)}));                     // slow link, 10 s buffered
  CHECK_FALSE(keepingUp({playing(100'000, 999'999)}));                 // slow link, thin buffer
  CHECK_FALSE(keepingUp({playing(200'000, 0), playing(100'000, 0)}));  // any main stream
  PacingInput unknown = playing(-1, 0);
  CHECK(keepingUp({unknown}));  // no rate yet
  PacingInput complete = playing(0, 0);
  complete.complete = true;
  CHECK(keepingUp({complete}));
}

TEST_CASE("a reader two seconds of audio past a silent player is a bulk download") {
  PacingInput bulk = playing(1'000'000, 5'000'000);
  bulk.playerReports = false;
  bulk.readerAhead = 199'999;
  CHECK(keepingUp({bulk}));
  bulk.readerAhead = 200'000;
  CHECK_FALSE(keepingUp({bulk}));
  bulk.playerReports = true;  // a player that seeks ahead is still playing
  CHECK(keepingUp({bulk}));
}

TEST_CASE("RateMeter: bytes over the last seconds, unknown before two") {
  RateMeter meter;
  const auto t0 = Clock::now();
  CHECK(meter.rate() < 0);
  meter.add(t0, 0);
  meter.add(t0 + seconds(1), 100'000);
  CHECK(meter.rate() < 0);
  meter.add(t0 + seconds(2), 200'000);
  CHECK(meter.rate() < 0);  // history starts at the first bytes (t0 + 1 s)
  meter.add(t0 + seconds(3), 300'000);
  CHECK(meter.rate() == doctest::Approx(100'000));
  // Old samples leave the window.
  meter.add(t0 + seconds(6), 1'000'000);
  meter.add(t0 + seconds(8), 1'400'000);
  // From the last sample at least 4 s old (t0 + 3 s, 300 kB): 1.1 MB over 5 s.
  CHECK(meter.rate() == doctest::Approx(220'000));
  // A smaller total (the torrent was re-added) starts afresh.
  meter.add(t0 + seconds(9), 10);
  CHECK(meter.rate() < 0);
}

TEST_CASE("RateMeter: the time before the first bytes (connecting, unchoke) is not history") {
  RateMeter meter;
  const auto t0 = Clock::now();
  // A young connection behind a 150 ms round trip: nothing for 2 s, then 256 kB/s.
  for (int ms = 0; ms <= 2000; ms += 500) meter.add(t0 + std::chrono::milliseconds(ms), 0);
  meter.add(t0 + std::chrono::milliseconds(2500), 128'000);
  meter.add(t0 + std::chrono::milliseconds(3500), 384'000);
  meter.add(t0 + std::chrono::milliseconds(4500), 640'000);
  // Counting from t0 it read 142 kB/s, a slow link (and a deep pipeline) for a link at 256 kB/s.
  CHECK(meter.rate() == doctest::Approx(256'000));
}

RequestPacer::Sample sample(const char* token, std::int64_t fileBytes, std::int64_t buffered) {
  return {token, fileBytes, playing(-1, buffered)};
}

TEST_CASE("RequestPacer: flips once a stream's own rate falls behind, and back") {
  RequestPacer pacer{SessionConfig{}};
  const auto t0 = Clock::now();
  CHECK(pacer.keepingUp());
  CHECK(pacer.requestQueueSeconds() == kShallowQueueSeconds);
  CHECK(pacer.aheadPieces(true, 16 * 1024) == kBoundedAheadBytes / (16 * 1024));
  CHECK(pacer.aheadPieces(true, 1024 * 1024) == 1);  // at least one piece
  CHECK(pacer.aheadPieces(false, 16 * 1024) == 0);   // a prefetch gets the tiers

  // 50 kB/s against 100 kB/s of playback, nothing buffered.
  CHECK_FALSE(pacer.update(t0, {sample("a", 0, 0)}));
  CHECK_FALSE(pacer.update(t0 + seconds(1), {sample("a", 50'000, 0)}));
  CHECK_FALSE(pacer.update(t0 + seconds(2), {sample("a", 100'000, 0)}));
  CHECK(pacer.update(t0 + seconds(3), {sample("a", 150'000, 0)}));
  CHECK_FALSE(pacer.keepingUp());
  CHECK(pacer.requestQueueSeconds() == kDeepQueueSeconds);
  CHECK(pacer.aheadPieces(true, 16 * 1024) == 0);

  // The stream released: its meter goes, nothing falls behind.
  CHECK(pacer.update(t0 + seconds(4), {}));
  CHECK(pacer.keepingUp());
  // A new stream with the same token starts without history.
  CHECK_FALSE(pacer.update(t0 + seconds(5), {sample("a", 150'000, 0)}));
}

TEST_CASE("RequestPacer: an unknown byte count adds no sample") {
  RequestPacer pacer{SessionConfig{}};
  const auto t0 = Clock::now();
  pacer.update(t0, {sample("a", 0, 0)});
  pacer.update(t0 + seconds(1), {sample("a", -1, 0)});
  CHECK_FALSE(pacer.update(t0 + seconds(2), {sample("a", -1, 0)}));
  CHECK(pacer.keepingUp());
}

TEST_CASE("RequestPacer: a caller's request_queue_time stands") {
  SessionConfig config;
  config.settings.emplace_back("request_queue_time", std::int64_t{5});
  RequestPacer pacer{config};
  CHECK_FALSE(pacer.requestQueueSeconds());
  CHECK(pacer.aheadPieces(true, 16 * 1024) > 0);  // the look-ahead rule still runs
  RequestPacer windowed{config, true};
  CHECK_FALSE(windowed.capsPeerQueues());  // nor does the window hold it
}

TEST_CASE("RequestPacer: where each connection's window holds the pipeline, it runs deep") {
  RequestPacer pacer{SessionConfig{}, true};
  const auto t0 = Clock::now();
  CHECK(pacer.capsPeerQueues());
  CHECK(pacer.requestQueueSeconds() == kDeepQueueSeconds);
  pacer.update(t0, {sample("a", 0, 0)});
  pacer.update(t0 + seconds(1), {sample("a", 50'000, 0)});
  pacer.update(t0 + seconds(2), {sample("a", 100'000, 0)});
  CHECK(pacer.update(t0 + seconds(3), {sample("a", 150'000, 0)}));
  // Falling behind: libtorrent's own depth, no window.
  CHECK_FALSE(pacer.capsPeerQueues());
  CHECK(pacer.requestQueueSeconds() == kDeepQueueSeconds);
  CHECK_FALSE(RequestPacer{SessionConfig{}}.capsPeerQueues());
}

}  // namespace
}  // namespace vozduxan
