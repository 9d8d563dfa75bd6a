// The cache's writes are atomic for real (issue 16 item 5): a write that fails at any step,
// the last flush included, leaves the previous file as it was.
#include "engine/cache.h"

#include <doctest/doctest.h>
#include <sys/resource.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace vozduxan {
namespace {

/// Files this process writes may not grow past `bytes` (writes past it fail with EFBIG, as on
/// a full disk) while it lives.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    previous_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit = saved_;
    limit.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &limit);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, previous_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit saved_{};
  void (*previous_)(int) = SIG_DFL;
};

std::string freshDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "vz-cache-test-XXXXXX").string();
  REQUIRE(::mkdtemp(pattern.data()) != nullptr);
  return pattern;
}

TEST_CASE("a resume write that fails at its last flush keeps the previous file") {
  const std::string root = freshDir();
  Cache cache(root);
  const std::string key(40, 'a');
  const std::vector<char> good(500, 'g');
  cache.saveResume(key, good);
  REQUIRE(cache.loadResume(key) == good);
  {
    // Small enough to sit in a stream's buffer until the flush at close: the write "succeeds",
    // the flush fails. The old code checked before the flush and renamed a truncated file.
    FileSizeLimit limit(100);
    cache.saveResume(key, std::vector<char>(1000, 'n'));
  }
  CHECK(cache.loadResume(key) == good);
  cache.saveResume(key, std::vector<char>(1000, 'n'));
  CHECK(cache.loadResume(key) == std::vector<char>(1000, 'n'));
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace vozduxan
