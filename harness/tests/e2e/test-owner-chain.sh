#!/bin/sh
# swsev owner verify-chain: real AMD chains (Naples, Rome) against the built-in roots,
# an emulated platform's chain only with its root named explicitly, and every damaged
# or misplaced certificate named with the firmware status.
set -eu
S=$SWSEV
V=$top/vectors/certs
fail() { echo "FAIL: $*"; exit 1; }
# flip FILE OFFSET: changes the byte at OFFSET (adds 1), whatever it was.
flip() {
	b=$(od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' ')
	printf "\\$(printf '%03o' $(((b + 1) % 256)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
[ -d "$V/platform/rome" ] || { echo "vectors/certs not found under $top"; exit 77; }

for g in naples rome; do
	mkdir "$g"
	cp "$V"/platform/$g/*.cert "$V"/amd-root/$g/*.cert "$g"/
	$S owner verify-chain "$g" >out.txt 2>err.txt || { cat out.txt err.txt; fail "$g chain"; }
	grep -q "^ARK .*trusted: AMD $g ARK" out.txt || fail "$g: root not named"
	[ "$(grep -c ' ok' out.txt)" -eq 7 ] || fail "$g: not 7 links"
	rc=0; $S owner verify-chain "$g" --no-amd-roots >out.txt 2>err.txt || rc=$?
	[ $rc -eq 1 ] && grep -q 'not a trusted root' err.txt || fail "$g without AMD roots"
done

# Damage one byte of each certificate: that certificate's link fails.
check_flip() { # file offset link
	rm -rf flip && cp -r rome flip
	flip "flip/$1" $2
	rc=0; $S owner verify-chain flip >out.txt 2>err.txt || rc=$?
	[ $rc -eq 1 ] || fail "$1 byte $2: exit $rc"
	grep -q "^$3[^ ]* *[a-z )]*FAILED" out.txt || { cat out.txt; fail "$1 byte $2: $3 not named"; }
}
check_flip pdh.cert 20 PDH             # the key
check_flip pdh.cert 1060 PDH           # PEK signature
check_flip pdh.cert 1600 PDH           # the empty slot (not signed: canonical form)
check_flip pek.cert 8 'PEK (CEK'       # the usage
check_flip pek.cert 1600 'PEK (CEK'    # after the OCA signature's r and s
check_flip oca.cert 100 OCA
check_flip cek.cert 2000 CEK           # the ASK's RSA signature
check_flip ask.cert 700 ASK
check_flip ark.cert 1500 ARK

# Certificates in the wrong files.
rm -rf swap && cp -r rome swap && mv swap/pek.cert t && mv swap/oca.cert swap/pek.cert && mv t swap/oca.cert
rc=0; $S owner verify-chain swap >out.txt 2>err.txt || rc=$?
[ $rc -eq 1 ] && grep -q '^OCA *FAILED.*INVALID_CERTIFICATE (0x06)' out.txt || { cat out.txt; fail "swapped"; }
rm swap/ask.cert
rc=0; $S owner verify-chain swap 2>err.txt >/dev/null || rc=$?
[ $rc -eq 1 ] && grep -q 'ask.cert' err.txt || fail "missing ask.cert not named"

# An emulated platform: its root must be named (by file, by directory, by hash).
B="emu:$PWD/plat?seed=c4a1&root=$PWD/root"
dd if=/dev/urandom of=image.bin bs=4096 count=1 2>/dev/null
$S guest launch --backend "$B" --policy 1 --image image.bin --measure-out m.bin --export-dir emu -q >/dev/null
rc=0; $S owner verify-chain emu >out.txt 2>err.txt || rc=$?
[ $rc -eq 1 ] && grep -q 'ARK.*INVALID_CERTIFICATE (0x06)' err.txt || fail "an emulated root was trusted"
grep -q '^PDH  *ok' out.txt || fail "links after the ARK not reported"
$S owner verify-chain emu --ark emu/ark.cert -q || fail "--ark"
$S owner verify-chain emu --root "$PWD/root" -q || fail "--root"
H=$(dd if=emu/ark.cert bs=1088 count=1 2>/dev/null | openssl dgst -sha384 -r | cut -d' ' -f1)
$S owner verify-chain emu --fused-hash "$H" -q || fail "--fused-hash"
# A Rome ARK pinned does not vouch for the emulated chain.
rc=0; $S owner verify-chain emu --ark rome/ark.cert -q 2>/dev/null || rc=$?
[ $rc -eq 1 ] || fail "another root vouched"
rc=0; $S owner verify-chain emu --fused-hash 1234 -q 2>/dev/null || rc=$?
[ $rc -eq 2 ] || fail "a bad --fused-hash is a usage error"
echo ok
