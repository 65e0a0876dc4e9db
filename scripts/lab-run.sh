#!/bin/sh
# Run the conformance suites and the migration benchmark against a real PSP (an SEV
# lab host), and measure per-command latencies as a profile the emulator can replay.
#
#   scripts/lab-run.sh [--dry-run] [--backend URI] [--backend2 URI] [--build DIR]
#                      [--out DIR] [--iterations N] [--suites LIST] [--skip-check]
#                      [--destructive [--yes-really-destroy-platform-state]]
#
#   --dry-run       print every command it would run, with the backend URIs, and
#                   change nothing (works on any machine)
#   --backend URI   the platform under test (default kvm:/dev/sev)
#   --backend2 URI  the migration target (default: the same platform; SEND_START
#                   then targets the platform's own PDH)
#   --build DIR     where make put the binaries (default build)
#   --out DIR       results folder (default results/<host>-<UTC date>)
#   --iterations N  latency rounds (default 20)
#   --suites LIST   conformance suites, comma-separated (default all)
#   --skip-check    do not stop when scripts/lab-check.sh finds something missing
#   --destructive   also run the destructive platform tests (FACTORY_RESET, PEK_GEN,
#                   PEK_CERT_IMPORT, ...): they erase the platform's owner
#                   certificates.  Asks for confirmation on the terminal unless
#                   --yes-really-destroy-platform-state is given too.
#
# The results folder holds: host.txt (kernel, CPU, lab-check), firmware.txt, one log
# per step, latency.profile (load it with emu:DIR?latency-profile=FILE), the
# migration benchmark's figures on the real PSP and on the emulator replaying the
# profile, and summary.txt (each step's exit status).
# Exit status: 0 all steps passed, 1 a step failed, 2 usage or not a lab host.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
self=$top/scripts/lab-run.sh

dry=0
backend=kvm:/dev/sev
backend2=
build=build
out=
iterations=20
suites=
skip_check=0
destructive=0
yes=0

usage() {
	sed -n '/^#   scripts/,/^#                   --yes-really/s/^# \{0,1\}//p' "$self" >&2
	exit 2
}

need_arg() {
	[ "$1" -ge 2 ] || usage
}

while [ $# -gt 0 ]; do
	case $1 in
	--dry-run) dry=1; shift ;;
	--backend) need_arg $#; backend=$2; shift 2 ;;
	--backend2) need_arg $#; backend2=$2; shift 2 ;;
	--build) need_arg $#; build=$2; shift 2 ;;
	--out) need_arg $#; out=$2; shift 2 ;;
	--iterations) need_arg $#; iterations=$2; shift 2 ;;
	--suites) need_arg $#; suites=$2; shift 2 ;;
	--skip-check) skip_check=1; shift ;;
	--destructive) destructive=1; shift ;;
	--yes-really-destroy-platform-state) yes=1; shift ;;
	-h | --help) usage ;;
	*) echo "lab-run: unknown argument '$1'" >&2; usage ;;
	esac
done
case $iterations in '' | *[!0-9]*) echo "lab-run: --iterations wants a number" >&2; exit 2 ;; esac
[ -n "$backend2" ] || backend2=$backend
if [ "$yes" -eq 1 ] && [ "$destructive" -eq 0 ]; then
	echo "lab-run: --yes-really-destroy-platform-state only goes with --destructive" >&2
	exit 2
fi

case $build in /*) ;; *) build=$top/$build ;; esac
swsev=$build/bin/swsev
conformance=$build/tests/conformance
host=$(uname -n)
stamp=$(date -u +%Y%m%dT%H%M%SZ)
[ -n "$out" ] || out=$top/results/$host-$stamp
case $out in /*) ;; *) out=$(pwd)/$out ;; esac
profile=$out/latency.profile
# the PSP device behind the backend, for lab-check
sevpath=${backend#*:}
sevpath=${sevpath%%\?*}
[ -n "$sevpath" ] || sevpath=/dev/sev
emu_dir=$out/emu
emu_opts="seed=6c61622d72756e&latency-profile=$profile"

# quote WORD: WORD as one single-quoted shell word when it needs quoting.
quote() {
	case $1 in
	'' | *[!A-Za-z0-9_./:=,@+-]*)
		_q=$(printf '%s.' "$1" | sed "s/'/'\\\\''/g")
		printf "'%s'" "${_q%.}"
		;;
	*) printf '%s' "$1" ;;
	esac
}

# show ARGS...: the command line, quoted so it can be pasted into a shell.
show() {
	_line=
	for _a in "$@"; do
		_line="$_line${_line:+ }$(quote "$_a")"
	done
	printf '%s' "$_line"
}

failed=0
step_no=0

# step NAME CMD...: runs CMD with its output in $out/NAME.log, records the status.
step() {
	_name=$1
	shift
	step_no=$((step_no + 1))
	if [ "$dry" -eq 1 ]; then
		printf '%2d. %-22s %s\n' "$step_no" "$_name" "$(show "$@")"
		printf '    %-22s > %s\n' "" "$out/$_name.log"
		return 0
	fi
	printf '%2d. %-22s %s\n' "$step_no" "$_name" "$(show "$@")"
	{
		echo "# $(show "$@")"
		echo "# started $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	} >"$out/$_name.log"
	"$@" >>"$out/$_name.log" 2>&1
	_rc=$?
	echo "# exit status $_rc at $(date -u +%Y-%m-%dT%H:%M:%SZ)" >>"$out/$_name.log"
	printf '%-24s %s\n' "$_name" "$([ $_rc -eq 0 ] && echo ok || echo "FAILED (exit $_rc)")" >>"$out/summary.txt"
	if [ $_rc -ne 0 ]; then
		failed=$((failed + 1))
		echo "    FAILED (exit $_rc), see $out/$_name.log"
	fi
	return 0
}

conf_args=
[ -z "$suites" ] || conf_args="-s $suites"

# ---- the plan -----------------------------------------------------------------------------
if [ "$dry" -eq 1 ]; then
	echo "lab-run: dry run on $host: nothing is executed or written"
	echo "backend:  $backend"
	echo "backend2: $backend2"
	echo "results:  $out"
	echo
	if sh "$top/scripts/lab-check.sh" --quiet >/dev/null 2>&1; then
		echo "lab-check: this host is ready for $backend"
	else
		echo "lab-check: this host is NOT an SEV lab host; a real run would stop after step 1"
		echo "           (sh scripts/lab-check.sh says what is missing)"
	fi
	echo
else
	for f in "$swsev" "$conformance"; do
		[ -x "$f" ] || { echo "lab-run: $f missing: build first (make)" >&2; exit 2; }
	done
	if [ "$destructive" -eq 1 ] && [ "$yes" -eq 0 ]; then
		if ! (: </dev/tty) 2>/dev/null; then
			echo "lab-run: --destructive needs a confirmation on a terminal" \
				"or --yes-really-destroy-platform-state" >&2
			exit 2
		fi
		printf '%s\n' "The destructive tests FACTORY_RESET the SEV platform of $host ($backend):" \
			"its owner certificates (OCA, PEK, PDH) are erased and re-created, an imported" \
			"ownership is lost, and running SEV guests can make the tests fail." \
			"Type 'destroy $host' to go on: " >/dev/tty
		read -r answer </dev/tty || answer=
		if [ "$answer" != "destroy $host" ]; then
			echo "lab-run: not confirmed; nothing was run" >&2
			exit 2
		fi
	fi
	mkdir -p "$out" "$emu_dir" || { echo "lab-run: cannot create $out" >&2; exit 2; }
	: >"$out/summary.txt"
	echo "lab-run: results in $out"
fi

step lab-check sh "$top/scripts/lab-check.sh" --swsev "$swsev" --sev "$sevpath"
if [ "$dry" -eq 0 ] && [ "$failed" -ne 0 ] && [ "$skip_check" -eq 0 ]; then
	cat "$out/lab-check.log"
	echo "lab-run: not an SEV lab host (see above); --skip-check runs anyway" >&2
	exit 2
fi
if [ "$dry" -eq 0 ]; then
	{
		uname -a
		sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | sort | uniq -c
		cat "$out/lab-check.log"
	} >"$out/host.txt" 2>&1
fi

# 2. per-command latencies (also tells the firmware version)
step latency "$swsev" bench latency --backend "$backend" --out "$profile" --iterations "$iterations"
if [ "$dry" -eq 0 ]; then
	sed -n 's/^# firmware: //p' "$profile" >"$out/firmware.txt" 2>/dev/null
	[ -s "$out/firmware.txt" ] || echo "unknown (no latency profile)" >"$out/firmware.txt"
fi

# 3. the conformance suites; destructive cases skip themselves without SWSEV_DESTRUCTIVE
# shellcheck disable=SC2086 # conf_args is "-s LIST" or empty
step conformance env SWSEV_BACKEND="$backend" SWSEV_BACKEND2="$backend2" "$conformance" $conf_args

# 4. the migration benchmark on the real PSP, then on the emulator replaying the profile
step bench-migrate-real "$swsev" bench migrate --backend "$backend" --backend2 "$backend2"
step bench-migrate-emu "$swsev" bench migrate --backend "emu:$emu_dir/src?$emu_opts" \
	--backend2 "emu:$emu_dir/dst?$emu_opts"

# 5. destructive platform tests, only when asked for and confirmed
if [ "$destructive" -eq 1 ]; then
	# shellcheck disable=SC2086
	step conformance-destructive env SWSEV_DESTRUCTIVE=1 SWSEV_BACKEND="$backend" SWSEV_BACKEND2="$backend2" \
		"$conformance" $conf_args
	[ "$dry" -eq 0 ] || [ "$yes" -eq 1 ] ||
		echo "    (a real run first asks for 'destroy $host' on the terminal)"
elif [ "$dry" -eq 1 ]; then
	echo "    (destructive platform tests not planned: they need --destructive and a confirmation)"
fi

if [ "$dry" -eq 1 ]; then
	echo
	echo "lab-run: a real run also writes host.txt, firmware.txt and summary.txt in $out"
	echo "lab-run: dry run: $step_no steps planned"
	exit 0
fi
echo "lab-run: $failed of $step_no steps failed; results in $out"
[ "$failed" -eq 0 ]
