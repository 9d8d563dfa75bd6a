"""A bare BitTorrent seeder of one single-file torrent, written from the protocol alone (no
libtorrent): it answers requests in order, one block per --interval seconds, and prints how many
requests were waiting at it each time one came in, so a test can read the leecher's pipeline.

Usage: paced_seeder.py --file PATH --info-hash HEX --piece-length N --interval SECONDS
Prints `READY port` once listening on 127.0.0.1, then per request `QUEUED waiting served`
(requests received and not yet answered, this one included; blocks answered before it).
Exits when stdin closes.
"""
import argparse
import os
import socket
import struct
import sys
import threading
import time
from collections import deque

from stdin_eof import on_stdin_close

CHOKE, UNCHOKE, INTERESTED, NOT_INTERESTED, HAVE, BITFIELD, REQUEST, PIECE, CANCEL = range(9)


def read_exact(conn, n):
    data = b''
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise ConnectionError('peer closed')
        data += chunk
    return data


def message(msg_id, payload=b''):
    return struct.pack('>IB', len(payload) + 1, msg_id) + payload


class Peer:
    def __init__(self, conn, args, size):
        self.conn = conn
        self.args = args
        self.size = size
        self.queue = deque()
        self.cond = threading.Condition()
        self.served = 0
        self.closed = False
        self.send_lock = threading.Lock()

    def send(self, data):
        with self.send_lock:
            self.conn.sendall(data)

    def serve_blocks(self):
        with open(self.args.file, 'rb') as f:
            while True:
                with self.cond:
                    while not self.queue and not self.closed:
                        self.cond.wait()
                    if self.closed:
                        return
                    index, begin, length = self.queue[0]
                time.sleep(self.args.interval)
                f.seek(index * self.args.piece_length + begin)
                block = f.read(length)
                with self.cond:
                    # Cancelled while it was being paced: not sent.
                    if not self.queue or self.queue[0] != (index, begin, length):
                        continue
                    self.queue.popleft()
                    self.served += 1
                try:
                    self.send(message(PIECE, struct.pack('>II', index, begin) + block))
                except OSError:
                    return

    def run(self, info_hash):
        hs = read_exact(self.conn, 68)
        if hs[28:48] != info_hash:
            return
        self.send(b'\x13BitTorrent protocol' + bytes(8) + info_hash + b'-PS0001-' + os.urandom(12))
        pieces = (self.size + self.args.piece_length - 1) // self.args.piece_length
        bits = bytearray((pieces + 7) // 8)
        for i in range(pieces):
            bits[i // 8] |= 0x80 >> (i % 8)
        self.send(message(BITFIELD, bytes(bits)))
        threading.Thread(target=self.serve_blocks, daemon=True).start()
        try:
            while True:
                (length,) = struct.unpack('>I', read_exact(self.conn, 4))
                if length == 0:
                    continue
                body = read_exact(self.conn, length)
                msg_id, payload = body[0], body[1:]
                if msg_id == INTERESTED:
                    self.send(message(UNCHOKE))
                elif msg_id == REQUEST:
                    req = struct.unpack('>III', payload)
                    with self.cond:
                        self.queue.append(req)
                        waiting, served = len(self.queue), self.served
                        self.cond.notify()
                    print(f'QUEUED {waiting} {served}', flush=True)
                elif msg_id == CANCEL:
                    req = struct.unpack('>III', payload)
                    with self.cond:
                        # The block being paced stays: it is as good as on the wire.
                        if req in list(self.queue)[1:]:
                            self.queue.remove(req)
        except (ConnectionError, OSError):
            pass
        finally:
            with self.cond:
                self.closed = True
                self.cond.notify()
            self.conn.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--file', required=True)
    parser.add_argument('--info-hash', required=True)
    parser.add_argument('--piece-length', type=int, required=True)
    parser.add_argument('--interval', type=float, required=True)
    args = parser.parse_args()
    info_hash = bytes.fromhex(args.info_hash)
    size = os.path.getsize(args.file)
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(('127.0.0.1', 0))
    server.listen(8)
    on_stdin_close(lambda: os._exit(0))
    print(f'READY {server.getsockname()[1]}', flush=True)
    while True:
        conn, _ = server.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        peer = Peer(conn, args, size)
        threading.Thread(target=peer.run, args=(info_hash,), daemon=True).start()


if __name__ == '__main__':
    sys.exit(main())
