#!/bin/bash
# Kills, by PID, the daemons a killed test left behind: QEMU (its own session: it must outlive the
# agent), BIRD and etcd (daemonised or in their own process group). A test killed by ctest's
# timeout cannot take them along; their command line still names the test's temp dir
# (<tmp>/photon-test-XXXXXX). Such a daemon is stale when that directory is gone (the test ended)
# or when it has run longer than any test may (ctest's timeout is 600 s): a daemon of a test
# still running, here or in another checkout, is left alone.
# Run by ctest before and after the VM, BGP, coordinator (etcd) and e2e tests
# (FIXTURES_SETUP/CLEANUP in tests/CMakeLists.txt).
# Usage: reap-stale-daemons.sh [max-age-seconds [only-this-dir]]   (default 900, every dir)
set -u
max_age=${1:-900}
only=${2:-}
ticks=$(getconf CLK_TCK)
read -r uptime _ < /proc/uptime
now=${uptime%.*}
reaped=0
for proc in /proc/[0-9]*; do
  pid=${proc#/proc/}
  [ "$pid" = "$$" ] && continue
  cmdline=$(tr '\0' ' ' 2>/dev/null < "$proc/cmdline") || continue
  program=${cmdline%% *}
  name=${program##*/}
  case "$name" in qemu-system-* | bird | etcd) ;; *) continue ;; esac
  dir=$(grep -o '[^ ,=]*/photon-test-[A-Za-z0-9]\{6\}' <<< "$cmdline" | head -n 1)
  [ -n "$dir" ] || continue
  [ -z "$only" ] || [ "$dir" = "$only" ] || continue
  stat=$(cat 2>/dev/null < "$proc/stat") || continue
  fields=${stat##*) }  # after "pid (comm) ": field 3 (state) on; starttime is field 22
  read -r -a f <<< "$fields"
  age=$(( now - ${f[19]} / ticks ))
  if [ -d "$dir" ] && [ "$age" -le "$max_age" ]; then continue; fi
  why="its test dir $dir is gone"
  [ -d "$dir" ] && why="it has run ${age}s (over ${max_age}s)"
  if kill -KILL "$pid" 2>/dev/null; then
    echo "reap-stale-daemons: killed $name pid $pid: $why"
    reaped=$((reaped + 1))
  fi
done
echo "reap-stale-daemons: $reaped stale daemon(s) killed"
exit 0
