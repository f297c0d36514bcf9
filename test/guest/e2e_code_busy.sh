# shellcheck shell=bash
# e2e.code_busy: a process asleep in pipe_read (cat reading an idle pipe).
# With --no-kick, ksplice-apply fails with threads_stuck (the same thread on
# every try: retrying cannot help), naming that process and the option that
# would help, with the update module removed and nothing written. By
# default the sleeper is kicked out of its read and held at its exit while
# the patch goes in: apply succeeds with the cat still asleep, and the cat
# then reads what is written into the pipe, as if nothing had happened.
# Undo kicks it the same way.
. "$(dirname "$0")/lib.sh"
eval "$("$TESTBED" env)"
create_update pipe-read.patch e2ebusy1 >/dev/null
out=$("$TESTBED" run-guest --file "$TEST_TMP/ksplice-e2ebusy1.tar.gz" -- sh -c '
	insmod /ksplice/kmod-helper.ko
	echo 2 >/sys/module/kmod_helper/parameters/tries
	echo 100 >/sys/module/kmod_helper/parameters/retry_ms
	addr=$(grep " pipe_read$" /proc/kallsyms | cut -d" " -f1)
	before=$(ksplice-kcore-read $addr 16)
	mkfifo /tmp/fifo
	cat /tmp/fifo >/tmp/got &
	reader=$!
	exec 3>/tmp/fifo
	sleep 1
	echo "reader $reader"
	ksplice-apply --no-kick ksplice-e2ebusy1.tar.gz; echo "busy $?"
	echo "modules $(lsmod | grep -c ksplice_)"
	[ "$before" = "$(ksplice-kcore-read $addr 16)" ] && echo "bytes same" || echo "bytes changed"
	ksplice-apply --json ksplice-e2ebusy1.tar.gz >/tmp/apply.json; echo "apply $?"
	echo "json $(cat /tmp/apply.json)"
	[ "$before" = "$(ksplice-kcore-read $addr 16)" ] && echo "patched no" || echo "patched yes"
	kill -0 $reader && echo "alive yes" || echo "alive no"
	echo "view $(ksplice-view | head -1)"
	ksplice-undo e2ebusy1; echo "undo $?"
	echo "restored $([ "$before" = "$(ksplice-kcore-read $addr 16)" ] && echo yes || echo no)"
	echo "line through the pipe" >&3
	exec 3>&-
	wait $reader; echo "reader_exit $?"
	echo "got $(cat /tmp/got)"' 2>&1)
echo "$out"
expect_eq "ksplice-apply --no-kick while cat sleeps in pipe_read" "$(line busy)" 23
echo "$out" | grep -q "threads_stuck: .*$(line reader) cat .*pipe_read.*(not kicked: kick is off).*without --no-kick, user threads are kicked out" ||
	fail "the sleeping cat (pid $(line reader)) and the option are not named"
expect_eq "update modules left after threads_stuck" "$(line modules)" 0
expect_eq "pipe_read after threads_stuck" "$(line bytes)" same
expect_eq "ksplice-apply (kick) while cat sleeps" "$(line apply)" 0
line json | grep -q '"kicked":[1-9]' || fail "no thread kicked: $(line json)"
line json | grep -q '"held_ns":[1-9]' || fail "no hold time: $(line json)"
expect_eq "pipe_read patched" "$(line patched)" yes
expect_eq "cat still reading" "$(line alive)" yes
line view | grep -q "threads\? kicked, held [0-9]* ms" || fail "ksplice-view does not show the kick: $(line view)"
expect_eq "ksplice-undo (kick) while cat sleeps" "$(line undo)" 0
expect_eq "pipe_read restored" "$(line restored)" yes
expect_eq "cat's exit" "$(line reader_exit)" 0
expect_eq "what cat read" "$(line got)" "line through the pipe"
