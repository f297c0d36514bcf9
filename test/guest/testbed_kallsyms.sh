# testbed.kallsyms: the kallsyms dump is complete and taken without KASLR, so
# its addresses are the link addresses (a System.map for offline work).
. "$(dirname "$0")/lib.sh"
eval "$("$TESTBED" env)"
"$TESTBED" kallsyms
n=$(wc -l <"$KSPLICE_KALLSYMS")
[ "$n" -gt 50000 ] || fail "only $n symbols in $KSPLICE_KALLSYMS"
echo "ok: $n symbols"
expect_eq "_stext (link address)" "$(awk '$3 == "_stext" {print $1}' "$KSPLICE_KALLSYMS")" ffffffff81000000
grep -q ' [tT] cmdline_proc_show$' "$KSPLICE_KALLSYMS" || fail "cmdline_proc_show missing"
bad=$(grep -Evc '^[0-9a-f]{16} [a-zA-Z] [^ ]+(\t\[[^]]+\])?$' "$KSPLICE_KALLSYMS" || true)
expect_eq "malformed lines" "$bad" 0
