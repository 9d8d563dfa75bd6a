// One keep-alive HTTP connection: parses requests with Beast and streams file bytes
// as their pieces verify, stopping when a newer Range request for the token arrives.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <vector>

#include "engine/stream_source.h"

namespace vozduxan {

class HttpServer;

class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  HttpConnection(HttpServer& server, boost::asio::ip::tcp::socket socket);
  ~HttpConnection();
  void start();
  void close();

 private:
  using Request = boost::beast::http::request<boost::beast::http::empty_body>;
  using Header = boost::beast::http::response<boost::beast::http::empty_body>;

  void readRequest();
  void handleRequest();
  bool hostAllowed() const;
  void sendError(boost::beast::http::status status, const std::string& text);
  void sendHeader(bool withBody);
  void pump();
  void finishResponse();

  HttpServer& server_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer retryTimer_;
  boost::beast::flat_buffer buffer_;
  std::unique_ptr<boost::beast::http::request_parser<boost::beast::http::empty_body>> parser_;
  Request request_;
  std::shared_ptr<Header> header_;
  std::shared_ptr<std::string> errorBody_;
  std::shared_ptr<StreamSource> source_;
  std::uint64_t generation_ = 0;
  std::int64_t offset_ = 0;
  std::int64_t remaining_ = 0;
  int retries_ = 0;
  bool keepAlive_ = true;
  bool closed_ = false;
  std::vector<char> chunk_;
};

}  // namespace vozduxan
