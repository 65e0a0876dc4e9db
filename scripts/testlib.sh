# Shared by the check scripts (sourced, POSIX sh): counters and a runner that shows a
# failed command's output.  The sourcing script sets TL_WORK to a scratch directory.
pass=0
fail=0
failed=""
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() {
	fail=$((fail + 1))
	failed="$failed
  $*"
	echo "FAIL $*"
}
# run DESC CMD...: ok/FAIL on CMD's status; a failure shows CMD's output, indented.
run() {
	_d=$1
	shift
	if "$@" >"$TL_WORK/out" 2>&1; then
		ok "$_d"
	else
		bad "$_d (exit $?)"
		sed 's/^/    /' "$TL_WORK/out" | tail -n 40
	fi
}
# conformance_suites CONF BACKEND BACKEND2 TIMEOUT SUITE...: each suite of the
# conformance binary against BACKEND (BACKEND2: the second platform), ok/FAIL each
# with its count line; a failure shows the failed tests.
conformance_suites() {
	_conf=$1 _b1=$2 _b2=$3 _t=$4
	shift 4
	for _s in "$@"; do
		SWSEV_BACKEND=$_b1 SWSEV_BACKEND2=$_b2 timeout "$_t" "$_conf" -s "$_s" >"$TL_WORK/conf-$_s.txt" 2>&1
		_rc=$?
		_sum=$(grep -E 'passed, [0-9]+ failed' "$TL_WORK/conf-$_s.txt" | tail -n 1 | sed 's/^.*conformance: //')
		if [ $_rc -eq 0 ]; then
			ok "suite $_s: $_sum"
		else
			bad "suite $_s (exit $_rc): ${_sum:-no summary}"
			grep -E -A3 'had failures|^FAIL|Test .* had' "$TL_WORK/conf-$_s.txt" | head -n 20 | sed 's/^/    /'
		fi
	done
}

# Daemons started with --pid $TL_WORK/NAME.pid:
# stop NAME: SIGTERM, wait for the process to go; 0 if it went within 20 s.
stop() {
	_p=$(cat "$TL_WORK/$1.pid" 2>/dev/null) || return 1
	kill -TERM "$_p" 2>/dev/null || return 1
	_i=0
	while [ $_i -lt 200 ]; do
		kill -0 "$_p" 2>/dev/null || return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}
alive() { kill -0 "$(cat "$TL_WORK/$1.pid" 2>/dev/null)" 2>/dev/null; }
