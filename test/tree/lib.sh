# Sourced by the tests on the test-bed's prepared tree (label tree): the
# tree from `scripts/testbed env`, a temporary directory T, and what the
# tests share.
# shellcheck shell=bash

# tree_test_init NAME: sets SRC_DIR, CREATE, the testbed's KSPLICE_* and T;
# exits 77 (skipped) if the test-bed is not set up.
tree_test_init() {
	SRC_DIR=${KSPLICE_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
	# shellcheck disable=SC2034 # for the sourcing test
	CREATE=${KSPLICE_BUILD:-$SRC_DIR/build}/bin/ksplice-create
	eval "$("$SRC_DIR/scripts/testbed" env)"
	if [ "$KSPLICE_READY" != yes ]; then
		echo "$1: skipped: the test-bed is not set up (scripts/testbed setup)"
		exit 77
	fi
	T=$(mktemp -d)
	trap 'rm -rf "$T"' EXIT
}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# snapshot FILES...: sha256, mode and mtime of the files a run may write
# (and .missing-syscalls.d), and the files of the tree newer than
# $T/marker. Taken under ksplice-create's own lock on the tree, so that
# another run on the same tree (or the make of a killed one) is never
# caught halfway.
snapshot() {
	(
		exec 9<"$KSPLICE_SRC"
		flock 9
		cd "$KSPLICE_SRC" || exit 1
		for f in "$@" .missing-syscalls.d; do
			if [ -e "$f" ]; then
				echo "$(sha256sum <"$f" | cut -c1-64) $(stat -c '%a %Y.%y' "$f") $f"
			else
				echo "absent $f"
			fi
		done
		find . -newer "$T/marker" -type f | sort
	)
}

# run NAME WANT_STATUS PATCH FILES... : runs ksplice-create (with the
# options in RUN_OPTS), checks status and tree.
RUN_OPTS=()
run() {
	local name=$1 want=$2 patch=$3
	shift 3
	touch "$T/marker"
	sleep 1
	local before after rc=0
	before=$(snapshot "$@")
	"$CREATE" --patch="$patch" --diff-only -j2 "${RUN_OPTS[@]}" "$KSPLICE_SRC" >"$T/$name.out" \
		2>"$T/$name.err" || rc=$?
	after=$(snapshot "$@")
	cat "$T/$name.out" "$T/$name.err"
	[ "$rc" = "$want" ] || fail "$name: exit status $rc, want $want"
	[ "$before" = "$after" ] || fail "$name: the tree changed:
--- before
$before
--- after
$after"
	echo "ok: $name: exit $rc, tree unchanged"
}

# expect NAME TEXT: the output of run NAME says TEXT.
expect() { grep -q -- "$2" "$T/$1.out" "$T/$1.err" || fail "$1: no '$2' in the output"; }

# The files a change of fs/proc/cmdline.c may write.
# shellcheck disable=SC2034 # for the sourcing test
CMDLINE_FILES=(fs/proc/cmdline.c fs/proc/cmdline.o fs/proc/.cmdline.o.cmd fs/proc/.cmdline.o.d)

# $T/one.patch changes cmdline_proc_show; $T/on_top.patch changes it again,
# on top of one.patch (for --after).
cmdline_patches() {
	cat >"$T/one.patch" <<'P'
--- a/fs/proc/cmdline.c
+++ b/fs/proc/cmdline.c
@@ -8,6 +8,7 @@
 static int cmdline_proc_show(struct seq_file *m, void *v)
 {
+	seq_puts(m, "ksplice ");
 	seq_puts(m, saved_command_line);
 	seq_putc(m, '\n');
 	return 0;
 }
P
	cat >"$T/on_top.patch" <<'P'
--- a/fs/proc/cmdline.c
+++ b/fs/proc/cmdline.c
@@ -8,6 +8,6 @@
 static int cmdline_proc_show(struct seq_file *m, void *v)
 {
-	seq_puts(m, "ksplice ");
+	seq_puts(m, "ksplice twice ");
 	seq_puts(m, saved_command_line);
 	seq_putc(m, '\n');
 	return 0;
P
}
