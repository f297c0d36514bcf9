# shellcheck shell=bash
# e2e.module: Debian's own fix of 6.1.192-3 (fs/nfsd/nfs4state.c,
# nfsd4_sequence, built as nfsd.ko), made with ksplice-create on the 6.1.0-56
# tree and applied to the image's nfsd.ko while it serves an NFSv4.1 export
# that the kernel's NFS client uses on the guest's loopback (run-guest --nfs,
# nfs_guest.sh): the workload passes before, during and after apply and undo;
# the jump is in nfsd4_sequence's live bytes (/proc/kcore); audit is clean;
# rmmod nfsd is refused while the update is applied and works after undo.
# Also refused, with nothing loaded or written: the update while nfsd is not
# loaded and no file of it can be found (exit 22; with its file, the part is
# pending: e2e.module_pending), and the same update whose pre object was
# built with one more compiler flag (no_match, exit 6).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pre_objects.sh"
eval "$("$TESTBED" env)"
PATCH=$(module_patch)
OBJ=fs/nfsd/nfs4state.o
u=$(create_update "$PATCH" e2emod1)
mkdir -p "$TEST_TMP/x" && tar xzf "$u" -C "$TEST_TMP/x"
grep -qx "UNIT=$OBJ" "$TEST_TMP/x/metadata" || fail "no unit $OBJ: $(cat "$TEST_TMP/x/metadata")"
grep -qx "TARGET=nfsd" "$TEST_TMP/x/metadata" || fail "the unit's target is not nfsd"
grep -qx "CHANGED=$OBJ:nfsd4_sequence" "$TEST_TMP/x/metadata" || fail "nfsd4_sequence not replaced"

# The pre object built with -mtune=skylake: not what nfsd.ko was built from.
build_pre_objects "$TEST_TMP/skylake" "-mtune=skylake" "$OBJ"
(cd "$TEST_TMP/x" && cp "$TEST_TMP/skylake/$(echo "$OBJ" | tr / _)" "pre/$OBJ" &&
	sha256sum metadata update.ko patch "pre/$OBJ" >SHA256SUMS &&
	tar czf "$TEST_TMP/skylake.tar.gz" metadata update.ko patch "pre/$OBJ" SHA256SUMS)

# kmod's rmmod (what an operator runs; busybox's prints only the errno).
mkdir -p "$TEST_TMP/kmod"
cp /usr/bin/kmod "$TEST_TMP/kmod/"
ldd /usr/bin/kmod | grep -o '/[^ ]*\.so[^ ]*' | grep -v ld-linux |
	xargs -I{} cp -L {} "$TEST_TMP/kmod/"

cat >"$TEST_TMP/guest.sh" <<'GUEST'
. /files/nfs_guest.sh
ln -sf /files/kmod/kmod /tmp/rmmod
kmod_rmmod() { LD_LIBRARY_PATH=/files/kmod /tmp/rmmod "$@"; }
u=/files/ksplice-e2emod1.tar.gz
KSPLICE_MODULES_DIR=/nonexistent ksplice-apply "$u"; echo "absent $?"
echo "absent-modules $(grep -c ^ksplice_ /proc/modules)"
nfs_server_start
addr=$(awk '$3 == "nfsd4_sequence" && $4 == "[nfsd]" { print $1 }' /proc/kallsyms)
echo "before $(ksplice-kcore-read "$addr" 16)"
nfs_workload before
nfs_workload_loop_start
ksplice-apply /files/skylake.tar.gz; echo "skylake $?"
echo "skylake-bytes $(ksplice-kcore-read "$addr" 16)"
ksplice-apply -v "$u"; echo "apply $?"
echo "patched $(ksplice-kcore-read "$addr" 16)"
nfs_workload during
ksplice-view --audit; echo "audit $?"
ksplice-view --id e2emod1
kmod_rmmod nfsd 2>&1; echo "rmmod-applied $?"
grep -q "^nfsd " /proc/modules && echo "still-loaded yes"
ksplice-undo e2emod1; echo "undo $?"
echo "restored $(ksplice-kcore-read "$addr" 16)"
ksplice-view --audit; echo "audit-after $?"
nfs_workload_loop_stop 2
nfs_workload after
nfs_server_stop
kmod_rmmod nfsd; echo "rmmod-after $?"
GUEST
out=$("$TESTBED" run-guest --nfs --timeout 600 --file "$u" --file "$TEST_TMP/skylake.tar.gz" --file "$TEST_TMP/kmod" \
	--file "$SRC_DIR/test/guest/nfs_guest.sh" --file "$TEST_TMP/guest.sh" -- sh guest.sh 2>&1) ||
	fail "guest failed: $out"
echo "$out"
expect_eq "apply while nfsd is not loaded and has no file" "$(line absent)" 22
# (6.12's nfsd4_sequence has tracepoints: its new code needs nfsd's keys
# when the update module loads, which is refused first)
echo "$out" | grep -qE "module nfsd is not loaded and no file of it was found|module nfsd is not loaded: load it first" ||
	fail "the absent module is not named"
expect_eq "update modules left by the refused apply" "$(line absent-modules)" 0
expect_eq "pre object from other compiler flags" "$(line skylake)" 6
echo "$out" | grep -q "no_match: $OBJ:" || fail "no_match not explained"
expect_eq "bytes after the refused apply" "$(line skylake-bytes)" "$(line before)"
expect_eq "apply" "$(line apply)" 0
# The jump after the fentry site (byte 6; byte 10 after an ENDBR) (which the helper's claim turns
# into a call of ftrace's trampoline while applied).
[ "$(line patched | cut -c$((2 * $(jump_offset) + 1))-$((2 * $(jump_offset) + 2)))" = e9 ] ||
	fail "nfsd4_sequence not patched: $(line patched) (before: $(line before))"
echo "ok: a jump after the fentry site of nfsd4_sequence"
for w in before during after; do
	echo "$out" | grep -q "^nfs: workload $w ok" || fail "workload $w"
done
echo "$out" | grep -q '^nfs: workload loop ok' || fail "the workload loop during apply and undo failed"
expect_eq "audit while applied" "$(line audit)" 0
echo "$out" | grep -q "nfsd" || fail "ksplice-view does not name nfsd"
[ "$(line rmmod-applied)" != 0 ] || fail "rmmod nfsd succeeded while the update was applied"
echo "$out" | grep -qi "in use" || fail "rmmod did not say nfsd is in use"
expect_eq "nfsd still loaded" "$(line still-loaded)" yes
expect_eq "undo" "$(line undo)" 0
expect_eq "bytes after undo" "$(line restored)" "$(line before)"
expect_eq "audit after undo" "$(line audit-after)" 0
expect_eq "rmmod nfsd after undo" "$(line rmmod-after)" 0
echo PASS
