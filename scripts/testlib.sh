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
