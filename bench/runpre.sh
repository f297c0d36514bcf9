#!/usr/bin/env bash
# bench/runpre.sh [RUNS]: how long run-pre matching takes.
#
# Builds kernel/sched/core.o and the runpre.live set of objects (kernel/sys,
# fork, sched/core, mm/slub, lib/string, every built-in fs/proc object) as
# ksplice-create builds them, then times ksplice-runpre -v ("matching took")
# for sched/core alone and for the whole set:
#  - on this machine against the vmlinux file and the nokaslr kallsyms dump
#    (median of RUNS, default 5);
#  - in the guest against /proc/kcore (TCG emulation: slower than hardware).
# Prints figures; asserts nothing.
set -euo pipefail
SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${KSPLICE_BUILD:-$SRC_DIR/build}
RUNS=${1:-5}
TOOL=$BUILD/bin/ksplice-runpre
[ -x "$TOOL" ] || { echo "build the project first ($TOOL)" >&2; exit 1; }
TESTBED="$SRC_DIR/scripts/testbed"
TEST_TMP=$(mktemp -d)
trap 'rm -rf "$TEST_TMP"' EXIT
fail() { echo "bench: $*" >&2; exit 1; }
eval "$("$TESTBED" env)"
[ -f "$KSPLICE_KALLSYMS" ] || "$TESTBED" kallsyms
. "$SRC_DIR/test/guest/pre_objects.sh"

mapfile -t proc < <(builtin_objects_of fs/proc)
build_pre_objects "$TEST_TMP/pre" "" kernel/sys.o kernel/fork.o kernel/sched/core.o mm/slub.o \
	lib/string.o "${proc[@]}"
bash "$KSPLICE_SRC/scripts/extract-vmlinux" "$KSPLICE_VMLINUZ" >"$TEST_TMP/vmlinux"

median_ms() { # CMD... -> median "matching took" over RUNS runs
	local i
	for ((i = 0; i < RUNS; i++)); do
		"$@" -v >/dev/null 2>"$TEST_TMP/err" || true
		sed -n 's/.*matching took \([0-9.]*\) ms/\1/p' "$TEST_TMP/err"
	done | sort -n | sed -n "$(((RUNS + 1) / 2))p"
}
offline=("$TOOL" --vmlinux "$TEST_TMP/vmlinux" --map "$KSPLICE_KALLSYMS")
echo "offline (vmlinux file, this machine), median of $RUNS:"
echo "  kernel/sched/core.o: $(median_ms "${offline[@]}" "$TEST_TMP/pre/kernel_sched_core.o") ms" \
	"($("${offline[@]}" "$TEST_TMP/pre/kernel_sched_core.o" | tail -1))"
echo "  all $(find "$TEST_TMP/pre" -name '*.o' | wc -l) objects: $(median_ms "${offline[@]}" "$TEST_TMP"/pre/*.o) ms"
echo "  whole command, sched/core (kallsyms loading included):"
/usr/bin/time -f "    %e s wall, %M KB peak RSS" "${offline[@]}" "$TEST_TMP/pre/kernel_sched_core.o" >/dev/null
echo "live (/proc/kcore in the TCG guest, KASLR on):"
"$TESTBED" run-guest --file "$TEST_TMP/pre" -- sh -c '
	for i in 1 2 3; do ksplice-runpre -v pre/kernel_sched_core.o 2>&1 >/dev/null | sed "s/^/  kernel\/sched\/core.o: /"; done
	for i in 1 2 3; do ksplice-runpre -v pre/*.o 2>&1 >/dev/null | sed "s/^/  all objects: /"; done'
