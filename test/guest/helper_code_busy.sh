# helper.code_busy: a thread sleeping inside the function to replace on
# every try makes apply fail with threads_stuck (retrying cannot help), its
# pid in conflicts with why it was not moved, nothing written; once it has
# left, apply succeeds. Once with the reliable unwinder, once with the
# conservative stack scan alone. The sleeper is busybox cat, which reads
# with sendfile: a call not on the kick's list (a kick could disturb it),
# so it is not kicked although kicks are on. (Kicks: e2e.sleepers.)
. "$(dirname "$0")/helper_lib.sh"
build_helper_modules ksplice_target ksplice_update_a
guest_must_pass -- '
load_helper
echo 3 >/sys/module/kmod_helper/parameters/tries
echo 200 >/sys/module/kmod_helper/parameters/retry_ms
load_update a
before=$(target_bytes)
for scan in N Y; do
	echo $scan >/sys/module/kmod_helper/parameters/conservative_only
	echo 6000 >/sys/module/ksplice_target/parameters/delay_ms
	cat /proc/ksplice_target >/tmp/slow &
	pid=$!
	sleep 1
	echo 0 >/sys/module/ksplice_target/parameters/delay_ms
	stage=$(cat $KS/testa/stage)
	set_stage testa applied && fail "applied while pid $pid sleeps in $TARGET"
	expect "abort_cause ($scan)" "$(cause testa)" threads_stuck
	expect "stage unchanged ($scan)" "$(cat $KS/testa/stage)" $stage
	grep -q "^$pid cat $TARGET+0x.* (in system call [0-9]*, which a kick could disturb: not kicked)$" $KS/testa/conflicts ||
		fail "pid $pid not in conflicts: $(cat $KS/testa/conflicts)"
	echo "ok: conflicts name pid $pid in $TARGET"
	grep -q "on each of 3 tries: retrying cannot help" $KS/testa/abort_detail || fail "abort_detail: $(cat $KS/testa/abort_detail)"
	expect "bytes after code_busy ($scan)" "$(target_bytes)" "$before"
	expect "value while busy ($scan)" "$(value)" 1
	wait $pid
	expect "the sleeping call returned" "$(cat /tmp/slow)" 1
	set_stage testa applied || fail "apply after the thread left: $(cause testa) $(cat $KS/testa/conflicts)"
	expect "value applied ($scan)" "$(value)" 2
	[ -z "$(cat $KS/testa/conflicts)" ] || fail "conflicts left: $(cat $KS/testa/conflicts)"

	applied=$(target_bytes)
	echo 6000 >/sys/module/ksplice_update_a/parameters/delay_ms
	cat /proc/ksplice_target >/tmp/slow &
	pid=$!
	sleep 1
	echo 0 >/sys/module/ksplice_update_a/parameters/delay_ms
	set_stage testa reversed && fail "undone while pid $pid sleeps in the new code"
	expect "undo: abort_cause ($scan)" "$(cause testa)" threads_stuck
	expect "undo: stage ($scan)" "$(cat $KS/testa/stage)" applied
	grep -q "^$pid cat ksplice_target_value_a+0x.* (in system call [0-9]*, which a kick could disturb: not kicked)$" $KS/testa/conflicts || fail "pid $pid not in conflicts: $(cat $KS/testa/conflicts)"
	echo "ok: conflicts name pid $pid in the new code"
	expect "undo: bytes ($scan)" "$(target_bytes)" "$applied"
	wait $pid
	expect "the call in the new code returned" "$(cat /tmp/slow)" 2
	set_stage testa reversed || fail "undo after the thread left: $(cause testa)"
	expect "value reversed ($scan)" "$(value)" 1
done
echo PASS'
