#!/usr/bin/env bash
# create.facts: ksplice-create checks --cve and --brings before anything
# else: a value of the wrong form is one line naming it, exit 14, and
# nothing made (not even the -o directory); good values go on to the next
# check (here: a KERNEL_SOURCE that does not exist, exit 3).
set -euo pipefail
SRC_DIR=${KSPLICE_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
BIN=${KSPLICE_BUILD:-$SRC_DIR/build}/bin
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ksplice-facts.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
printf -- '--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+b\n' >"$TMP/p.diff"

# refused WANT_IN_MESSAGE OPTION...: exit 14, one line naming the value.
refused() {
	local want=$1 rc=0 err
	shift
	err=$("$BIN/ksplice-create" --patch="$TMP/p.diff" -o "$TMP/out" "$@" "$TMP/no-tree" 2>&1 \
		>/dev/null) || rc=$?
	[ "$rc" = 14 ] || fail "$*: exit $rc, want 14 ($err)"
	[ "$(echo "$err" | wc -l)" = 1 ] || fail "$*: more than one line: $err"
	echo "$err" | grep -qF -- "$want" || fail "$*: message does not name '$want': $err"
	[ ! -e "$TMP/out" ] || fail "$*: made $TMP/out"
	echo "ok: refused $*: $err"
}
refused "--cve cve-2026-1234: not a CVE id" --cve cve-2026-1234
refused "--cve CVE-2026-123:" --cve CVE-2026-1234 --cve CVE-2026-123
refused "--cve CVE-26-1234:" --cve CVE-26-1234
refused "--brings v6.1.192-3: not a Debian package version" --brings v6.1.192-3
refused "--brings 6.1.192-: not" --brings 6.1.192-
refused "--brings 6.1 3:" --brings "6.1 3"
many=()
for i in $(seq 10000 10080); do many+=(--cve "CVE-2026-$i$i"); done
refused "more than the 1023 the kernel keeps" "${many[@]}"

rc=0
err=$("$BIN/ksplice-create" --patch="$TMP/p.diff" -o "$TMP/out" --cve CVE-2026-1234 \
	--cve CVE-2025-12345678 --cve CVE-2026-1234 --brings 1:6.1.192-3+deb12u1~1 \
	"$TMP/no-tree" 2>&1 >/dev/null) || rc=$?
[ "$rc" = 3 ] || fail "good --cve and --brings: exit $rc, want 3 (the tree): $err"
echo "ok: good --cve and --brings pass to the tree check"
