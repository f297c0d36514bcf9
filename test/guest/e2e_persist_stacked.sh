# shellcheck shell=bash
# e2e.persist_stacked: stacked kept updates come back in their order. Two
# updates to cmdline_proc_show, the second made --after the first
# (demo-cmdline-2.patch), in guests booted one after the other with one
# disk image at /var/lib/ksplice (as e2e.persist; the unit's ExecStart and
# ExecStop are run where systemd would):
#   1. --persist of the second while the first is applied but not kept is
#      refused (25) before anything is applied; --persist of the first, which
#      is applied, keeps it without applying it again; the second applied
#      with --persist; --forget of the first is refused (12) while the second
#      is kept;
#   2. the boot-time command applies the first, then the second (the kernel
#      log, /proc/cmdline shows the second change, ksplice-view --json keeps
#      their order); ksplice-undo --forget of the second reverses it;
#   3. the boot-time command applies the first alone.
. "$(dirname "$0")/lib.sh"
eval "$("$TESTBED" env)"
u1=$(create_update demo-cmdline.patch e2eps1)
u2=$(create_update demo-cmdline-2.patch e2eps2 --after "$u1")
unit=$SRC_DIR/scripts/systemd/ksplice.service.in
exec_start=$(sed -n 's|^ExecStart=@KSPLICE_BINDIR@/||p' "$unit")
exec_stop=$(sed -n 's|^ExecStop=@KSPLICE_BINDIR@/||p' "$unit")
if [ -z "$exec_start" ] || [ -z "$exec_stop" ]; then fail "no ExecStart/ExecStop in $unit"; fi
disk=$TEST_TMP/disk.img
truncate -s 64M "$disk"
PATH=$PATH:/usr/sbin:/sbin mkfs.ext4 -q -F -E root_owner=0:0 "$disk" || fail "mkfs.ext4 failed"
state=/var/lib/ksplice/$KSPLICE_KERNEL_RELEASE
cat >"$TEST_TMP/prelude.sh" <<'EOF'
mkdir -p /var/lib/ksplice
i=0
while [ ! -b /dev/nvme0n1 ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
mount -t ext4 /dev/nvme0n1 /var/lib/ksplice || echo "mount failed"
boot_log() { dmesg | sed -n 's/.*\(ksplice: boot: .*\)/kmsg \1/p'; }
EOF

boot() {
	local n=$1 script=$2
	printf '%s\n' "$script" >"$TEST_TMP/boot$n.sh"
	rc=0
	out=$("$TESTBED" run-guest --disk "$disk" --file "$u1" --file "$u2" \
		--file "$TEST_TMP/prelude.sh" --file "$TEST_TMP/boot$n.sh" \
		-- sh -c ". ./prelude.sh; . ./boot$n.sh" 2>&1) || rc=$?
	echo "--- boot $n (exit $rc)"
	echo "$out"
}

boot 1 "
echo \"orig \$(cat /proc/cmdline)\"
ksplice-apply ksplice-e2eps1.tar.gz >/dev/null; echo \"apply1 \$?\"
ksplice-apply --persist ksplice-e2eps2.tar.gz; echo \"persist2-early \$?\"
echo \"loaded-early \$(lsmod | grep -c '^ksplice_e2eps2')\"
echo \"kept-early \$(ls $state | tr '\n' ' ')\"
ksplice-apply --persist ksplice-e2eps1.tar.gz; echo \"persist1 \$?\"
ksplice-apply --persist ksplice-e2eps2.tar.gz >/dev/null; echo \"persist2 \$?\"
echo \"cmdline \$(cat /proc/cmdline)\"
echo \"kept \$(ls $state | tr '\n' ' ')\"
ksplice-undo --forget e2eps1; echo \"forget1 \$?\"
umount /var/lib/ksplice"
expect_eq "boot 1" "$rc" 0
# The test-bed's own command line (the same in every boot), as the kernel
# shows it unpatched.
orig=$(line orig)
[ -n "$orig" ] || fail "no /proc/cmdline before the first apply"
expect_eq "apply of the first without --persist" "$(line apply1)" 0
expect_eq "--persist of the second while the first is not kept" "$(line persist2-early)" 25
grep -q "^ksplice-apply: .*update e2eps2 was made on top of update e2eps1, which is not kept" <<<"$out" ||
	fail "the refusal does not name the update that is not kept"
expect_eq "nothing applied by the refused --persist" "$(line loaded-early)" 0
expect_eq "nothing kept by the refused --persist" "$(line kept-early)" ""
expect_eq "--persist of the first, already applied" "$(line persist1)" 0
grep -q "^Done: update e2eps1 was already applied$" <<<"$out" ||
	fail "--persist of an applied update does not say it was already applied"
grep -q "^Kept: update e2eps1 is applied again at boot ($state)$" <<<"$out" ||
	fail "--persist of an applied update does not say it is kept"
expect_eq "--persist of the second" "$(line persist2)" 0
expect_eq "/proc/cmdline with both" "$(line cmdline)" \
	"[patched twice by ksplice] $orig [second update]"
expect_eq "kept in order" "$(line kept)" "0001-e2eps1.tar.gz 0002-e2eps2.tar.gz build-id "
expect_eq "--forget of the first while the second is kept" "$(line forget1)" 12
grep -q "^ksplice-undo: update e2eps1 is kept, and so is update e2eps2, made on top of it: forget e2eps2 first$" <<<"$out" ||
	fail "the --forget refusal does not name the kept update on top"

boot 2 "
$exec_start; echo \"boot-apply \$?\"
boot_log
echo \"cmdline \$(cat /proc/cmdline)\"
ksplice-view --json | grep '^{' >/tmp/v.json
sed -n 's/.*\"kept\":\[\([^]]*\)\].*/kept \1/p' /tmp/v.json
ksplice-undo --forget e2eps2; echo \"forget2 \$?\"
echo \"cmdline-after \$(cat /proc/cmdline)\"
$exec_stop; echo \"shutdown \$?\"
umount /var/lib/ksplice"
expect_eq "boot 2" "$rc" 0
expect_eq "boot-time apply" "$(line boot-apply)" 0
expect_eq "the kernel log, in order" "$(sed -n 's/^kmsg //p' <<<"$out" | tr '\n' '|')" \
	"ksplice: boot: applied update e2eps1 (1 of 2)|ksplice: boot: applied update e2eps2 (2 of 2)|ksplice: boot: applied 2 of 2 kept updates|"
expect_eq "/proc/cmdline after the boot-time apply" "$(line cmdline)" \
	"[patched twice by ksplice] $orig [second update]"
expect_eq "ksplice-view --json persistence.kept" "$(line kept)" '"e2eps1","e2eps2"'
expect_eq "--forget of the second (applied)" "$(line forget2)" 0
grep -q "^Done: update e2eps2 reversed .*; forgotten: no longer applied at boot$" <<<"$out" ||
	fail "ksplice-undo --forget does not say the update is forgotten"
expect_eq "/proc/cmdline after --forget" "$(line cmdline-after)" \
	"[patched live by ksplice] $orig"
expect_eq "ExecStop" "$(line shutdown)" 0

boot 3 "
$exec_start; echo \"boot-apply \$?\"
boot_log
echo \"cmdline \$(cat /proc/cmdline)\"
umount /var/lib/ksplice"
expect_eq "boot 3" "$rc" 0
expect_eq "boot-time apply" "$(line boot-apply)" 0
expect_eq "the kernel log" "$(sed -n 's/^kmsg //p' <<<"$out" | tr '\n' '|')" \
	"ksplice: boot: applied update e2eps1 (1 of 1)|ksplice: boot: applied 1 of 1 kept update|"
expect_eq "/proc/cmdline with the first alone" "$(line cmdline)" \
	"[patched live by ksplice] $orig"
