# shellcheck shell=bash
# e2e.module_pending: Debian's own fix of 6.1.192-3 (fs/nfsd/nfs4state.c,
# nfsd4_sequence, built as nfsd.ko; the update of e2e.module; on 6.12, whose
# nfsd4_sequence fires tracepoints an update can only link once nfsd is
# loaded, a small change to nfsd4_sequence_done: FUNC below) applied while
# nfsd is NOT loaded (/work/wt/spec/pending-protocol.md): ksplice-apply
# matches the pre object against nfsd.ko on disk and plans its part as
# pending (exit 0; ksplice-view says "pending: applied when it loads", audit
# is clean); `modprobe nfsd` then loads nfsd with the jump already in
# nfsd4_sequence (byte 6 is e9 in /proc/kcore right after modprobe, before
# rpc.nfsd serves anything), the NFSv4.1 workload on the loopback passes,
# audit is clean, undo restores the bytes and rmmod works.
# Refused: after apply, one byte of nfsd4_sequence's code (outside
# relocation fields) changed in the guest's nfsd.ko: modprobe nfsd fails,
# the kernel log says "ksplice: update ID: refusing to load module nfsd",
# nfsd is not loaded, undo works. And an undo while the part is pending.
# Needs kmod-helper with pending parts (the kernel side of the protocol).
. "$(dirname "$0")/lib.sh"
eval "$("$TESTBED" env)"
case $KSPLICE_KERNEL_RELEASE in
6.1.*) PATCH=$(module_patch) FUNC=nfsd4_sequence SUNRPC_SYM=svc_xprt_put ;;
*) PATCH=nfsd-sequence-done.patch FUNC=nfsd4_sequence_done SUNRPC_SYM=read_bytes_from_xdr_buf ;;
esac
# SUNRPC_SYM: a function of sunrpc.ko that FUNC's code calls.
OBJ=fs/nfsd/nfs4state.o
ID=e2epend1
u=$(create_update "$PATCH" "$ID")
mkdir -p "$TEST_TMP/x" && tar xzf "$u" -C "$TEST_TMP/x"
grep -qx "TARGET=nfsd" "$TEST_TMP/x/metadata" || fail "the unit's target is not nfsd"
grep -qx "CHANGED=$OBJ:$FUNC" "$TEST_TMP/x/metadata" || fail "$FUNC not replaced"

# The cold part of nfsd4_sequence, checked but not replaced, where the
# compiler split one (6.1; not 6.12's build).
COLD=0
grep -q " $FUNC\\.cold$" <<<"$(nm "$TEST_TMP/x/pre/$OBJ")" && COLD=1
NFUNCS=$((1 + COLD))

# Where byte 10 of nfsd4_sequence is in nfsd.ko (the guest's copy is the
# image's): after the fentry call (and ENDBR), before the first relocation
# field. 6.12's modules are xz-compressed (nfsd.ko.xz).
KO_PATH=kernel/fs/nfsd/nfsd.ko
mods="$KSPLICE_CACHE/$KSPLICE_KERNEL/modules/lib/modules/$KSPLICE_KERNEL_RELEASE"
[ -f "$mods/$KO_PATH" ] || KO_PATH=$KO_PATH.xz
ko="$mods/$KO_PATH"
[ -f "$ko" ] || fail "no $ko"
BYTE_AT=$(python3 - "$ko" "$TEST_TMP/nfsd-changed.ko" "$FUNC" <<'PY'
import lzma, struct, sys
d = open(sys.argv[1], "rb").read()
xz = sys.argv[1].endswith(".xz")
if xz:
    d = lzma.decompress(d)
shoff, = struct.unpack_from("<Q", d, 0x28)
shentsize, shnum, shstrndx = struct.unpack_from("<HHH", d, 0x3a)
secs = [struct.unpack_from("<IIQQQQIIQQ", d, shoff + i * shentsize) for i in range(shnum)]
def name(off, strtab):
    return d[strtab + off:d.index(b"\0", strtab + off)].decode()
symtab = [s for s in secs if s[1] == 2][0]
strtab = secs[symtab[6]][4]
for i in range(symtab[5] // 24):
    st_name, info, other, shndx, value, size = struct.unpack_from("<IBBHQQ", d, symtab[4] + 24 * i)
    if info & 0xf == 2 and name(st_name, strtab) == sys.argv[3]:
        break
else:
    sys.exit(sys.argv[3] + " not found")
# Byte 10 must lie outside every relocation field of the function's section.
for s in secs:
    if s[1] == 4 and s[7] == shndx:
        for k in range(s[5] // 24):
            r_off, r_info, _ = struct.unpack_from("<QQq", d, s[4] + 24 * k)
            field = 8 if r_info & 0xffffffff == 1 else 4
            if r_off <= value + 10 < r_off + field:
                sys.exit("byte 10 of " + sys.argv[3] + " is in a relocation field")
at = secs[shndx][4] + value + 10
# The changed copy goes without Debian's signature: a module whose signature
# does not verify is refused by the kernel itself (EKEYREJECTED) before any
# notifier runs, even without sig_enforce; an unsigned one only taints.
magic = b"~Module signature appended~\n"
if d.endswith(magic):
    sig_len, = struct.unpack_from(">I", d, len(d) - len(magic) - 4)
    d = d[:len(d) - len(magic) - 12 - sig_len]
body = bytearray(d)
body[at] ^= 0xff
# The copy in the guest stands where the image's file is: compressed as it
# is (CRC32, as the kernel's own decompressor wants).
out = lzma.compress(bytes(body), check=lzma.CHECK_CRC32) if xz else bytes(body)
open(sys.argv[2], "wb").write(out)
print(at)
PY
) || fail "cannot place byte 10 of $FUNC in $ko"

cat >"$TEST_TMP/guest.sh" <<GUEST
ID=$ID
FUNC=$FUNC
KO=/lib/modules/\$(uname -r)/$KO_PATH
BYTE_AT=$BYTE_AT
GUEST
cat >>"$TEST_TMP/guest.sh" <<'GUEST'
. /files/nfs_guest.sh
u=/files/ksplice-$ID.tar.gz
seq_addr() { awk -v f="$FUNC" '$3 == f && $4 == "[nfsd]" { print $1 }' /proc/kallsyms; }
echo "loaded-at-start $(grep -c '^nfsd ' /proc/modules)"
# What user space plans, nothing loaded (ksplice-view --check -v prints it).
ksplice-view -v --check "$u" >/tmp/check.out 2>&1; echo "check $?"
sed 's/^/check: /' /tmp/check.out
ksplice-apply --json "$u" >/tmp/apply.json 2>/tmp/apply.err; echo "apply $?"
echo "apply-json $(cat /tmp/apply.json)"
sed 's/^/apply: /' /tmp/apply.err
echo "loaded-after-apply $(grep -c '^nfsd ' /proc/modules)"
echo "view-targets $(ksplice-view | grep 'targets:')"
ksplice-view --id "$ID"
echo "view-json $(ksplice-view --json --id "$ID")"
ksplice-view --audit; echo "audit-pending $?"

# nfsd comes: the helper applies the pending part at MODULE_STATE_COMING.
modprobe nfsd; echo "modprobe $?"
addr=$(seq_addr)
echo "loaded $(ksplice-kcore-read "$addr" 16)"
echo "view-targets-loaded $(ksplice-view | grep 'targets:')"
ksplice-view --audit; echo "audit-loaded $?"
nfs_server_start
nfs_workload during
ksplice-undo "$ID"; echo "undo $?"
echo "restored $(ksplice-kcore-read "$addr" 16)"
ksplice-view --audit; echo "audit-after $?"
nfs_workload after
nfs_server_stop
rmmod nfsd; echo "rmmod $?"
modprobe nfsd && echo "unpatched $(ksplice-kcore-read "$(seq_addr)" 16)"
rmmod nfsd

# A byte of FUNC's code changed on disk after apply: the load of
# nfsd is refused, the update stays applied for the rest, undo works.
cp "$KO" /tmp/nfsd.ko.orig
# sunrpc stays loaded after rmmod nfsd: its symbols are now keys.
echo "modules-live $(cut -d' ' -f1 /proc/modules | tr '\n' ' ')"
ksplice-view -v --check "$u" 2>&1 | grep -v '^  matched' | sed 's/^/check-live: /'
ksplice-apply "$u"; echo "apply-tamper $?"
cp /files/nfsd-changed.ko "$KO"
echo "tampered $(cmp -s /tmp/nfsd.ko.orig "$KO" && echo same || echo changed)"
modprobe nfsd; echo "modprobe-tampered $?"
dmesg | grep "refusing to load module nfsd" | sed 's/^[^]]*] //; s/^/refused-log /'
echo "loaded-tampered $(grep -c '^nfsd ' /proc/modules)"
echo "view-targets-tampered $(ksplice-view | grep 'targets:')"
ksplice-undo "$ID"; echo "undo-tamper $?"
cp /tmp/nfsd.ko.orig "$KO"

# Undo while the part is still pending: dropped, nothing was written.
ksplice-apply "$u"; echo "apply-pending $?"
ksplice-undo "$ID"; echo "undo-pending $?"
echo "modules-after-undo $(grep -c '^ksplice_' /proc/modules)"
modprobe nfsd; echo "modprobe-after-undo $?"
echo "bytes-after-undo $(ksplice-kcore-read "$(seq_addr)" 16)"
rmmod nfsd; echo "rmmod-end $?"
GUEST
out=$("$TESTBED" run-guest --nfs --timeout 600 --file "$u" \
	--file "$SRC_DIR/test/guest/nfs_guest.sh" --file "$TEST_TMP/guest.sh" \
	--file "$TEST_TMP/nfsd-changed.ko" -- sh guest.sh 2>&1) ||
	fail "guest failed: $out"
echo "$out"

# User space: the plan, before anything is loaded.
expect_eq "nfsd loaded at start" "$(line loaded-at-start)" 0
expect_eq "ksplice-view --check" "$(line check)" 0
echo "$out" | grep -Eq "^check: pending 0 nfsd [0-9]+ $FUNC [0-9]+ $(jump_offset) [0-9a-f]{64}$" ||
	fail "no pending line for $FUNC in the plan"
[ $COLD = 0 ] || echo "$out" | grep -Eq "^check: pending 1 nfsd [0-9]+ $FUNC.cold [0-9]+ 0 [0-9a-f]{64}$" ||
	fail "no pending line for the check-only $FUNC.cold"
echo "$out" | grep -q "^check: pmask 0 $(($(jump_offset) - 5)) 5$" || fail "the fentry call is not masked"
echo "$out" | grep -Eq "^check: pkey fs/nfsd/nfs4state.o:\.text\.[a-z_0-9]+ nfsd [0-9]+ " ||
	fail "no pkey for a static of nfs4state.o"
echo "$out" | grep -Eq "^check: pkey $SUNRPC_SYM sunrpc [0-9]+ $SUNRPC_SYM 0$|^check: key $SUNRPC_SYM 0x" ||
	fail "$SUNRPC_SYM (sunrpc) is neither a pkey nor a key"
echo "$out" | grep -Eq "^check: key _printk 0xffffffff[0-9a-f]+$" || fail "_printk is not a key"
echo "$out" | grep -q "^check: module nfsd is not loaded: its part ($NFUNCS function.*) is pending" ||
	fail "--check does not say the part is pending"
# Later, with sunrpc loaded (nfsd not): sunrpc's exports are keys, nfsd's
# own symbols still pkeys.
line modules-live | grep -qw sunrpc || fail "sunrpc is not loaded for the second plan"
echo "$out" | grep -Eq "^check-live: key $SUNRPC_SYM 0xffffffff[0-9a-f]+$" ||
	fail "$SUNRPC_SYM of the loaded sunrpc is not a key"
echo "$out" | grep -Eq "^check-live: pkey nfsd_net_id nfsd [0-9]+ nfsd_net_id 0$" ||
	fail "nfsd_net_id is not a pkey"

# The kernel side.
expect_eq "apply while nfsd is not loaded" "$(line apply)" 0
echo "$out" | grep -q "^apply: module nfsd is not loaded: its part ($NFUNCS function.*) is pending and is applied when nfsd loads" ||
	fail "apply does not say what is pending"
line apply-json | grep -q "\"pending\":\\[{\"module\":\"nfsd\",\"functions\":$NFUNCS}\\]" ||
	fail "--json does not list the pending part: $(line apply-json)"
expect_eq "nfsd loaded by apply" "$(line loaded-after-apply)" 0
line view-targets | grep -q "nfsd (pending: applied when it loads)" ||
	fail "ksplice-view does not show the pending part: $(line view-targets)"
line view-json | grep -q '"name":"nfsd","held_loaded":false,"pending":true' ||
	fail "ksplice-view --json does not show the pending part"
expect_eq "audit while pending" "$(line audit-pending)" 0
expect_eq "modprobe nfsd" "$(line modprobe)" 0
[ "$(line loaded | cut -c$((2 * $(jump_offset) + 1))-$((2 * $(jump_offset) + 2)))" = e9 ] ||
	fail "$FUNC not patched when nfsd came: $(line loaded)"
echo "ok: a jump after the fentry site of $FUNC, right after modprobe"
line view-targets-loaded | grep -q "nfsd (held loaded while applied)" ||
	fail "nfsd not held once applied into: $(line view-targets-loaded)"
expect_eq "audit once loaded" "$(line audit-loaded)" 0
for w in during after; do
	echo "$out" | grep -q "^nfs: workload $w ok" || fail "workload $w"
done
expect_eq "undo" "$(line undo)" 0
expect_eq "bytes after undo" "$(line restored)" "$(line unpatched)"
expect_eq "audit after undo" "$(line audit-after)" 0
expect_eq "rmmod nfsd after undo" "$(line rmmod)" 0

expect_eq "apply before the file is changed" "$(line apply-tamper)" 0
expect_eq "nfsd.ko changed in the guest" "$(line tampered)" changed
[ "$(line modprobe-tampered)" != 0 ] || fail "modprobe of a changed nfsd.ko succeeded"
line refused-log | grep -q "^ksplice: update $ID: refusing to load module nfsd: .*$FUNC" ||
	fail "no refusal naming $FUNC in the kernel log"
expect_eq "nfsd loaded from the changed file" "$(line loaded-tampered)" 0
line view-targets-tampered | grep -q "nfsd (pending: applied when it loads)" ||
	fail "the part is not pending after the refused load"
expect_eq "undo after the refused load" "$(line undo-tamper)" 0

expect_eq "apply again" "$(line apply-pending)" 0
expect_eq "undo while pending" "$(line undo-pending)" 0
echo "$out" | grep -q "its pending part for nfsd dropped" || fail "undo does not say it dropped the part"
expect_eq "update modules after undo" "$(line modules-after-undo)" 0
expect_eq "modprobe after the undo" "$(line modprobe-after-undo)" 0
expect_eq "bytes of nfsd loaded after the undo" "$(line bytes-after-undo)" "$(line unpatched)"
expect_eq "rmmod at the end" "$(line rmmod-end)" 0
echo PASS
