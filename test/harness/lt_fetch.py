"""Downloads one torrent (file or magnet) from loopback peers; exits 0 once complete.

Prints 'DONE <seconds>' on success, exits 3 on timeout with the torrent's state on stderr.
"""
import argparse
import sys
import time

import libtorrent as lt

from lt_common import loopback_session, stop_event, torrent_flags


def parse_peer(s):
    host, port = s.rsplit(':', 1)
    return host, int(port)


def main():
    p = argparse.ArgumentParser()
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument('--torrent')
    src.add_argument('--magnet')
    p.add_argument('--save-path', required=True)
    p.add_argument('--peer', action='append', default=[], type=parse_peer)
    p.add_argument('--timeout', type=float, default=60)
    args = p.parse_args()

    stop = stop_event()
    ses = loopback_session(0, {'tick_interval': 100})
    if args.magnet:
        atp = lt.parse_magnet_uri(args.magnet)
    else:
        atp = lt.add_torrent_params()
        atp.ti = lt.torrent_info(args.torrent)
    atp.save_path = args.save_path
    atp.flags = torrent_flags()
    started = time.monotonic()
    h = ses.add_torrent(atp)

    last_connect = 0.0
    while not stop.is_set():
        st = h.status()
        if st.is_seeding:
            print('DONE %.3f' % (time.monotonic() - started), flush=True)
            return
        if st.errc.value():
            sys.exit('torrent error: %s' % st.errc.message())
        now = time.monotonic()
        if now - started > args.timeout:
            print('timeout: state=%s progress=%.3f peers=%d pieces=%d'
                  % (st.state, st.progress, st.num_peers, st.num_pieces), file=sys.stderr, flush=True)
            sys.exit(3)
        # Re-dial the given peers while unconnected: a seeder may still be starting up.
        if st.num_peers == 0 and now - last_connect > 1:
            for peer in args.peer:
                h.connect_peer(peer)
            last_connect = now
        for a in ses.pop_alerts():
            if a.category() & lt.alert.category_t.error_notification:
                print('alert: %s' % a.message(), file=sys.stderr, flush=True)
        stop.wait(0.02)
    sys.exit(4)


if __name__ == '__main__':
    main()
