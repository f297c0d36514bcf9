#!/usr/bin/env bash
# tools.help: every tool answers --help with its usage and exit 0, refuses a
# bad option with exit 2, and the manual pages render without warnings.
set -euo pipefail
SRC_DIR=${KSPLICE_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
BIN=${KSPLICE_BUILD:-$SRC_DIR/build}/bin
fail() { echo "FAIL: $*" >&2; exit 1; }
for tool in ksplice-create ksplice-apply ksplice-undo ksplice-view ksplice-runpre ksplice-objdiff \
	ksplice-sign-module ksplice-boot; do
	out=$("$BIN/$tool" --help) || fail "$tool --help exited $?"
	echo "$out" | grep -qi "usage: $tool" || fail "$tool --help: no usage line"
	rc=0
	"$BIN/$tool" --no-such-option >/dev/null 2>&1 || rc=$?
	[ "$rc" = 2 ] || fail "$tool --no-such-option: exit $rc, want 2"
	echo "ok: $tool"
done
for page in "$SRC_DIR"/doc/man/*.1; do
	warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null || true)
	[ -z "$warnings" ] || fail "$page: $warnings"
	echo "ok: $(basename "$page") renders"
done
