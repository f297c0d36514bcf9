# testbed.file_roundtrip: --file puts host files under /files/ byte for byte.
. "$(dirname "$0")/lib.sh"
head -c 100000 /dev/urandom >"$TEST_TMP/random.bin"
printf 'line one\nline two\n' >"$TEST_TMP/text file.txt"
want=$(cd "$TEST_TMP" && sha256sum random.bin "text file.txt")
got=$("$TESTBED" run-guest --file "$TEST_TMP/random.bin" --file "$TEST_TMP/text file.txt" \
	-- sha256sum random.bin "text file.txt")
expect_eq "checksums inside the guest" "$got" "$want"
# Arguments with spaces and quotes reach the command intact.
got=$("$TESTBED" run-guest -- printf '%s|' "a b" "it's" '$HOME')
expect_eq "argument quoting" "$got" "a b|it's|\$HOME|"
