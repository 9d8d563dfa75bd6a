"""The physical floor: a minimal libtorrent leecher driven over JSON lines on stdin/stdout.

It downloads nothing on its own: for each request it raises one piece to top priority, puts a
zero deadline on it and waits for libtorrent to report it finished (hash-checked). Times are
CLOCK_MONOTONIC milliseconds, the clock Node's process.hrtime.bigint() reads.

Commands (one JSON object per line), each answered with one line:
  {"op":"add","savePath":..,"torrentPath"|"magnet":..,"peers":["127.0.0.1:P",..],"fileIndex":i}
      -> {"tAdd","tMeta","tReady"}: the file's first piece is in
  {"op":"piece","fileIndex":i,"offset":n}  -> {"t0","t1"}: the piece holding byte n is in
  {"op":"fetch","fileIndex":i}             -> {"t0","t1"}: every piece of the file is in
  {"op":"exit"}
"""
import json
import os
import sys
import time

import libtorrent as lt

from lt_bench import loopback_settings, torrent_flags

TIMEOUT_S = 120


def now():
    return time.monotonic_ns() / 1e6


class Floor:
    def __init__(self, extra):
        # min_reconnect_time 1: should a dial ever be cut short, retry within a second, not 60 s.
        self.ses = lt.session(loopback_settings(dict({'min_reconnect_time': 1}, **extra)))
        self.h = None
        self.ti = None
        self.checked = False
        self.have = set()
        self.peers = []
        self.last_dial = 0.0

    def pump(self, ms):
        self.ses.wait_for_alert(ms)
        for a in self.ses.pop_alerts():
            if isinstance(a, lt.piece_finished_alert):
                self.have.add(int(a.piece_index))
            elif isinstance(a, lt.add_torrent_alert):
                if a.error.value():
                    raise RuntimeError('add_torrent: %s' % a.error.message())
                self.h = a.handle
            elif isinstance(a, lt.metadata_received_alert):
                self.ti = self.h.torrent_file()
            elif isinstance(a, lt.torrent_checked_alert):
                self.checked = True
            elif a.category() & lt.alert.category_t.error_notification:
                print('floor alert: %s' % a.message(), file=sys.stderr, flush=True)
        # Re-dial while unconnected (never needed when the seeder is up first; cheap insurance).
        t = time.monotonic()
        if self.h is not None and t - self.last_dial > 1 and self.h.status().num_peers == 0:
            for peer in self.peers:
                self.h.connect_peer(peer)
            self.last_dial = t

    def wait(self, done):
        limit = time.monotonic() + TIMEOUT_S
        while not done():
            if time.monotonic() > limit:
                raise RuntimeError('floor: timed out')
            self.pump(5)

    def piece_of(self, file_index, offset):
        fs = self.ti.files()
        return (fs.file_offset(file_index) + offset) // self.ti.piece_length()

    def want(self, piece):
        if piece in self.have:
            return
        self.h.piece_priority(piece, 7)
        self.h.set_piece_deadline(piece, 0)
        self.wait(lambda: piece in self.have)

    def add(self, cmd):
        t_add = now()
        if cmd.get('magnet'):
            atp = lt.parse_magnet_uri(cmd['magnet'])
            # Nothing downloads unless asked for (file priorities wait for the metadata).
            atp.file_priorities = [0] * 64
        else:
            atp = lt.add_torrent_params()
            atp.ti = lt.torrent_info(cmd['torrentPath'])
            atp.piece_priorities = [0] * atp.ti.num_pieces()
        atp.save_path = cmd['savePath']
        self.peers = [(host, int(port)) for host, port in (p.rsplit(':', 1) for p in cmd['peers'])]
        # libtorrent 2.0 dials peers added to a running torrent only on its once-a-second tick
        # (up to 1 s lost when the session has been idle). Peers given in the add parameters of
        # a torrent added paused are dialled the moment it is resumed (measured: 57 ms instead
        # of 635 ms for a 64 KiB piece at 1 MiB/s). The floor must not pay that tick.
        atp.peers = self.peers
        atp.flags = torrent_flags() | lt.torrent_flags.paused
        self.ses.async_add_torrent(atp)
        self.wait(lambda: self.h is not None)
        self.last_dial = time.monotonic()
        if atp.ti is not None:
            self.ti = atp.ti
            first = self.piece_of(cmd['fileIndex'], 0)
            self.h.piece_priority(first, 7)
            self.h.set_piece_deadline(first, 0)
        self.h.resume()
        if atp.ti is not None:
            # Usually the resume dials at once; when the file check gets in between it does not.
            # Then a second pause/resume, with no connection open or opening, does.
            self.wait(lambda: self.checked)
            if not self.h.get_peer_info():
                self.h.pause()
                self.h.resume()
        self.wait(lambda: self.ti is not None)
        t_meta = now()
        self.want(self.piece_of(cmd['fileIndex'], 0))
        return {'tAdd': t_add, 'tMeta': t_meta, 'tReady': now()}

    def piece(self, cmd):
        t0 = now()
        self.want(self.piece_of(cmd['fileIndex'], cmd['offset']))
        return {'t0': t0, 't1': now()}

    def fetch(self, cmd):
        t0 = now()
        i = cmd['fileIndex']
        fs = self.ti.files()
        first = self.piece_of(i, 0)
        last = self.piece_of(i, max(fs.file_size(i) - 1, 0))
        self.h.file_priority(i, 4)
        self.wait(lambda: all(p in self.have for p in range(first, last + 1)))
        return {'t0': t0, 't1': now()}


def main():
    extra = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    floor = Floor(extra)
    print(json.dumps({'ready': True, 't': now()}), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        op = cmd.get('op')
        if op == 'exit':
            break
        try:
            reply = getattr(floor, op)(cmd)
            reply['ok'] = True
        except Exception as e:  # reported to the harness, which fails the run
            reply = {'ok': False, 'error': '%s: %s' % (type(e).__name__, e)}
        reply['id'] = cmd.get('id')
        print(json.dumps(reply), flush=True)
    os._exit(0)


if __name__ == '__main__':
    main()
