# Sourced by guest tests that need signing keys and signed modules: keys are
# made at run time (never committed) and modules are signed with the kernel
# headers' scripts/sign-file. Needs lib.sh and `scripts/testbed env` first.
# shellcheck shell=bash

# new_test_key DIR CN: DIR/key.pem (RSA 2048, no passphrase) and DIR/cert.der,
# a self-signed code-signing certificate named CN, as the kernel's own
# certs/x509.genkey describes one.
new_test_key() {
	local dir=$1 cn=$2
	mkdir -p "$dir"
	cat >"$dir/x509.cnf" <<CNF
[ req ]
distinguished_name = dn
prompt = no
x509_extensions = ext
[ dn ]
CN = $cn
[ ext ]
basicConstraints = critical,CA:FALSE
keyUsage = digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
	openssl req -new -x509 -newkey rsa:2048 -nodes -days 2 -config "$dir/x509.cnf" \
		-outform DER -out "$dir/cert.der" -keyout "$dir/key.pem" 2>/dev/null ||
		fail "openssl could not make a test key in $dir"
}

# sign_module KEYDIR IN.ko OUT.ko: OUT is IN with a module signature (sha256).
sign_module() {
	local dir=$1 in=$2 out=$3
	cp "$in" "$out"
	"$KSPLICE_HEADERS/scripts/sign-file" sha256 "$dir/key.pem" "$dir/cert.der" "$out" ||
		fail "sign-file could not sign $out"
	tail -c 28 "$out" | grep -q '~Module signature appended~' || fail "$out: no signature appended"
}
