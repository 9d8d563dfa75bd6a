// RFC 9110 Range decisions for a single representation of known length.
//
// Policy: one range per response. A header with several ranges, an unknown unit or
// invalid syntax is ignored (200 with the whole file), as RFC 9110 §14.2 allows.
#pragma once

#include <cstdint>
#include <string_view>

namespace vozduxan {

enum class RangeKind { Whole, Partial, Unsatisfiable };

struct RangeDecision {
  RangeKind kind = RangeKind::Whole;
  std::int64_t first = 0;  // inclusive
  std::int64_t last = -1;  // inclusive
  std::int64_t length() const { return last - first + 1; }
};

RangeDecision decideRange(std::string_view header, std::int64_t size);

}  // namespace vozduxan
