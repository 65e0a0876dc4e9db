#!/bin/sh
# The main job (`make run`): an end-to-end SEV session on two emulated platforms, all
# in-process, no root, no hardware:
#   1. bring up the source platform and export its certificate chain; the guest owner
#      verifies the chain up to the (emulated) AMD root
#   2. the guest owner makes a launch session for that platform; the VMM launches an
#      image, the owner checks the launch measurement and injects a secret, the guest
#      starts, and its attestation report verifies
#   3. a live migration of a running, memory-dirtying SEV guest to a second platform,
#      in one process and then between two processes over TCP loopback
# Usage: scripts/demo.sh [BUILD_DIR]
set -eu
O=${1:-build}
case "$O" in /*) ;; *) O=$(pwd)/$O ;; esac
S="$O/bin/swsev"
[ -x "$S" ] || { echo "demo: $S is not built (run make)" >&2; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/swsev-demo.XXXXXX")
rpid=
trap '[ -z "$rpid" ] || kill "$rpid" 2>/dev/null; rm -rf "$T"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cd "$T"
ROOT=$T/amd-root # the emulated AMD root signing both platforms' CEKs
SRC="emu:$T/source?root=$ROOT"
DST="emu:$T/target?root=$ROOT"

step() { printf '\n== %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "1. the source platform and its certificate chain"
run "$S" platform --backend "$SRC" status
run "$S" platform --backend "$SRC" -q export certs >/dev/null
run "$S" owner verify-chain certs --root "$ROOT"

step "2. launch: owner session, measurement check, secret injection, attestation"
run "$S" owner session --chain certs --root "$ROOT" --policy 1 --dir owner -q >/dev/null
printf 'swsev demo guest image\n' >image.bin
dd if=/dev/urandom bs=4096 count=15 >>image.bin 2>/dev/null
printf 'the disk key: 0123456789abcdef!' >owner/secret.txt
cat >owner-hook.sh <<EOF
set -eu
"$S" owner verify-chain "\$SWSEV_EXPORT_DIR" --root "$ROOT" -q
"$S" owner verify-measurement --dir owner --measure "\$SWSEV_MEASURE_FILE" --policy "\$SWSEV_POLICY" \\
	--api "\$SWSEV_API" --build "\$SWSEV_BUILD" --image image.bin
"$S" owner package-secret --dir owner --out "\$SWSEV_SECRET_FILE" --header-out "\$SWSEV_SECRET_HEADER_FILE" -q
EOF
run "$S" guest launch --backend "$SRC" --godh owner/godh.cert --session owner/launch_blob.bin --policy 1 \
	--image image.bin --measure-out measure.bin --on-measure "sh $T/owner-hook.sh" \
	--secret-header secret-hdr.bin --secret secret.bin --secret-gpa 0x10000 \
	--attestation-out report.bin --attestation-mnonce 00112233445566778899aabbccddeeff
run "$S" owner verify-report --report report.bin --chain certs --root "$ROOT" \
	--mnonce 00112233445566778899aabbccddeeff --image image.bin --policy 1

step "3a. live migration, both platforms in this process (a 64 MiB guest dirtying 4000 pages/s)"
run "$S" migrate local --backend "$SRC" --backend2 "$DST" --guest-mib 64 --dirty-rate 4000 --shared 0.05

step "3b. live migration between two processes over TCP loopback (an SEV-ES guest, 2 vCPUs)"
"$S" migrate receive --backend "emu:$T/target2?root=$ROOT" --listen 127.0.0.1:0 --guest-mib 32 --vcpus 2 \
	-q >recv.out &
rpid=$!
i=0
while ! grep -q '^listening=' recv.out 2>/dev/null; do
	i=$((i + 1))
	kill -0 "$rpid" 2>/dev/null && [ $i -lt 300 ] || { echo "demo: the receiver did not start" >&2; exit 1; }
	sleep 0.1
done
addr=$(sed -n 's/^listening=//p' recv.out)
echo "receiver: listening on $addr"
run "$S" migrate send --backend "$SRC" --to "$addr" --guest-mib 32 --vcpus 2 --dirty-rate 2000 >send.out
wait $rpid
rpid=
sed 's/^/source: /' send.out
sed 's/^/target: /' recv.out
src=$(sed -n 's/^guest_digest=//p' send.out)
dst=$(sed -n 's/^guest_digest=//p' recv.out)
[ -n "$src" ] && [ "$src" = "$dst" ] || { echo "demo: the guests differ after migration" >&2; exit 1; }
echo "the target guest's memory and VMSAs equal the source's (SHA-256 $src)"

step "done: launch, attestation and live migration on emulated SEV platforms"
