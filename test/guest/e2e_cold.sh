# shellcheck shell=bash
# e2e.cold_part: a function gcc split into a hot and a .cold part
# (proc_task_name in fs/proc/array.o): the update carries both parts, the
# old cold part joins the stack check, and /proc/self/status shows the
# change until ksplice-undo.
. "$(dirname "$0")/lib.sh"
eval "$("$TESTBED" env)"
create_update cold-part.patch e2ecold1 >/dev/null
meta=$(tar xzf "$TEST_TMP/ksplice-e2ecold1.tar.gz" -O metadata)
echo "$meta" | grep -qx "CHANGED=fs/proc/array.o:proc_task_name" || fail "not changed: $meta"
# 6.12 compiles with -fpatchable-function-entry (CALL_PADDING), and gcc then
# splits no function into hot and cold parts: nothing to test there.
tar xzf "$TEST_TMP/ksplice-e2ecold1.tar.gz" -C "$TEST_TMP" pre/fs/proc/array.o
if ! grep -q '\.cold$' <<<"$(nm "$TEST_TMP/pre/fs/proc/array.o")" &&
	grep -q '^CONFIG_CALL_PADDING=y' "$KSPLICE_SRC/.config"; then
	echo "SKIP: $KSPLICE_KERNEL_RELEASE's fs/proc/array.o has no .cold part (CALL_PADDING)"
	exit 77
fi
echo "$meta" | grep -qx "CHECK=fs/proc/array.o:proc_task_name.cold" || fail "no cold part: $meta"
out=$("$TESTBED" run-guest --file "$TEST_TMP/ksplice-e2ecold1.tar.gz" -- sh -c '
	echo "before $(sed -n "s/^Name:\t//p" /proc/self/status)"
	ksplice-apply --helper /ksplice/kmod-helper.ko ksplice-e2ecold1.tar.gz; echo "apply $?"
	echo "patched $(sed -n "s/^Name:\t//p" /proc/self/status)"
	echo "cold $(grep -c "^proc_task_name.cold " /sys/kernel/ksplice/e2ecold1/functions)"
	ksplice-undo e2ecold1; echo "undo $?"
	echo "after $(sed -n "s/^Name:\t//p" /proc/self/status)"' 2>&1)
echo "$out"
expect_eq "ksplice-apply" "$(line apply)" 0
expect_eq "task name before" "$(line before)" sed
expect_eq "task name patched" "$(line patched)" "ks:sed"
expect_eq "cold part registered" "$(line cold)" 1
expect_eq "ksplice-undo" "$(line undo)" 0
expect_eq "task name after" "$(line after)" sed
