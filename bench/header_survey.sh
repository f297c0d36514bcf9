#!/usr/bin/env bash
# bench/header_survey.sh [--tree DIR] FROM TO
#
# What the header change analysis (matcher/source/hdr_change.h) makes of
# every .h file that differs between two Debian versions of the source
# (the evaluations' pairs, e.g. 6.1.187-1 6.1.190-1), judged with the macro
# table of the prepared tree's header index (TREE.index, filled by
# ksplice-create --build-index): how many it judges by names, so that the
# index can rule out readers without preprocessing them, and why the others
# fall back (every reader screened). Headers of other architectures and
# tools/ are left out. Prints figures; asserts nothing.
set -euo pipefail
SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${KSPLICE_BUILD:-$SRC_DIR/build}
SURVEY=$BUILD/bin/ksplice-bench-header-survey
TREE=""
[ "${1:-}" = --tree ] && { TREE=$2; shift 2; }
[ $# -eq 2 ] || { echo "usage: $0 [--tree DIR] FROM TO" >&2; exit 2; }
[ -x "$SURVEY" ] || { echo "build the project first ($SURVEY)" >&2; exit 1; }
export KSPLICE_KERNEL=${KSPLICE_KERNEL:-6.1.0-53-cloud-amd64}
eval "$("$SRC_DIR/scripts/testbed" env)"
[ -n "$TREE" ] || TREE=$KSPLICE_SRC
SOURCES="$KSPLICE_CACHE/sources"
for v in "$1" "$2"; do
	[ -d "$SOURCES/$v" ] || { echo "no $SOURCES/$v: run eval/realfixes for the pair first" >&2; exit 1; }
done
OTHER_ARCHES='arm|arm64|powerpc|mips|s390|riscv|loongarch|sparc|alpha|parisc|sh|m68k|xtensa|csky|openrisc|nios2|hexagon|microblaze|ia64|um|arc'
out=$(cd "$SOURCES" && { diff -rq "$1" "$2" 2>/dev/null || true; } | awk '/^Files / { print $2 }' |
	sed "s|^$1/||" | grep '\.h$' | grep -Ev "^(tools/|arch/($OTHER_ARCHES)/)" |
	"$SURVEY" "$TREE" "$SOURCES/$1" "$SOURCES/$2")
total=$(grep -c . <<<"$out" || true)
ok=$(grep -c $'\tok\t' <<<"$out" || true)
echo "$1 -> $2: $total changed headers, $ok judged by names, $((total - ok)) fall back"
echo "fallback reasons (line numbers and names folded):"
grep $'\tfallback\t' <<<"$out" | cut -f3 |
	sed -E "s/line [0-9]+: //; s/\(line [0-9]+\)//; s/macro [A-Za-z0-9_]+/macro M/; s/identifier [A-Za-z0-9_]+/identifier X/; s/not inert: '(struct|union|typedef|enum)? ?.*/not inert: \1 definition/" |
	sort | uniq -c | sort -rn
if [ -n "${VERBOSE:-}" ]; then echo "$out"; fi
