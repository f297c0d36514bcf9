#!/usr/bin/env bash
# bench/create.sh [RUNS]: wall time of ksplice-create for a one-file,
# one-function patch (test/patches/demo-cmdline.patch), cold (page cache
# dropped first) and warm (median of RUNS, default 3), beside an estimate of
# what `make` of the whole vmlinux takes on this machine.
#
# The estimate: the runpre.live set of objects (kernel/sys, fork, sched/core,
# mm/slub, lib/string and every built-in fs/proc object) is built with -j2
# exactly as a kernel build would compile them, and that time is scaled by
# the ratio of the shipped vmlinux's .text size to the sum of those
# objects' .text sizes. It leaves out linking vmlinux and all loadable
# modules, so the real full build is longer still. Prints figures; asserts
# nothing. Needs root for the cold run (drop_caches); skips it otherwise.
set -euo pipefail
SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${KSPLICE_BUILD:-$SRC_DIR/build}
RUNS=${1:-3}
CREATE=$BUILD/bin/ksplice-create
[ -x "$CREATE" ] || { echo "build the project first ($CREATE)" >&2; exit 1; }
TESTBED="$SRC_DIR/scripts/testbed"
TEST_TMP=$(mktemp -d)
trap 'rm -rf "$TEST_TMP"' EXIT
fail() { echo "bench: $*" >&2; exit 1; }
eval "$("$TESTBED" env)"
. "$SRC_DIR/test/guest/pre_objects.sh"

create_once() {
	local t0 t1
	t0=$(date +%s.%N)
	"$CREATE" --patch="$SRC_DIR/test/patches/demo-cmdline.patch" --id bench001 \
		-o "$TEST_TMP" -j2 "$KSPLICE_SRC" >/dev/null
	t1=$(date +%s.%N)
	rm -f "$TEST_TMP/ksplice-bench001.tar.gz"
	echo "$t1 - $t0" | bc
}

if [ "$(id -u)" = 0 ]; then
	sync
	echo 3 >/proc/sys/vm/drop_caches
	echo "ksplice-create, cold (page cache dropped): $(create_once) s"
else
	echo "ksplice-create, cold: skipped (dropping the page cache needs root)"
fi
for ((i = 0; i < RUNS; i++)); do create_once; done | sort -n >"$TEST_TMP/warm"
echo "ksplice-create, warm (median of $RUNS): $(sed -n "$(((RUNS + 1) / 2))p" "$TEST_TMP/warm") s"

mapfile -t proc < <(builtin_objects_of fs/proc)
objs=(kernel/sys.o kernel/fork.o kernel/sched/core.o mm/slub.o lib/string.o "${proc[@]}")
t0=$(date +%s.%N)
build_pre_objects "$TEST_TMP/objs" "" "${objs[@]}"
t1=$(date +%s.%N)
part=$(echo "$t1 - $t0" | bc)
part_text=0
for o in "$TEST_TMP"/objs/*.o; do
	size=$(size -A "$o" | awk '$1 ~ /^\.text/ {s += $2} END {print s + 0}')
	part_text=$((part_text + size))
done
bash "$KSPLICE_SRC/scripts/extract-vmlinux" "$KSPLICE_VMLINUZ" >"$TEST_TMP/vmlinux"
full_text=$(size -A "$TEST_TMP/vmlinux" | awk '$1 == ".text" {print $2}')
echo "make -j2 of ${#objs[@]} objects (${part_text} bytes of .text): ${part} s"
echo "vmlinux .text: ${full_text} bytes; estimated make -j2 of vmlinux's objects:" \
	"$(echo "$part * $full_text / $part_text / 60" | bc) min (linking and modules not counted)"
