#include "engine/http_connection.h"

#include <linux/sockios.h>
#include <sys/ioctl.h>

#include <algorithm>
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
// While a response is in flight the connection looks this often whether it went stale (a newer
// request, a release) and whether its client stopped reading: a response stuck in a write to a
// client that reads nothing ends within this after release(), and frees its stream.
constexpr auto kWatchInterval = std::chrono::milliseconds(250);
const HttpLimits kDefaultLimits;

bool validToken(std::string_view token) {
  if (token.empty() || token.size() > 128) return false;
  for (char c : token) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool quietEnd(const boost::beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::operation_aborted ||
         ec == net::error::eof || ec == net::error::connection_reset;
}

}  // namespace

HttpConnection::HttpConnection(Context context, tcp::socket socket)
    : context_(std::move(context)),
      limits_(context_.limits ? *context_.limits : kDefaultLimits),
      socket_(std::move(socket)),
      retryTimer_(context_.io),
      deadline_(context_.io) {}

HttpConnection::~HttpConnection() {
  if (context_.forget) context_.forget(this);
}

void HttpConnection::start() {
  boost::system::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  readRequest();
}

void HttpConnection::closeForShutdown() {
  shuttingDown_ = true;
  close();
}

void HttpConnection::close() {
  if (closed_) return;
  closed_ = true;
  if (record_.open()) {
    const bool stale = source_ && !source_->current(generation_);
    record_.cancel(shuttingDown_ || (stale && source_->closedBySession()) ? CancelReason::Close
                   : stale && source_->released()                         ? CancelReason::Release
                   : stale                                                ? CancelReason::Seek
                   : writeStalled_                                        ? CancelReason::WriteStall
                                                                          : CancelReason::Client);
  }
  // A parked response owns itself: `this` lives to the end of this function, no further.
  const std::shared_ptr<HttpConnection> keep = std::move(parked_);
  boost::system::error_code ignored;
  retryTimer_.cancel();
  deadline_.cancel();
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  // The stream (and with it its torrent) and the chunk are free now, not once the aborted
  // handlers have run: evict() may remove the torrent right after a release. Closing cancelled
  // any write from chunk_; it is never touched again.
  source_.reset();
  header_.reset();
  std::vector<char>().swap(chunk_);
}

// ---- time-outs ------------------------------------------------------------------

void HttpConnection::arm(std::chrono::milliseconds after) {
  if (closed_) return;
  const std::uint64_t seq = ++deadlineSeq_;
  deadline_.expires_after(after);
  deadline_.async_wait([self = shared_from_this(), seq](boost::beast::error_code ec) {
    if (ec || self->closed_ || seq != self->deadlineSeq_) return;
    self->onDeadline();
  });
}

int HttpConnection::unsentBytes() {
#ifdef SIOCOUTQ
  int queued = 0;
  if (::ioctl(socket_.native_handle(), SIOCOUTQ, &queued) == 0) return queued;
#endif
  return -1;
}

void HttpConnection::onDeadline() {
  // Waiting for a request (or the rest of one) for too long.
  if (state_ != State::Responding) return close();
  const auto now = Clock::now();
  record_.checkSlow(limits_.softTimeout,
                    parked_ && source_ && source_->holds(record_.parkedPiece()));
  if (parked_) {
    // Nothing came for the piece it waits for: end it cleanly, the client may ask again.
    if (const auto waited = record_.parkedFor(); waited && *waited >= limits_.parkTimeout) {
      context_.log("http: no data for a response before the buffer time-out; ending it");
      record_.fail("BUFFER_TIMEOUT", true);
      return close();
    }
  }
  if (writing_) {
    // A write completes only once the socket has room for a good part of its send buffer
    // again, so a client reading slowly would look stalled: what it has taken from the
    // send queue counts as progress too.
    const int unsent = unsentBytes();
    if (unsent != unsent_) {
      unsent_ = unsent;
      lastProgress_ = now;
    }
  }
  const bool stale = source_ && !source_->current(generation_);
  const bool stalled = writing_ && now - lastProgress_ >= limits_.writeStallTimeout;
  writeStalled_ = stalled;
  if (stale || stalled) return close();
  watch();
}

void HttpConnection::watch() {
  arm(std::max<std::chrono::milliseconds>(
      std::chrono::milliseconds(1),
      std::min<std::chrono::milliseconds>(kWatchInterval, limits_.writeStallTimeout)));
}

void HttpConnection::startWrite() {
  writing_ = true;
  unsent_ = -1;
  lastProgress_ = Clock::now();
}

void HttpConnection::endWrite() {
  writing_ = false;
  lastProgress_ = Clock::now();
}

// ---- requests -------------------------------------------------------------------

void HttpConnection::readRequest() {
  if (closed_) return;
  idleSince_ = Clock::now();
  // Between keep-alive requests only the idle time-out runs, until the next request's first byte.
  if (servedOne_ && buffer_.size() == 0) return awaitRequest();
  readHeader();
}

void HttpConnection::awaitRequest() {
  state_ = State::Idle;
  arm(limits_.idleTimeout);
  socket_.async_wait(tcp::socket::wait_read,
                     [self = shared_from_this()](boost::beast::error_code ec) {
                       if (self->closed_) return;
                       if (ec) return self->close();
                       self->readHeader();
                     });
}

void HttpConnection::readHeader() {
  if (closed_) return;
  state_ = State::ReadingHeader;
  arm(limits_.headerTimeout);
  parser_ = std::make_unique<http::request_parser<http::empty_body>>();
  parser_->header_limit(kHeaderLimitBytes);
  http::async_read(socket_, buffer_, *parser_,
                   [self = shared_from_this()](boost::beast::error_code ec, std::size_t) {
                     if (self->closed_) return;
                     if (quietEnd(ec)) return self->close();
                     self->state_ = State::Responding;
                     self->watch();
                     if (ec) {
                       // Unparsable or oversized request: answer once, then hang up.
                       self->keepAlive_ = false;
                       self->request_ = {};
                       self->request_.keep_alive(false);
                       if (ec == http::error::header_limit) {
                         return self->sendError(http::status::request_header_fields_too_large,
                                                "request header too large");
                       }
                       return self->sendError(http::status::bad_request, "bad request");
                     }
                     self->request_ = self->parser_->release();
                     self->servedOne_ = true;
                     self->handleRequest();
                   });
}

void HttpConnection::handleRequest() {
  try {
    respond();
  } catch (const std::exception& e) {
    // A stream or directory that throws must not take the connection's thread down.
    context_.log(std::string("http: request failed: ") + e.what());
    record_.fail("INTERNAL", false);
    source_.reset();
    keepAlive_ = false;
    if (writing_) return close();
    sendError(http::status::internal_server_error, "internal error");
  }
}

bool HttpConnection::hostAllowed() const {
  const auto host = request_[http::field::host];
  const std::string port = std::to_string(context_.port);
  return boost::beast::iequals(host, "127.0.0.1:" + port) ||
         boost::beast::iequals(host, "localhost:" + port);
}

template <typename Message>
void HttpConnection::addCorsHeaders(Message& message) const {
  if (limits_.allowedOrigins.empty()) return;  // no CORS at all, as browsers then expect
  message.set(http::field::vary, "Origin");
  if (!allowedOrigin_) return;
  message.set(http::field::access_control_allow_origin, request_[http::field::origin]);
  message.set(http::field::access_control_expose_headers,
              "Content-Range, Accept-Ranges, Content-Length");
}

bool HttpConnection::answerPreflight() {
  if (!allowedOrigin_ || request_[http::field::access_control_request_method].empty()) return false;
  keepAlive_ = request_.keep_alive();
  auto response = std::make_shared<http::response<http::string_body>>(http::status::no_content,
                                                                      request_.version());
  addCorsHeaders(*response);
  response->set(http::field::access_control_allow_methods, "GET, HEAD");
  response->set(http::field::access_control_allow_headers, "Range");
  response->set(http::field::access_control_max_age, "600");
  // Chromium's Private Network Access: a page on a public origin asks before reaching localhost.
  if (boost::beast::iequals(request_["Access-Control-Request-Private-Network"], "true"))
    response->set("Access-Control-Allow-Private-Network", "true");
  response->keep_alive(keepAlive_);
  response->prepare_payload();
  sendMessage(std::move(response));
  return true;
}

void HttpConnection::sendError(http::status status, const std::string& text) {
  keepAlive_ = keepAlive_ && request_.keep_alive();
  auto response = std::make_shared<http::response<http::string_body>>(status, request_.version());
  response->set(http::field::content_type, "text/plain; charset=utf-8");
  if (status == http::status::method_not_allowed) response->set(http::field::allow, "GET, HEAD");
  addCorsHeaders(*response);
  response->keep_alive(keepAlive_);
  response->body() = request_.method() == http::verb::head ? "" : text + "\n";
  response->prepare_payload();
  if (request_.method() == http::verb::head) response->content_length(text.size() + 1);
  sendMessage(std::move(response));
}

void HttpConnection::sendMessage(std::shared_ptr<http::response<http::string_body>> response) {
  startWrite();
  auto& message = *response;  // the handler below owns it until the write ends
  http::async_write(socket_, message,
                    [self = shared_from_this(), response = std::move(response)](
                        boost::beast::error_code ec, std::size_t) {
                      self->endWrite();
                      if (ec || !self->keepAlive_) return self->close();
                      self->readRequest();
                    });
}

void HttpConnection::respond() {
  const auto origin = request_[http::field::origin];
  allowedOrigin_ =
      !origin.empty() && std::find(limits_.allowedOrigins.begin(), limits_.allowedOrigins.end(),
                                   origin) != limits_.allowedOrigins.end();
  if (!hostAllowed()) return sendError(http::status::forbidden, "forbidden host");
  if (request_.method() == http::verb::options && answerPreflight()) return;
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
  addCorsHeaders(*header_);
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
  record_.begin(context_.events, std::string(token), offset_, offset_ + remaining_ - 1);
  sendHeader(true);
}

// ---- the response ---------------------------------------------------------------

void HttpConnection::sendHeader(bool withBody) {
  auto serializer = std::make_shared<http::response_serializer<http::empty_body>>(*header_);
  startWrite();
  http::async_write_header(socket_, *serializer,
                           [self = shared_from_this(), serializer, header = header_, withBody](
                               boost::beast::error_code ec, std::size_t) {
                             self->endWrite();
                             if (ec || self->closed_) return self->close();
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
  if (remaining_ == 0) {
    record_.complete();
    return finishResponse();
  }
  // A newer request for this token (a seek) or a release ends this body here.
  if (!source_->current(generation_)) return close();
  chunk_.resize(static_cast<std::size_t>(std::min<std::int64_t>(remaining_, kChunkBytes)));
  std::size_t got = 0;
  // The engine may hold (and run, and drop) resume on any thread: it holds no strong
  // reference, so the connection is never destroyed there. While parked it owns itself.
  const std::uint64_t park = ++parkSeq_;
  auto resume = [weak = weak_from_this(), park, &io = context_.io] {
    net::post(io, [weak, park] {
      if (auto self = weak.lock()) self->resume(park);
    });
  };
  ReadStatus status = ReadStatus::Failed;
  try {
    status =
        source_->read(generation_, offset_, chunk_.data(), chunk_.size(), got, std::move(resume));
  } catch (const std::exception& e) {
    context_.log(std::string("http: read failed: ") + e.what());
    record_.fail("INTERNAL", false);
    return close();
  }
  switch (status) {
    case ReadStatus::Ready:
      if (got == 0) return close();
      retries_ = 0;
      record_.unparked();
      record_.started();
      return writeBody(0, got);
    case ReadStatus::NotYet:
      record_.parked(source_->pieceAt(offset_));
      parked_ = shared_from_this();  // resume() runs when the piece arrives or the stream goes away
      return;
    case ReadStatus::Retry:
      if (++retries_ > kMaxRetries) {
        context_.log("http: piece bytes never matched their hash on disk; closing response");
        record_.fail("STORAGE_ERROR", true);
        return close();
      }
      retryTimer_.expires_after(std::chrono::milliseconds(kRetryDelayMs));
      retryTimer_.async_wait([self = shared_from_this()](boost::beast::error_code ec) {
        if (!ec) self->pump();
      });
      return;
    case ReadStatus::Failed:
      // Failed while still current: the files are gone or unreadable (else a seek or release).
      if (source_->current(generation_)) record_.fail("STORAGE_ERROR", false);
      return close();
  }
}

void HttpConnection::resume(std::uint64_t park) {
  if (closed_ || park != parkSeq_ || !parked_) return;
  const std::shared_ptr<HttpConnection> keep = std::move(parked_);
  pump();
}

void HttpConnection::writeBody(std::size_t from, std::size_t to) {
  // write_some, not async_write: every bit of progress restarts the write-stall clock.
  startWrite();
  socket_.async_write_some(
      net::buffer(chunk_.data() + from, to - from),
      [self = shared_from_this(), from, to](boost::beast::error_code ec, std::size_t written) {
        self->endWrite();
        if (ec || self->closed_) return self->close();
        self->record_.add(static_cast<std::int64_t>(written));
        self->offset_ += static_cast<std::int64_t>(written);
        self->remaining_ -= static_cast<std::int64_t>(written);
        if (from + written < to) {
          if (!self->source_->current(self->generation_)) return self->close();
          return self->writeBody(from + written, to);
        }
        self->pump();
      });
}

}  // namespace vozduxan
