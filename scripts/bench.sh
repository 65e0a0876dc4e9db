#!/bin/sh
# The benchmarks (`make bench`).  Each reports ratios against a baseline measured in the
# same run on the same machine; absolute numbers are for reading, never for pass/fail.
#
#   scripts/bench.sh [BUILD_DIR]
#
# 1. migration: SEND->RECEIVE throughput vs the crypto ceiling, 64 MiB to 1 GiB guests,
#    in-process and between two processes (swsev bench migrate)
# 2. per-command latencies of the in-process emulator, as a latency profile
# 3. the CUSE and socket transports: each command through /dev/NAME and the socket
#    next to the same command in-process (scripts/bench-cuse.sh, in the QEMU VM)
set -eu
O=${1:-build}
case "$O" in /*) ;; *) O=$(pwd)/$O ;; esac
S="$O/bin/swsev"
T=$(mktemp -d "${TMPDIR:-/tmp}/swsev-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
rc=0

echo "== migration (swsev bench migrate)"
"$S" bench migrate --state "$T" || rc=1

echo
echo "== per-command latency of the in-process emulator (swsev bench latency)"
"$S" bench latency --backend "emu:$T/latency" --out - --iterations 10 --quiet || rc=1

echo
echo "== CUSE and socket transports vs in-process (scripts/bench-cuse.sh)"
sh "$(dirname "$0")/bench-cuse.sh" "$O" || rc=1
exit $rc
