#!/bin/sh
# Latency of the emulated device for `make bench`: each platform and guest command as
# one ioctl on the CUSE device and over the socket, with the transport rounds each
# takes, next to the same command in-process, a bare CUSE echo ioctl (three rounds, no
# work: harness/tests/progs/cuse_echo.c) and a bare socket round trip, all measured in
# the same (QEMU) machine in the same run.
#
#   scripts/bench-cuse.sh BUILD_DIR [N]
#
# N: calls per command (default 200; key generations N/10).  Runs natively where
# /dev/cuse exists and we are root, else inside scripts/vm-test.sh (TCG: absolute
# numbers are slow, ratios are what to read).  Exit status 0 when every run worked.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
inside=0
work=""
if [ "${1:-}" = "--inside" ]; then
	inside=1
	work=$2
	shift 2
fi
case ${1:-} in -h | --help) sed -n '2,12s/^# \{0,1\}//p' "$0"; exit 0 ;; esac
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: scripts/bench-cuse.sh BUILD_DIR [N]" >&2; exit 2; }
O=$1
N=${2:-200}
case $O in /*) ;; *) O=$top/$O ;; esac
SWSEV=$O/bin/swsev
P=$O/tests/progs
SEED=5357534556424e4348

if [ $inside -eq 0 ]; then
	for f in "$SWSEV" "$P/sev_bench" "$P/cuse_echo" "$P/sevabi_ref"; do
		[ -x "$f" ] || { echo "bench-cuse: $f missing (make first)" >&2; exit 2; }
	done
	work=$(mktemp -d "$top/build/.bench-cuse.XXXXXX") || exit 2
	trap 'rm -rf "$work"' EXIT
	"$P/sevabi_ref" --create --state "$work/pristine" --seed $SEED || exit 1
	if [ -e /dev/cuse ] && [ "$(id -u)" = 0 ]; then
		sh "$0" --inside "$work" "$O" "$N"
	else
		sh "$top/scripts/vm-test.sh" --timeout 1200 --rw "$work" -- sh "$top/scripts/bench-cuse.sh" --inside "$work" "$O" "$N"
	fi
	exit $?
fi

rt=$(mktemp -d "${TMPDIR:-/tmp}/bench-cuse.XXXXXX") || exit 1
NAME=swsev-bench-$$
ECHO=swsev-echo-$$
epid=""
cleanup() {
	[ -z "$epid" ] || kill -TERM "$epid" 2>/dev/null
	for f in "$rt"/*.pid; do [ -e "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null; done
	rm -rf "$rt"
}
trap cleanup EXIT
export SWSEV_ROOT_DIR="$rt/root"
for d in cuse sock inproc; do cp -a "$work/pristine" "$rt/$d" || exit 1; done
"$SWSEV" cuse --name "$NAME" --state "$rt/cuse" --seed $SEED --pid "$rt/cuse.pid" || exit 1
"$SWSEV" socket --path "$rt/sock.sock" --state "$rt/sock" --seed $SEED --pid "$rt/sock.pid" || exit 1
"$P/cuse_echo" serve "$ECHO" &
epid=$!

fail=0
"$P/sev_bench" "dev:/dev/$NAME" "$N" >"$rt/cuse.txt" || fail=1
"$P/sev_bench" "unix:$rt/sock.sock" "$N" >"$rt/sock.txt" || fail=1
"$P/sev_bench" inproc "$rt/inproc" "$N" >"$rt/inproc.txt" || fail=1
echo_line=$("$P/cuse_echo" client "$ECHO" 1000 64) || fail=1
echo_us=$(echo "$echo_line" | sed -n 's/.*: \([0-9.]*\) us per ioctl.*/\1/p')
"$P/sev_bench" ping "$rt/sock.sock" 1000 >"$rt/ping.txt" || fail=1
ping_us=$(awk '{ print $(NF-1) }' "$rt/ping.txt")

echo "swsev device latency, $N calls per command ($(nproc) CPU, $(uname -r))"
echo "baselines: bare CUSE echo ioctl (3 rounds) ${echo_us:-?} us; bare socket round trip ${ping_us:-?} us"
echo
awk -v echo_us="${echo_us:-0}" -v ping_us="${ping_us:-0}" '
	function key(line) { k = substr(line, 1, 32); sub(/ +$/, "", k); return k }
	FILENAME ~ /cuse.txt$/ { k = key($0); order[++n] = k; cu[k] = $(NF-1); cr[k] = $NF; next }
	FILENAME ~ /sock.txt$/ { k = key($0); su[k] = $(NF-1); sr[k] = $NF; next }
	FILENAME ~ /inproc.txt$/ { k = key($0); iu[k] = $(NF-1); next }
	END {
		printf "%-32s %10s %6s %8s %10s %6s %8s %10s\n", "command", "CUSE us", "rounds", "x echo",
		       "socket us", "rounds", "x ping", "inproc us"
		for (i = 1; i <= n; i++) {
			k = order[i]
			printf "%-32s %10.1f %6.2f %8.2f %10.1f %6.2f %8.2f %10.1f\n", k, cu[k], cr[k],
			       (echo_us > 0 ? cu[k] / echo_us : 0), su[k], sr[k], (ping_us > 0 ? su[k] / ping_us : 0), iu[k]
		}
	}' "$rt/cuse.txt" "$rt/sock.txt" "$rt/inproc.txt"
echo
echo "rounds: FUSE_IOCTL requests (CUSE) or IOCTL+DATA messages (socket) per ioctl, from SWSEV_CTL_XPORT_STATS"
exit $fail
