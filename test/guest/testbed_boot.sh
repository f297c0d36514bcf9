# testbed.boot: the pinned kernel boots and runs a command as root.
. "$(dirname "$0")/lib.sh"
eval "$("$TESTBED" env)"
out=$("$TESTBED" run-guest -- sh -c 'uname -r; id -u')
expect_eq "guest kernel release" "$(echo "$out" | sed -n 1p)" "$KSPLICE_KERNEL_RELEASE"
expect_eq "guest user" "$(echo "$out" | sed -n 2p)" 0
out=$("$TESTBED" run-guest --cpu max --smp 1 --nokaslr -- sh -c 'nproc; cat /proc/cmdline')
expect_eq "--smp 1" "$(echo "$out" | sed -n 1p)" 1
echo "$out" | sed -n 2p | grep -qw nokaslr || fail "--nokaslr not on the kernel command line"
echo "ok: --nokaslr reaches the kernel command line"
# No network device but with run-guest --ssh (e2e.fleet): only the loopback
# interface exists.
ifaces=$("$TESTBED" run-guest -- ls /sys/class/net)
expect_eq "network interfaces" "$ifaces" lo
