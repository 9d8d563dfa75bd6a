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
