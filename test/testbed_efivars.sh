# testbed.efivars: scripts/testbed-efivars.py appends MokListRT to a copy of
# OVMF's variable store and changes nothing else; it refuses a second
# MokListRT, a file that is not a certificate and a file that is not a store,
# leaving the store as it was. Skipped (77) without the ovmf package.
set -euo pipefail
SRC_DIR=${KSPLICE_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
TOOL="$SRC_DIR/scripts/testbed-efivars.py"
BLANK=/usr/share/OVMF/OVMF_VARS_4M.fd
[ -f "$BLANK" ] || { echo "skip: $BLANK missing (package ovmf)"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ksplice-efivars.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

openssl req -new -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=efivars test $$" \
	-outform DER -out "$tmp/cert.der" -keyout "$tmp/key.pem" 2>/dev/null
cp "$BLANK" "$tmp/vars.fd"
python3 "$TOOL" list "$tmp/vars.fd" | grep -q MokListRT && fail "blank store already has MokListRT"
python3 "$TOOL" enroll-mok "$tmp/vars.fd" "$tmp/cert.der"
entry=$(python3 "$TOOL" list "$tmp/vars.fd" | grep ' MokListRT-605dab50-e046-4300-abb6-3dd810dd8b23 ') ||
	fail "MokListRT not listed after enroll-mok"
der_size=$(stat -c %s "$tmp/cert.der")
# One EFI_SIGNATURE_LIST: 28 bytes of header, 16 of owner GUID, the cert.
want="attrs=0x07 MokListRT-605dab50-e046-4300-abb6-3dd810dd8b23 $((28 + 16 + der_size)) bytes"
[ "${entry#* }" = "$want" ] || fail "entry '$entry', want '... $want'"
echo "ok: $entry"
at=$((${entry%% *}))
first_change=$({ cmp -l "$BLANK" "$tmp/vars.fd" || true; } | awk 'NR == 1 { print $1 - 1 }')
[ "$first_change" -ge "$at" ] || fail "bytes before the new variable changed (first at $first_change, entry at $at)"
python3 - "$tmp/vars.fd" "$tmp/cert.der" <<'PY' || fail "certificate not stored whole after its signature list header"
import sys
store, der = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
sys.exit(0 if store.count(der) == 1 else 1)
PY
echo "ok: only the new variable was written, holding the certificate"

cp "$tmp/vars.fd" "$tmp/before.fd"
refused() {
	local what=$1 msg=$2
	shift 2
	local rc=0
	python3 "$TOOL" "$@" 2>"$tmp/err" || rc=$?
	[ "$rc" = 1 ] || fail "$what: exit $rc, want 1"
	grep -q "$msg" "$tmp/err" || fail "$what: message '$(cat "$tmp/err")' lacks '$msg'"
	cmp -s "$tmp/before.fd" "$tmp/vars.fd" || fail "$what: the store changed"
	echo "ok: $what refused: $(cat "$tmp/err")"
}
refused "a second MokListRT" "exists already" enroll-mok "$tmp/vars.fd" "$tmp/cert.der"
refused "a PEM file" "not a DER-encoded certificate" enroll-mok "$tmp/vars.fd" "$tmp/key.pem"
head -c 4096 /dev/zero >"$tmp/zero.fd"
refused "a file that is no store" "not a firmware volume" list "$tmp/zero.fd"
