# A reproducer for the test-bed, not a test (ctest does not run it): four
# threads call ksplice_target_value in a tight loop on 2 vCPUs while ftrace
# turns the function tracer on and off for it N times (default 400). No
# kmod-helper is loaded. Under multi-threaded TCG the guest soft-locks within
# seconds (both vCPUs at ksplice_target_value+0); with
# KSPLICE_ACCEL=tcg,thread=single it passes. See README, run-guest --tcg-single.
#   bash test/guest/repro_tcg_ftrace_lockup.sh
. "$(dirname "$0")/helper_lib.sh"
HELPER_TEST=helper_stress
HELPER_MODS="${KSPLICE_BUILD:-$SRC_DIR/build}/test-kmod/helper_stress"
build_helper_modules ksplice_target ksplice_update_a
script='
insmod /files/ksplice_target.ko || fail insmod
mount -t tracefs none /sys/kernel/tracing 2>/dev/null
T=/sys/kernel/tracing
echo ksplice_target_value > $T/set_ftrace_filter || fail filter
echo 4 >/proc/ksplice_target_hammer || fail "starting the threads"
i=0
while [ $i -lt ${N:-400} ]; do
	echo function > $T/current_tracer
	echo nop > $T/current_tracer
	i=$((i + 1))
done
echo 0 >/proc/ksplice_target_hammer
cat /proc/ksplice_target_hammer
echo PASS'
guest_must_pass --smp 2 --timeout 900 -- "N=${N:-400}; $script"
