// The localhost HTTP/1.1 server (Boost.Beast) that serves every stream by token.
// Owns one thread, "vozduxan-http", started by start() and joined by stop(). Every connection
// lives and dies on that thread; no exception escapes it.
//
// Hostile clients: at most HttpLimits::maxConnections are open (past it the longest-idle one
// makes room, or the newcomer is closed at once); accept errors such as EMFILE back off from
// 50 ms to 1 s instead of retrying at once; connections time out (HttpConnection). Every socket
// is opened close-on-exec, so a child process of the host app never inherits one.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "engine/config.h"
#include "engine/events.h"
#include "engine/stream_source.h"

namespace vozduxan {

class HttpConnection;

class HttpServer {
 public:
  using Log = std::function<void(const std::string&)>;

  /// `events` (may be null) gets every response's read events; it outlives the server.
  HttpServer(StreamDirectory& streams, Log log, HttpLimits limits = {}, EventHub* events = nullptr);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds 127.0.0.1 on a random port and starts the thread; throws on failure.
  void start();
  /// Closes the listener and every connection, lets their handlers finish on the HTTP thread
  /// (at most ~2 s, then stops it), then joins the thread. Idempotent.
  void stop();
  std::uint16_t port() const { return port_; }
  /// The server thread's io_context: work posted here runs on "vozduxan-http" (until stop()).
  boost::asio::io_context& io() { return io_; }
  /// Where the stream with this token is served.
  std::string streamUrl(const std::string& token) const;

 private:
  void run();
  void awaitConnection();
  void acceptPending();
  void adopt(int fd);
  /// Whether a new connection may open: closes the longest-idle one when at the cap.
  bool makeRoom();
  void backOff(int error);
  void log(const std::string& message) const;

  StreamDirectory& streams_;
  Log log_;
  const HttpLimits limits_;
  EventHub* const events_;
  // Declared before io_: handlers destroyed with io_ may end connections, which leave it.
  std::set<HttpConnection*> connections_;  // server thread only
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer backoffTimer_;
  std::chrono::milliseconds backoff_{0};  // server thread only; 0 while accepts succeed
  bool stopping_ = false;                 // server thread only
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::once_flag stopOnce_;
  std::mutex doneMu_;
  std::condition_variable doneChanged_;
  bool done_ = false;  // run() has returned
};

}  // namespace vozduxan
