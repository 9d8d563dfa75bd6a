// One torrent in the session: its handle, metadata, which pieces it has and has
// verified on disk, and the readers waiting for pieces. Shared by the event loop
// (writes) and the HTTP thread (reads); its own mutex guards it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <libtorrent/torrent_handle.hpp>
#include <libtorrent/torrent_info.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/piece_reader.h"
#include "engine/read_status.h"

namespace vozduxan {

struct TorrentStatusSnapshot {
  std::int64_t downloadRate = 0;
  std::int64_t uploadRate = 0;
  int numPeers = 0;
  int numSeeds = 0;
  std::int64_t bytesDone = 0;
  std::int64_t bytesReceived = 0;  // payload, since the session added it
};

class Torrent {
 public:
  using Waiter = std::function<void()>;

  Torrent(std::string key, std::string savePath);

  const std::string& key() const { return key_; }
  const std::string& savePath() const { return savePath_; }

  void attach(lt::torrent_handle handle);
  lt::torrent_handle handle() const;

  /// Metadata and the pieces found on disk; the torrent is ready once both are known.
  void setMetadata(std::shared_ptr<const lt::torrent_info> info);
  std::shared_ptr<const lt::torrent_info> info() const;
  /// The pieces libtorrent has after a (re)check; replaces what was known before and
  /// returns the waiters of pieces now here, to run outside any lock.
  std::vector<Waiter> setChecked(const std::vector<bool>& have);
  bool ready() const;

  /// Marks a piece finished (hash passed); returns the waiters to run, outside any lock.
  std::vector<Waiter> markPiece(int piece);
  std::vector<Waiter> takeAllWaiters();
  /// libtorrent could not write its files (file_error_alert): reads of missing pieces fail
  /// from now on instead of waiting. Returns the parked readers, to wake outside any lock.
  std::vector<Waiter> markStorageFailed();
  /// A later call for the torrent tries again (the disk may have room now). Returns whether
  /// it had failed.
  bool clearStorageFailed();
  /// The pieces readers wait for, lowest first.
  std::vector<int> awaitedPieces() const;
  /// The first piece in [first, last] a reader waits for; -1 if none.
  int firstAwaited(int first, int last) const;
  bool hasPiece(int piece) const;
  int countPieces(int first, int last) const;
  /// Bytes from `offset` (torrent-relative) up to `end` covered by pieces it has.
  std::int64_t contiguousFrom(std::int64_t offset, std::int64_t end) const;

  /// Runs `waiter` now if the piece is here, else when it arrives (or on wake-all).
  void waitPiece(int piece, Waiter waiter);

  /// Reads verified bytes at a torrent-relative offset, at most to the end of its piece
  /// run. `missing` names the piece to wait for on NotYet.
  ReadStatus read(std::int64_t offset, char* buffer, std::size_t len, std::size_t& got,
                  int& missing);

  /// True once after reads found a piece whose bytes on disk never match its hash
  /// (a cache corrupted between runs): libtorrent must recheck and fetch it again.
  bool takeRecheckRequest();
  /// True once after a read found a v2 piece whose hash our metadata lacks (a magnet's
  /// metadata has no piece layers): the engine then hands over libtorrent's (setHashes).
  bool takeHashesRequest();
  /// Metadata with piece layers, to check v2 pieces against (torrent_file_with_hashes).
  void setHashes(std::shared_ptr<const lt::torrent_info> withHashes);

  void setStatus(const TorrentStatusSnapshot& status);
  TorrentStatusSnapshot status() const;

  void touch();
  std::chrono::steady_clock::time_point lastUsed() const;

 private:
  const std::string key_;
  const std::string savePath_;
  mutable std::mutex mu_;
  lt::torrent_handle handle_;
  std::shared_ptr<const lt::torrent_info> info_;
  std::optional<PieceReader> reader_;
  bool checked_ = false;
  std::vector<bool> have_;
  std::vector<bool> verified_;
  // Passed libtorrent's hash in this session (piece_finished): its bytes are right, only maybe
  // not on disk yet. Pieces known from a check or resume data may be bad on disk.
  std::vector<bool> finishedHere_;
  std::map<int, std::vector<Waiter>> waiters_;
  std::map<int, int> hashFailures_;
  bool recheckWanted_ = false;
  bool storageFailed_ = false;
  bool hashesWanted_ = false;
  std::shared_ptr<const lt::torrent_info> hashes_;  // piece layers, when info_ lacks them
  TorrentStatusSnapshot status_;
  std::chrono::steady_clock::time_point lastUsed_;
};

}  // namespace vozduxan
