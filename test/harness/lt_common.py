"""Loopback-only libtorrent session settings shared by the harness's Python peers."""
import signal
import threading

import libtorrent as lt

from stdin_eof import on_stdin_close

# libtorrent::errors::upload_upload_connection (not exported by the Python binding): a seed
# closed the connection because the other end said it was upload-only.
UPLOAD_UPLOAD_CONNECTION = 37


def loopback_settings(listen_port=0, extra=None):
    """Settings that can only ever talk to 127.0.0.1: no DHT, LSD, UPnP, NAT-PMP, uTP."""
    settings = {
        'listen_interfaces': '127.0.0.1:%d' % listen_port,
        'outgoing_interfaces': '127.0.0.1',
        'enable_dht': False,
        'dht_bootstrap_nodes': '',
        'enable_lsd': False,
        'enable_upnp': False,
        'enable_natpmp': False,
        'enable_ip_notifier': False,
        # libtorrent tries uTP first; on loopback that makes timings erratic.
        'enable_outgoing_utp': False,
        'enable_incoming_utp': False,
        # Every peer in the tests is 127.0.0.1.
        'allow_multiple_connections_per_ip': True,
        'stop_tracker_timeout': 1,
        'alert_mask': lt.alert.category_t.error_notification | lt.alert.category_t.status_notification,
    }
    settings.update(extra or {})
    return settings


def loopback_session(listen_port=0, extra=None):
    """A session on loopback_settings."""
    # Settings go to the constructor so DHT etc. never start, not even briefly.
    return lt.session(loopback_settings(listen_port, extra))


def torrent_flags():
    """Not auto-managed (the queue must not pause us); no DHT/LSD/PeX for this torrent."""
    f = lt.torrent_flags
    return f.disable_dht | f.disable_lsd | f.disable_pex


def torrent_params(torrent_path, save_path, extra_flags=0):
    """Add parameters for a .torrent file whose content lives at save_path, with torrent_flags()."""
    atp = lt.add_torrent_params()
    atp.ti = lt.torrent_info(torrent_path)
    atp.save_path = save_path
    atp.flags = torrent_flags() | extra_flags
    return atp


def stop_event():
    """Set on SIGTERM/SIGINT or when stdin closes (the parent died or let go of us)."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    on_stdin_close(stop.set)
    return stop


def throttle_loopback(ses):
    """Makes upload_rate_limit apply to loopback peers.

    Peers on 127.0.0.0/8 fall in the local peer class, which ignores rate limits: put every
    address in the global class instead.
    """
    everything = lt.ip_filter()
    glob = 1 << lt.session.global_peer_class_id
    everything.add_rule('0.0.0.0', '255.255.255.255', glob)
    everything.add_rule('::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', glob)
    ses.set_peer_class_filter(everything)

