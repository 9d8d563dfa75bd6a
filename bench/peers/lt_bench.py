"""Loopback-only libtorrent settings shared by the benchmark's seeder and floor client."""
import os
import threading

import libtorrent as lt


def loopback_settings(extra=None):
    """TCP only, no DHT/LSD/UPnP/NAT-PMP, 127.0.0.1 only, 20 ms ticks."""
    settings = {
        'listen_interfaces': '127.0.0.1:0',
        'outgoing_interfaces': '127.0.0.1',
        'enable_dht': False,
        'dht_bootstrap_nodes': '',
        'enable_lsd': False,
        'enable_upnp': False,
        'enable_natpmp': False,
        'enable_ip_notifier': False,
        'enable_outgoing_utp': False,
        'enable_incoming_utp': False,
        'allow_multiple_connections_per_ip': True,
        'close_redundant_connections': False,
        # The rate limiter hands out quota once per tick: 20 ms keeps a limited seeder smooth
        # (the default 500 ms sends a limited rate in half-second bursts).
        'tick_interval': 20,
        'alert_mask': lt.alert.category_t.error_notification
        | lt.alert.category_t.status_notification
        | lt.alert.category_t.storage_notification
        | lt.alert.category_t.piece_progress_notification,
    }
    settings.update(extra or {})
    return settings


def torrent_flags():
    """Not auto-managed (the queue must not pause us); no DHT/LSD/PeX for this torrent."""
    f = lt.torrent_flags
    return f.disable_dht | f.disable_lsd | f.disable_pex


def exit_when_stdin_closes(on_close):
    """Calls on_close once the parent closes our stdin (or dies)."""

    def watch():
        try:
            while os.read(0, 4096):
                pass
        except OSError:
            pass
        on_close()

    threading.Thread(target=watch, daemon=True).start()


def throttle_loopback(ses):
    """Puts every address in the global peer class so upload_rate_limit applies on 127.0.0.1."""
    everything = lt.ip_filter()
    glob = 1 << lt.session.global_peer_class_id
    everything.add_rule('0.0.0.0', '255.255.255.255', glob)
    everything.add_rule('::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', glob)
    ses.set_peer_class_filter(everything)
