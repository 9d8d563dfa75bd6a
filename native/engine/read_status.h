// What a read of verified torrent bytes found: shared by the torrent, which reads, and the HTTP
// layer, which only needs to know what to do next.
#pragma once

namespace vozduxan {

enum class ReadStatus {
  Ready,   // bytes were read
  NotYet,  // the piece has not arrived: wait for it
  Retry,   // the piece arrived but its bytes are not on disk yet: try again shortly
  Failed,  // the files are gone or unreadable
};

}  // namespace vozduxan
