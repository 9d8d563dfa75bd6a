#!/usr/bin/env bash
# seed-and-run.ts's command for the clean room: copies the torrent in and runs one consumer
# inside $CLEANROOM with the SMOKE_* variables rewritten to paths inside the room.
set -euo pipefail
consumer=$1
cp "$SMOKE_TORRENT" "$CLEANROOM/tmp/smoke.torrent"
mkdir -p "$CLEANROOM/tmp/store"
exec unshare -m bash -c '
  mount -t proc proc "$CLEANROOM/proc" && mount --bind /dev "$CLEANROOM/dev"
  exec chroot "$CLEANROOM" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root \
    SMOKE_MAGNET="$SMOKE_MAGNET" SMOKE_TORRENT=/tmp/smoke.torrent SMOKE_FILE_INDEX="$SMOKE_FILE_INDEX" \
    SMOKE_SHA256="$SMOKE_SHA256" SMOKE_STORAGE=/tmp/store sh -c "cd /app && node $1"
' in-cleanroom "$consumer"
