#!/bin/sh
# swsev migrate: in one process, and between two processes over a Unix socket and TCP
# loopback; the guests compared by digest; a mismatched target refuses with its reason.
set -eu
S=$SWSEV
fail() { echo "FAIL: $*"; exit 1; }
val() { sed -n "s/^$1=//p" "$2"; }

# local, SEV-ES with shared pages and a dirtying guest, verified page by page.
$S migrate local --guest-mib 8 --vcpus 2 --dirty-rate 3000 --shared 0.1 -q >local.out
grep -qx 'result=ok' local.out && grep -qx 'verified=yes' local.out || fail "local migration"
[ "$(val vmsas local.out)" = 2 ] || fail "VMSAs not migrated"
[ "$(val rounds local.out)" -ge 2 ] || fail "no pre-copy round"

# two processes over a Unix socket
receive() { # ADDR OUT [extra args]
	addr=$1 out=$2
	shift 2
	$S migrate receive --backend "emu:$PWD/dst" --listen "$addr" --timeout 60 -q "$@" >"$out" &
	i=0
	while ! grep -q '^listening=' "$out" 2>/dev/null; do
		i=$((i + 1)); [ $i -lt 600 ] || fail "receiver did not listen"; sleep 0.1
	done
}
receive "unix:$PWD/m.sock" r1.out --guest-mib 4
$S migrate send --backend "emu:$PWD/src" --to "unix:$PWD/m.sock" --guest-mib 4 --dirty-rate 1000 -q >s1.out
wait
[ -n "$(val guest_digest s1.out)" ] && [ "$(val guest_digest s1.out)" = "$(val guest_digest r1.out)" ] ||
	fail "unix: digests differ"

# TCP loopback, port chosen by the receiver; bandwidth-limited and small chunks.
receive 127.0.0.1:0 r2.out --guest-mib 2 --vcpus 1
addr=$(val listening r2.out)
$S migrate send --backend "emu:$PWD/src" --to "$addr" --guest-mib 2 --vcpus 1 --bandwidth 8M --chunk 16K \
	--dirty-rate 0 -q >s2.out
wait
[ "$(val guest_digest s2.out)" = "$(val guest_digest r2.out)" ] || fail "tcp: digests differ"
ms=$(val total_ms s2.out)
# 2 MiB at 8 MiB/s: at least ~250 ms
[ "${ms%.*}" -ge 200 ] || fail "bandwidth limit not applied ($ms ms)"

# A target of another shape refuses; the source names the target's reason and exits 1.
receive "unix:$PWD/m2.sock" r3.out --guest-mib 2
if $S migrate send --backend "emu:$PWD/src" --to "unix:$PWD/m2.sock" --guest-mib 4 -q 2>s3.err; then
	fail "mismatched migration succeeded"
fi
wait || true
grep -q 'the target gave up' s3.err || fail "target's reason not shown: $(cat s3.err)"

# Usage errors exit 2.
set +e
$S migrate 2>/dev/null; [ $? -eq 2 ] || fail "no mode"
$S migrate send --guest-mib 4 2>/dev/null; [ $? -eq 2 ] || fail "send without --to"
$S migrate local --chunk 1 2>/dev/null; [ $? -eq 2 ] || fail "bad --chunk"
$S migrate local --backend emu:x 2>/dev/null; [ $? -eq 2 ] || fail "--backend without --backend2"
set -e
echo ok
