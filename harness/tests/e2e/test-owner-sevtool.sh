# sev-tool's OCA and OCA-signed PEK hold under our rules (the CEK signature is the
# firmware's, added at PEK_CERT_IMPORT, so that link alone fails here).
for who in own own-ours; do
	rm -rf chk && cp -r "$D" chk
	cp "$who/oca.cert" chk/oca.cert
	cp "$who/pek_csr.signed.cert" chk/pek.cert
	$S owner verify-chain chk --ark chk/ark.cert >out.txt 2>/dev/null || true
	grep -q '^OCA  *ok' out.txt && grep -q '^PEK (OCA signature)  *ok' out.txt ||
		{ cat out.txt; fail "$who: OCA-signed PEK"; }
done
#!/bin/sh
# Interoperability with AMD sev-tool (github.com/AMDESE/sev-tool), both ways, offline:
# its godh.cert + launch_blob.bin launch on our firmware, its --calc_measurement equals
# the firmware's LAUNCH_MEASURE, its --package_secret is accepted by LAUNCH_SECRET (also
# before API 0.17); our session's tmp_tk.bin and our verified measurement feed its
# --package_secret, its --validate_attestation accepts our ATTESTATION report, its
# --sign_pek_csr signs with our OCA key, and its --validate_cert_chain accepts what
# ours accepts.  Needs a sev-tool binary: SWSEV_SEVTOOL=/path/to/sevtool (not built here).
set -eu
S=$SWSEV
T=${SWSEV_SEVTOOL:-}
fail() { echo "FAIL: $*"; exit 1; }
# flip FILE OFFSET: changes the byte at OFFSET (adds 1), whatever it was.
flip() {
	b=$(od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' ')
	printf "\\$(printf '%03o' $(((b + 1) % 256)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
[ -n "$T" ] && [ -x "$T" ] || { echo "set SWSEV_SEVTOOL to an AMD sev-tool binary to run this test"; exit 77; }
hex() { od -An -v -tx1 "$@" | tr -d ' \n'; }
# sev-tool exits 0 even when a command fails; its last line says which.
st() { "$T" "$@" >st.log 2>&1; tail -n 1 st.log | grep -q '^Command Successful' || { cat st.log; return 1; }; }

dd if=/dev/urandom of=image.bin bs=1024 count=12 2>/dev/null  # a multiple of 16: digest = SHA-256
DIGEST=$(openssl dgst -sha256 -r image.bin | cut -d' ' -f1)

for api in 0.24 0.16; do
	B="emu:$PWD/plat-$api?seed=5e7001&api=$api&root=$PWD/root"
	D=$PWD/st-$api
	mkdir "$D"
	$S guest launch --backend "$B" --policy 1 --image image.bin --measure-out m0.bin --export-dir "$D" -q >/dev/null

	# 1. sev-tool's session, measurement and secret on our firmware.
	st --ofolder "$D" --generate_launch_blob 0 || fail "generate_launch_blob"
	cat >hook.sh <<HOOK
set -eu
hex() { od -An -v -tx1 "\$@" | tr -d ' \n'; }
A=\$(printf '%02x' "\${SWSEV_API%.*}"); I=\$(printf '%02x' "\${SWSEV_API#*.}"); BLD=\$(printf '%02x' "\$SWSEV_BUILD")
"$T" --ofolder "$D" --calc_measurement 04 \$A \$I \$BLD 00 $DIGEST \$(hex -j 32 -N 16 "\$SWSEV_MEASURE_FILE") \
	\$(hex -j 16 -N 16 "$D/tmp_tk.bin") >/dev/null
[ "\$(cat "$D/calc_measurement_out.txt")" = "\$(hex -N 32 "\$SWSEV_MEASURE_FILE")" ]
printf 'sev-tool packaged this secret!!!' >"$D/secret.txt"
"$T" --ofolder "$D" --package_secret | tail -n 1 | grep -q '^Command Successful'
cp "$D/packaged_secret.bin" "\$SWSEV_SECRET_FILE"
cp "$D/packaged_secret_header.bin" "\$SWSEV_SECRET_HEADER_FILE"
HOOK
	$S guest launch --backend "$B" --godh "$D/godh.cert" --session "$D/launch_blob.bin" --policy 0 \
		--image image.bin --measure-out meas.bin --on-measure "sh $PWD/hook.sh" --secret-header hdr.bin \
		--secret sec.bin --secret-gpa 0x4000 --dump-memory dump.bin -q >/dev/null 2>err.txt ||
		{ cat err.txt; fail "API $api: sev-tool's session/measurement/secret"; }
	dd if=dump.bin bs=16 skip=$((0x4000 / 16)) count=2 2>/dev/null | cmp - "$D/secret.txt" ||
		fail "API $api: sev-tool's secret not in guest memory"
	# ... and our owner tool reads sev-tool's tmp_tk.bin.
	$S owner verify-measurement --dir "$D" --measure meas.bin --policy 0 --api "$api" --build 15 \
		--digest "$DIGEST" --no-write -q >/dev/null || fail "API $api: our verify on sev-tool's keys"
	rm -f dump.bin

	# 2. Our session; sev-tool packages with our tmp_tk.bin and our verified measurement.
	O=$PWD/ours-$api
	mkdir "$O"
	cp "$D/pdh.cert" "$D/pek.cert" "$O/"
	$S owner session --dir "$O" --policy 0 -q >/dev/null
	cat >hook.sh <<HOOK
set -eu
$S owner verify-measurement --dir "$O" --measure "\$SWSEV_MEASURE_FILE" --policy 0 --api "\$SWSEV_API" \
	--build "\$SWSEV_BUILD" --image image.bin -q >/dev/null
printf 'our session, sev-tool packaging.' >"$O/secret.txt"
"$T" --ofolder "$O" --package_secret | tail -n 1 | grep -q '^Command Successful'
cp "$O/packaged_secret.bin" "\$SWSEV_SECRET_FILE"
cp "$O/packaged_secret_header.bin" "\$SWSEV_SECRET_HEADER_FILE"
HOOK
	$S guest launch --backend "$B" --godh "$O/godh.cert" --session "$O/launch_blob.bin" --policy 0 \
		--image image.bin --measure-out meas.bin --on-measure "sh $PWD/hook.sh" --secret-header hdr.bin \
		--secret sec.bin --secret-gpa 0x4000 --dump-memory dump.bin \
		--attestation-out "$O/attestation_report.bin" -q >/dev/null 2>err.txt ||
		{ cat err.txt; fail "API $api: our session with sev-tool's package"; }
	dd if=dump.bin bs=16 skip=$((0x4000 / 16)) count=2 2>/dev/null | cmp - "$O/secret.txt" ||
		fail "API $api: the secret not in guest memory"
	rm -f dump.bin
	st --ofolder "$O" --validate_attestation || fail "API $api: sev-tool rejects our report"
	flip "$O/attestation_report.bin" 20
	st --ofolder "$O" --validate_attestation && fail "sev-tool accepted a damaged report"
done

# 3. Chains: sev-tool and we agree on AMD's real chains.
for g in naples rome; do
	mkdir "fx-$g"
	cp "$top"/vectors/certs/platform/$g/*.cert "$top"/vectors/certs/amd-root/$g/*.cert "fx-$g/"
	st --ofolder "fx-$g" --validate_cert_chain || fail "sev-tool: $g chain"
	$S owner verify-chain "fx-$g" -q || fail "swsev: $g chain"
done
# The emulated chain: sev-tool picks its hash by the ARK key id's first 8 bytes, and
# emulated roots carry Rome's (emu/chip/amdroot.h), so sev-tool must accept them.
D=$PWD/st-0.24
st --ofolder "$D" --validate_cert_chain || fail "sev-tool rejects the emulated chain"
$S owner verify-chain "$D" --ark "$D/ark.cert" -q || fail "swsev: emulated chain"

# 4. Ownership: sev-tool signs a PEK_CSR with our OCA key, ours with an openssl key.
$S owner oca-keygen --key oca.pem -q >/dev/null
mkdir own
cp "$O/pek.cert" own/pek.cert.orig
# (a CSR is the PEK body with empty slots: clear both slots of the exported PEK)
dd if=own/pek.cert.orig of=own/pek_csr.cert bs=1044 count=1 2>/dev/null
for slot in 1 2; do printf '\000\020\000\000\000\000\000\000' >>own/pek_csr.cert; dd if=/dev/zero bs=512 count=1 2>/dev/null >>own/pek_csr.cert; done
[ "$(wc -c <own/pek_csr.cert)" -eq 2084 ] || fail "CSR size"
st --ofolder own --sign_pek_csr own/pek_csr.cert oca.pem || fail "sev-tool cannot use our OCA key"
$S owner sign-pek-csr --csr own/pek_csr.cert --key oca.pem --dir own-ours -q >/dev/null
# Same OCA key, same public OCA body; both PEK signatures verify under our chain rules.
cmp -n 1044 own/oca.cert own-ours/oca.cert || fail "OCA bodies differ"
cmp -n 1044 own/pek_csr.signed.cert own-ours/pek_csr.signed.cert || fail "signed PEK bodies differ"
# sev-tool's OCA and OCA-signed PEK hold under our rules (the CEK signature is the
# firmware's, added by PEK_CERT_IMPORT, so that link alone fails here).
for who in own own-ours; do
	rm -rf chk && cp -r "$D" chk
	cp "$who/oca.cert" chk/oca.cert
	cp "$who/pek_csr.signed.cert" chk/pek.cert
	$S owner verify-chain chk --ark chk/ark.cert >out.txt 2>/dev/null || true
	grep -q '^OCA  *ok' out.txt && grep -q '^PEK (OCA signature)  *ok' out.txt &&
		grep -q '^PEK (CEK signature)  *FAILED' out.txt || { cat out.txt; fail "$who: OCA-signed PEK"; }
done
echo ok
