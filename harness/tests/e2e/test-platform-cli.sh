#!/bin/sh
# swsev platform: every platform-owner command through the CLI, with the output a
# script reads, the exit statuses, and the SEV status named on failure.
set -eu
S=$SWSEV
B="emu:$PWD/plat"
fail() { echo "FAIL: $*"; exit 1; }

$S platform --backend "$B" status >st.out
grep -qx 'state=INIT' st.out || fail "state after the driver's probe INIT"
grep -qx 'owner=self' st.out || fail "owner"
grep -qx 'api=0.24' st.out || fail "api"

# The chain, verified by the owner tool up to the emulated root.
$S platform --backend "$B" export certs >ex.out
grep -qx 'complete=yes' ex.out || fail "export incomplete"
for f in pdh pek oca cek ask ark; do [ "$(wc -c <certs/$f.cert)" -gt 0 ] || fail "$f.cert"; done
# This user's emulated root (the default one, $SWSEV_ROOT_DIR here) is trusted by default.
$S owner verify-chain certs -q || fail "exported chain does not verify"
# A changed byte in any certificate's signed body or signature breaks the chain.
flip() {
	b=$(od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' ')
	printf "\\$(printf '%03o' $(((b + 1) % 256)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
for f in pdh pek oca cek ask ark; do
	size=$(wc -c <certs/$f.cert)
	for off in 20 100 $((size - 200)) $((size - 10)); do
		rm -rf t && cp -r certs t && flip t/$f.cert $off
		if $S owner verify-chain t -q 2>/dev/null; then fail "$f.cert with byte $off changed verified"; fi
	done
done

# GET_ID: stable, 64 bytes per socket.
id1=$($S platform --backend "$B" get-id id.bin | sed -n 's/^id=//p')
id2=$($S platform --backend "$B" get-id | sed -n 's/^id=//p')
[ "$id1" = "$id2" ] && [ ${#id1} -eq 128 ] || fail "GET_ID unstable or wrong size"
[ "$(wc -c <id.bin)" -eq 64 ] || fail "id.bin"

# Read-only descriptor: owner commands get EPERM, status works.
$S platform --backend "$B" --ro status >/dev/null || fail "status on a read-only descriptor"
if $S platform --backend "$B" --ro pek-gen 2>ro.err; then fail "PEK_GEN on a read-only descriptor"; fi
grep -q EPERM ro.err || fail "EPERM not named: $(cat ro.err)"

# Ownership: PEK_CSR -> signed by our OCA -> PEK_CERT_IMPORT -> owner=external.
$S platform --backend "$B" -q pek-csr csr.cert
[ "$(wc -c <csr.cert)" -eq 2084 ] || fail "CSR size"
$S owner oca-keygen --key oca.pem -q >/dev/null
$S owner sign-pek-csr --csr csr.cert --key oca.pem --dir own -q >/dev/null 2>&1 ||
	{ mkdir -p own && $S owner sign-pek-csr --csr csr.cert --key oca.pem --dir own >/dev/null; }
$S platform --backend "$B" -q pek-cert-import own/pek_csr.signed.cert own/oca.cert
$S platform --backend "$B" status | grep -qx 'owner=external' || fail "not externally owned"
if $S platform --backend "$B" pek-cert-import own/pek_csr.signed.cert own/oca.cert 2>own.err; then
	fail "a second import succeeded"
fi
grep -q 'ALREADY_OWNED (0x05)' own.err || fail "ALREADY_OWNED not named: $(cat own.err)"
# A tampered signed PEK: the firmware's INVALID_CERTIFICATE or BAD_SIGNATURE, named.
$S platform --backend "$B" -q factory-reset
$S platform --backend "$B" status | grep -qx 'owner=self' || fail "FACTORY_RESET kept the owner"
cp own/pek_csr.signed.cert bad.cert
printf '\377' | dd of=bad.cert bs=1 seek=1500 conv=notrunc 2>/dev/null
if $S platform --backend "$B" pek-cert-import bad.cert own/oca.cert 2>bad.err; then fail "tampered PEK imported"; fi
grep -Eq 'INVALID_CERTIFICATE|BAD_SIGNATURE' bad.err || fail "tampered PEK: $(cat bad.err)"
$S platform --backend "$B" status | grep -qx 'owner=self' || fail "a failed import changed the owner"

# PDH_GEN and PEK_GEN change the exported keys; SHUTDOWN/INIT/DF_FLUSH through the emulator.
$S platform --backend "$B" -q pdh-gen
$S platform --backend "$B" -q export certs2 >/dev/null
cmp -s certs/pdh.cert certs2/pdh.cert && fail "PDH_GEN kept the PDH"
$S platform --backend "$B" -q pek-gen
$S platform --backend "$B" -q shutdown
$S platform --backend "$B" -q df-flush
$S platform --backend "$B" info | grep -qx 'seeded=no' || fail "info: seeded"

# Seeded platforms: the same seed gives the same identity and certificates.
$S platform --backend "emu:$PWD/s1" --seed 0123 -q export e1 >/dev/null
$S platform --backend "emu:$PWD/s2" --seed 0123 -q export e2 >/dev/null
for f in pdh pek oca cek ask ark; do cmp -s e1/$f.cert e2/$f.cert || fail "seeded $f.cert differs"; done
$S platform --backend "emu:$PWD/s1" info | grep -qx 'seeded=yes' || fail "seeded mode not recorded"

# Usage errors exit 2.
set +e
$S platform --backend "$B" frobnicate 2>/dev/null; [ $? -eq 2 ] || fail "unknown command exit"
$S platform --backend "$B" pek-csr 2>/dev/null; [ $? -eq 2 ] || fail "missing argument exit"
$S platform --backend dev:/dev/null --seed 01 status 2>seed.err; [ $? -eq 2 ] || fail "--seed on dev: exit"
set -e
grep -q 'emu:' seed.err || fail "--seed message"
echo ok
