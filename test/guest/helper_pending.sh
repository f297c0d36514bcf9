# helper.pending: update A applied while ksplice_target is NOT loaded: its
# entry is planned pending from ksplice_target.ko (ksplice-test-plan
# --pending), the apply succeeds with the part waiting (targets says
# "ksplice_target pending", functions shows OLD_ADDR 0); insmod
# ksplice_target then loads it already patched (jump after the fentry call in its live
# bytes, value 2 at the first call), pinned (rmmod refused); undo restores
# the original bytes and rmmod works. Undo while the part is still pending
# writes nothing, and a later load is unpatched; applying again once the
# module is loaded is refused with module_busy (plan again).
. "$(dirname "$0")/helper_lib.sh"
build_helper_modules ksplice_target ksplice_update_a
guest_must_pass -- '
PLAN_PENDING="--pending ksplice_target=/files/ksplice_target.ko"
old_addr() {
	awk "\$1 == \"$TARGET\" { print \$2 }" $KS/testa/functions
}
insmod /files/kmod-helper.ko || fail "insmod kmod-helper"
[ -e /sys/module/ksplice_target ] && fail "ksplice_target loaded at the start"
load_update a $PLAN_PENDING
expect "targets before apply" "$(cat $KS/testa/targets)" ksplice_target
set_stage testa applied || fail "apply with a pending part: $(cause testa): $(cat $KS/testa/abort_detail)"
expect "stage" "$(cat $KS/testa/stage)" applied
expect "targets while pending" "$(cat $KS/testa/targets)" "ksplice_target pending"
expect "old_addr while pending" "$(old_addr)" 0x0

insmod /files/ksplice_target.ko || fail "insmod ksplice_target with a pending part"
dmesg | grep -q "ksplice: update testa: applied into module ksplice_target as it loads" ||
	fail "no log line for the part applied at load"
expect "first call is patched" "$(value)" 2
ENTRY=$(entry_len "$(sym_addr $TARGET)")
expect "jump at +$((ENTRY + 5)) in the live bytes" "$(hex_at $(target_bytes 16) $((ENTRY + 5)) 1)" e9
expect "old_addr once loaded" "$(old_addr)" "0x$(sym_addr $TARGET)"
expect "targets once loaded" "$(cat $KS/testa/targets)" "ksplice_target pinned"
expect "stage" "$(cat $KS/testa/stage)" applied
rmmod ksplice_target 2>/dev/null && fail "rmmod unloaded the module patched at load"
[ -e /sys/module/ksplice_target ] || fail "ksplice_target gone"
set_stage testa reversed || fail "undo: $(cause testa): $(cat $KS/testa/abort_detail)"
expect "value after undo" "$(value)" 1
expect "no jump after undo" "$(hex_at $(target_bytes 16) $((ENTRY + 5)) 1)" 8b
expect "targets after undo" "$(cat $KS/testa/targets)" ksplice_target
expect "old_addr after undo" "$(old_addr)" 0x0
rmmod ksplice_target || fail "rmmod ksplice_target after undo"

# Undo while still pending; the module then loads unpatched.
set_stage testa applied || fail "apply again: $(cause testa)"
expect "targets pending again" "$(cat $KS/testa/targets)" "ksplice_target pending"
set_stage testa reversed || fail "undo while pending: $(cause testa): $(cat $KS/testa/abort_detail)"
expect "stage after undo while pending" "$(cat $KS/testa/stage)" reversed
expect "targets after undo while pending" "$(cat $KS/testa/targets)" ksplice_target
insmod /files/ksplice_target.ko || fail "insmod after undo while pending"
expect "value when loaded after undo" "$(value)" 1
expect "targets, loaded after undo" "$(cat $KS/testa/targets)" ksplice_target

# Loaded since the plan was made: refused, plan again.
set_stage testa applied && fail "applied a pending plan with the module loaded"
expect "cause with the module loaded" "$(cause testa)" module_busy
expect "detail" "$(cat $KS/testa/abort_detail)" \
	"module ksplice_target loaded since the update was planned: plan again"
expect "value" "$(value)" 1
rmmod ksplice_update_a || fail "rmmod update a"
rmmod ksplice_target || fail "rmmod ksplice_target"
rmmod kmod_helper || fail "rmmod kmod_helper"
echo PASS'
