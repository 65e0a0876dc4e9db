#!/bin/sh
# The launch driver on another backend: the emulator behind `swsev socket` (unix:),
# where guest memory lives in this process and the firmware in the daemon.  Session,
# hook, secret, finish, DBG_DECRYPT and the attestation report, as on emu:.
set -eu
S=$SWSEV
fail() { echo "FAIL: $*"; exit 1; }
$S socket --help >/dev/null 2>&1 || { echo "swsev socket is not available in this build"; exit 77; }

$S socket --path "$PWD/sock" --state "$PWD/plat" --seed 50c4e7 --pid "$PWD/daemon.pid" >/dev/null 2>&1 ||
	fail "cannot start swsev socket"
trap 'kill "$(cat "$PWD/daemon.pid")" 2>/dev/null || true' EXIT INT TERM
B="unix:$PWD/sock"

dd if=/dev/urandom of=image.bin bs=4096 count=3 2>/dev/null
$S guest launch --backend "$B" --policy 1 --image image.bin --measure-out m0.bin --export-dir certs -q >/dev/null
mkdir owner
$S owner session --chain certs --ark certs/ark.cert --policy 0 --dir owner -q >/dev/null
printf 'a secret that crossed a socket..' >owner/secret.txt
cat >hook.sh <<HOOK
set -eu
$S owner verify-measurement --dir owner --measure "\$SWSEV_MEASURE_FILE" --policy 0 --api "\$SWSEV_API" \
	--build "\$SWSEV_BUILD" --image image.bin -q >/dev/null
$S owner package-secret --dir owner --out "\$SWSEV_SECRET_FILE" --header-out "\$SWSEV_SECRET_HEADER_FILE" -q >/dev/null
HOOK
$S guest launch --backend "$B" --godh owner/godh.cert --session owner/launch_blob.bin --policy 0 \
	--image image.bin --measure-out measure.bin --on-measure "sh $PWD/hook.sh" --secret-header hdr.bin \
	--secret secret.bin --secret-gpa 0x3000 --dump-memory dump.bin --attestation-out report.bin \
	--attestation-mnonce ffeeddccbbaa99887766554433221100 -q >out.txt 2>err.txt || { cat err.txt; fail "launch"; }
cmp -n 12288 dump.bin image.bin || fail "image"
dd if=dump.bin bs=16 skip=$((0x3000 / 16)) count=2 2>/dev/null | cmp - owner/secret.txt || fail "secret"
$S owner verify-report --report report.bin --chain certs --ark certs/ark.cert --image image.bin --policy 0 \
	--mnonce ffeeddccbbaa99887766554433221100 -q >/dev/null || fail "report"

# A tampered secret over the socket: the daemon's firmware says BAD_MEASUREMENT.
cat >>hook.sh <<'HOOK'
b=$(od -An -tu1 -N 1 "$SWSEV_SECRET_FILE" | tr -d ' ')
printf "\\$(printf '%03o' $(((b + 1) % 256)))" | dd of="$SWSEV_SECRET_FILE" bs=1 conv=notrunc 2>/dev/null
HOOK
rm -f dump.bin
rc=0
$S guest launch --backend "$B" --godh owner/godh.cert --session owner/launch_blob.bin --policy 0 \
	--image image.bin --measure-out measure.bin --on-measure "sh $PWD/hook.sh" --secret-header hdr.bin \
	--secret secret.bin --secret-gpa 0x3000 --dump-memory dump.bin >/dev/null 2>err.txt || rc=$?
[ $rc -eq 1 ] && grep -q 'LAUNCH_SECRET.*BAD_MEASUREMENT (0x0b)' err.txt || { cat err.txt; fail "tampered secret"; }
[ ! -e dump.bin ] || fail "dumped after a refused secret"
echo ok
