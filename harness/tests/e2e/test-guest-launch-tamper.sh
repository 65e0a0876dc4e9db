#!/bin/sh
# What the firmware refuses, through the CLI: a tampered session, a policy other than
# the one MACed, a tampered secret ciphertext or header (BAD_MEASUREMENT named on
# stderr, non-zero exit, no LAUNCH_FINISH), an owner hook that refuses the
# measurement, debugging a NODBG guest, and usage errors.
set -eu
S=$SWSEV
B="emu:$PWD/plat?seed=7a3e01&root=$PWD/root"
fail() { echo "FAIL: $*"; exit 1; }
# flip FILE OFFSET: changes the byte at OFFSET (adds 1), whatever it was.
flip() {
	b=$(od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' ')
	printf "\\$(printf '%03o' $(((b + 1) % 256)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
{ echo "set -eu"; sed -n "/^flip() {/,/^}/p" "$0"; echo "flip \"\$1\" \"\$2\""; } >flip.sh

# expect STEP STATUS CMD...: the command fails (exit 1) naming the step and the status.
expect() {
	step=$1 status=$2
	shift 2
	rc=0
	"$@" >out.txt 2>err.txt || rc=$?
	[ $rc -eq 1 ] || { cat err.txt; fail "'$*' exited $rc, expected 1"; }
	grep -q "$step" err.txt || { cat err.txt; fail "step $step not named"; }
	grep -q "$status" err.txt || { cat err.txt; fail "status $status not named"; }
	[ ! -e dump.bin ] || fail "guest memory was dumped after a failed launch"
}

dd if=/dev/urandom of=image.bin bs=4096 count=2 2>/dev/null
$S guest launch --backend "$B" --policy 1 --image image.bin --measure-out m0.bin --export-dir certs -q >/dev/null
mkdir owner
$S owner session --pdh certs/pdh.cert --policy 0 --dir owner -q >/dev/null
printf 'sixteen byte key' >owner/secret.txt

# A hook that packages the secret, then damages one byte at OFFSET of FILE.
mkhook() {
	cat >hook.sh <<HOOK
set -eu
$S owner verify-measurement --dir owner --measure "\$SWSEV_MEASURE_FILE" --policy 0 \
	--api "\$SWSEV_API" --build "\$SWSEV_BUILD" --image image.bin -q >/dev/null
$S owner package-secret --dir owner --out "\$SWSEV_SECRET_FILE" --header-out "\$SWSEV_SECRET_HEADER_FILE" -q >/dev/null
[ -z "$1" ] || sh "$PWD/flip.sh" "$1" $2
HOOK
}
launch() {
	$S guest launch --backend "$B" --godh "$1" --session "$2" --policy "$3" --image image.bin \
		--measure-out measure.bin --on-measure "sh $PWD/hook.sh" --secret-header hdr.bin \
		--secret secret.bin --secret-gpa 0x2000 --dump-memory dump.bin
}

# The untampered launch works (and proves the hook).
mkhook "" 0
launch owner/godh.cert owner/launch_blob.bin 0 >/dev/null 2>err.txt || { cat err.txt; fail "good launch"; }
rm -f dump.bin

# A tampered ciphertext or header: LAUNCH_SECRET refuses it with BAD_MEASUREMENT.
mkhook secret.bin 3
expect LAUNCH_SECRET 'BAD_MEASUREMENT (0x0b)' launch owner/godh.cert owner/launch_blob.bin 0
mkhook hdr.bin 4      # the IV
expect LAUNCH_SECRET 'BAD_MEASUREMENT (0x0b)' launch owner/godh.cert owner/launch_blob.bin 0
mkhook hdr.bin 40     # the MAC
expect LAUNCH_SECRET 'BAD_MEASUREMENT (0x0b)' launch owner/godh.cert owner/launch_blob.bin 0
mkhook hdr.bin 0      # the flags (COMPRESSED is MACed too)
expect LAUNCH_SECRET 'BAD_MEASUREMENT (0x0b)' launch owner/godh.cert owner/launch_blob.bin 0
grep -q 'LAUNCH_FINISH' err.txt && fail "LAUNCH_FINISH after a refused secret"

# A tampered session (each part) or another policy: LAUNCH_START refuses it.
mkhook "" 0
for off in 0 16 64 96 127; do
	cp owner/launch_blob.bin bad_blob.bin
	flip bad_blob.bin $off
	expect LAUNCH_START 'BAD_MEASUREMENT (0x0b)' launch owner/godh.cert bad_blob.bin 0
done
expect LAUNCH_START 'BAD_MEASUREMENT (0x0b)' launch owner/godh.cert owner/launch_blob.bin 1
# A GODH certificate that is not a DH key (algo ECDSA).
cp owner/godh.cert bad_godh.cert
printf '\002' | dd of=bad_godh.cert bs=1 seek=12 conv=notrunc 2>/dev/null
expect LAUNCH_START 'INVALID_CERTIFICATE (0x06)' launch bad_godh.cert owner/launch_blob.bin 0

# The owner's hook refuses: the measurement is not of the image it expects.
dd if=/dev/urandom of=other.bin bs=4096 count=2 2>/dev/null
cat >hook.sh <<HOOK
$S owner verify-measurement --dir owner --measure "\$SWSEV_MEASURE_FILE" --policy 0 \
	--api "\$SWSEV_API" --build "\$SWSEV_BUILD" --image other.bin
HOOK
expect 'on-measure hook' 'refused' launch owner/godh.cert owner/launch_blob.bin 0
grep -q 'BAD_MEASUREMENT' err.txt || fail "the owner's mismatch is not named"

# Debugging a NODBG guest: DBG_DECRYPT is the firmware's POLICY_FAILURE.
rc=0
$S guest launch --backend "$B" --policy 1 --image image.bin --measure-out m.bin \
	--dump-memory nodbg.bin >/dev/null 2>err.txt || rc=$?
[ $rc -eq 1 ] && grep -q 'DBG_DECRYPT' err.txt && grep -q 'POLICY_FAILURE (0x07)' err.txt ||
	{ cat err.txt; fail "NODBG dump"; }
[ ! -e nodbg.bin ] || fail "a NODBG guest was dumped"

# Usage errors exit 2; --help exits 0.
rc=0; $S guest launch --image image.bin --measure-out m.bin 2>/dev/null || rc=$?
[ $rc -eq 2 ] || fail "missing --policy: exit $rc"
rc=0; $S guest launch --policy 0 --image image.bin --measure-out m.bin --secret x 2>/dev/null || rc=$?
[ $rc -eq 2 ] || fail "--secret alone: exit $rc"
rc=0; $S guest launch --policy zz --image image.bin --measure-out m.bin 2>/dev/null || rc=$?
[ $rc -eq 2 ] || fail "bad policy: exit $rc"
$S guest launch --help | grep -q 'SWSEV_EXPORT_DIR' || fail "--help"
echo ok
