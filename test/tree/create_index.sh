#!/usr/bin/env bash
# create.index: the header index on the test-bed's prepared tree. A shared
# header's change is screened three ways (no index; an empty index, which
# the run fills; the filled index) and keeps the same objects each time,
# the filled index skipping the objects it proves unaltered; with
# KSPLICE_SCREEN_AUDIT, ruled-out objects compile to unchanged code. A prototype
# nobody calls, added to the same header, needs no preprocessing at all
# once the index knows the readers; without the index it is screened to
# the same answer ("no changes"). The tree stays as it was.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"
tree_test_init create.index
export KSPLICE_HEADER_INDEX="$T/index"

# test/patches/tree-time-namespace.patch: timens_add_boottime() tests its offsets first.
cp "$SRC_DIR/test/patches/tree-time-namespace.patch" "$T/shared.patch"
# A prototype nobody calls; then the same prototype and a call of it from
# timens_add_boottime().
cat >"$T/unused.patch" <<'P'
--- a/include/linux/time_namespace.h
+++ b/include/linux/time_namespace.h
@@ -69,6 +69,8 @@
 	*ts = timespec64_add(*ts, ns_offsets->monotonic);
 }
 
+int timens_unused_helper(const struct timens_offsets *offsets);
+
 static inline void timens_add_boottime(struct timespec64 *ts)
 {
 	struct timens_offsets *ns_offsets = &current->nsproxy->time_ns->offsets;
P
cat "$T/unused.patch" - >"$T/called.patch" <<'P'
@@ -73,6 +75,8 @@
 {
 	struct timens_offsets *ns_offsets = &current->nsproxy->time_ns->offsets;
 
+	if (timens_unused_helper(ns_offsets))
+		return;
 	*ts = timespec64_add(*ts, ns_offsets->boottime);
 }
 
P
screened=(include/linux/time_namespace.h fs/proc/uptime.i fs/proc/.uptime.i.cmd
	kernel/futex/syscalls.i kernel/futex/syscalls.o kernel/sys.o kernel/.sys.o.cmd)

# run NAME EXPECTED_STATUS PATCH [OPTS...]: -v --diff-only, tree checked; the
# kept objects (-v's "  OBJECT: why" lines) into $T/NAME.kept.
run() {
	local name=$1 status=$2 patch=$3 rc=0
	shift 3
	touch "$T/marker"
	sleep 1
	local before after
	before=$(snapshot "${screened[@]}")
	"$CREATE" -v --diff-only -j2 "$@" --patch="$patch" "$KSPLICE_SRC" >"$T/$name.out" 2>&1 ||
		rc=$?
	[ "$rc" = "$status" ] || fail "$name: exit $rc, not $status: $(tail -5 "$T/$name.out")"
	after=$(snapshot "${screened[@]}")
	[ "$before" = "$after" ] || fail "$name: the tree changed: $after"
	{ grep -E '^  [^ ]+\.o: ' "$T/$name.out" || true; } | sed 's/:.*//' | sort >"$T/$name.kept"
}

expect() {
	grep -qF -- "$2" "$T/$1.out" || fail "$1: no '$2' in: $(cat "$T/$1.out")"
}

same_kept() {
	cmp -s "$T/$1.kept" "$T/$2.kept" ||
		fail "$2 kept other objects than $1: $(diff "$T/$1.kept" "$T/$2.kept" | tr '\n' ' ')"
}

run plain 0 "$T/shared.patch" --no-index
expect plain "screening: 4 of 12 objects may change"
[ ! -e "$T/index" ] || fail "--no-index wrote an index"

run cold 0 "$T/shared.patch"
expect cold "header index: 0 of 12 objects known unaltered"
expect cold "screening: 4 of 12 objects may change"
same_kept plain cold
[ "$(find "$T/index/objects" -type f | wc -l)" = 12 ] || fail "cold: not 12 entries"

run warm 0 "$T/shared.patch"
expect warm "header index: 8 of 12 objects known unaltered without preprocessing (12 indexed"
expect warm "screening: preprocessed 4/4 objects before the patch"
expect warm "screening: 4 of 12 objects may change"
same_kept plain warm

# Screening's own audit: objects it rules out, built before and after the
# patch, compile to the same code, and leave the update.
KSPLICE_SCREEN_AUDIT=3 run warm_screen_audit 0 "$T/shared.patch"
expect warm_screen_audit "screening audit: 3 objects screening rules out to build anyway"
expect warm_screen_audit "screening audit: 3 objects screening rules out built and compared anyway: none changes"
expect warm_screen_audit "screening: 4 of 12 objects may change"
grep -v "screening audit" "$T/warm_screen_audit.out" | grep -E '^  [^ ]+\.o: ' | sed 's/:.*//' | sort \
	>"$T/warm_screen_audit.kept"
same_kept plain warm_screen_audit

run unused_plain 66 "$T/unused.patch" --no-index
expect unused_plain "screening: 0 of 12 objects may change"
run unused 66 "$T/unused.patch"
expect unused "header index: 12 of 12 objects known unaltered"
expect unused "declared name (names: timens_unused_helper)"
grep -q "preprocessed" "$T/unused.out" && fail "unused: objects were preprocessed"
# The audit screens what the index ruled out by names, and finds it unaltered.
KSPLICE_INDEX_AUDIT=5 run unused_audit 66 "$T/unused.patch"
expect unused_audit "header index audit: 5 objects the index rules out screened anyway: none may change"
same_kept unused_plain unused_audit

# The call makes timens_add_boottime's users change: the index may only
# prove the others unaltered.
run called_plain 0 "$T/called.patch" --no-index
expect called_plain "screening: 4 of 12 objects may change"
run called 0 "$T/called.patch"
same_kept called_plain called
echo "create.index: ok"
