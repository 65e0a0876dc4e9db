#!/bin/sh
# Deterministic mode through the CLI: the same seeds in two directories give the same
# state directories (lock files aside: they hold a pid), certificate exports, launch
# (measurement, secret packet, guest memory, attestation report) and migration; other
# seeds give other bytes, and runs without a seed differ from each other.
set -eu
S=$SWSEV
fail() { echo "FAIL: $*"; exit 1; }

dd if=/dev/zero bs=4096 count=3 2>/dev/null | tr '\0' 'G' >image.bin
printf 'a 32-byte secret for the guest!!' >secret.txt

# run DIR PLATFORM_SEED OWNER_SEED MIGRATE_SEED (empty seeds: OS randomness)
run() {
	d=$PWD/$1
	mkdir -p "$d/owner"
	sp=${2:+--seed $2} so=${3:+--seed $3} sm=${4:+--seed $4}
	# shellcheck disable=SC2086 # the optional --seed words
	$S platform --backend "emu:$d/plat?root=$d/root" $sp -q export "$d/export" >/dev/null
	cp secret.txt "$d/owner/secret.txt"
	# shellcheck disable=SC2086
	$S owner session --pdh "$d/export/pdh.cert" --policy 0 --dir "$d/owner" $so -q >/dev/null
	cat >"$d/hook.sh" <<HOOK
set -eu
$S owner verify-measurement --dir "$d/owner" --measure "\$SWSEV_MEASURE_FILE" --policy 0 \
	--api "\$SWSEV_API" --build "\$SWSEV_BUILD" --image image.bin -q >/dev/null
$S owner package-secret --dir "$d/owner" --out "\$SWSEV_SECRET_FILE" \
	--header-out "\$SWSEV_SECRET_HEADER_FILE" $so -q >/dev/null
HOOK
	# the platform was created by the export above; its seed is in its state directory
	$S guest launch --backend "emu:$d/plat?root=$d/root" --godh "$d/owner/godh.cert" \
		--session "$d/owner/launch_blob.bin" --policy 0 --image image.bin \
		--measure-out "$d/measure.bin" --on-measure "sh $d/hook.sh" \
		--secret-header "$d/secret-hdr.bin" --secret "$d/secret.bin" --secret-gpa 0x2000 \
		--dump-memory "$d/memory.bin" --attestation-out "$d/report.bin" \
		--attestation-mnonce 00112233445566778899aabbccddeeff -q >"$d/launch.out" ||
		fail "launch in $1"
	# shellcheck disable=SC2086
	$S migrate local --backend "emu:$d/src?root=$d/root${4:+&seed=${4}01}" \
		--backend2 "emu:$d/dst?root=$d/root${4:+&seed=${4}02}" $sm --guest-size 64K \
		--vcpus 1 --policy 24 --dirty-rate 0 -q >"$d/migrate.all" || fail "migration in $1"
	# timings aside, the report is a function of the bytes moved
	grep -v -e '_ms=' -e '_mib_s=' "$d/migrate.all" >"$d/migrate.out"
	rm -f "$d/migrate.all"
	grep -q '^verified=yes$' "$d/migrate.out" || fail "the migration in $1 did not verify"
}

# Every file of a's tree but lock files is in b's, byte for byte, and the reverse.
same_tree() {
	(cd "$1" && find . -type f ! -name lock ! -name hook.sh | sort) >"$1.list"
	(cd "$2" && find . -type f ! -name lock ! -name hook.sh | sort) >"$2.list"
	cmp -s "$1.list" "$2.list" || fail "$1 and $2 hold other files"
	[ -s "$1.list" ] || fail "nothing in $1"
	n=0
	while IFS= read -r f; do
		cmp -s "$1/$f" "$2/$f" || fail "$f differs between $1 and $2"
		n=$((n + 1))
	done <"$1.list"
	echo "$n files identical in $1 and $2"
	[ "$n" -ge 20 ] || fail "only $n files compared"
}

# These differ between a and b.
differ() {
	for f in plat/identity plat/spi root/root export/pdh.cert export/cek.cert owner/godh.cert \
		measure.bin secret-hdr.bin report.bin src/identity src/spi dst/identity; do
		{ [ -s "$1/$f" ] && [ -s "$2/$f" ]; } || fail "$f is missing in $1 or $2"
		cmp -s "$1/$f" "$2/$f" && fail "$f is the same in $1 and $2"
	done
	echo "$1 and $2 differ"
}

run a 5eed01 0a 5eed20
run b 5eed01 0a 5eed20
same_tree a b
cmp -s a/memory.bin b/memory.bin || fail "guest memory differs"
dd if=a/memory.bin of=got.bin bs=16 skip=$((0x2000 / 16)) count=2 2>/dev/null
cmp -s got.bin secret.txt || fail "the secret is not in the guest"

# The state directory records the seed: never taken for a real identity.
$S platform --backend "emu:$PWD/a/plat" info | grep -q '^seeded=yes$' || fail "seed mode not recorded"
$S platform --backend "emu:$PWD/a/plat" --seed 5eed99 info >/dev/null 2>&1 &&
	fail "a platform opened under another seed"

run c 5eed02 0b 5eed21
differ a c
run d "" "" ""
run e "" "" ""
differ d e
$S platform --backend "emu:$PWD/d/plat" info | grep -q '^seeded=no$' || fail "OS mode not recorded"
echo ok
