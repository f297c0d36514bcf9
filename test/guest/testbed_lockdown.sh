# testbed.lockdown: what a plain (BIOS) guest booted with lockdown= or
# module.sig_enforce=1 does to the unsigned kmod-helper, as ksplice-apply will
# meet it: the errno of the load, the kernel's log line, and what
# /sys/kernel/security/lockdown and /sys/module/module/parameters/sig_enforce
# read. busybox insmod exits with the errno (1 EPERM, 129 EKEYREJECTED).
. "$(dirname "$0")/lib.sh"

probe='echo "lockdown $(cat /sys/kernel/security/lockdown)"
echo "sig_enforce $(cat /sys/module/module/parameters/sig_enforce)"
insmod /ksplice/kmod-helper.ko 2>err
echo "insmod $? $(sed "s/.*: //" err)"
head -c 1 /proc/kcore >/dev/null 2>&1 && echo "kcore readable" || echo "kcore refused"
echo "log $(dmesg | grep -E "Lockdown: insmod|Loading of unsigned" | head -1 | sed "s/^\[[ 0-9.]*\] //")"
lsmod | grep -q "^kmod_helper" && echo "loaded yes"
true'

# boot ARGS: runs the probe in a guest booted with ARGS.
boot() {
	echo "== $1"
	out=$("$TESTBED" run-guest --append "$1" -- sh -c "$probe")
	echo "$out"
}

boot "lockdown=integrity"
expect_eq "lockdown" "$(line lockdown)" "none [integrity] confidentiality"
expect_eq "sig_enforce" "$(line sig_enforce)" N
expect_eq "insmod" "$(line insmod)" "1 Operation not permitted"
expect_eq "kernel log" "$(line log)" "Lockdown: insmod: unsigned module loading is restricted; see man kernel_lockdown.7"
expect_eq "/proc/kcore" "$(line kcore)" readable
expect_eq "helper loaded" "$(line loaded)" ""

boot "lockdown=confidentiality"
expect_eq "lockdown" "$(line lockdown)" "none integrity [confidentiality]"
expect_eq "insmod" "$(line insmod)" "1 Operation not permitted"
expect_eq "/proc/kcore" "$(line kcore)" refused

boot "module.sig_enforce=1"
expect_eq "lockdown" "$(line lockdown)" "[none] integrity confidentiality"
expect_eq "sig_enforce" "$(line sig_enforce)" Y
expect_eq "insmod" "$(line insmod)" "129 Key was rejected by service"
expect_eq "kernel log" "$(line log)" "Loading of unsigned module is rejected"
expect_eq "helper loaded" "$(line loaded)" ""

# The control: the same probe on a default boot loads the helper.
boot "quiet"
expect_eq "lockdown (default)" "$(line lockdown)" "[none] integrity confidentiality"
expect_eq "insmod (default)" "$(line insmod)" "0 "
expect_eq "helper loaded (default)" "$(line loaded)" yes
