#!/usr/bin/env bash
# Runs "$@" in fresh network and PID namespaces: only loopback exists (nothing can reach, or be
# reached from, the outside), and when the command ends the kernel kills every process it left
# behind (seeders, trackers, browsers), even after a crash.
set -euo pipefail

if [[ ${VOZDUXAN_HERMETIC:-} == 1 ]]; then
  exec "$@"
fi

userns=()
if [[ $(id -u) -ne 0 ]]; then
  userns=(-r) # unprivileged: a user namespace (mapped to root) makes the others possible
fi

# bash stays PID 1 of the namespace instead of exec'ing the command: as PID 1 the command would
# ignore SIGINT/SIGTERM it has no handler for, and would not reap orphaned grandchildren.
# --kill-child: if unshare itself is killed, SIGKILL the namespace's PID 1, which ends them all.
# The ephemeral port range (per network namespace) moves above the ports the test harness hands
# out to seeders and trackers (test/harness/net.ts), so no engine socket can take one of them.
# TMPDIR is a folder of this run's own: what tests, seeders and benchmarks leave there (storage,
# fixtures, browser profiles: about 1 GB a suite) goes when the command ends, once every process
# it left is killed. VOZDUXAN_KEEP_TMP=1 keeps it, to look at after a failure.
exec unshare "${userns[@]}" --net --pid --fork --mount-proc --kill-child \
  env VOZDUXAN_HERMETIC=1 bash -c 'ip link set lo up &&
    { sysctl -qw net.ipv4.ip_local_port_range="40000 60999" || true; } &&
    run=$(mktemp -d "${TMPDIR:-/tmp}/vz-run.XXXXXX") && export TMPDIR=$run &&
    { "$@"; status=$?
      kill -KILL -1 2>/dev/null; wait
      if [[ ${VOZDUXAN_KEEP_TMP:-} == 1 ]]; then echo "kept $run" >&2; else rm -rf "$run" 2>/dev/null; fi
      exit $status; }' bash "$@"
