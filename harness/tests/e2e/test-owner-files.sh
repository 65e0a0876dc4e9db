#!/bin/sh
# The owner's files in sev-tool's formats, checked independently of swsev with the
# openssl CLI: the measurement is HMAC-SHA256(TIK, 04 || api || build || policy ||
# digest || mnonce), the packaged secret is AES-128-CTR(TEK, iv) and its header MAC is
# HMAC-SHA256(TIK, 01 || flags || iv || len || len || ciphertext || measurement).
set -eu
S=$SWSEV
fail() { echo "FAIL: $*"; exit 1; }
command -v openssl >/dev/null || { echo "openssl CLI not installed"; exit 77; }

hex() { od -An -v -tx1 "$@" | tr -d ' \n'; }
# hex string -> binary on stdout (POSIX printf has octal escapes only)
unhex() {
	h=$1
	while [ -n "$h" ]; do
		b=${h%"${h#??}"}
		h=${h#??}
		printf "\\$(printf '%03o' "0x$b")"
	done
}
hmac() { # key-hex file -> lowercase hex
	openssl mac -digest SHA256 -macopt "hexkey:$1" -in "$2" HMAC | tr 'A-F' 'a-f'
}

# A PDH: any platform's (the emulator's export through a launch).
B="emu:$PWD/plat?seed=f11e05&api=0.24&build=15"
dd if=/dev/urandom of=image.bin bs=1000 count=5 2>/dev/null
$S guest launch --backend "$B" --policy 1 --image image.bin --measure-out m0.bin --export-dir certs -q >/dev/null

# Deterministic sessions with --seed; sev-tool's sizes and the key file's mode.
mkdir a b
$S owner session --pdh certs/pdh.cert --policy 3 --dir a --seed 0102 --base64 -q >/dev/null
$S owner session --pdh certs/pdh.cert --policy 3 --dir b --seed 0102 -q >/dev/null
for f in godh.cert launch_blob.bin tmp_tk.bin; do cmp "a/$f" "b/$f" || fail "$f not reproducible"; done
[ "$(ls -l a/tmp_tk.bin | cut -c1-10)" = "-rw-------" ] || fail "tmp_tk.bin is readable by others"
openssl base64 -d -A -in a/godh.b64 | cmp - a/godh.cert || fail "godh.b64"
openssl base64 -d -A -in a/launch_blob.b64 | cmp - a/launch_blob.bin || fail "launch_blob.b64"
# The GODH certificate: version 1, API 0.0, usage PDH 0x1003, algo ECDH 0x3.
[ "$(hex -N 16 a/godh.cert)" = "01000000000000000310000003000000" ] || fail "GODH header"

TEK=$(hex -N 16 a/tmp_tk.bin)
TIK=$(hex -j 16 -N 16 a/tmp_tk.bin)
# 5000 bytes: measured zero-padded to 5008 (LAUNCH_UPDATE_DATA takes 16-byte granules)
DIGEST=$( { cat image.bin; unhex 0000000000000000; } | openssl dgst -sha256 -r | cut -d" " -f1)
MNONCE=00112233445566778899aabbccddeeff

# measure: the digest, and the measurement recomputed by openssl.
$S owner measure --image image.bin >d.out
grep -q "^digest=$DIGEST\$" d.out || fail "digest"
$S owner measure --digest "$DIGEST" --tk a/tmp_tk.bin --policy 3 --mnonce "$MNONCE" --api 0.24 --build 15 \
	--dir a >m.out
{ unhex 04; unhex 00; unhex 18; unhex 0f; unhex 03000000; unhex "$DIGEST"; unhex "$MNONCE"; } >msg.bin
[ "$(wc -c <msg.bin)" -eq 56 ] || fail "measurement message length"
WANT=$(hmac "$TIK" msg.bin)
grep -q "^measurement=$WANT\$" m.out || { cat m.out; fail "measurement differs from openssl's $WANT"; }
[ "$(cat a/calc_measurement_out.txt)" = "$WANT" ] || fail "calc_measurement_out.txt"
[ "$(hex a/calc_measurement_out.bin)" = "$WANT" ] || fail "calc_measurement_out.bin"
# --tik gives the same; the pre-0.17 form drops the 4-byte prefix.
$S owner measure --digest "$DIGEST" --tik "$TIK" --policy 3 --mnonce "$MNONCE" --api 0.24 --build 15 \
	--no-write | grep -q "^measurement=$WANT\$" || fail "--tik"
$S owner measure --digest "$DIGEST" --tik "$TIK" --policy 3 --mnonce "$MNONCE" --api 0.16 --build 15 \
	--dir old >old.out
{ unhex 03000000; unhex "$DIGEST"; unhex "$MNONCE"; } >msg16.bin
grep -q "^measurement=$(hmac "$TIK" msg16.bin)\$" old.out || fail "pre-0.17 measurement"

# verify-measurement: the 48-byte LAUNCH_MEASURE form, raw and base64.
{ unhex "$WANT"; unhex "$MNONCE"; } >measure.bin
openssl base64 -A -in measure.bin >measure.b64
for f in measure.bin measure.b64; do
	$S owner verify-measurement --dir a --measure "$f" --policy 3 --api 0.24 --build 15 \
		--digest "$DIGEST" --no-write -q >/dev/null || fail "verify-measurement $f"
done
rc=0
$S owner verify-measurement --dir a --measure measure.bin --policy 3 --api 0.24 --build 16 \
	--digest "$DIGEST" --no-write >/dev/null 2>err.txt || rc=$?
[ $rc -eq 1 ] && grep -q 'BAD_MEASUREMENT' err.txt || fail "a wrong build verified"

# package-secret: ciphertext and header recomputed by openssl.
printf 'twenty-one bytes long' >a/secret.txt                # padded to 32
$S owner package-secret --dir a --iv 0f0e0d0c0b0a09080706050403020100 -q >p.out
[ "$(wc -c <a/packaged_secret.bin)" -eq 32 ] || fail "padded length"
[ "$(wc -c <a/packaged_secret_header.bin)" -eq 52 ] || fail "header length"
{ cat a/secret.txt; unhex 0000000000000000000000; } >padded.bin
openssl enc -aes-128-ctr -K "$TEK" -iv 0f0e0d0c0b0a09080706050403020100 -in padded.bin -out ct.bin
cmp ct.bin a/packaged_secret.bin || fail "ciphertext differs from openssl's AES-128-CTR"
{ unhex 01; unhex 00000000; unhex 0f0e0d0c0b0a09080706050403020100; unhex 20000000; unhex 20000000
  cat ct.bin; unhex "$WANT"; } >mac.bin
HDR=$(hex a/packaged_secret_header.bin)
[ "$HDR" = "000000000f0e0d0c0b0a09080706050403020100$(hmac "$TIK" mac.bin)" ] ||
	fail "header differs from openssl's: $HDR"
# Pre-0.17: no measurement in the MAC.
$S owner package-secret --dir a --pre-0.17 --iv 0f0e0d0c0b0a09080706050403020100 \
	--out old.bin --header-out oldhdr.bin -q >/dev/null
{ unhex 01; unhex 00000000; unhex 0f0e0d0c0b0a09080706050403020100; unhex 20000000; unhex 20000000
  cat ct.bin; } >mac16.bin
[ "$(hex -j 20 oldhdr.bin)" = "$(hmac "$TIK" mac16.bin)" ] || fail "pre-0.17 header"
# Without a verified measurement there is nothing to bind to.
rm a/calc_measurement_out.bin
rc=0; $S owner package-secret --dir a -q 2>err.txt || rc=$?
[ $rc -eq 1 ] && grep -q 'calc_measurement_out.bin' err.txt || fail "package without a measurement"

# oca-keygen: a PEM key openssl reads; sign-pek-csr takes an openssl key.
$S owner oca-keygen --key oca.pem --cert oca.cert -q >/dev/null
openssl pkey -in oca.pem -noout || fail "openssl cannot read the OCA key"
[ "$(ls -l oca.pem | cut -c1-10)" = "-rw-------" ] || fail "oca.pem mode"
[ "$(hex -N 16 oca.cert)" = "01000000000000000110000002000000" ] || fail "OCA header"
openssl ecparam -name secp384r1 -genkey -noout -out ossl.pem 2>/dev/null
$S owner sign-pek-csr --csr certs/pek.cert --key ossl.pem --dir signed 2>err.txt && fail "signed a signed PEK"
grep -q 'already signed' err.txt || fail "PEK_CSR check"
echo ok
