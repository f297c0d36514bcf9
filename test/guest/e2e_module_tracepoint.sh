# shellcheck shell=bash
# e2e.module_tracepoint: a fix to a module function that uses a tracepoint
# of that module (nfsd4_proc_compound, nfsd:nfsd_compound in nfsd.ko): the
# update module's jump label and static call keys are early references
# (kmod-helper/README.md), written by the helper when the update module
# loads. While nfsd is not loaded the update is refused up front (exit 22,
# nothing loaded). With nfsd serving NFSv4.1 on the loopback, the update
# applied and then the event enabled, the update's copy of the function
# emits the event (its tag says "ksplice"): enabling reached its tracepoint
# site through nfsd's key;
# after undo the kernel's own code emits it again, untagged, the update
# module is gone and rmmod nfsd works.
. "$(dirname "$0")/lib.sh"
eval "$("$TESTBED" env)"
OBJ=fs/nfsd/nfs4proc.o
u=$(create_update nfsd-compound-trace.patch e2etp1)
mkdir -p "$TEST_TMP/x" && tar xzf "$u" -C "$TEST_TMP/x"
grep -qx "TARGET=nfsd" "$TEST_TMP/x/metadata" || fail "the unit's target is not nfsd"
grep -qx "CHANGED=$OBJ:nfsd4_proc_compound" "$TEST_TMP/x/metadata" ||
	fail "nfsd4_proc_compound not replaced"
nm "$TEST_TMP/x/update.ko" >"$TEST_TMP/nm"
grep -q " R ksplice_early_relocs$" "$TEST_TMP/nm" || fail "no early table in update.ko"
grep -q " U .*nfsd_compound" "$TEST_TMP/nm" && fail "a key of nfsd's tracepoint is left to the loader"
echo "ok: the tracepoint's keys are early references, nothing of nfsd is left to the loader"

cat >"$TEST_TMP/guest.sh" <<'GUEST'
. /files/nfs_guest.sh
u=/files/ksplice-e2etp1.tar.gz
T=/sys/kernel/tracing
ksplice-apply "$u"; echo "absent $?"
echo "absent-modules $(grep -c ^ksplice_ /proc/modules)"
nfs_server_start
mount -t tracefs nodev $T 2>/dev/null
ksplice-apply "$u"; echo "apply $?"
# Enabled after the update module came: the jump label and static call
# cores reach the new code's sites through nfsd's keys.
echo 1 >$T/events/nfsd/nfsd_compound/enable; echo "enable $?"
echo >$T/trace
nfs_workload during
echo "tagged-during $(grep -c 'nfsd_compound:.*tag=ksplice' $T/trace)"
echo "untagged-during $(grep 'nfsd_compound:' $T/trace | grep -vc 'tag=ksplice')"
ksplice-view --audit; echo "audit $?"
ksplice-undo e2etp1; echo "undo $?"
echo "modules-after-undo $(grep -c ^ksplice_ /proc/modules)"
echo >$T/trace
nfs_workload after
echo "tagged-after $(grep -c 'nfsd_compound:.*tag=ksplice' $T/trace)"
echo "untagged-after $(grep 'nfsd_compound:' $T/trace | grep -vc 'tag=ksplice')"
echo 0 >$T/events/nfsd/nfsd_compound/enable
nfs_server_stop
rmmod nfsd; echo "rmmod $?"
GUEST
out=$("$TESTBED" run-guest --nfs --timeout 600 --file "$u" \
	--file "$SRC_DIR/test/guest/nfs_guest.sh" --file "$TEST_TMP/guest.sh" -- sh guest.sh 2>&1) ||
	fail "guest failed: $out"
echo "$out"
expect_eq "apply while nfsd is not loaded" "$(line absent)" 22
echo "$out" | grep -q "its new code uses tracepoints or static keys that the kernel links when the update module loads, and module nfsd is not loaded: load it first (modprobe nfsd)" ||
	fail "the refusal does not say why"
expect_eq "update modules after the refusal" "$(line absent-modules)" 0
expect_eq "enable nfsd:nfsd_compound" "$(line enable)" 0
expect_eq "apply" "$(line apply)" 0
[ "$(line tagged-during)" -gt 0 ] || fail "no event from the new code's tracepoint site"
expect_eq "events from the old code while applied" "$(line untagged-during)" 0
expect_eq "audit" "$(line audit)" 0
expect_eq "undo" "$(line undo)" 0
expect_eq "update modules after undo" "$(line modules-after-undo)" 0
expect_eq "events from the new code after undo" "$(line tagged-after)" 0
[ "$(line untagged-after)" -gt 0 ] || fail "no event from the kernel's own code after undo"
expect_eq "rmmod nfsd after undo" "$(line rmmod)" 0
echo PASS
