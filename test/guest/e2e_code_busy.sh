# shellcheck shell=bash
# e2e.code_busy: a process asleep in pipe_read (cat reading an idle pipe)
# makes ksplice-apply fail with code_busy, naming that process, with the
# update module removed and nothing written; once it has left, the same
# update applies (and is undone).
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
	cat /tmp/fifo >/dev/null &
	reader=$!
	exec 3>/tmp/fifo
	sleep 1
	echo "reader $reader"
	ksplice-apply ksplice-e2ebusy1.tar.gz; echo "busy $?"
	echo "modules $(lsmod | grep -c ksplice_)"
	[ "$before" = "$(ksplice-kcore-read $addr 16)" ] && echo "bytes same" || echo "bytes changed"
	exec 3>&-
	wait $reader
	ksplice-apply ksplice-e2ebusy1.tar.gz; echo "apply $?"
	echo x | cat >/dev/null
	ksplice-undo e2ebusy1; echo "undo $?"' 2>&1)
echo "$out"
expect_eq "ksplice-apply while cat sleeps in pipe_read" "$(line busy)" 7
echo "$out" | grep -q "code_busy: .*$(line reader) cat .*pipe_read" ||
	fail "the sleeping cat (pid $(line reader)) is not named"
expect_eq "update modules left after code_busy" "$(line modules)" 0
expect_eq "pipe_read after code_busy" "$(line bytes)" same
expect_eq "ksplice-apply once cat has left" "$(line apply)" 0
expect_eq "ksplice-undo" "$(line undo)" 0
