# helper.load_unload: kmod-helper loads, publishes its version in
# /sys/kernel/ksplice/, and unloads cleanly.
. "$(dirname "$0")/lib.sh"
want=$(sed -n 's/^#define KSPLICE_HELPER_VERSION "\(.*\)"$/\1/p' "$SRC_DIR/kmod-helper/helper.h")
out=$("$TESTBED" run-guest -- sh -c '
	insmod /ksplice/kmod-helper.ko || exit 10
	cat /sys/kernel/ksplice/version || exit 11
	(echo x >/sys/kernel/ksplice/version) 2>/dev/null && exit 12
	rmmod kmod_helper || exit 13
	[ -e /sys/kernel/ksplice ] && exit 14
	insmod /ksplice/kmod-helper.ko && rmmod kmod_helper || exit 15
	echo unloaded')
expect_eq "helper version and unload" "$out" "$want
unloaded"
