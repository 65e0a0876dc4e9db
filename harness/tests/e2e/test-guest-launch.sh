#!/bin/sh
# The whole guest-owner flow through the CLI: owner session for the platform's PDH ->
# guest launch -> LAUNCH_MEASURE -> the owner's hook verifies the chain and the
# measurement and packages a secret -> LAUNCH_SECRET -> LAUNCH_FINISH -> the secret is
# in the guest's memory (DBG_DECRYPT) and the attestation report verifies.
set -eu
S=$SWSEV
B="emu:$PWD/plat?seed=5eed01&root=$PWD/root"
ROOT=$PWD/root
fail() { echo "FAIL: $*"; exit 1; }

dd if=/dev/urandom of=image.bin bs=1000 count=21 2>/dev/null   # 21000 bytes: padded to 21008

# The platform's certificates (a launch without a session, exporting them).
$S guest launch --backend "$B" --policy 1 --image image.bin --measure-out m0.bin \
	--export-dir certs -q >/dev/null
for f in pdh pek oca cek ask ark; do [ -s "certs/$f.cert" ] || fail "certs/$f.cert missing"; done

# The guest owner: verify the chain (trusting the emulated root), make a session.
mkdir owner
$S owner session --chain certs --root "$ROOT" --policy 0 --dir owner >session.out
grep -q '^policy=0x0$' session.out || fail "session output"
[ "$(wc -c <owner/godh.cert)" -eq 2084 ] || fail "godh.cert size"
[ "$(wc -c <owner/launch_blob.bin)" -eq 128 ] || fail "launch_blob.bin size"
[ "$(wc -c <owner/tmp_tk.bin)" -eq 32 ] || fail "tmp_tk.bin size"
printf 'the disk key is 0123456789abcdef' >owner/secret.txt   # 32 bytes

cat >hook.sh <<HOOK
set -eu
[ -s "\$SWSEV_MEASURE_FILE" ] && [ -d "\$SWSEV_EXPORT_DIR" ]
$S owner verify-chain "\$SWSEV_EXPORT_DIR" --root "$ROOT" -q
$S owner verify-measurement --dir owner --measure "\$SWSEV_MEASURE_FILE" \
	--policy "\$SWSEV_POLICY" --api "\$SWSEV_API" --build "\$SWSEV_BUILD" --image image.bin >verify.out
$S owner package-secret --dir owner --out "\$SWSEV_SECRET_FILE" \
	--header-out "\$SWSEV_SECRET_HEADER_FILE" -q >/dev/null
HOOK

$S guest launch --backend "$B" --godh owner/godh.cert --session owner/launch_blob.bin \
	--policy 0 --image image.bin --measure-out measure.bin --on-measure "sh $PWD/hook.sh" \
	--secret-header hdr.bin --secret secret.bin --secret-gpa 0x6000 \
	--dump-memory dump.bin --attestation-out report.bin \
	--attestation-mnonce 000102030405060708090a0b0c0d0e0f >launch.out 2>launch.err ||
	{ cat launch.err; fail "launch failed"; }

[ "$(wc -c <measure.bin)" -eq 48 ] || fail "measure.bin is not 48 bytes"
[ "$(wc -c <hdr.bin)" -eq 52 ] || fail "header is not 52 bytes"
grep -q '^handle=' launch.out || fail "no handle= in the output"
m=$(sed -n 's/^measurement=//p' launch.out)
[ -n "$m" ] && grep -q "^measurement=$m\$" verify.out || fail "launch and owner disagree on the measurement"

# The guest's memory: the image at 0, the secret at 0x6000.
cmp -n 21000 dump.bin image.bin || fail "the image is not in guest memory"
dd if=dump.bin of=got.bin bs=16 skip=$((0x6000 / 16)) count=2 2>/dev/null
cmp got.bin owner/secret.txt || fail "the secret is not at guest address 0x6000"
perm=$(ls -l dump.bin | cut -c1-10)
[ "$perm" = "-rw-------" ] || fail "dump.bin mode $perm"

# The attestation report: PEK signature, MNONCE, digest of the image, policy.
$S owner verify-report --report report.bin --chain certs --root "$ROOT" \
	--mnonce 000102030405060708090a0b0c0d0e0f --image image.bin --policy 0 >report.out ||
	fail "report does not verify"
$S owner verify-report --report report.bin --pek certs/pek.cert --policy 1 >/dev/null 2>rep.err &&
	fail "a wrong policy verified"
grep -q 'POLICY_FAILURE' rep.err || fail "policy mismatch not named"

# SEV-ES on an ES platform: two VMSA pages for three vCPUs, the owner's digest agrees.
BES="emu:$PWD/plat-es?seed=5eed02&es=1&root=$PWD/root"
$S guest launch --backend "$BES" --policy 1 --image image.bin --measure-out m1.bin \
	--export-dir certs-es -q >/dev/null
mkdir owner-es
dd if=/dev/urandom of=vmsa.bin bs=4096 count=2 2>/dev/null
$S owner session --pdh certs-es/pdh.cert --policy 4 --dir owner-es -q >/dev/null
cat >hook-es.sh <<HOOK
$S owner verify-measurement --dir owner-es --measure "\$SWSEV_MEASURE_FILE" --policy 4 \
	--api "\$SWSEV_API" --build "\$SWSEV_BUILD" --image image.bin --es --vmsa vmsa.bin --vcpus 3 -q
HOOK
$S guest launch --backend "$BES" --godh owner-es/godh.cert --session owner-es/launch_blob.bin \
	--policy 4 --image image.bin --measure-out m2.bin --es --vmsa vmsa.bin --vcpus 3 \
	--on-measure "sh $PWD/hook-es.sh" -q >/dev/null || fail "SEV-ES launch"
echo "ok"
