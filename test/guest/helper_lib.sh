# Sourced by the helper.* guest tests (on the host): builds kmod-helper and
# the test modules, and runs a guest script with them and helper_guest.sh.
# shellcheck shell=bash
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HELPER_TEST=$(basename "$0" .sh)
HELPER_MODS="${KSPLICE_BUILD:-$SRC_DIR/build}/test-kmod/$HELPER_TEST"

# build_helper_modules MODULE...: kmod-helper plus test/modules/MODULE each.
build_helper_modules() {
	local m dirs=()
	for m in "$@"; do dirs+=("$SRC_DIR/test/modules/$m"); done
	"$TESTBED" kmod --out "$HELPER_MODS" "$SRC_DIR/kmod-helper" 2>"$TEST_TMP/kbuild.log" ||
		fail "building kmod-helper: $(cat "$TEST_TMP/kbuild.log")"
	KSPLICE_HELPER_INCLUDE="$SRC_DIR/kmod-helper" \
		KBUILD_EXTRA_SYMBOLS="$HELPER_MODS/kmod-helper/Module.symvers" \
		"$TESTBED" kmod --out "$HELPER_MODS" "${dirs[@]}" 2>"$TEST_TMP/kbuild.log" ||
		fail "building test modules: $(cat "$TEST_TMP/kbuild.log")"
	[ -x "${KSPLICE_BUILD:-$SRC_DIR/build}/bin/ksplice-test-plan" ] ||
		fail "build/bin/ksplice-test-plan missing: build the project first"
}

# run_helper_guest [RUN-GUEST OPTIONS] -- SCRIPT: runs SCRIPT (sh) in the
# guest after sourcing helper_guest.sh; the modules are in /files.
run_helper_guest() {
	local opts=() f
	while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	for f in "$HELPER_MODS"/*.ko; do opts+=(--file "$f"); done
	"$TESTBED" run-guest "${opts[@]}" --file "$SRC_DIR/test/guest/helper_guest.sh" \
		-- sh -c ". ./helper_guest.sh; $1"
}

# guest_must_pass [RUN-GUEST OPTIONS] -- SCRIPT: the script must end with
# PASS and the guest must exit 0 (no Oops or WARN either).
guest_must_pass() {
	local out rc=0
	out=$(run_helper_guest "$@") || rc=$?
	echo "$out"
	[ "$rc" = 0 ] || fail "guest exited with status $rc"
	[ "$(echo "$out" | tail -1)" = PASS ] || fail "guest script did not pass"
}
