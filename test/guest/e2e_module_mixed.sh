# shellcheck shell=bash
# e2e.module_mixed: one update with a vmlinux unit (the demo's change to
# cmdline_proc_show) and a module unit (Debian's 6.1.192-3 nfsd fix:
# nfsd4_sequence in nfsd.ko), applied to the live kernel while nfsd serves
# an NFSv4.1 export on the loopback: both functions jump to new code,
# /proc/cmdline prints the marker, the NFS workload passes before, during
# and after; audit is clean; undo restores both functions byte for byte.
. "$(dirname "$0")/lib.sh"
eval "$("$TESTBED" env)"
cat "$SRC_DIR/test/patches/demo-cmdline.patch" \
	"$(test_patch "$(module_patch)")" >"$TEST_TMP/mixed.patch"
u=$(create_update "$TEST_TMP/mixed.patch" e2emix1)
mkdir -p "$TEST_TMP/x" && tar xzf "$u" -C "$TEST_TMP/x"
tr '\n' ' ' <"$TEST_TMP/x/metadata" |
	grep -q "UNIT=fs/proc/cmdline.o TARGET=vmlinux .*UNIT=fs/nfsd/nfs4state.o TARGET=nfsd" ||
	fail "not one vmlinux unit and one nfsd unit: $(cat "$TEST_TMP/x/metadata")"

cat >"$TEST_TMP/guest.sh" <<'GUEST'
. /files/nfs_guest.sh
nfs_server_start
kread() { ksplice-kcore-read "$(awk -v f="$1" -v m="$2" '$3 == f && $4 == m { print $1 }' /proc/kallsyms)" 16; }
echo "cmd-before $(kread cmdline_proc_show "")"
echo "nfsd-before $(kread nfsd4_sequence "[nfsd]")"
echo "cmdline-before $(cat /proc/cmdline)"
nfs_workload before
nfs_workload_loop_start
ksplice-apply "/files/ksplice-e2emix1.tar.gz"; echo "apply $?"
echo "cmd-patched $(kread cmdline_proc_show "")"
echo "nfsd-patched $(kread nfsd4_sequence "[nfsd]")"
echo "cmdline-patched $(cat /proc/cmdline)"
nfs_workload during
ksplice-view --audit; echo "audit $?"
ksplice-view --id e2emix1
ksplice-undo e2emix1; echo "undo $?"
echo "cmd-restored $(kread cmdline_proc_show "")"
echo "nfsd-restored $(kread nfsd4_sequence "[nfsd]")"
echo "cmdline-restored $(cat /proc/cmdline)"
ksplice-view --audit; echo "audit-after $?"
nfs_workload_loop_stop 2
nfs_workload after
nfs_server_stop
GUEST
out=$("$TESTBED" run-guest --nfs --timeout 600 --file "$u" --file "$SRC_DIR/test/guest/nfs_guest.sh" \
	--file "$TEST_TMP/guest.sh" -- sh guest.sh 2>&1) || fail "guest failed: $out"
echo "$out"
expect_eq "apply" "$(line apply)" 0
# The jump right after the fentry site of each (byte 6; 10 after an ENDBR).
for f in cmd nfsd; do
	[ "$(line "$f-patched" | cut -c$((2 * $(jump_offset) + 1))-$((2 * $(jump_offset) + 2)))" = e9 ] ||
		fail "$f: not patched: $(line "$f-patched") (before: $(line "$f-before"))"
	expect_eq "$f bytes after undo" "$(line "$f-restored")" "$(line "$f-before")"
done
case $(line cmdline-patched) in
"[patched live by ksplice] "*) echo "ok: /proc/cmdline prints the marker while applied" ;;
*) fail "/proc/cmdline while applied: $(line cmdline-patched)" ;;
esac
expect_eq "/proc/cmdline after undo" "$(line cmdline-restored)" "$(line cmdline-before)"
for w in before during after; do
	echo "$out" | grep -q "^nfs: workload $w ok" || fail "workload $w"
done
echo "$out" | grep -q '^nfs: workload loop ok' || fail "the workload loop during apply and undo failed"
echo "$out" | grep -q "targets: .*nfsd" || fail "ksplice-view does not name nfsd among the targets"
expect_eq "audit while applied" "$(line audit)" 0
expect_eq "undo" "$(line undo)" 0
expect_eq "audit after undo" "$(line audit-after)" 0
echo PASS
