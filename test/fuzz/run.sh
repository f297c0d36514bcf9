#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Builds the libFuzzer targets with clang in their own build directory
# (build-fuzz/), replays the kept regression inputs (test/fuzz/regressions/
# NAME/), and fuzzes one target or all of them for a time budget each.
#   test/fuzz/run.sh [--target NAME] [SECONDS]     (default 60 s per target)
# Targets: objread objfile package update diff kallsyms kcore profile ppscreen.
# A target's corpus is build-fuzz/fuzz/corpus/NAME (seeded on its first run
# from real inputs, see seeds.sh, and kept between runs); crash, leak and
# timeout inputs land in build-fuzz/fuzz/crashes/NAME/. Exit status: 0 clean,
# 1 a regression input or the fuzzer failed, 77 clang missing (skip).
set -euo pipefail
targets=(objread objfile package update diff kallsyms kcore profile ppscreen)
only=""
while [ $# -gt 0 ]; do
	case "$1" in
	--target) only=$2; shift 2 ;;
	--target=*) only=${1#--target=}; shift ;;
	-h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) break ;;
	esac
done
budget=${1:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$root/build-fuzz
if [ -n "$only" ]; then
	[[ " ${targets[*]} " == *" $only "* ]] || { echo "run.sh: no target '$only'" >&2; exit 2; }
	targets=("$only")
fi
if ! command -v clang >/dev/null; then
	echo "SKIP: clang not found (apt-get install clang)" >&2
	exit 77
fi
CC=clang cmake -S "$root" -B "$build" -DKSPLICE_FUZZ=ON -DBUILD_TESTING=OFF \
	-DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$build" -j2 --target "${targets[@]/#/fuzz_}" >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=seeds.sh
. "$root/test/fuzz/seeds.sh"

# Largest input per target: a real update file's members are ~40 KB.
max_len() {
	case "$1" in
	package | update) echo 131072 ;;
	objread | objfile | kallsyms) echo 65536 ;;
	*) echo 16384 ;;
	esac
}

replay() {
	local name=$1 dir=$root/test/fuzz/regressions/$1 out
	[ -d "$dir" ] && [ -n "$(ls -A "$dir")" ] || return 0
	echo "== $name: replaying $(find "$dir" -type f | wc -l) regression input(s)"
	out=$(KSPLICE_SOURCE_DIR=$root "$build/fuzz/fuzz_$name" -timeout=10 -rss_limit_mb=2048 \
		"$dir"/* 2>&1) && return 0
	echo "$out" | grep -v '^BFD: ' | tail -n 40
	return 1
}

# The fuzzer's whole output goes to build-fuzz/fuzz/logs/NAME.log; the
# console gets it without libbfd's complaints and the new-input lines.
fuzz() {
	local name=$1 corpus=$build/fuzz/corpus/$1 crashes=$build/fuzz/crashes/$1
	local log=$build/fuzz/logs/$1.log rc=0
	mkdir -p "$corpus" "$crashes" "$(dirname "$log")"
	[ -n "$(ls -A "$corpus")" ] || "seed_$name" "$corpus"
	echo "== $name: fuzzing for $budget s"
	KSPLICE_SOURCE_DIR=$root "$build/fuzz/fuzz_$name" -max_total_time="$budget" \
		-max_len="$(max_len "$name")" -rss_limit_mb=2048 -timeout=10 \
		-artifact_prefix="$crashes/" -print_final_stats=1 "$corpus" >"$log" 2>&1 || rc=$?
	grep -avE '^BFD: |^#[0-9]+[[:space:]]+(NEW|REDUCE) ' "$log" | grep -avE '^"|^/tmp/.*: ' |
		tail -n 60
	[ "$rc" = 0 ] || echo "run.sh: fuzz_$name exited with status $rc (log: $log)" >&2
	return "$rc"
}

status=0
for t in "${targets[@]}"; do
	replay "$t" || { echo "run.sh: $t: a regression input fails again" >&2; status=1; }
	fuzz "$t" || { echo "run.sh: $t: the fuzzer found a problem (see above)" >&2; status=1; }
done
exit $status
