#!/usr/bin/env bash
# bench/jump_cost.sh [ROUNDS] [CALLS]: what a live-patched function costs per
# call beside the same function unpatched, in one guest boot.
#
# The update (test/patches/bench-cmdline-same.patch) replaces /proc/cmdline's
# show function with the same code plus one nop. In the guest, ROUNDS
# (default 21) times: CALLS (default 20000) preads of /proc/cmdline
# unpatched, ksplice-apply, CALLS preads patched, ksplice-undo. Interleaved,
# so that host noise hits both alike. Prints the median and the spread
# (lowest and highest round) of ns per call for each, and the median of the
# per-round differences. Under TCG every instruction is emulated, so the
# absolute figures are far above real hardware's; the difference is what the
# jump (and the nop) add. Asserts nothing.
set -euo pipefail
SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${KSPLICE_BUILD:-$SRC_DIR/build}
ROUNDS=${1:-21}
CALLS=${2:-20000}
[ -x "$BUILD/bin/ksplice-test-pread" ] || { echo "build the project first" >&2; exit 1; }
eval "$("$SRC_DIR/scripts/testbed" env)"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
"$BUILD/bin/ksplice-create" --patch="$SRC_DIR/test/patches/bench-cmdline-same.patch" \
	--id jumpcost -o "$OUT" "$KSPLICE_SRC" >/dev/null
"$SRC_DIR/scripts/testbed" run-guest --timeout 1800 --file "$OUT/ksplice-jumpcost.tar.gz" -- sh -c '
rounds=$1 calls=$2
median() { sort -n | awk "{ v[NR] = \$1 } END { print v[int((NR + 1) / 2)] }"; }
ksplice-apply --helper /ksplice/kmod-helper.ko ksplice-jumpcost.tar.gz >/dev/null 2>&1 || exit 1
ksplice-undo jumpcost >/dev/null || exit 1
expected=$(cat /proc/cmdline)
ksplice-test-pread /proc/cmdline 2000 >/dev/null
: >/tmp/plain; : >/tmp/patched; : >/tmp/diff
i=0
while [ $i -lt $rounds ]; do
	a=$(ksplice-test-pread /proc/cmdline $calls) || exit 1
	ksplice-apply --helper /ksplice/kmod-helper.ko ksplice-jumpcost.tar.gz >/dev/null 2>&1 || exit 1
	[ "$(cat /proc/cmdline)" = "$expected" ] || { echo "patched output differs"; exit 1; }
	b=$(ksplice-test-pread /proc/cmdline $calls) || exit 1
	ksplice-undo jumpcost >/dev/null || exit 1
	echo $a >>/tmp/plain; echo $b >>/tmp/patched; echo $((b - a)) >>/tmp/diff
	i=$((i + 1))
done
printf "%-13s %8s %8s %8s  (ns per pread of /proc/cmdline, %s rounds of %s calls)\n" "" median lowest highest $rounds $calls
for k in plain patched; do
	printf "%-13s %8s %8s %8s\n" $k $(median </tmp/$k) $(sort -n /tmp/$k | head -1) $(sort -n /tmp/$k | tail -1)
done
printf "%-13s %8s %8s %8s\n" "patched-plain" $(median </tmp/diff) $(sort -n /tmp/diff | head -1) $(sort -n /tmp/diff | tail -1)
' sh "$ROUNDS" "$CALLS"
