# shellcheck shell=bash
# e2e.runtime_const (6.12): new code that reads a run-time constant
# (runtime_const_ptr(USER_PTR_MAX), as access_ok() does). The kernel writes
# those immediates at boot in vmlinux only, never in a module: kmod-helper
# must write the variable's value into the update's code, or it keeps the
# placeholder 0x0123456789abcdef. The patched /proc/cmdline prints the value
# the new code read: the running kernel's user address limit.
. "$(dirname "$0")/lib.sh"
eval "$("$TESTBED" env)"
grep -q '^CONFIG_X86_KERNEL_IBT=y' "$KSPLICE_SRC/.config" ||
	fail "$KSPLICE_KERNEL_RELEASE has no run-time constants (a 6.12 test)"
u=$(create_update runtime-const.patch e2erc)
out=$("$TESTBED" run-guest --file "$u" -- sh -c '
	echo "cmdline $(cat /proc/cmdline)"
	ksplice-apply ksplice-e2erc.tar.gz; echo "apply $?"
	echo "patched $(cat /proc/cmdline)"
	ksplice-view --audit; echo "audit $?"
	ksplice-undo e2erc; echo "undo $?"
	echo "restored $(cat /proc/cmdline)"' 2>&1)
echo "$out"
expect_eq "ksplice-apply" "$(line apply)" 0
limit=$(line patched | sed -n 's/^\[user_ptr_max \([0-9a-f]*\)\] .*/\1/p')
[ "$limit" != 123456789abcdef ] || fail "the new code kept the placeholder: kmod-helper did not write USER_PTR_MAX"
# 4-level paging: TASK_SIZE_MAX - PAGE_SIZE; 5-level (-cpu max has la57): 56 bits
case $limit in
7ffffffff000 | fffffffffff000) echo "ok: USER_PTR_MAX read by the new code = $limit" ;;
*) fail "USER_PTR_MAX read by the new code: '$limit'" ;;
esac
expect_eq "rest of the patched line" "$(line patched | sed 's/^\[user_ptr_max [0-9a-f]*\] //')" "$(line cmdline)"
expect_eq "audit" "$(line audit)" 0
expect_eq "ksplice-undo" "$(line undo)" 0
expect_eq "restored /proc/cmdline" "$(line restored)" "$(line cmdline)"
