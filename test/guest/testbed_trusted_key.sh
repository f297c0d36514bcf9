# testbed.trusted_key: run-guest --trust-cert makes the guest kernel trust a key
# made now: under Secure Boot (which locks the kernel down to integrity and
# enforces module signatures), with module.sig_enforce=1 and lockdown=integrity
# on the command line as well, a module signed by that key loads, while the same
# module unsigned or signed by another key is refused. Without --trust-cert the
# same signed module is refused: the trust comes from the enrolled certificate.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trust_lib.sh"
eval "$("$TESTBED" env)"

tag=$(openssl rand -hex 4)
trusted_cn="ksplice test-bed trusted $tag"
new_test_key "$TEST_TMP/trusted" "$trusted_cn"
new_test_key "$TEST_TMP/other" "ksplice test-bed untrusted $tag"
ko=$(build_test_module ksplice_target)
mkdir -p "$TEST_TMP/m"
cp "$ko" "$TEST_TMP/m/unsigned.ko"
sign_module "$TEST_TMP/trusted" "$ko" "$TEST_TMP/m/trusted.ko"
sign_module "$TEST_TMP/other" "$ko" "$TEST_TMP/m/other.ko"

# In the guest: the protections as the kernel reports them, whether the key
# is on a keyring, and each insmod's status and message (busybox insmod
# exits with the errno: 129 is EKEYREJECTED, 1 EPERM).
cat >"$TEST_TMP/m/probe.sh" <<'PROBE'
cn=$1
echo "lockdown $(cat /sys/kernel/security/lockdown)"
echo "sig_enforce $(cat /sys/module/module/parameters/sig_enforce)"
echo "machine_keys $(sed -n 's/.* keyring   \.machine: //p' /proc/keys)"
grep -q " asymmetri $cn: " /proc/keys && echo "key_listed yes"
for m in unsigned other trusted; do
	insmod m/$m.ko 2>err
	echo "insmod_$m $? $(sed 's/.*: //' err)"
done
echo "value $(cat /proc/ksplice_target 2>/dev/null)"
rmmod ksplice_target 2>/dev/null && echo "rmmod ok"
dmesg | grep -q 'Kernel is locked down from EFI Secure Boot' && echo "sb_lockdown yes"
dmesg | grep -q "Loading X.509 certificate: UEFI:MokListRT" && echo "moklist_read yes"
dmesg | grep -q "Loaded X.509 cert '$cn: " && echo "key_loaded yes"
dmesg | grep -q 'Loading of unsigned module is rejected' && echo "log_unsigned yes"
dmesg | grep -q 'Loading of module with unavailable key is rejected' && echo "log_other yes"
true
PROBE

echo "== trusted key, module.sig_enforce=1 lockdown=integrity"
out=$("$TESTBED" run-guest --trust-cert "$TEST_TMP/trusted/cert.der" --file "$TEST_TMP/m" \
	--append "module.sig_enforce=1 lockdown=integrity" -- sh m/probe.sh "$trusted_cn")
echo "$out"
expect_eq "lockdown" "$(line lockdown)" "none [integrity] confidentiality"
expect_eq "sig_enforce" "$(line sig_enforce)" Y
expect_eq "MokListRT read at boot" "$(line moklist_read)" yes
expect_eq "test key loaded from MokListRT" "$(line key_loaded)" yes
expect_eq "test key in /proc/keys" "$(line key_listed)" yes
expect_eq "keys on .machine" "$(line machine_keys)" 1
expect_eq "unsigned module" "$(line insmod_unsigned)" "129 Key was rejected by service"
expect_eq "module signed by another key" "$(line insmod_other)" "129 Key was rejected by service"
expect_eq "module signed by the trusted key" "$(line insmod_trusted)" "0 "
expect_eq "its /proc file" "$(line value)" 1
expect_eq "rmmod" "$(line rmmod)" ok
expect_eq "kernel log names the unsigned module" "$(line log_unsigned)" yes
expect_eq "kernel log names the unknown key" "$(line log_other)" yes

echo "== Secure Boot without --trust-cert"
out=$("$TESTBED" run-guest --secure-boot --file "$TEST_TMP/m" -- sh m/probe.sh "$trusted_cn")
echo "$out"
expect_eq "lockdown (Secure Boot alone)" "$(line lockdown)" "none [integrity] confidentiality"
expect_eq "sig_enforce (Secure Boot alone)" "$(line sig_enforce)" Y
expect_eq "Secure Boot locked the kernel down" "$(line sb_lockdown)" yes
expect_eq "keys on .machine" "$(line machine_keys)" empty
expect_eq "test key in /proc/keys" "$(line key_listed)" ""
expect_eq "module signed by the test key" "$(line insmod_trusted)" "129 Key was rejected by service"
expect_eq "its /proc file" "$(line value)" ""
