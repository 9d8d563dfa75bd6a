// The whole HTTP request path as a connection sees it: bytes in → Beast parser → Host check →
// token → Range decision → response headers and body. Each input is what a client sends on one
// keep-alive connection (several pipelined requests, or garbage), written to a real HttpConnection
// over a socketpair and followed by end-of-stream; the target drains the responses. Three streams
// stand behind three tokens: all bytes there, bytes that "arrive" a read later (the parked-resume
// path), and reads that fail. Everything runs on one io_context on this thread, so a run is
// deterministic.
#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>

#include "engine/http_connection.h"

namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using local = net::local::stream_protocol;

constexpr std::uint16_t kPort = 8080;  // the listener's port in the Host check
constexpr std::int64_t kFileSize = 10'000;

enum class Behaviour { Ready, Late, Failing };

class FuzzSource : public vozduxan::StreamSource {
 public:
  FuzzSource(net::io_context& io, Behaviour behaviour) : io_(io), behaviour_(behaviour) {}
  std::int64_t size() const override { return kFileSize; }
  const std::string& mimeType() const override { return mime_; }
  std::uint64_t beginResponse(std::int64_t offset) override {
    if (offset < 0 || offset >= kFileSize) std::abort();
    return ++generation_;
  }
  bool current(std::uint64_t generation) const override { return generation == generation_; }
  vozduxan::ReadStatus read(std::uint64_t generation, std::int64_t offset, char* buffer,
                            std::size_t len, std::size_t& got,
                            std::function<void()> resume) override {
    got = 0;
    if (offset < 0 || offset >= kFileSize || len == 0) std::abort();  // past the representation
    if (generation != generation_ || behaviour_ == Behaviour::Failing)
      return vozduxan::ReadStatus::Failed;
    if (behaviour_ == Behaviour::Late && !arrived_) {
      arrived_ = true;
      net::post(io_, std::move(resume));  // the piece arrives on the next turn
      return vozduxan::ReadStatus::NotYet;
    }
    arrived_ = false;
    got = static_cast<std::size_t>(
        std::min<std::int64_t>(static_cast<std::int64_t>(len), kFileSize - offset));
    std::memset(buffer, 'x', got);
    return vozduxan::ReadStatus::Ready;
  }

 private:
  net::io_context& io_;
  const Behaviour behaviour_;
  const std::string mime_ = "audio/flac";
  std::uint64_t generation_ = 0;
  bool arrived_ = false;
};

class FuzzDirectory : public vozduxan::StreamDirectory {
 public:
  explicit FuzzDirectory(net::io_context& io) {
    sources_["0123456789abcdef"] = std::make_shared<FuzzSource>(io, Behaviour::Ready);
    sources_["aaaa"] = std::make_shared<FuzzSource>(io, Behaviour::Late);
    sources_["ffff"] = std::make_shared<FuzzSource>(io, Behaviour::Failing);
  }
  std::shared_ptr<vozduxan::StreamSource> findStream(const std::string& token) override {
    auto it = sources_.find(token);
    return it == sources_.end() ? nullptr : it->second;
  }

 private:
  std::map<std::string, std::shared_ptr<vozduxan::StreamSource>> sources_;
};

struct Client {
  explicit Client(net::io_context& io) : socket(io) {}
  local::socket socket;
  std::string request;
  std::string received;
  char buffer[16 * 1024];
};

void drain(const std::shared_ptr<Client>& client) {
  client->socket.async_read_some(net::buffer(client->buffer),
                                 [client](boost::system::error_code ec, std::size_t got) {
                                   client->received.append(client->buffer, got);
                                   if (!ec) drain(client);
                                 });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static net::io_context io;
  FuzzDirectory directory(io);  // fresh streams each run: a run depends on its input alone
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) std::abort();

  tcp::socket serverSide(io);
  serverSide.assign(tcp::v4(), fds[0]);  // an AF_UNIX fd: stream reads and writes are the same
  auto client = std::make_shared<Client>(io);
  client->socket.assign(local(), fds[1]);
  client->request.assign(reinterpret_cast<const char*>(data), size);

  vozduxan::HttpConnection::Context context{io, directory, [](const std::string&) {}, kPort, {}};
  auto connection =
      std::make_shared<vozduxan::HttpConnection>(std::move(context), std::move(serverSide));
  connection->start();
  connection.reset();  // its own handlers keep it alive, as in the server
  net::async_write(client->socket, net::buffer(client->request),
                   [client](boost::system::error_code ec, std::size_t) {
                     boost::system::error_code ignored;
                     client->socket.shutdown(local::socket::shutdown_send, ignored);
                   });
  drain(client);
  io.restart();
  io.run();

  // Whatever came back is HTTP responses, and only after some request bytes.
  if (!client->received.empty() && client->received.compare(0, 5, "HTTP/") != 0) std::abort();
  if (size == 0 && !client->received.empty()) std::abort();
  return 0;
}
