// The Range header decision alone (engine/http_range.h): any header bytes against representation
// sizes from empty to the largest, checking what a response built from the decision relies on.
#include "engine/http_range.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view header(reinterpret_cast<const char*>(data), size);
  constexpr std::int64_t kSizes[] = {
      0, 1, 2, 1000, 4'145'444, std::int64_t{1} << 40, std::numeric_limits<std::int64_t>::max()};
  for (const std::int64_t fileSize : kSizes) {
    const vozduxan::RangeDecision range = vozduxan::decideRange(header, fileSize);
    switch (range.kind) {
      case vozduxan::RangeKind::Whole:
        if (range.first != 0 || range.last != fileSize - 1) std::abort();
        break;
      case vozduxan::RangeKind::Partial:
        // Content-Range "bytes first-last/size" and Content-Length = length() > 0.
        if (range.first < 0 || range.first > range.last || range.last >= fileSize) std::abort();
        if (range.length() <= 0) std::abort();
        break;
      case vozduxan::RangeKind::Unsatisfiable:
        break;
    }
  }
  return 0;
}
