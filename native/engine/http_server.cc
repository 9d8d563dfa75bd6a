#include "engine/http_server.h"

#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <system_error>

#include "engine/errors.h"
#include "engine/http_connection.h"

namespace vozduxan {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr int kAcceptBatch = 64;  // then other handlers get a turn
constexpr auto kFirstBackoff = std::chrono::milliseconds(50);
constexpr auto kMaxBackoff = std::chrono::milliseconds(1000);
constexpr auto kStopGrace = std::chrono::seconds(2);

std::string describe(int error) { return std::error_code(error, std::system_category()).message(); }

/// Errors accept(2) reports for the one pending connection it was about to return (Linux passes
/// the new socket's network errors on): that connection is gone, the next one may be fine.
bool lostOneConnection(int error) {
  switch (error) {
    case EINTR:
    case ECONNABORTED:
    case EPROTO:
    case EPERM:
    case ENETDOWN:
    case ENOPROTOOPT:
    case EHOSTDOWN:
    case ENONET:
    case EHOSTUNREACH:
    case EOPNOTSUPP:
    case ENETUNREACH:
      return true;
    default:
      return false;
  }
}

}  // namespace

HttpServer::HttpServer(StreamDirectory& streams, Log log, HttpLimits limits, EventHub* events)
    : streams_(streams),
      log_(std::move(log)),
      limits_(std::move(limits)),
      events_(events),
      acceptor_(io_),
      backoffTimer_(io_) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::log(const std::string& message) const {
  try {
    if (log_) log_(message);
  } catch (...) {
    // Logging must never be what takes the server down.
  }
}

void HttpServer::start() {
  // Close-on-exec from the start (one call, no window): a child process the app forks meanwhile
  // on another thread never inherits the listener.
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    throw EngineError(ErrorCode::Internal,
                      "HTTP server could not open a socket: " + describe(errno));
  }
  boost::system::error_code ec;
  acceptor_.assign(tcp::v4(), fd, ec);
  if (ec) ::close(fd);
  const tcp::endpoint endpoint(net::ip::make_address_v4("127.0.0.1"), 0);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (!ec) acceptor_.non_blocking(true, ec);
  if (ec)
    throw EngineError(ErrorCode::Internal,
                      "HTTP server could not listen on 127.0.0.1: " + ec.message());
  port_ = acceptor_.local_endpoint().port();
  awaitConnection();
  thread_ = std::thread([this] { run(); });
}

void HttpServer::run() {
  pthread_setname_np(pthread_self(), "vozduxan-http");
  // A handler that throws ends only its own work: the exception is logged and the loop goes on
  // (asio allows run() again without restart()). Nothing escapes this thread.
  for (;;) {
    try {
      io_.run();
      break;
    } catch (const std::exception& e) {
      log(std::string("http: a handler threw: ") + e.what());
    } catch (...) {
      log("http: a handler threw");
    }
  }
  {
    std::lock_guard<std::mutex> lock(doneMu_);
    done_ = true;
  }
  doneChanged_.notify_all();
}

void HttpServer::stop() {
  std::call_once(stopOnce_, [this] {
    if (!thread_.joinable()) return;
    net::post(io_, [this] {
      stopping_ = true;
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      backoffTimer_.cancel();
      // Closing may drop the last owner of a connection, which then calls forget().
      const std::set<HttpConnection*> open = connections_;
      for (HttpConnection* connection : open) connection->closeForShutdown();
    });
    // The aborted handlers now run on the HTTP thread and drop their connections there; run()
    // returns once nothing is left. Bounded: should something still hold work, stop it.
    {
      std::unique_lock<std::mutex> lock(doneMu_);
      if (!doneChanged_.wait_for(lock, kStopGrace, [this] { return done_; })) io_.stop();
    }
    thread_.join();
  });
}

std::string HttpServer::streamUrl(const std::string& token) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(kStreamPath) + token;
}

// ---- accepting ------------------------------------------------------------------

void HttpServer::awaitConnection() {
  acceptor_.async_wait(tcp::acceptor::wait_read, [this](boost::system::error_code ec) {
    if (ec || stopping_) return;
    acceptPending();
  });
}

void HttpServer::acceptPending() {
  for (int i = 0; i < kAcceptBatch; ++i) {
    // accept4: close-on-exec atomically, as the listener.
    const int fd =
        ::accept4(acceptor_.native_handle(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd >= 0) {
      backoff_ = std::chrono::milliseconds(0);
      try {
        adopt(fd);
      } catch (const std::exception& e) {
        log(std::string("http: could not take a connection: ") + e.what());
      }
      continue;
    }
    const int error = errno;
    if (error == EAGAIN || error == EWOULDBLOCK) break;
    if (lostOneConnection(error)) continue;
    // Out of descriptors (EMFILE, ENFILE) or memory (ENOBUFS, ENOMEM), or worse: the listener
    // stays readable, so retrying at once would spin. Wait, longer each time.
    return backOff(error);
  }
  awaitConnection();
}

void HttpServer::backOff(int error) {
  if (backoff_.count() == 0) log("http: accept failed (" + describe(error) + "); backing off");
  backoff_ = backoff_.count() == 0 ? kFirstBackoff : std::min(backoff_ * 2, kMaxBackoff);
  backoffTimer_.expires_after(backoff_);
  backoffTimer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopping_) return;
    acceptPending();
  });
}

bool HttpServer::makeRoom() {
  const auto cap = static_cast<std::size_t>(std::max(limits_.maxConnections, 1));
  if (connections_.size() < cap) return true;
  std::size_t open = 0;
  HttpConnection* longestIdle = nullptr;
  for (HttpConnection* connection : connections_) {
    if (connection->closed()) continue;  // its handlers have yet to run
    ++open;
    if (connection->idle() &&
        (longestIdle == nullptr || connection->idleSince() < longestIdle->idleSince())) {
      longestIdle = connection;
    }
  }
  if (open < cap) return true;
  if (longestIdle == nullptr) return false;  // every one is serving: the newcomer goes
  longestIdle->close();
  return true;
}

void HttpServer::adopt(int fd) {
  tcp::socket socket(io_);
  boost::system::error_code ec;
  socket.assign(tcp::v4(), fd, ec);
  if (ec) {
    ::close(fd);
    return;
  }
  // Past the cap with nothing idle to close: the socket's destructor closes it now.
  if (!makeRoom()) return;
  HttpConnection::Context context{
      io_,      streams_, log_, port_, [this](HttpConnection* gone) { connections_.erase(gone); },
      &limits_, events_};
  auto connection = std::make_shared<HttpConnection>(std::move(context), std::move(socket));
  connections_.insert(connection.get());
  connection->start();
}

}  // namespace vozduxan
