// The open streams by token. Not thread-safe: the session's lock guards it, as it does every
// room the engine thread and the JS calls share.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/stream.h"

namespace vozduxan {

class Streams {
 public:
  using ByToken = std::map<std::string, std::shared_ptr<Stream>>;

  void add(std::shared_ptr<Stream> stream);
  /// nullptr for unknown and released tokens alike.
  std::shared_ptr<Stream> find(const std::string& token) const;
  void erase(const std::string& token);
  /// The streams of one torrent, in token order (the order its schedule's windows follow).
  std::vector<std::shared_ptr<Stream>> of(const Torrent& torrent) const;
  /// Whether a stream reads the torrent with this key.
  bool uses(const std::string& torrentKey) const;
  const ByToken& all() const { return byToken_; }
  /// The read-ahead cap's staleness tick over every stream (Stream::followStaleReader).
  void followStaleReaders(std::chrono::steady_clock::time_point now);
  /// Close: every stream's responses end at their next chunk.
  void markAllReleased();
  void clear() { byToken_.clear(); }

 private:
  ByToken byToken_;
};

}  // namespace vozduxan
