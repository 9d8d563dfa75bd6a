// A listFiles or prepare call in flight: what it waits for and how it reports. Operations
// (operations.h) advances it; nothing else touches it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/config.h"
#include "engine/errors.h"
#include "engine/prebuffer.h"
#include "engine/stream.h"

namespace vozduxan {

/// Each is called exactly once per call, never under the session's lock.
using FilesDone = std::function<void(std::vector<FileEntry>, std::optional<EngineError>)>;
using PrepareDone = std::function<void(StreamInfo, std::optional<EngineError>)>;
using Progress = std::function<void(double fraction, const std::string& status)>;

struct PendingOp {
  enum class Kind { ListFiles, Prepare };
  using Clock = std::chrono::steady_clock;

  std::uint64_t id = 0;
  Kind kind = Kind::ListFiles;
  std::string torrentKey;
  Clock::time_point metadataDeadline;
  Clock::time_point bufferDeadline;
  PrepareRequest request;
  Progress progress;
  FilesDone filesDone;
  PrepareDone prepareDone;

  std::shared_ptr<Stream> stream;           // once the file is known good
  std::optional<PrebufferProbe> prebuffer;  // from then on
  std::int64_t lastBuffered = -1;
  int lastPercent = -1;
  std::string lastStatus;
  bool finished = false;
};

}  // namespace vozduxan
