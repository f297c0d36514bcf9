# shellcheck shell=bash
# e2e.inventory: what a host reports about its live updates. The demo patch
# made with --cve (twice) and --brings 6.1.192-3 (the next Debian revision
# of the pinned kernel) and signed; in the guest, before anything is
# applied `ksplice-view --uname -a/-r/-v` prints exactly what uname prints;
# once applied, the version names Debian 6.1.192-3 and the release stays;
# `ksplice-view --json` is the inventory (schema_version 1, kernel release
# and build id, effective version, helper, the update with its CVEs,
# version brought, signer, functions, targets, applied at, persisted,
# pause); the listing names the CVEs; after ksplice-undo, uname again.
. "$(dirname "$0")/lib.sh"
eval "$("$TESTBED" env)"
K=$TEST_TMP/keys
mkdir -p "$K"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=ksplice e2e inventory" \
	-keyout "$K/inv.key" -out "$K/inv.crt" 2>/dev/null
booted=$(sed -n 's/^DISTRIBUTION_VERSION=//p' "$KSPLICE_SRC/.ksplice-make-vars" 2>/dev/null |
	head -1)
brings=6.1.192-3
case $KSPLICE_KERNEL_RELEASE in 6.1.*) ;; *) brings=99.0.0-1 ;; esac
u=$(create_update demo-cmdline.patch e2einv01 --cve CVE-2026-12345 --cve CVE-2025-1234567 \
	--brings "$brings" --sign-key "$K/inv.key" --sign-cert "$K/inv.crt")
tar xzOf "$u" metadata | grep -q "^BRINGS=$brings$" || fail "metadata lacks BRINGS=$brings"
[ "$(tar xzOf "$u" metadata | grep -c '^CVE=')" = 2 ] || fail "metadata lacks the two CVE= lines"

out=$("$TESTBED" run-guest --file "$u" -- sh -c '
	same() { [ "$(ksplice-view --uname $1)" = "$(uname $1)" ] && echo "$2 same" || echo "$2 differs"; }
	same -a before-a; same -r before-r; same -v before-v
	echo "uname-v $(uname -v)"
	ksplice-apply ksplice-e2einv01.tar.gz >/dev/null; echo "apply $?"
	echo "view-a $(ksplice-view --uname -a)"
	echo "view-r $(ksplice-view --uname -r)"
	echo "view-v $(ksplice-view --uname -v)"
	echo "sys-cves $(cat /sys/kernel/ksplice/e2einv01/cves | tr "\n" " ")"
	echo "sys-brings $(cat /sys/kernel/ksplice/e2einv01/brings)"
	echo "sys-signer $(cat /sys/kernel/ksplice/e2einv01/signer)"
	echo "signer-final $(echo CN=else >/sys/kernel/ksplice/e2einv01/signer 2>/dev/null; echo $?)"
	ksplice-view --json; echo "json-end $?"
	ksplice-view | sed "s/^/listing /"
	ksplice-undo e2einv01; echo "undo $?"
	same -a after-a; same -v after-v' 2>&1)
echo "$out"
for when in before-a before-r before-v after-a after-v; do
	expect_eq "ksplice-view --uname -${when#*-} as uname, ${when%-*} the update" "$(line "$when")" same
done
expect_eq "apply" "$(line apply)" 0
base_v=$(line uname-v)
want_v=$base_v
if [ -n "$booted" ] && echo "$base_v" | grep -q "Debian $booted "; then
	want_v=${base_v/"Debian $booted "/"Debian $brings "}
else
	want_v="$base_v +ksplice $brings"
fi
expect_eq "effective uname -v" "$(line view-v)" "$want_v"
expect_eq "effective uname -r (the release stays)" "$(line view-r)" "$KSPLICE_KERNEL_RELEASE"
line view-a | grep -qF " $KSPLICE_KERNEL_RELEASE $want_v " || fail "uname -a lacks the effective version"
expect_eq "the kernel's CVE ids" "$(line sys-cves)" "CVE-2026-12345 CVE-2025-1234567 "
expect_eq "the kernel's version brought" "$(line sys-brings)" "$brings"
expect_eq "the kernel's signer (as verified)" "$(line sys-signer)" "CN=ksplice e2e inventory"
expect_eq "the signer is final once applied" "$(line signer-final)" 1
expect_eq "ksplice-view --json" "$(line json-end)" 0
echo "$out" | grep '^{"schema_version":' >"$TEST_TMP/inv.json" || fail "no inventory printed"
python3 - "$TEST_TMP/inv.json" "$KSPLICE_KERNEL_RELEASE" "$(cat "$KSPLICE_SRC/.ksplice-build-id")" \
	"$want_v" "$brings" <<'PY' || fail "the inventory is not what the kernel holds"
import json, sys
path, release, build_id, version, brings = sys.argv[1:]
inv = json.load(open(path))
def want(what, got, expected):
    if got != expected:
        sys.exit(f"{what}: got {got!r}, want {expected!r}")
want("schema_version", inv["schema_version"], 1)
want("kernel.release", inv["kernel"]["release"], release)
want("kernel.build_id", inv["kernel"]["build_id"], build_id)
want("effective.release", inv["effective"]["release"], release)
want("effective.version", inv["effective"]["version"], version)
want("effective.brings", inv["effective"]["brings"], brings)
want("helper", inv["helper"], True)
want("helper_version is a string", isinstance(inv["helper_version"], str), True)
want("updates", len(inv["updates"]), 1)
u = inv["updates"][0]
want("id", u["id"], "e2einv01")
want("stage", u["stage"], "applied")
want("cves", u["cves"], ["CVE-2026-12345", "CVE-2025-1234567"])
want("brings", u["brings"], brings)
want("signer", u["signer"], "CN=ksplice e2e inventory")
want("persisted", u["persisted"], False)
want("functions_count", u["functions_count"], 1)
want("functions", u["functions"][0].split()[0], "cmdline_proc_show")
want("targets", [t["name"] for t in u["targets"]], ["vmlinux"])
want("applied_at is set", u["applied_at"] > 0 and bool(u["applied_at_utc"]), True)
want("pause_ns is a number", isinstance(u["pause_ns"], int), True)
want("description", bool(u["description"]), True)
print("ok: the inventory")
PY
echo "$out" | grep -q "^listing   fixes CVE-2026-12345, CVE-2025-1234567; brings $brings; signed by CN=ksplice e2e inventory$" ||
	fail "the listing does not name the CVEs, the version and the signer"
expect_eq "undo" "$(line undo)" 0
