// RFC 9110 Range decisions (engine/http_range.h): one range per response, anything else the
// whole file, 416 only for a range that starts past the end.
#include "engine/http_range.h"

#include <doctest/doctest.h>

#include <string>

namespace vozduxan {
namespace {

void checkPartial(const char* header, std::int64_t size, std::int64_t first, std::int64_t last) {
  CAPTURE(header);
  const RangeDecision range = decideRange(header, size);
  CHECK(range.kind == RangeKind::Partial);
  CHECK(range.first == first);
  CHECK(range.last == last);
  CHECK(range.length() == last - first + 1);
}

void checkKind(const char* header, std::int64_t size, RangeKind kind) {
  CAPTURE(header);
  CHECK(decideRange(header, size).kind == kind);
}

TEST_CASE("no Range header: the whole file") {
  const RangeDecision range = decideRange("", 1000);
  CHECK(range.kind == RangeKind::Whole);
  CHECK(range.first == 0);
  CHECK(range.last == 999);
  CHECK(range.length() == 1000);
  CHECK(decideRange("", 0).length() == 0);
}

TEST_CASE("a-b, a- and -n") {
  checkPartial("bytes=0-99", 1000, 0, 99);
  checkPartial("bytes=100-", 1000, 100, 999);
  checkPartial("bytes=-100", 1000, 900, 999);
  checkPartial("bytes=999-999", 1000, 999, 999);
}

TEST_CASE("ranges are clamped to the file") {
  checkPartial("bytes=500-5000", 1000, 500, 999);
  checkPartial("bytes=-5000", 1000, 0, 999);
  // A position too large for 64 bits saturates instead of overflowing.
  checkPartial("bytes=0-99999999999999999999999999", 1000, 0, 999);
}

TEST_CASE("a range past the end is unsatisfiable") {
  checkKind("bytes=1000-", 1000, RangeKind::Unsatisfiable);
  checkKind("bytes=1000-2000", 1000, RangeKind::Unsatisfiable);
  checkKind("bytes=99999999999999999999999999-", 1000, RangeKind::Unsatisfiable);
  checkKind("bytes=-0", 1000, RangeKind::Unsatisfiable);
  checkKind("bytes=0-", 0, RangeKind::Unsatisfiable);
  checkKind("bytes=-5", 0, RangeKind::Unsatisfiable);
}

TEST_CASE("what the policy ignores is answered with the whole file") {
  for (const char* header :
       {"bytes=0-1,5-6", "items=0-5", "bytes=5-3", "bytes=abc-", "bytes=0x10-", "bytes=", "bytes=-",
        "bytes 0-5", "bytes=1", "bytes=--5", "bytes=+1-2"}) {
    checkKind(header, 1000, RangeKind::Whole);
  }
}

TEST_CASE("unit case and blanks around the numbers do not matter") {
  checkPartial("BYTES=0-1", 1000, 0, 1);
  checkPartial("Bytes=2-3", 1000, 2, 3);
  checkPartial("  bytes= 4 - 5 ", 1000, 4, 5);
  checkPartial("bytes=\t6-\t", 1000, 6, 999);
}

}  // namespace
}  // namespace vozduxan
