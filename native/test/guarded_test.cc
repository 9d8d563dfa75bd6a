// One failing item never skips the rest (engine/guarded.h): the alert loop, deferred callbacks
// and close() rely on it (issue 17, items 2 and 3).
#include "engine/guarded.h"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace vozduxan {
namespace {

TEST_CASE("forEachGuarded: an item that throws is reported, and the items after it still run") {
  const std::vector<int> items{1, 2, 3, 4};
  std::vector<int> ran;
  std::vector<std::string> errors;
  forEachGuarded(
      items,
      [&](int item) {
        if (item == 2) throw std::runtime_error("saveMetadata failed");
        if (item == 3) throw 42;  // not even a std::exception
        ran.push_back(item);
      },
      [&](const std::string& what) { errors.push_back(what); });
  CHECK(ran == std::vector<int>{1, 4});
  REQUIRE(errors.size() == 2);
  CHECK(errors[0] == "saveMetadata failed");
  CHECK(errors[1] == "unknown exception");
}

TEST_CASE("guarded: a throwing error handler does not escape either") {
  bool after = false;
  guarded([] { throw std::runtime_error("first"); },
          [](const std::string&) { throw std::runtime_error("the log failed too"); });
  after = true;
  CHECK(after);
}

}  // namespace
}  // namespace vozduxan
