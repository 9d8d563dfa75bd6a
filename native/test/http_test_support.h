// What the HTTP tests share: a stub StreamSource whose bytes "arrive" when the test says so, a
// directory of them, and a loopback client whose every wait is bounded.
#pragma once

#include <doctest/doctest.h>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "engine/stream_source.h"

namespace vozduxan::test {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using Response = http::response<http::string_body>;

inline constexpr auto kPatience = std::chrono::seconds(10);
// Not boost::none: Boost 1.74's parser compares a Content-Length against the optional itself, so
// "no limit" refuses every body.
inline constexpr std::uint64_t kNoBodyLimit = std::numeric_limits<std::uint64_t>::max();

/// The byte at `offset` of every stub file: not periodic in 256, so an offset error shows.
inline char byteAt(std::int64_t offset) {
  return static_cast<char>((offset % 251) ^ (offset / 251));
}

inline std::string bytesAt(std::int64_t offset, std::int64_t length) {
  std::string bytes(static_cast<std::size_t>(length), '\0');
  for (std::int64_t i = 0; i < length; ++i) bytes[static_cast<std::size_t>(i)] = byteAt(offset + i);
  return bytes;
}

/// Whether `body` is the file's bytes [offset, offset + length); a bool, so a failure does not
/// print megabytes.
inline bool isBytesAt(const std::string& body, std::int64_t offset, std::int64_t length) {
  if (body == bytesAt(offset, length)) return true;
  MESSAGE("body of " << body.size() << " bytes, expected " << length << " from " << offset);
  return false;
}

/// Waits (bounded) for a state another thread brings about.
inline bool eventually(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

/// What a Stream gives the HTTP layer, without a torrent: bytes below `available` are there;
/// a read past it parks its resume until more arrive, as a reader waits for a piece.
class StubSource : public StreamSource {
 public:
  explicit StubSource(std::int64_t size, std::int64_t available)
      : size_(size), available_(available) {}

  std::int64_t size() const override { return size_; }
  const std::string& mimeType() const override { return mime_; }

  std::uint64_t beginResponse(std::int64_t offset) override {
    std::vector<std::function<void()>> parked;
    std::uint64_t generation = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      generation = ++generation_;
      parked.swap(parked_);
    }
    // As Stream does: parked responses wake, and the stale ones end.
    for (auto& resume : parked) resume();
    return generation;
  }

  bool current(std::uint64_t generation) const override {
    std::lock_guard<std::mutex> lock(mu_);
    if (throwing_) throw std::runtime_error("stub source throws");
    return !released_ && generation == generation_;
  }

  ReadStatus read(std::uint64_t generation, std::int64_t offset, char* buffer, std::size_t len,
                  std::size_t& got, std::function<void()> resume) override {
    got = 0;
    std::lock_guard<std::mutex> lock(mu_);
    ++reads_;
    if (released_ || failing_ || generation != generation_) return ReadStatus::Failed;
    if (retries_ > 0) {
      --retries_;
      return ReadStatus::Retry;
    }
    if (offset >= available_) {
      parked_.push_back(std::move(resume));
      return ReadStatus::NotYet;
    }
    got = static_cast<std::size_t>(
        std::min<std::int64_t>(static_cast<std::int64_t>(len), available_ - offset));
    const std::string bytes = bytesAt(offset, static_cast<std::int64_t>(got));
    std::memcpy(buffer, bytes.data(), got);
    return ReadStatus::Ready;
  }

  /// Bytes up to `available` arrive: parked readers resume (from this thread, as the engine's).
  void arrive(std::int64_t available) {
    std::vector<std::function<void()>> parked;
    {
      std::lock_guard<std::mutex> lock(mu_);
      available_ = available;
      parked.swap(parked_);
    }
    for (auto& resume : parked) resume();
  }

  void release() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      released_ = true;
    }
    arrive(available_);
  }

  void failReads() {
    std::lock_guard<std::mutex> lock(mu_);
    failing_ = true;
  }

  void retryFirstReads(int count) {
    std::lock_guard<std::mutex> lock(mu_);
    retries_ = count;
  }

  std::size_t parkedReaders() const {
    std::lock_guard<std::mutex> lock(mu_);
    return parked_.size();
  }

  /// Drops parked resumes unrun.
  void dropParked() {
    std::lock_guard<std::mutex> lock(mu_);
    parked_.clear();
  }

  /// Hands the parked resumes to the caller, unrun: the caller plays the engine thread that
  /// runs them and drops them whenever it likes.
  std::vector<std::function<void()>> takeParked() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::exchange(parked_, {});
  }

  /// Released, without waking anyone (a release whose wake-up is still to come).
  void markReleased() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
  }

  /// From now on current() throws, as no real stream does: for the server's last line of defence.
  void throwFromCurrent() {
    std::lock_guard<std::mutex> lock(mu_);
    throwing_ = true;
  }

  int reads() const {
    std::lock_guard<std::mutex> lock(mu_);
    return reads_;
  }

 private:
  const std::int64_t size_;
  const std::string mime_ = "audio/flac";
  mutable std::mutex mu_;
  std::int64_t available_;
  std::uint64_t generation_ = 0;
  bool released_ = false;
  bool failing_ = false;
  bool throwing_ = false;
  int retries_ = 0;
  int reads_ = 0;
  std::vector<std::function<void()>> parked_;
};

class StubDirectory : public StreamDirectory {
 public:
  std::shared_ptr<StreamSource> findStream(const std::string& token) override {
    if (throwing) throw std::runtime_error("stub directory throws");
    auto it = sources.find(token);
    return it == sources.end() ? nullptr : it->second;
  }
  std::map<std::string, std::shared_ptr<StubSource>> sources;  // set before the first request
  bool throwing = false;                                       // set before the first request
};

/// What a Client connects to: a bare connection under test, or a whole server.
class Endpoint {
 public:
  virtual ~Endpoint() = default;
  virtual std::uint16_t port() const = 0;
  /// Connects `client` and has the other side serve it.
  virtual void serve(tcp::socket& client) = 0;
};

/// A client over its own io_context; every wait is bounded, so a bug fails instead of hanging.
class Client {
 public:
  explicit Client(Endpoint& fixture, int receiveBuffer = 0) : fixture_(fixture), socket_(io_) {
    if (receiveBuffer > 0) {
      socket_.open(tcp::v4());
      socket_.set_option(net::socket_base::receive_buffer_size(receiveBuffer));
    }
    fixture.serve(socket_);
  }

  std::string request(const std::string& target, const std::string& extra = "",
                      const std::string& method = "GET") const {
    return method + " " + target +
           " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(fixture_.port()) + "\r\n" + extra +
           "\r\n";
  }

  void send(const std::string& raw) { net::write(socket_, net::buffer(raw)); }

  /// The next response; `ec` says how it ended (a body cut short by a close is an error).
  Response read(boost::system::error_code& ec) {
    http::response_parser<http::string_body> parser;
    parser.body_limit(kNoBodyLimit);
    run([&](auto done) { http::async_read(socket_, buffer_, parser, done); }, ec);
    return parser.release();
  }

  Response get(const std::string& target, const std::string& extra = "") {
    send(request(target, extra));
    boost::system::error_code ec;
    Response response = read(ec);
    CHECK_FALSE(ec);
    return response;
  }

  /// Reads only the header; the body stays in the socket.
  Response readHeader(http::response_parser<http::string_body>& parser) {
    boost::system::error_code ec;
    parser.body_limit(kNoBodyLimit);
    run([&](auto done) { http::async_read_header(socket_, buffer_, parser, done); }, ec);
    CHECK_FALSE(ec);
    return parser.get();
  }

  /// Reads on until the body has at least `bytes`.
  void readBodyAtLeast(http::response_parser<http::string_body>& parser, std::int64_t bytes) {
    boost::system::error_code ec;
    while (!ec && static_cast<std::int64_t>(parser.get().body().size()) < bytes) {
      run([&](auto done) { http::async_read_some(socket_, buffer_, parser, done); }, ec);
    }
    CHECK_FALSE(ec);
  }

  /// Reads the rest of a response begun with readHeader.
  std::string readBody(http::response_parser<http::string_body>& parser,
                       boost::system::error_code& ec) {
    run([&](auto done) { http::async_read(socket_, buffer_, parser, done); }, ec);
    return parser.get().body();
  }

  /// True if the server closed the connection (and sent nothing more).
  bool closedByServer() {
    char byte = 0;
    boost::system::error_code ec;
    if (buffer_.size() > 0) return false;
    run([&](auto done) { socket_.async_read_some(net::buffer(&byte, 1), done); }, ec);
    return ec == net::error::eof || ec == net::error::connection_reset;
  }

 private:
  template <typename Start>
  void run(Start start, boost::system::error_code& ec) {
    bool finished = false;
    start([&](boost::system::error_code result, std::size_t) {
      ec = result;
      finished = true;
    });
    io_.restart();
    io_.run_for(kPatience);
    if (!finished) {
      socket_.cancel();
      io_.restart();
      io_.run();
      ec = net::error::timed_out;
    }
  }

  Endpoint& fixture_;
  net::io_context io_;
  tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace vozduxan::test
