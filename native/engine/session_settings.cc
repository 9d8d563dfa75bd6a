#include "engine/session_settings.h"

#include <libtorrent/alert.hpp>
#include <libtorrent/version.hpp>

#include "engine/errors.h"
#include "engine/peer_queue_cap.h"
#include "engine/request_pacing.h"

namespace vozduxan {
namespace {

constexpr int kMinReconnectSecs = 2;

// What the engine itself listens for; kept even if the caller overrides alert_mask.
constexpr lt::alert_category_t kRequiredAlerts =
    lt::alert_category::status | lt::alert_category::error | lt::alert_category::storage |
    lt::alert_category::piece_progress | lt::alert_category::peer;  // peer: bans of lying peers

void applySetting(lt::settings_pack& pack, const std::string& name, const SettingValue& value) {
  const int index = lt::setting_by_name(name);
  if (index < 0)
    throw EngineError(ErrorCode::BadInput, "unknown libtorrent setting '" + name + "'");
  const auto wrongType = [&](const char* expected) {
    return EngineError(ErrorCode::BadInput,
                       "libtorrent setting '" + name + "' takes a " + expected);
  };
  switch (index & lt::settings_pack::type_mask) {
    case lt::settings_pack::string_type_base:
      if (!std::holds_alternative<std::string>(value)) throw wrongType("string");
      pack.set_str(index, std::get<std::string>(value));
      break;
    case lt::settings_pack::int_type_base:
      if (!std::holds_alternative<std::int64_t>(value)) throw wrongType("number");
      pack.set_int(index, static_cast<int>(std::get<std::int64_t>(value)));
      break;
    case lt::settings_pack::bool_type_base:
      if (!std::holds_alternative<bool>(value)) throw wrongType("boolean");
      pack.set_bool(index, std::get<bool>(value));
      break;
    default:
      throw EngineError(ErrorCode::BadInput, "unsupported libtorrent setting '" + name + "'");
  }
}

}  // namespace

lt::settings_pack buildSettings(const SessionConfig& config) {
  lt::settings_pack pack;
  pack.set_str(lt::settings_pack::user_agent, "vozduxan/0.1 libtorrent/" LIBTORRENT_VERSION);
  const std::string port = std::to_string(config.listenPort);
  pack.set_str(lt::settings_pack::listen_interfaces, "0.0.0.0:" + port + ",[::]:" + port);
  // Time-critical pieces are requested from the tick; the default 500 ms tick adds up
  // to half a second to every first byte and seek.
  pack.set_int(lt::settings_pack::tick_interval, 25);
  // Priorities change with every seek and track: keep connections to seeds we may
  // need again in a moment.
  pack.set_bool(lt::settings_pack::close_redundant_connections, false);
  // Until a torrent has this many pieces libtorrent picks at random among every wanted piece,
  // whatever its priority: a cold start then fetched the low-priority piece after the one the
  // player waits for first, half the time (measured: 7.8 s instead of 4.0 s for a 1 MiB piece at
  // 256 KiB/s). Rarest-first honours priorities from the first piece.
  pack.set_int(lt::settings_pack::initial_picker_threshold, 0);
  pack.set_int(lt::settings_pack::alert_mask, kRequiredAlerts);
  // libtorrent dials a peer that closed on us again only after this many seconds times its
  // failures (default 60). A seed still holding the connection of a torrent we just removed and
  // added again (an eviction, then the next track) closes the new one as a duplicate peer id, and
  // a stream then waited a minute for the only seed it had.
  pack.set_int(lt::settings_pack::min_reconnect_time, kMinReconnectSecs);
  // A shallow request pipeline until a stream falls behind (see request_pacing.h), or a deep one
  // under each connection's window where the build can hold it there (peer_queue_cap.h).
  pack.set_int(lt::settings_pack::request_queue_time,
               keepingUpQueueSeconds(peerQueueCapAvailable()));
  for (const auto& [name, value] : config.settings) applySetting(pack, name, value);
  pack.set_int(lt::settings_pack::alert_mask,
               pack.get_int(lt::settings_pack::alert_mask) |
                   static_cast<int>(static_cast<std::uint32_t>(kRequiredAlerts)));
  return pack;
}

}  // namespace vozduxan
