#!/bin/sh
# Is this host an SEV lab host?  Checks what the kvm: backend needs and says, for
# each missing piece, what to do about it.  Changes nothing.
#
#   scripts/lab-check.sh [--sev PATH] [--swsev BIN] [--quiet]
#
#   --sev PATH    the PSP device (default /dev/sev)
#   --swsev BIN   the swsev program used to ask the firmware its version
#                 (default build/bin/swsev; skipped when absent)
#   --quiet       only the verdict line
#
# Checks: an AMD CPU with SEV in CPUID (the kernel's 'sev' cpuinfo flag, which it
# clears when the BIOS left memory encryption off), kvm_amd loaded with sev=1,
# /dev/kvm and the PSP device present and usable by this user, the firmware's API
# version, and the SEV ASIDs the misc cgroup offers.
#
# Exit status: 0 ready for kvm:, 1 something required is missing, 2 usage.
# LAB_SYSROOT=DIR reads /proc, /sys and /dev below DIR instead (for tests).
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
root=${LAB_SYSROOT:-}
sev=/dev/sev
swsev=$top/build/bin/swsev
quiet=0

usage() {
	sed -n '/^#   scripts/,/^#   --quiet/s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--sev) [ $# -ge 2 ] || usage; sev=$2; shift 2 ;;
	--swsev) [ $# -ge 2 ] || usage; swsev=$2; shift 2 ;;
	--quiet) quiet=1; shift ;;
	-h | --help) usage ;;
	*) echo "lab-check: unknown argument '$1'" >&2; usage ;;
	esac
done

missing=0
warnings=0

say() {
	[ "$quiet" -eq 1 ] || printf '%s\n' "$*"
}
ok() {
	say "ok       $1"
}
# miss WHAT HOW: a required piece is absent.
miss() {
	missing=$((missing + 1))
	say "MISSING  $1"
	say "         -> $2"
}
warn() {
	warnings=$((warnings + 1))
	say "warning  $1"
	[ -z "${2:-}" ] || say "         -> $2"
}
info() {
	say "info     $*"
}

# ---- CPU --------------------------------------------------------------------------------
cpuinfo=$root/proc/cpuinfo
if [ ! -r "$cpuinfo" ]; then
	miss "cannot read $cpuinfo" "run on the host itself, not in a container without /proc"
else
	vendor=$(sed -n 's/^vendor_id[[:space:]]*:[[:space:]]*//p' "$cpuinfo" | head -n 1)
	model=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' "$cpuinfo" | head -n 1)
	flags=$(sed -n 's/^flags[[:space:]]*:[[:space:]]*//p' "$cpuinfo" | head -n 1)
	has_flag() {
		case " $flags " in *" $1 "*) return 0 ;; esac
		return 1
	}
	if [ "$vendor" != AuthenticAMD ]; then
		miss "CPU vendor is '${vendor:-unknown}' ($model), not AMD" \
			"SEV needs an AMD EPYC (Naples or later)"
	elif ! has_flag sev; then
		miss "CPUID/kernel report no SEV on $model ('sev' missing from cpuinfo flags)" \
			"enable SMEE and SEV in the BIOS; use a kernel built with CONFIG_KVM_AMD_SEV"
	else
		ok "CPU: $model with SEV"
		if has_flag sev_es; then
			ok "CPU offers SEV-ES"
		else
			info "no SEV-ES on this CPU (SEV-ES tests will skip)"
		fi
	fi
	if command -v cpuid >/dev/null 2>&1 && [ -z "$root" ]; then
		leaf=$(cpuid -1 -r -l 0x8000001f 2>/dev/null | sed -n 's/.*0x8000001f 0x00: //p' | head -n 1)
		[ -z "$leaf" ] ||
			info "CPUID 0x8000001F: $leaf (EBX[5:0] C-bit, ECX SEV ASIDs, EDX min SEV ASID)"
	fi
fi

# ---- KVM --------------------------------------------------------------------------------
params=$root/sys/module/kvm_amd/parameters
if [ ! -d "$root/sys/module/kvm_amd" ]; then
	miss "kvm_amd is not loaded" "modprobe kvm_amd sev=1 (and sev_es=1 for SEV-ES)"
else
	v=$(cat "$params/sev" 2>/dev/null || echo "?")
	case $v in
	Y | y | 1) ok "kvm_amd loaded with sev=$v" ;;
	*)
		miss "kvm_amd has sev=$v" \
			"reload it: modprobe -r kvm_amd && modprobe kvm_amd sev=1 (or kvm_amd.sev=1 at boot)"
		;;
	esac
	v=$(cat "$params/sev_es" 2>/dev/null || echo "?")
	case $v in
	Y | y | 1) ok "kvm_amd sev_es=$v" ;;
	*) info "kvm_amd sev_es=$v: SEV-ES guests unavailable (SEV-ES tests will skip)" ;;
	esac
fi
kvm=$root/dev/kvm
if [ ! -c "$kvm" ]; then
	miss "no $kvm" "load kvm_amd; check that virtualisation (SVM) is enabled in the BIOS"
elif [ ! -r "$kvm" ] || [ ! -w "$kvm" ]; then
	miss "$kvm is not read-write for $(id -un)" \
		"add the user to the group owning it ($(stat -c %G "$kvm" 2>/dev/null)), or run as root"
else
	ok "$kvm usable"
fi

# ---- the PSP ------------------------------------------------------------------------------
dev=$root$sev
if [ ! -e "$dev" ]; then
	miss "no $sev" \
		"the ccp driver found no PSP with SEV: modprobe ccp; check the BIOS and dmesg | grep -i sev"
elif [ ! -c "$dev" ]; then
	miss "$sev is not a character device" "point --sev at the kernel's PSP device"
elif [ ! -r "$dev" ]; then
	miss "$sev is not readable by $(id -un) ($(stat -c '%A %U:%G' "$dev" 2>/dev/null))" \
		"run as root, or a udev rule: KERNEL==\"sev\", GROUP=\"kvm\", MODE=\"0660\""
elif [ ! -w "$dev" ]; then
	warn "$sev is read-only for $(id -un) ($(stat -c '%A %U:%G' "$dev" 2>/dev/null))" \
		"PEK_CSR, PEK_GEN, PDH_GEN, PEK_CERT_IMPORT need write access; kvm:?ro runs the rest"
else
	ok "$sev usable ($(stat -c '%A %U:%G' "$dev" 2>/dev/null))"
fi

# ---- firmware -----------------------------------------------------------------------------
if [ -n "$root" ]; then
	info "firmware version not queried under LAB_SYSROOT"
elif [ ! -x "$swsev" ]; then
	info "firmware version unknown: $swsev not built (make)"
elif [ -r "$sev" ]; then
	# Read-only: PLATFORM_STATUS needs no write access and changes nothing.
	fw=$("$swsev" bench latency --backend "dev:$sev?ro" --platform-only --iterations 1 --quiet \
		--out - 2>/dev/null | sed -n 's/^# firmware: //p')
	if [ -n "$fw" ]; then
		ok "SEV firmware API $fw"
		api=${fw%% *}
		maj=${api%%.*}
		min=${api#*.}
		if [ "$maj" -eq 0 ] && [ "$min" -lt 23 ] 2>/dev/null; then
			warn "firmware API $api < 0.23: no GET_ATTESTATION_REPORT" \
				"update the BIOS (AGESA) for newer PSP firmware"
		fi
		if [ "$maj" -eq 0 ] && [ "$min" -lt 16 ] 2>/dev/null; then
			warn "firmware API $api < 0.16: no GET_ID" \
				"update the BIOS (AGESA) for newer PSP firmware"
		fi
	else
		warn "could not ask $sev for the firmware version" \
			"try: $swsev bench latency --backend dev:$sev?ro --platform-only --out -"
	fi
fi

# ---- resources ----------------------------------------------------------------------------
misc=$root/sys/fs/cgroup/misc.capacity
if [ -r "$misc" ]; then
	asids=$(sed -n 's/^sev \([0-9]*\)$/\1/p' "$misc")
	es_asids=$(sed -n 's/^sev_es \([0-9]*\)$/\1/p' "$misc")
	if [ -n "$asids" ] && [ "$asids" -eq 0 ]; then
		warn "the misc cgroup offers 0 SEV ASIDs" \
			"the BIOS 'SEV-ES ASID space limit' may take all of them: lower it"
	elif [ -n "$asids" ]; then
		ok "SEV ASIDs: $asids${es_asids:+, SEV-ES ASIDs: $es_asids}"
	fi
fi
memlock=$(sed -n 's/^Max locked memory[[:space:]]*\([^[:space:]]*\).*/\1/p' /proc/self/limits 2>/dev/null)
info "RLIMIT_MEMLOCK: ${memlock:-unknown} bytes (KVM pins guest pages against it unless CAP_IPC_LOCK)"

# ---- verdict ------------------------------------------------------------------------------
if [ "$missing" -eq 0 ]; then
	echo "lab-check: ready for kvm:$sev ($warnings warning(s))"
	exit 0
fi
echo "lab-check: not an SEV lab host: $missing missing, $warnings warning(s)"
exit 1
