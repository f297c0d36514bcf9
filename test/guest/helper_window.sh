# helper.window: the re-check inside stop_machine finds a thread the
# pre-check could not walk because it was running: one thread spins inside
# the target on CPU 1 while the apply is requested from CPU 0, with full
# preemption so the stopper preempts it there. Some attempt must stop the
# machine (pause_ns > 0) and still end in code_busy naming that thread;
# nothing is written; once the thread stops, apply succeeds.
. "$(dirname "$0")/helper_lib.sh"
build_helper_modules ksplice_target ksplice_update_a
guest_must_pass --smp 2 --append preempt=full -- '
load_helper
echo 1 >/sys/module/kmod_helper/parameters/tries
load_update a
before=$(target_bytes)
echo 20000000 >/sys/module/ksplice_target/parameters/spin
echo 1 >/proc/ksplice_target_hammer || fail "starting the thread"
sleep 1
found=0
for i in 1 2 3 4 5 6 7 8; do
	taskset -c 0 sh -c "echo applied >$KS/testa/stage" 2>/dev/null && fail "applied while a thread spins in $TARGET"
	expect "attempt $i" "$(cause testa)" code_busy
	echo "pause $(cat $KS/testa/pause_ns): $(cat $KS/testa/conflicts)"
	if [ "$(cat $KS/testa/pause_ns)" -gt 0 ] && grep -q "ksp_hammer/0 $TARGET+" $KS/testa/conflicts; then
		found=$i
		break
	fi
done
[ $found -gt 0 ] || fail "no attempt found the spinning thread inside the stopped window"
echo "ok: attempt $found stopped the machine and found the spinning thread: $(cat $KS/testa/conflicts)"
grep -q "ksp_hammer/0 $TARGET+.* (kernel thread or exiting: cannot be kicked)$" $KS/testa/conflicts ||
	fail "the kernel thread is not said to be unkickable: $(cat $KS/testa/conflicts)"
echo "ok: the kernel thread is named as one a kick cannot move"
expect "bytes after code_busy" "$(target_bytes)" "$before"
echo 0 >/sys/module/ksplice_target/parameters/spin
echo 0 >/proc/ksplice_target_hammer
set_stage testa applied || fail "apply once the thread stopped: $(cause testa)"
expect "value" "$(value)" 2
echo PASS'
