# shellcheck shell=bash
# e2e.sleepers_each (long): each of the ten test updates of the sleeping
# functions (test/patches/sleep-*.patch and pipe-read.patch) on its own,
# while ksplice-test-sleepers has a thread asleep in every wait: --no-kick
# gives threads_stuck naming that function; by default it applies (at least
# one thread kicked) and undoes; at the end every wait completes as without
# patching. e2e.sleepers does the same with one update replacing all ten.
. "$(dirname "$0")/lib.sh"
eval "$("$TESTBED" env)"
# patch:function the sleeper is found in
pairs=(sleep-ep-poll:do_epoll_wait sleep-futex-wait-queue:futex_wait_queue
	sleep-do-wait:do_wait sleep-do-select:do_select
	sleep-hrtimer-nanosleep:hrtimer_nanosleep sleep-inet-csk-accept:inet_csk_accept
	sleep-unix-stream-read:unix_stream_read_generic sleep-n-tty-read:n_tty_read
	sleep-tcp-recvmsg:tcp_recvmsg_locked pipe-read:pipe_read)
files=() ids=""
i=0
for pair in "${pairs[@]}"; do
	i=$((i + 1))
	id=$(printf "each%02d" $i)
	create_update "${pair%%:*}.patch" "$id" >/dev/null
	files+=(--file "$TEST_TMP/ksplice-$id.tar.gz")
	ids="$ids $id:${pair#*:}"
done
out=$("$TESTBED" run-guest --timeout 900 "${files[@]}" -- sh -c "$(sleepers_parked 150000)"'
	for pair in '"$ids"'; do
		id=${pair%%:*}
		ksplice-apply --no-kick ksplice-$id.tar.gz 2>/tmp/err; rc=$?
		echo "stuck $id $rc $(grep -c "threads_stuck: .*ksplice-test-sl ${pair#*:}+" /tmp/err)"
		ksplice-apply --json ksplice-$id.tar.gz >/tmp/j; echo "apply $id $? $(cat /tmp/j)"
		ksplice-undo $id >/dev/null; echo "undo $id $?"
	done
	echo go >&3
	exec 3>&-
	wait $pid; echo "sleepers $?"
	sed "s/^/tool: /" /tmp/sleepers.out' 2>&1)
echo "$out"
for pair in $ids; do
	id=${pair%%:*}
	expect_eq "$id (${pair#*:}): --no-kick, and the sleeper named" "$(sed -n "s/^stuck $id //p" <<<"$out")" "23 1"
	got=$(sed -n "s/^apply $id //p" <<<"$out")
	[ "${got%% *}" = 0 ] || fail "$id (${pair#*:}): apply: $got"
	grep -q '"kicked":[1-9]' <<<"$got" || fail "$id (${pair#*:}): nobody kicked: $got"
	echo "ok: $id (${pair#*:}) applied with $(sed -n 's/.*"kicked":\([0-9]*\).*/\1/p' <<<"$got") kicked"
	expect_eq "$id undo" "$(sed -n "s/^undo $id //p" <<<"$out")" 0
done
expect_eq "ksplice-test-sleepers" "$(line sleepers)" 0
grep -q "^tool: round 1: 10 waits parked and completed as without patching$" <<<"$out" ||
	fail "the waits did not complete as without patching"
