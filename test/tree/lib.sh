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
