#!/bin/bash
# persist.unit: the systemd units of the boot-time apply
# (scripts/systemd/*.in) pass `systemd-analyze verify`, rendered as the
# install renders them but naming this build's ksplice-boot (verify checks
# that the command exists), with the manual pages they name on MANPATH
# (verify runs man for Documentation=). Skipped (77) without systemd-analyze.
set -euo pipefail
src=${KSPLICE_SOURCE_DIR:?}
bin=${KSPLICE_BUILD:?}/bin
command -v systemd-analyze >/dev/null || { echo "no systemd-analyze: skipped"; exit 77; }
[ -x "$bin/ksplice-boot" ] || { echo "FAIL: $bin/ksplice-boot not built"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/man/man1"
ln -s "$src"/doc/man/*.1 "$tmp/man/man1/"
units=()
for in in "$src"/scripts/systemd/*.in; do
	unit=$tmp/$(basename "${in%.in}")
	sed "s|@KSPLICE_BINDIR@|$bin|g" "$in" >"$unit"
	units+=("$unit")
done
[ ${#units[@]} -eq 3 ] || { echo "FAIL: want 3 units, found ${#units[@]}"; exit 1; }
out=$(MANPATH=$tmp/man systemd-analyze verify "${units[@]}" 2>&1) || {
	echo "$out"
	echo "FAIL: systemd-analyze verify"
	exit 1
}
[ -z "$out" ] || { echo "$out"; echo "FAIL: systemd-analyze verify complained"; exit 1; }
grep -q '^Before=network-pre.target' "$tmp/ksplice.service" || { echo "FAIL: not before network-pre.target"; exit 1; }
grep -q '^After=local-fs.target' "$tmp/ksplice.service" || { echo "FAIL: not after local-fs.target"; exit 1; }
if ! grep -q '^Type=oneshot' "$tmp/ksplice.service" ||
	! grep -q '^RemainAfterExit=yes' "$tmp/ksplice.service"; then
	echo "FAIL: not a oneshot that remains"
	exit 1
fi
echo "ok: ${#units[@]} units verified"
