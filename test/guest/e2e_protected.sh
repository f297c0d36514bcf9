# shellcheck shell=bash
# e2e.protected_kernel: on kernels that load only signed modules, an
# unsigned update is refused before anything is loaded, with the cause
# named: lockdown=integrity (exit 19), module.sig_enforce=1 (exit 20).
# Under lockdown=confidentiality /proc/kcore is closed: ksplice-view
# --check (which loads nothing) says so (exit 19) rather than blaming root.
. "$(dirname "$0")/lib.sh"
eval "$("$TESTBED" env)"
u=$(create_update demo-cmdline.patch e2eprot1)

# guest APPEND CMD: runs CMD in a guest booted with APPEND.
guest() {
	"$TESTBED" run-guest --append "$1" --file "$u" -- sh -c "$2" 2>&1
}

out=$(guest "lockdown=integrity" '
	cat /sys/kernel/security/lockdown
	ksplice-apply ksplice-e2eprot1.tar.gz; echo "apply $?"
	echo "modules $(lsmod | grep -c -e ksplice_ -e kmod_helper)"
	echo "cmdline $(cat /proc/cmdline)"')
echo "$out"
expect_eq "unsigned update under lockdown=integrity" "$(line apply)" 19
echo "$out" | grep -q "ksplice-apply: the update module of e2eprot1 is not signed and the kernel is locked down (integrity): it loads only signed modules; sign it" ||
	fail "lockdown not named"
expect_eq "modules loaded under lockdown" "$(line modules)" 0
echo "$out" | grep -q "^cmdline .*lockdown=integrity" || fail "not booted with lockdown"

out=$(guest "module.sig_enforce=1" '
	ksplice-apply ksplice-e2eprot1.tar.gz; echo "apply $?"
	echo "modules $(lsmod | grep -c -e ksplice_ -e kmod_helper)"')
echo "$out"
expect_eq "unsigned update under module.sig_enforce=1" "$(line apply)" 20
echo "$out" | grep -q "ksplice-apply: the update module of e2eprot1 is not signed and the kernel enforces module signatures (module.sig_enforce): sign it" ||
	fail "signature enforcement not named"
expect_eq "modules loaded under sig_enforce" "$(line modules)" 0

# A helper given explicitly, unsigned, is refused the same way when the
# update module is not what stops it: kmod-helper alone.
out=$(guest "module.sig_enforce=1" '
	insmod /ksplice/kmod-helper.ko; echo "insmod $?"')
echo "$out"
[ "$(line insmod)" != 0 ] || fail "the kernel loaded an unsigned module under sig_enforce: the test-bed is not what this test assumes"

out=$(guest "lockdown=confidentiality" '
	ksplice-view --check ksplice-e2eprot1.tar.gz; echo "check $?"')
echo "$out"
expect_eq "--check under lockdown=confidentiality" "$(line check)" 19
echo "$out" | grep -q "the kernel is locked down (confidentiality): /proc/kcore is closed" ||
	fail "confidentiality lockdown not named"
