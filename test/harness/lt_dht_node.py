"""A libtorrent DHT node on 127.0.0.1, optionally seeding one torrent into the DHT.

Prints 'READY <port>' once listening (TCP and the DHT's UDP share the port). With --torrent it
also seeds that torrent, announcing it to the DHT only (no trackers), and prints
'ANNOUNCED <port>' once a DHT lookup from this node finds its own endpoint stored on another
node: from then on any node's get_peers for the info hash can return this seeder.
"""
import argparse
import sys
import time

import libtorrent as lt

from lt_common import UPLOAD_UPLOAD_CONNECTION, loopback_session, stop_event

# By default the DHT refuses most of what a DHT on one address needs: it keeps one node per IP
# (per /24) in its routing table and searches and prefers or enforces node IDs derived from the
# IP (BEP 42). dht_ignore_dark_internet (unallocated class-A ranges) does not cover 127/8; it is
# off so that nothing but these settings decides. Same as LOOPBACK_DHT_SETTINGS in dht.ts.
LOOPBACK_DHT = {
    'enable_dht': True,
    'dht_restrict_routing_ips': False,
    'dht_restrict_search_ips': False,
    'dht_ignore_dark_internet': False,
    'dht_prefer_verified_node_ids': False,
    'dht_enforce_node_id': False,
    # Every node is 127.0.0.1, so the per-IP flood guard (5 messages/s, then a 5 min ban) and
    # the reply quota (8 KB/s; 0 means no replies at all) would throttle the whole DHT.
    'dht_block_ratelimit': 100000,
    'dht_upload_rate_limit': 1 << 24,
}

ANNOUNCE_RETRY_S = 1.0


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--port', type=int, default=0)
    p.add_argument('--bootstrap', action='append', default=[], help='127.0.0.1:PORT of a node')
    p.add_argument('--torrent', help='a .torrent to seed and announce into the DHT')
    p.add_argument('--save-path')
    args = p.parse_args()
    for node in args.bootstrap:
        if not node.startswith('127.0.0.1:'):
            sys.exit('not a loopback node: %s' % node)

    stop = stop_event()
    ses = loopback_session(args.port, dict(LOOPBACK_DHT, **{
        # Never the default routers (dht.libtorrent.org and friends): only our own nodes.
        'dht_bootstrap_nodes': ','.join(args.bootstrap),
        # dht_operation: dht_get_peers_reply_alert; connect: upload-only drops.
        'alert_mask': lt.alert.category_t.error_notification
        | lt.alert.category_t.status_notification
        | lt.alert.category_t.dht_operation_notification
        | lt.alert.category_t.connect_notification,
    }))
    port = ses.listen_port()

    handle = None
    info_hash = None
    if args.torrent:
        atp = lt.add_torrent_params()
        atp.ti = lt.torrent_info(args.torrent)
        atp.save_path = args.save_path
        # No disable_dht here (unlike lt_common.torrent_flags()): the DHT is the only way to us.
        atp.flags = lt.torrent_flags.disable_lsd | lt.torrent_flags.disable_pex
        handle = ses.add_torrent(atp)
        info_hash = atp.ti.info_hashes().v1

    print('READY %d' % port, flush=True)

    checked = handle is None
    announced = handle is None
    next_try = 0.0
    while not stop.is_set():
        ses.wait_for_alert(100)
        for a in ses.pop_alerts():
            if isinstance(a, lt.torrent_checked_alert):
                st = handle.status()
                if not st.is_seeding:
                    sys.exit('data in %s does not match the torrent (%d of %d pieces)'
                             % (args.save_path, st.num_pieces, atp.ti.num_pieces()))
                checked = True
            elif isinstance(a, (lt.torrent_error_alert, lt.listen_failed_alert)):
                sys.exit(a.message())
            elif isinstance(a, lt.dht_get_peers_reply_alert) and not announced:
                if a.info_hash == info_hash \
                        and any(tuple(pe) == ('127.0.0.1', port) for pe in a.peers()):
                    announced = True
                    print('ANNOUNCED %d' % port, flush=True)
            elif isinstance(a, lt.peer_disconnected_alert) \
                    and a.error.category() == lt.libtorrent_category() \
                    and a.error.value() == UPLOAD_UPLOAD_CONNECTION:
                print('DROPPED upload-only %s:%d' % tuple(a.endpoint), flush=True)
            elif a.category() & lt.alert.category_t.error_notification:
                print('alert: %s' % a.message(), file=sys.stderr, flush=True)
        if checked and not announced and time.monotonic() >= next_try:
            # The torrent's own announce, as any seeder's; then look ourselves up. Until the
            # routing table has nodes both go nowhere, so retry.
            next_try = time.monotonic() + ANNOUNCE_RETRY_S
            handle.force_dht_announce()
            ses.dht_get_peers(info_hash)
    del ses


if __name__ == '__main__':
    main()
