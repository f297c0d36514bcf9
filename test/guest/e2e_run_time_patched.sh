# shellcheck shell=bash
# e2e.run_time_patched: pipe_read has a static call site and three
# retpoline sites, which the kernel rewrites differently under -cpu qemu64
# (retpolines) and -cpu max (inline indirect calls). Under both, the update
# matches and applies, pipes carry data right through the new code, and undo
# restores the exact bytes. (A reader asleep in pipe_read would make the
# apply code_busy: e2e.code_busy.)
. "$(dirname "$0")/lib.sh"
eval "$("$TESTBED" env)"
create_update pipe-read.patch e2esite1 >/dev/null
for cpu in qemu64 max; do
	out=$("$TESTBED" run-guest --cpu "$cpu" --file "$TEST_TMP/ksplice-e2esite1.tar.gz" -- sh -c '
		addr=$(grep " pipe_read$" /proc/kallsyms | cut -d" " -f1)
		before=$(ksplice-kcore-read $addr 64)
		want=$(seq 1 20000 | md5sum)
		ksplice-apply --helper /ksplice/kmod-helper.ko ksplice-e2esite1.tar.gz; echo "apply $?"
		for i in 1 2 3 4 5 6 7 8 9 10; do seq 1 20000 | cat | md5sum; done >/tmp/sums
		ksplice-undo e2esite1; echo "undo $?"
		echo "runs $(wc -l </tmp/sums)"
		echo "wrong $(grep -vc "$want" /tmp/sums)"
		[ "$before" = "$(ksplice-kcore-read $addr 64)" ] && echo "bytes same" || echo "bytes changed"' 2>&1)
	echo "$out"
	expect_eq "-cpu $cpu: ksplice-apply" "$(line apply)" 0
	expect_eq "-cpu $cpu: ksplice-undo" "$(line undo)" 0
	expect_eq "-cpu $cpu: pipe runs through the new code" "$(line runs)" 10
	expect_eq "-cpu $cpu: wrong pipe results" "$(line wrong)" 0
	expect_eq "-cpu $cpu: pipe_read after undo" "$(line bytes)" same
done
