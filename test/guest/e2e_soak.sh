# shellcheck shell=bash
# e2e.soak: bench/soak.sh with KSPLICE_SOAK_CYCLES (default 100) apply/undo
# cycles of the demo update while a reader of /proc/cmdline runs on every
# CPU of a -smp 2 guest: every cycle succeeds, every line read is the old or
# the new output, the new code was seen, and the kernel logs no Oops or WARN
# (run-guest's 254). The full 1,000 cycles: bench/soak.sh.
. "$(dirname "$0")/lib.sh"
CYCLES=${KSPLICE_SOAK_CYCLES:-100}
rc=0
out=$("$SRC_DIR/bench/soak.sh" "$CYCLES" 2>&1) || rc=$?
echo "$out" | tail -n 20
# The value of the summary row KEY.
row() {
	echo "$out" | awk -v k="$1" '$1 == k { print $2 }'
}
expect_eq "guest status" "$rc" 0
expect_eq "apply/undo cycles that succeeded" "$(row cycles)" "$CYCLES"
expect_eq "failed cycles" "$(row failures)" 0
expect_eq "reads neither old nor new" "$(row reads_other)" 0
[ "$(row reads)" -gt "$CYCLES" ] || fail "the readers hardly ran: $(row reads) reads"
[ "$(row reads_new)" -gt 0 ] || fail "no read saw the new code"
[ "$(row apply_pause)" != none ] || fail "no apply pause recorded"
