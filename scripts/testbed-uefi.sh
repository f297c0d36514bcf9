# Sourced by scripts/testbed: UEFI firmware for guests (run-guest --uefi,
# --secure-boot, --trust-cert). See doc/protected-guests.md.
# shellcheck shell=bash
#
# OVMF_CODE_4M.fd runs Secure Boot without SMM (Debian's README.Debian for
# ovmf): enough for a test guest, and qemu needs no q35/SMM emulation. The
# snakeoil variable store has Secure Boot on with Debian's test key in PK, KEK
# and db; its private key ships in the same package, so the test-bed signs a
# copy of the kernel with it. Debian's own signature on the image chains only to
# shim's built-in certificate, which this db does not hold.

readonly OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
readonly OVMF_VARS_BLANK=/usr/share/OVMF/OVMF_VARS_4M.fd
readonly OVMF_VARS_SNAKEOIL=/usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd
readonly SNAKEOIL_KEY=/usr/share/ovmf/PkKek-1-snakeoil.key
readonly SNAKEOIL_CERT=/usr/share/ovmf/PkKek-1-snakeoil.pem
readonly SNAKEOIL_PASSPHRASE=snakeoil

need_ovmf() {
	local f
	for f in "$OVMF_CODE" "$OVMF_VARS_BLANK" "$OVMF_VARS_SNAKEOIL" "$SNAKEOIL_KEY" "$SNAKEOIL_CERT"; do
		[ -f "$f" ] || die "run-guest --uefi: $f is missing (package ovmf): run scripts/testbed setup"
	done
}

# The profile's kernel with a second signature by the snakeoil key, kept in
# the cache beside the image and remade when the image is newer. Written to a
# temporary name first: guests of other shells may read it meanwhile.
secure_boot_kernel() {
	local signed="$KDIR/vmlinuz-$PROFILE_KERNEL_RELEASE.snakeoil.efi"
	command -v sbsign >/dev/null ||
		die "run-guest --secure-boot: sbsign is missing (package sbsigntool): run scripts/testbed setup"
	if [ -f "$signed" ] && [ ! "$VMLINUZ" -nt "$signed" ]; then
		echo "$signed"
		return
	fi
	local tmp
	tmp=$(mktemp -d "$KDIR/.sbsign.XXXXXX")
	openssl rsa -in "$SNAKEOIL_KEY" -passin "pass:$SNAKEOIL_PASSPHRASE" -out "$tmp/key" 2>/dev/null ||
		{ rm -rf "$tmp"; die "could not read $SNAKEOIL_KEY"; }
	if ! sbsign --key "$tmp/key" --cert "$SNAKEOIL_CERT" --output "$tmp/vmlinuz" "$VMLINUZ" 2>"$tmp/log"; then
		cat "$tmp/log" >&2
		rm -rf "$tmp"
		die "sbsign could not sign $VMLINUZ"
	fi
	mv -f "$tmp/vmlinuz" "$signed"
	rm -rf "$tmp"
	echo "$signed"
}

# setup_firmware MODE WORK [CERT...]: MODE is bios, uefi or secure-boot.
# Sets FIRMWARE_ARGS (qemu options), FIRMWARE_SERIAL (a serial port ahead of
# the guest's output ports), FIRMWARE_APPEND (kernel command line) and
# GUEST_KERNEL; the guest's private variable store is WORK/vars.fd, with each
# CERT (DER) in MokListRT.
setup_firmware() {
	local mode=$1 work=$2
	shift 2
	FIRMWARE_ARGS=()
	FIRMWARE_SERIAL=()
	FIRMWARE_APPEND=""
	GUEST_KERNEL=$VMLINUZ
	[ "$mode" != bios ] || return 0
	need_ovmf
	local template=$OVMF_VARS_BLANK
	if [ "$mode" = secure-boot ]; then
		template=$OVMF_VARS_SNAKEOIL
		GUEST_KERNEL=$(secure_boot_kernel) || { rm -rf "$work"; exit 1; }
	fi
	cp "$template" "$work/vars.fd"
	local err
	if [ $# -gt 0 ] && ! err=$(python3 "$TESTBED_DIR/testbed-efivars.py" enroll-mok "$work/vars.fd" "$@" 2>&1); then
		rm -rf "$work"
		die "run-guest --trust-cert: ${err#testbed-efivars: }"
	fi
	FIRMWARE_ARGS=(
		-drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE"
		-drive "if=pflash,format=raw,unit=1,file=$work/vars.fd"
	)
	# OVMF clears the screen on COM1 and COM2: give it COM2 to itself.
	FIRMWARE_SERIAL=(-serial "file:$work/firmware.log")
	FIRMWARE_APPEND=" ksplice_out=ttyS2 ksplice_status=ttyS3"
}
