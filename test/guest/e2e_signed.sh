# shellcheck shell=bash
# e2e.signed: signed updates and a trust store in the guest. With the test
# key's certificate in /etc/ksplice/trusted/, the signed demo update applies
# and undoes; the same file with one byte of update.ko changed (SHA256SUMS
# recomputed, signature kept), the file without its signature, and the file
# signed by another key are each refused with their own exit status before
# anything is loaded (neither kmod_helper nor an update module in lsmod), as
# is an unreadable --trust store (ksplice-view --check agrees);
# --insecure-unsigned applies the unsigned one with a warning; without a
# trust store it applies with a warning.
# Keys are made here, at run time.
. "$(dirname "$0")/lib.sh"
eval "$("$TESTBED" env)"
K=$TEST_TMP/keys
mkdir -p "$K"
for k in trusted other; do
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=ksplice e2e $k" \
		-keyout "$K/$k.key" -out "$K/$k.crt" 2>/dev/null
done
u=$(create_update demo-cmdline.patch e2esign1 --sign-key "$K/trusted.key" --sign-cert "$K/trusted.crt")

x=$TEST_TMP/x
mkdir -p "$x" && tar xzf "$u" -C "$x"
members=(metadata update.ko patch pre/fs/proc/cmdline.o)
[ -f "$x/SHA256SUMS.p7s" ] || fail "the signed update has no SHA256SUMS.p7s"
# One byte of update.ko (in its description) changed, sums recomputed.
mkdir -p "$TEST_TMP/t" && cp -r "$x/." "$TEST_TMP/t/"
python3 - "$TEST_TMP/t/update.ko" <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
at = data.find(b"Show that /proc/cmdline")
assert at > 0
data[at] = ord("s")
open(sys.argv[1], "wb").write(bytes(data))
PY
(cd "$TEST_TMP/t" && sha256sum "${members[@]}" >SHA256SUMS &&
	tar czf "$TEST_TMP/tampered.tar.gz" "${members[@]}" SHA256SUMS SHA256SUMS.p7s)
# No signature at all.
(cd "$x" && tar czf "$TEST_TMP/unsigned.tar.gz" "${members[@]}" SHA256SUMS)
# Signed by another key (OpenSSL's own tool: detached, DER).
mkdir -p "$TEST_TMP/o" && cp -r "$x/." "$TEST_TMP/o/"
(cd "$TEST_TMP/o" && openssl cms -sign -binary -noattr -md sha256 -outform DER \
	-signer "$K/other.crt" -inkey "$K/other.key" -in SHA256SUMS -out SHA256SUMS.p7s &&
	tar czf "$TEST_TMP/untrusted.tar.gz" "${members[@]}" SHA256SUMS SHA256SUMS.p7s)

out=$("$TESTBED" run-guest --file "$u" --file "$TEST_TMP/tampered.tar.gz" \
	--file "$TEST_TMP/unsigned.tar.gz" --file "$TEST_TMP/untrusted.tar.gz" \
	--file "$K/trusted.crt" -- sh -c '
	loaded() { echo "$1 $(lsmod | grep -c -e "^ksplice_" -e "^kmod_helper")"; }
	mkdir -p /etc/ksplice/trusted && cp trusted.crt /etc/ksplice/trusted/
	echo "cmdline $(cat /proc/cmdline)"
	ksplice-apply tampered.tar.gz; echo "tampered $?"
	ksplice-apply unsigned.tar.gz; echo "unsigned $?"
	ksplice-apply untrusted.tar.gz; echo "untrusted $?"
	ksplice-apply --trust /no/such/dir ksplice-e2esign1.tar.gz; echo "nostore $?"
	ksplice-view --check untrusted.tar.gz >/dev/null 2>&1; echo "check-untrusted $?"
	ksplice-view --check ksplice-e2esign1.tar.gz --trust /etc/ksplice/trusted >/dev/null; echo "check $?"
	loaded "loaded-after-refusals"
	ksplice-apply -v ksplice-e2esign1.tar.gz >apply.out; echo "apply $?"
	grep -e "^signed by" -e "^Done" apply.out
	echo "patched $(cat /proc/cmdline)"
	ksplice-undo e2esign1; echo "undo $?"
	echo "restored $(cat /proc/cmdline)"
	ksplice-apply --insecure-unsigned unsigned.tar.gz 2>insecure.err; echo "insecure $?"
	echo "insecure-warning $(grep -c "warning: unsigned.tar.gz: signature not checked" insecure.err)"
	ksplice-undo e2esign1; echo "undo2 $?"
	rm -r /etc/ksplice
	ksplice-apply unsigned.tar.gz 2>nostore.err; echo "no-trust-store $?"
	echo "nostore-warning $(grep -c "warning: unsigned.tar.gz is not signed" nostore.err)"
	ksplice-undo e2esign1; echo "undo3 $?"' 2>&1)
echo "$out"
expect_eq "tampered update.ko, sums recomputed" "$(line tampered)" 16
echo "$out" | grep -q "ksplice-apply: tampered.tar.gz: the signature by 'CN=ksplice e2e trusted' does not match the content" ||
	fail "bad signature not explained"
expect_eq "unsigned file" "$(line unsigned)" 15
echo "$out" | grep -q "ksplice-apply: unsigned.tar.gz: the update is not signed and trust store /etc/ksplice/trusted requires a signature: refused" ||
	fail "unsigned not explained"
expect_eq "signed by an untrusted key" "$(line untrusted)" 17
echo "$out" | grep -q "ksplice-apply: untrusted.tar.gz: signed by 'CN=ksplice e2e other', which the trust store does not trust" ||
	fail "untrusted signer not named"
expect_eq "unreadable trust store" "$(line nostore)" 18
expect_eq "ksplice-view --check of the untrusted file" "$(line check-untrusted)" 17
expect_eq "ksplice-view --check --trust of the signed file" "$(line check)" 0
expect_eq "modules loaded after the refusals (update modules, kmod_helper)" \
	"$(line loaded-after-refusals)" 0
expect_eq "signed update" "$(line apply)" 0
echo "$out" | grep -q "^signed by 'CN=ksplice e2e trusted', trusted by /etc/ksplice/trusted$" ||
	fail "-v does not name the signer"
expect_eq "patched /proc/cmdline" "$(line patched)" "[patched live by ksplice] $(line cmdline)"
expect_eq "undo" "$(line undo)" 0
expect_eq "restored /proc/cmdline" "$(line restored)" "$(line cmdline)"
expect_eq "--insecure-unsigned" "$(line insecure)" 0
expect_eq "--insecure-unsigned warns" "$(line insecure-warning)" 1
expect_eq "undo after --insecure-unsigned" "$(line undo2)" 0
expect_eq "unsigned, no trust store" "$(line no-trust-store)" 0
expect_eq "unsigned, no trust store: warns" "$(line nostore-warning)" 1
expect_eq "undo" "$(line undo3)" 0
