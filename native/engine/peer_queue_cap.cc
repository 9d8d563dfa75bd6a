#include "engine/peer_queue_cap.h"

#include <libtorrent/peer_connection_handle.hpp>
#include <libtorrent/peer_request.hpp>
#include <unordered_map>
#include <utility>

#include "engine/deadline_endgame.h"
#include "engine/request_window.h"

#ifdef VOZDUXAN_PEER_QUEUE_CAP
#include <libtorrent/peer_connection.hpp>
#endif

namespace vozduxan {
namespace {

#ifdef VOZDUXAN_PEER_QUEUE_CAP
// A torrent's connections' windows, so that one connection can tell when another would deliver
// a block (deadline_endgame.h). Only libtorrent's network thread touches it.
using WindowsByConnection = std::unordered_map<const lt::peer_connection*, const RequestWindow*>;

// libtorrent calls these on its network thread, one connection at a time.
struct QueueCapPeer final : lt::peer_plugin {
  QueueCapPeer(lt::peer_connection_handle handle, PeerQueueCapSwitch capping,
               std::shared_ptr<WindowsByConnection> windows)
      : handle_(std::move(handle)), capping_(std::move(capping)), windows_(std::move(windows)) {}
  ~QueueCapPeer() override {
    if (connection_ != nullptr) windows_->erase(connection_);
  }
  QueueCapPeer(const QueueCapPeer&) = delete;
  QueueCapPeer& operator=(const QueueCapPeer&) = delete;

  void sent_request(const lt::peer_request& r) override {
    enroll();
    window_.sent(static_cast<int>(r.piece), r.start, RequestWindow::Clock::now());
  }
  bool on_piece(const lt::peer_request& r, lt::span<char const>) override {
    if (window_.arrived(static_cast<int>(r.piece), r.start, RequestWindow::Clock::now())) apply();
    try {
      if (const std::shared_ptr<lt::peer_connection> connection = handle_.native_handle()) {
        const double perBlock = window_.secsPerBlock();
        const TakerPace pace{perBlock * window_.inFlight(), perBlock};
        takeOverAwaitedBlocks(*connection, pace, [this](const lt::peer_connection& holder) {
          const auto it = windows_->find(&holder);
          return it == windows_->end() ? -1.0 : it->second->secsPerBlock();
        });
      }
    } catch (...) {
      // Out of memory: libtorrent's own picking goes on; nothing may unwind into it.
    }
    return false;
  }
  void sent_cancel(const lt::peer_request& r) override {
    window_.forget(static_cast<int>(r.piece), r.start);
  }
  bool on_reject(const lt::peer_request& r) override {
    window_.forget(static_cast<int>(r.piece), r.start);
    return false;
  }
  bool on_choke() override {
    window_.clear();
    return false;
  }
  // The switch flips between blocks too (a stream falls behind while none come in).
  void tick() override { apply(); }

  void apply() {
    const std::shared_ptr<lt::peer_connection> connection = handle_.native_handle();
    if (!connection) return;
    const bool on = capping_->load(std::memory_order_relaxed) && window_.blocks() > 0;
    if (!on) {
      // libtorrent's own ceiling back: what the handshake set before the first cap.
      if (uncapped_ > 0) connection->max_out_request_queue(uncapped_);
      uncapped_ = 0;
      return;
    }
    if (uncapped_ == 0) uncapped_ = connection->max_out_request_queue();
    connection->max_out_request_queue(std::min(window_.blocks(), uncapped_));
  }

  // Not in the constructor: libtorrent builds the plugin before the connection is whole.
  void enroll() {
    if (connection_ != nullptr) return;
    connection_ = handle_.native_handle().get();
    if (connection_ != nullptr) (*windows_)[connection_] = &window_;
  }

  lt::peer_connection_handle handle_;
  PeerQueueCapSwitch capping_;
  std::shared_ptr<WindowsByConnection> windows_;
  const lt::peer_connection* connection_ = nullptr;  // set once it sent a request
  RequestWindow window_;
  int uncapped_ = 0;  // 0: not capped now
};

struct QueueCapTorrent final : lt::torrent_plugin {
  explicit QueueCapTorrent(PeerQueueCapSwitch capping) : capping_(std::move(capping)) {}
  std::shared_ptr<lt::peer_plugin> new_connection(
      const lt::peer_connection_handle& handle) override {
    if (handle.type() != lt::connection_type::bittorrent) return nullptr;
    return std::make_shared<QueueCapPeer>(handle, capping_, windows_);
  }
  PeerQueueCapSwitch capping_;
  std::shared_ptr<WindowsByConnection> windows_ = std::make_shared<WindowsByConnection>();
};

struct QueueCapPlugin final : lt::plugin {
  explicit QueueCapPlugin(PeerQueueCapSwitch capping) : capping_(std::move(capping)) {}
  std::shared_ptr<lt::torrent_plugin> new_torrent(const lt::torrent_handle&,
                                                  lt::client_data_t) override {
    return std::make_shared<QueueCapTorrent>(capping_);
  }
  PeerQueueCapSwitch capping_;
};
#endif

}  // namespace

#ifdef VOZDUXAN_PEER_QUEUE_CAP
bool peerQueueCapAvailable() { return true; }

std::shared_ptr<lt::plugin> makePeerQueueCapPlugin(const PeerQueueCapSwitch& capping) {
  return std::make_shared<QueueCapPlugin>(capping);
}
#else
bool peerQueueCapAvailable() { return false; }

std::shared_ptr<lt::plugin> makePeerQueueCapPlugin(const PeerQueueCapSwitch& /*capping*/) {
  return nullptr;
}
#endif

}  // namespace vozduxan
