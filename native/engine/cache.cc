#include "engine/cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <libtorrent/bencode.hpp>
#include <libtorrent/entry.hpp>

#include "engine/errors.h"

namespace vozduxan {

namespace fs = std::filesystem;

namespace {

constexpr const char* kMetaDir = ".vozduxan";

std::uint64_t allocatedBytes(const fs::path& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) return 0;
  return static_cast<std::uint64_t>(info.st_blocks) * 512;
}

std::chrono::system_clock::time_point modified(const fs::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return {};
  return std::chrono::system_clock::from_time_t(info.st_mtime);
}

/// Writes every byte to `fd`; false on any error (ENOSPC, EIO, ...).
bool writeAll(int fd, const std::vector<char>& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t wrote = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) return false;
    done += static_cast<std::size_t>(wrote);
  }
  return true;
}

/// Write, fsync, close, and only then rename: a full disk or a crash never leaves a truncated
/// file in place of a good one. Each step is checked; on failure the old file stays.
bool writeAtomically(const std::string& path, const std::vector<char>& bytes) {
  const std::string temporary = path + ".tmp";
  ::unlink(temporary.c_str());  // O_EXCL below: never write through whatever was there
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  const bool written = writeAll(fd, bytes) && ::fsync(fd) == 0;
  const bool closed = ::close(fd) == 0;
  std::error_code ec;
  if (written && closed) fs::rename(temporary, path, ec);
  if (!written || !closed || ec) {
    ::unlink(temporary.c_str());
    return false;
  }
  return true;
}

bool isTorrentKey(const std::string& name) {
  if (name.size() != 40 && name.size() != 64) return false;
  return name.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

Cache::Cache(std::string root) : root_(std::move(root)) {
  if (root_.empty()) throw EngineError(ErrorCode::BadInput, "storagePath is required");
  std::error_code ec;
  const fs::path rootPath(root_);
  const fs::path parent = fs::absolute(rootPath, ec).parent_path();
  if (!fs::is_directory(parent, ec)) {
    throw EngineError(ErrorCode::StorageError,
                      "storagePath's parent does not exist: " + parent.string());
  }
  fs::create_directory(rootPath, ec);
  if (ec || !fs::is_directory(rootPath)) {
    throw EngineError(ErrorCode::StorageError,
                      "cannot create storagePath " + root_ + ": " + ec.message());
  }
  fs::create_directory(rootPath / kMetaDir, ec);
  const fs::path probe = rootPath / kMetaDir / ".write-probe";
  {
    std::ofstream out(probe);
    out << "ok";
    if (!out) throw EngineError(ErrorCode::StorageError, "storagePath is not writable: " + root_);
  }
  fs::remove(probe, ec);
}

std::string Cache::dataPath(const std::string& key) const {
  return (fs::path(root_) / key).string();
}

std::string Cache::metaPath(const std::string& key) const {
  return (fs::path(root_) / kMetaDir / (key + ".torrent")).string();
}

std::string Cache::resumePath(const std::string& key) const {
  return (fs::path(root_) / kMetaDir / (key + ".resume")).string();
}

std::vector<char> Cache::loadResume(const std::string& key) const {
  std::ifstream in(resumePath(key), std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void Cache::saveResume(const std::string& key, const std::vector<char>& data) const {
  writeAtomically(resumePath(key), data);
}

std::shared_ptr<lt::torrent_info> Cache::loadMetadata(const std::string& key) const {
  lt::error_code ec;
  auto info = std::make_shared<lt::torrent_info>(metaPath(key), ec);
  if (ec) return nullptr;
  return info;
}

bool Cache::hasMetadata(const std::string& key) const {
  std::error_code ec;
  return fs::is_regular_file(metaPath(key), ec);
}

void Cache::saveMetadata(const std::string& key, const lt::torrent_info& info) const {
  // Not create_torrent::generate(): it throws for a v2 torrent without piece layers (a
  // magnet's metadata has none), and re-encodes what it keeps. The info dict's own bytes
  // keep both info hashes exactly.
  const lt::span<const char> section = info.info_section();
  if (section.empty()) return;
  lt::entry root(lt::entry::dictionary_t);
  root["info"] = lt::entry(lt::entry::preformatted_type(section.begin(), section.end()));
  if (info.info_hashes().has_v2()) {
    const lt::file_storage& files = info.files();
    lt::entry layers(lt::entry::dictionary_t);
    bool any = false;
    for (lt::file_index_t file : files.file_range()) {
      const lt::span<const char> layer = info.piece_layer(file);
      if (layer.empty() || files.pad_file_at(file)) continue;
      const lt::sha256_hash fileRoot = files.root(file);
      layers[std::string(fileRoot.data(), fileRoot.size())] =
          std::string(layer.data(), static_cast<std::size_t>(layer.size()));
      any = true;
    }
    if (any) root["piece layers"] = std::move(layers);
  }
  std::vector<char> bytes;
  lt::bencode(std::back_inserter(bytes), root);
  writeAtomically(metaPath(key), bytes);
}

void Cache::touch(const std::string& key) const {
  std::error_code ec;
  const fs::path path = metaPath(key);
  if (fs::exists(path, ec)) fs::last_write_time(path, fs::file_time_type::clock::now(), ec);
}

std::uint64_t Cache::diskBytes(const std::string& key) const {
  std::error_code ec;
  std::uint64_t total = 0;
  const fs::path dir = dataPath(key);
  if (!fs::exists(dir, ec)) return 0;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) total += allocatedBytes(it->path());
  }
  return total;
}

std::vector<CachedTorrent> Cache::list() const {
  std::vector<CachedTorrent> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_, ec)) {
    const std::string name = entry.path().filename().string();
    if (!isTorrentKey(name)) continue;
    const fs::path meta = metaPath(name);
    const auto used = fs::exists(meta, ec) ? modified(meta) : modified(entry.path());
    out.push_back({name, diskBytes(name), used});
  }
  return out;
}

void Cache::discard(const std::string& key, bool dataToo) const {
  std::error_code ec;
  fs::remove(metaPath(key), ec);
  fs::remove(resumePath(key), ec);
  if (!dataToo || !fs::exists(dataPath(key), ec)) return;
  const fs::path trash = fs::path(root_) / kMetaDir / "trash";
  fs::create_directories(trash, ec);
  static std::atomic<std::uint64_t> serial{0};  // names only: every discard gets its own
  const fs::path target = trash / (key + "." + std::to_string(++serial));
  fs::rename(dataPath(key), target, ec);
  if (ec) fs::remove_all(dataPath(key), ec);  // no rename (another filesystem?): delete now
}

void Cache::emptyTrash() const {
  std::error_code ec;
  const fs::path trash = fs::path(root_) / kMetaDir / "trash";
  for (const auto& entry : fs::directory_iterator(trash, ec)) fs::remove_all(entry.path(), ec);
}

std::uint64_t Cache::remove(const std::string& key) const {
  const std::uint64_t bytes = diskBytes(key);
  std::error_code ec;
  fs::remove_all(dataPath(key), ec);
  fs::remove(metaPath(key), ec);
  fs::remove(resumePath(key), ec);
  return bytes;
}

}  // namespace vozduxan
