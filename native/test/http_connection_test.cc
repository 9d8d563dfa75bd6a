// HttpConnection alone (engine/http_connection.h), over real loopback sockets, against a stub
// StreamSource whose bytes "arrive" when the test says so: keep-alive, pipelining, stale
// responses after a newer request, slow readers, and the errors a client can cause.
#include "engine/http_connection.h"

#include <doctest/doctest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace vozduxan {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using Response = http::response<http::string_body>;

constexpr auto kPatience = std::chrono::seconds(10);
// Not boost::none: Boost 1.74's parser compares a Content-Length against the optional itself, so
// "no limit" refuses every body.
constexpr std::uint64_t kNoBodyLimit = std::numeric_limits<std::uint64_t>::max();

/// The byte at `offset` of every stub file: not periodic in 256, so an offset error shows.
char byteAt(std::int64_t offset) { return static_cast<char>((offset % 251) ^ (offset / 251)); }

std::string bytesAt(std::int64_t offset, std::int64_t length) {
  std::string bytes(static_cast<std::size_t>(length), '\0');
  for (std::int64_t i = 0; i < length; ++i) bytes[static_cast<std::size_t>(i)] = byteAt(offset + i);
  return bytes;
}

/// Whether `body` is the file's bytes [offset, offset + length); a bool, so a failure does not
/// print megabytes.
bool isBytesAt(const std::string& body, std::int64_t offset, std::int64_t length) {
  if (body == bytesAt(offset, length)) return true;
  MESSAGE("body of " << body.size() << " bytes, expected " << length << " from " << offset);
  return false;
}

/// Waits (bounded) for a state another thread brings about.
bool eventually(const std::function<bool()>& done) {
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
    return !released_ && generation == generation_;
  }

  ReadStatus read(std::int64_t offset, char* buffer, std::size_t len, std::size_t& got,
                  std::function<void()> resume) override {
    got = 0;
    std::lock_guard<std::mutex> lock(mu_);
    ++reads_;
    if (released_ || failing_) return ReadStatus::Failed;
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

  /// Drops parked resumes unrun: each holds its connection.
  void dropParked() {
    std::lock_guard<std::mutex> lock(mu_);
    parked_.clear();
  }

 private:
  const std::int64_t size_;
  const std::string mime_ = "audio/flac";
  mutable std::mutex mu_;
  std::int64_t available_;
  std::uint64_t generation_ = 0;
  bool released_ = false;
  bool failing_ = false;
  int retries_ = 0;
  int reads_ = 0;
  std::vector<std::function<void()>> parked_;
};

class StubDirectory : public StreamDirectory {
 public:
  std::shared_ptr<StreamSource> findStream(const std::string& token) override {
    auto it = sources.find(token);
    return it == sources.end() ? nullptr : it->second;
  }
  std::map<std::string, std::shared_ptr<StubSource>> sources;  // set before the first request
};

/// Accepts connections one by one and runs them on its own io thread (the role HttpServer has).
class Fixture {
 public:
  Fixture() : acceptor_(io_, tcp::endpoint(net::ip::make_address_v4("127.0.0.1"), 0)) {
    thread_ = std::thread([this] { io_.run(); });
  }

  ~Fixture() {
    net::post(io_, [this] {
      for (const auto& weak : live_) {
        if (auto connection = weak.lock()) connection->close();
      }
    });
    work_.reset();
    thread_.join();
    // Parked resumes own their connections; they go before io_ does.
    for (auto& [token, source] : directory.sources) source->dropParked();
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  /// Accepts the connection `client` just opened and starts serving it.
  void serve(tcp::socket& client) {
    client.connect(acceptor_.local_endpoint());
    tcp::socket socket = acceptor_.accept();
    HttpConnection::Context context{io_, directory, [](const std::string&) {}, port(),
                                    [this](HttpConnection*) { forgotten(); }};
    auto connection = std::make_shared<HttpConnection>(std::move(context), std::move(socket));
    net::post(io_, [this, connection] {
      live_.push_back(connection);
      connection->start();
    });
    std::lock_guard<std::mutex> lock(mu_);
    ++opened_;
  }

  /// Waits until every connection served so far is gone (closed and destroyed).
  bool allGone() {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, kPatience, [this] { return forgotten_ == opened_; });
  }

  StubDirectory directory;

 private:
  void forgotten() {
    std::lock_guard<std::mutex> lock(mu_);
    ++forgotten_;
    changed_.notify_all();
  }

  net::io_context io_;
  net::executor_work_guard<net::io_context::executor_type> work_ = net::make_work_guard(io_);
  tcp::acceptor acceptor_;
  std::vector<std::weak_ptr<HttpConnection>> live_;  // io thread only
  std::mutex mu_;
  std::condition_variable changed_;
  int opened_ = 0;
  int forgotten_ = 0;
  std::thread thread_;  // runs io_; joined by the destructor
};

/// A client over its own io_context; every wait is bounded, so a bug fails instead of hanging.
class Client {
 public:
  explicit Client(Fixture& fixture, int receiveBuffer = 0) : fixture_(fixture), socket_(io_) {
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

  Fixture& fixture_;
  net::io_context io_;
  tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

constexpr const char* kToken = "0123456789abcdef";
const std::string kPath = std::string(kStreamPath) + kToken;

std::shared_ptr<StubSource> addSource(Fixture& fixture, std::int64_t size, std::int64_t available) {
  auto source = std::make_shared<StubSource>(size, available);
  fixture.directory.sources[kToken] = source;
  return source;
}

TEST_CASE("keep-alive: one connection serves request after request") {
  Fixture fixture;
  addSource(fixture, 100'000, 100'000);
  {
    Client client(fixture);
    const Response whole = client.get(kPath);
    CHECK(whole.result() == http::status::ok);
    CHECK(whole[http::field::content_type] == "audio/flac");
    CHECK(whole[http::field::accept_ranges] == "bytes");
    CHECK(isBytesAt(whole.body(), 0, 100'000));
    const Response part = client.get(kPath, "Range: bytes=1000-1999\r\n");
    CHECK(part.result() == http::status::partial_content);
    CHECK(part[http::field::content_range] == "bytes 1000-1999/100000");
    CHECK(isBytesAt(part.body(), 1000, 1000));
    const Response tail = client.get(kPath, "Range: bytes=-10\r\n");
    CHECK(isBytesAt(tail.body(), 99'990, 10));
    CHECK(tail.keep_alive());
  }
  CHECK(fixture.allGone());
}

TEST_CASE("Connection: close ends the connection after its response") {
  Fixture fixture;
  addSource(fixture, 1000, 1000);
  Client client(fixture);
  const Response response = client.get(kPath, "Connection: close\r\n");
  CHECK(isBytesAt(response.body(), 0, 1000));
  CHECK_FALSE(response.keep_alive());
  CHECK(client.closedByServer());
}

TEST_CASE("pipelining: requests sent together are answered in order") {
  Fixture fixture;
  addSource(fixture, 50'000, 50'000);
  Client client(fixture);
  client.send(client.request(kPath, "Range: bytes=0-9\r\n") +
              client.request(kPath, "Range: bytes=40000-\r\n") + client.request(kPath, "", "HEAD") +
              client.request(kPath, "Range: bytes=5-6\r\n"));
  boost::system::error_code ec;
  CHECK(isBytesAt(client.read(ec).body(), 0, 10));
  CHECK(isBytesAt(client.read(ec).body(), 40'000, 10'000));
  http::response_parser<http::string_body> head;
  head.skip(true);  // a HEAD response has no body whatever its Content-Length says
  CHECK(client.readHeader(head)[http::field::content_length] == "50000");
  CHECK(isBytesAt(client.read(ec).body(), 5, 2));
  CHECK_FALSE(ec);
}

TEST_CASE("a newer request for the token ends the older response at once") {
  Fixture fixture;
  constexpr std::int64_t kThere = std::int64_t{64} * 1024;
  auto source = addSource(fixture, 1'000'000, kThere);
  Client older(fixture);
  older.send(older.request(kPath));
  http::response_parser<http::string_body> parser;
  CHECK(older.readHeader(parser).result() == http::status::ok);
  // The older response has sent what is there and waits for the rest.
  older.readBodyAtLeast(parser, kThere);
  REQUIRE(eventually([&] { return source->parkedReaders() == 1; }));

  Client newer(fixture);
  newer.send(newer.request(kPath, "Range: bytes=500000-500099\r\n"));
  boost::system::error_code ec;
  const std::string body = older.readBody(parser, ec);
  CHECK(ec == http::error::partial_message);  // cut short by the close, not timed out
  CHECK(isBytesAt(body, 0, kThere));

  // The newer one waits for its bytes like any reader, then gets them.
  source->arrive(1'000'000);
  const Response response = newer.read(ec);
  CHECK_FALSE(ec);
  CHECK(isBytesAt(response.body(), 500'000, 100));
}

TEST_CASE("a parked response continues when its bytes arrive, and ends on release") {
  Fixture fixture;
  auto source = addSource(fixture, 300'000, 0);
  Client client(fixture);
  client.send(client.request(kPath));
  http::response_parser<http::string_body> parser;
  CHECK(client.readHeader(parser)[http::field::content_length] == "300000");
  source->arrive(100'000);
  source->arrive(300'000);
  boost::system::error_code ec;
  CHECK(isBytesAt(client.readBody(parser, ec), 0, 300'000));
  CHECK_FALSE(ec);

  client.send(client.request(kPath, "Range: bytes=-1\r\n"));
  CHECK(isBytesAt(client.read(ec).body(), 299'999, 1));

  auto gone = std::make_shared<StubSource>(300'000, 1000);
  fixture.directory.sources["bbbb"] = gone;
  Client other(fixture);
  other.send(other.request(std::string(kStreamPath) + "bbbb"));
  http::response_parser<http::string_body> cut;
  other.readHeader(cut);
  other.readBodyAtLeast(cut, 1000);
  REQUIRE(eventually([&] { return gone->parkedReaders() == 1; }));
  gone->release();
  CHECK(isBytesAt(other.readBody(cut, ec), 0, 1000));
  CHECK(ec == http::error::partial_message);
}

TEST_CASE("a slow reader holds up neither the server nor its own bytes") {
  Fixture fixture;
  constexpr std::int64_t kSize = std::int64_t{8} * 1024 * 1024;
  auto big = std::make_shared<StubSource>(kSize, kSize);
  fixture.directory.sources["aaaa"] = big;
  addSource(fixture, 1000, 1000);

  // The slow reader asks for 8 MiB through a small receive buffer and reads nothing for now:
  // the server's writes to it stall.
  Client slow(fixture, 4096);
  slow.send(slow.request(std::string(kStreamPath) + "aaaa"));

  // Meanwhile another client is served in full.
  Client fast(fixture);
  CHECK(isBytesAt(fast.get(kPath).body(), 0, 1000));

  boost::system::error_code ec;
  const Response response = slow.read(ec);
  CHECK_FALSE(ec);
  CHECK(response.body().size() == static_cast<std::size_t>(kSize));
  CHECK(isBytesAt(response.body(), 0, kSize));
}

TEST_CASE("bytes not on disk yet are retried; a failed read ends the response") {
  Fixture fixture;
  auto source = addSource(fixture, 5000, 5000);
  source->retryFirstReads(3);
  Client client(fixture);
  CHECK(isBytesAt(client.get(kPath).body(), 0, 5000));

  source->failReads();
  client.send(client.request(kPath));
  boost::system::error_code ec;
  const Response cut = client.read(ec);
  CHECK(ec == http::error::partial_message);
  CHECK(cut.body().empty());
}

TEST_CASE("416 for a range past the end, with the length") {
  Fixture fixture;
  addSource(fixture, 1000, 1000);
  Client client(fixture);
  const Response response = client.get(kPath, "Range: bytes=1000-\r\n");
  CHECK(response.result() == http::status::range_not_satisfiable);
  CHECK(response[http::field::content_range] == "bytes */1000");
  CHECK(response.body().empty());
  // The connection stays usable.
  CHECK(isBytesAt(client.get(kPath, "Range: bytes=0-0\r\n").body(), 0, 1));
}

TEST_CASE("foreign hosts, unknown tokens, other paths and methods are refused") {
  Fixture fixture;
  addSource(fixture, 1000, 1000);
  Client client(fixture);
  boost::system::error_code ec;
  client.send("GET " + kPath + " HTTP/1.1\r\nHost: evil.example:80\r\n\r\n");
  CHECK(client.read(ec).result() == http::status::forbidden);
  client.send("GET " + kPath + " HTTP/1.1\r\n\r\n");  // no Host at all
  CHECK(client.read(ec).result() == http::status::forbidden);
  CHECK(client.get(std::string(kStreamPath) + "0123").result() == http::status::not_found);
  CHECK(client.get(std::string(kStreamPath) + "XYZ!").result() == http::status::not_found);
  CHECK(client.get("/other/" + std::string(kToken)).result() == http::status::not_found);
  client.send(client.request(kPath, "", "POST"));
  const Response post = client.read(ec);
  CHECK(post.result() == http::status::method_not_allowed);
  CHECK(post[http::field::allow] == "GET, HEAD");
  // A query string does not hide the token.
  CHECK(isBytesAt(client.get(kPath + "?t=1").body(), 0, 1000));
}

TEST_CASE("an unparsable request gets one 400, then the connection closes") {
  Fixture fixture;
  Client client(fixture);
  client.send("NONSENSE\r\n\r\n");
  boost::system::error_code ec;
  CHECK(client.read(ec).result() == http::status::bad_request);
  CHECK(client.closedByServer());
}

TEST_CASE("connections leave their owner when they end") {
  Fixture fixture;
  addSource(fixture, 1000, 1000);
  {
    Client first(fixture);
    Client second(fixture);
    CHECK(isBytesAt(first.get(kPath).body(), 0, 1000));
    CHECK(isBytesAt(second.get(kPath).body(), 0, 1000));
  }
  CHECK(fixture.allGone());
}

}  // namespace
}  // namespace vozduxan
