#!/usr/bin/env bash
# bench/create_headers.sh [--tree DIR] [--only REGEX] [--no-baseline] [--keep-index]
#
# ksplice-create --diff-only on the real header rows of the 6.1 evaluations
# (the slowest of eval/results, a .c file's fix with the header changes it
# needs), each three ways on one tree: without the header index (today's
# screening of every object the header reaches), with the index cold (none
# beside the tree: this run fills it for the objects it screens) and warm
# (again). Prints, per row and way, the wall time and the screening line
# "N of M objects may change", and whether the three kept-object sets (-v
# lists them) are identical. With --build-index first (BUILD_INDEX=1), it
# also times ksplice-create --build-index and runs the cold case after it.
# Prints figures; asserts nothing. The tree is the profile's (or --tree, a
# cp -a copy); the index lives in TREE.index (or $KSPLICE_HEADER_INDEX) and is
# removed for the cold run. --keep-index keeps the index there is (filled by
# --build-index beforehand) and times only the warm runs.
set -euo pipefail
SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${KSPLICE_BUILD:-$SRC_DIR/build}
CREATE=$BUILD/bin/ksplice-create
TREE="" ONLY="" BASELINE=1 KEEP=0
while [ $# -gt 0 ]; do
	case "$1" in
	--tree) TREE=$2; shift 2 ;;
	--only) ONLY=$2; shift 2 ;;
	--no-baseline) BASELINE=0; shift ;;
	--keep-index) KEEP=1; shift ;;
	*) echo "usage: $0 [--tree DIR] [--only REGEX] [--no-baseline] [--keep-index]" >&2; exit 2 ;;
	esac
done
[ -x "$CREATE" ] || { echo "build the project first ($CREATE)" >&2; exit 1; }
export KSPLICE_KERNEL=${KSPLICE_KERNEL:-6.1.0-53-cloud-amd64}
eval "$("$SRC_DIR/scripts/testbed" env)"
[ -n "$TREE" ] || TREE=$KSPLICE_SRC
TREE=$(cd "$TREE" && pwd)
INDEX=${KSPLICE_HEADER_INDEX:-$TREE.index}
SOURCES="$KSPLICE_CACHE/sources"
say() { echo "$*" >&2; }
die() { echo "bench: $*" >&2; exit 1; }
# shellcheck source=../eval/lib.sh
. "$SRC_DIR/eval/lib.sh"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

# FROM TO NAME FILE.c HEADER...: the rows, slowest first (eval/results).
ROWS=(
	"6.1.190-1 6.1.192-2 ioprio block/ioprio.c include/uapi/linux/ioprio.h"
	"6.1.187-1 6.1.190-1 stop_machine kernel/stop_machine.c include/linux/rcutree.h"
	"6.1.190-1 6.1.192-2 page_alloc mm/page_alloc.c include/linux/memory_hotplug.h"
	"6.1.190-1 6.1.192-2 tty_port drivers/tty/tty_port.c include/linux/tty_port.h"
	"6.1.190-1 6.1.192-2 ftrace kernel/trace/ftrace.c include/linux/ftrace.h"
	"6.1.190-1 6.1.192-2 fork kernel/fork.c include/linux/futex.h include/linux/mm_types.h"
	"6.1.187-1 6.1.190-1 act_api net/sched/act_api.c include/linux/rtnetlink.h"
	"6.1.190-1 6.1.192-2 filemap mm/filemap.c include/linux/pagemap.h"
	"6.1.190-1 6.1.192-2 readahead mm/readahead.c include/linux/pagemap.h"
	"6.1.190-1 6.1.192-2 shmem mm/shmem.c include/linux/pagemap.h"
	"6.1.190-1 6.1.192-2 trace_stack kernel/trace/trace_stack.c include/linux/ftrace.h"
	"6.1.187-1 6.1.190-1 fib_trie net/ipv4/fib_trie.c include/net/ip_fib.h"
)

make_patch() {
	local from=$1 to=$2 out=$3 c=$4 f
	shift 4
	: >"$out"
	for f in "$@" "$c"; do
		diff -u -p --label "a/$f" --label "b/$f" "$SOURCES/$from/$f" "$SOURCES/$to/$f" \
			>>"$out" || true
	done
}

# timed CPUFILE CMD...: CMD, its user+system CPU seconds into CPUFILE (with
# GNU time; "-" without it). The CPU time is the figure that holds on a
# machine busy with other work, where wall times stretch.
timed() {
	local cpufile=$1
	shift
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f '%U %S' -o "$cpufile" "$@"
	else
		echo - >"$cpufile"
		"$@"
	fi
}
# (GNU time writes "Command exited with non-zero status N" first.)
cpu_seconds() { awk 'NF == 2 && $1 ~ /^[0-9.]+$/ { cpu = $1 + $2 } END { if (cpu == "") print "-"; else printf "%.1f", cpu }' "$1"; }

# run_create NAME WAY [OPTS...]: seconds, screening line, kept set file.
run_create() {
	local name=$1 way=$2 t0 t1 rc=0
	shift 2
	t0=$(date +%s.%N)
	timed "$OUT/$name.$way.cpu" "$CREATE" -v --diff-only -j2 "$@" --patch="$OUT/$name.patch" \
		"$TREE" >"$OUT/$name.$way.log" 2>&1 || rc=$?
	t1=$(date +%s.%N)
	{ grep -E '^  [^ ]+\.o: ' "$OUT/$name.$way.log" || true; } | sed 's/:.*//' | sort \
		>"$OUT/$name.$way.kept"
	local line
	line=$(grep -E 'screening: [0-9]+ of [0-9]+ objects? may change|header index: ' \
		"$OUT/$name.$way.log" | tr '\n' ';' || true)
	printf '%-13s %-9s %7.1f s (CPU %s s)  exit %-3s %s\n' "$name" "$way" \
		"$(echo "$t1 - $t0" | bc)" "$(cpu_seconds "$OUT/$name.$way.cpu")" "$rc" \
		"${line:-(no screening)}"
}

if [ "${BUILD_INDEX:-0}" = 1 ]; then
	rm -rf "$INDEX"
	t0=$(date +%s.%N)
	timed "$OUT/index.cpu" "$CREATE" --build-index -j2 "$TREE" | tail -3
	echo "index built in $(echo "$(date +%s.%N) - $t0" | bc) s, CPU $(cpu_seconds "$OUT/index.cpu") s ($(du -sh "$INDEX" | cut -f1))"
fi
for row in "${ROWS[@]}"; do
	# shellcheck disable=SC2086
	set -- $row
	from=$1 to=$2 name=$3
	shift 3
	[ -z "$ONLY" ] || [[ "$name" =~ $ONLY ]] || continue
	fetch_source "$from"
	fetch_source "$to"
	make_patch "$from" "$to" "$OUT/$name.patch" "$@"
	[ "$BASELINE" = 0 ] || run_create "$name" no-index --no-index
	ways="cold warm"
	if [ "$KEEP" = 1 ]; then
		ways=warm
	else
		[ "${BUILD_INDEX:-0}" = 1 ] || rm -rf "$INDEX"
		run_create "$name" cold
	fi
	run_create "$name" warm
	for way in $ways; do
		[ "$BASELINE" = 0 ] || cmp -s "$OUT/$name.no-index.kept" "$OUT/$name.$way.kept" ||
			echo "$name: kept objects differ ($way): $(diff "$OUT/$name.no-index.kept" \
				"$OUT/$name.$way.kept" | head -5 | tr '\n' ' ')"
	done
done
