# helper.force_unload: rmmod -f of an applied update's module (Debian's
# kernels allow it) reverses the update while its code is still mapped: no
# Oops, the original behaviour and bytes are back, the update is gone from
# sysfs, the log says so, the reference on the patched module is dropped,
# and the update can be loaded and applied again.
# Also: a stacked update is reversed first when the module it patches is
# forced out; a forced unload of the patched module itself reverses the
# update; and a thread sleeping in the new code makes rmmod -f wait for it
# (over several rounds of the stack check) instead of freeing that code.
. "$(dirname "$0")/helper_lib.sh"
build_helper_modules ksplice_target ksplice_update_a ksplice_update_b
guest_must_pass -- '
load_helper
before=$(target_bytes)
refcnt=$(cat /sys/module/ksplice_target/refcnt)

load_update a
set_stage testa applied || fail "apply: $(cause testa)"
expect "value applied" "$(value)" 2
rmmod -f ksplice_update_a || fail "rmmod -f of the applied update module"
expect "value after rmmod -f" "$(value)" 1
expect "bytes after rmmod -f" "$(target_bytes)" "$before"
[ -e $KS/testa ] && fail "$KS/testa still there"
expect "reference on ksplice_target dropped" "$(cat /sys/module/ksplice_target/refcnt)" $refcnt
dmesg | grep -q "ksplice: testa: reversed: module ksplice_update_a is being unloaded by force" ||
	fail "no log line about the forced unload"
load_update a
set_stage testa applied || fail "re-apply after rmmod -f: $(cause testa)"
expect "value re-applied" "$(value)" 2

# B stacked on A: forcing A out reverses B, then A.
load_update b
set_stage testb applied || fail "apply B: $(cause testb)"
expect "value with B" "$(value)" 3
rmmod -f ksplice_update_a || fail "rmmod -f A under B"
expect "value after rmmod -f A under B" "$(value)" 1
expect "bytes" "$(target_bytes)" "$before"
expect "B stage" "$(cat $KS/testb/stage)" reversed
expect "reference dropped under B" "$(cat /sys/module/ksplice_target/refcnt)" $refcnt
dmesg | grep -q "ksplice: testb: reversed: it patches testa, whose module is going away" ||
	fail "no log line about B"
rmmod ksplice_update_b || fail "rmmod B"

# The patched module forced out under an applied update.
load_update a
set_stage testa applied || fail "apply again: $(cause testa)"
rmmod -f ksplice_target || fail "rmmod -f of the patched module"
expect "stage after the patched module went" "$(cat $KS/testa/stage)" reversed
dmesg | grep -q "ksplice: testa: reversed: module ksplice_target is being unloaded by force" ||
	fail "no log line about ksplice_target"
rmmod ksplice_update_a || fail "rmmod A"
insmod /files/ksplice_target.ko || fail "insmod target again"
before=$(target_bytes)

# A thread asleep in the new code: rmmod -f waits until it has left.
echo 1 >/sys/module/kmod_helper/parameters/tries
echo 300 >/sys/module/kmod_helper/parameters/retry_ms
load_update a
set_stage testa applied || fail "apply for the busy case: $(cause testa)"
echo 4000 >/sys/module/ksplice_update_a/parameters/delay_ms
cat /proc/ksplice_target >/tmp/sleeper &
sleeper=$!
sleep 1
t0=$(date +%s)
rmmod -f ksplice_update_a || fail "rmmod -f with a thread in the new code"
t1=$(date +%s)
wait $sleeper
expect "the sleeping thread ran the new code to its end" "$(cat /tmp/sleeper)" 2
[ $((t1 - t0)) -ge 2 ] || fail "rmmod -f returned after $((t1 - t0)) s, before the thread left"
dmesg | grep -q "ksplice: testa: module ksplice_update_a is being unloaded by force: waiting" ||
	fail "no log line about waiting"
expect "value" "$(value)" 1
expect "bytes" "$(target_bytes)" "$before"
rmmod ksplice_target kmod_helper || fail "rmmod"
echo PASS'
