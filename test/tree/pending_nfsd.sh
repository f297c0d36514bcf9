# shellcheck shell=bash
# live.pending_nfsd: the nfsd update (test/patches/debian-6.1.192-3-nfsd.patch,
# made with ksplice-create on the prepared tree) matched, as ksplice-apply
# does when nfsd is not loaded, against the shipped nfsd.ko of the image and
# the files of the modules it depends on (none loaded), with the kernel's
# saved kallsyms: every function of the pre object matches (the C
# counterpart of module_match.py, through run-pre), nfsd4_sequence's pending
# line names its .symtab index (readelf agrees), masks its fentry call, and
# the references become pkeys (nfsd, sunrpc) or keys (vmlinux). The same
# with one byte of nfsd4_sequence's code changed in a copy of nfsd.ko:
# no_match. No guest, no root; about a minute (one ksplice-create).
. "$(dirname "$0")/lib.sh"
tree_test_init live.pending_nfsd
# The kernel's symbols come from a guest's /proc/kallsyms, saved once into
# the cache (testbed.kallsyms does the same): on a fresh cache, boot for it.
if [ ! -s "$KSPLICE_KALLSYMS" ]; then
	"$SRC_DIR/scripts/testbed" kallsyms >/dev/null || fail "cannot save the kernel's kallsyms"
fi
CHECK=${KSPLICE_BUILD:-$SRC_DIR/build}/test-bin/test_pending_nfsd
OBJ=fs/nfsd/nfs4state.o
"$CREATE" --patch="$SRC_DIR/test/patches/debian-6.1.192-3-nfsd.patch" --id pendnfsd -o "$T" \
	"$KSPLICE_SRC" >"$T/create.log" 2>&1 || fail "ksplice-create failed: $(cat "$T/create.log")"
mkdir -p "$T/x" "$T/sys" && tar xzf "$T/ksplice-pendnfsd.tar.gz" -C "$T/x"
mapfile -t keys < <(sed -n 's/^EXTERNAL=//p' "$T/x/metadata")
MODS=$KSPLICE_CACHE/$KSPLICE_KERNEL/modules/lib/modules/$KSPLICE_KERNEL_RELEASE
KO=$MODS/kernel/fs/nfsd/nfsd.ko
[ -f "$KO" ] || fail "no $KO"

"$CHECK" "$KSPLICE_KALLSYMS" "$MODS" "$T/sys" nfsd "$OBJ" "$T/x/pre/$OBJ" nfsd4_sequence \
	"${keys[@]}" >"$T/out" || fail "the pre object does not match nfsd.ko: $(cat "$T/out")"
grep -v '^pmask' "$T/out"
n=$(sed -n 's/^matched \([0-9]*\) of \([0-9]*\) functions$/\1 \2/p' "$T/out")
read -r matched total <<<"$n"
if [ -z "$total" ] || [ "$total" -le 100 ] || [ "$matched" != "$total" ]; then
	fail "not every function matched: $n"
fi
line=$(grep '^pending 0 nfsd ' "$T/out") || fail "no pending line"
read -r _ _ _ index name size jump hash <<<"$line"
if [ "$name" != nfsd4_sequence ] || [ "$jump" != 5 ] || [ ${#hash} != 64 ]; then
	fail "pending line: $line"
fi
want=$(readelf -sW "$KO" | awk -v i="$index:" '$1 == i { print $8, $3 }')
[ "$want" = "nfsd4_sequence $size" ] || fail ".symtab entry $index of nfsd.ko is '$want'"
grep -qx 'pmask 0 0 5' "$T/out" || fail "the fentry call is not masked"
grep -qx 'pkey svc_xprt_put sunrpc [0-9]* svc_xprt_put 0' "$T/out" || fail "svc_xprt_put is not a pkey into sunrpc"
grep -q "^pkey $OBJ:.text.find_in_sessionid_hashtbl nfsd [0-9]* find_in_sessionid_hashtbl 0$" "$T/out" ||
	fail "a static of nfs4state.o is not a pkey"
grep -qx 'key _printk 0xffffffff[0-9a-f]*' "$T/out" || fail "_printk is not a key"
! grep -q '^unresolved' "$T/out" || fail "references left unresolved"
echo "ok: $matched of $total functions match nfsd.ko; the plan's lines are right"

# One byte of nfsd4_sequence's code (byte 10, in push %r13 at +9; no relocation)
# changed to int3.
mkdir -p "$T/mods/kernel"
cp "$MODS/modules.dep" "$T/mods/"
read -ra deps < <(sed -n 's/^kernel\/fs\/nfsd\/nfsd.ko://p' "$MODS/modules.dep")
(cd "$MODS" && cp --parents "${deps[@]}" kernel/fs/nfsd/nfsd.ko "$T/mods/") ||
	fail "cannot copy the modules"
text_off=$(readelf -SW "$KO" | sed 's/\[ */[/' | awk '$2 == ".text" { print $5 }')
func=$(readelf -sW "$KO" | awk '$4 == "FUNC" && $8 == "nfsd4_sequence" { print $2 }')
at=$((0x$text_off + 0x$func + 10))
printf '\xcc' | dd of="$T/mods/kernel/fs/nfsd/nfsd.ko" bs=1 seek="$at" conv=notrunc 2>/dev/null
"$CHECK" "$KSPLICE_KALLSYMS" "$T/mods" "$T/sys" nfsd "$OBJ" "$T/x/pre/$OBJ" nfsd4_sequence \
	>"$T/out2" && fail "a changed nfsd.ko matched: $(cat "$T/out2")"
grep -q "^no match nfsd4_sequence: nfsd4_sequence+0x9: " "$T/out2" ||
	fail "no_match does not name nfsd4_sequence+0x9: $(grep -v '^pmask' "$T/out2")"
echo "ok: $(grep '^no match' "$T/out2")"
echo PASS
