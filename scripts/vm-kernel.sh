#!/bin/sh
# Fetch Debian's stock amd64 kernel for the test VM without installing it.
#
# The host kernel here has no CUSE, so real /dev/sev tests boot a QEMU guest
# (scripts/vm-test.sh).  The guest runs whatever kernel the linux-image-amd64
# metapackage currently points at: this script resolves that dependency with
# apt-cache, downloads the package with `apt-get download`, unpacks it with
# dpkg-deb -x and runs depmod on the copy so modules.dep exists.
#
#   scripts/vm-kernel.sh [CACHE_DIR]      (default: $VM_CACHE or build/vm)
#
# Prints, and records in CACHE_DIR/kernel.env, shell assignments:
#   KVER=<release>  VMLINUZ=<bzImage>  VMLINUX=<plain ELF kernel, or empty>
#   MODDIR=<path to lib/modules/KVER>  KPKG=<package>  KPKGVER=<version>
# Idempotent and silent when cached: apt-cache is asked again only after the
# package lists changed (apt-get update), and a new kernel is fetched only if
# the metapackage then points elsewhere.  `apt-get update` runs only when the
# lists can't answer or the download fails.  Offline, the cached kernel is used.
# shellcheck disable=SC1090,SC2153 # kernel.env is ours and sets KVER etc.
set -eu
PATH=$PATH:/usr/sbin:/sbin

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${1:-${VM_CACHE:-$top/build/vm}}
meta=linux-image-amd64

die() {
	echo "vm-kernel: $*" >&2
	exit 1
}

for t in apt-cache apt-get dpkg-deb depmod flock; do
	command -v "$t" >/dev/null 2>&1 || die "'$t' not found (run scripts/deps.sh)"
done
[ "$(dpkg --print-architecture)" = amd64 ] || die "only amd64 hosts are supported"

mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
case $cache in *\'*) die "cache path must not contain a single quote: $cache" ;; esac
env_file=$cache/kernel.env

# Serialise concurrent runs on the same cache.
exec 9>"$cache/.kernel.lock"
flock 9

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo

apt_update() {
	echo "vm-kernel: apt-get update" >&2
	$SUDO apt-get update -qq >/dev/null 2>&1
}

# Name and version of the image package the metapackage's candidate depends
# on, e.g. "linux-image-6.1.0-56-amd64 6.1.192-2".  Empty when unknown.
resolve() {
	apt-cache show --no-all-versions "$meta" 2>/dev/null |
		sed -n 's/^Depends: *//p' | head -n 1 |
		sed 's/[,|].*//; s/^ *\([^ (]*\) *(= *\([^)]*\)).*/\1 \2/; s/ *$//'
}

print_env() {
	cat "$env_file"
}

valid() {
	[ -s "$env_file" ] && (
		. "$env_file"
		[ -f "$VMLINUZ" ] && [ -f "$MODDIR/modules.dep" ] &&
			{ [ -z "${VMLINUX:-}" ] || [ -f "$VMLINUX" ]; }
	)
}

# apt-cache takes ~0.6 s; skip it while the package lists are older than
# our last resolution (the answer can't have changed).
lists=/var/lib/apt/lists
if valid && [ -z "$(find "$lists" -maxdepth 1 -newer "$env_file" -name '*Packages*' 2>/dev/null)" ]; then
	print_env
	exit 0
fi

dep=$(resolve)
if [ -z "$dep" ]; then
	if valid; then
		# Offline or empty lists: keep using what we have.
		print_env
		exit 0
	fi
	apt_update || die "apt-get update failed"
	dep=$(resolve)
	[ -n "$dep" ] || die "cannot resolve what $meta depends on"
fi
pkg=${dep%% *}
ver=${dep#* }
[ "$ver" != "$dep" ] || ver=""

# Already unpacked and current?
if valid && (
	. "$env_file"
	[ "$KPKG" = "$pkg" ] && { [ -z "$ver" ] || [ "$KPKGVER" = "$ver" ]; }
); then
	touch "$env_file"
	print_env
	exit 0
fi

debs=$cache/debs
mkdir -p "$debs"
# A .deb of the wanted version from an earlier run is reused as it is.
deb=""
if [ -n "$ver" ]; then
	for f in "$debs/${pkg}_"*.deb; do
		if [ -f "$f" ] && [ "$(dpkg-deb -f "$f" Version 2>/dev/null)" = "$ver" ]; then
			deb=$f
			break
		fi
	done
fi
if [ -z "$deb" ]; then
	echo "vm-kernel: fetching $pkg${ver:+ $ver}" >&2
	dl=$(mktemp -d "$debs/dl.XXXXXX")
	trap 'rm -rf "$dl" "$dl.log"' EXIT
	spec=$pkg${ver:+=$ver}
	# apt's _apt sandbox user can't write into root-owned build dirs; as
	# root, tell apt to download as root instead of warning about it.
	sandbox=""
	[ "$(id -u)" != 0 ] || sandbox="-o APT::Sandbox::User=root"
	# shellcheck disable=SC2086
	if ! (cd "$dl" && apt-get download -qq $sandbox "$spec") >"$dl.log" 2>&1; then
		# shellcheck disable=SC2086
		if ! apt_update ||
			! (cd "$dl" && apt-get download -qq $sandbox "$spec") >"$dl.log" 2>&1; then
			cat "$dl.log" >&2 2>/dev/null
			if valid; then
				echo "vm-kernel: cannot fetch $spec; using the cached kernel" >&2
				print_env
				exit 0
			fi
			die "apt-get download $spec failed"
		fi
	fi
	set -- "$dl"/*.deb
	[ -f "$1" ] || die "apt-get download left no .deb"
	deb=$debs/${1##*/}
	mv "$1" "$deb"
fi
echo "vm-kernel: unpacking ${deb##*/}" >&2
[ -n "$ver" ] || ver=$(dpkg-deb -f "$deb" Version)

root=$cache/kernel/$pkg-$ver
rm -rf "$root" "$root.tmp"
mkdir -p "$root.tmp"
dpkg-deb -x "$deb" "$root.tmp" || die "dpkg-deb -x $deb failed"
mv "$root.tmp" "$root"

# bookworm ships /lib/modules, later releases /usr/lib/modules.
moddir=""
for d in "$root"/lib/modules/* "$root"/usr/lib/modules/*; do
	[ -d "$d/kernel" ] && moddir=$d && break
done
[ -n "$moddir" ] || die "no modules tree in $deb"
kver=${moddir##*/}
vmlinuz=$root/boot/vmlinuz-$kver
[ -f "$vmlinuz" ] || die "no boot/vmlinuz-$kver in $deb"
# The package leaves modules.dep to the postinst; build it for our copy.
depmod -b "${moddir%/lib/modules/*}" "$kver" || die "depmod failed"

# Under TCG the bzImage spends ~3 s decompressing itself.  A PVH-capable
# kernel can boot from the plain ELF vmlinux instead, so unpack that here
# (magic numbers of the payload: xz, zstd, gzip).  Optional: VMLINUX stays
# empty if the kernel lacks CONFIG_PVH or the payload isn't found.
vmlinux=""
if grep -q '^CONFIG_PVH=y' "$root/boot/config-$kver" 2>/dev/null; then
	for magic in '\xfd7zXZ\x00:xz -dc' '\x28\xb5\x2f\xfd:zstd -qdc' '\x1f\x8b\x08:gzip -dc'; do
		# shellcheck disable=SC2013 # offsets are plain numbers
		for off in $(LC_ALL=C grep -obUaP "${magic%%:*}" "$vmlinuz" 2>/dev/null | cut -d: -f1); do
			tail -c +$((off + 1)) "$vmlinuz" | ${magic#*:} >"$root/vmlinux" 2>/dev/null || true
			if [ "$(head -c 4 "$root/vmlinux" | od -An -c | tr -d ' ')" = '177ELF' ]; then
				vmlinux=$root/vmlinux
				break 2
			fi
		done
	done
	[ -n "$vmlinux" ] || rm -f "$root/vmlinux"
fi

# Drop older kernels and packages: each unpacked tree is ~400 MB.
for d in "$cache"/kernel/*; do
	[ "$d" = "$root" ] || rm -rf "$d"
done
for f in "$debs"/*.deb; do
	[ "$f" = "$deb" ] || rm -f "$f"
done

{
	echo "KVER='$kver'"
	echo "VMLINUZ='$vmlinuz'"
	echo "VMLINUX='$vmlinux'"
	echo "MODDIR='$moddir'"
	echo "KPKG='$pkg'"
	echo "KPKGVER='$ver'"
} >"$env_file.tmp"
mv "$env_file.tmp" "$env_file"
print_env
