#!/bin/sh
# Run one command inside a throw-away QEMU (TCG) guest that has CUSE.
#
# The host kernel has no CUSE and no usable KVM, so tests that need a real
# /dev/sev (a CUSE device) run here: Debian's stock kernel (scripts/vm-kernel.sh)
# boots with a tiny busybox initramfs, mounts the host's / read-only over
# virtio-9p, chroots into it and runs COMMAND in the host's working directory.
# A boot + trivial command + poweroff takes about 2.5 s.
#
#   scripts/vm-test.sh [--timeout SECS] [--mem MB] [--smp N] [--rw DIR]
#                      [--env NAME[=VALUE]]... [--verbose] -- COMMAND [ARGS...]
#
#   --timeout SECS  kill the VM after SECS seconds, boot included (default 300)
#   --mem MB        guest memory (default 1024)
#   --smp N         guest CPUs (default 1; a CUSE round trip between two
#                   vCPUs costs ~1.7x more under TCG, so raise it only for
#                   CPU-parallel work)
#   --rw DIR        host directory mounted read-write at the same path in the
#                   guest (default: a fresh temporary directory, removed after)
#   --env NAME      pass the host's $NAME into the guest (NAME=VALUE sets it);
#                   the guest always gets the host's PATH, HOME=/tmp, TMPDIR=/tmp
#   --verbose       full kernel log, copied to stderr afterwards
#
# Inside the guest /tmp, /var/tmp, /run and /dev/shm are fresh tmpfs, except that a
# working directory below them stays visible (read-only) at its path; all else
# but the --rw directory is read-only, and COMMAND runs as root.  Its stdout
# and stderr arrive on this script's stdout and stderr (over two extra serial
# ports, ~600 KB/s; they are ttys in the guest), its stdin is /dev/null.
# Kernel messages go to a console log that is shown only on failure.
# VM_APPEND adds kernel command-line arguments; VM_CACHE moves the caches
# (kernel, initramfs), default build/vm/.
#
# Exit status: COMMAND's own, or
#   124  timed out
#   125  host-side setup failed (kernel, initramfs, qemu missing, bad usage)
#   120  the VM never reached its init (kernel or qemu failure)
#   121  init failed before COMMAND ran (module load, 9p mount, missing cwd)
#   122  the VM went down while COMMAND was running (panic, OOM, poweroff)
# These codes print a "vm-test:" line on stderr saying which case it was.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
self=$top/scripts/vm-test.sh
cache=${VM_CACHE:-$top/build/vm}

E_BOOT=120
E_INIT=121
E_DIED=122
E_SETUP=125

die() {
	echo "vm-test: $*" >&2
	exit $E_SETUP
}

usage() {
	sed -n '/^#   scripts/,/^#   --verbose/s/^# \{0,1\}//p' "$self" >&2
	exit $E_SETUP
}

# quote STRING: STRING as one single-quoted shell word.
quote() {
	_q=$(printf '%s.' "$1" | sed "s/'/'\\\\''/g")
	printf "'%s'" "${_q%.}"
}

is_uint() {
	case $1 in '' | *[!0-9]*) return 1 ;; esac
}

timeout_s=300
mem=1024
smp=1
rw=""
verbose=0
envs=""
val=""

while [ $# -gt 0 ]; do
	case $1 in
	--timeout) [ $# -ge 2 ] || usage; timeout_s=$2; shift 2 ;;
	--mem) [ $# -ge 2 ] || usage; mem=$2; shift 2 ;;
	--smp) [ $# -ge 2 ] || usage; smp=$2; shift 2 ;;
	--rw) [ $# -ge 2 ] || usage; rw=$2; shift 2 ;;
	--env)
		[ $# -ge 2 ] || usage
		name=${2%%=*}
		case $name in
		'' | [0-9]* | *[!A-Za-z0-9_]*) die "--env: bad variable name '$name'" ;;
		esac
		case $2 in
		*=*) envs="${envs}export $name=$(quote "${2#*=}")
" ;;
		*)
			if eval "[ \"\${$name+set}\" = set ]"; then
				eval "val=\$$name"
				envs="${envs}export $name=$(quote "$val")
"
			fi
			;;
		esac
		shift 2
		;;
	--verbose) verbose=1; shift ;;
	--) shift; break ;;
	-h | --help) usage ;;
	-*) echo "vm-test: unknown option '$1'" >&2; usage ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || usage
# want_uint VALUE MIN MESSAGE: die with MESSAGE unless VALUE is a number >= MIN.
want_uint() {
	if ! is_uint "$1" || [ "$1" -lt "$2" ]; then
		die "$3"
	fi
}
want_uint "$timeout_s" 1 "--timeout wants seconds"
want_uint "$mem" 128 "--mem wants megabytes (>= 128)"
want_uint "$smp" 1 "--smp wants a CPU count"

for t in qemu-system-x86_64 timeout cpio mkfifo sha256sum; do
	command -v "$t" >/dev/null 2>&1 || die "'$t' not found (run scripts/deps.sh)"
done
busybox=/bin/busybox
[ -x "$busybox" ] || die "$busybox not found (install busybox-static: scripts/deps.sh)"

# ---- kernel -----------------------------------------------------------------------------
mkdir -p "$cache" || die "cannot create $cache"
cache=$(cd "$cache" && pwd)
sh "$top/scripts/vm-kernel.sh" "$cache" >/dev/null || die "no kernel (scripts/vm-kernel.sh failed)"
KVER="" VMLINUZ="" VMLINUX="" MODDIR=""
# shellcheck source=/dev/null
. "$cache/kernel.env"
# The plain ELF vmlinux (PVH entry) saves the ~3 s bzImage decompression.
kernel=${VMLINUX:-$VMLINUZ}

# ---- initramfs ----------------------------------------------------------------------------
# Modules COMMAND may need beyond what's built in, resolved with their
# dependencies from modules.dep into load order.
want="virtio_pci 9pnet_virtio 9p fuse cuse"

modlist() {
	awk -v want="$want" '
	function base(p) { sub(/.*\//, "", p); sub(/\.ko(\.[a-z0-9]+)?$/, "", p); gsub(/-/, "_", p); return p }
	function visit(p,   n, i, d) {
		if (p in seen)
			return
		seen[p] = 1
		n = split(deps[p], d, " ")
		for (i = n; i >= 1; i--)
			visit(d[i])
		print p
	}
	FILENAME ~ /modules\.builtin$/ { builtin[base($0)] = 1; next }
	{ k = $1; sub(/:$/, "", k); $1 = ""; deps[k] = $0; path[base(k)] = k }
	END {
		n = split(want, w, " ")
		for (i = 1; i <= n; i++) {
			if (w[i] in builtin)
				continue
			if (!(w[i] in path)) {
				print "module " w[i] " not found" > "/dev/stderr"
				exit 1
			}
			visit(path[w[i]])
		}
	}' "$MODDIR/modules.builtin" "$MODDIR/modules.dep"
}

# The init script.  It reads /ctl/setup (VT_RW) and runs /ctl/cmd in the
# chroot; "VMTEST-INIT-FAIL:" on the console tells the host what went wrong.
write_init() {
	cat <<'EOF'
#!/bin/busybox sh
/bin/busybox mount -t devtmpfs devtmpfs /dev
exec 0</dev/console 1>/dev/console 2>&1
/bin/busybox --install -s /bin
export PATH=/bin

fail() {
	echo "VMTEST-INIT-FAIL: $*"
	poweroff -f
	reboot -f
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
while read -r m; do
	insmod "/lib/modules/$m.ko" || fail "insmod $m"
done </modules

o9p=trans=virtio,version=9p2000.L,msize=262144
mount -t 9p -o "$o9p,ro" vmroot /newroot || fail "9p mount of the host root"
mount -t 9p -o "$o9p" vmctl /ctl || fail "9p mount of the control share"
VT_RW=""
VT_KEEP=""
. /ctl/setup

r=/newroot
# A working directory under /tmp, /run or /var/tmp (a CI clone) stays visible: held
# aside before the fresh tmpfs covers it, then put back at the same path (read-only).
if [ -n "$VT_KEEP" ]; then
	mkdir -p /keep && mount -o bind "$r$VT_KEEP" /keep || fail "bind $VT_KEEP aside"
fi
mount -t tmpfs -o mode=1777 tmpfs $r/tmp || fail "tmpfs /tmp"
mount -t tmpfs -o mode=755 tmpfs $r/run || fail "tmpfs /run"
[ ! -d $r/var/tmp ] || mount -t tmpfs -o mode=1777 tmpfs $r/var/tmp || fail "tmpfs /var/tmp"
if [ -n "$VT_KEEP" ]; then
	mkdir -p "$r$VT_KEEP" && mount -o bind /keep "$r$VT_KEEP" || fail "bind $VT_KEEP back"
fi
mkdir -p "$r$VT_RW" 2>/dev/null
mount -t 9p -o "$o9p" vmrw "$r$VT_RW" || fail "9p mount of $VT_RW"
mkdir -p /dev/pts /dev/shm
mount -t devpts -o ptmxmode=0666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -o rbind /dev $r/dev || fail "bind /dev"
mount -t proc proc $r/proc || fail "proc in chroot"
mount -t sysfs sysfs $r/sys || fail "sysfs in chroot"
cp /ctl/cmd $r/run/vm-test-cmd || fail "copy command"

# COMMAND's stdout/stderr: ttyS1/ttyS2, raw so bytes pass unchanged.
exec 3>/dev/ttyS1 4>/dev/ttyS2
stty raw -echo <&3
stty raw -echo <&4
: >/ctl/started
env -i chroot $r /bin/sh /run/vm-test-cmd </dev/null >&3 2>&4
rc=$?
# stty sets attributes with TCSADRAIN: returns once the UARTs sent everything.
stty raw <&3
stty raw <&4
echo "$rc" >/ctl/status.tmp && mv /ctl/status.tmp /ctl/status
sync
poweroff -f
reboot -f
EOF
}

busybox_sum=$(sha256sum <"$busybox")
key=$(
	{
		sha256sum <"$self"
		echo "$busybox_sum $KVER $MODDIR"
		modlist
	} | sha256sum
)
key=${key%% *}
initrd=$cache/initramfs.cpio
exec 9>"$cache/.initramfs.lock"
flock 9 2>/dev/null || true
if [ "$(cat "$initrd.key" 2>/dev/null)" != "$key" ] || [ ! -s "$initrd" ]; then
	mods=$(modlist) || die "cannot resolve kernel modules"
	ir=$(mktemp -d "$cache/initramfs.XXXXXX") || die "mktemp failed"
	(
		set -e
		mkdir -p "$ir/bin" "$ir/lib/modules" "$ir/dev" "$ir/proc" "$ir/sys" \
			"$ir/newroot" "$ir/ctl"
		cp "$busybox" "$ir/bin/busybox"
		: >"$ir/modules"
		for m in $mods; do
			b=${m##*/}
			b=${b%%.ko*}
			f=$MODDIR/$m
			case $m in
			*.ko) cp "$f" "$ir/lib/modules/$b.ko" ;;
			*.ko.xz) xz -dc "$f" >"$ir/lib/modules/$b.ko" ;;
			*.ko.zst) zstd -qdc "$f" >"$ir/lib/modules/$b.ko" ;;
			*.ko.gz) gzip -dc "$f" >"$ir/lib/modules/$b.ko" ;;
			*) echo "unknown module format: $m" >&2; exit 1 ;;
			esac
			echo "$b" >>"$ir/modules"
		done
		write_init >"$ir/init"
		chmod 755 "$ir/init"
		# Uncompressed: unpacking beats decompressing under TCG.
		(cd "$ir" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$initrd.tmp"
		mv "$initrd.tmp" "$initrd"
		echo "$key" >"$initrd.key"
	)
	st=$?
	rm -rf "$ir"
	[ $st -eq 0 ] || die "building the initramfs failed"
fi
exec 9>&-

# ---- this run -------------------------------------------------------------------------------
run=$(mktemp -d "${TMPDIR:-/tmp}/vm-test.XXXXXX") || die "mktemp failed"
rw_tmp=""
qpid=""
# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
	[ -z "$qpid" ] || kill -TERM "$qpid" 2>/dev/null
	rm -rf "$run"
	[ -z "$rw_tmp" ] || rm -rf "$rw_tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

if [ -z "$rw" ]; then
	rw_tmp=$(mktemp -d "${TMPDIR:-/tmp}/vm-test-rw.XXXXXX") || die "mktemp failed"
	rw=$rw_tmp
fi
mkdir -p "$rw" 2>/dev/null
rw=$(cd "$rw" 2>/dev/null && pwd -P) || die "--rw: cannot use '$rw'"
cwd=$(pwd -P)

share=$run/share
mkdir "$share"
keep=""
case "$cwd/" in /tmp/* | /run/* | /var/tmp/*) keep=$cwd ;; esac
{
	echo "VT_RW=$(quote "$rw")"
	echo "VT_KEEP=$(quote "$keep")"
} >"$share/setup"
{
	echo "# generated by scripts/vm-test.sh"
	echo "export PATH=$(quote "$PATH") HOME=/tmp TMPDIR=/tmp"
	printf '%s' "$envs"
	echo "cd $(quote "$cwd") 2>/dev/null || {"
	echo "	echo \"vm-test: working directory $(quote "$cwd") is not visible in the guest" \
		"(hidden by its tmpfs /tmp or /run?  use --rw)\" >&2"
	echo "	exit $E_INIT"
	echo "}"
	printf 'exec'
	for a in "$@"; do
		printf ' %s' "$(quote "$a")"
	done
	echo
} >"$share/cmd"

# QEMU option values escape commas by doubling them.
qarg() {
	printf '%s' "$1" | sed 's/,/,,/g'
}

# Guest stdout/stderr: serial ports backed by FIFOs that cat forwards.  We
# open each FIFO read-write first (so opening the read ends can't block),
# hand the read ends to the cats, and close our write ends once QEMU is
# gone: then the cats see EOF after the last byte.
mkfifo "$run/out.in" "$run/out.out" "$run/err.in" "$run/err.out" || die "mkfifo failed"
exec 7<>"$run/out.out" 8<>"$run/err.out"
exec 5<"$run/out.out" 6<"$run/err.out"
cat <&5 5<&- 6<&- 7>&- 8>&- &
cat_out=$!
cat <&6 >&2 5<&- 6<&- 7>&- 8>&- &
cat_err=$!
exec 5<&- 6<&-

console=$run/console.log
kcmd="console=ttyS0 panic=-1 rdinit=/init quiet loglevel=3 pci=noacpi i8042.noaux i8042.nokbd"
[ $verbose -eq 0 ] || kcmd="console=ttyS0 panic=-1 rdinit=/init loglevel=7 pci=noacpi"
kcmd="$kcmd ${VM_APPEND:-}"

# Never -accel kvm: it hangs silently on these machines.
timeout -k 5 "$timeout_s" qemu-system-x86_64 \
	-accel tcg -nographic -nodefaults -no-user-config -no-reboot \
	-machine pc -m "$mem" -smp "$smp" \
	-kernel "$kernel" -initrd "$initrd" -append "$kcmd" \
	-serial "file:$(qarg "$console")" \
	-serial "pipe:$(qarg "$run/out")" \
	-serial "pipe:$(qarg "$run/err")" \
	-fsdev "local,id=fsroot,path=/,security_model=none,readonly=on,multidevs=remap" \
	-device virtio-9p-pci,disable-legacy=on,fsdev=fsroot,mount_tag=vmroot \
	-fsdev "local,id=fsctl,path=$(qarg "$share"),security_model=none" \
	-device virtio-9p-pci,disable-legacy=on,fsdev=fsctl,mount_tag=vmctl \
	-fsdev "local,id=fsrw,path=$(qarg "$rw"),security_model=none,multidevs=remap" \
	-device virtio-9p-pci,disable-legacy=on,fsdev=fsrw,mount_tag=vmrw \
	</dev/null >"$run/qemu.log" 2>&1 7>&- 8>&- &
qpid=$!
wait "$qpid"
qrc=$?
qpid=""
exec 7>&- 8>&-
wait "$cat_out" "$cat_err"

show_console() {
	echo "vm-test: --- guest console (last lines) ---" >&2
	tail -n 30 "$console" >&2 2>/dev/null
	if [ -s "$run/qemu.log" ]; then
		echo "vm-test: --- qemu ---" >&2
		tail -n 10 "$run/qemu.log" >&2
	fi
}

if [ $verbose -ne 0 ]; then
	echo "vm-test: --- guest console ---" >&2
	cat "$console" >&2
	echo "vm-test: --- qemu ---" >&2
	cat "$run/qemu.log" >&2
fi

if [ -s "$share/status" ]; then
	rc=$(cat "$share/status")
	is_uint "$rc" || rc=$E_DIED
	exit "$rc"
fi
if [ $qrc -eq 124 ] || [ $qrc -eq 137 ]; then
	echo "vm-test: timed out after ${timeout_s}s" >&2
	[ -f "$share/started" ] || show_console
	exit 124
fi
if grep -q 'VMTEST-INIT-FAIL:' "$console" 2>/dev/null; then
	echo "vm-test: guest init failed: $(sed -n 's/.*VMTEST-INIT-FAIL: //p' "$console" | head -n 1)" >&2
	show_console
	exit $E_INIT
fi
if [ -f "$share/started" ]; then
	echo "vm-test: the VM went down while the command was running" >&2
	show_console
	exit $E_DIED
fi
echo "vm-test: the VM did not boot (qemu exit status $qrc)" >&2
show_console
exit $E_BOOT
