#!/bin/sh
# An independent check of the conformance vectors (vectors/README.md): every value is
# recomputed here from its inputs with the openssl command line, xxd/od and coreutils
# only -- none of swsev's code -- and every verdict (certificate, packet, session,
# report) is re-derived from the firmware's rules as the spec states them.
#
#   sh scripts/check-vectors.sh [-q] [VECTORS_DIR]      (default: vectors)
#
# Prints "ok   FILE:KIND:ID" (not with -q) or "FAIL FILE:KIND:ID: what" per case and a
# final "N passed, N failed" line; exits 1 on any failure or when nothing was checked.
# The case's keys arrive as V_<key> variables set by eval from the file.
# shellcheck disable=SC2154
LC_ALL=C
export LC_ALL
quiet=''
[ "${1-}" = -q ] && { quiet=1; shift; }
dir=${1:-vectors}
[ -d "$dir" ] || { echo "check-vectors: no directory $dir" >&2; exit 1; }
for tool in openssl xxd od cut tr fold tac; do
	command -v $tool >/dev/null 2>&1 || { echo "check-vectors: $tool is missing" >&2; exit 1; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-vectors.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
pass=0 fail=0 file='' kind='' id='' why='' checked=''

# ---- reporting --------------------------------------------------------------------------
# A case's checks call need(); the case is ok when none failed.
need() { # CONDITION-RESULT(0/1) WHAT
	[ "$1" -eq 0 ] || why="${why:+$why; }$2"
}
same() { # WHAT GOT WANT
	if [ "$2" = "$3" ]; then :; else why="${why:+$why; }$1 differs"; fi
}
report() {
	if [ -z "$why" ]; then
		pass=$((pass + 1))
		[ -n "$quiet" ] || echo "ok   $file:$kind:$id"
	else
		fail=$((fail + 1))
		echo "FAIL $file:$kind:$id: $why"
	fi
	why=
}

# ---- hex ----------------------------------------------------------------------------------
h2b() { printf '%s' "$1" | xxd -r -p; }
b2h() { od -An -v -tx1 | tr -d ' \n'; }
# bytes OFF..OFF+LEN of a hex string
sub() { printf '%s' "$1" | cut -c$((2 * $2 + 1))-$((2 * ($2 + $3))); }
rev() { # byte order reversed (short strings without a process)
	if [ ${#1} -gt 96 ]; then
		printf '%s\n' "$1" | fold -w2 | tac | tr -d '\n'
		return
	fi
	_r='' _h=$1
	while [ -n "$_h" ]; do _t=${_h%??}; _r=$_r${_h#"$_t"}; _h=$_t; done
	printf '%s' "$_r"
}
le32() { printf '%02x%02x%02x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
rd32() { echo $((0x$(rev "$1"))); } # 4 little-endian bytes
u8() { printf '%02x' $(($1)); }
zeros() { # N bytes of 00
	_z='' _n=$1
	while [ "$_n" -gt 0 ]; do _z=${_z}00; _n=$((_n - 1)); done
	printf '%s' "$_z"
}
txt() { printf '%s' "$1" | b2h; }
flip0() { printf '%s' "$1" | cut -c1-"$2"; }

# ---- symmetric ------------------------------------------------------------------------------
sha256() { _o=$(h2b "$1" | openssl dgst -sha256 -r); printf '%s' "${_o%% *}"; }
sha384() { _o=$(h2b "$1" | openssl dgst -sha384 -r); printf '%s' "${_o%% *}"; }
hmac() { # KEY MSG
	_o=$(h2b "$2" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$1" -r)
	printf '%s' "${_o%% *}"
}
ctr() { h2b "$3" | openssl enc -aes-128-ctr -K "$1" -iv "$2" | b2h; } # KEY IV DATA
# SP 800-108 counter mode, HMAC-SHA256, little-endian counter and bit length (spec §6.2)
kdf() { # KEY LABELHEX CONTEXT LEN
	_ko='' _ki=1 _kb=$(le32 $((8 * $4)))
	while [ $(((_ki - 1) * 32)) -lt "$4" ]; do
		_ko=$_ko$(hmac "$1" "$(le32 $_ki)${2}00${3}${_kb}")
		_ki=$((_ki + 1))
	done
	printf '%s' "$_ko" | cut -c1-$((2 * $4))
}
L_MASTER=$(txt sev-master-secret)
L_KEK=$(txt sev-kek)
L_KIK=$(txt sev-kik)

# ---- DER and keys ----------------------------------------------------------------------------
der_len() {
	if [ "$1" -lt 128 ]; then printf '%02x' "$1"
	elif [ "$1" -lt 256 ]; then printf '81%02x' "$1"
	else printf '82%04x' "$1"; fi
}
der_uint() { # big-endian magnitude -> INTEGER
	_d=${1#"${1%%[!0]*}"} # leading zero digits off, then whole bytes again
	[ $((${#_d} % 2)) -eq 0 ] || _d=0$_d
	[ -n "$_d" ] || _d=00
	case $_d in [89a-f]*) _d=00$_d ;; esac
	printf '02%s%s' "$(der_len $((${#_d} / 2)))" "$_d"
}
der_seq() { printf '30%s%s' "$(der_len $((${#1} / 2)))" "$1"; }
ec_spki() { printf '3076301006072a8648ce3d020106052b8104002203620004%s%s' "$1" "$2"; } # X Y big-endian
ec_priv() { printf '303e0201010430%sa00706052b81040022' "$1"; }                        # SEC1, no public key
ec_pub_of() { # PRIV -> X||Y
	h2b "$(ec_priv "$1")" >"$tmp/k.der"
	openssl pkey -inform DER -in "$tmp/k.der" -pubout -outform DER 2>/dev/null | b2h | cut -c49-
}
ecdh() { # PRIV X Y -> Z
	h2b "$(ec_priv "$1")" >"$tmp/k.der"
	h2b "$(ec_spki "$2" "$3")" >"$tmp/p.der"
	openssl pkeyutl -derive -inkey "$tmp/k.der" -keyform DER -peerkey "$tmp/p.der" -peerform DER 2>/dev/null | b2h
}
# An SEV point (72-byte little-endian fields): the big-endian X and Y, or 1 when the
# padding is not zero or the point is not on P-384.
point_be() { # QX_LE QY_LE -> sets PX PY
	PX='' PY=''
	[ "$(sub "$1" 48 24)" = "$(zeros 24)" ] && [ "$(sub "$2" 48 24)" = "$(zeros 24)" ] || return 1
	PX=$(rev "$(sub "$1" 0 48)")
	PY=$(rev "$(sub "$2" 0 48)")
	h2b "$(ec_spki "$PX" "$PY")" >"$tmp/pt.der"
	openssl pkey -pubin -inform DER -in "$tmp/pt.der" -pubcheck -noout >/dev/null 2>&1
}
ecdsa_der() { # R_LE S_LE (72-byte fields) -> DER signature
	der_seq "$(der_uint "$(rev "$1")")$(der_uint "$(rev "$2")")"
}
ecdsa_verify() { # HASH X Y MESSAGE SIGDER
	h2b "$(ec_spki "$2" "$3")" >"$tmp/v.der"
	h2b "$4" >"$tmp/v.msg"
	h2b "$5" >"$tmp/v.sig"
	openssl dgst "-$1" -verify "$tmp/v.der" -keyform DER -signature "$tmp/v.sig" "$tmp/v.msg" >/dev/null 2>&1
}
rsa_spki() { # MODULUS_BE EXPONENT_BE
	_rk=$(der_seq "$(der_uint "$1")$(der_uint "$2")")
	_rb=00$_rk
	der_seq "300d06092a864886f70d0101010500""03$(der_len $((${#_rb} / 2)))$_rb"
}
pss_verify() { # HASH SALTLEN SPKI MESSAGE SIG_BE
	h2b "$3" >"$tmp/r.der"
	h2b "$4" >"$tmp/r.msg"
	h2b "$5" >"$tmp/r.sig"
	openssl dgst "-$1" -sigopt rsa_padding_mode:pss -sigopt "rsa_pss_saltlen:$2" -sigopt "rsa_mgf1_md:$1" \
		-verify "$tmp/r.der" -keyform DER -signature "$tmp/r.sig" "$tmp/r.msg" >/dev/null 2>&1
}

# ---- certificates ---------------------------------------------------------------------------
# A value given inline or as KEY_path (a file under the vectors directory).
val() { # KEY
	eval "_v=\${V_$1-}"
	if [ -n "$_v" ]; then printf '%s' "$_v"; return; fi
	eval "_p=\${V_$1_path-}"
	[ -n "$_p" ] && b2h <"$dir/$(h2b "$_p")"
}

usage_ok() { case $1 in 0 | 19 | 4097 | 4098 | 4099 | 4100) return 0 ;; esac; return 1; }
algo_ec() { case $1 in 2 | 3 | 258 | 259) return 0 ;; esac; return 1; }
algo_rsa() { case $1 in 1 | 257) return 0 ;; esac; return 1; }
hash_of() { if [ $(($1 & 256)) -ne 0 ]; then echo sha384; else echo sha256; fi; }

# The AMD certificate's fields: AEXP AMOD (bits), the signed part, the key, the signature.
amd_fields() { # CERT
	AEXP=$(rd32 "$(sub "$1" 56 4)") AMOD=$(rd32 "$(sub "$1" 60 4)")
	case $AEXP$AMOD in 20482048 | 20484096 | 40962048 | 40964096) ;; *) return 1 ;; esac
	ASIGNED=$(sub "$1" 0 $((64 + AEXP / 8 + AMOD / 8)))
	AKEY=$(rsa_spki "$(rev "$(sub "$1" $((64 + AEXP / 8)) $((AMOD / 8)))")" "$(rev "$(sub "$1" 64 $((AEXP / 8)))")")
	ASIG=$(rev "$(sub "$1" $((64 + AEXP / 8 + AMOD / 8)) $((AMOD / 8)))")
}

# The signer of an SEV certificate as the firmware sees it: SUSAGE SALGO and the key.
signer_sev() { # the 156 bytes usage..Qy
	SUSAGE=$(rd32 "$(sub "$1" 0 4)") SALGO=$(rd32 "$(sub "$1" 4 4)") SKIND=ec SOK=1
	usage_ok "$SUSAGE" && algo_ec "$SALGO" && [ "$(rd32 "$(sub "$1" 8 4)")" -eq 2 ] &&
		point_be "$(sub "$1" 12 72)" "$(sub "$1" 84 72)" && SOK=0 SX=$PX SY=$PY
}
signer_amd() { # AMD cert (an ASK signing CEKs)
	SUSAGE=$(rd32 "$(sub "$1" 36 4)") SKIND=rsa SOK=1
	amd_fields "$1" || return 0
	if [ "$AMOD" -eq 2048 ]; then SALGO=1; else SALGO=257; fi
	usage_ok "$SUSAGE" && SOK=0 SKEY=$AKEY SMODB=$((AMOD / 8))
}

# sev_cert_validate (spec §5.3): signer key, slots, body, parent rule.  Sets ST.
sev_validate() { # CERT (after signer_*)
	ST=06
	[ "$SOK" -eq 0 ] || return 0
	_body=$(sub "$1" 0 1044)
	for _s in 0 1; do
		_o=$((1044 + _s * 520))
		_su=$(rd32 "$(sub "$1" $_o 4)") _sa=$(rd32 "$(sub "$1" $((_o + 4)) 4)")
		if { [ "$_sa" -eq 0 ] && [ "$_su" -ne 4096 ]; } || { [ "$_sa" -ne 0 ] && [ "$_su" -eq 4096 ]; }; then
			ST=0a
			return 0
		fi
		if [ "$_sa" -ne "$SALGO" ] || [ "$_su" -ne "$SUSAGE" ]; then continue; fi
		if [ "$SKIND" = ec ]; then
			ecdsa_verify "$(hash_of "$SALGO")" "$SX" "$SY" "$_body" \
				"$(ecdsa_der "$(sub "$1" $((_o + 8)) 72)" "$(sub "$1" $((_o + 80)) 72)")"
		else
			pss_verify "$(hash_of "$SALGO")" "$(($(hash_of "$SALGO" | cut -c4-) / 8))" "$SKEY" "$_body" \
				"$(rev "$(sub "$1" $((_o + 8)) "$SMODB")")"
		fi && ST=00 || ST=0a
	done
	[ "$ST" = 00 ] || return 0
	ST=06
	_u=$(rd32 "$(sub "$1" 8 4)") _a=$(rd32 "$(sub "$1" 12 4)")
	[ "$(rd32 "$(sub "$1" 0 4)")" -eq 1 ] && usage_ok "$_u" && algo_ec "$_a" && [ "$(rd32 "$(sub "$1" 16 4)")" -eq 2 ] &&
		point_be "$(sub "$1" 20 72)" "$(sub "$1" 92 72)" || return 0
	case $_u:$SUSAGE in 4099:4098 | 4098:4097 | 4098:4100 | 4097:4097 | 4100:19) ST=00 ;; esac
}

# amd_cert_validate_ark / _ask ([FW] amd_cert.c).  Sets ST.
amd_validate() { # CERT PARENT(empty: self) FUSED(empty: any root)
	ST=06
	amd_fields "$1" || return 0
	_cs=$ASIGNED _csig=$ASIG
	if [ -n "$2" ]; then amd_fields "$2" || return 0; fi
	_h=sha384 _sl=48
	[ "$AMOD" -eq 2048 ] && _h=sha256 _sl=32
	# the certificate's own signature field, checked with the parent's key and hash
	pss_verify $_h $_sl "$AKEY" "$_cs" "$_csig" || { ST=0a; return 0; }
	[ "$(rd32 "$(sub "$1" 0 4)")" -eq 1 ] || return 0
	if [ -n "$2" ]; then
		[ "$(rd32 "$(sub "$1" 36 4)")" -eq 19 ] && [ "$(sub "$1" 20 16)" = "$(sub "$2" 4 16)" ] || return 0
	else
		[ "$(rd32 "$(sub "$1" 36 4)")" -eq 0 ] && [ "$(sub "$1" 20 16)" = "$(sub "$1" 4 16)" ] || return 0
		[ -z "$3" ] || [ "$(sha384 "$_cs")" = "$3" ] || return 0
	fi
	ST=00
}

# ---- the kinds ----------------------------------------------------------------------------------
ck_kdf() {
	same "first PRF input" "$V_prf_input_1" "$(le32 1)${V_label}00${V_context}$(le32 $((8 * V_length)))"
	same output "$(kdf "$V_key" "$V_label" "$V_context" $((V_length)))" "$V_output"
}
ck_hmac() { same mac "$(hmac "$V_key" "$V_message")" "$V_mac"; }
ck_sha256() { same digest "$(sha256 "$V_message")" "$V_digest"; }

session_of() { # Z NONCE WRAP_IV TEK TIK POLICY -> sets MASTER KEK KIK BLOB
	MASTER=$(kdf "$1" "$L_MASTER" "$2" 16)
	KEK=$(kdf "$MASTER" "$L_KEK" "" 16)
	KIK=$(kdf "$MASTER" "$L_KIK" "" 16)
	_wt=$(ctr "$KEK" "$3" "$4$5")
	BLOB=$2$_wt$3$(hmac "$KIK" "$_wt")$(hmac "$5" "$(le32 $(($6)))")
}
ck_session() {
	session_of "$V_z" "$V_nonce" "$V_wrap_iv" "$V_tek" "$V_tik" "$V_policy"
	_b=$BLOB
	same master "$MASTER" "$V_master"
	same kek "$KEK" "$V_kek"
	same kik "$KIK" "$V_kik"
	same wrap_tk "$(sub "$_b" 16 32)" "$V_wrap_tk"
	same wrap_mac "$(sub "$_b" 64 32)" "$V_wrap_mac"
	same policy_mac "$(sub "$_b" 96 32)" "$V_policy_mac"
	same session "$_b" "$V_session"
}
# The server side's verdict on a blob: 00 or 0b.
unwrap() { # Z POLICY SESSION -> sets ST
	_m=$(kdf "$1" "$L_MASTER" "$(sub "$3" 0 16)" 16)
	_wt=$(sub "$3" 16 32)
	ST=0b
	[ "$(hmac "$(kdf "$_m" "$L_KIK" "" 16)" "$_wt")" = "$(sub "$3" 64 32)" ] || return 0
	_tk=$(ctr "$(kdf "$_m" "$L_KEK" "" 16)" "$(sub "$3" 48 16)" "$_wt")
	[ "$(hmac "$(sub "$_tk" 16 16)" "$(le32 $(($2)))")" = "$(sub "$3" 96 32)" ] && ST=00
}
ck_session_reject() {
	unwrap "$V_z" "$V_policy" "$V_session"
	same "verdict" "$ST" "$(sub "$V_status" 1 1)"
}
ck_ecdh() {
	same "public key a" "$(ec_pub_of "$V_priv_a")" "$V_pub_a_x$V_pub_a_y"
	same "public key b" "$(ec_pub_of "$V_priv_b")" "$V_pub_b_x$V_pub_b_y"
	same "z (a with b's key)" "$(ecdh "$V_priv_a" "$V_pub_b_x" "$V_pub_b_y")" "$V_z"
	same "z (b with a's key)" "$(ecdh "$V_priv_b" "$V_pub_a_x" "$V_pub_a_y")" "$V_z"
}
ck_sev_point() {
	point_be "$V_qx_le" "$V_qy_le"
	need $? "a point on P-384"
	same x "$PX" "$V_x"
	same y "$PY" "$V_y"
}
ck_measurement() {
	_msg=04$(u8 "$V_api_major")$(u8 "$V_api_minor")$(u8 "$V_build")$(le32 $((V_policy)))$V_digest$V_mnonce
	same message "$_msg" "$V_message"
	same measurement "$(hmac "$V_tik" "$_msg")" "$V_measurement"
}
ck_measurement_pre017() {
	_msg=$(le32 $((V_policy)))$V_digest$V_mnonce
	same message "$_msg" "$V_message"
	same measurement "$(hmac "$V_tik" "$_msg")" "$V_measurement"
}
pkt_mac() { # TIK CTX FLAGS IV GLEN TLEN CT MEASUREMENT
	hmac "$1" "$2$(le32 $(($3)))$4$(le32 $(($5)))$(le32 $(($6)))$7$8"
}
ck_launch_secret() {
	_ct=$(ctr "$V_tek" "$V_iv" "$V_secret")
	same ciphertext "$_ct" "$V_ciphertext"
	same length "$((V_guest_len)):$((V_trans_len))" "$((${#V_secret} / 2)):$((${#V_secret} / 2))"
	_mac=$(pkt_mac "$V_tik" 01 "$V_flags" "$V_iv" "$V_guest_len" "$V_trans_len" "$_ct" "${V_measurement-}")
	same mac "$_mac" "$V_mac"
	same header "$(le32 $((V_flags)))$V_iv$_mac" "$V_header"
}
ck_launch_secret_reject() { # LAUNCH_SECRET: MAC first, then COMPRESSED
	_n=$((${#V_ciphertext} / 2))
	_fl=$(rd32 "$(sub "$V_header" 0 4)")
	ST=0b
	[ "$(pkt_mac "$V_tik" 01 "$_fl" "$(sub "$V_header" 4 16)" $_n $_n "$V_ciphertext" "$V_measurement")" = \
		"$(sub "$V_header" 20 32)" ] && { if [ $((_fl & 1)) -ne 0 ]; then ST=15; else ST=00; fi; }
	same verdict "$ST" "$(sub "$V_status" 1 1)"
}
ck_transport() {
	_ct=$(ctr "$V_tek" "$V_iv" "$V_plaintext")
	_n=$((${#V_plaintext} / 2))
	same ciphertext "$_ct" "$V_ciphertext"
	_mac=$(pkt_mac "$V_tik" "$(u8 "$V_ctx")" "$V_flags" "$V_iv" $_n $_n "$_ct" "")
	same mac "$_mac" "$V_mac"
	same header "$(le32 $((V_flags)))$V_iv$_mac" "$V_header"
}
rx_verdict() { # TIK HEADER CT GLEN TLEN: RECEIVE_UPDATE_*: lengths, COMPRESSED, MAC (ctx 02)
	_fl=$(rd32 "$(sub "$2" 0 4)")
	if [ $(($4)) -ne $(($5)) ]; then ST=04
	elif [ $((_fl & 1)) -ne 0 ]; then ST=15
	elif [ "$(pkt_mac "$1" 02 "$_fl" "$(sub "$2" 4 16)" "$5" "$5" "$3" "")" = "$(sub "$2" 20 32)" ]; then ST=00
	else ST=0b; fi
}
ck_transport_reject() {
	rx_verdict "$V_tik" "$V_header" "$V_ciphertext" "$V_guest_len" "$V_trans_len"
	same verdict "$ST" "$(sub "$V_status" 1 1)"
}
ck_sev_cert() {
	_c=$(val cert)
	if [ -n "${V_signer_pubkey-}" ]; then signer_sev "$V_signer_pubkey"
	elif [ -n "${V_signer-}${V_signer_path-}" ]; then signer_sev "$(sub "$(val signer)" 8 156)"
	else signer_amd "$(val signer_amd)"; fi
	sev_validate "$_c"
	same "verdict ($ST)" "$ST" "$(sub "$V_status" 1 1)"
}
ck_sev_cert_dh() { # body valid, usage PDH, algo ECDH_SHA256
	ST=06
	[ "$(rd32 "$(sub "$V_cert" 0 4)")" -eq 1 ] && [ "$(rd32 "$(sub "$V_cert" 8 4)")" -eq 4099 ] &&
		[ "$(rd32 "$(sub "$V_cert" 12 4)")" -eq 3 ] && [ "$(rd32 "$(sub "$V_cert" 16 4)")" -eq 2 ] &&
		point_be "$(sub "$V_cert" 20 72)" "$(sub "$V_cert" 92 72)" && ST=00
	same verdict "$ST" "$(sub "$V_status" 1 1)"
}
ck_amd_ark() {
	amd_validate "$(val cert)" "" "${V_fused_hash-}"
	same "verdict ($ST)" "$ST" "$(sub "$V_status" 1 1)"
}
ck_amd_ask() {
	amd_validate "$(val cert)" "$(val ark)" ""
	same "verdict ($ST)" "$ST" "$(sub "$V_status" 1 1)"
}
ck_file() {
	_o=$(openssl dgst -sha256 -r "$dir/$(h2b "$V_path")")
	same sha256 "${_o%% *}" "$V_sha256"
}
# owner_report_verify's verdict
report_verdict() { # PEK_PUBKEY(156) REPORT MNONCE DIGEST POLICY
	ST=06
	[ "$(rd32 "$(sub "$1" 0 4)")" -eq 4098 ] || return 0
	ST=0a
	[ "$(sub "$2" 52 12)" = "$(le32 4098)$(le32 2)00000000" ] || return 0
	ST=06
	signer_sev "$1"
	[ "$SOK" -eq 0 ] || return 0
	ST=0a
	ecdsa_verify sha256 "$SX" "$SY" "$(sub "$2" 0 52)" "$(ecdsa_der "$(sub "$2" 64 72)" "$(sub "$2" 136 72)")" || return 0
	ST=0b
	[ "$(sub "$2" 0 16)" = "$3" ] && [ "$(sub "$2" 16 32)" = "$4" ] || return 0
	ST=07
	[ "$(rd32 "$(sub "$2" 48 4)")" -eq $(($5)) ] && ST=00
}
ck_attestation() {
	report_verdict "$V_pek_pubkey" "$V_report" "$V_mnonce" "$V_digest" "$V_policy"
	same "verdict ($ST)" "$ST" "$(sub "$V_status" 1 1)"
}

# ---- transcripts ------------------------------------------------------------------------------
# Command cases are read for what a host sees: buffers and the memory ranges named in them.
addr() { rev "$(sub "$1" "$2" 8)"; } # BUF OFFSET -> 16 hex digits of a u64 address
mem() { eval "printf '%s' \"\${V_$1_$2-}\""; } # in|out ADDR
tx_reset() {
	T_N=0 T_SENDS=0 T_RECVS=0
	rm -f "$tmp"/tx_*
}
tx_put() { printf '%s' "$2" >"$tmp/tx_$1"; } # NAME VALUE
tx_get() { cat "$tmp/tx_$1" 2>/dev/null; }
ck_platform() {
	[ -n "${V_seed-}" ] || why="no seed"
	same "index in order" "$((V_index))" "$T_N"
	T_N=$((T_N + 1))
}
ck_cmd() {
	_p=$((V_platform)) _c=$((V_command)) _st=$((V_status))
	same "buffer sizes" "${#V_buf_in}" "${#V_buf_out}"
	[ "$_st" -eq 0 ] || return 0
	case $_c in
	4) tx_put "api_$_p" "$(sub "$V_buf_out" 0 2)$(sub "$V_buf_out" 7 1)" ;;
	8)
		checked=1
		_pdh=$(mem out "$(addr "$V_buf_out" 0)") _ch=$(mem out "$(addr "$V_buf_out" 16)")
		tx_put "pdh_$_p" "$_pdh"
		tx_put "chain_$_p" "$_ch"
		# PEK || OCA || CEK (the CEK unsigned): OCA by itself, PEK by OCA and CEK, PDH by PEK
		for _l in "1 1" "0 1" "0 2" "pdh 0"; do
			# shellcheck disable=SC2086 # two words
			set -- $_l
			if [ "$1" = pdh ]; then _x=$_pdh; else _x=$(sub "$_ch" $(($1 * 2084)) 2084); fi
			signer_sev "$(sub "$(sub "$_ch" $(($2 * 2084)) 2084)" 8 156)"
			sev_validate "$_x"
			same "exported chain link $_l" "$ST" 00
		done
		;;
	48)
		if [ "$(addr "$V_buf_in" 8)" != 0000000000000000 ]; then
			tx_put godh "$(mem in "$(addr "$V_buf_in" 8)")"
			tx_put session "$(mem in "$(addr "$V_buf_in" 24)")"
		fi
		tx_put "policy_$_p" "$(sub "$V_buf_in" 4 4)"
		;;
	49 | 50)
		_a=$(addr "$V_buf_in" 8) _d=$(mem in "$_a")
		tx_put "page_${_p}_$_a" "$_d"
		printf '%s' "$_d" >>"$tmp/tx_ld_$_p"
		;;
	51) tx_put "measure_$_p" "$(mem out "$(addr "$V_buf_in" 8)")" ;;
	52)
		tx_put secret_hdr "$(mem in "$(addr "$V_buf_in" 8)")"
		tx_put secret_ct "$(mem in "$(addr "$V_buf_in" 40)")"
		;;
	54)
		tx_put report "$(mem out "$(addr "$V_buf_in" 8)")"
		tx_put report_mnonce "$(sub "$V_buf_in" 16 16)"
		;;
	64)
		tx_put send_pdh "$(mem in "$(addr "$V_buf_in" 8)")"
		tx_put send_plat "$(mem in "$(addr "$V_buf_in" 24)")"
		tx_put send_amd "$(mem in "$(addr "$V_buf_in" 40)")"
		tx_put send_session "$(mem out "$(addr "$V_buf_in" 56)")"
		tx_put send_policy "$(sub "$V_buf_out" 4 4)"
		;;
	65 | 66)
		T_SENDS=$((T_SENDS + 1))
		tx_put "send_${T_SENDS}" "$(addr "$V_buf_in" 24) $(mem out "$(addr "$V_buf_in" 8)") $(mem out "$(addr "$V_buf_in" 40)")"
		;;
	80)
		tx_put recv_pdh "$(mem in "$(addr "$V_buf_in" 8)")"
		tx_put recv_session "$(mem in "$(addr "$V_buf_in" 24)")"
		;;
	81 | 82)
		T_RECVS=$((T_RECVS + 1))
		tx_put "recv_${T_RECVS}" "$(addr "$V_buf_in" 24) $(mem in "$(addr "$V_buf_in" 8)") $(mem in "$(addr "$V_buf_in" 40)")"
		;;
	96) tx_put dbg "$(addr "$V_buf_in" 8) $(mem out "$(addr "$V_buf_in" 16)")" ;;
	esac
}
pdh_xy() { signer_sev "$(sub "$1" 8 156)"; } # -> SX SY
ck_launch_keys() {
	_pdh=$(tx_get pdh_0) _godh=$(tx_get godh) _s=$(tx_get session) _pol=$((0x$(rev "$(tx_get policy_0)")))
	pdh_xy "$_pdh"
	same "PDH key from pdh_priv" "$(ec_pub_of "$V_pdh_priv")" "$SX$SY"
	same "z (owner side)" "$(ecdh "$V_godh_priv" "$SX" "$SY")" "$V_z"
	pdh_xy "$_godh"
	same "z (firmware side)" "$(ecdh "$V_pdh_priv" "$SX" "$SY")" "$V_z"
	session_of "$V_z" "$(sub "$_s" 0 16)" "$(sub "$_s" 48 16)" "$V_tek" "$V_tik" "$_pol"
	same "LAUNCH_START session" "$BLOB" "$_s"
	_ld=$(sha256 "$(cat "$tmp/tx_ld_0")") _api=$(tx_get api_0) _m=$(tx_get measure_0)
	same "LAUNCH_MEASURE" "$(hmac "$V_tik" "04$_api$(le32 $_pol)$_ld$(sub "$_m" 32 16)")" "$(sub "$_m" 0 32)"
	_h=$(tx_get secret_hdr) _ct=$(tx_get secret_ct) _n=$((${#V_secret} / 2))
	same "LAUNCH_SECRET mac" "$(pkt_mac "$V_tik" 01 0 "$(sub "$_h" 4 16)" $_n $_n "$_ct" "$(sub "$_m" 0 32)")" \
		"$(sub "$_h" 20 32)"
	same "LAUNCH_SECRET plaintext" "$(ctr "$V_tek" "$(sub "$_h" 4 16)" "$_ct")" "$V_secret"
	report_verdict "$(sub "$(tx_get chain_0)" 8 156)" "$(tx_get report)" "$(tx_get report_mnonce)" "$_ld" "$_pol"
	same "ATTESTATION report" "$ST" 00
}
ck_migration_keys() {
	_spdh=$(tx_get pdh_0) _tpdh=$(tx_get pdh_1) _s=$(tx_get send_session) _pol=$((0x$(rev "$(tx_get send_policy)")))
	pdh_xy "$_tpdh"
	same "target PDH from its key" "$(ec_pub_of "$V_target_pdh_priv")" "$SX$SY"
	same "z (source side)" "$(ecdh "$V_source_pdh_priv" "$SX" "$SY")" "$V_z"
	pdh_xy "$_spdh"
	same "source PDH from its key" "$(ec_pub_of "$V_source_pdh_priv")" "$SX$SY"
	same "z (target side)" "$(ecdh "$V_target_pdh_priv" "$SX" "$SY")" "$V_z"
	same "SEND_START target PDH" "$(tx_get send_pdh)" "$_tpdh"
	same "RECEIVE_START source PDH" "$(tx_get recv_pdh)" "$_spdh"
	session_of "$V_z" "$(sub "$_s" 0 16)" "$(sub "$_s" 48 16)" "$V_tek" "$V_tik" "$_pol"
	same "SEND_START session" "$BLOB" "$_s"
	same "RECEIVE_START session" "$(tx_get recv_session)" "$_s"
	# policy SEV: the target chain ARK -> ASK -> CEK -> PEK -> PDH
	_amd=$(tx_get send_amd) _pl=$(tx_get send_plat)
	amd_fields "$_amd"
	_ask=$(sub "$_amd" 0 $((64 + AEXP / 8 + 2 * AMOD / 8)))
	_ark=$(sub "$_amd" $((${#_ask} / 2)) $((${#_amd} / 2 - ${#_ask} / 2)))
	amd_validate "$_ark" "" ""
	same "SEND_START ARK" "$ST" 00
	amd_validate "$_ask" "$_ark" ""
	same "SEND_START ASK" "$ST" 00
	signer_amd "$_ask"
	sev_validate "$(sub "$_pl" 4168 2084)"
	same "SEND_START CEK by the ASK" "$ST" 00
	signer_sev "$(sub "$(sub "$_pl" 4168 2084)" 8 156)"
	sev_validate "$(sub "$_pl" 0 2084)"
	same "SEND_START PEK by the CEK" "$ST" 00
	signer_sev "$(sub "$_pl" 8 156)"
	sev_validate "$_tpdh"
	same "SEND_START PDH by the PEK" "$ST" 00
	# every packet: MAC, plaintext = the page launched at that address, received unchanged
	_i=1
	while [ $_i -le "$T_SENDS" ]; do
		# shellcheck disable=SC2046 # address, header, ciphertext
		set -- $(tx_get "send_$_i")
		rx_verdict "$V_tik" "$2" "$3" $((${#3} / 2)) $((${#3} / 2))
		same "packet $_i MAC" "$ST" 00
		same "packet $_i plaintext" "$(ctr "$V_tek" "$(sub "$2" 4 16)" "$3")" "$(tx_get "page_0_$1")"
		same "packet $_i as received" "$(tx_get "recv_$_i")" "$1 $2 $3"
		_i=$((_i + 1))
	done
	same "packets sent and received" "$T_SENDS" "$T_RECVS"
	# the target's guest, read back through its key, holds the launched pages
	# shellcheck disable=SC2046 # address, plaintext
	set -- $(tx_get dbg)
	_a=$((0x$1)) _plain=
	while [ ${#_plain} -lt ${#2} ]; do
		_plain=$_plain$(tx_get "page_0_$(printf '%016x' $_a)")
		_a=$((_a + 4096))
	done
	same "DBG_DECRYPT on the target" "$_plain" "$2"
}
ck_transcript_keys() {
	case $id in
	launch) ck_launch_keys ;;
	migration) ck_migration_keys ;;
	*) why="no checks for transcript $id" ;;
	esac
}

# ---- reading ------------------------------------------------------------------------------------
VARS=''
flush() {
	[ -n "$kind" ] || return 0
	case $kind in
	kdf) ck_kdf ;;
	hmac) ck_hmac ;;
	sha256) ck_sha256 ;;
	session) ck_session ;;
	session-reject) ck_session_reject ;;
	ecdh) ck_ecdh ;;
	sev-point) ck_sev_point ;;
	measurement) ck_measurement ;;
	measurement-pre017) ck_measurement_pre017 ;;
	launch-secret | launch-secret-pre017) ck_launch_secret ;;
	launch-secret-reject) ck_launch_secret_reject ;;
	transport) ck_transport ;;
	transport-reject) ck_transport_reject ;;
	sev-cert) ck_sev_cert ;;
	sev-cert-dh) ck_sev_cert_dh ;;
	amd-ark) ck_amd_ark ;;
	amd-ask) ck_amd_ask ;;
	file) ck_file ;;
	attestation) ck_attestation ;;
	platform) ck_platform ;;
	cmd) ck_cmd ;;
	transcript-keys) ck_transcript_keys ;;
	*) why="unknown kind" ;;
	esac
	# a transcript's commands are reported when something in them was checked (or
	# failed); their contents are checked as a whole in the transcript-keys case
	case $kind in platform | cmd) [ -z "$why$checked" ] || report ;; *) report ;; esac
	checked=
	for _k in $VARS; do unset "V_$_k"; done
	VARS='' kind=''
}

for path in "$dir"/*.txt; do
	[ -e "$path" ] || continue
	file=${path##*/}
	tx_reset
	kind=
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in
		'' | '#'*) ;;
		'['*']')
			flush
			line=${line#[}
			line=${line%]}
			kind=${line%%:*} id=${line#*:}
			;;
		*' = '* | *' =')
			k=${line%% =*} v=${line#* =}
			v=${v# }
			while :; do case $k in *.*) k=${k%%.*}_${k#*.} ;; *) break ;; esac; done
			eval "V_$k=\$v"
			VARS="$VARS $k"
			;;
		*) kind=${kind:-?} id=${id:-?} why="malformed line: $line" ;;
		esac
	done <"$path"
	flush
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
