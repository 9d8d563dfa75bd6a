// The on-disk cache under storagePath: one folder of data per torrent, the metadata
// of every torrent seen (so a magnet plays from cache after a restart), and when each
// was last used (for TTL and size eviction across restarts).
#pragma once

#include <chrono>
#include <cstdint>
#include <libtorrent/torrent_info.hpp>
#include <memory>
#include <string>
#include <vector>

namespace vozduxan {

struct CachedTorrent {
  std::string key;
  std::uint64_t bytes = 0;
  std::chrono::system_clock::time_point lastUsed;
};

class Cache {
 public:
  /// Creates the root (but not its parent) and checks it is writable; throws
  /// EngineError(StorageError) otherwise.
  explicit Cache(std::string root);

  std::string dataPath(const std::string& key) const;
  bool hasMetadata(const std::string& key) const;
  std::shared_ptr<lt::torrent_info> loadMetadata(const std::string& key) const;
  /// The info dict as it came (hybrid and v2-only too), with the piece layers it carries.
  void saveMetadata(const std::string& key, const lt::torrent_info& info) const;
  /// libtorrent resume data (which pieces are on disk), so a restart skips re-hashing.
  std::vector<char> loadResume(const std::string& key) const;
  void saveResume(const std::string& key, const std::vector<char>& data) const;
  void touch(const std::string& key) const;
  /// Every torrent with data or metadata on disk.
  std::vector<CachedTorrent> list() const;
  /// Bytes the torrent's data occupies on disk (sparse files count what is allocated).
  std::uint64_t diskBytes(const std::string& key) const;
  /// Deletes the torrent's data and metadata; returns the bytes freed.
  std::uint64_t remove(const std::string& key) const;
  /// Eviction under the session's lock, cheap: the metadata and resume files go, and the data
  /// folder is renamed into the trash (one rename, however big it is). `dataToo`: false when
  /// libtorrent deletes the data itself (remove_torrent with delete_files, after its writes).
  void discard(const std::string& key, bool dataToo) const;
  /// Deletes what discard() put in the trash (disk I/O: call it without the lock).
  void emptyTrash() const;

 private:
  std::string metaPath(const std::string& key) const;
  std::string resumePath(const std::string& key) const;
  std::string root_;
};

}  // namespace vozduxan
