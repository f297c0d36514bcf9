#!/bin/bash
# Builds the matcher's object-reader fuzz target with clang/libFuzzer in its
# own build directory and runs it for a time budget.
#   test/fuzz/run.sh [SECONDS]     (default 60; CI uses a short budget)
# Seeds: small objects compiled now, plus kernel objects of the test-bed's
# sample when present. Crashes are saved under build-fuzz/fuzz/crashes/.
set -euo pipefail
budget=${1:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$root/build-fuzz
if ! command -v clang >/dev/null; then
	echo "SKIP: clang not found (apt-get install clang)" >&2
	exit 77
fi
CC=clang cmake -S "$root" -B "$build" -DKSPLICE_FUZZ=ON -DBUILD_TESTING=OFF \
	-DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$build" -j2 --target fuzz_objread >/dev/null
corpus=$build/fuzz/corpus
mkdir -p "$corpus" "$build/fuzz/crashes"
if [ -z "$(ls -A "$corpus")" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	cat > "$tmp/seed.c" <<'C'
extern int sink(int);
static int counter(void) { static int n; return ++n; }
int f(int a) { return sink(a) + counter(); }
const char *msg(void) { return "hello"; }
int table[4] = {1, 2, 3, 4};
C
	gcc -O2 -ffunction-sections -fdata-sections -c "$tmp/seed.c" -o "$corpus/seed.o"
	gcc -O0 -c "$tmp/seed.c" -o "$corpus/seed-O0.o"
	find "$root/fixtures" -name '*.o' -size -64k 2>/dev/null | head -n 8 |
		while read -r o; do cp "$o" "$corpus/"; done
fi
"$build/fuzz/fuzz_objread" -max_total_time="$budget" -max_len=65536 -rss_limit_mb=1024 -timeout=10 \
	-artifact_prefix="$build/fuzz/crashes/" -print_final_stats=1 "$corpus"
