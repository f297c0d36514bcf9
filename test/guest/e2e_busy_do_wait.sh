# shellcheck shell=bash
# e2e.busy_do_wait: Debian's real kernel/exit.c fix of 6.1.192-2 (do_wait
# split in two) on 6.1.0-53, where init and the shell that runs
# ksplice-apply always sleep in do_wait. With --no-kick: threads_stuck,
# naming init, nothing written. By default: applied with them kicked out of
# wait4 and held until the jump is in; then children are still reaped with
# their status (by the new do_wait), the audit is clean, and undo kicks them
# out of the new code the same way.
. "$(dirname "$0")/lib.sh"
export KSPLICE_KERNEL=6.1.0-53-cloud-amd64
"$TESTBED" setup >/dev/null
eval "$("$TESTBED" env)"
create_update debian-6.1.192-2-exit.patch e2ewait1 >/dev/null
out=$("$TESTBED" run-guest --file "$TEST_TMP/ksplice-e2ewait1.tar.gz" -- sh -c '
	insmod /ksplice/kmod-helper.ko
	echo 2 >/sys/module/kmod_helper/parameters/tries
	echo 100 >/sys/module/kmod_helper/parameters/retry_ms
	addr=$(grep " do_wait$" /proc/kallsyms | cut -d" " -f1)
	before=$(ksplice-kcore-read $addr 16)
	echo "init_wchan $(cat /proc/1/wchan)"
	ksplice-apply --no-kick ksplice-e2ewait1.tar.gz; echo "stuck $?"
	echo "modules $(lsmod | grep -c ksplice_)"
	[ "$before" = "$(ksplice-kcore-read $addr 16)" ] && echo "bytes same" || echo "bytes changed"
	ksplice-apply --json ksplice-e2ewait1.tar.gz >/tmp/apply.json; echo "apply $?"
	echo "json $(cat /tmp/apply.json)"
	[ "$before" = "$(ksplice-kcore-read $addr 16)" ] && echo "patched no" || echo "patched yes"
	ok=0
	for i in 1 2 3 4 5 6 7 8 9 10; do
		sh -c "exit $i"; [ $? = $i ] && ok=$((ok + 1))
	done
	sleep 0.2 & wait $!; echo "sleep_reaped $?"
	echo "statuses $ok"
	ksplice-view --audit >/dev/null; echo "audit $?"
	ksplice-undo --json e2ewait1 >/tmp/undo.json; echo "undo $?"
	echo "undo_json $(cat /tmp/undo.json)"
	echo "restored $([ "$before" = "$(ksplice-kcore-read $addr 16)" ] && echo yes || echo no)"' 2>&1)
echo "$out"
expect_eq "init waits in do_wait" "$(line init_wchan)" do_wait
expect_eq "ksplice-apply --no-kick" "$(line stuck)" 23
echo "$out" | grep -q "threads_stuck: .*1 init do_wait+" || fail "init is not named"
expect_eq "update modules left" "$(line modules)" 0
expect_eq "do_wait after threads_stuck" "$(line bytes)" same
expect_eq "ksplice-apply (kick) with init in do_wait" "$(line apply)" 0
line json | grep -q '"kicked":[1-9]' || fail "no thread kicked: $(line json)"
expect_eq "do_wait patched" "$(line patched)" yes
expect_eq "children reaped with their status" "$(line statuses)" 10
expect_eq "a background child reaped" "$(line sleep_reaped)" 0
expect_eq "audit" "$(line audit)" 0
expect_eq "ksplice-undo" "$(line undo)" 0
line undo_json | grep -q '"kicked":[1-9]' || fail "undo kicked nobody: $(line undo_json)"
expect_eq "do_wait restored" "$(line restored)" yes
