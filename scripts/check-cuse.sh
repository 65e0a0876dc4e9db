#!/bin/sh
# Everything CUSE for `make check`: the emulated /dev/NAME served by `swsev cuse`,
# driven by the same conformance suites that run in-process, a plain C client that must
# get byte-identical results, concurrency, hostile callers, daemon conventions.
#
#   scripts/check-cuse.sh [--quick] BUILD_DIR
#
# Where /dev/cuse exists and we are root the tests run here; otherwise inside a QEMU
# guest (scripts/vm-test.sh).  BUILD_DIR must be visible there: below the working
# directory, or anywhere outside /tmp, /run and /var/tmp.
# The CUSE round engine is also checked natively against a model of the kernel first,
# so a host without QEMU still runs that part.
#   --quick        skip the conformance suites and shorten the stress run
# Environment: CUSE_SUITES (default: every suite of the conformance binary),
# CUSE_TIMEOUT (VM timeout, default 1500 s), SWSEV_KEEP_TMP=1 keeps the work directory.
# Exit status 0 when everything passed.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
quick=0
inside=0
work=""
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1; shift ;;
	--inside) inside=1; work=$2; shift 2 ;;
	-h | --help) sed -n '2,17s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || { echo "usage: scripts/check-cuse.sh [--quick] BUILD_DIR" >&2; exit 2; }
O=$1
case $O in /*) ;; *) O=$top/$O ;; esac
SWSEV=$O/bin/swsev
P=$O/tests/progs
CONF=$O/tests/conformance

. "$top/scripts/testlib.sh"
TL_WORK=$work # the host side makes its own below

# Seeds of the platforms; fixed so a failure can be replayed.
SEED_A=5357534556435553452d41
SEED_B=5357534556435553452d42

# ---- the host side ---------------------------------------------------------------------------
if [ $inside -eq 0 ]; then
	for f in "$SWSEV" "$P/sevabi" "$P/sevabi_guest" "$P/sevabi_ref" "$P/cuse_model" "$P/sev_hostile" \
		"$P/sev_stress" "$CONF"; do
		[ -x "$f" ] || { echo "check-cuse: $f missing (make first)" >&2; exit 2; }
	done
	work=$(mktemp -d "$top/build/.check-cuse.XXXXXX") || exit 2
	TL_WORK=$work
	trap '[ -n "${SWSEV_KEEP_TMP:-}" ] || rm -rf "$work"' EXIT
	t0=$(date +%s)
	echo "== CUSE round engine under a model of the kernel (native)"
	# Platforms made here, where key generation is fast; the guest gets copies.
	# One emulated AMD root for both: migration between them must verify.
	"$P/sevabi_ref" --create --root "$work/root" --state "$work/pristine-a" --seed $SEED_A || exit 1
	"$P/sevabi_ref" --create --root "$work/root" --state "$work/pristine-b" --seed $SEED_B || exit 1
	cp -a "$work/pristine-a" "$work/ref-a" && cp -a "$work/pristine-a" "$work/model-a"
	"$P/sevabi_ref" --guest --root "$work/root" --state "$work/ref-a" --seed $SEED_A >"$work/ref.txt" 2>/dev/null
	"$P/sevabi_ref" --model --guest --root "$work/root" --state "$work/model-a" --seed $SEED_A >"$work/model.txt" \
		2>"$work/model.err"
	if [ -s "$work/ref.txt" ] && cmp -s "$work/ref.txt" "$work/model.txt"; then
		ok "platform + guest sequence: CUSE engine (model) byte-identical to in-process ($(wc -l <"$work/ref.txt") lines; $(sed 's/.*: //' "$work/model.err"))"
	else
		bad "CUSE engine (model) differs from in-process"
		diff "$work/ref.txt" "$work/model.txt" | head -n 20 | sed 's/^/    /'
	fi
	run "memory changing between rounds, CUSE limits, failures that write (cuse_model)" "$P/cuse_model" "$work/model"
	grep -E '^(FAIL|cuse_model)' "$work/out" | sed 's/^/    /'
	if [ -e /dev/cuse ] && [ "$(id -u)" = 0 ]; then
		sh "$0" --inside "$work" "$O"
		rc=$?
	else
		echo "== inside a QEMU guest (no /dev/cuse here)"
		q=""
		[ $quick -eq 0 ] || q=--quick
		sh "$top/scripts/vm-test.sh" --timeout "${CUSE_TIMEOUT:-1500}" --rw "$work" --env CUSE_SUITES \
			--env ASAN_OPTIONS --env UBSAN_OPTIONS \
			-- sh "$top/scripts/check-cuse.sh" $q --inside "$work" "$O"
		rc=$?
	fi
	echo "check-cuse: host part $pass passed, $fail failed; total $(($(date +%s) - t0)) s"
	[ $rc -eq 0 ] && [ $fail -eq 0 ]
	exit $?
fi

# ---- the CUSE side (root, /dev/cuse) -----------------------------------------------------------
# Platforms and fifos on the guest's own tmpfs (the 9p share has no fifos, no chown).
rt=$(mktemp -d "${TMPDIR:-/tmp}/check-cuse.XXXXXX") && chmod 755 "$rt" || exit 1
trap 'rm -rf "$rt"' EXIT
export SWSEV_ROOT_DIR="$rt/root"
# A sanitizer build's reports, the daemons' included (their stderr is gone once ready).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$work/sanitizer"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$work/sanitizer"
NA=swsev-chk-a-$$
NB=swsev-chk-b-$$
t0=$(date +%s)
[ -e /dev/cuse ] || { echo "check-cuse: no /dev/cuse" >&2; exit 1; }

# start NAME DIR SEED [more options]: a background daemon, ready when this returns.
start() {
	_n=$1 _dir=$2 _seed=$3
	shift 3
	"$SWSEV" cuse --name "$_n" --state "$_dir" --seed "$_seed" --root "$rt/root" --pid "$work/$_n.pid" \
		--ready "$work/$_n.ready" --log "$work/$_n.log,level=info" "$@"
}

cp -a "$work/root" "$rt/root" && cp -a "$work/pristine-a" "$rt/a" && cp -a "$work/pristine-b" "$rt/b"
if start "$NA" "$rt/a" $SEED_A && start "$NB" "$rt/b" $SEED_B; then
	ok "two daemons serve /dev/$NA and /dev/$NB ($(stat -c '%A %U:%G' /dev/$NA))"
else
	bad "daemons did not start"
	cat "$work"/*.log 2>/dev/null | tail -n 20
	exit 1
fi
grep -q "^device=/dev/$NA$" "$work/$NA.ready" && grep -q "^pid=$(cat "$work/$NA.pid")$" "$work/$NA.ready" &&
	ok "ready file names the device and the pid" || bad "ready file: $(cat "$work/$NA.ready" 2>&1)"

echo "== byte-for-byte: a plain C client on /dev/$NA against the in-process emulator"
{ "$P/sevabi" "/dev/$NA" && "$P/sevabi_guest" "/dev/$NA"; } >"$work/dev.txt" 2>"$work/dev.err"
if [ -s "$work/ref.txt" ] && cmp -s "$work/ref.txt" "$work/dev.txt"; then
	ok "sevabi + sevabi_guest on /dev/$NA: byte-identical to in-process ($(grep -c ': ret=' "$work/dev.txt") commands)"
else
	bad "the device's results differ from in-process"
	diff "$work/ref.txt" "$work/dev.txt" | head -n 30 | sed 's/^/    /'
	sed 's/^/    /' "$work/dev.err"
fi

if [ $quick -eq 0 ]; then
	echo "== conformance suites on dev:/dev/$NA (second platform dev:/dev/$NB)"
	# shellcheck disable=SC2046 # one word per suite
	conformance_suites "$CONF" "dev:/dev/$NA" "dev:/dev/$NB" 900 ${CUSE_SUITES:-$("$CONF" -l | grep -v '^ ')}
fi

echo "== concurrency"
ops=1000
[ $quick -eq 0 ] || ops=200
run "8 clients x $ops mixed commands on /dev/$NA, every reply checked" "$P/sev_stress" "dev:/dev/$NA" 8 $ops
sed 's/^/    /' "$work/out" | grep -v '^    $' | tail -n 1

echo "== hostile callers"
"$P/sev_hostile" state "dev:/dev/$NA" >"$work/state-before" 2>&1
run "bad pointers, truncated structs, oversize lengths, unknown ioctls, racing and killed callers, many opens" \
	"$P/sev_hostile" abi "dev:/dev/$NA"
grep -E '^(FAIL|sev_hostile)' "$work/out" | sed 's/^/    /'
"$P/sev_hostile" state "dev:/dev/$NA" >"$work/state-after" 2>&1
if alive "$NA" && [ -s "$work/state-before" ] && cmp -s "$work/state-before" "$work/state-after"; then
	ok "the daemon survived and its state is intact ($(cut -c1-20 "$work/state-after")...)"
else
	bad "daemon dead or state changed: before '$(cat "$work/state-before")' after '$(cat "$work/state-after")'"
fi

echo "== daemon conventions"
cp -a "$work/pristine-b" "$rt/dup"
out=$("$SWSEV" cuse --name "$NA" --state "$rt/dup" --seed $SEED_B --root "$rt/root" 2>&1)
rc=$?
case "$rc:$out" in
1:*taken*) ok "a second daemon on /dev/$NA fails with status 1: $(echo "$out" | tail -n 1)" ;;
*) bad "a second daemon on a taken name: status $rc, '$out'" ;;
esac
alive "$NA" && "$P/sev_hostile" state "dev:/dev/$NA" >/dev/null 2>&1 &&
	ok "... and the first one still serves" || bad "the first daemon was disturbed by the duplicate"

out=$("$SWSEV" cuse --state "$rt/x" 2>&1)
[ $? -eq 2 ] && ok "usage error exits 2: $(echo "$out" | head -n 1)" || bad "usage error: $out"
"$SWSEV" cuse --help | grep -q -- '--runas' && ok "--help" || bad "--help"

# Foreground with a readiness fd, SIGTERM, state written.
NC=swsev-chk-c-$$
cp -a "$work/pristine-b" "$rt/c"
mkfifo "$rt/fifo"
"$SWSEV" cuse --name "$NC" --state "$rt/c" --seed $SEED_B --root "$rt/root" --foreground --ready-fd 3 \
	--log "$work/$NC.log,level=debug" 3>"$rt/fifo" &
cpid=$!
r=$(timeout 120 cat "$rt/fifo")
[ "$r" = "READY=1" ] && [ -c "/dev/$NC" ] && ok "--foreground --ready-fd: '$r' once /dev/$NC exists" ||
	bad "readiness fd said '$r'"
"$P/sev_hostile" state "dev:/dev/$NC" >"$work/c-before" 2>&1
kill -TERM $cpid
wait $cpid
rc=$?
[ $rc -eq 0 ] && [ ! -e "/dev/$NC" ] && ok "SIGTERM: exit 0, /dev/$NC removed" || bad "SIGTERM: exit $rc"
grep -q 'stopping on signal 15' "$work/$NC.log" && ! grep -qi 'error' "$work/$NC.log" &&
	ok "... logged the stop, no errors" || bad "log: $(tail -n 3 "$work/$NC.log")"
if start "$NC" "$rt/c" $SEED_B; then
	"$P/sev_hostile" state "dev:/dev/$NC" >"$work/c-after" 2>&1
	cmp -s "$work/c-before" "$work/c-after" && ok "restarted on the same state: NV digest and PDH as before" ||
		bad "state after restart: '$(cat "$work/c-after")' was '$(cat "$work/c-before")'"
	stop "$NC" && [ ! -e "$work/$NC.pid" ] && [ ! -e "$work/$NC.ready" ] &&
		ok "background daemon: SIGTERM removes its pid and ready files" || bad "pid/ready files left behind"
else
	bad "restart on the same state directory"
fi
# Key material never in the log (the seed is the root of every key).
if grep -qi "$SEED_B" "$work"/*.log; then bad "the seed appears in a log"; else ok "no seed in any log"; fi
cmdline=$(tr '\0' ' ' <"/proc/$(cat "$work/$NA.pid")/cmdline")
if [ -z "$cmdline" ] || echo "$cmdline" | grep -qi "$SEED_A"; then
	bad "the seed is visible in the daemon's /proc/PID/cmdline: '$cmdline'"
else
	ok "the seed is scrubbed from the daemon's command line"
fi

# --runas, --mode, --group.
if id nobody >/dev/null 2>&1; then
	ND=swsev-chk-d-$$
	grp=$(id -gn nobody)
	cp -a "$work/pristine-b" "$rt/d"
	chown -R nobody "$rt/d"
	if start "$ND" "$rt/d" $SEED_B --runas nobody --mode 0660 --group "$grp"; then
		uid=$(awk '/^Uid:/ { print $2 $3 $4 $5 }' "/proc/$(cat "$work/$ND.pid")/status")
		perm=$(stat -c '%a %G' "/dev/$ND")
		[ "$uid" = "$(id -u nobody)$(id -u nobody)$(id -u nobody)$(id -u nobody)" ] && [ "$perm" = "660 $grp" ] &&
			"$P/sev_hostile" state "dev:/dev/$ND" >/dev/null 2>&1 &&
			ok "--runas nobody --mode 0660 --group $grp: uid $(id -u nobody), node $perm, serving" ||
			bad "--runas: uids '$uid', node '$perm'"
		stop "$ND" || bad "stopping the --runas daemon"
	else
		bad "--runas daemon did not start: $(tail -n 3 "$work/$ND.log")"
	fi
fi

stop "$NA" && stop "$NB" && ok "both daemons stopped on SIGTERM" || bad "daemons did not stop"
grep -h -i 'error' "$work/$NA.log" "$work/$NB.log" | head -n 5 | sed 's/^/    log: /'
if ls "$work"/sanitizer.* >/dev/null 2>&1; then
	bad "sanitizer reports: $(ls "$work"/sanitizer.* | wc -l)"
	head -n 30 "$work"/sanitizer.* | sed 's/^/    /'
fi
echo "check-cuse: $pass passed, $fail failed in $(($(date +%s) - t0)) s${failed:+; failed:$failed}"
[ $fail -eq 0 ]
