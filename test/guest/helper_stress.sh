# helper.stress: 200 apply/undo cycles on 2 CPUs while two threads per CPU
# call the target in a tight loop; every call returns the old or the new
# result, and the kernel logs no Oops or WARN (run-guest fails on those).
# Run with voluntary preemption (the kernel's default), and with preempt=full
# and a target that spins a little, so that threads are also preempted inside
# it and the stack check inside stop_machine has something to find (the
# number of code_busy retries is printed).
. "$(dirname "$0")/helper_lib.sh"
build_helper_modules ksplice_target ksplice_update_a
script='
load_helper
echo 50 >/sys/module/kmod_helper/parameters/tries
echo 5 >/sys/module/kmod_helper/parameters/retry_ms
load_update a
echo "${SPIN:-0}" >/sys/module/ksplice_target/parameters/spin
echo 4 >/proc/ksplice_target_hammer || fail "starting the threads"
i=0
busy=0
while [ $i -lt 200 ]; do
	for stage in applied reversed; do
		until set_stage testa $stage; do
			case $(cause testa) in
			code_busy | threads_stuck) ;;
			*) fail "cycle $i, $stage: $(cause testa): $(cat $KS/testa/abort_detail)" ;;
			esac
			busy=$((busy + 1))
			[ $busy -lt 300 ] || fail "code_busy $busy times"
		done
	done
	i=$((i + 1))
done
echo 0 >/proc/ksplice_target_hammer
stats=$(cat /proc/ksplice_target_hammer)
echo "cycles $i, code_busy $busy, $stats"
set -- $stats
[ "$8" = 0 ] || fail "$8 calls returned neither the old nor the new result"
[ "$4" -gt 0 ] && [ "$6" -gt 0 ] || fail "expected both old and new results: $stats"
expect "value after the cycles" "$(value)" 1
echo PASS'
# One TCG thread: each apply and undo makes ftrace rewrite the hammered
# function's entry call (the claim), which multi-threaded TCG can turn into a
# stale translation (README, run-guest --tcg-single).
guest_must_pass --smp 2 --tcg-single --timeout 600 -- "$script"
guest_must_pass --smp 2 --tcg-single --timeout 600 --append preempt=full -- "SPIN=${SPIN:-100}; $script"
