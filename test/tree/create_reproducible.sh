#!/usr/bin/env bash
# create.reproducible: the same patch, id and SOURCE_DATE_EPOCH give the same
# bytes from two ksplice-create runs (each in its own random work
# directory): the update module, signed or not, and the whole signed file.
# The signed module is the unsigned one plus a signature the kernel's own
# scripts/sign-file would append, byte for byte, and OpenSSL verifies it and
# the file's signature. --sign-key problems are refused before any build.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"
tree_test_init create.reproducible
BIN=$(dirname "$CREATE")

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=ksplice repro test" \
	-keyout "$T/k.key" -out "$T/k.crt" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=ksplice other" \
	-keyout "$T/o.key" -out "$T/o.crt" 2>/dev/null
cmdline_patches
export SOURCE_DATE_EPOCH=1700000000

# Refused before anything is built (no "building" line), exit 13 / 2.
for bad in "--sign-key $T/k.key --sign-cert $T/o.crt" "--sign-key $T/missing --sign-cert $T/k.crt" \
	"--sign-key $T/k.crt --sign-cert $T/k.crt"; do
	rc=0
	# shellcheck disable=SC2086 # the options are words
	"$CREATE" --patch="$T/one.patch" --id reprobad -o "$T/bad" $bad "$KSPLICE_SRC" \
		>"$T/bad.out" 2>&1 || rc=$?
	[ "$rc" = 13 ] || fail "$bad: exit $rc, want 13: $(cat "$T/bad.out")"
	[ "$(wc -l <"$T/bad.out")" = 1 ] || fail "$bad: not one line: $(cat "$T/bad.out")"
	grep -q building "$T/bad.out" && fail "$bad: built before checking the key"
	echo "ok: refused before any build: $(cat "$T/bad.out")"
done
rc=0
"$CREATE" --patch="$T/one.patch" --sign-key "$T/k.key" "$KSPLICE_SRC" >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "--sign-key alone: exit $rc, want 2"

# create NAME [OPTIONS]: one run into $T/NAME, its members in $T/NAME/x.
create() {
	local name=$1
	shift
	mkdir -p "$T/$name/x"
	"$CREATE" --patch="$T/one.patch" --id repro1 -o "$T/$name" -j2 "$@" "$KSPLICE_SRC" \
		>"$T/$name.out" 2>&1 || fail "$name: $(cat "$T/$name.out")"
	tar xzf "$T/$name/ksplice-repro1.tar.gz" -C "$T/$name/x"
}
create signed1 --sign-key "$T/k.key" --sign-cert "$T/k.crt"
create signed2 --sign-key "$T/k.key" --sign-cert "$T/k.crt"
create plain

cmp "$T/signed1/x/update.ko" "$T/signed2/x/update.ko" || fail "two signed builds differ"
cmp "$T/signed1/ksplice-repro1.tar.gz" "$T/signed2/ksplice-repro1.tar.gz" ||
	fail "two signed update files differ"
echo "ok: two signed builds: the same update.ko and the same file"
# (Not strings | grep -q: with pipefail, strings dying of SIGPIPE after an
# early match would make the test pass.)
strings -a "$T/plain/x/update.ko" >"$T/plain/strings"
if grep -q ksplice-create "$T/plain/strings"; then
	fail "the work directory's path is in the module"
fi

# The signed module = the unsigned one + what scripts/sign-file appends.
cp "$T/plain/x/update.ko" "$T/resigned.ko"
"$KSPLICE_HEADERS/scripts/sign-file" sha256 "$T/k.key" "$T/k.crt" "$T/resigned.ko"
cmp "$T/resigned.ko" "$T/signed1/x/update.ko" ||
	fail "the signed module is not the unsigned one signed by scripts/sign-file"
echo "ok: signed update.ko = unsigned update.ko + scripts/sign-file's signature"

# OpenSSL's own tools accept both signatures.
(cd "$T/signed1/x" && sha256sum --quiet -c SHA256SUMS &&
	openssl cms -verify -binary -inform DER -in SHA256SUMS.p7s -content SHA256SUMS \
		-CAfile "$T/k.crt" -purpose any >/dev/null 2>&1) || fail "file signature"
"$BIN/ksplice-sign-module" --show "$T/signed1/x/update.ko" | grep -q "signed by issuer 'CN=ksplice repro test'" ||
	fail "module signer not shown"
mkdir "$T/trust" && cp "$T/k.crt" "$T/trust/"
"$BIN/ksplice-sign-module" --verify "$T/trust" "$T/signed1/x/update.ko" || fail "module signature"
[ ! -e "$T/plain/x/SHA256SUMS.p7s" ] || fail "an unsigned create wrote a signature"
echo "ok: signatures verified"
