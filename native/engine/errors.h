// Typed engine errors. Every failure that reaches JS carries one of these codes.
#pragma once

#include <stdexcept>
#include <string>

namespace vozduxan {

enum class ErrorCode {
  BadInput,
  MetadataTimeout,
  BufferTimeout,
  InvalidFile,
  StorageError,
  Cancelled,
  Closed,
  NotFound,
  Internal,
};

/// The stable string that JS sees as `error.code`.
const char* errorCodeName(ErrorCode code);

class EngineError : public std::runtime_error {
 public:
  EngineError(ErrorCode code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace vozduxan
