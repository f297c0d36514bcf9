# Sourced by the guest tests: run scripts/testbed and check what it says.
# shellcheck shell=bash
set -euo pipefail
SRC_DIR=${KSPLICE_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
TESTBED="$SRC_DIR/scripts/testbed"
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/ksplice-test.XXXXXX")
trap 'rm -rf "$TEST_TMP"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

expect_eq() {
	local what=$1 got=$2 want=$3
	[ "$got" = "$want" ] || fail "$what: got '$got', want '$want'"
	echo "ok: $what = '$want'"
}

# Builds test-only kernel modules (test/modules/NAME) for the current profile.
build_test_module() {
	"$TESTBED" kmod --out "$TEST_TMP/modules" "$SRC_DIR/test/modules/$1" >/dev/null
	echo "$TEST_TMP/modules/$1.ko"
}

# The value of the guest output's line "KEY value" ($out holds the output).
# shellcheck disable=SC2154
line() {
	echo "$out" | sed -n "s/^$1 //p"
}

# Where ksplice's jump goes in a function with an fentry call: after it, and
# after an ENDBR first with X86_KERNEL_IBT (6.12). Needs `scripts/testbed env`.
jump_offset() {
	if grep -q '^CONFIG_X86_KERNEL_IBT=y' "$KSPLICE_SRC/.config"; then echo 9; else echo 5; fi
}

# The update of the module tests (nfsd.ko's nfsd4_sequence): Debian's own
# fix of 6.1.192-3 on 6.1; on 6.12, which already carries it, a small change
# to the same function. KSPLICE_MODULE_PATCH overrides it.
module_patch() {
	case ${KSPLICE_KERNEL_RELEASE:-} in
	6.1.*) echo "${KSPLICE_MODULE_PATCH:-debian-6.1.192-3-nfsd.patch}" ;;
	*) echo "${KSPLICE_MODULE_PATCH:-nfsd-sequence-slack.patch}" ;;
	esac
}

# test_patch NAME: test/patches/NAME, or the variant of this kernel series
# (test/patches/6.12/NAME) where the source differs. Needs `scripts/testbed env`.
test_patch() {
	local series
	series=$(echo "${KSPLICE_KERNEL_RELEASE:-}" | cut -d. -f1,2)
	if [ -n "$series" ] && [ -f "$SRC_DIR/test/patches/$series/$1" ]; then
		echo "$SRC_DIR/test/patches/$series/$1"
	else
		echo "$SRC_DIR/test/patches/$1"
	fi
}

# create_update PATCH ID [OPTION...]: builds an update from
# test/patches/PATCH (or PATCH itself, an absolute path) with ksplice-create on the prepared tree (with the
# options, e.g. --after FILE); prints the update file's path. Needs
# `scripts/testbed env`.
create_update() {
	local patch=$1 id=$2
	shift 2
	case $patch in /*) ;; *) patch=$(test_patch "$patch") ;; esac
	"${KSPLICE_BUILD:-$SRC_DIR/build}/bin/ksplice-create" --patch="$patch" \
		--id "$id" -o "$TEST_TMP" "$@" "$KSPLICE_SRC" >/dev/null ||
		fail "ksplice-create $patch failed"
	echo "$TEST_TMP/ksplice-$id.tar.gz"
}

# sleepers_parked SLEEP_MS: guest shell code that loads kmod-helper (2 tries,
# 100 ms apart), starts ksplice-test-sleepers --step with its nanosleep of
# SLEEP_MS, its pid in $pid and its stdin on fd 3 ("echo go >&3" completes
# the waits), and waits until it has parked its threads.
sleepers_parked() {
	cat <<SNIPPET
	mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
	ip link set lo up
	insmod /ksplice/kmod-helper.ko
	echo 2 >/sys/module/kmod_helper/parameters/tries
	echo 100 >/sys/module/kmod_helper/parameters/retry_ms
	mkfifo /tmp/in
	ksplice-test-sleepers --step --sleep-ms $1 </tmp/in >/tmp/sleepers.out 2>&1 &
	pid=\$!
	exec 3>/tmp/in
	i=0
	until grep -q "^parked 1\$" /tmp/sleepers.out || [ \$i -ge 300 ]; do
		sleep 0.1; i=\$((i + 1))
	done
SNIPPET
}
