"""Loopback-only libtorrent settings shared by the benchmark's seeder and floor client."""
import os
import sys

import libtorrent as lt

# The loopback-only base settings, torrent flags, loopback throttle and parent watch are the
# test harness's.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'harness'))
from lt_common import loopback_settings as harness_settings  # noqa: E402
from lt_common import throttle_loopback, torrent_flags, torrent_params  # noqa: E402,F401
from stdin_eof import on_stdin_close  # noqa: E402,F401


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
