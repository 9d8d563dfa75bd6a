// HttpConnection alone (engine/http_connection.h), over real loopback sockets, against a stub
// StreamSource whose bytes "arrive" when the test says so: keep-alive, pipelining, stale
// responses after a newer request, slow readers, time-outs, CORS, and the errors a client can
// cause.
#include "engine/http_connection.h"

#include <doctest/doctest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "test/http_test_support.h"

namespace vozduxan {
namespace {

using namespace vozduxan::test;  // NOLINT(google-build-using-namespace): the tests' own helpers

/// Accepts connections one by one and runs them on its own io thread (the role HttpServer has).
class Fixture : public Endpoint {
 public:
  explicit Fixture(HttpLimits limits = {})
      : limits_(std::move(limits)),
        acceptor_(io_, tcp::endpoint(net::ip::make_address_v4("127.0.0.1"), 0)) {
    thread_ = std::thread([this] { io_.run(); });
  }

  ~Fixture() override {
    net::post(io_, [this] {
      for (const auto& weak : live_) {
        if (auto connection = weak.lock()) connection->close();
      }
    });
    work_.reset();
    thread_.join();
    for (auto& [token, source] : directory.sources) source->dropParked();
  }

  std::uint16_t port() const override { return acceptor_.local_endpoint().port(); }

  /// Accepts the connection `client` just opened and starts serving it.
  void serve(tcp::socket& client) override {
    client.connect(acceptor_.local_endpoint());
    tcp::socket socket = acceptor_.accept();
    HttpConnection::Context context{io_,
                                    directory,
                                    [](const std::string&) {},
                                    port(),
                                    [this](HttpConnection*) { forgotten(); },
                                    &limits_};
    auto connection = std::make_shared<HttpConnection>(std::move(context), std::move(socket));
    net::post(io_, [this, connection = std::move(connection)] {
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

  /// How many connections were destroyed on a thread other than the io thread.
  int destroyedOffThread() {
    std::lock_guard<std::mutex> lock(mu_);
    return offThread_;
  }

  StubDirectory directory;

 private:
  void forgotten() {
    std::lock_guard<std::mutex> lock(mu_);
    ++forgotten_;
    if (std::this_thread::get_id() != thread_.get_id()) ++offThread_;
    changed_.notify_all();
  }

  const HttpLimits limits_;
  net::io_context io_;
  net::executor_work_guard<net::io_context::executor_type> work_ = net::make_work_guard(io_);
  tcp::acceptor acceptor_;
  std::vector<std::weak_ptr<HttpConnection>> live_;  // io thread only
  std::mutex mu_;
  std::condition_variable changed_;
  int opened_ = 0;
  int forgotten_ = 0;
  int offThread_ = 0;
  std::thread thread_;  // runs io_; joined by the destructor
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

// ---- lifetimes across threads (issue 17, defects 1 and 6) ----------------------

TEST_CASE(
    "a parked response is destroyed on the io thread, even when the engine drops its resume last") {
  Fixture fixture;
  auto source = addSource(fixture, 300'000, 0);
  {
    Client client(fixture);
    client.send(client.request(kPath));
    http::response_parser<http::string_body> parser;
    client.readHeader(parser);
    REQUIRE(eventually([&] { return source->parkedReaders() == 1; }));
    // The engine's side of a release: the stream is gone, then the parked resume runs on the
    // engine's thread, which drops it only later (Session::release runs its deferred work, then
    // destroys it on the JS thread).
    std::vector<std::function<void()>> resumes = source->takeParked();
    source->markReleased();
    for (auto& resume : resumes) resume();
    boost::system::error_code ec;
    client.readBody(parser, ec);
    CHECK(ec == http::error::partial_message);
    // The response ended on the io thread; the connection must be gone with it, not wait for
    // whoever holds the resume.
    CHECK(fixture.allGone());
    resumes.clear();
  }
  CHECK(fixture.allGone());
  CHECK(fixture.destroyedOffThread() == 0);
}

TEST_CASE(
    "release ends a response stuck writing to a client that reads nothing, and frees its stream") {
  Fixture fixture;
  constexpr std::int64_t kSize = std::int64_t{16} * 1024 * 1024;
  auto source = addSource(fixture, kSize, kSize);
  Client paused(fixture, 4096);
  paused.send(paused.request(kPath));
  // The first chunk is read and being written; the client reads none of it.
  REQUIRE(eventually([&] { return source->reads() >= 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const long owners = source.use_count();
  CHECK(owners > 2);  // the directory, this test, and the response
  source->release();
  // Within a bounded time the response ends and lets go of its stream (and so the torrent),
  // though its client still reads nothing.
  CHECK(fixture.allGone());
  CHECK(source.use_count() == 2);
}

TEST_CASE("a client that reads nothing for writeStallTimeout has its response ended") {
  HttpLimits limits;
  limits.writeStallTimeout = std::chrono::milliseconds(300);
  Fixture fixture(limits);
  constexpr std::int64_t kSize = std::int64_t{16} * 1024 * 1024;
  auto source = addSource(fixture, kSize, kSize);
  Client paused(fixture, 4096);
  paused.send(paused.request(kPath));
  REQUIRE(eventually([&] { return source->reads() >= 1; }));
  CHECK(fixture.allGone());
  CHECK(source.use_count() == 2);
}

TEST_CASE("a slow but steady reader outlasts writeStallTimeout") {
  HttpLimits limits;
  limits.writeStallTimeout = std::chrono::milliseconds(500);
  Fixture fixture(limits);
  constexpr std::int64_t kSize = std::int64_t{4} * 1024 * 1024;
  addSource(fixture, kSize, kSize);
  Client slow(fixture, 4096);
  slow.send(slow.request(kPath));
  http::response_parser<http::string_body> parser;
  slow.readHeader(parser);
  // Reads a little every 50 ms for longer than the stall time-out, then the rest.
  for (int i = 1; i <= 24; ++i) {
    slow.readBodyAtLeast(parser, i * 4096);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  boost::system::error_code ec;
  CHECK(isBytesAt(slow.readBody(parser, ec), 0, kSize));
  CHECK_FALSE(ec);
}

// ---- time-outs and limits -------------------------------------------------------

TEST_CASE(
    "a connection that sends no request, or only part of one, is closed after headerTimeout") {
  HttpLimits limits;
  limits.headerTimeout = std::chrono::milliseconds(200);
  Fixture fixture(limits);
  addSource(fixture, 1000, 1000);
  Client silent(fixture);
  CHECK(silent.closedByServer());
  Client partial(fixture);
  partial.send("GET " + kPath + " HTTP/1.1\r\nHost: 127.0.0.1:");
  CHECK(partial.closedByServer());
  // A whole request in time is served.
  Client prompt(fixture);
  CHECK(isBytesAt(prompt.get(kPath).body(), 0, 1000));
}

TEST_CASE("a keep-alive connection idle for idleTimeout is closed") {
  HttpLimits limits;
  limits.idleTimeout = std::chrono::milliseconds(200);
  Fixture fixture(limits);
  addSource(fixture, 1000, 1000);
  Client client(fixture);
  const Response response = client.get(kPath);
  CHECK(response.keep_alive());
  CHECK(isBytesAt(response.body(), 0, 1000));
  CHECK(client.closedByServer());
  CHECK(fixture.allGone());
}

TEST_CASE("a request header over 16 KiB gets 431 and the connection closes; 15 KiB is served") {
  Fixture fixture;
  addSource(fixture, 1000, 1000);
  Client fits(fixture);
  const Response ok = fits.get(kPath, "X-Pad: " + std::string(15 * 1024, 'a') + "\r\n");
  CHECK(isBytesAt(ok.body(), 0, 1000));
  Client big(fixture);
  big.send(big.request(kPath, "X-Pad: " + std::string(17 * 1024, 'a') + "\r\n"));
  boost::system::error_code ec;
  CHECK(big.read(ec).result() == http::status::request_header_fields_too_large);
  CHECK(big.closedByServer());
}

// ---- CORS -----------------------------------------------------------------------

TEST_CASE("CORS: none by default, whatever the Origin") {
  Fixture fixture;
  addSource(fixture, 1000, 1000);
  Client client(fixture);
  const Response response = client.get(kPath, "Origin: http://localhost:5173\r\n");
  CHECK(response.result() == http::status::ok);
  CHECK(response.count(http::field::access_control_allow_origin) == 0);
  CHECK(response.count(http::field::vary) == 0);
  client.send(client.request(kPath,
                             "Origin: http://localhost:5173\r\n"
                             "Access-Control-Request-Method: GET\r\n",
                             "OPTIONS"));
  boost::system::error_code ec;
  const Response preflight = client.read(ec);
  CHECK(preflight.result() == http::status::method_not_allowed);
  CHECK(preflight.count(http::field::access_control_allow_origin) == 0);
}

TEST_CASE("CORS: only allowedOrigins get Access-Control-Allow-Origin, and a preflight") {
  HttpLimits limits;
  limits.allowedOrigins = {"app://player", "http://localhost:5173"};
  Fixture fixture(limits);
  addSource(fixture, 1000, 1000);
  Client client(fixture);

  const Response allowed = client.get(kPath, "Origin: app://player\r\nRange: bytes=0-9\r\n");
  CHECK(allowed.result() == http::status::partial_content);
  CHECK(allowed[http::field::access_control_allow_origin] == "app://player");
  CHECK(allowed[http::field::vary] == "Origin");
  CHECK(allowed[http::field::access_control_expose_headers] ==
        "Content-Range, Accept-Ranges, Content-Length");
  CHECK(isBytesAt(allowed.body(), 0, 10));

  for (const char* origin : {"http://evil.example", "app://player.evil", "APP://PLAYER", "null"}) {
    const Response refused = client.get(kPath, std::string("Origin: ") + origin + "\r\n");
    CHECK(refused.result() == http::status::ok);  // served: CORS only decides what a page may read
    CHECK(refused.count(http::field::access_control_allow_origin) == 0);
    CHECK(refused.count(http::field::access_control_expose_headers) == 0);
    CHECK(refused[http::field::vary] == "Origin");
  }
  CHECK(client.get(kPath).count(http::field::access_control_allow_origin) == 0);

  boost::system::error_code ec;
  client.send(client.request(kPath,
                             "Origin: http://localhost:5173\r\n"
                             "Access-Control-Request-Method: GET\r\n"
                             "Access-Control-Request-Headers: range\r\n"
                             "Access-Control-Request-Private-Network: true\r\n",
                             "OPTIONS"));
  const Response preflight = client.read(ec);
  CHECK(preflight.result() == http::status::no_content);
  CHECK(preflight[http::field::access_control_allow_origin] == "http://localhost:5173");
  CHECK(preflight[http::field::access_control_allow_methods] == "GET, HEAD");
  CHECK(preflight[http::field::access_control_allow_headers] == "Range");
  CHECK(preflight["Access-Control-Allow-Private-Network"] == "true");
  CHECK(preflight.keep_alive());

  client.send(client.request(kPath,
                             "Origin: http://evil.example\r\n"
                             "Access-Control-Request-Method: GET\r\n",
                             "OPTIONS"));
  const Response refusedPreflight = client.read(ec);
  CHECK(refusedPreflight.result() == http::status::method_not_allowed);
  CHECK(refusedPreflight.count(http::field::access_control_allow_origin) == 0);
  CHECK(refusedPreflight.count(http::field::access_control_allow_methods) == 0);
  // The connection still serves after all of it.
  CHECK(isBytesAt(client.get(kPath, "Range: bytes=5-9\r\n").body(), 5, 5));
}

TEST_CASE("a directory that throws gets 500, not a dead server thread") {
  Fixture fixture;
  fixture.directory.throwing = true;
  Client client(fixture);
  boost::system::error_code ec;
  client.send(client.request(kPath));
  CHECK(client.read(ec).result() == http::status::internal_server_error);
  CHECK(client.closedByServer());
}

}  // namespace
}  // namespace vozduxan
