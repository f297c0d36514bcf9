# shellcheck shell=bash
# e2e.demo: the demo patch through the real tools: ksplice-create on the
# prepared tree, then in the guest ksplice-apply changes what /proc/cmdline
# prints, ksplice-view lists the update, ksplice-undo restores the output,
# and the bytes of cmdline_proc_show read back through /proc/kcore equal
# those before the apply. A corrupted update file and one for another
# kernel release are refused before anything is loaded. No --helper:
# ksplice-apply loads kmod-helper from its default path, where the guest
# has it as modules_install would put it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pre_objects.sh"
eval "$("$TESTBED" env)"
u=$(create_update demo-cmdline.patch e2edemo1)

# A corrupted copy (one flipped byte in the metadata member) and a copy made
# for another release (metadata rewritten, checksums made consistent).
mkdir -p "$TEST_TMP/x" && tar xzf "$u" -C "$TEST_TMP/x"
(cd "$TEST_TMP/x" && sed -i 's/^KERNEL_RELEASE=.*/KERNEL_RELEASE=6.1.0-99-cloud-amd64/' metadata &&
	grep -v ' metadata$' SHA256SUMS >S && sha256sum metadata >>S && mv S SHA256SUMS &&
	tar czf "$TEST_TMP/other.tar.gz" metadata update.ko patch pre/fs/proc/cmdline.o SHA256SUMS)
grep -q "^BUILD_ID=$(cat "$KSPLICE_SRC/.ksplice-build-id")$" "$TEST_TMP/x/metadata" ||
	fail "the update does not record the kernel's build id"
(cd "$TEST_TMP/x" && sed -i 's/^KERNEL_RELEASE=.*/KERNEL_RELEASE='"$KSPLICE_KERNEL_RELEASE"'/; s/^BUILD_ID=.*/BUILD_ID=0123456789abcdef0123456789abcdef01234567/' metadata &&
	grep -v ' metadata$' SHA256SUMS >S && sha256sum metadata >>S && mv S SHA256SUMS &&
	tar czf "$TEST_TMP/build.tar.gz" metadata update.ko patch pre/fs/proc/cmdline.o SHA256SUMS)
# A file made for the helper API before plans (API_VERSION=2: ksplice-apply
# edited its module then).
(cd "$TEST_TMP/x" && sed 's/^API_VERSION=.*/API_VERSION=2/; s/^BUILD_ID=.*/BUILD_ID='"$(cat "$KSPLICE_SRC/.ksplice-build-id")"'/' \
	metadata >"$TEST_TMP/m1" &&
	mkdir -p "$TEST_TMP/api1/pre/fs/proc" && cp update.ko patch "$TEST_TMP/api1/" &&
	cp "$TEST_TMP/m1" "$TEST_TMP/api1/metadata" && cp pre/fs/proc/cmdline.o "$TEST_TMP/api1/pre/fs/proc/" &&
	cd "$TEST_TMP/api1" && sha256sum metadata update.ko patch pre/fs/proc/cmdline.o >SHA256SUMS &&
	tar czf "$TEST_TMP/api1.tar.gz" metadata update.ko patch pre/fs/proc/cmdline.o SHA256SUMS)
# The same update, but its pre object built with one more compiler flag: the
# running kernel is not what that compiles to.
build_pre_objects "$TEST_TMP/skylake" "-mtune=skylake" fs/proc/cmdline.o
(cd "$TEST_TMP/x" && sed -i 's/^BUILD_ID=.*/BUILD_ID='"$(cat "$KSPLICE_SRC/.ksplice-build-id")"'/' metadata &&
	cp "$TEST_TMP/skylake/fs_proc_cmdline.o" pre/fs/proc/cmdline.o &&
	sha256sum metadata update.ko patch pre/fs/proc/cmdline.o >SHA256SUMS &&
	tar czf "$TEST_TMP/skylake.tar.gz" metadata update.ko patch pre/fs/proc/cmdline.o SHA256SUMS)
python3 - "$u" "$TEST_TMP/corrupt.tar.gz" <<'PY'
import gzip, sys
data = bytearray(gzip.open(sys.argv[1]).read())
at = data.find(b"CHANGED=fs/proc/cmdline.o")
data[at] ^= 1
gzip.open(sys.argv[2], "wb").write(bytes(data))
PY

out=$("$TESTBED" run-guest --file "$u" --file "$TEST_TMP/corrupt.tar.gz" --file "$TEST_TMP/other.tar.gz" \
	--file "$TEST_TMP/build.tar.gz" --file "$TEST_TMP/skylake.tar.gz" --file "$TEST_TMP/api1.tar.gz" -- sh -c '
	addr=$(grep " cmdline_proc_show$" /proc/kallsyms | cut -d" " -f1)
	echo "before $(ksplice-kcore-read $addr 64)"
	echo "cmdline $(cat /proc/cmdline)"
	ksplice-apply corrupt.tar.gz; echo "corrupt $?"
	ksplice-apply other.tar.gz; echo "other $?"
	ksplice-apply build.tar.gz; echo "build $?"
	ksplice-apply skylake.tar.gz; echo "skylake $?"
	ksplice-apply api1.tar.gz; echo "api1 $?"
	ksplice-view --check ksplice-e2edemo1.tar.gz; echo "check $?"
	echo "modules $(lsmod | grep -c ksplice_)"
	ksplice-apply ksplice-e2edemo1.tar.gz; echo "apply $?"
	echo "patched $(cat /proc/cmdline)"
	ksplice-view
	ksplice-undo e2edemo1; echo "undo $?"
	echo "restored $(cat /proc/cmdline)"
	echo "after $(ksplice-kcore-read $addr 64)"
	ksplice-view --id e2edemo1; echo "view-gone $?"' 2>&1)
echo "$out"
expect_eq "corrupted file refused" "$(line corrupt)" 3
echo "$out" | grep -q "is corrupted (sha256 mismatch)" || fail "corruption not named"
expect_eq "other release refused" "$(line other)" 5
echo "$out" | grep -q "is for kernel 6.1.0-99-cloud-amd64, this is $KSPLICE_KERNEL_RELEASE" ||
	fail "release mismatch not explained"
expect_eq "other build refused" "$(line build)" 5
echo "$out" | grep -q "is for build 0123456789abcdef" || fail "build id mismatch not explained"
expect_eq "pre object from other compiler flags refused" "$(line skylake)" 6
echo "$out" | grep -q "no_match: fs/proc/cmdline.o:cmdline_proc_show does not match the running kernel: cmdline_proc_show+0x" ||
	fail "no_match not explained with the first differing instruction"
expect_eq "update file for helper API 2 refused" "$(line api1)" 14
echo "$out" | grep -q "update e2edemo1 was made for kmod-helper API version 2, this ksplice applies versions 3 to 4: create it again" ||
	fail "API version mismatch not explained"
expect_eq "ksplice-view --check" "$(line check)" 0
echo "$out" | grep -q "^fs/proc/cmdline.o:cmdline_proc_show: at 0xffffffff[0-9a-f]*, jump at +$(jump_offset)$" ||
	fail "--check does not say where the function is"
expect_eq "update modules loaded after the refusals and the check" "$(line modules)" 0
expect_eq "ksplice-apply" "$(line apply)" 0
echo "$out" | grep -q "^Done: update e2edemo1 applied (1 function, machine paused" || fail "no Done line"
expect_eq "patched /proc/cmdline" "$(line patched)" "[patched live by ksplice] $(line cmdline)"
echo "$out" | grep -q '^e2edemo1: "Show that /proc/cmdline was patched live", applied at 20[0-9-]* [0-9:]* UTC, 1 function, last pause [0-9]* us$' ||
	fail "ksplice-view does not list it with its description and time"
expect_eq "ksplice-undo" "$(line undo)" 0
expect_eq "restored /proc/cmdline" "$(line restored)" "$(line cmdline)"
expect_eq "bytes after undo" "$(line after)" "$(line before)"
expect_eq "view of the removed update" "$(line view-gone)" 11
