# Sourced inside the guest by the helper.* tests: loading the test modules,
# applying updates, reading live code.
# shellcheck shell=sh
KS=/sys/kernel/ksplice
TARGET=ksplice_target_value

fail() {
	echo "FAIL: $*"
	dmesg | grep ksplice | tail -5
	exit 1
}

expect() {
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
	echo "ok: $1 = '$3'"
}

sym_addr() {
	awk -v n="$1" '$3 == n { print $1; exit }' /proc/kallsyms
}

# The first LEN (default 48) bytes of the target function, in hex.
target_bytes() {
	ksplice-kcore-read "$(sym_addr $TARGET)" "${1:-48}" || fail "reading $TARGET through /proc/kcore"
}

load_helper() {
	insmod /files/kmod-helper.ko || fail "insmod kmod-helper"
	insmod /files/ksplice_target.ko || fail "insmod ksplice_target"
	ENTRY=$(entry_len "$(sym_addr $TARGET)")
	JUMP=$((ENTRY + 5))
}

# Bytes before a function's fentry call: 4 for an ENDBR (6.12's
# X86_KERNEL_IBT), sealed or not, else 0. The jump goes after both.
entry_len() {
	case $(ksplice-kcore-read "$1" 4) in
	f30f1efa | 660f1f00) echo 4 ;;
	*) echo 0 ;;
	esac
}

# hex_at HEX OFFSET [LEN]: LEN bytes (default: to the end) from byte OFFSET.
hex_at() {
	if [ -n "${3:-}" ]; then
		echo "$1" | cut -c$(($2 * 2 + 1))-$((($2 + $3) * 2))
	else
		echo "$1" | cut -c$(($2 * 2 + 1))-
	fi
}

# load_update X [ksplice-test-plan options]: inserts update X (id testX) as
# it was built and writes its plan.
load_update() {
	x=$1
	shift
	insmod "/files/ksplice_update_$x.ko" || fail "insmod update $x"
	ksplice-test-plan "$@" "/files/ksplice_update_$x.ko" "test$x" >/dev/null ||
		fail "the plan of update $x: $(cat $KS/test$x/abort_detail)"
}

# set_stage ID STAGE: the write's status is the function's.
set_stage() {
	echo "$2" 2>/dev/null >"$KS/$1/stage"
}

value() {
	cat /proc/ksplice_target
}

cause() {
	cat "$KS/$1/abort_cause"
}
