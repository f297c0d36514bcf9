# helper.tampered: undo refuses, with trampoline_changed and without writing
# anything, when the jump it wrote has been overwritten since (here by a
# test module that restores the original bytes behind the helper's back).
. "$(dirname "$0")/helper_lib.sh"
build_helper_modules ksplice_target ksplice_update_a ksplice_tamper
guest_must_pass -- '
load_helper
before=$(target_bytes)
load_update a
set_stage testa applied || fail "apply: $(cause testa)"
site=$(printf %x $((0x$(sym_addr $TARGET) + JUMP)))
insmod /files/ksplice_tamper.ko addr=0x$site bytes=$(hex_at $before $JUMP 5) || fail "tampering"
expect "value after tampering" "$(value)" 1
tampered=$(target_bytes)
set_stage testa reversed && fail "undo over a changed trampoline"
expect "undo" "$(cause testa)" trampoline_changed
grep -q "overwritten" $KS/testa/abort_detail || fail "abort_detail: $(cat $KS/testa/abort_detail)"
expect "stage" "$(cat $KS/testa/stage)" applied
expect "bytes untouched by the refused undo" "$(target_bytes)" "$tampered"
echo PASS'
