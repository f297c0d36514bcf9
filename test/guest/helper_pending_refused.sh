# helper.pending_refused: the pending part is checked when its module comes.
# A plan made from a file that differs from the loaded one (one byte of the
# function changed before hashing; a wrong hash) makes insmod ksplice_target
# fail: one kernel log line "ksplice: update testa: refusing to load module
# ksplice_target: ..." naming the function, without raw addresses; the
# module is not loaded, the update stays applied with its part pending, and
# undo works. A module whose init fails after COMING (fail_init=1) gets the
# part at COMING and gives it back at GOING: the update stays applied, the
# part pending, and the next load is patched.
. "$(dirname "$0")/helper_lib.sh"
build_helper_modules ksplice_target ksplice_update_a
guest_must_pass -- '
PLAN_PENDING="--pending ksplice_target=/files/ksplice_target.ko"
insmod /files/kmod-helper.ko || fail "insmod kmod-helper"

refused() {
	set_stage testa applied || fail "apply: $(cause testa): $(cat $KS/testa/abort_detail)"
	insmod /files/ksplice_target.ko 2>/tmp/err && fail "$1: insmod succeeded"
	echo "ok: $1: insmod says: $(cat /tmp/err)"
	[ -e /sys/module/ksplice_target ] && fail "$1: ksplice_target loaded"
	# busybox insmod tries finit_module, then init_module: one line each.
	dmesg | grep "refusing to load" | sed "s/^\[[ 0-9.]*\] //" | sort -u >/tmp/log
	expect "$1: distinct log lines" "$(wc -l </tmp/log)" 1
	grep -q "^ksplice: update testa: refusing to load module ksplice_target: ksplice_target_value: loaded code differs from the planned file" /tmp/log ||
		fail "$1: log line: $(cat /tmp/log)"
	grep -q "0x[0-9a-f]\{9,\}" /tmp/log && fail "$1: raw address in the log: $(cat /tmp/log)"
	expect "$1: stage" "$(cat $KS/testa/stage)" applied
	expect "$1: targets" "$(cat $KS/testa/targets)" "ksplice_target pending"
	expect "$1: cause" "$(cause testa)" no_match
	set_stage testa reversed || fail "$1: undo: $(cause testa): $(cat $KS/testa/abort_detail)"
	expect "$1: targets after undo" "$(cat $KS/testa/targets)" ksplice_target
	insmod /files/ksplice_target.ko || fail "$1: insmod after undo"
	expect "$1: value after undo" "$(value)" 1
	rmmod ksplice_target || fail "$1: rmmod ksplice_target"
	rmmod ksplice_update_a || fail "$1: rmmod update a"
	dmesg -c >/dev/null
}

load_update a $PLAN_PENDING --pending-flip 12
refused "one byte changed"
load_update a $PLAN_PENDING --pending-hash \
	0000000000000000000000000000000000000000000000000000000000000000
refused "wrong hash"

# GOING: init fails after COMING.
load_update a $PLAN_PENDING
set_stage testa applied || fail "apply: $(cause testa)"
insmod /files/ksplice_target.ko fail_init=1 2>/dev/null && fail "fail_init=1 loaded"
[ -e /sys/module/ksplice_target ] && fail "ksplice_target loaded after its init failed"
dmesg | grep -q "ksplice: update testa: applied into module ksplice_target as it loads" ||
	fail "part not applied at COMING"
dmesg | grep -q "ksplice: update testa: module ksplice_target is going away: its part is pending again" ||
	fail "part not reversed at GOING: $(dmesg | grep ksplice | tail -3)"
expect "stage after GOING" "$(cat $KS/testa/stage)" applied
expect "targets after GOING" "$(cat $KS/testa/targets)" "ksplice_target pending"
insmod /files/ksplice_target.ko || fail "insmod after GOING"
expect "value after GOING and a new load" "$(value)" 2
expect "targets" "$(cat $KS/testa/targets)" "ksplice_target pinned"
set_stage testa reversed || fail "undo: $(cause testa)"
expect "value after undo" "$(value)" 1
rmmod ksplice_target || fail "rmmod ksplice_target"
rmmod ksplice_update_a || fail "rmmod update a"
rmmod kmod_helper || fail "rmmod kmod_helper"
echo PASS'
