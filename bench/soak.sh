#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# bench/soak.sh [COUNT]: apply and undo the demo update COUNT times (default
# 1000) through ksplice-apply and ksplice-undo in one guest (TCG, -smp $SMP,
# default 2) while a reader of /proc/cmdline, the patched function's file,
# runs pinned on every CPU. Uses the build in $KSPLICE_BUILD (default build/).
#
# Prints one "KEY VALUE" row each:
#   cycles, failures  cycles whose apply and undo both succeeded, and those
#                     that did not (an apply or undo refused as code_busy, a
#                     reader inside the function, is retried up to 5 times:
#                     busy_retries counts those retries)
#   reads, reads_new, reads_other
#                     lines the readers got, how many were the new output,
#                     and how many were neither the old nor the new (must be 0)
#   apply_pause, undo_pause
#                     the helper's pause_ns of every apply and undo:
#                     min / median / max in us (and how many)
#   wall_s, loop_s    the whole run (boot and create included), the cycles
#   guest_status      run-guest's status: 254 if the kernel logged an Oops,
#                     BUG or WARNING, 253 if the guest timed out
# The figures assert nothing; test/guest/e2e_soak.sh (ctest e2e.soak, 100
# cycles) checks them.
#
# Full run, COUNT=1000 (2026-11-24, tools built from commit 3ead593; TCG, -smp 2, on a
# 2-core host shared with a fuzzer and two other agents' builds and guests):
#   cycles 1000, failures 0, busy_retries 0
#   reads 385,765: 29,426 new, 0 neither old nor new; no Oops/WARN (status 0)
#   apply pause 188 us / 18.0 ms / 607 ms (min / median / max)
#   undo pause  191 us / 15.7 ms / 637 ms
#   wall 5,273 s (cycle loop 5,254 s: 5.3 s a cycle under TCG; not profiled)
# The pauses are stop_machine's whole call, rendezvous included: under TCG on
# a loaded host a vCPU thread can wait hundreds of ms for the host to run it
# (bench/helper_pause.sh separates the helper's own work).
set -euo pipefail
SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../test/guest/lib.sh
. "$SRC_DIR/test/guest/lib.sh"
COUNT=${1:-1000}
SMP=${SMP:-2}
[[ "$COUNT" =~ ^[0-9]+$ ]] || { echo "usage: bench/soak.sh [COUNT]" >&2; exit 2; }
eval "$("$TESTBED" env)"
update=$(create_update demo-cmdline.patch soak)
# TCG: an apply/undo cycle took about 4 s on a busy 2-core host; room for twice that.
timeout=$((300 + COUNT * 8))
t0=$(date +%s)
rc=0
# One TCG thread: every apply and undo makes ftrace rewrite cmdline_proc_show's
# entry (kmod-helper's claim) while the readers run it, and multi-threaded TCG
# can keep a stale translation of it (README, run-guest --tcg-single).
out=$("$TESTBED" run-guest --smp "$SMP" --tcg-single --timeout "$timeout" --file "$update" -- sh -c '
count=$1
insmod /ksplice/kmod-helper.ko || exit 1
old=$(cat /proc/cmdline)
ncpu=$(grep -c ^processor /proc/cpuinfo)
cpu=0 readers=""
while [ $cpu -lt $ncpu ]; do
	taskset -c $cpu sh -c "while :; do cat /proc/cmdline; done" >/tmp/reads.$cpu &
	readers="$readers $!"
	cpu=$((cpu + 1))
done
pause() { sed -n "s/.*\"pause_ns\":\([0-9]*\).*/\1/p" /tmp/out; }
# One tool run, retried while the helper says code_busy (exit 7).
run() {
	tries=0
	while :; do
		"$@" >/tmp/out 2>&1 && return 0
		st=$?
		[ $st = 7 ] && [ $tries -lt 5 ] || { echo "failed: $* ($st): $(cat /tmp/out)"; return 1; }
		tries=$((tries + 1))
		busy=$((busy + 1))
	done
}
ok=0 failures=0 busy=0 i=0
: >/tmp/apply
: >/tmp/undo
t0=$(date +%s)
while [ $i -lt $count ]; do
	i=$((i + 1))
	run ksplice-apply --json ksplice-soak.tar.gz || { failures=$((failures + 1)); continue; }
	pause >>/tmp/apply
	run ksplice-undo --json soak || { failures=$((failures + 1)); ksplice-undo soak >/dev/null 2>&1; continue; }
	pause >>/tmp/undo
	ok=$((ok + 1))
done
loop=$(($(date +%s) - t0))
kill $readers
wait
cat /tmp/reads.* >/tmp/reads
echo "cycles $ok"
echo "failures $failures"
echo "busy_retries $busy"
echo "loop_s $loop"
echo "reads $(wc -l </tmp/reads)"
echo "new $(grep -c "^\[patched live by ksplice\] $old$" /tmp/reads)"
echo "other $(grep -vc -e "^$old$" -e "^\[patched live by ksplice\] $old$" /tmp/reads)"
echo "apply_pause_ns $(tr "\n" " " </tmp/apply)"
echo "undo_pause_ns $(tr "\n" " " </tmp/undo)"' sh "$COUNT" 2>&1) || rc=$?
wall=$(($(date +%s) - t0))
echo "$out" | grep -v '_pause_ns ' | grep -vE '^(cycles|failures|busy_retries|loop_s|reads|new|other) ' |
	tail -n 20 >&2
# min / median / max of the numbers on the output line KEY, in us.
stats() {
	line "$1" | tr ' ' '\n' | grep . | sort -n |
		awk '{ v[NR] = $1 } END { if (NR) printf "%.0f / %.0f / %.0f us (%d)\n", v[1] / 1000, v[int((NR + 1) / 2)] / 1000, v[NR] / 1000, NR; else print "none" }'
}
row() { printf '%-14s %s\n' "$1" "$2"; }
row count "$COUNT"
row smp "$SMP"
row cycles "$(line cycles)"
row failures "$(line failures)"
row busy_retries "$(line busy_retries)"
row reads "$(line reads)"
row reads_new "$(line new)"
row reads_other "$(line other)"
row apply_pause "$(stats apply_pause_ns)"
row undo_pause "$(stats undo_pause_ns)"
row wall_s "$wall"
row loop_s "$(line loop_s)"
row guest_status "$rc"
exit "$rc"
