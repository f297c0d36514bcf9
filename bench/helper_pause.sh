#!/usr/bin/env bash
# bench/helper_pause.sh [RUNS]: how long kmod-helper stops the machine.
#
# In one guest boot (TCG, -smp $SMP, default 2), with 10, 100 and 1,000 extra sleeping
# kernel threads: the median pause_ns of RUNS (default 31) applies and undos
# of a one-function update, beside the median pause of an empty stop_machine
# and of a stop_machine that walks every task's stack with the reliable
# unwinder (what walking every stack inside the stopped window costs).
# The helper walks every stack before stopping the machine and, inside,
# only those of threads that ran since: its pause should not grow with the
# number of sleeping threads. Columns (medians, us): apply_us and undo_us are
# pause_ns (the whole stop_machine call, rendezvous included), apply_in_us is
# pause_inside_ns (the helper's work with every CPU held); empty_us is an
# empty stop_machine; unwind_us a stop_machine walking every stack,
# unwind_in_us the walk alone. Under TCG on a loaded host the rendezvous
# varies by milliseconds: compare the _in_ columns. Asserts nothing.
set -euo pipefail
SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${KSPLICE_BUILD:-$SRC_DIR/build}
TESTBED="$SRC_DIR/scripts/testbed"
RUNS=${1:-31}
SMP=${SMP:-2}
MODS="$BUILD/bench-kmod"

"$TESTBED" kmod --out "$MODS" "$SRC_DIR/kmod-helper" 2>/dev/null
KSPLICE_HELPER_INCLUDE="$SRC_DIR/kmod-helper" KBUILD_EXTRA_SYMBOLS="$MODS/kmod-helper/Module.symvers" \
	"$TESTBED" kmod --out "$MODS" "$SRC_DIR/test/modules/ksplice_target" \
	"$SRC_DIR/test/modules/ksplice_update_a" "$SRC_DIR/bench/modules/ksplice_bench" 2>/dev/null
[ -x "$BUILD/bin/ksplice-test-plan" ] || { echo "build the project first (build/bin/ksplice-test-plan)" >&2; exit 1; }

files=()
for f in "$MODS"/*.ko; do files+=(--file "$f"); done
"$TESTBED" run-guest --smp "$SMP" --timeout 900 "${files[@]}" -- sh -c '
runs=$1
median() { sort -n | awk "{ v[NR] = \$1 } END { print v[int((NR + 1) / 2)] }"; }
insmod kmod-helper.ko && insmod ksplice_target.ko && insmod ksplice_bench.ko || exit 1
ksplice-test-plan ksplice_update_a.ko /tmp/a.ko >/dev/null && insmod /tmp/a.ko || exit 1
st=/sys/kernel/ksplice/testa/stage
printf "%-9s %6s %9s %10s %9s %9s %10s %11s\n" sleepers tasks apply_us apply_in_us undo_us empty_us unwind_us unwind_in_us
for n in 10 100 1000; do
	echo "sleepers $n" >/proc/ksplice_bench || exit 1
	sleep 2
	: >/tmp/apply
	: >/tmp/apply_inside
	: >/tmp/undo
	: >/tmp/empty
	: >/tmp/unwind
	: >/tmp/inside
	i=0
	# Interleaved, so that noise from the host hits every column alike.
	while [ $i -lt $runs ]; do
		echo applied >$st || exit 1
		cat /sys/kernel/ksplice/testa/pause_ns >>/tmp/apply
		cat /sys/kernel/ksplice/testa/pause_inside_ns >>/tmp/apply_inside
		echo reversed >$st || exit 1
		cat /sys/kernel/ksplice/testa/pause_ns >>/tmp/undo
		echo "empty 1" >/proc/ksplice_bench && echo "unwind 1" >/proc/ksplice_bench || exit 1
		set -- $(cat /proc/ksplice_bench)
		echo $4 >>/tmp/empty
		echo $6 >>/tmp/unwind
		echo $8 >>/tmp/inside
		tasks=${10}
		i=$((i + 1))
	done
	printf "%-9s %6s %9s %10s %9s %9s %10s %11s\n" $n $tasks \
		$(($(median </tmp/apply) / 1000)) $(($(median </tmp/apply_inside) / 1000)) \
		$(($(median </tmp/undo) / 1000)) \
		$(($(median </tmp/empty) / 1000)) $(($(median </tmp/unwind) / 1000)) \
		$(($(median </tmp/inside) / 1000))
done' sh "$RUNS"
