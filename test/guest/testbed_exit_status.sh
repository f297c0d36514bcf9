# testbed.exit_status: run-guest exits with the command's status, and with its
# own statuses on a timeout.
. "$(dirname "$0")/lib.sh"
rc=0
"$TESTBED" run-guest -- false || rc=$?
expect_eq "status of false" "$rc" 1
rc=0
"$TESTBED" run-guest -- sh -c 'exit 42' || rc=$?
expect_eq "status of exit 42" "$rc" 42
rc=0
"$TESTBED" run-guest --timeout 6 -- sleep 60 2>"$TEST_TMP/err" || rc=$?
expect_eq "status on timeout" "$rc" 253
grep -q "did not finish within 6 s" "$TEST_TMP/err" || fail "timeout not explained: $(cat "$TEST_TMP/err")"
