#!/bin/sh
# Install every Debian package swsev needs to build, test and benchmark.
# Idempotent and silent when everything is already there; make calls it before
# anything else so a fresh Debian 12 machine needs no manual step.
set -eu

# build: compilers (clang for the second warnings pass), pkg-config and libraries
# tests: CUnit, the openssl CLI and xxd for the independent vector checker
# VM:    qemu (tcg), busybox for the initramfs, cpio/xz/kmod to assemble it;
#        the Debian kernel itself is unpacked by scripts/vm-kernel.sh, not installed
PKGS="gcc make clang pkg-config libssl-dev openssl libcunit1-dev libfuse3-dev fuse3
      xxd qemu-system-x86 busybox-static cpio xz-utils zstd kmod"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"ok installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

echo "deps: installing$missing" >&2
SUDO=""
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=sudo
	else
		echo "deps: missing packages:$missing (run as root or install sudo)" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have empty package lists; update only when an install fails.
# shellcheck disable=SC2086
if ! $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1; then
	$SUDO apt-get update -qq >/dev/null
	$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
