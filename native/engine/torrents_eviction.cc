// The eviction walk of Torrents (torrents.h): which cached torrents go, TTL then size, never one
// a stream, a call or a response still uses.
#include <algorithm>

#include "engine/torrents.h"

namespace vozduxan {

EvictionSnapshot Torrents::evictionSnapshot() const {
  EvictionSnapshot snapshot{std::chrono::system_clock::now(), std::chrono::steady_clock::now(), {}};
  for (const auto& [key, entry] : byKey_) snapshot.lastUsed[key] = entry->torrent->lastUsed();
  return snapshot;
}

EvictResult Torrents::evict(const EvictionSnapshot& snapshot, std::vector<CachedTorrent> cached,
                            const std::function<bool(const std::string&)>& pending) {
  for (auto& item : cached) {
    if (auto used = snapshot.lastUsed.find(item.key); used != snapshot.lastUsed.end()) {
      item.lastUsed =
          snapshot.systemNow - std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                   snapshot.steadyNow - used->second);
    }
  }
  std::sort(cached.begin(), cached.end(),
            [](const CachedTorrent& a, const CachedTorrent& b) { return a.lastUsed < b.lastUsed; });

  EvictResult result;
  std::uint64_t total = 0;
  for (const auto& item : cached) total += item.bytes;
  const auto busy = [&](const std::string& key) {
    if (streams_.uses(key) || pending(key)) return true;
    // A response still holding the torrent (through its stream) keeps it too.
    const TorrentEntry* entry = find(key);
    return entry && entry->torrent.use_count() > 1;
  };
  for (const auto& item : cached) {
    const bool expired = snapshot.systemNow - item.lastUsed >= ttl_;
    if ((!expired && total <= maxBytes_) || busy(item.key)) continue;
    bool libtorrentDeletes = false;
    if (TorrentEntry* entry = find(item.key)) {
      if (entry->attached) {
        // libtorrent deletes the files itself, after the writes it still has queued: deleting
        // them here could race those writes, which would recreate them.
        libtorrentDeletes = removeFromLibtorrent(entry->torrent->handle(), true);
        erase(entry->torrent->key());
      } else {
        entry->dropWhenAdded = true;  // its add alert removes it (onAdded)
      }
    }
    // Under the lock, so a prepare cannot re-add this torrent while its files go; cheap (a
    // rename into the trash), the deleting happens after the lock (Session::evict).
    cache_.discard(item.key, !libtorrentDeletes);
    result.freedBytes += item.bytes;
    total -= std::min(total, item.bytes);
    ++result.removedTorrents;
  }
  result.cacheBytes = total;
  if (result.removedTorrents > 0) {
    log_("evicted " + std::to_string(result.removedTorrents) + " torrent(s), " +
         std::to_string(result.freedBytes) + " bytes");
  }
  return result;
}

}  // namespace vozduxan
