#!/usr/bin/env bash
# bench/matcher_sched_core.sh [RUNS]: how long ksplice-objdiff takes, and how
# much memory it needs, to compare kernel/sched/core.o before and after a
# small patch (the biggest object of the core kernel's usual patch targets).
#
# The objects are built as ksplice-create builds them (kernel flags plus
# -ffunction-sections -fdata-sections) from a copy of core.c under a new name
# inside the test-bed's prepared tree (core.o's own extra flag,
# -fno-omit-frame-pointer, is passed along); every file created in the tree
# is removed afterwards. The patch changes sched_yield() and shifts every
# __LINE__ below the includes by one. Prints the median wall time and the
# peak RSS of RUNS (default 11) comparisons, text and --json, plus the plan's
# counts. Asserts nothing. KEEP=DIR keeps pre.o and post.o in DIR.
set -euo pipefail
SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${KSPLICE_BUILD:-$SRC_DIR/build}
RUNS=${1:-11}
TOOL=$BUILD/bin/ksplice-objdiff
[ -x "$TOOL" ] || { echo "build the project first ($TOOL)" >&2; exit 1; }
eval "$("$SRC_DIR/scripts/testbed" env)"
[ "$KSPLICE_READY" = yes ] || { echo "the test-bed is not prepared: scripts/testbed setup" >&2; exit 1; }

stem=ksplice_bench_matcher_core
work=$(mktemp -d)
cleanup() {
	rm -f "$KSPLICE_SRC/kernel/sched/$stem".* "$KSPLICE_SRC/kernel/sched/.$stem".*
	rm -rf "$work"
}
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap "rm -f $KSPLICE_SRC/kernel/sched/$stem.* $KSPLICE_SRC/kernel/sched/.$stem.*; cp $work/pre.o $work/post.o $KEEP/" EXIT

build() { # $1: tag; the copy in the tree is already written
	eval "make -s -C \"\$KSPLICE_SRC\" $KSPLICE_MAKE_VARS KBUILD_NOCMDDEP=1 \
		KCFLAGS='-ffunction-sections -fdata-sections -fno-omit-frame-pointer' \
		kernel/sched/$stem.o"
	cp "$KSPLICE_SRC/kernel/sched/$stem.o" "$work/$1.o"
}

cp "$KSPLICE_SRC/kernel/sched/core.c" "$KSPLICE_SRC/kernel/sched/$stem.c"
t0=$(date +%s.%N)
build pre
python3 - "$KSPLICE_SRC/kernel/sched/$stem.c" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
s = s.replace("#include <linux/highmem.h>\n", "#include <linux/highmem.h>\n\n", 1)
old = "SYSCALL_DEFINE0(sched_yield)\n{\n\tdo_sched_yield();\n\treturn 0;"
assert old in s
s = s.replace(old, "SYSCALL_DEFINE0(sched_yield)\n{\n\tdo_sched_yield();\n\treturn 1;")
open(p, "w").write(s)
PY
build post
t1=$(date +%s.%N)
cleanup_tree_check=$(ls -a "$KSPLICE_SRC/kernel/sched" | grep -c "$stem" || true)

measure() { # prints "seconds maxrss_kb" of one run
	/usr/bin/time -f "%e %M" -o "$work/time" "$TOOL" "$@" "$work/pre.o" "$work/post.o" \
		> "$work/out" || [ $? -le 1 ]
	cat "$work/time"
}
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

for mode in text json; do
	args=()
	[ "$mode" = json ] && args=(--json)
	: > "$work/runs"
	for _ in $(seq "$RUNS"); do measure "${args[@]}" >> "$work/runs"; done
	secs=$(cut -d' ' -f1 "$work/runs" | median)
	rss=$(cut -d' ' -f2 "$work/runs" | sort -n | tail -1)
	printf '%-5s median %s s, peak RSS %s KiB (%s runs)\n' "$mode" "$secs" "$rss" "$RUNS"
done
"$TOOL" "$work/pre.o" "$work/post.o" | tail -n 5 || true
"$TOOL" -v "$work/pre.o" "$work/post.o" | grep -c "only __LINE__" |
	sed 's/^/functions differing only in __LINE__ constants: /' || true
printf 'objects: %s bytes pre, %s bytes post; %s sections; built in %.0f s\n' \
	"$(stat -c %s "$work/pre.o")" "$(stat -c %s "$work/post.o")" \
	"$(readelf -S -W "$work/pre.o" | grep -c '^  \[')" "$(echo "$t1 - $t0" | bc)"
echo "files of the copy left in the tree before cleanup: $cleanup_tree_check (removed on exit)"
