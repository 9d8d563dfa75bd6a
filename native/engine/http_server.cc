#include "engine/http_server.h"

#include <pthread.h>

#include <boost/asio/post.hpp>

#include "engine/errors.h"
#include "engine/http_connection.h"

namespace vozduxan {

namespace net = boost::asio;
using tcp = net::ip::tcp;

HttpServer::HttpServer(StreamDirectory& streams, Log log)
    : streams_(streams), log_(std::move(log)), acceptor_(io_) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
  boost::system::error_code ec;
  const tcp::endpoint endpoint(net::ip::make_address_v4("127.0.0.1"), 0);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    throw EngineError(ErrorCode::Internal,
                      "HTTP server could not listen on 127.0.0.1: " + ec.message());
  port_ = acceptor_.local_endpoint().port();
  accept();
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "vozduxan-http");
    io_.run();
  });
}

void HttpServer::stop() {
  std::call_once(stopOnce_, [this] {
    if (!thread_.joinable()) return;
    net::post(io_, [this] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      // Closing may drop the last owner of a connection, which then calls forget().
      const std::set<HttpConnection*> open = connections_;
      for (HttpConnection* connection : open) connection->close();
    });
    net::post(io_, [this] { io_.stop(); });
    thread_.join();
  });
}

std::string HttpServer::streamUrl(const std::string& token) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(kStreamPath) + token;
}

void HttpServer::accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec != net::error::operation_aborted && acceptor_.is_open()) accept();
      return;
    }
    HttpConnection::Context context{io_, streams_, log_, port_,
                                    [this](HttpConnection* gone) { connections_.erase(gone); }};
    auto connection = std::make_shared<HttpConnection>(std::move(context), std::move(socket));
    connections_.insert(connection.get());
    connection->start();
    accept();
  });
}

}  // namespace vozduxan
