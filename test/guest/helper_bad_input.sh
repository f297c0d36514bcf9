# helper.bad_input: plans and requests the helper must refuse, each with its
# abort cause, without writing anything: wrong expected bytes, an address
# outside kernel text or in the helper, a jump that does not fit or overlaps
# the fentry site, writes by a non-root user and by root without
# CAP_SYS_MODULE, a double apply, an undo of an update that is not applied.
. "$(dirname "$0")/helper_lib.sh"
build_helper_modules ksplice_target ksplice_update_a
guest_must_pass -- '
load_helper
before=$(target_bytes)

# refused LABEL CAUSE [ksplice-test-plan options]: the plan is refused on apply.
refused() {
	label=$1 want=$2
	shift 2
	load_update a "$@"
	set_stage testa applied && fail "$label: applied"
	expect "$label" "$(cause testa)" $want
	expect "$label: stage" "$(cat $KS/testa/stage)" prepared
	expect "$label: pause_ns" "$(cat $KS/testa/pause_ns)" 0
	expect "$label: target bytes" "$(target_bytes)" "$before"
	rmmod ksplice_update_a || fail "$label: rmmod"
}
refused "wrong expected bytes" no_match --expected 9090909090
refused "data address" bad_plan --old-addr "$(awk "\$3 == \"jiffies_64\" { print \$1 }" /proc/kallsyms)"
refused "user-space address" bad_plan --old-addr 400000
refused "not a function start" bad_plan --old-addr "$(printf %x $((0x$(sym_addr $TARGET) + 1)))"
refused "jump past the end" bad_plan --jump-offset 1000
refused "jump over the fentry site" bad_plan --jump-offset 0
refused "size beyond the symbol" bad_plan --old-size 4096
refused "the helper itself" bad_plan --old-addr "$(sym_addr ksplice_register_update)"

load_update a
su -s /bin/sh nobody -c "echo applied >$KS/testa/stage" 2>/dev/null && fail "nobody applied"
expect "write by nobody: stage" "$(cat $KS/testa/stage)" prepared
ksplice-test-nocap sh -c "echo applied >$KS/testa/stage" 2>/tmp/err && fail "root without CAP_SYS_MODULE applied"
grep -q "not permitted" /tmp/err || fail "root without CAP_SYS_MODULE: $(cat /tmp/err)"
expect "write without CAP_SYS_MODULE: stage" "$(cat $KS/testa/stage)" prepared
expect "target bytes" "$(target_bytes)" "$before"
echo garbage 2>/dev/null >$KS/testa/stage && fail "stage accepted garbage"

set_stage testa reversed && fail "undo of a prepared update"
expect "undo before apply" "$(cause testa)" not_applied
set_stage testa applied || fail "apply: $(cause testa)"
applied=$(target_bytes)
set_stage testa applied && fail "second apply"
expect "double apply" "$(cause testa)" already_applied
expect "double apply: bytes" "$(target_bytes)" "$applied"
expect "double apply: value" "$(value)" 2
set_stage testa reversed || fail "undo: $(cause testa)"
set_stage testa reversed && fail "second undo"
expect "double undo" "$(cause testa)" not_applied
expect "target bytes" "$(target_bytes)" "$before"
echo PASS'
