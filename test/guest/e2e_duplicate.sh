# shellcheck shell=bash
# e2e.duplicate_static: c_start exists three times in the kernel; an update
# to crypto/proc.c's copy changes /proc/crypto (one algorithm fewer) and
# leaves /proc/cpuinfo and /proc/consoles, served by the other two copies,
# as they were; undo restores /proc/crypto.
. "$(dirname "$0")/lib.sh"
eval "$("$TESTBED" env)"
create_update duplicate-static.patch e2edup01 >/dev/null
out=$("$TESTBED" run-guest --file "$TEST_TMP/ksplice-e2edup01.tar.gz" -- sh -c '
	n() { grep -c "^name" /proc/crypto; }
	echo "copies $(grep -c " c_start$" /proc/kallsyms)"
	echo "crypto-before $(n)"
	cpu=$(md5sum </proc/cpuinfo); con=$(md5sum </proc/consoles)
	ksplice-apply --helper /ksplice/kmod-helper.ko ksplice-e2edup01.tar.gz; echo "apply $?"
	echo "crypto-patched $(n)"
	[ "$cpu" = "$(md5sum </proc/cpuinfo)" ] && echo "cpuinfo same" || echo "cpuinfo changed"
	[ "$con" = "$(md5sum </proc/consoles)" ] && echo "consoles same" || echo "consoles changed"
	ksplice-undo e2edup01; echo "undo $?"
	echo "crypto-after $(n)"' 2>&1)
echo "$out"
expect_eq "copies of c_start in kallsyms" "$(line copies)" 3
expect_eq "ksplice-apply" "$(line apply)" 0
before=$(line crypto-before)
expect_eq "algorithms listed while patched" "$(line crypto-patched)" "$((before - 1))"
expect_eq "/proc/cpuinfo (x86's c_start)" "$(line cpuinfo)" same
expect_eq "/proc/consoles (fs/proc's c_start)" "$(line consoles)" same
expect_eq "ksplice-undo" "$(line undo)" 0
expect_eq "algorithms after undo" "$(line crypto-after)" "$before"
