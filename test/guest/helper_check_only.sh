# helper.check_only: an entry flagged KSPLICE_PATCH_CHECK_ONLY adds its code
# to the stack check without a jump (the cold part of a replaced function):
# a thread asleep there blocks update C, which lists it, but not update A,
# which does not; C never writes to that code.
. "$(dirname "$0")/helper_lib.sh"
build_helper_modules ksplice_target ksplice_update_a ksplice_update_c
guest_must_pass -- '
load_helper
echo N >/sys/module/kmod_helper/parameters/kick
echo 2 >/sys/module/kmod_helper/parameters/tries
echo 200 >/sys/module/kmod_helper/parameters/retry_ms
load_update a
load_update c
other=$(sym_addr ksplice_target_other)
other_before=$(ksplice-kcore-read $other 32)
expect "functions of C" "$(wc -l <$KS/testc/functions)" 2
echo 6000 >/sys/module/ksplice_target/parameters/delay_ms
cat /proc/ksplice_target_other >/tmp/slow &
pid=$!
sleep 1
echo 0 >/sys/module/ksplice_target/parameters/delay_ms
set_stage testa applied || fail "A refused although the thread is outside its code: $(cause testa)"
set_stage testa reversed || fail "undo A: $(cause testa)"
set_stage testc applied && fail "C applied while pid $pid sleeps in checked code"
expect "C" "$(cause testc)" threads_stuck
grep -q "^$pid cat ksplice_target_other+0x" $KS/testc/conflicts || fail "pid $pid not in conflicts: $(cat $KS/testc/conflicts)"
echo "ok: conflicts name pid $pid in ksplice_target_other"
wait $pid
set_stage testc applied || fail "apply C after the thread left: $(cause testc): $(cat $KS/testc/abort_detail)"
expect "value with C" "$(value)" 2
expect "other with C" "$(cat /proc/ksplice_target_other)" 7
expect "checked code untouched" "$(ksplice-kcore-read $other 32)" "$other_before"
set_stage testc reversed || fail "undo C: $(cause testc)"
expect "value after undo" "$(value)" 1
expect "checked code untouched after undo" "$(ksplice-kcore-read $other 32)" "$other_before"
echo PASS'
