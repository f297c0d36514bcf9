# shellcheck shell=bash
# update.module_signature: the guest kernel itself parses the signature that
# ksplice-sign-module (through scripts/testbed kmod --sign-key) appends to
# kmod-helper. Booted with module.sig_enforce=1, the kernel refuses the
# unsigned helper as an "unsigned module" but the signed one as a "module
# with unavailable key": it found a well-formed PKCS#7 signature and looked
# its signer up in its keyrings (which lack the test key). Without
# enforcement the signed helper loads. The key is made here, at run time.
. "$(dirname "$0")/lib.sh"
eval "$("$TESTBED" env)"
BIN=${KSPLICE_BUILD:-$SRC_DIR/build}/bin
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=ksplice modsig test" \
	-keyout "$TEST_TMP/k.key" -out "$TEST_TMP/k.crt" 2>/dev/null
"$TESTBED" kmod --out "$TEST_TMP/signed" --sign-key "$TEST_TMP/k.key" --sign-cert "$TEST_TMP/k.crt" \
	"$SRC_DIR/kmod-helper" >/dev/null
signed=$TEST_TMP/signed/kmod-helper.ko
"$BIN/ksplice-sign-module" --show "$signed" | grep -q "signed by issuer 'CN=ksplice modsig test'" ||
	fail "scripts/testbed kmod --sign-key did not sign the helper"
mkdir -p "$TEST_TMP/trust" && cp "$TEST_TMP/k.crt" "$TEST_TMP/trust/"
"$BIN/ksplice-sign-module" --verify "$TEST_TMP/trust" "$signed" >/dev/null || fail "--verify"
cp "$signed" "$TEST_TMP/signed.ko"

out=$("$TESTBED" run-guest --append module.sig_enforce=1 --file "$TEST_TMP/signed.ko" -- sh -c '
	insmod /ksplice/kmod-helper.ko 2>/dev/null; echo "unsigned $?"
	insmod signed.ko 2>/dev/null; echo "signed $?"
	dmesg | grep "Loading of" | sed "s/^\[[ 0-9.]*\] /dmesg /"' 2>&1)
echo "$out"
[ "$(line unsigned)" != 0 ] || fail "the unsigned helper loaded under module.sig_enforce=1"
[ "$(line signed)" != 0 ] || fail "the helper signed by an unknown key loaded under module.sig_enforce=1"
echo "$out" | grep -q "^dmesg Loading of unsigned module is rejected$" ||
	fail "the kernel did not call the unsigned helper unsigned"
echo "$out" | grep -q "^dmesg Loading of module with unavailable key is rejected$" ||
	fail "the kernel did not parse the appended signature (no 'unavailable key')"
echo "ok: the kernel parses the signature and looks up its key"

out=$("$TESTBED" run-guest --file "$TEST_TMP/signed.ko" -- sh -c '
	insmod signed.ko; echo "load $?"
	cat /sys/kernel/ksplice/version >/dev/null; echo "version $?"
	rmmod kmod_helper; echo "unload $?"' 2>&1)
echo "$out"
expect_eq "the signed helper loads without enforcement" "$(line load)" 0
expect_eq "and works" "$(line version)" 0
expect_eq "and unloads" "$(line unload)" 0
