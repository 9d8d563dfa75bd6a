"""Makes a hybrid (v1+v2) or v2-only .torrent of a folder with libtorrent's own creator.

Prints one JSON line: {"v1": hex or null, "v2": hex}. Paths must be absolute (libtorrent's
set_piece_hashes failed with "Operation canceled" on a relative one).
"""
import argparse
import json
import os

import libtorrent as lt


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--content', required=True, help='the folder to share (absolute)')
    p.add_argument('--out', required=True, help='where to write the .torrent')
    p.add_argument('--mode', choices=['hybrid', 'v2'], required=True)
    p.add_argument('--piece-size', type=int, default=32 * 1024)
    args = p.parse_args()

    content = os.path.abspath(args.content)
    fs = lt.file_storage()
    lt.add_files(fs, content)
    flags = lt.create_torrent.v2_only if args.mode == 'v2' else 0
    ct = lt.create_torrent(fs, args.piece_size, flags=flags)
    lt.set_piece_hashes(ct, os.path.dirname(content))
    data = lt.bencode(ct.generate())
    with open(args.out, 'wb') as f:
        f.write(data)
    ti = lt.torrent_info(args.out)
    hashes = ti.info_hashes()
    print(json.dumps({
        'v1': str(hashes.v1) if hashes.has_v1() else None,
        'v2': str(hashes.v2) if hashes.has_v2() else None,
    }), flush=True)


if __name__ == '__main__':
    main()
