#!/bin/sh
# The owner and guest commands' CLI conventions: --help exits 0 on stdout, usage errors
# exit 2 with a hint on stderr, errors exit 1.
set -eu
S=$SWSEV
fail() { echo "FAIL: $*"; exit 1; }
code() { rc=0; "$@" >out.txt 2>err.txt || rc=$?; echo $rc; }

for c in session measure verify-measurement package-secret verify-chain verify-report oca-keygen sign-pek-csr; do
	[ "$(code $S owner $c --help)" -eq 0 ] || fail "owner $c --help"
	grep -q "^usage: swsev owner $c" out.txt || fail "owner $c --help text"
	[ "$(code $S owner $c --no-such-option)" -eq 2 ] || fail "owner $c: bad option"
done
[ "$(code $S owner --help)" -eq 0 ] && grep -q 'verify-measurement' out.txt || fail "owner --help"
[ "$(code $S owner)" -eq 2 ] || fail "owner without a command"
[ "$(code $S owner frobnicate)" -eq 2 ] && grep -q 'not an owner command' err.txt || fail "unknown owner command"
[ "$(code $S guest launch --help)" -eq 0 ] && grep -q -- '--secret-gpa' out.txt || fail "guest launch --help"
[ "$(code $S guest frobnicate)" -eq 2 ] || fail "unknown guest command"

# Usage errors name what is missing.
[ "$(code $S owner session)" -eq 2 ] && grep -q -- '--policy' err.txt || fail "session without --policy"
[ "$(code $S owner session --policy xyz)" -eq 2 ] || fail "session with a bad policy"
[ "$(code $S owner verify-measurement --measure m)" -eq 2 ] || fail "verify-measurement incomplete"
[ "$(code $S owner measure)" -eq 2 ] && grep -q -- '--image' err.txt || fail "measure without input"
[ "$(code $S owner measure --digest 00 )" -eq 2 ] || fail "measure with a short digest"
[ "$(code $S owner package-secret --iv 00)" -eq 2 ] || fail "package-secret with a short IV"
[ "$(code $S owner oca-keygen)" -eq 2 ] || fail "oca-keygen without --key"
[ "$(code $S guest launch --policy 0 --image x --measure-out m --godh g)" -eq 2 ] || fail "--godh alone"

# Plain errors exit 1 and name the file.
[ "$(code $S owner session --policy 0 --pdh nonexistent.cert)" -eq 1 ] &&
	grep -q 'nonexistent.cert' err.txt || fail "missing PDH"
[ "$(code $S owner verify-chain nowhere)" -eq 1 ] || fail "missing folder"
[ "$(code $S guest launch --policy 0 --image missing.bin --measure-out m)" -eq 1 ] &&
	grep -q 'missing.bin' err.txt || fail "missing image"
echo ok
