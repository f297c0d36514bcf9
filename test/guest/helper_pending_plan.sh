# helper.pending_plan: the plan lines of pending parts (pending, pmask,
# pkey). Every malformed or contradictory line is refused (bad_plan, with an
# abort_detail naming the fault) and the write is taken whole or not at all
# (a pmask may follow its pending line in the same write). A reference of
# the new code to the pending module (update P: ksplice_target_value returns
# ksplice_target_other() + 10) is a pkey: the apply needs it planned, and
# it is valued and written when ksplice_target comes, by name ("-") or by
# .symtab index; an index naming another symbol, or a key of a module that
# is not loaded, refuses the load.
. "$(dirname "$0")/helper_lib.sh"
build_helper_modules ksplice_target ksplice_update_a ksplice_update_p
symindex() {
	readelf -sW "$HELPER_MODS/ksplice_target.ko" |
		awk -v n="$1" '$8 == n { sub(":", "", $1); print $1 }'
}
OTHER=$(symindex ksplice_target_other)
VALUE=$(symindex ksplice_target_value)
[ -n "$OTHER" ] && [ -n "$VALUE" ] || fail "no symbol indexes in ksplice_target.ko"
guest_must_pass -- "OTHER=$OTHER VALUE=$VALUE"'
Z=0000000000000000000000000000000000000000000000000000000000000000
P="pending 0 ksplice_target $VALUE ksplice_target_value 47 5 $Z"
# bad ID LABEL DETAIL LINE...: the write of the lines is refused.
bad() {
	id=$1 label=$2 detail=$3
	shift 3
	printf "%s\n" "$@" >$KS/$id/plan 2>/dev/null && fail "$label: taken"
	expect "$label: cause" "$(cause $id)" bad_plan
	expect "$label: detail" "$(cat $KS/$id/abort_detail)" "$detail"
}
insmod /files/kmod-helper.ko || fail "insmod kmod-helper"
insmod /files/ksplice_update_a.ko || fail "insmod update a"
bad testa "pmask first" "plan: pmask for entry 0 (ksplice_target_value), which is not pending" \
	"pmask 0 0 5"
bad testa "short pending" "plan: malformed pending line" \
	"pending 0 ksplice_target $VALUE ksplice_target_value 47 5"
bad testa "long pending" "plan: malformed pending line" "$P extra"
bad testa "short hash" "plan: malformed pending line" \
	"pending 0 ksplice_target $VALUE ksplice_target_value 47 5 00ff"
bad testa "hex symindex" "plan: malformed pending line" \
	"pending 0 ksplice_target 0x5f ksplice_target_value 47 5 $Z"
bad testa "symindex 0" "plan: malformed pending line" \
	"pending 0 ksplice_target 0 ksplice_target_value 47 5 $Z"
bad testa "no entry" "plan: no entry 3" \
	"pending 3 ksplice_target $VALUE ksplice_target_value 47 5 $Z"
bad testa "module name" "plan: pending entry 0: bad module name ksplice/target" \
	"pending 0 ksplice/target $VALUE ksplice_target_value 47 5 $Z"
bad testa "no room" "plan: pending entry 0 (ksplice_target_value): size 8 cannot hold a jump at +5" \
	"pending 0 ksplice_target $VALUE ksplice_target_value 8 5 $Z"
bad testa "pmask beyond" "plan: pmask 40+8 of entry 0 (ksplice_target_value) is beyond its 47 bytes" \
	"$P" "pmask 0 40 8"
bad testa "pmask empty" "plan: malformed pmask line" "$P" "pmask 0 4 0"
bad testa "pkey of no key" "plan: key nosuchkey is not one of the update'"'"'s" \
	"pkey nosuchkey ksplice_target - ksplice_target_other 0"
expect "targets after refused writes" "$(cat $KS/testa/targets)" ""
printf "%s\n" "$P" "pmask 0 0 5" "pmask 0 2 9" >$KS/testa/plan || fail "pending and pmask in one write"
expect "targets once planned" "$(cat $KS/testa/targets)" ksplice_target
expect "functions once planned" "$(awk "{ print \$2 }" $KS/testa/functions)" 0x0
bad testa "patch of a pending entry" "plan: entry 0 (ksplice_target_value) is pending: it cannot have a patch line" \
	"patch 0 0xffffffff81000000 47 5 0f1f440000"
rmmod ksplice_update_a || fail "rmmod update a"
insmod /files/ksplice_update_a.ko || fail "insmod update a"
echo "patch 0 0xffffffff81000000 47 5 0f1f440000" >$KS/testa/plan || fail "a patch line"
bad testa "pending after patch" "plan: entry 0 (ksplice_target_value) has a patch or check line: it cannot be pending" "$P"
rmmod ksplice_update_a || fail "rmmod update a"

# pkey: update P calls ksplice_target_other through a key.
PLAN="--pending ksplice_target=/files/ksplice_target.ko"
# pkey_case LABEL PKEY-LINE: update P planned pending with that pkey, applied.
pkey_case() {
	insmod /files/ksplice_update_p.ko || fail "$1: insmod update p"
	ksplice-test-plan $PLAN /files/ksplice_update_p.ko testp || fail "$1: plan"
	echo "$2" >$KS/testp/plan || fail "$1: pkey line: $(cat $KS/testp/abort_detail)"
	set_stage testp applied || fail "$1: apply: $(cause testp): $(cat $KS/testp/abort_detail)"
	expect "$1: targets" "$(cat $KS/testp/targets)" "ksplice_target pending"
}
pkey_loaded() {
	insmod /files/ksplice_target.ko || fail "$1: insmod ksplice_target"
	expect "$1: value" "$(value)" 17
	set_stage testp reversed || fail "$1: undo: $(cause testp)"
	expect "$1: value after undo" "$(value)" 1
	rmmod ksplice_target || fail "$1: rmmod ksplice_target"
	rmmod ksplice_update_p || fail "$1: rmmod update p"
}
pkey_refused() {
	insmod /files/ksplice_target.ko 2>/dev/null && fail "$1: ksplice_target loaded"
	[ -e /sys/module/ksplice_target ] && fail "$1: ksplice_target loaded"
	expect "$1: detail" "$(cat $KS/testp/abort_detail)" "$2"
	dmesg | grep -q "ksplice: update testp: refusing to load module ksplice_target: $2" ||
		fail "$1: no log line"
	expect "$1: targets" "$(cat $KS/testp/targets)" "ksplice_target pending"
	set_stage testp reversed || fail "$1: undo: $(cause testp)"
	rmmod ksplice_update_p || fail "$1: rmmod update p"
}
insmod /files/ksplice_update_p.ko || fail "insmod update p"
ksplice-test-plan $PLAN /files/ksplice_update_p.ko testp || fail "plan of p"
set_stage testp applied && fail "applied without its key"
expect "no key: cause" "$(cause testp)" bad_plan
expect "no key: detail" "$(cat $KS/testp/abort_detail)" "key ksplice_target_other has no address in the plan"
bad testp "pkey index" "plan: malformed pkey line" \
	"pkey ksplice_target_other ksplice_target x ksplice_target_other 0"
bad testp "pkey offset" "plan: malformed pkey line" \
	"pkey ksplice_target_other ksplice_target - ksplice_target_other 0x10"
rmmod ksplice_update_p || fail "rmmod update p"

pkey_case "by name" "pkey ksplice_target_other ksplice_target - ksplice_target_other 0"
pkey_loaded "by name"
pkey_case "by index" "pkey ksplice_target_other ksplice_target $OTHER ksplice_target_other 0"
pkey_loaded "by index"
pkey_case "wrong index" "pkey ksplice_target_other ksplice_target $VALUE ksplice_target_other 0"
pkey_refused "wrong index" \
	"key ksplice_target_other: symbol $VALUE of module ksplice_target is not ksplice_target_other: another file was loaded"
pkey_case "module not loaded" "pkey ksplice_target_other ksplice_dep - ksplice_target_other 0"
pkey_refused "module not loaded" "key ksplice_target_other: module ksplice_dep is not loaded"
insmod /files/ksplice_target.ko || fail "insmod ksplice_target at the end"
expect "value at the end" "$(value)" 1
rmmod ksplice_target || fail "rmmod ksplice_target"
rmmod kmod_helper || fail "rmmod kmod_helper"
echo PASS'
