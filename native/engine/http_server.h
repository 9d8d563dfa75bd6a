// The localhost HTTP/1.1 server (Boost.Beast) that serves every stream by token.
// Owns one thread, "vozduxan-http", started by start() and joined by stop().
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "engine/stream_source.h"

namespace vozduxan {

class HttpConnection;

class HttpServer {
 public:
  using Log = std::function<void(const std::string&)>;

  HttpServer(StreamDirectory& streams, Log log);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds 127.0.0.1 on a random port and starts the thread; throws on failure.
  void start();
  /// Closes the listener and every connection, then joins the thread. Idempotent.
  void stop();
  std::uint16_t port() const { return port_; }
  /// Where the stream with this token is served.
  std::string streamUrl(const std::string& token) const;

 private:
  void accept();

  StreamDirectory& streams_;
  Log log_;
  // Declared before io_: handlers destroyed with io_ may end connections, which leave it.
  std::set<HttpConnection*> connections_;  // server thread only
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::once_flag stopOnce_;
};

}  // namespace vozduxan
