# shellcheck shell=bash
# e2e.audit: ksplice-view --audit finds an applied update intact, and then
# reports its trampoline overwritten behind kmod-helper's back (by the
# test-only ksplice_tamper module) with exit 12.
. "$(dirname "$0")/lib.sh"
eval "$("$TESTBED" env)"
u=$(create_update demo-cmdline.patch e2eaudit)
ko=$(build_test_module ksplice_tamper)
out=$("$TESTBED" run-guest --file "$u" --file "$ko" -- sh -c '
	addr=$(grep " cmdline_proc_show$" /proc/kallsyms | cut -d" " -f1)
	site=$(printf "%x" $((0x$addr + 5)))
	orig=$(ksplice-kcore-read $site 5)
	ksplice-apply --helper /ksplice/kmod-helper.ko ksplice-e2eaudit.tar.gz >/dev/null; echo "apply $?"
	ksplice-view --audit; echo "clean $?"
	insmod ksplice_tamper.ko addr=0x$site bytes=$orig; echo "tamper $?"
	ksplice-view --audit; echo "tampered $?"' 2>&1)
echo "$out"
expect_eq "ksplice-apply" "$(line apply)" 0
expect_eq "audit of the intact update" "$(line clean)" 0
echo "$out" | grep -q "^ok      e2eaudit: cmdline_proc_show at 0x.* jumps to 0x" || fail "no ok line"
expect_eq "tampering" "$(line tamper)" 0
expect_eq "audit after tampering" "$(line tampered)" 12
echo "$out" | grep -q "^PROBLEM e2eaudit: cmdline_proc_show at 0x.* no longer jumps to its new code" ||
	fail "the overwritten trampoline is not reported"
