# shellcheck shell=bash
# e2e.livepatch: the kernel's own samples/livepatch/livepatch-sample.c
# (built from the profile's kernel source against its headers) replaces
# cmdline_proc_show, the function demo-cmdline.patch replaces.
# - livepatch first: ksplice-apply is refused (exit 21, cause redirected,
#   naming livepatch_sample), no update module is left loaded, the bytes at
#   the jump site are unchanged and /proc/cmdline prints the livepatch's text;
# - update first: the helper owns the function's entry, so the livepatch
#   fails to load and /proc/cmdline prints the update's text; --audit is clean;
# - update first without the claim (kmod_helper claim=N, a test switch): the
#   livepatch enables and wins, and --audit reports it (exit 12).
# The livepatch's "tainting kernel with TAINT_LIVEPATCH" and "enabling
# patch" lines must not count as kernel splats (the run would fail).
. "$(dirname "$0")/lib.sh"
eval "$("$TESTBED" env)"
u=$(create_update demo-cmdline.patch e2elp)
mkdir -p "$TEST_TMP/livepatch_sample"
cp "$KSPLICE_SRC/samples/livepatch/livepatch-sample.c" "$TEST_TMP/livepatch_sample/"
echo 'obj-m += livepatch-sample.o' >"$TEST_TMP/livepatch_sample/Kbuild"
"$TESTBED" kmod --out "$TEST_TMP/modules" "$TEST_TMP/livepatch_sample" >/dev/null ||
	fail "building livepatch-sample"
out=$("$TESTBED" run-guest --file "$u" --file "$TEST_TMP/modules/livepatch-sample.ko" -- sh -c '
	LP=/sys/kernel/livepatch/livepatch_sample
	addr=$(grep " cmdline_proc_show$" /proc/kallsyms | cut -d" " -f1)
	site=$(printf "%x" $((0x$addr + $1)))
	lp_off() {
		echo 0 >$LP/enabled
		i=0
		while [ "$(cat $LP/transition 2>/dev/null)" = 1 ] && [ $i -lt 60 ]; do sleep 1; i=$((i + 1)); done
		sleep 1
		rmmod livepatch_sample; echo "lp-rmmod-$1 $?"
	}
	echo "cmdline $(cat /proc/cmdline)"
	echo "site-before $(ksplice-kcore-read $site 5)"
	insmod livepatch-sample.ko; echo "lp-first $?"
	echo "lp-text $(cat /proc/cmdline)"
	ksplice-apply ksplice-e2elp.tar.gz 2>/tmp/err; echo "apply-under-lp $?"
	echo "apply-msg $(cat /tmp/err | tail -1)"
	echo "modules $(lsmod | grep -c ksplice_e2elp)"
	echo "site-refused $(ksplice-kcore-read $site 5)"
	echo "refused-text $(cat /proc/cmdline)"
	lp_off 1
	echo "lp-gone-text $(cat /proc/cmdline)"
	ksplice-apply ksplice-e2elp.tar.gz >/dev/null; echo "apply-first $?"
	insmod livepatch-sample.ko 2>/dev/null; echo "lp-after $?"
	echo "kept-text $(cat /proc/cmdline)"
	ksplice-view --audit >/dev/null; echo "audit-claimed $?"
	ksplice-undo e2elp >/dev/null; echo "undo $?"
	echo N >/sys/module/kmod_helper/parameters/claim
	ksplice-apply ksplice-e2elp.tar.gz >/dev/null; echo "apply-unclaimed $?"
	insmod livepatch-sample.ko; echo "lp-unclaimed $?"
	echo "won-text $(cat /proc/cmdline)"
	ksplice-view --audit; echo "audit-unclaimed $?"
	lp_off 2
	ksplice-undo e2elp >/dev/null; echo "undo-2 $?"
	echo "final-text $(cat /proc/cmdline)"' jump "$(jump_offset)" 2>&1)
echo "$out"
orig=$(line cmdline)
lp_text="this has been live patched"
expect_eq "livepatch loaded first" "$(line lp-first)" 0
expect_eq "/proc/cmdline under the livepatch" "$(line lp-text)" "$lp_text"
expect_eq "ksplice-apply under the livepatch" "$(line apply-under-lp)" 21
echo "$out" | grep -q "^apply-msg .*redirected: cmdline_proc_show is already redirected by livepatch livepatch_sample" ||
	fail "the refusal does not name the livepatch"
expect_eq "update modules left loaded" "$(line modules)" 0
expect_eq "jump site after the refusal" "$(line site-refused)" "$(line site-before)"
expect_eq "/proc/cmdline after the refusal" "$(line refused-text)" "$lp_text"
expect_eq "livepatch removed" "$(line lp-rmmod-1)" 0
expect_eq "/proc/cmdline without the livepatch" "$(line lp-gone-text)" "$orig"
expect_eq "ksplice-apply first" "$(line apply-first)" 0
[ "$(line lp-after)" != 0 ] || fail "the livepatch loaded over an applied update"
expect_eq "/proc/cmdline after the livepatch was refused" "$(line kept-text)" "[patched live by ksplice] $orig"
expect_eq "audit with the claim" "$(line audit-claimed)" 0
expect_eq "undo" "$(line undo)" 0
expect_eq "apply without the claim" "$(line apply-unclaimed)" 0
expect_eq "livepatch over the unclaimed update" "$(line lp-unclaimed)" 0
expect_eq "/proc/cmdline: the livepatch wins" "$(line won-text)" "$lp_text"
expect_eq "audit with the livepatch in" "$(line audit-unclaimed)" 12
echo "$out" | grep -q "^PROBLEM e2elp: cmdline_proc_show is redirected at its fentry call by livepatch livepatch_sample" ||
	fail "--audit does not name the livepatch"
expect_eq "livepatch removed again" "$(line lp-rmmod-2)" 0
expect_eq "second undo" "$(line undo-2)" 0
expect_eq "/proc/cmdline at the end" "$(line final-text)" "$orig"
