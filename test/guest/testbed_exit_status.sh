# testbed.exit_status: run-guest exits with the command's status, and with its
# own statuses on a timeout.
. "$(dirname "$0")/lib.sh"
rc=0
"$TESTBED" run-guest -- false || rc=$?
expect_eq "status of false" "$rc" 1
rc=0
"$TESTBED" run-guest -- sh -c 'exit 42' || rc=$?
expect_eq "status of exit 42" "$rc" 42
# A timeout says where the guest was: its watchdog's dump (the kernel stack
# of each user task) and each vCPU's registers, from qemu.
rc=0
"$TESTBED" run-guest --timeout 30 -- sleep 60 2>"$TEST_TMP/err" || rc=$?
expect_eq "status on timeout" "$rc" 253
grep -q "did not finish within 30 s" "$TEST_TMP/err" || fail "timeout not explained: $(cat "$TEST_TMP/err")"
grep -q "console: testbed: task [0-9]*: sleep 60 State:" "$TEST_TMP/err" ||
	fail "no watchdog dump of the sleeping task: $(cat "$TEST_TMP/err")"
grep -q "console: \[<0>\] hrtimer_nanosleep" "$TEST_TMP/err" || fail "no kernel stack of the sleeping task"
grep -q "^  RIP=[0-9a-f]* .*HLT=[01] (_text+0x[0-9a-f]*)$" "$TEST_TMP/err" || fail "no vCPU registers from qemu"
