#!/usr/bin/env bash
# Writes the seed corpus of the audio_index fuzz target (native/fuzz/corpus/audio_index/): short
# real files from sox and flac (8 kHz mono to keep them small) and a hand-built M4A, each behind
# the target's first byte (the mime: 0 wav, 1 flac, 2 mpeg, 3 ogg, 4 mp4; all bytes local).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/native/fuzz/corpus/audio_index
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"

sine() { sox -V1 -n -r 8000 -c 1 "$@" synth 1.5 sine 440; }
sine -b 16 "$tmp/long.wav"
sox -n -r 8000 -c 1 -b 16 "$tmp/t.wav" synth 0.1 sine 440
flac -s -f --seekpoint=0.25s -o "$tmp/t.flac" "$tmp/long.wav"
sine -C -4.2 "$tmp/vbr.mp3"
sine -C 32 "$tmp/cbr.mp3"
sine -C 0 "$tmp/t.ogg"

seed() { { printf "\\x$(printf %02x "$1")"; cat "$2"; } >"$out/$3"; }
seed 0 "$tmp/t.wav" sine.wav
seed 1 "$tmp/t.flac" seektable.flac
seed 2 "$tmp/vbr.mp3" xing.mp3
seed 2 "$tmp/cbr.mp3" cbr.mp3
seed 3 "$tmp/t.ogg" vorbis.ogg

# Opus (sox writes none): OpusHead and OpusTags pages, 60 audio pages of 20 ms, with checksums.
# VBRI (Fraunhofer; LAME writes Xing): a table written into the CBR file's first frame.
/usr/bin/env python3 - "$tmp/t.opus" "$tmp/cbr.mp3" "$tmp/vbri.mp3" <<'PY'
import struct, sys
def crc(data):
    c = 0
    for b in data:
        c ^= b << 24
        for _ in range(8):
            c = ((c << 1) ^ 0x04C11DB7 if c & 0x80000000 else c << 1) & 0xFFFFFFFF
    return c
def page(granule, seq, packet, kind):
    p = b"OggS" + bytes([0, kind]) + struct.pack("<QIII", granule, 0x1234, seq, 0) + bytes([1, len(packet)]) + packet
    return p[:22] + struct.pack("<I", crc(p)) + p[26:]
out = page(0, 0, b"OpusHead\x01\x01" + struct.pack("<HIhB", 312, 48000, 0, 0), 2)
out += page(0, 1, b"OpusTags" + struct.pack("<I", 0) + struct.pack("<I", 0), 0)
for i in range(1, 61):
    out += page(312 + 960 * i, i + 1, bytes([i]) * 40, 4 if i == 60 else 0)
open(sys.argv[1], "wb").write(out)
mp3 = bytearray(open(sys.argv[2], "rb").read())
vbri = b"VBRI" + struct.pack(">HHHIIHHHH", 1, 0, 0, len(mp3), 140, 14, 1, 2, 10) + struct.pack(">14H", *([1440] * 14))
mp3[36:36 + len(vbri)] = vbri
open(sys.argv[3], "wb").write(mp3)
PY
seed 3 "$tmp/t.opus" opus.ogg
seed 2 "$tmp/vbri.mp3" vbri.mp3

# M4A: ftyp, moov (one sound track: mdhd, hdlr, stts, stsc, stsz, stco), mdat of 4 chunks.
/usr/bin/env python3 - "$tmp/t.m4a" <<'PY'
import struct, sys
def box(t, body): return struct.pack(">I", 8 + len(body)) + t + body
def full(t, *words): return box(t, b"\0\0\0\0" + b"".join(struct.pack(">I", w) for w in words))
def moov(base):
    stco = box(b"stco", struct.pack(">II", 0, 4) + b"".join(struct.pack(">I", base + 64 * c) for c in range(4)))
    stbl = box(b"stbl", full(b"stts", 1, 8, 1024) + full(b"stsc", 1, 1, 2, 1) + full(b"stsz", 32, 8) + stco)
    mdia = box(b"mdia", full(b"mdhd", 0, 0, 8000, 8192, 0) + full(b"hdlr", 0, 0x736f756e, 0, 0, 0) + box(b"minf", stbl))
    return box(b"moov", box(b"trak", mdia))
ftyp = box(b"ftyp", b"M4A \0\0\0\0")
head = ftyp + moov(0)
open(sys.argv[1], "wb").write(ftyp + moov(len(head) + 8) + box(b"mdat", b"\xab" * 256))
PY
seed 4 "$tmp/t.m4a" moov-first.m4a
ls -l "$out"
