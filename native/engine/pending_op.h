// A listFiles or prepare call in flight: what it waits for and how it reports.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "engine/session.h"

namespace vozduxan {

struct PendingOp {
  enum class Kind { ListFiles, Prepare };
  using Clock = std::chrono::steady_clock;

  std::uint64_t id = 0;
  Kind kind = Kind::ListFiles;
  std::string torrentKey;
  Clock::time_point metadataDeadline;
  Clock::time_point bufferDeadline;
  PrepareRequest request;
  Session::Progress progress;
  Session::FilesDone filesDone;
  Session::PrepareDone prepareDone;

  std::shared_ptr<Stream> stream;  // once the file is known good
  Clock::time_point bufferStart;
  std::int64_t prebufferTarget = 0;
  bool targetSized = false;
  Clock::time_point firstPieceAt;  // when the target was first sized
  std::int64_t firstBuffered = 0;  // bytes buffered then
  std::int64_t lastBuffered = -1;
  int lastPercent = -1;
  std::string lastStatus;
  bool finished = false;
};

}  // namespace vozduxan
