"""Seeds one torrent from libtorrent on 127.0.0.1; prints 'READY <port>' once seeding."""
import argparse
import sys

import libtorrent as lt

from lt_common import (
    UPLOAD_UPLOAD_CONNECTION,
    loopback_session,
    stop_event,
    throttle_loopback,
    torrent_params,
)


def report(ses):
    """Prints error alerts, and a line for every peer dropped as upload-only."""
    for a in ses.pop_alerts():
        if isinstance(a, lt.peer_disconnected_alert) \
                and a.error.category() == lt.libtorrent_category() \
                and a.error.value() == UPLOAD_UPLOAD_CONNECTION:
            print('DROPPED upload-only %s:%d' % tuple(a.endpoint), flush=True)
        elif a.category() & lt.alert.category_t.error_notification:
            print('alert: %s' % a.message(), file=sys.stderr, flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--torrent', required=True)
    p.add_argument('--save-path', required=True)
    p.add_argument('--port', type=int, default=0)
    p.add_argument('--upload-limit', type=int, default=0, help='bytes/s, 0 = unlimited')
    p.add_argument('--tracker', action='append', default=[])
    args = p.parse_args()

    stop = stop_event()
    # connect_notification: peer_disconnected_alert, to report upload-only drops.
    ses = loopback_session(args.port, {
        'upload_rate_limit': args.upload_limit,
        'alert_mask': lt.alert.category_t.error_notification
        | lt.alert.category_t.status_notification | lt.alert.category_t.connect_notification,
    })
    if args.upload_limit:
        throttle_loopback(ses)

    # A full recheck (no seed_mode): cheap for fixtures, and proves the data matches.
    atp = torrent_params(args.torrent, args.save_path)
    atp.trackers = args.tracker
    h = ses.add_torrent(atp)

    checked = False
    while not checked:
        if stop.is_set():
            return
        ses.wait_for_alert(100)
        for a in ses.pop_alerts():
            if isinstance(a, lt.torrent_checked_alert):
                checked = True
            elif isinstance(a, (lt.torrent_error_alert, lt.listen_failed_alert)):
                sys.exit(a.message())
            elif a.category() & lt.alert.category_t.error_notification:
                print('alert: %s' % a.message(), file=sys.stderr, flush=True)
    st = h.status()
    if not st.is_seeding:
        sys.exit('data in %s does not match the torrent (%d of %d pieces)'
                 % (args.save_path, st.num_pieces, atp.ti.num_pieces()))

    print('READY %d' % ses.listen_port(), flush=True)
    while not stop.wait(0.2):
        report(ses)
    # Deleting the session sends 'stopped' to the tracker (bounded by stop_tracker_timeout).
    del ses


if __name__ == '__main__':
    main()
