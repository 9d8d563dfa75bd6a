#include "engine/errors.h"

namespace vozduxan {

const char* errorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::BadInput:
      return "BAD_INPUT";
    case ErrorCode::MetadataTimeout:
      return "METADATA_TIMEOUT";
    case ErrorCode::BufferTimeout:
      return "BUFFER_TIMEOUT";
    case ErrorCode::InvalidFile:
      return "INVALID_FILE";
    case ErrorCode::StorageError:
      return "STORAGE_ERROR";
    case ErrorCode::Cancelled:
      return "CANCELLED";
    case ErrorCode::Closed:
      return "CLOSED";
    case ErrorCode::NotFound:
      return "NOT_FOUND";
    case ErrorCode::Internal:
      return "INTERNAL";
  }
  return "INTERNAL";
}

}  // namespace vozduxan
