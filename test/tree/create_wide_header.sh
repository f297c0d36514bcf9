#!/usr/bin/env bash
# create.wide_header (label long): a header change that reaches about a
# thousand objects, built in and in modules, each preprocessed before and
# after (about 15 minutes on 2 cores): only the objects whose code may
# change are built, and only the patched one changes.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"
tree_test_init create.wide_header

# The shape of 6.1.190's fib_trie refcount fix: a new inline function in a
# header that 235 built-in objects and 755 module objects include; none but
# the patched file uses it, so only that file is built. (READ_ONCE's
# __COUNTER__ renumbers every MODULE_ALIAS entry below it: still the same
# .modinfo.)
cat >"$T/wide.patch" <<'P'
--- a/include/net/ip_fib.h
+++ b/include/net/ip_fib.h
@@ -581,6 +581,11 @@
 	return refcount_inc_not_zero(&fi->fib_clntref);
 }
 
+static inline bool fib_info_dead(const struct fib_info *fi)
+{
+	return READ_ONCE(fi->fib_dead);
+}
+
 static inline void fib_info_put(struct fib_info *fi)
 {
 	if (refcount_dec_and_test(&fi->fib_clntref))
--- a/net/ipv4/fib_trie.c
+++ b/net/ipv4/fib_trie.c
@@ -2176,6 +2176,9 @@
 		if (fa->fa_slen == last_slen)
 			continue;
 
+		if (fib_info_dead(fa->fa_info))
+			continue;
+
 		if (!fib_info_hold_safe(fa->fa_info))
 			continue;
 
P
run wide_header 0 "$T/wide.patch" include/net/ip_fib.h net/ipv4/fib_trie.c net/ipv4/fib_trie.o \
	net/ipv4/.fib_trie.o.cmd net/ipv4/route.i net/ipv4/route.o
expect wide_header "include/net/ip_fib.h: included by 235 built-in objects and 755 module objects"
expect wide_header "function changed   fib_notify"
# None is kept for using the new function; those kbuild cannot preprocess
# in a tree never built (their rules generate headers first: selinux's
# flask.h, apparmor's capability_names.h) are built, and found unchanged.
awk '/^== / { obj = $2 } / changed, / && obj != "net/ipv4/fib_trie.o" && $1 != 0 { bad = 1 }
	END { exit bad }' "$T/wide_header.out" || fail "wide_header: an object besides fib_trie.o changed"
kept=$(sed -n 's/^screening: \([0-9]*\) of 989 objects may change$/\1/p' "$T/wide_header.out")
if [ -z "$kept" ] || [ "$kept" -gt 25 ]; then
	fail "wide_header: screening kept ${kept:-?} of 989 objects"
fi

echo PASS
