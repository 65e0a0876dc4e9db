#!/bin/sh
# Runs every end-to-end shell test in this directory (test-*.sh) against the built
# tree, each in a fresh temporary directory, and summarises.  A test exits 0 on
# success, 77 to skip (with its reason on stdout), anything else on failure.
set -u
O=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
SWSEV="$top/$O/bin/swsev"
case "$O" in /*) SWSEV="$O/bin/swsev" ;; esac
export SWSEV top
pass=0 fail=0 skip=0
for t in "$here"/test-*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/swsev-e2e-$name.XXXXXX")
	out="$tmp/output.log"
	( cd "$tmp" && SWSEV_ROOT_DIR="$tmp/amd-root" HOME="$tmp" sh "$t" ) >"$out" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1)); echo "ok   $name"
	elif [ $rc -eq 77 ]; then
		skip=$((skip + 1)); echo "SKIP $name: $(tail -n 1 "$out")"
	else
		fail=$((fail + 1)); echo "FAIL $name (exit $rc)"; sed 's/^/    /' "$out" | tail -n 40
	fi
	[ $rc -eq 0 ] && [ -z "${SWSEV_KEEP_TMP:-}" ] && rm -rf "$tmp"
done
echo "e2e: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
