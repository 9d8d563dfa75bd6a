"""How the harness's Python helpers notice that their parent is gone: their stdin closes.

Shared by lt_common.py (the libtorrent peers), tether.py and the benchmark's peers
(bench/peers/lt_bench.py); free of libtorrent, so tether.py can use it.
"""
import os
import threading


def on_stdin_close(callback):
    """Calls callback, from a daemon thread, once stdin reaches EOF (the parent died or let go)."""

    def watch():
        # os.read, not sys.stdin: a daemon thread blocked in a buffered read aborts
        # interpreter shutdown ("could not acquire lock for <stdin>").
        try:
            while os.read(0, 4096):
                pass
        except OSError:
            pass
        callback()

    threading.Thread(target=watch, daemon=True).start()
