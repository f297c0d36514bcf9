# helper.apply_undo: an update changes behaviour when applied, undo restores
# it, and the code after undo equals the code before apply byte for byte
# (read back through /proc/kcore); the update module is pinned while applied;
# the fentry call is claimed (a call into ftrace) while applied, a nop after.
# Under -cpu qemu64 and -cpu max.
. "$(dirname "$0")/helper_lib.sh"
build_helper_modules ksplice_target ksplice_update_a
script='
load_helper
before=$(target_bytes)
expect "value before" "$(value)" 1
load_update a
expect "stage after insmod" "$(cat $KS/testa/stage)" prepared
grep -q "^ksplice_target_value 0x$(sym_addr $TARGET) 0x" $KS/testa/functions || fail "functions: $(cat $KS/testa/functions)"
expect "description, on one line" "$(cat $KS/testa/description)" "ksplice_target_value returns 2, then sleeps"
expect "applied_at before apply" "$(cat $KS/testa/applied_at)" 0
t0=$(date +%s)
set_stage testa applied || fail "apply: $(cause testa): $(cat $KS/testa/abort_detail)"
t1=$(date +%s)
expect "stage" "$(cat $KS/testa/stage)" applied
at=$(cat $KS/testa/applied_at)
[ "$at" -ge "$t0" ] && [ "$at" -le "$t1" ] || fail "applied_at $at not in [$t0, $t1]"
expect "abort_cause" "$(cause testa)" ok
expect "value applied" "$(value)" 2
[ "$(cat $KS/testa/pause_ns)" -gt 0 ] || fail "pause_ns is 0"
after=$(target_bytes)
# The fentry nop became a call: the helper owns it through ftrace (claim).
expect "fentry nop before" "$(hex_at $before $ENTRY 5)" 0f1f440000
expect "fentry call while applied" "$(hex_at $after $ENTRY 1)" e8
expect "jump opcode at +$JUMP" "$(hex_at $after $JUMP 1)" e9
expect "bytes after the jump" "$(hex_at $after $((JUMP + 5)))" "$(hex_at $before $((JUMP + 5)))"
rmmod ksplice_update_a 2>/dev/null && fail "update module unloaded while applied"
set_stage testa reversed || fail "undo: $(cause testa)"
expect "stage" "$(cat $KS/testa/stage)" reversed
expect "value reversed" "$(value)" 1
expect "bytes after undo" "$(target_bytes)" "$before"
set_stage testa applied || fail "re-apply: $(cause testa)"
expect "value re-applied" "$(value)" 2
set_stage testa reversed || fail "second undo: $(cause testa)"
expect "bytes after second undo" "$(target_bytes)" "$before"
rmmod ksplice_update_a || fail "rmmod update after undo"
[ -e $KS/testa ] && fail "$KS/testa still there"
rmmod ksplice_target kmod_helper || fail "rmmod"
echo PASS'
guest_must_pass -- "$script"
# Another CPU model: other alternatives and no retpolines in the live code.
guest_must_pass --cpu max -- "$script"
