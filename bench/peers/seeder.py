"""A libtorrent seeder on 127.0.0.1 for the benchmarks.

Prints 'READY <port>' once seeding; exits when stdin closes. The benchmark shapes its upload
with tc htb on its port. --upload-limit (libtorrent's own limiter, with loopback peers moved to
the global peer class) exists for comparison only: it hands out quota in bursts (a 256 KiB
piece in 140 ms at 1 MiB/s once it has saved up, 500 ms of start-up before the first).
"""
import argparse
import os
import sys
import time

import libtorrent as lt

from lt_bench import loopback_settings, on_stdin_close, throttle_loopback, torrent_params


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--torrent', required=True)
    p.add_argument('--save-path', required=True)
    p.add_argument('--upload-limit', type=int, default=0, help='bytes/s, 0 = unlimited')
    p.add_argument('--port', type=int, default=0)
    args = p.parse_args()

    on_stdin_close(lambda: os._exit(0))
    ses = lt.session(loopback_settings({'upload_rate_limit': args.upload_limit,
                                        'listen_interfaces': '127.0.0.1:%d' % args.port,
                                        'unchoke_slots_limit': -1}))
    if args.upload_limit:
        throttle_loopback(ses)

    # seed_mode: the fixtures were just written by the benchmark; skip the full hash check.
    atp = torrent_params(args.torrent, args.save_path, lt.torrent_flags.seed_mode)
    h = ses.add_torrent(atp)
    deadline = time.monotonic() + 30
    while not h.status().is_seeding:
        if time.monotonic() > deadline:
            sys.exit('seeder never reached seeding state')
        ses.wait_for_alert(50)
        for a in ses.pop_alerts():
            if a.category() & lt.alert.category_t.error_notification:
                sys.exit('seeder: %s' % a.message())
    print('READY %d' % ses.listen_port(), flush=True)
    while True:
        ses.wait_for_alert(1000)
        for a in ses.pop_alerts():
            if a.category() & lt.alert.category_t.error_notification:
                print('seeder alert: %s' % a.message(), file=sys.stderr, flush=True)


if __name__ == '__main__':
    main()
