#!/bin/bash
# tests/reap-stale-daemons.sh on stand-ins: processes whose argv[0] is a qemu-system-* or bird path
# inside a photon-test-* dir (sleep under another name). The one whose dir is gone is killed; the one of
# a live dir survives until it is older than the age given; other processes are never touched.
set -u
here=$(cd "$(dirname "$0")" && pwd)
live=$(mktemp -d "${TMPDIR:-/tmp}/photon-test-XXXXXX")
gone="${TMPDIR:-/tmp}/photon-test-gone$((RANDOM % 90 + 10))"
rm -rf "$gone"
pids=()
cleanup() { for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done; rm -rf "$live"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

(exec -a "$gone/qemu-system-x86_64" sleep 60) & stale=$!; pids+=("$stale")
(exec -a "$live/qemu-system-x86_64" sleep 60) & fresh=$!; pids+=("$fresh")
(exec -a "$gone/not-qemu" sleep 60) & other=$!; pids+=("$other")
(exec -a "$gone/bird" sleep 60) & bird=$!; pids+=("$bird")
sleep 0.3

out=$("$here/reap-stale-daemons.sh")
echo "$out"
wait "$stale" 2>/dev/null
kill -0 "$stale" 2>/dev/null && fail "the QEMU of a gone test dir survived"
grep -q "killed qemu-system-x86_64 pid $stale: its test dir $gone is gone" <<< "$out" ||
  fail "no report of $stale"
wait "$bird" 2>/dev/null
kill -0 "$bird" 2>/dev/null && fail "the BIRD of a gone test dir survived"
kill -0 "$fresh" 2>/dev/null || fail "the QEMU of a live test dir was killed"
kill -0 "$other" 2>/dev/null || fail "a process that is not QEMU was killed"

sleep 1.1
# Age 0 only for this test's own dir: another test's QEMU must not be touched.
out=$("$here/reap-stale-daemons.sh" 0 "$live")
echo "$out"
wait "$fresh" 2>/dev/null
kill -0 "$fresh" 2>/dev/null && fail "a QEMU older than the age given survived"
kill -0 "$other" 2>/dev/null || fail "a process that is not QEMU was killed"
echo "PASS"
