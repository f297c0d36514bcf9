# helper.unprivileged: a user who sees zeros in /proc/kallsyms reads no
# kernel address in any file under /sys/kernel/ksplice/, after an apply and
# after a failed apply whose abort_detail names an address; root still reads
# the addresses (abort_detail, functions).
. "$(dirname "$0")/helper_lib.sh"
build_helper_modules ksplice_target ksplice_update_a ksplice_update_b
guest_must_pass -- '
ADDR="(0x)?ffff[0-9a-f]{8,12}|0x[0-9a-f]{9,16}"
as_nobody() {
	su nobody -s /bin/sh -c "$1"
}
# Every file under the directory as nobody: "path: content" or "path: -".
read_all_as_nobody() {
	as_nobody "id -u; for f in \$(find $KS -type f); do
		printf \"%s: \" \$f; cat \$f 2>/dev/null | tr \"\\n\" \" \" || printf -; echo; done"
}
check_nobody() {
	out=$(read_all_as_nobody)
	expect "$1: reader uid" "$(echo "$out" | head -1)" 65534
	echo "$out" | grep -q "$KS/version: " || fail "$1: nothing read: $out"
	leak=$(echo "$out" | grep -E "$ADDR") && fail "$1: nobody reads an address: $leak"
	echo "ok: $1: no address in $(echo "$out" | wc -l) lines read as nobody"
}
expect "nobody sees zeros in /proc/kallsyms" \
	"$(as_nobody "head -1 /proc/kallsyms" | cut -c1-16)" 0000000000000000
load_helper
load_update a
set_stage testa applied || fail "apply: $(cause testa)"
check_nobody "after apply"
grep -qE "$ADDR" $KS/testa/functions || fail "root: no address in functions"

load_update b --expected 0000000000
set_stage testb applied && fail "apply with wrong expected bytes"
expect "cause" "$(cause testb)" no_match
grep -qE "$ADDR" $KS/testb/abort_detail || fail "root: no address in abort_detail: $(cat $KS/testb/abort_detail)"
check_nobody "after a failed apply"
dmesg | grep "testb: apply refused" | grep -qE "$ADDR" && fail "address in the kernel log: $(dmesg | grep testb)"
dmesg | grep -q "testb: apply refused: no_match: .*0x(hidden)" || fail "log line: $(dmesg | grep testb)"
set_stage testa reversed || fail "undo: $(cause testa)"
rmmod ksplice_update_b ksplice_update_a ksplice_target kmod_helper || fail "rmmod"
echo PASS'
