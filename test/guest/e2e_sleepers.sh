# shellcheck shell=bash
# e2e.sleepers: one update replacing the ten functions where
# ksplice-test-sleepers parks its threads (ep_poll in do_epoll_wait, futex_wait_queue,
# pipe_read, inet_csk_accept, do_wait, do_select, hrtimer_nanosleep,
# n_tty_read, unix_stream_read_generic, tcp_recvmsg_locked), each with a
# line in the kernel log (test/patches/sleep-*.patch), applied and undone
# while a thread sleeps in each. With --no-kick: threads_stuck naming every
# sleeper's function, nothing written. By default: applied, the sleepers
# kicked and held; the restarted calls run the new code (each function's
# line in the log); audit clean; undo kicks them out of the new code; then
# every wait completes as without patching (the tool's own checks: data,
# events, child status, full sleep, no EINTR, no wakeup nobody sent).
. "$(dirname "$0")/lib.sh"
eval "$("$TESTBED" env)"
{
	echo "Every wait of ksplice-test-sleepers, replaced"
	echo
	echo "The test patches of each sleeping function, in one update."
	echo "---"
	for p in "$SRC_DIR"/test/patches/sleep-*.patch pipe-read.patch; do
		sed '1,/^---$/d' "$(test_patch "$(basename "$p")")"
	done
} >"$TEST_TMP/sleepers.patch"
create_update "$TEST_TMP/sleepers.patch" e2esleep >/dev/null
out=$("$TESTBED" run-guest --timeout 600 --file "$TEST_TMP/ksplice-e2esleep.tar.gz" -- sh -c "
	# nanosleep 15 s: asleep through the applies; it may end before the
	# undo, which then kicks the others (the round waits for it).
	$(sleepers_parked 15000)"'
	echo "parked $(grep -c "^parked 1$" /tmp/sleepers.out)"
	ksplice-apply --no-kick ksplice-e2esleep.tar.gz 2>/tmp/stuck.err; echo "stuck $?"
	echo "stuck_err $(cat /tmp/stuck.err)"
	echo "modules $(lsmod | grep -c ksplice_)"
	ksplice-apply --json ksplice-e2esleep.tar.gz >/tmp/apply.json; echo "apply $?"
	echo "apply_json $(cat /tmp/apply.json)"
	sleep 0.5
	dmesg | sed -n "s/.*ksplice test: \([a-z_]*\) replaced.*/replaced \1/p" | sort -u
	ksplice-view --audit >/dev/null; echo "audit $?"
	echo "still_parked $(kill -0 $pid && echo yes || echo no)"
	ksplice-undo --json e2esleep >/tmp/undo.json; echo "undo $?"
	echo "undo_json $(cat /tmp/undo.json)"
	echo go >&3
	exec 3>&-
	wait $pid; echo "sleepers $?"
	sed "s/^/tool: /" /tmp/sleepers.out' 2>&1)
echo "$out"
expect_eq "the tool parked its threads" "$(line parked)" 1
expect_eq "ksplice-apply --no-kick" "$(line stuck)" 23
# ep_poll is inlined into do_epoll_wait: that is the function replaced.
for f in do_epoll_wait futex_wait_queue pipe_read inet_csk_accept do_wait do_select \
	hrtimer_nanosleep n_tty_read unix_stream_read_generic tcp_recvmsg_locked; do
	grep -q "^ksplice-apply: threads_stuck: .*ksplice-test-sl $f+" <<<"$out" ||
		fail "--no-kick: the sleeper in $f is not named"
done
echo "ok: --no-kick names a sleeper in each of the ten functions"
expect_eq "update modules left after threads_stuck" "$(line modules)" 0
expect_eq "ksplice-apply (kick)" "$(line apply)" 0
kicked=$(line apply_json | sed -n 's/.*"kicked":\([0-9]*\).*/\1/p')
[ "${kicked:-0}" -ge 10 ] || fail "apply kicked ${kicked:-0} threads, want at least the 10 sleepers"
echo "ok: apply kicked $kicked threads, held $(line apply_json | sed -n 's/.*"held_ns":\([0-9]*\).*/\1/p') ns"
for f in ep_poll futex_wait_queue do_wait do_select hrtimer_nanosleep inet_csk_accept \
	unix_stream_read_generic n_tty_read tcp_recvmsg_locked; do
	echo "$out" | grep -qx "replaced $f" || fail "the new $f never ran"
done
echo "ok: every new function ran"
expect_eq "audit" "$(line audit)" 0
expect_eq "the tool still waiting" "$(line still_parked)" yes
expect_eq "ksplice-undo (kick)" "$(line undo)" 0
line undo_json | grep -q '"kicked":[1-9]' || fail "undo kicked nobody: $(line undo_json)"
expect_eq "ksplice-test-sleepers" "$(line sleepers)" 0
echo "$out" | grep -q "^tool: round 1: 10 waits parked and completed as without patching$" ||
	fail "the waits did not complete as without patching"
