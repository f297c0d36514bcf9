# testbed.warn_fails: a kernel WARNING fails the run even though the command
# succeeded, and the offending line is printed.
. "$(dirname "$0")/lib.sh"
ko=$(build_test_module warn_on_load)
rc=0
"$TESTBED" run-guest --file "$ko" -- insmod /files/warn_on_load.ko >"$TEST_TMP/out" 2>"$TEST_TMP/err" || rc=$?
expect_eq "status after a WARNING" "$rc" 254
grep -q "WARNING: CPU: .* warn_on_load_init" "$TEST_TMP/err" || fail "WARNING line not printed: $(cat "$TEST_TMP/err")"
echo "ok: the WARNING line is printed"
# A WARNING the console never shows (below its loglevel) is found in the
# dmesg the guest sends after the exit status.
rc=0
"$TESTBED" run-guest -- sh -c 'echo 1 >/proc/sys/kernel/printk
echo "<4>WARNING: CPU: 0 PID: 1 at testbed/dmesg-only" >/dev/kmsg' >"$TEST_TMP/out" 2>"$TEST_TMP/err" || rc=$?
expect_eq "status after a WARNING in dmesg only" "$rc" 254
grep -q "WARNING: CPU: 0 PID: 1 at testbed/dmesg-only" "$TEST_TMP/err" ||
	fail "dmesg-only WARNING line not printed: $(cat "$TEST_TMP/err")"
echo "ok: a WARNING in dmesg only fails the run"
# Control: the same boot without the module passes.
"$TESTBED" run-guest --file "$ko" -- true
echo "ok: control run passes"
