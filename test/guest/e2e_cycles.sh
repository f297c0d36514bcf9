# shellcheck shell=bash
# e2e.cycles: 50 apply/undo cycles of the demo update through ksplice-apply
# and ksplice-undo while a reader of /proc/cmdline runs on every CPU: every
# line read is the old or the new output, never anything else, and the
# kernel logs no Oops or WARN (run-guest fails on those).
. "$(dirname "$0")/lib.sh"
eval "$("$TESTBED" env)"
CYCLES=${KSPLICE_CYCLES:-50}
create_update demo-cmdline.patch e2ecycle >/dev/null
# One TCG thread, as bench/soak.sh (README, run-guest --tcg-single).
out=$("$TESTBED" run-guest --smp 2 --tcg-single --timeout 900 --file "$TEST_TMP/ksplice-e2ecycle.tar.gz" -- sh -c '
	insmod /ksplice/kmod-helper.ko
	old=$(cat /proc/cmdline)
	for cpu in 0 1; do
		taskset -c $cpu sh -c "while :; do cat /proc/cmdline; done" >/tmp/reads.$cpu &
	done
	ok=0
	i=0
	while [ $i -lt '"$CYCLES"' ]; do
		ksplice-apply ksplice-e2ecycle.tar.gz >/dev/null && ksplice-undo e2ecycle >/dev/null &&
			ok=$((ok + 1))
		i=$((i + 1))
	done
	kill %1 %2; wait
	echo "cycles $ok"
	cat /tmp/reads.0 /tmp/reads.1 >/tmp/reads
	echo "reads $(wc -l </tmp/reads)"
	echo "new $(grep -c "^\[patched live by ksplice\] $old$" /tmp/reads)"
	echo "other $(grep -vc -e "^$old$" -e "^\[patched live by ksplice\] $old$" /tmp/reads)"' 2>&1)
echo "$out" | tail -5
expect_eq "apply/undo cycles that succeeded" "$(line cycles)" "$CYCLES"
[ "$(line reads)" -gt 100 ] || fail "the readers hardly ran: $(line reads) reads"
[ "$(line new)" -gt 0 ] || fail "no read saw the new code"
expect_eq "reads neither old nor new" "$(line other)" 0
