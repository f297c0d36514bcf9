# shellcheck shell=bash
# e2e.signed_lockdown: a signed update on a kernel that loads only modules
# signed by a key it trusts. The guest boots under Secure Boot with the test
# key's certificate enrolled as a machine owner key (run-guest --trust-cert:
# lockdown=integrity and signature enforcement, the way Debian's kernels run
# on a Secure Boot host). With kmod-helper signed by the same key and the
# key's certificate in the trust store, the signed demo update applies
# unmodified (the kernel checks its signature), /proc/cmdline changes, the
# audit is clean, and undo restores it. The unsigned kmod-helper is refused
# before anything is loaded, naming the lockdown (exit 19), and an update
# signed by a key the kernel does not trust is refused by the kernel,
# naming its signer (exit 20). Keys are made here, at run time.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trust_lib.sh"
eval "$("$TESTBED" env)"
tag=$(openssl rand -hex 4)
new_test_key "$TEST_TMP/k" "ksplice e2e lockdown $tag"
new_test_key "$TEST_TMP/o" "ksplice e2e not enrolled $tag"
u=$(create_update demo-cmdline.patch e2elock1 --sign-key "$TEST_TMP/k/key.pem" \
	--sign-cert "$TEST_TMP/k/cert.der")
o=$(create_update demo-cmdline.patch e2elock2 --sign-key "$TEST_TMP/o/key.pem" \
	--sign-cert "$TEST_TMP/o/cert.der")
mkdir -p "$TEST_TMP/g/trusted"
"$TESTBED" kmod --out "$TEST_TMP/g" --sign-key "$TEST_TMP/k/key.pem" \
	--sign-cert "$TEST_TMP/k/cert.der" "$SRC_DIR/kmod-helper" >/dev/null
cp "$TEST_TMP/k/cert.der" "$TEST_TMP/g/trusted/e2e.der"
cp "$TEST_TMP/o/cert.der" "$TEST_TMP/g/trusted/other.der"

out=$("$TESTBED" run-guest --trust-cert "$TEST_TMP/k/cert.der" --file "$TEST_TMP/g" \
	--file "$u" --file "$o" -- sh -c '
	echo "lockdown $(cat /sys/kernel/security/lockdown)"
	echo "sig_enforce $(cat /sys/module/module/parameters/sig_enforce)"
	mkdir -p /etc/ksplice && cp -r g/trusted /etc/ksplice/trusted && chmod -R go-w /etc/ksplice
	echo "cmdline $(cat /proc/cmdline)"
	ksplice-apply ksplice-e2elock1.tar.gz; echo "unsigned_helper $?"
	echo "modules $(lsmod | grep -c -e ksplice_ -e kmod_helper)"
	ksplice-apply --helper g/kmod-helper.ko ksplice-e2elock2.tar.gz; echo "untrusted_key $?"
	echo "modules2 $(lsmod | grep -c ksplice_)"
	ksplice-apply --helper g/kmod-helper.ko ksplice-e2elock1.tar.gz; echo "apply $?"
	echo "patched $(cat /proc/cmdline)"
	ksplice-view --audit >/dev/null; echo "audit $?"
	ksplice-undo e2elock1; echo "undo $?"
	echo "restored $(cat /proc/cmdline)"' 2>&1)
echo "$out"
expect_eq "lockdown" "$(line lockdown)" "none [integrity] confidentiality"
expect_eq "sig_enforce" "$(line sig_enforce)" Y
expect_eq "unsigned kmod-helper refused" "$(line unsigned_helper)" 19
echo "$out" | grep -q "kmod-helper.ko is not signed and the kernel is locked down (integrity)" ||
	fail "the unsigned helper's refusal does not name the lockdown"
expect_eq "modules after the refusal" "$(line modules)" 0
expect_eq "update signed by a key the kernel does not trust" "$(line untrusted_key)" 20
echo "$out" | grep -q "update module of e2elock2: the kernel refused its signature (Key was rejected by service): it does not trust the key that signed it (issuer .CN=ksplice e2e not enrolled $tag" ||
	fail "the kernel's refusal does not name the signer"
expect_eq "update modules after the kernel's refusal" "$(line modules2)" 0
expect_eq "signed update applied under lockdown" "$(line apply)" 0
expect_eq "patched /proc/cmdline" "$(line patched)" "[patched live by ksplice] $(line cmdline)"
expect_eq "audit" "$(line audit)" 0
expect_eq "undo" "$(line undo)" 0
expect_eq "restored /proc/cmdline" "$(line restored)" "$(line cmdline)"
