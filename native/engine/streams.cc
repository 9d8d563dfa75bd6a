#include "engine/streams.h"

#include <utility>

namespace vozduxan {

void Streams::add(std::shared_ptr<Stream> stream) {
  const std::string token = stream->token();
  byToken_[token] = std::move(stream);
}

std::shared_ptr<Stream> Streams::find(const std::string& token) const {
  auto it = byToken_.find(token);
  return it == byToken_.end() ? nullptr : it->second;
}

void Streams::erase(const std::string& token) { byToken_.erase(token); }

std::vector<std::shared_ptr<Stream>> Streams::of(const Torrent& torrent) const {
  std::vector<std::shared_ptr<Stream>> streams;
  for (const auto& [token, stream] : byToken_) {
    if (stream->torrent().get() == &torrent) streams.push_back(stream);
  }
  return streams;
}

bool Streams::uses(const std::string& torrentKey) const {
  for (const auto& [token, stream] : byToken_) {
    if (stream->torrent()->key() == torrentKey) return true;
  }
  return false;
}

void Streams::followStaleReaders(std::chrono::steady_clock::time_point now) {
  for (auto& [token, stream] : byToken_) stream->followStaleReader(now);
}

void Streams::markAllReleased() {
  for (auto& [token, stream] : byToken_) stream->markReleased(true);
}

}  // namespace vozduxan
