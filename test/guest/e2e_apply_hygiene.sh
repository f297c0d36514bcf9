# shellcheck shell=bash
# e2e.apply_hygiene: ksplice-apply leaves nothing behind when it refuses or
# is killed. An update whose metadata names another id than its module, and
# one whose id is not an id (a path), are refused before anything is loaded
# (exit 3). SIGTERM at a range of moments during apply leaves either the
# update applied or nothing of it loaded (never a module in stage
# "prepared") and no temporary files (delays from 50 ms to 1.5 s: a TCG
# guest applies the demo update in about 0.8 s).
. "$(dirname "$0")/lib.sh"
eval "$("$TESTBED" env)"
u=$(create_update demo-cmdline.patch e2ehyg1)

# repack DIR OUT: the members of DIR as an update file, checksums made
# consistent (so only the metadata check can refuse it).
repack() {
	(cd "$1" && sha256sum metadata update.ko patch pre/fs/proc/cmdline.o >SHA256SUMS &&
		tar czf "$2" metadata update.ko patch pre/fs/proc/cmdline.o SHA256SUMS)
}
mkdir -p "$TEST_TMP/other" "$TEST_TMP/path"
tar xzf "$u" -C "$TEST_TMP/other" && tar xzf "$u" -C "$TEST_TMP/path"
sed -i 's/^ID=.*/ID=e2ehyg2/' "$TEST_TMP/other/metadata"
sed -i 's|^ID=.*|ID=../../module/kmod_helper|' "$TEST_TMP/path/metadata"
repack "$TEST_TMP/other" "$TEST_TMP/other.tar.gz"
repack "$TEST_TMP/path" "$TEST_TMP/path.tar.gz"

out=$("$TESTBED" run-guest --file "$u" --file "$TEST_TMP/other.tar.gz" --file "$TEST_TMP/path.tar.gz" -- sh -c '
	ksplice-apply other.tar.gz; echo "other $?"
	ksplice-apply path.tar.gz; echo "path $?"
	echo "modules $(lsmod | grep -c -e ksplice_ -e kmod_helper)"
	i=0
	for d in 50000 200000 400000 500000 550000 600000 650000 700000 750000 800000 850000 900000 1000000 1500000; do
		i=$((i + 1))
		ksplice-apply ksplice-e2ehyg1.tar.gz >/dev/null 2>&1 &
		pid=$!
		usleep $d
		kill -TERM $pid 2>/dev/null
		wait $pid
		rc=$?
		stage=$(cat /sys/kernel/ksplice/e2ehyg1/stage 2>/dev/null || echo none)
		echo "term$i $rc $stage $(ls -d /tmp/ksplice-apply.* 2>/dev/null | wc -l)"
		[ "$stage" = applied ] && ksplice-undo e2ehyg1 >/dev/null
	done
	echo "left $(lsmod | grep -c ksplice_)"' 2>&1)
echo "$out"
expect_eq "metadata id other than the module's refused" "$(line other)" 3
echo "$out" | grep -q "other.tar.gz: its update module is ksplice_e2ehyg1, its metadata says update e2ehyg2: the file is inconsistent, refused" ||
	fail "id mismatch not explained"
expect_eq "an id that is a path refused" "$(line path)" 3
echo "$out" | grep -q 'metadata: ID=../../module/kmod_helper is not an update id' ||
	fail "malformed id not explained"
expect_eq "modules loaded after the refusals" "$(line modules)" 0
killed=0 applied=0
for i in $(seq 14); do
	read -r rc stage tmp <<<"$(line "term$i")"
	case $stage in
	applied | none) ;;
	*) fail "SIGTERM $i left the update in stage $stage" ;;
	esac
	expect_eq "temporary files after SIGTERM $i" "$tmp" 0
	[ "$rc" = 143 ] && killed=$((killed + 1))
	[ "$stage" = applied ] && applied=$((applied + 1))
done
[ "$killed" -gt 0 ] || fail "no SIGTERM landed before ksplice-apply finished: the test tested nothing"
echo "ok: $killed of 14 SIGTERMs ended ksplice-apply, $applied runs left the update applied, none half-way"
expect_eq "update modules left" "$(line left)" 0
