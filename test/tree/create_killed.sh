#!/usr/bin/env bash
# create.killed: ksplice-create killed with SIGKILL on the test-bed's prepared
# tree, at each stage: building the pre objects, with the patch applied and
# the post objects building, applying an --after update's patch, packaging.
# No handler runs; the tree guard's journal (TREE/.ksplice-guard) must let
# the next ksplice-create, or scripts/testbed setup, restore the tree (say
# so, and succeed), byte for byte, mode and mtime as before.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"
tree_test_init create.killed
JOURNAL="$KSPLICE_SRC/.ksplice-guard/journal"

# kill_at NAME STAGE_TEXT ARGS...: starts ksplice-create ARGS, waits for
# STAGE_TEXT in its output, kills it with SIGKILL.
kill_at() {
	local name=$1 text=$2
	shift 2
	"$CREATE" "$@" >"$T/$name.out" 2>&1 &
	local pid=$! i
	for i in $(seq 600); do
		grep -q -- "$text" "$T/$name.out" && break
		kill -0 "$pid" 2>/dev/null || fail "$name: ended before '$text': $(cat "$T/$name.out")"
		sleep 0.05
	done
	[ "$i" -lt 600 ] || fail "$name: no '$text' in 30 s: $(cat "$T/$name.out")"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	KILLED_PID=$pid
}

# killed NAME STAGE_TEXT DELAY ARGS...: kill_at after DELAY seconds more, and
# checks that the killed run left its journal (the tree is not restored yet).
killed() {
	local name=$1 text=$2 delay=$3
	shift 3
	touch "$T/marker"
	sleep 1
	BEFORE=$(snapshot "${CMDLINE_FILES[@]}")
	kill_at "$name" "$text" "$@"
	sleep "$delay"
	[ -f "$JOURNAL" ] || fail "$name: killed at '$text', but no journal in $JOURNAL"
}

# restored NAME OUTPUT: the recovery said what it restored, from which run,
# and the tree is as before.
restored() {
	local name=$1 output=$2 after said
	said=$(grep "restored .* an interrupted ksplice-create (pid $KILLED_PID, started .*) left changed" "$output") ||
		fail "$name: no recovery message: $(cat "$output")"
	echo "$said"
	[ ! -e "$KSPLICE_SRC/.ksplice-guard" ] || fail "$name: $KSPLICE_SRC/.ksplice-guard left"
	after=$(snapshot "${CMDLINE_FILES[@]}")
	[ "$BEFORE" = "$after" ] || fail "$name: the tree changed:
--- before
$BEFORE
--- after
$after"
	echo "ok: $name: restored, tree as before"
}

cmdline_patches
mkdir -p "$T/out"

# Building the pre objects; the next ksplice-create (a whole update, the
# earlier update of the --after case) restores and succeeds.
killed pre "building pre objects" 1 --patch="$T/one.patch" --diff-only -j1 "$KSPLICE_SRC"
"$CREATE" --patch="$T/one.patch" --id killed1 -o "$T/out" -j2 "$KSPLICE_SRC" \
	>"$T/pre.next" 2>&1 || fail "pre: the next ksplice-create failed: $(cat "$T/pre.next")"
restored pre "$T/pre.next"

# The patch applied, the post objects building; scripts/testbed setup
# restores.
killed post "building post objects" 1 --patch="$T/one.patch" --diff-only -j1 "$KSPLICE_SRC"
grep -q 'seq_puts(m, "ksplice ");' "$KSPLICE_SRC/fs/proc/cmdline.c" ||
	fail "post: killed, but the patch was not applied"
"$SRC_DIR/scripts/testbed" setup >"$T/post.next" 2>&1 ||
	fail "post: scripts/testbed setup failed: $(cat "$T/post.next")"
restored post "$T/post.next"

# Applying the earlier update's patch (--after); the next run restores.
killed after "applying the patch of earlier update killed1" 0.5 \
	--patch="$T/on_top.patch" --after "$T/out/ksplice-killed1.tar.gz" --diff-only -j1 "$KSPLICE_SRC"
"$CREATE" --patch="$T/on_top.patch" --after "$T/out/ksplice-killed1.tar.gz" --diff-only -j2 \
	"$KSPLICE_SRC" >"$T/after.next" 2>&1 ||
	fail "after: the next ksplice-create failed: $(cat "$T/after.next")"
grep -q "function changed   cmdline_proc_show" "$T/after.next" || fail "after: no plan"
restored after "$T/after.next"

# Packaging: the tree is already restored and the journal gone.
touch "$T/marker"
sleep 1
BEFORE=$(snapshot "${CMDLINE_FILES[@]}")
kill_at packaging "building update module" --patch="$T/one.patch" --id killed2 -o "$T/out" \
	-j1 "$KSPLICE_SRC"
[ ! -e "$KSPLICE_SRC/.ksplice-guard" ] || fail "packaging: a journal is left"
[ "$BEFORE" = "$(snapshot "${CMDLINE_FILES[@]}")" ] || fail "packaging: the tree changed"
"$CREATE" --patch="$T/one.patch" --diff-only -j2 "$KSPLICE_SRC" >"$T/packaging.next" 2>&1 ||
	fail "packaging: the next ksplice-create failed: $(cat "$T/packaging.next")"
grep -q "interrupted ksplice-create" "$T/packaging.next" && fail "packaging: nothing to restore"
echo "ok: packaging: killed, tree as before, nothing to restore"
