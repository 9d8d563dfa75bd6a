// One keep-alive HTTP connection: parses requests with Beast and streams file bytes
// as their pieces verify, stopping when a newer Range request for the token arrives.
// It knows nothing of the server that accepted it, only its Context, so a test can drive
// it alone over a loopback socket against a stub StreamSource (native/test/).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/stream_source.h"

namespace vozduxan {

/// Streams are served at http://127.0.0.1:PORT/stream/TOKEN.
constexpr std::string_view kStreamPath = "/stream/";

class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  /// What a connection needs from whoever accepted it; all of it outlives the connection.
  struct Context {
    boost::asio::io_context& io;  // runs every handler of the connection
    StreamDirectory& streams;
    std::function<void(const std::string&)> log;
    std::uint16_t port = 0;  // the listener's, for the Host check
    /// Called from the destructor, on the io thread.
    std::function<void(HttpConnection*)> forget;
  };

  HttpConnection(Context context, boost::asio::ip::tcp::socket socket);
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

  const Context context_;
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
