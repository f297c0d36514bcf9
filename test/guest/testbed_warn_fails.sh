# testbed.warn_fails: a kernel WARNING fails the run even though the command
# succeeded, and the offending line is printed.
. "$(dirname "$0")/lib.sh"
ko=$(build_test_module warn_on_load)
rc=0
"$TESTBED" run-guest --file "$ko" -- insmod /files/warn_on_load.ko >"$TEST_TMP/out" 2>"$TEST_TMP/err" || rc=$?
expect_eq "status after a WARNING" "$rc" 254
grep -q "WARNING: CPU: .* warn_on_load_init" "$TEST_TMP/err" || fail "WARNING line not printed: $(cat "$TEST_TMP/err")"
echo "ok: the WARNING line is printed"
# Control: the same boot without the module passes.
"$TESTBED" run-guest --file "$ko" -- true
echo "ok: control run passes"
