# testbed.uefi: run-guest --uefi boots the kernel under OVMF with Secure Boot
# off (no lockdown, no signature enforcement, the unsigned helper loads); the
# command's output and exit status come through clean although the firmware
# writes to the first serial ports; a bad --trust-cert is refused before any
# boot.
. "$(dirname "$0")/lib.sh"

rc=0
out=$("$TESTBED" run-guest --uefi -- sh -c 'echo first
[ -d /sys/firmware/efi ] && echo "efi yes"
echo "secureboot $(dmesg | sed -n "s/.*secureboot: //p")"
echo "lockdown $(cat /sys/kernel/security/lockdown)"
echo "sig_enforce $(cat /sys/module/module/parameters/sig_enforce)"
insmod /ksplice/kmod-helper.ko && echo "helper loaded"
exit 42') || rc=$?
echo "$out"
expect_eq "first output line" "$(echo "$out" | head -1)" first
expect_eq "exit status" "$rc" 42
expect_eq "booted by EFI" "$(line efi)" yes
expect_eq "Secure Boot" "$(line secureboot)" "Secure boot disabled"
expect_eq "lockdown" "$(line lockdown)" "[none] integrity confidentiality"
expect_eq "sig_enforce" "$(line sig_enforce)" N
expect_eq "unsigned helper" "$(line helper)" loaded

# refused WHAT MESSAGE ARG...: run-guest exits 1 naming the problem, at once.
refused() {
	local what=$1 msg=$2 t0=$SECONDS rc=0
	shift 2
	"$TESTBED" run-guest "$@" -- true 2>"$TEST_TMP/err" || rc=$?
	expect_eq "$what: status" "$rc" 1
	grep -q -- "$msg" "$TEST_TMP/err" || fail "$what: message '$(cat "$TEST_TMP/err")' lacks '$msg'"
	[ $((SECONDS - t0)) -lt 5 ] || fail "$what: took $((SECONDS - t0)) s: did it boot?"
}
refused "missing cert" "run-guest --trust-cert $TEST_TMP/none.der: no such file" --trust-cert "$TEST_TMP/none.der"
echo "not a certificate" >"$TEST_TMP/bad.der"
refused "non-DER cert" "bad.der: not a DER-encoded certificate" --trust-cert "$TEST_TMP/bad.der"
