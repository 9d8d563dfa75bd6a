// HttpServer (engine/http_server.h) as a whole, over loopback, against stub streams: the
// connection cap, accept errors (a real EMFILE), a handler that throws, stop() with responses
// in flight, and close-on-exec sockets (issue 17).
#include "engine/http_server.h"

#include <dirent.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/http_connection.h"
#include "test/http_test_support.h"

namespace vozduxan {
namespace {

using namespace vozduxan::test;  // NOLINT(google-build-using-namespace): the tests' own helpers

constexpr const char* kToken = "0123456789abcdef";
const std::string kPath = std::string(kStreamPath) + kToken;

/// A started server over stub streams; clients connect to it as to the real one.
class ServerFixture : public Endpoint {
 public:
  explicit ServerFixture(HttpLimits limits = {})
      : server_(
            directory,
            [this](const std::string& line) {
              std::lock_guard<std::mutex> lock(mu_);
              logs_.push_back(line);
            },
            std::move(limits)) {
    server_.start();
  }

  std::uint16_t port() const override { return server_.port(); }

  void serve(tcp::socket& client) override {
    if (holdConnects) {
      client.open(tcp::v4());  // the descriptor now, the connection later (connectHeld)
      held_.push_back(&client);
      return;
    }
    client.connect(tcp::endpoint(net::ip::make_address_v4("127.0.0.1"), port()));
  }

  /// Connects the clients whose descriptors were opened while holdConnects was set.
  void connectHeld() {
    for (tcp::socket* client : held_)
      client->connect(tcp::endpoint(net::ip::make_address_v4("127.0.0.1"), port()));
    held_.clear();
  }

  bool logged(const std::string& part) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& line : logs_) {
      if (line.find(part) != std::string::npos) return true;
    }
    return false;
  }

  std::shared_ptr<StubSource> addSource(const std::string& token, std::int64_t size,
                                        std::int64_t available) {
    auto source = std::make_shared<StubSource>(size, available);
    directory.sources[token] = source;
    return source;
  }

  HttpServer& server() { return server_; }

  StubDirectory directory;  // declared before the server, which reads it
  bool holdConnects = false;

 private:
  std::mutex mu_;
  std::vector<std::string> logs_;
  std::vector<tcp::socket*> held_;
  HttpServer server_;
};

/// The HTTP thread's id in this process, from /proc/self/task/*/comm.
std::string httpThreadId() {
  DIR* tasks = ::opendir("/proc/self/task");
  REQUIRE(tasks != nullptr);
  std::string found;
  while (dirent* entry = ::readdir(tasks)) {
    const std::string tid = entry->d_name;
    if (tid == "." || tid == "..") continue;
    std::ifstream comm("/proc/self/task/" + tid + "/comm");
    std::string name;
    std::getline(comm, name);
    if (name == "vozduxan-http") found = tid;
  }
  ::closedir(tasks);
  return found;
}

/// utime + stime (clock ticks) from an already open /proc/.../stat: reading it needs no new fd.
long cpuTicks(int statFd) {
  char text[1024] = {};
  const ssize_t n = ::pread(statFd, text, sizeof text - 1, 0);
  REQUIRE(n > 0);
  const std::string stat(text, static_cast<std::size_t>(n));
  std::size_t at = stat.rfind(')') + 2;  // field 3 onwards
  for (int field = 3; field < 14; ++field) at = stat.find(' ', at) + 1;
  char* end = nullptr;
  const long utime = std::strtol(stat.c_str() + at, &end, 10);
  const long stime = std::strtol(end, nullptr, 10);
  return utime + stime;
}

/// Lowers RLIMIT_NOFILE so that no new descriptor can be made, for as long as it lives.
class NoNewDescriptors {
 public:
  NoNewDescriptors() {
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved_) == 0);
    const int lowestFree = ::dup(0);
    REQUIRE(lowestFree >= 0);
    ::close(lowestFree);
    rlimit lowered = saved_;
    lowered.rlim_cur = static_cast<rlim_t>(lowestFree);
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &lowered) == 0);
  }
  ~NoNewDescriptors() { ::setrlimit(RLIMIT_NOFILE, &saved_); }
  NoNewDescriptors(const NoNewDescriptors&) = delete;
  NoNewDescriptors& operator=(const NoNewDescriptors&) = delete;

 private:
  rlimit saved_{};
};

TEST_CASE("past maxConnections the longest-idle connection makes room for a new one") {
  HttpLimits limits;
  limits.maxConnections = 3;
  ServerFixture fixture(limits);
  fixture.addSource(kToken, 1000, 1000);
  Client silent(fixture);  // connected, never asks: the longest idle
  Client first(fixture);
  CHECK(isBytesAt(first.get(kPath).body(), 0, 1000));
  Client second(fixture);
  CHECK(isBytesAt(second.get(kPath).body(), 0, 1000));
  Client newcomer(fixture);
  CHECK(isBytesAt(newcomer.get(kPath).body(), 0, 1000));
  CHECK(silent.closedByServer());
  // The others' keep-alive connections still serve.
  CHECK(isBytesAt(first.get(kPath, "Range: bytes=1-2\r\n").body(), 1, 2));
  CHECK(isBytesAt(second.get(kPath, "Range: bytes=3-4\r\n").body(), 3, 2));
}

TEST_CASE("when every connection is serving, a newcomer past the cap is closed at once") {
  HttpLimits limits;
  limits.maxConnections = 2;
  ServerFixture fixture(limits);
  auto source = fixture.addSource(kToken, 1000, 0);
  auto other = fixture.addSource("bbbb", 1000, 0);
  Client one(fixture);
  Client two(fixture);
  one.send(one.request(kPath, "Range: bytes=0-99\r\n"));
  two.send(two.request(std::string(kStreamPath) + "bbbb", "Range: bytes=100-199\r\n"));
  REQUIRE(eventually([&] { return source->parkedReaders() == 1 && other->parkedReaders() == 1; }));
  Client refused(fixture);
  CHECK(refused.closedByServer());
  source->arrive(1000);
  other->arrive(1000);
  boost::system::error_code ec;
  CHECK(isBytesAt(one.read(ec).body(), 0, 100));
  CHECK(isBytesAt(two.read(ec).body(), 100, 100));
  CHECK_FALSE(ec);
}

TEST_CASE("out of descriptors (EMFILE) the accept loop backs off instead of spinning") {
  ServerFixture fixture;
  fixture.addSource(kToken, 1000, 1000);
  std::string tid;
  REQUIRE(eventually([&] { return !(tid = httpThreadId()).empty(); }));
  const int statFd = ::open(("/proc/self/task/" + tid + "/stat").c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(statFd >= 0);
  fixture.holdConnects = true;
  Client waiting(fixture);
  fixture.holdConnects = false;
  long ticks = 0;
  {
    const NoNewDescriptors limit;
    fixture.connectHeld();  // the server cannot accept it: EMFILE, for as long as this lasts
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const long before = cpuTicks(statFd);
    std::this_thread::sleep_for(std::chrono::seconds(1));
    ticks = cpuTicks(statFd) - before;
  }
  ::close(statFd);
  // Spinning would use what a core can give in that second (100 ticks on an idle machine);
  // backing off uses next to nothing.
  CHECK(ticks <= 10);
  CHECK(fixture.logged("accept failed"));
  // Descriptors again: the pending connection is accepted and served.
  CHECK(isBytesAt(waiting.get(kPath).body(), 0, 1000));
}

TEST_CASE("a handler that throws is logged, and the server serves on") {
  ServerFixture fixture;
  auto bad = fixture.addSource("bad0", 1000, 1000);
  fixture.addSource(kToken, 1000, 1000);
  bad->throwFromCurrent();
  Client victim(fixture);
  victim.send(victim.request(std::string(kStreamPath) + "bad0"));
  http::response_parser<http::string_body> parser;
  victim.readHeader(parser);
  boost::system::error_code ec;
  victim.readBody(parser, ec);
  CHECK(ec == http::error::partial_message);
  CHECK(eventually([&] { return fixture.logged("a handler threw"); }));
  Client next(fixture);
  CHECK(isBytesAt(next.get(kPath).body(), 0, 1000));
}

TEST_CASE("stop() ends parked and stuck responses, and returns") {
  auto fixture = std::make_unique<ServerFixture>();
  constexpr std::int64_t kBig = std::int64_t{16} * 1024 * 1024;
  auto parked = fixture->addSource("aaaa", 1000, 0);
  auto big = fixture->addSource(kToken, kBig, kBig);
  Client waiting(*fixture);
  waiting.send(waiting.request(std::string(kStreamPath) + "aaaa"));
  Client paused(*fixture, 4096);
  paused.send(paused.request(kPath));
  REQUIRE(eventually([&] { return parked->parkedReaders() == 1 && big->reads() >= 1; }));
  fixture->server().stop();
  http::response_parser<http::string_body> parser;
  waiting.readHeader(parser);
  boost::system::error_code ec;
  waiting.readBody(parser, ec);
  CHECK(ec == http::error::partial_message);
  CHECK(parked.use_count() == 2);  // the directory and this test: no response holds it
  CHECK(big.use_count() == 2);
  // The engine drops what it still holds unrun, as Torrents::clear does after the server stopped.
  parked->dropParked();
  fixture.reset();
}

TEST_CASE("the listener and accepted sockets are close-on-exec") {
  ServerFixture fixture;
  fixture.addSource(kToken, 1000, 1000);
  Client client(fixture);
  CHECK(isBytesAt(client.get(kPath).body(), 0, 1000));
  int ours = 0;
  for (int fd = 0; fd < 4096; ++fd) {
    struct stat info {};
    if (::fstat(fd, &info) != 0 || !S_ISSOCK(info.st_mode)) continue;
    sockaddr_storage local{};
    socklen_t length = sizeof local;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0) continue;
    if (local.ss_family != AF_INET) continue;
    if (ntohs(reinterpret_cast<sockaddr_in*>(&local)->sin_port) != fixture.port()) continue;
    ++ours;  // the listener, or the server's end of the client's connection
    CAPTURE(fd);
    CHECK((::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
  }
  CHECK(ours == 2);
}

}  // namespace
}  // namespace vozduxan
