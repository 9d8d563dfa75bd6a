#include "engine/peer_queue_cap.h"

#include <libtorrent/peer_connection_handle.hpp>
#include <libtorrent/peer_request.hpp>
#include <utility>

#include "engine/request_window.h"

#ifdef VOZDUXAN_PEER_QUEUE_CAP
#include <libtorrent/peer_connection.hpp>
#endif

namespace vozduxan {
namespace {

#ifdef VOZDUXAN_PEER_QUEUE_CAP
// libtorrent calls these on its network thread, one connection at a time.
struct QueueCapPeer final : lt::peer_plugin {
  QueueCapPeer(lt::peer_connection_handle handle, PeerQueueCapSwitch capping)
      : handle_(std::move(handle)), capping_(std::move(capping)) {}

  void sent_request(const lt::peer_request& r) override {
    window_.sent(static_cast<int>(r.piece), r.start, RequestWindow::Clock::now());
  }
  bool on_piece(const lt::peer_request& r, lt::span<char const>) override {
    if (window_.arrived(static_cast<int>(r.piece), r.start, RequestWindow::Clock::now())) apply();
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

  lt::peer_connection_handle handle_;
  PeerQueueCapSwitch capping_;
  RequestWindow window_;
  int uncapped_ = 0;  // 0: not capped now
};

struct QueueCapTorrent final : lt::torrent_plugin {
  explicit QueueCapTorrent(PeerQueueCapSwitch capping) : capping_(std::move(capping)) {}
  std::shared_ptr<lt::peer_plugin> new_connection(
      const lt::peer_connection_handle& handle) override {
    if (handle.type() != lt::connection_type::bittorrent) return nullptr;
    return std::make_shared<QueueCapPeer>(handle, capping_);
  }
  PeerQueueCapSwitch capping_;
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
