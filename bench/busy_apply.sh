#!/usr/bin/env bash
# bench/busy_apply.sh [RUNS]: applying a fix to a function threads sleep in.
#
# The update replaces pipe_read (test/patches/pipe-read.patch). In one guest
# boot (TCG, -smp $SMP, default 2), with 10, 100 and 1,000 threads of
# ksplice-test-sleepers asleep in pipe_read, and for comparison with as many
# asleep in a futex wait (futex_wait_queue: not in the replaced code):
#   kick      ksplice-apply (default: the sleepers are kicked out of their
#             read, held at its exit, and restarted), then ksplice-undo (which
#             kicks them out of the new code);
#   no-kick   ksplice-apply --no-kick: with threads in pipe_read it cannot
#             apply and gives up after kmod-helper's tries (5 x 1 s by default);
#             with threads elsewhere it applies as always.
# Columns (medians of RUNS, default 3): the outcome, the whole ksplice-apply
# (or -undo) in ms as the guest's clock sees it (/proc/uptime: 10 ms steps),
# the machine's pause (pause_ns) in us, threads kicked, and how long they were
# held (held_ns) in ms. After every size the sleepers complete their waits
# and check each as without patching: "calls ok" must say yes.
# Under TCG, wall times are many times a real machine's. Asserts nothing.
set -euo pipefail
SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${KSPLICE_BUILD:-$SRC_DIR/build}
TESTBED="$SRC_DIR/scripts/testbed"
RUNS=${1:-3}
SMP=${SMP:-2}
[ -x "$BUILD/bin/ksplice-create" ] || { echo "build the project first" >&2; exit 1; }
eval "$("$TESTBED" env)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$BUILD/bin/ksplice-create" --patch="$SRC_DIR/test/patches/pipe-read.patch" --id benchbusy \
	-o "$tmp" "$KSPLICE_SRC" >/dev/null

"$TESTBED" run-guest --smp "$SMP" --mem 2048 --timeout 1800 --file "$tmp/ksplice-benchbusy.tar.gz" \
	-- sh -c '
runs=$1
ulimit -n 16384
insmod /ksplice/kmod-helper.ko || exit 1
median() { sort -n | awk "{ v[NR] = \$1 } END { print v[int((NR + 1) / 2)] }"; }
now_ms() { awk "{ printf \"%d\", \$1 * 1000 }" /proc/uptime; }
field() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" "$2"; }
# one apply or undo: appends "ms pause_us kicked held_ms exit" to $1
measure() {
	out=$1
	shift
	t0=$(now_ms)
	"$@" --json >/tmp/j 2>/dev/null
	rc=$?
	t1=$(now_ms)
	p=$(field pause_ns /tmp/j); k=$(field kicked /tmp/j); h=$(field held_ns /tmp/j)
	echo "$((t1 - t0)) $((${p:-0} / 1000)) ${k:-0} $((${h:-0} / 1000000)) $rc" >>"$out"
}
col() { awk "{ print \$$2 }" "$1" | median; }
row() {
	printf "%-8s %-11s %-14s %-8s %8s %9s %7s %8s %s\n" "$1" "$2" "$3" "exit $(col "$4" 5)" \
		"$(col "$4" 1)" "$(col "$4" 2)" "$(col "$4" 3)" "$(col "$4" 4)" "$5"
}
printf "%-8s %-11s %-14s %-8s %8s %9s %7s %8s %s\n" sleepers in action outcome ms pause_us kicked held_ms "calls ok"
for n in 10 100 1000; do
	for where in pipe_read futex_wait; do
		rm -f /tmp/s.out /tmp/kick /tmp/undo /tmp/nokick
		# Held by time, not by a line on stdin: the main thread of the tool must
		# not sit in pipe_read itself. SIGTERM ends the hold early.
		ksplice-test-sleepers --only $where --copies $n --hold-ms 3600000 >/tmp/s.out 2>&1 &
		pid=$!
		[ $where = pipe_read ] && wchan=pipe_read || wchan=futex_wait_queue
		i=0
		# wchan has no newline: one echo per thread
		until [ "$(for t in /proc/$pid/task/*; do cat $t/wchan; echo; done 2>/dev/null | grep -cx $wchan)" -ge $n ] ||
			[ $i -ge 600 ]; do
			sleep 0.1; i=$((i + 1))
		done
		[ $i -lt 600 ] || { echo "not parked: $(cat /tmp/s.out)"; exit 1; }
		r=0
		while [ $r -lt $runs ]; do
			measure /tmp/kick ksplice-apply ksplice-benchbusy.tar.gz
			measure /tmp/undo ksplice-undo benchbusy
			measure /tmp/nokick ksplice-apply --no-kick ksplice-benchbusy.tar.gz
			lsmod | grep -q "^ksplice_benchbusy" && ksplice-undo benchbusy >/dev/null
			r=$((r + 1))
		done
		kill -TERM $pid	# the waits complete and are checked
		wait $pid; src=$?
		[ $src = 0 ] && ok=yes || ok="no (exit $src)"
		row $n $where "apply (kick)" /tmp/kick "$ok"
		row $n $where "undo (kick)" /tmp/undo ""
		row $n $where "apply no-kick" /tmp/nokick ""
	done
done' sh "$RUNS"
