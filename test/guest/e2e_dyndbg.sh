# shellcheck shell=bash
# e2e.dyndbg: new code with a pr_debug() (a new dynamic debug descriptor in
# vmlinux's fs/proc/cmdline.c, refused before as a new entry of a kernel
# table): the update brings its descriptor, the kernel registers it under
# the update module's name; the message is off until enabled by a query on
# that module, then printed on every read of /proc/cmdline, off again when
# disabled; after undo the descriptor is gone with the module.
. "$(dirname "$0")/lib.sh"
eval "$("$TESTBED" env)"
ID=e2edd1
u=$(create_update demo-cmdline-debug.patch "$ID")
out=$("$TESTBED" run-guest --file "$u" -- sh -c '
	ctl=/proc/dynamic_debug/control
	said() { dmesg | grep -c "ksplice dyndbg test: cmdline read"; }
	ksplice-apply ksplice-'$ID'.tar.gz; echo "apply $?"
	echo "control $(grep "\[ksplice_'$ID'\]" $ctl)"
	cat /proc/cmdline >/dev/null; echo "off $(said)"
	echo "module ksplice_'$ID' +p" >$ctl; echo "enable $?"
	echo "control-on $(grep "\[ksplice_'$ID'\]" $ctl)"
	cat /proc/cmdline >/dev/null; cat /proc/cmdline >/dev/null; echo "on $(said)"
	echo "module ksplice_'$ID' -p" >$ctl; echo "disable $?"
	cat /proc/cmdline >/dev/null; echo "off-again $(said)"
	ksplice-undo '$ID'; echo "undo $?"
	echo "control-after $(grep -c "\[ksplice_'$ID'\]" $ctl)"' 2>&1)
echo "$out"
expect_eq "apply" "$(line apply)" 0
line control | grep -q "^fs/proc/cmdline.c:[0-9]* \[ksplice_$ID\]cmdline_proc_show =_ " ||
	fail "the descriptor is not registered under the update module: $(line control)"
expect_eq "message before it is enabled" "$(line off)" 0
expect_eq "enable by module query" "$(line enable)" 0
line control-on | grep -q "cmdline_proc_show =p " || fail "not enabled: $(line control-on)"
expect_eq "messages once enabled (two reads)" "$(line on)" 2
expect_eq "disable" "$(line disable)" 0
expect_eq "messages after disabling" "$(line off-again)" 2
expect_eq "undo" "$(line undo)" 0
expect_eq "descriptors of the update after undo" "$(line control-after)" 0
echo PASS
