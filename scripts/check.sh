#!/bin/sh
# Every test of the project (`make check`), in stages; each stage reports ok/FAIL with
# its time and the run ends with a summary.  A failed stage does not stop the others.
#
#   scripts/check.sh [--quick] [BUILD_DIR]
#
#   --quick   the native stages only (no clang/sanitizer builds, no QEMU VM)
# BUILD_DIR (default build) is already built by make; it must not be under /tmp when
# the VM stages run (the VM sees the host's / read-only, except /tmp).
set -u
quick=
O=
for a in "$@"; do
	case "$a" in
	--quick) quick=1 ;;
	-*) echo "usage: scripts/check.sh [--quick] [BUILD_DIR]" >&2; exit 2 ;;
	*) O=$a ;;
	esac
done
O=${O:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
case "$O" in /*) OA=$O ;; *) OA=$top/$O ;; esac
S="$OA/bin/swsev"
JOBS=$(nproc 2>/dev/null || echo 2)

passed=0 failed=0 failures=
log_dir=$(mktemp -d "${TMPDIR:-/tmp}/swsev-check.XXXXXX") || { echo "check: cannot create a log directory" >&2; exit 1; }

now() { date +%s; }
# stage NAME CMD...: runs CMD with its output in a log, shown in full on failure.
stage() {
	name=$1
	shift
	printf '== %-34s ' "$name"
	t0=$(now)
	log="$log_dir/$(echo "$name" | tr ' /' '__').log"
	if "$@" >"$log" 2>&1; then
		passed=$((passed + 1))
		printf 'ok    (%ss)\n' $(($(now) - t0))
		# the last line of a test binary or script is its count
		tail -n 1 "$log" | sed 's/^/     /'
		return 0
	else
		failed=$((failed + 1))
		failures="$failures
  $name"
		printf 'FAIL  (%ss)\n' $(($(now) - t0))
		tail -n 60 "$log" | sed 's/^/     | /'
		return 1
	fi
}

# Two runs of a test binary: whatever it prints last is its summary line.
unit() { "$OA/tests/unit"; }
conformance() { "$OA/tests/conformance"; }
e2e() { sh harness/tests/e2e/run.sh "$OA"; }
demo() { sh scripts/demo.sh "$OA"; }
vectors_regen() { "$S" vectors check -q; }
vectors_independent() { sh scripts/check-vectors.sh -q vectors; }
lab_dry_run() { sh scripts/lab-run.sh --dry-run --build "$OA"; }
socket() { sh scripts/check-socket.sh ${quick:+--quick} "$OA"; }
bench_smoke() { "$S" bench migrate --sizes 8 --no-two-process; }

clang_build() {
	command -v clang >/dev/null || { echo "clang is not installed (scripts/deps.sh installs it)"; return 1; }
	make -s -j"$JOBS" O="$O/clang" CC=clang all
}
san_build() { make -s -j"$JOBS" O="$O/san" SAN=1 all; }
# ASan's leak checker needs ptrace-like access that some containers lack; leaks are
# still reported where it works.
san_env() { env ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:${ASAN_OPTIONS:-}" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" "$@"; }
san_unit() { san_env "$OA/san/tests/unit"; }
san_conformance() { san_env "$OA/san/tests/conformance"; }
san_e2e() { san_env sh harness/tests/e2e/run.sh "$OA/san"; }
cuse() { sh scripts/check-cuse.sh ${quick:+--quick} "$OA"; }
# The psp/ dev: backend against a live emulated device, inside the VM.
dev_live() {
	sh scripts/vm-test.sh --timeout 600 -- sh -c \
		"$S cuse --name sev-check --state /tmp/st --seed 01 && SWSEV_TEST_DEV=/dev/sev-check $OA/tests/unit -s psp_dev_live"
}

echo "swsev check: build $O, logs in $log_dir"
stage "unit tests" unit
stage "conformance (in-process)" conformance
stage "end-to-end CLI tests" e2e
stage "main job (make run)" demo
stage "vectors: regenerate and compare" vectors_regen
stage "vectors: independent checker" vectors_independent
stage "lab-run --dry-run" lab_dry_run
stage "bench smoke (migrate 8 MiB)" bench_smoke
stage "socket transport" socket
if [ -z "$quick" ]; then
	stage "clang build (-Werror)" clang_build
	if stage "ASan+UBSan build" san_build; then
		stage "ASan+UBSan unit tests" san_unit
		stage "ASan+UBSan conformance" san_conformance
		stage "ASan+UBSan end-to-end" san_e2e
	fi
	stage "CUSE device (QEMU VM)" cuse
	stage "psp dev: backend live (QEMU VM)" dev_live
fi

echo
echo "swsev check: $passed stages passed, $failed failed"
[ $failed -eq 0 ] && { rm -rf "$log_dir"; exit 0; }
echo "failed:$failures"
echo "logs: $log_dir"
exit 1
