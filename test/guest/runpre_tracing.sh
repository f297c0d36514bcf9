# shellcheck shell=bash
# runpre.tracing: tracing the function does not pass silently. With the
# function tracer on cmdline_proc_show, its fentry site calls the tracer and
# ksplice-runpre says so; with a kprobe inside it, the int3 is reported as a
# difference and the function is refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pre_objects.sh"
eval "$("$TESTBED" env)"
build_pre_objects "$TEST_TMP/pre" "" fs/proc/cmdline.o
# The kprobe goes on `mov %rdi,%rbx`, 13 bytes after the fentry site's start
# (after an ENDBR too on 6.12).
probe=$((13 + $(jump_offset) - 5))
out=$("$TESTBED" run-guest --file "$TEST_TMP/pre" -- sh -c '
	cd /sys/kernel/tracing || exit 10
	echo cmdline_proc_show >set_ftrace_filter && echo function >current_tracer || exit 11
	ksplice-runpre -v /files/pre/fs_proc_cmdline.o; echo "status $?"
	echo nop >current_tracer; echo >set_ftrace_filter
	echo "p:ksplice_test cmdline_proc_show+$1" >kprobe_events || exit 12
	echo 1 >events/kprobes/ksplice_test/enable || exit 13
	ksplice-runpre /files/pre/fs_proc_cmdline.o; echo "status $?"
	echo 0 >events/kprobes/ksplice_test/enable; echo >kprobe_events' probe "$probe")
echo "$out"
echo "$out" | grep -q "matched   /files/pre/fs_proc_cmdline.o: cmdline_proc_show at .* (ftrace is tracing it)" ||
	fail "an active ftrace call at the fentry site was not reported"
echo "$out" | sed -n 's/^status //p' | head -1 | grep -qx 0 || fail "traced function not matched"
echo "ok: ftrace's call at the fentry site reported"
echo "$out" | grep -q "no match  /files/pre/fs_proc_cmdline.o: cmdline_proc_show: cmdline_proc_show+$(printf 0x%x "$probe"): .*\(int3\|different instruction\)" ||
	fail "the kprobe was not reported"
echo "$out" | sed -n 's/^status //p' | tail -1 | grep -qx 1 || fail "probed function not refused"
echo "ok: the kprobe's int3 refused at cmdline_proc_show+$(printf 0x%x "$probe")"
