// One keep-alive HTTP connection: parses requests with Beast and streams file bytes
// as their pieces verify, stopping when a newer Range request for the token arrives.
// It knows nothing of the server that accepted it, only its Context, so a test can drive
// it alone over a loopback socket against a stub StreamSource (native/test/).
//
// Threads: every member function runs on the io thread, and the connection is destroyed there
// too. Nothing outside that thread holds a strong reference: a parked response hands the engine
// a resume that holds only a weak one, and keeps itself alive (parked_) until it is resumed or
// closed on the io thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config.h"
#include "engine/events.h"
#include "engine/read_record.h"
#include "engine/stream_source.h"

namespace vozduxan {

/// Streams are served at http://127.0.0.1:PORT/stream/TOKEN.
constexpr std::string_view kStreamPath = "/stream/";
/// A request header larger than this is refused with 431.
constexpr std::uint32_t kHeaderLimitBytes = 16 * 1024;

class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  using Clock = std::chrono::steady_clock;

  /// What a connection needs from whoever accepted it; all of it outlives the connection.
  struct Context {
    boost::asio::io_context& io;  // runs every handler of the connection
    StreamDirectory& streams;
    std::function<void(const std::string&)> log;
    std::uint16_t port = 0;  // the listener's, for the Host check
    /// Called from the destructor, on the io thread.
    std::function<void(HttpConnection*)> forget;
    /// Time-outs and CORS origins; nullptr: the defaults (HttpLimits{}).
    const HttpLimits* limits = nullptr;
    /// Where read events go; nullptr: nowhere.
    EventHub* events = nullptr;
  };

  HttpConnection(Context context, boost::asio::ip::tcp::socket socket);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  void start();
  /// Ends the connection now. May destroy it (a parked response holds only itself), so a
  /// caller without its own reference must not touch it afterwards.
  void close();
  /// The session is closing: an open read ends with reason "close".
  void closeForShutdown();

  bool closed() const { return closed_; }
  /// No response in flight: waiting for a request, or reading one. A server short of room
  /// closes the longest-idle such connection first.
  bool idle() const { return state_ != State::Responding; }
  Clock::time_point idleSince() const { return idleSince_; }

 private:
  using Request = boost::beast::http::request<boost::beast::http::empty_body>;
  using Header = boost::beast::http::response<boost::beast::http::empty_body>;
  enum class State { ReadingHeader, Idle, Responding };

  void readRequest();
  void awaitRequest();
  void readHeader();
  void handleRequest();
  void respond();
  bool hostAllowed() const;
  bool answerPreflight();
  template <typename Message>
  void addCorsHeaders(Message& message) const;
  void sendError(boost::beast::http::status status, const std::string& text);
  /// Writes a whole small response, then reads the next request or closes.
  void sendMessage(
      std::shared_ptr<boost::beast::http::response<boost::beast::http::string_body>> response);
  void sendHeader(bool withBody);
  void pump();
  void resume(std::uint64_t park);
  void writeBody(std::size_t from, std::size_t to);
  void finishResponse();

  void startWrite();
  void endWrite();
  /// Arms the one deadline timer: `after` from now, for the current state.
  void arm(std::chrono::milliseconds after);
  /// While responding: the deadline checks staleness and write stalls every little while.
  void watch();
  void onDeadline();
  /// Bytes written to the socket that the client has not taken yet; -1 if unknown.
  int unsentBytes();

  const Context context_;
  const HttpLimits& limits_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer retryTimer_;
  boost::asio::steady_timer deadline_;
  std::uint64_t deadlineSeq_ = 0;  // a fired handler of an older arm() is ignored
  boost::beast::flat_buffer buffer_;
  std::unique_ptr<boost::beast::http::request_parser<boost::beast::http::empty_body>> parser_;
  Request request_;
  std::shared_ptr<Header> header_;
  std::shared_ptr<StreamSource> source_;
  std::shared_ptr<HttpConnection> parked_;  // set while a read waits for its piece
  std::uint64_t parkSeq_ = 0;
  std::uint64_t generation_ = 0;
  std::int64_t offset_ = 0;
  std::int64_t remaining_ = 0;
  int retries_ = 0;
  State state_ = State::ReadingHeader;
  Clock::time_point idleSince_ = Clock::now();
  Clock::time_point lastProgress_ = Clock::now();
  bool writing_ = false;       // a write is pending: the write-stall clock runs
  bool writeStalled_ = false;  // closed by the write-stall limit, not by the client
  int unsent_ = -1;            // unsentBytes() at the last look while writing
  bool servedOne_ = false;
  bool allowedOrigin_ = false;  // the request's Origin is in limits_.allowedOrigins
  bool keepAlive_ = true;
  bool closed_ = false;
  std::vector<char> chunk_;
  ReadRecord record_;  // the current response body's events
  bool shuttingDown_ = false;
};

}  // namespace vozduxan
