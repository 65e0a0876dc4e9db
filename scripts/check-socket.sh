#!/bin/sh
# Everything socket for `make check`, natively, no root needed: `swsev socket` served
# on Unix sockets and driven by the conformance suites through psp/'s unix: backend,
# concurrency, hostile callers and protocol abuse, daemon conventions; as root also the
# same against a daemon and clients running as an unprivileged user.
#
#   scripts/check-socket.sh [--quick] BUILD_DIR
#
#   --quick   skip the conformance suites and shorten the stress run
# Environment: SOCKET_SUITES (default: every suite of the conformance binary),
# SWSEV_KEEP_TMP=1 keeps the work directory.  Exit status 0 when everything passed.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
quick=0
[ "${1:-}" = "--quick" ] && { quick=1; shift; }
case ${1:-} in -h | --help) sed -n '2,11s/^# \{0,1\}//p' "$0"; exit 0 ;; esac
[ $# -eq 1 ] || { echo "usage: scripts/check-socket.sh [--quick] BUILD_DIR" >&2; exit 2; }
O=$1
case $O in /*) ;; *) O=$top/$O ;; esac
SWSEV=$O/bin/swsev
P=$O/tests/progs
CONF=$O/tests/conformance
for f in "$SWSEV" "$P/sev_hostile" "$P/sev_stress" "$CONF"; do
	[ -x "$f" ] || { echo "check-socket: $f missing (make first)" >&2; exit 2; }
done

w=$(mktemp -d "${TMPDIR:-/tmp}/check-socket.XXXXXX") || exit 2
chmod 755 "$w"
pids=""
cleanup() {
	for p in $pids; do kill -TERM "$p" 2>/dev/null; done
	[ -n "${SWSEV_KEEP_TMP:-}" ] || rm -rf "$w"
}
trap cleanup EXIT
export SWSEV_ROOT_DIR="$w/root"
# A sanitizer build's reports, the daemons' included (their stderr is gone once ready).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$w/sanitizer"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$w/sanitizer"
t0=$(date +%s)

. "$top/scripts/testlib.sh"
TL_WORK=$w

SEED_A=5357534556534f434b2d41
SEED_B=5357534556534f434b2d42

# start NAME SEED [options]: a background daemon on $w/NAME.sock, state $w/NAME.
start() {
	_n=$1 _seed=$2
	shift 2
	"$SWSEV" socket --path "$w/$_n.sock" --state "$w/$_n" --seed "$_seed" --root "${ROOT:-$w/root}" --pid "$w/$_n.pid" \
		--ready "$w/$_n.ready" --log "$w/$_n.log,level=info" "$@" && pids="$pids $(cat "$w/$_n.pid")"
}

if start a $SEED_A && start b $SEED_B; then
	ok "two daemons serve $w/a.sock and $w/b.sock ($(stat -c %A "$w/a.sock"))"
else
	bad "daemons did not start"
	cat "$w"/*.log 2>/dev/null | tail -n 20
	exit 1
fi
A=unix:$w/a.sock
B=unix:$w/b.sock

if [ $quick -eq 0 ]; then
	echo "== conformance suites on $A (second platform $B)"
	# shellcheck disable=SC2046 # one word per suite
	conformance_suites "$CONF" "$A" "$B" 600 ${SOCKET_SUITES:-$("$CONF" -l | grep -v '^ ')}
fi

echo "== concurrency, hostile callers, protocol abuse"
ops=1000
[ $quick -eq 0 ] || ops=200
run "8 clients x $ops mixed commands, every reply checked" "$P/sev_stress" "$A" 8 $ops
tail -n 1 "$w/out" | sed 's/^/    /'
"$P/sev_hostile" state "$A" >"$w/state-before" 2>&1
run "bad pointers, truncated structs, oversize lengths, unknown ioctls, racing and killed callers, many opens" \
	"$P/sev_hostile" abi "$A"
grep -E '^(FAIL|sev_hostile)' "$w/out" | sed 's/^/    /'
run "garbage, bad framing, lies in DATA, disconnects at every step, too many connections" \
	"$P/sev_hostile" proto "$w/a.sock"
grep -E '^(FAIL|sev_hostile)' "$w/out" | sed 's/^/    /'
"$P/sev_hostile" state "$A" >"$w/state-after" 2>&1
if alive a && [ -s "$w/state-before" ] && cmp -s "$w/state-before" "$w/state-after"; then
	ok "the daemon survived and its state is intact"
else
	bad "daemon dead or state changed: before '$(cat "$w/state-before")' after '$(cat "$w/state-after")'"
fi

echo "== daemon conventions"
out=$("$SWSEV" socket --path "$w/a.sock" --state "$w/dup" --seed $SEED_B 2>&1)
rc=$?
case "$rc:$out" in
1:*"in use"*) ok "a second daemon on a served path fails with status 1: $(echo "$out" | tail -n 1)" ;;
*) bad "a second daemon on a served path: status $rc, '$out'" ;;
esac
: >"$w/plain"
out=$("$SWSEV" socket --path "$w/plain" --state "$w/dup" --seed $SEED_B 2>&1)
[ $? -eq 1 ] && [ -f "$w/plain" ] && ok "a path that is not a socket is left alone: $(echo "$out" | tail -n 1)" ||
	bad "not-a-socket path: $out"
out=$("$SWSEV" socket --state "$w/x" 2>&1)
[ $? -eq 2 ] && ok "usage error exits 2: $(echo "$out" | head -n 1)" || bad "usage error: $out"

# Killed daemon: the stale socket is replaced; foreground, ready fd, SIGTERM, state kept.
start c $SEED_B --mode 0660 || bad "daemon c"
[ "$(stat -c %a "$w/c.sock")" = 660 ] && ok "--mode 0660 on the socket" || bad "socket mode $(stat -c %a "$w/c.sock")"
"$P/sev_hostile" state "unix:$w/c.sock" >"$w/c-before" 2>&1
kill -KILL "$(cat "$w/c.pid")"
sleep 0.2
mkfifo "$w/fifo"
"$SWSEV" socket --path "$w/c.sock" --state "$w/c" --seed $SEED_B --root "$w/root" --foreground --ready-fd 3 \
	--log "$w/c2.log,level=debug" 3>"$w/fifo" &
cpid=$!
pids="$pids $cpid"
r=$(timeout 60 cat "$w/fifo")
[ "$r" = "READY=1" ] && ok "after kill -9, a new daemon replaces the stale socket; --ready-fd said '$r'" ||
	bad "restart on a stale socket: ready fd said '$r'"
"$P/sev_hostile" state "unix:$w/c.sock" >"$w/c-after" 2>&1
cmp -s "$w/c-before" "$w/c-after" && ok "... same NV digest and PDH as before the kill" ||
	bad "state after kill/restart: '$(cat "$w/c-after")' was '$(cat "$w/c-before")'"
kill -TERM $cpid
wait $cpid
rc=$?
[ $rc -eq 0 ] && [ ! -e "$w/c.sock" ] && ok "SIGTERM: exit 0, socket removed" || bad "SIGTERM: exit $rc"
grep -q 'stopping on signal 15' "$w/c2.log" && ok "... stop logged" || bad "log: $(tail -n 2 "$w/c2.log")"
if grep -qi "$SEED_B" "$w"/*.log; then bad "the seed appears in a log"; else ok "no seed in any log"; fi
cmdline=$(tr '\0' ' ' <"/proc/$(cat "$w/a.pid")/cmdline")
if [ -z "$cmdline" ] || echo "$cmdline" | grep -qi "$SEED_A"; then
	bad "the seed is visible in the daemon's /proc/PID/cmdline: '$cmdline'"
else
	ok "the seed is scrubbed from the daemon's command line"
fi

# Unprivileged: a daemon as nobody (--runas, and started as nobody), clients as nobody.
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	as_nobody() {
		if command -v setpriv >/dev/null 2>&1; then
			setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups -- "$@"
		else
			su -s /bin/sh nobody -c "$(printf '%s ' "$@")"
		fi
	}
	mkdir "$w/n" && chown nobody "$w/n"
	if ROOT=$w/n/root start n $SEED_A --runas nobody --mode 0666; then
		uid=$(awk '/^Uid:/ { print $2 "/" $3 }' "/proc/$(cat "$w/n.pid")/status")
		[ "$uid" = "$(id -u nobody)/$(id -u nobody)" ] && ok "--runas nobody: daemon runs as uid $uid" ||
			bad "--runas: uid $uid"
		if as_nobody "$P/sev_stress" "unix:$w/n.sock" 4 200 >"$w/out" 2>&1 &&
			as_nobody "$P/sev_hostile" abi "unix:$w/n.sock" >>"$w/out" 2>&1; then
			ok "clients running as nobody: stress and hostile checks pass"
		else
			bad "clients as nobody"
			tail -n 20 "$w/out" | sed 's/^/    /'
		fi
		stop n || bad "stopping the --runas daemon"
	else
		bad "--runas daemon: $(tail -n 3 "$w/n.log" 2>&1)"
	fi
	mkdir "$w/u" && chown nobody "$w/u"
	if as_nobody "$SWSEV" socket --path "$w/u/u.sock" --state "$w/u/state" --seed $SEED_B --pid "$w/u/u.pid" \
		>"$w/out" 2>&1; then
		as_nobody "$P/sev_hostile" state "unix:$w/u/u.sock" >>"$w/out" 2>&1 &&
			ok "a daemon started by nobody serves its own socket" || bad "unprivileged daemon does not answer"
		kill -TERM "$(cat "$w/u/u.pid")"
	else
		bad "unprivileged daemon did not start: $(tail -n 3 "$w/out")"
	fi
fi

stop a && stop b && ok "both daemons stopped on SIGTERM" || bad "daemons did not stop"
if ls "$w"/sanitizer.* >/dev/null 2>&1; then
	bad "sanitizer reports: $(ls "$w"/sanitizer.* | wc -l)"
	head -n 30 "$w"/sanitizer.* | sed 's/^/    /'
fi
echo "check-socket: $pass passed, $fail failed in $(($(date +%s) - t0)) s${failed:+; failed:$failed}"
[ $fail -eq 0 ]
