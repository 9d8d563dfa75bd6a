"""Loopback-only libtorrent settings shared by the benchmark's seeder and floor client."""
import os
import sys
import threading

import libtorrent as lt

# The loopback-only base settings and torrent flags are the test harness's.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'harness'))
from lt_common import loopback_settings as harness_settings  # noqa: E402
from lt_common import torrent_flags  # noqa: E402,F401


def loopback_settings(extra=None):
    """The harness's loopback settings, 20 ms ticks, and the alerts the floor client reads."""
    settings = {
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
    return harness_settings(0, settings)


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
