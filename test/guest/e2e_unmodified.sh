# shellcheck shell=bash
# e2e.unmodified: the update module is loaded byte for byte as ksplice-create
# wrote it, and what run-pre matching learns reaches the kernel as a plan
# after insmod. ksplice-apply -v names the sha256 of what it inserts: that of
# update.ko in the file. The module has no undefined symbol but the helper's
# API and the exports the module loader resolves at load. By hand, the
# helper refuses to apply without a plan, or with one that lacks a key (bad_plan, the key named,
# neither the target nor the new code changed), refuses a key given a
# user-space address, applies the completed plan, and refuses any plan
# write once the relocations are written, also after undo; re-applying
# after undo works.
. "$(dirname "$0")/lib.sh"
eval "$("$TESTBED" env)"
u=$(create_update demo-cmdline.patch e2eunmod)
mkdir -p "$TEST_TMP/x" && tar xzf "$u" -C "$TEST_TMP/x"
sum=$(sha256sum "$TEST_TMP/x/update.ko" | cut -d' ' -f1)
undefined=$(nm "$TEST_TMP/x/update.ko" | awk '$1 == "U" { print $2 }' | sort | tr '\n' ' ')
expect_eq "undefined symbols of the update module" "$undefined" \
	"__fentry__ __x86_return_thunk ksplice_register_update ksplice_unregister_update "
grep -q "^EXTERNAL=saved_command_line$" "$TEST_TMP/x/metadata" || fail "no key for saved_command_line"

out=$("$TESTBED" run-guest --file "$u" -- sh -c '
	KS=/sys/kernel/ksplice/e2eunmod
	sym() { awk -v n="$1" "\$3 == n && NF == 3 { print \$1; exit }" /proc/kallsyms; }
	modsym() { awk -v n="$1" "\$3 == n { print \$1; exit }" /proc/kallsyms; }
	ksplice-apply -v ksplice-e2eunmod.tar.gz; echo "apply $?"
	ksplice-undo e2eunmod; echo "undo $?"
	tar xzf ksplice-e2eunmod.tar.gz update.ko metadata
	insmod update.ko; echo "insmod $?"
	target=$(sym cmdline_proc_show)
	new=$(modsym __ksplice_new_cmdline_proc_show)
	before=$(ksplice-kcore-read $target 32)
	new_before=$(ksplice-kcore-read $new 64)
	echo applied >$KS/stage; echo "no-plan $?"
	echo "nocause $(cat $KS/abort_cause)"
	echo "nodetail $(cat $KS/abort_detail)"
	ksplice-test-plan --print update.ko e2eunmod >plan; echo "entries $?"
	missing=$(sed -n "s/^EXTERNAL=//p" metadata | head -1)
	for key in $(sed -n "s/^EXTERNAL=//p" metadata); do
		[ "$key" = "$missing" ] || echo "key $key 0x$(sym $key)" >>plan
	done
	cat plan >$KS/plan; echo "plan $?"
	echo applied >$KS/stage; echo "missing-key $?"
	echo "cause $(cat $KS/abort_cause)"
	echo "detail $(cat $KS/abort_detail)"
	echo "missing $missing"
	[ "$(ksplice-kcore-read $target 32)" = "$before" ]; echo "target-unchanged $?"
	[ "$(ksplice-kcore-read $new 64)" = "$new_before" ]; echo "new-unchanged $?"
	echo "key $missing 0x400000" >$KS/plan; echo "user-address $?"
	echo "cause2 $(cat $KS/abort_cause)"
	echo "detail2 $(cat $KS/abort_detail)"
	echo "key $missing 0x$(sym $missing)" >$KS/plan; echo "complete $?"
	echo applied >$KS/stage; echo "applied $?"
	echo "patched $(cat /proc/cmdline)"
	[ "$(ksplice-kcore-read $new 64)" != "$new_before" ]; echo "new-relocated $?"
	echo "key $missing 0x$(sym $missing)" >$KS/plan; echo "after-apply $?"
	echo reversed >$KS/stage; echo "reversed $?"
	cat plan >$KS/plan; echo "after-undo $?"
	echo applied >$KS/stage; echo "reapplied $?"
	echo "again $(cat /proc/cmdline)"
	echo reversed >$KS/stage
	rmmod ksplice_e2eunmod; echo "rmmod $?"
	echo "restored $(cat /proc/cmdline)"
')
echo "$out"
expect_eq "apply" "$(line apply)" 0
echo "$out" | grep -q "inserting update.ko: sha256 $sum$" ||
	fail "ksplice-apply did not insert update.ko as the file holds it (sha256 $sum)"
expect_eq "undo" "$(line undo)" 0
expect_eq "insmod of the file's update.ko" "$(line insmod)" 0
[ "$(line no-plan)" != 0 ] || fail "applied without a plan"
expect_eq "no plan: cause" "$(line nocause)" bad_plan
expect_eq "no plan: detail" "$(line nodetail)" "entry 0 (cmdline_proc_show) is not in the plan"
expect_eq "entries of the plan" "$(line entries)" 0
expect_eq "plan without one key written" "$(line plan)" 0
[ "$(line missing-key)" != 0 ] || fail "applied with a key missing"
expect_eq "missing key: cause" "$(line cause)" bad_plan
missing=$(line missing)
expect_eq "missing key: detail" "$(line detail)" "key $missing has no address in the plan"
expect_eq "missing key: target bytes unchanged" "$(line target-unchanged)" 0
expect_eq "missing key: new code unchanged" "$(line new-unchanged)" 0
[ "$(line user-address)" != 0 ] || fail "a key at a user-space address was taken"
expect_eq "user-space address: cause" "$(line cause2)" bad_plan
expect_eq "user-space address: detail" "$(line detail2)" "plan: key $missing: not a kernel address"
expect_eq "completed plan" "$(line complete)" 0
expect_eq "apply of the completed plan" "$(line applied)" 0
line patched | grep -q "^\[patched live by ksplice\]" || fail "not patched: $(line patched)"
expect_eq "new code relocated" "$(line new-relocated)" 0
[ "$(line after-apply)" != 0 ] || fail "a plan write after apply was taken"
expect_eq "undo by hand" "$(line reversed)" 0
[ "$(line after-undo)" != 0 ] || fail "a plan write after undo was taken"
expect_eq "re-apply after undo" "$(line reapplied)" 0
line again | grep -q "^\[patched live by ksplice\]" || fail "not patched again: $(line again)"
expect_eq "rmmod" "$(line rmmod)" 0
line restored | grep -qv "patched live" || fail "not restored: $(line restored)"
echo PASS
