# shellcheck shell=bash
# e2e.persist: kept updates across reboots, in guests booted one after the
# other with the same disk image (ext4, attached with run-guest --disk and
# mounted at /var/lib/ksplice). The test-bed's guests have no systemd (a
# busybox initramfs whose init runs the test): each boot runs the commands
# ksplice.service's ExecStart and ExecStop name, read from the unit file,
# where systemd would. A signed demo update, with its signer in the guest's
# trust store:
#   1. ksplice-apply --persist: applied, kept (0001-ID.tar.gz, build-id, 0600
#      in a 0700 directory), ksplice-view --json says persisted;
#   2. the boot-time command applies it (the kernel log says so,
#      /proc/cmdline is patched, ksplice-view: persisted, this boot applied);
#      ksplice-boot --settle --window 2 removes the crash guard's marker;
#   3. the boot-time command applies it, then the guest crashes at once
#      (sysrq b: no shutdown, no settle);
#   4. the next boot skips it: the kernel log and ksplice-view say the crash
#      guard tripped, /proc/cmdline is not patched; ksplice-boot --rearm;
#   5. with another signer in the trust store the kept update no longer
#      verifies: skipped and named (ksplice-apply's exit 17), never loaded;
#      ExecStop (--shutdown) removes the marker; ksplice-undo --forget;
#   6. the boot-time command applies nothing.
. "$(dirname "$0")/lib.sh"
eval "$("$TESTBED" env)"
K=$TEST_TMP/keys
mkdir -p "$K"
for k in signer other; do
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=ksplice e2e persist $k" \
		-keyout "$K/$k.key" -out "$K/$k.crt" 2>/dev/null
done
u=$(create_update demo-cmdline.patch e2eper01 --sign-key "$K/signer.key" --sign-cert "$K/signer.crt")
unit=$SRC_DIR/scripts/systemd/ksplice.service.in
exec_start=$(sed -n 's|^ExecStart=@KSPLICE_BINDIR@/||p' "$unit")
exec_stop=$(sed -n 's|^ExecStop=@KSPLICE_BINDIR@/||p' "$unit")
if [ -z "$exec_start" ] || [ -z "$exec_stop" ]; then fail "no ExecStart/ExecStop in $unit"; fi
echo "the unit runs: $exec_start; at shutdown: $exec_stop"

disk=$TEST_TMP/disk.img
truncate -s 64M "$disk"
PATH=$PATH:/usr/sbin:/sbin mkfs.ext4 -q -F -E root_owner=0:0 "$disk" || fail "mkfs.ext4 failed"
rel=$KSPLICE_KERNEL_RELEASE
state=/var/lib/ksplice/$rel

# What every boot does first: the trust store, the disk at /var/lib/ksplice.
cat >"$TEST_TMP/prelude.sh" <<'EOF'
mkdir -p /etc/ksplice/trusted /var/lib/ksplice
cp /files/${TRUSTED:-signer}.crt /etc/ksplice/trusted/
i=0
while [ ! -b /dev/nvme0n1 ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
mount -t ext4 /dev/nvme0n1 /var/lib/ksplice || echo "mount failed"
boot_log() { dmesg | sed -n 's/.*\(ksplice: boot: .*\)/kmsg \1/p'; }
EOF

# boot N SCRIPT [ENV]: one boot of the guest with the disk; $out and $rc.
boot() {
	local n=$1 script=$2
	printf '%s\n' "$script" >"$TEST_TMP/boot$n.sh"
	rc=0
	out=$("$TESTBED" run-guest --disk "$disk" --file "$u" --file "$K/signer.crt" \
		--file "$K/other.crt" --file "$TEST_TMP/prelude.sh" --file "$TEST_TMP/boot$n.sh" \
		-- sh -c ". ./prelude.sh; . ./boot$n.sh" 2>&1) || rc=$?
	echo "--- boot $n (exit $rc)"
	echo "$out"
}

boot 1 "
echo \"cmdline \$(cat /proc/cmdline)\"
ksplice-apply --persist ksplice-e2eper01.tar.gz; echo \"apply \$?\"
echo \"kept \$(ls $state | tr '\n' ' ')\"
echo \"modes \$(stat -c %a $state $state/0001-e2eper01.tar.gz | tr '\n' ' ')\"
cmp ksplice-e2eper01.tar.gz $state/0001-e2eper01.tar.gz && echo 'same-bytes yes'
ksplice-view --json | grep '^{' >/tmp/v.json
sed -n 's/.*\"persisted\":\([a-z]*\).*/persisted \1/p' /tmp/v.json
umount /var/lib/ksplice"
expect_eq "boot 1" "$rc" 0
expect_eq "apply --persist" "$(line apply)" 0
expect_eq "kept files" "$(line kept)" "0001-e2eper01.tar.gz build-id "
expect_eq "kept modes (directory, file)" "$(line modes)" "700 600 "
expect_eq "the kept file is the update file" "$(line same-bytes)" yes
expect_eq "ksplice-view --json persisted" "$(line persisted)" true
before=$(line cmdline)

boot 2 "
$exec_start; echo \"boot-apply \$?\"
boot_log
echo \"cmdline \$(cat /proc/cmdline)\"
ksplice-view | sed 's/^/view /'
ksplice-view --json | grep '^{' >/tmp/v.json
sed -n 's/.*\"persisted\":\([a-z]*\).*/persisted \1/p' /tmp/v.json
sed -n 's/.*\"this_boot\":{\"result\":\"\([a-z]*\)\".*/this-boot \1/p' /tmp/v.json
[ -f $state/guard ] && echo 'marker yes'
ksplice-boot --settle --window 2; echo \"settle \$?\"
[ -f $state/guard ] || echo 'marker-after-settle gone'
umount /var/lib/ksplice"
expect_eq "boot 2" "$rc" 0
expect_eq "boot-time apply" "$(line boot-apply)" 0
grep -q "^kmsg ksplice: boot: applied update e2eper01 (1 of 1)$" <<<"$out" ||
	fail "the kernel log does not say the kept update was applied"
grep -q "^kmsg ksplice: boot: applied 1 of 1 kept update$" <<<"$out" ||
	fail "the kernel log has no summary of the boot-time apply"
[ "$(line cmdline)" != "$before" ] || fail "/proc/cmdline is not patched after the boot-time apply"
grep -q "^view e2eper01: .*applied at" <<<"$out" || fail "ksplice-view does not list e2eper01 applied"
grep -q "^view   persisted: applied again at boot" <<<"$out" || fail "ksplice-view does not say persisted"
expect_eq "ksplice-view --json persisted" "$(line persisted)" true
expect_eq "ksplice-view --json this_boot" "$(line this-boot)" applied
expect_eq "the guard's marker during the window" "$(line marker)" yes
expect_eq "settle" "$(line settle)" 0
expect_eq "the marker once settled" "$(line marker-after-settle)" gone
patched=$(line cmdline)

boot 3 "
$exec_start; echo \"boot-apply \$?\"
echo \"cmdline \$(cat /proc/cmdline)\"
[ -f $state/guard ] && echo 'marker yes'
echo 'crashing now'
echo b >/proc/sysrq-trigger"
# The guest never finished its command: qemu exited under it (252).
expect_eq "boot 3 ends in a crash" "$rc" 252
expect_eq "boot-time apply before the crash" "$(line boot-apply)" 0
expect_eq "patched before the crash" "$(line cmdline)" "$patched"
expect_eq "the guard's marker at the crash" "$(line marker)" yes

boot 4 "
$exec_start; echo \"boot-apply \$?\"
boot_log
echo \"cmdline \$(cat /proc/cmdline)\"
ksplice-view | sed 's/^/view /'
ksplice-view --json | grep '^{' >/tmp/v.json
sed -n 's/.*\"guard_tripped\":\([a-z]*\).*/tripped \1/p' /tmp/v.json
$exec_start; echo \"boot-apply-again \$?\"
ksplice-boot --rearm; echo \"rearm \$?\"
umount /var/lib/ksplice"
expect_eq "boot 4" "$rc" 0
expect_eq "boot-time apply after a crash in the window (26: guard tripped)" "$(line boot-apply)" 26
grep -q "^kmsg ksplice: boot: skipped 1 kept update: crash guard tripped" <<<"$out" ||
	fail "the kernel log does not say the guard tripped"
expect_eq "not patched" "$(line cmdline)" "$before"
grep -q "^view boot: crash guard tripped" <<<"$out" || fail "ksplice-view does not show the tripped guard"
grep -q "^view boot: this boot's ksplice-boot: skipped 1 kept update: crash guard tripped" <<<"$out" ||
	fail "ksplice-view does not show this boot's skip"
expect_eq "ksplice-view --json guard_tripped" "$(line tripped)" true
expect_eq "the guard stays tripped" "$(line boot-apply-again)" 26
expect_eq "rearm" "$(line rearm)" 0

boot 5 "
rm /etc/ksplice/trusted/*; cp /files/other.crt /etc/ksplice/trusted/
$exec_start; echo \"boot-apply \$?\"
boot_log
echo \"loaded \$(lsmod | grep -c '^ksplice_')\"
echo \"cmdline \$(cat /proc/cmdline)\"
$exec_stop; echo \"shutdown \$?\"
[ -f $state/guard ] || echo 'marker-after-shutdown gone'
ksplice-undo --forget e2eper01; echo \"forget \$?\"
echo \"kept \$(ls $state | tr '\n' ' ')\"
umount /var/lib/ksplice"
expect_eq "boot 5" "$rc" 0
expect_eq "boot-time apply of an update that no longer verifies (27)" "$(line boot-apply)" 27
grep -q "^kmsg ksplice: boot: skipped update e2eper01: ksplice-apply exit 17: " <<<"$out" ||
	fail "the kernel log does not name the update that no longer verifies"
expect_eq "no update module loaded" "$(line loaded)" 0
expect_eq "not patched" "$(line cmdline)" "$before"
expect_eq "ExecStop" "$(line shutdown)" 0
expect_eq "the marker after a clean shutdown" "$(line marker-after-shutdown)" gone
expect_eq "ksplice-undo --forget (not loaded)" "$(line forget)" 0
expect_eq "kept files after --forget" "$(line kept)" "build-id last-boot "

boot 6 "
$exec_start; echo \"boot-apply \$?\"
boot_log
echo \"cmdline \$(cat /proc/cmdline)\"
umount /var/lib/ksplice"
expect_eq "boot 6" "$rc" 0
expect_eq "boot-time apply with nothing kept" "$(line boot-apply)" 0
grep -q "^kmsg ksplice: boot: no kept updates for this kernel ($state)$" <<<"$out" ||
	fail "the kernel log does not say nothing is kept"
expect_eq "not patched" "$(line cmdline)" "$before"
