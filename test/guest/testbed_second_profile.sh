# testbed.second_profile: the second kernel profile works with the same
# commands, named by KSPLICE_KERNEL and by --kernel.
. "$(dirname "$0")/lib.sh"
"$TESTBED" --kernel 6.1.0-53-cloud-amd64 setup
got=$(KSPLICE_KERNEL=6.1.0-53-cloud-amd64 "$TESTBED" run-guest -- uname -r)
expect_eq "release with KSPLICE_KERNEL" "$got" 6.1.0-53-cloud-amd64
got=$("$TESTBED" --kernel 6.1.0-53-cloud-amd64 run-guest -- sh -c \
	'insmod /ksplice/kmod-helper.ko && cat /sys/kernel/ksplice/version && rmmod kmod_helper && uname -v')
echo "$got" | grep -q "Debian 6.1.187-1" || fail "not the 6.1.187-1 build: $got"
echo "ok: kmod-helper built for and loaded into 6.1.0-53-cloud-amd64"
