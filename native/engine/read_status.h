// What a read of verified torrent bytes found: shared by the torrent, which reads, and the HTTP
// layer, which only needs to know what to do next.
#pragma once

namespace vozduxan {

/// Retry means trying again after kRetryDelayMs; a piece libtorrent finished whose bytes are
/// still not on disk after kMaxRetries of them (10 s) is an error.
constexpr int kRetryDelayMs = 5;
constexpr int kMaxRetries = 2000;

enum class ReadStatus {
  Ready,   // bytes were read
  NotYet,  // the piece has not arrived: wait for it
  Retry,   // the piece arrived but its bytes are not on disk yet: try again shortly
  Failed,  // the files are gone or unreadable
};

}  // namespace vozduxan
