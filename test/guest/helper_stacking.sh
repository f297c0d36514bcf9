# helper.stacking: update B on a function already replaced by update A
# patches A's new code (the helper follows A's trampoline); A cannot be
# undone while B is applied; undo B, then A, restores the original bytes.
# B's plan may also name A's code directly (its targets still name the
# module A patches); a plan for B made before A was
# applied no longer matches once A is (its size is cut to fit A's code, so
# that the bytes are compared).
. "$(dirname "$0")/helper_lib.sh"
build_helper_modules ksplice_target ksplice_update_a ksplice_update_b
guest_must_pass -- '
load_helper
before=$(target_bytes)
load_update a
set_stage testa applied || fail "apply A: $(cause testa)"
with_a=$(target_bytes)
new_a=$(sym_addr ksplice_target_value_a)
a_before=$(ksplice-kcore-read $new_a 16)

load_update b
expect "long description cut to 255 bytes" "$(wc -c <$KS/testb/description)" 256
expect "cut description" "$(cut -c1-12 $KS/testb/description)" 012345678901
set_stage testb applied || fail "apply B: $(cause testb): $(cat $KS/testb/abort_detail)"
expect "value with A and B" "$(value)" 3
expect "B depends on" "$(cat $KS/testb/depends_on)" testa
expect "A depends on" "$(cat $KS/testa/depends_on)" ""
# A holds ksplice_target; B patches the code of A, held by A: no reference of its own.
expect "A targets" "$(cat $KS/testa/targets)" "ksplice_target pinned"
expect "B targets" "$(cat $KS/testb/targets)" ksplice_target
expect "original function untouched by B" "$(target_bytes)" "$with_a"
expect "B jumps from A code" "$(hex_at $(ksplice-kcore-read $new_a 16) $(($(entry_len $new_a) + 5)) 1)" e9
set_stage testa reversed && fail "A undone under B"
expect "undo A under B" "$(cause testa)" has_dependents
grep -q "^update testb patches this one.s code: undo testb first$" $KS/testa/abort_detail ||
	fail "has_dependents detail does not name B: $(cat $KS/testa/abort_detail)"
expect "value" "$(value)" 3
rmmod ksplice_update_a 2>/dev/null && fail "A unloaded under B"
set_stage testb reversed || fail "undo B: $(cause testb)"
expect "value after undo B" "$(value)" 2
expect "A code after undo B" "$(ksplice-kcore-read $new_a 16)" "$a_before"
set_stage testa reversed || fail "undo A: $(cause testa)"
expect "value after undo A" "$(value)" 1
expect "bytes after both undone" "$(target_bytes)" "$before"
rmmod ksplice_update_b || fail "rmmod B"

set_stage testa applied || fail "apply A again: $(cause testa)"
load_update b --direct
grep -q "^ksplice_target_value 0x$new_a " $KS/testb/functions || fail "B does not name A code: $(cat $KS/testb/functions)"
set_stage testb applied || fail "apply B naming A code: $(cause testb)"
expect "value with B naming A code" "$(value)" 3
expect "B naming A code: targets" "$(cat $KS/testb/targets)" ksplice_target
expect "B depends on" "$(cat $KS/testb/depends_on)" testa
set_stage testb reversed || fail "undo B: $(cause testb)"
set_stage testa reversed || fail "undo A: $(cause testa)"
rmmod ksplice_update_b || fail "rmmod B"

load_update b --old-size 15
set_stage testa applied || fail "apply A again: $(cause testa)"
set_stage testb applied && fail "stale plan for B applied"
expect "stale plan for B" "$(cause testb)" no_match
expect "value" "$(value)" 2
set_stage testa reversed || fail "undo A: $(cause testa)"
expect "bytes at the end" "$(target_bytes)" "$before"
rmmod ksplice_update_b ksplice_update_a || fail "rmmod updates"
echo PASS'
