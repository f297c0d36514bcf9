# testbed.nfsd: run-guest --nfs gives a guest a real NFSv4.1 server (the
# image's own nfsd.ko) and the kernel's NFS client on the loopback interface
# (test/guest/nfs_guest.sh). The server starts, 127.0.0.1:/ mounts with
# vers=4.1, a write/read/list/rename/remove workload passes three times while
# the same workload loops in the background (as it will while nfsd is
# live-patched), the server stops and `rmmod nfsd` succeeds. The nfsd the
# guest kernel runs is the image's: same file, same vermagic, same GNU build
# id as the cache's unpacked package.
. "$(dirname "$0")/lib.sh"
eval "$("$TESTBED" env)"

# 6.12's modules are xz-compressed (nfsd.ko.xz)
ko=$(ls "$KSPLICE_CACHE/$KSPLICE_KERNEL_RELEASE/root/lib/modules/$KSPLICE_KERNEL_RELEASE/kernel/fs/nfsd/"nfsd.ko* 2>/dev/null | head -1)
[ -f "$ko" ] || fail "nfsd.ko of $KSPLICE_KERNEL_RELEASE missing: scripts/testbed setup"
want_sha=$(sha256sum "$ko" | cut -d' ' -f1)
want_vermagic=$(modinfo -F vermagic "$ko")
case $ko in
*.xz) xz -dc "$ko" >"$TEST_TMP/nfsd.ko" ;;
*) cp "$ko" "$TEST_TMP/nfsd.ko" ;;
esac
want_build_id=$(readelf -n "$TEST_TMP/nfsd.ko" | sed -n 's/^ *Build ID: *//p')
[ -n "$want_build_id" ] || fail "no build id in $ko"

cat >"$TEST_TMP/nfsd_guest_run.sh" <<'EOF'
. /files/nfs_guest.sh
now() { cut -d' ' -f1 /proc/uptime; }
modprobe nfsd || nfs_fail "modprobe nfsd"
file=$(modinfo -F filename nfsd)
echo "filename $file"
echo "sha256 $(sha256sum "$file" | cut -d' ' -f1)"
echo "vermagic $(modinfo -F vermagic nfsd)"
# The loaded module's own note: 12-byte header, "GNU\0", then the id.
echo "build_id $(od -An -v -tx1 /sys/module/nfsd/notes/.note.gnu.build-id | tr -d ' \n' | cut -c33-)"
t0=$(now)
nfs_server_start
t1=$(now)
echo "versions $(cat /proc/fs/nfsd/versions)"
echo "mount $(nfs_mount_options)"
nfs_workload_loop_start
for i in 1 2 3; do
	nfs_workload "run$i"
done
nfs_workload_loop_stop 2
t2=$(now)
nfs_server_stop
t3=$(now)
rmmod nfsd || nfs_fail "rmmod nfsd after the server stopped"
grep -q '^nfsd ' /proc/modules && nfs_fail "nfsd still loaded after rmmod"
echo "rmmod ok"
echo "timing start $(awk "BEGIN { print $t1 - $t0 }") s, 3 workloads beside the loop $(awk "BEGIN { print $t2 - $t1 }") s, stop $(awk "BEGIN { print $t3 - $t2 }") s"
EOF

rc=0
out=$("$TESTBED" run-guest --nfs --file "$SRC_DIR/test/guest/nfs_guest.sh" \
	--file "$TEST_TMP/nfsd_guest_run.sh" -- sh nfsd_guest_run.sh) || rc=$?
echo "$out"
[ "$rc" = 0 ] || fail "guest exited $rc"
expect_eq "nfsd.ko the guest loads" "$(line filename)" "/lib/modules/$KSPLICE_KERNEL_RELEASE/kernel/fs/nfsd/$(basename "$ko")"
expect_eq "its sha256 (the image's)" "$(line sha256)" "$want_sha"
expect_eq "its vermagic" "$(line vermagic)" "$want_vermagic"
expect_eq "the loaded module's build id" "$(line build_id)" "$want_build_id"
expect_eq "nfsd versions" "$(line versions)" "-3 +4 -4.0 +4.1 -4.2"
case ",$(line mount)," in
*,vers=4.1,*addr=127.0.0.1,*) echo "ok: mounted with vers=4.1 from 127.0.0.1" ;;
*) fail "mount options: $(line mount)" ;;
esac
expect_eq "workloads passed" "$(echo "$out" | grep -c '^nfs: workload run[123] ok')" 3
echo "$out" | grep -q '^nfs: workload loop ok' || fail "the background workload loop did not report success"
echo "ok: $(echo "$out" | grep '^nfs: workload loop ok')"
expect_eq "rmmod nfsd" "$(line rmmod)" ok
echo "$out" | grep '^timing ' || true
