#include "engine/http_connection.h"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <chrono>

#include "engine/http_range.h"

namespace vozduxan {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

constexpr std::size_t kChunkBytes = 1 << 20;
constexpr int kMaxRetries = 2000;  // × 5 ms: a finished piece not on disk after 10 s is an error

bool validToken(std::string_view token) {
  if (token.empty() || token.size() > 128) return false;
  for (char c : token) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

HttpConnection::HttpConnection(Context context, tcp::socket socket)
    : context_(std::move(context)), socket_(std::move(socket)), retryTimer_(context_.io) {}

HttpConnection::~HttpConnection() {
  if (context_.forget) context_.forget(this);
}

void HttpConnection::start() {
  boost::system::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  readRequest();
}

void HttpConnection::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  retryTimer_.cancel();
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

void HttpConnection::readRequest() {
  if (closed_) return;
  parser_ = std::make_unique<http::request_parser<http::empty_body>>();
  parser_->header_limit(16 * 1024);
  http::async_read(socket_, buffer_, *parser_,
                   [self = shared_from_this()](boost::beast::error_code ec, std::size_t) {
                     if (ec == http::error::end_of_stream || ec == net::error::operation_aborted ||
                         ec == net::error::eof || ec == net::error::connection_reset) {
                       return self->close();
                     }
                     if (ec) {
                       self->keepAlive_ = false;
                       // Unparsable request: answer once, then hang up.
                       self->request_ = {};
                       self->request_.keep_alive(false);
                       return self->sendError(http::status::bad_request, "bad request");
                     }
                     self->request_ = self->parser_->release();
                     self->handleRequest();
                   });
}

bool HttpConnection::hostAllowed() const {
  const auto host = request_[http::field::host];
  const std::string port = std::to_string(context_.port);
  return boost::beast::iequals(host, "127.0.0.1:" + port) ||
         boost::beast::iequals(host, "localhost:" + port);
}

void HttpConnection::sendError(http::status status, const std::string& text) {
  keepAlive_ = keepAlive_ && request_.keep_alive();
  auto response = std::make_shared<http::response<http::string_body>>(status, request_.version());
  response->set(http::field::content_type, "text/plain; charset=utf-8");
  if (status == http::status::method_not_allowed) response->set(http::field::allow, "GET, HEAD");
  response->keep_alive(keepAlive_);
  response->body() = request_.method() == http::verb::head ? "" : text + "\n";
  response->prepare_payload();
  if (request_.method() == http::verb::head) response->content_length(text.size() + 1);
  http::async_write(
      socket_, *response,
      [self = shared_from_this(), response](boost::beast::error_code ec, std::size_t) {
        if (ec || !self->keepAlive_) return self->close();
        self->readRequest();
      });
}

void HttpConnection::handleRequest() {
  if (!hostAllowed()) return sendError(http::status::forbidden, "forbidden host");
  const bool head = request_.method() == http::verb::head;
  if (!head && request_.method() != http::verb::get) {
    return sendError(http::status::method_not_allowed, "method not allowed");
  }
  std::string_view target = request_.target();
  target = target.substr(0, target.find('?'));
  if (target.substr(0, kStreamPath.size()) != kStreamPath)
    return sendError(http::status::not_found, "not found");
  const std::string_view token = target.substr(kStreamPath.size());
  source_ = validToken(token) ? context_.streams.findStream(std::string(token)) : nullptr;
  if (!source_) return sendError(http::status::not_found, "not found");

  const std::int64_t size = source_->size();
  const RangeDecision range = decideRange(request_[http::field::range], size);
  keepAlive_ = request_.keep_alive();
  header_ = std::make_shared<Header>(http::status::ok, request_.version());
  header_->set(http::field::content_type, source_->mimeType());
  header_->set(http::field::accept_ranges, "bytes");
  header_->set(http::field::access_control_allow_origin, "*");
  header_->keep_alive(keepAlive_);
  if (range.kind == RangeKind::Unsatisfiable) {
    header_->result(http::status::range_not_satisfiable);
    header_->set(http::field::content_range, "bytes */" + std::to_string(size));
    header_->content_length(0);
    source_.reset();
    return sendHeader(false);
  }
  offset_ = range.kind == RangeKind::Partial ? range.first : 0;
  remaining_ = range.kind == RangeKind::Partial ? range.length() : size;
  if (range.kind == RangeKind::Partial) {
    header_->result(http::status::partial_content);
    header_->set(http::field::content_range, "bytes " + std::to_string(range.first) + "-" +
                                                 std::to_string(range.last) + "/" +
                                                 std::to_string(size));
  }
  header_->content_length(static_cast<std::uint64_t>(remaining_));
  if (head) {
    source_.reset();
    return sendHeader(false);
  }
  generation_ = source_->beginResponse(offset_);
  sendHeader(true);
}

void HttpConnection::sendHeader(bool withBody) {
  auto serializer = std::make_shared<http::response_serializer<http::empty_body>>(*header_);
  http::async_write_header(socket_, *serializer,
                           [self = shared_from_this(), serializer, header = header_, withBody](
                               boost::beast::error_code ec, std::size_t) {
                             if (ec) return self->close();
                             if (withBody) return self->pump();
                             self->finishResponse();
                           });
}

void HttpConnection::finishResponse() {
  source_.reset();
  if (!keepAlive_) return close();
  readRequest();
}

void HttpConnection::pump() {
  if (closed_) return;
  if (remaining_ == 0) return finishResponse();
  // A newer request for this token (a seek) or a release ends this body here.
  if (!source_->current(generation_)) return close();
  chunk_.resize(static_cast<std::size_t>(std::min<std::int64_t>(remaining_, kChunkBytes)));
  std::size_t got = 0;
  // The waiter owns the connection while it waits: nothing else is pending on it.
  auto resume = [self = shared_from_this(), &io = context_.io] {
    net::post(io, [self] { self->pump(); });
  };
  switch (source_->read(offset_, chunk_.data(), chunk_.size(), got, resume)) {
    case ReadStatus::Ready:
      retries_ = 0;
      net::async_write(
          socket_, net::buffer(chunk_.data(), got),
          [self = shared_from_this()](boost::beast::error_code ec, std::size_t written) {
            if (ec) return self->close();
            self->offset_ += static_cast<std::int64_t>(written);
            self->remaining_ -= static_cast<std::int64_t>(written);
            self->pump();
          });
      return;
    case ReadStatus::NotYet:
      return;  // resume() runs when the piece arrives or the stream goes away
    case ReadStatus::Retry:
      if (++retries_ > kMaxRetries) {
        context_.log("http: piece bytes never matched their hash on disk; closing response");
        return close();
      }
      retryTimer_.expires_after(std::chrono::milliseconds(5));
      retryTimer_.async_wait([self = shared_from_this()](boost::beast::error_code ec) {
        if (!ec) self->pump();
      });
      return;
    case ReadStatus::Failed:
      return close();
  }
}

}  // namespace vozduxan
