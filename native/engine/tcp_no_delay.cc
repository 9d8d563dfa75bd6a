#include "engine/tcp_no_delay.h"

#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstdlib>
#include <cstring>
#include <libtorrent/peer_connection_handle.hpp>
#include <utility>

namespace vozduxan {
namespace {

bool sameEndpoint(const sockaddr_storage& address, const lt::tcp::endpoint& endpoint) {
  const auto port = static_cast<std::uint16_t>(htons(endpoint.port()));
  if (address.ss_family == AF_INET && endpoint.address().is_v4()) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(address);
    return in.sin_port == port && ntohl(in.sin_addr.s_addr) == endpoint.address().to_v4().to_uint();
  }
  if (address.ss_family == AF_INET6 && endpoint.address().is_v6()) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(address);
    const auto bytes = endpoint.address().to_v6().to_bytes();
    return in6.sin6_port == port && std::memcmp(&in6.sin6_addr, bytes.data(), bytes.size()) == 0;
  }
  return false;
}

bool connects(int fd, const lt::tcp::endpoint& local, const lt::tcp::endpoint& remote) {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return false;
  if (!sameEndpoint(address, local)) return false;
  length = sizeof(address);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return false;
  return sameEndpoint(address, remote);
}

// libtorrent's socket is not part of its ABI-stable API (peer_connection's layout depends on
// the library's build options), so the socket is found by its two endpoints among the
// process's descriptors, once per peer (a uTP peer has no connected socket to match).
void setNoDelay(const lt::peer_connection_handle& handle) {
  const lt::tcp::endpoint& remote = handle.remote();
  const lt::tcp::endpoint local = handle.local_endpoint();
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return;
  while (const dirent* entry = readdir(dir)) {
    char* end = nullptr;
    const long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || fd == dirfd(dir)) continue;
    if (!connects(static_cast<int>(fd), local, remote)) continue;
    const int on = 1;
    setsockopt(static_cast<int>(fd), IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    break;
  }
  closedir(dir);
}

// libtorrent calls these on its network thread.
struct NoDelayPeer final : lt::peer_plugin {
  explicit NoDelayPeer(lt::peer_connection_handle handle) : handle_(std::move(handle)) {}
  // An outgoing connection is not connected yet when new_connection runs.
  bool on_handshake(lt::span<char const>) override {
    setNoDelay(handle_);
    return true;
  }
  lt::peer_connection_handle handle_;
};

struct NoDelayTorrent final : lt::torrent_plugin {
  std::shared_ptr<lt::peer_plugin> new_connection(
      const lt::peer_connection_handle& handle) override {
    return std::make_shared<NoDelayPeer>(handle);
  }
};

struct NoDelayPlugin final : lt::plugin {
  std::shared_ptr<lt::torrent_plugin> new_torrent(const lt::torrent_handle&,
                                                  lt::client_data_t) override {
    return std::make_shared<NoDelayTorrent>();
  }
};

}  // namespace

std::shared_ptr<lt::plugin> makeTcpNoDelayPlugin() { return std::make_shared<NoDelayPlugin>(); }

}  // namespace vozduxan
