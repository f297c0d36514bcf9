#!/bin/bash
# matcher.module_match: test/tree/module_match.py, which the evaluation uses
# to match a module file's pre object against a .ko the guest cannot load,
# on a small object of its own: built with -ffunction-sections
# -fdata-sections against the same source built plainly and linked with
# ld -r (as a module is). A loop's end pointer (one past a static array:
# its own section's end in the object, a bare .rodata offset in the module)
# must match; a changed instruction must not.
set -euo pipefail
src=${KSPLICE_SOURCE_DIR:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
cat >a.c <<'C'
struct stat { char name[32]; unsigned short off; };
static const struct stat stats[] = { {"rx", 1}, {"tx", 2}, {"drop", 3} };
static const char *const kinds[] = { "x", "y" };
int count(const char *s)
{
	const struct stat *p;
	int n = 0;
	for (p = stats; p < stats + sizeof(stats) / sizeof(stats[0]); p++)
		n += p->name[0] == s[0] ? p->off : 0;
	return n + (kinds[0][0] == s[0]);
}
C
sed 's/s\[0\] ? p->off/s[1] ? p->off/' a.c >b.c
cc -O2 -fno-pie -c -ffunction-sections -fdata-sections a.c -o pre.o
cc -O2 -fno-pie -c -ffunction-sections -fdata-sections b.c -o changed.o
cc -O2 -fno-pie -c a.c -o plain.o
ld -r plain.o -o module.ko
objdump -dr pre.o | grep -q 'R_X86_64_32S[[:space:]]*\.rodata\.stats+0x66' ||
	{ echo "FAIL: the compiler made no end-pointer reference to test"; exit 1; }
rc=0
out=$(python3 "$src/test/tree/module_match.py" pre.o module.ko) || rc=$?
if [ "$rc" != 0 ] || [ "$out" != "1 of 1 functions equal" ]; then
	echo "FAIL: same source: exit $rc: $out"
	exit 1
fi
echo "ok: same source, end pointer: $out"
rc=0
out=$(python3 "$src/test/tree/module_match.py" changed.o module.ko) || rc=$?
if [ "$rc" != 1 ] || ! grep -q '^differs: count: instruction 0:' <<<"$out"; then
	echo "FAIL: changed source: exit $rc: $out"
	exit 1
fi
echo "ok: changed source: $(tail -n 1 <<<"$out")"
echo PASS
