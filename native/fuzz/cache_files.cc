// The cache's files as a restart reads them (engine/cache.h): the saved metadata
// (.vozduxan/KEY.torrent) and resume data (.vozduxan/KEY.resume) hold the input, then the cache
// loads them, libtorrent reads the resume data, and the cache is listed, as Torrents does.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <libtorrent/add_torrent_params.hpp>
#include <libtorrent/read_resume_data.hpp>
#include <memory>
#include <string>
#include <vector>

#include "engine/cache.h"

namespace {

namespace fs = std::filesystem;

constexpr const char* kKey = "36365d88b388b600b9d2a0551b5217847cfec0fc";

/// One cache for the whole run, in memory where possible.
struct Fixture {
  Fixture() {
    const fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    root = base / ("vozduxan-fuzz-cache-" + std::to_string(::getpid()));
    fs::remove_all(root);
    cache = std::make_unique<vozduxan::Cache>(root.string());
    meta = root / ".vozduxan" / (std::string(kKey) + ".torrent");
    resume = root / ".vozduxan" / (std::string(kKey) + ".resume");
  }
  ~Fixture() {
    std::error_code ignored;
    fs::remove_all(root, ignored);
  }
  fs::path root, meta, resume;
  std::unique_ptr<vozduxan::Cache> cache;
};

void write(const fs::path& path, const std::uint8_t* data, std::size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Fixture fixture;
  write(fixture.meta, data, size);
  write(fixture.resume, data, size);
  const std::shared_ptr<lt::torrent_info> info = fixture.cache->loadMetadata(kKey);
  const std::vector<char> resume = fixture.cache->loadResume(kKey);
  if (resume.size() != size) std::abort();
  if (!resume.empty()) {
    lt::error_code ec;
    const lt::add_torrent_params saved = lt::read_resume_data(resume, ec);
    if (!ec && info) (void)(saved.have_pieces.size() == info->num_pieces());
  }
  for (const vozduxan::CachedTorrent& entry : fixture.cache->list())
    (void)fixture.cache->diskBytes(entry.key);
  return 0;
}
