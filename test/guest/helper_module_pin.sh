# helper.module_pin: while an update is applied to a module, that module
# cannot be unloaded (rmmod says it is in use), targets says the update pins
# it and ksplice-view says it is held loaded; after undo it can be unloaded.
# The module's refcount goes up by exactly one while applied and back after
# undo, also after 20 apply/undo cycles and after a failed apply.
. "$(dirname "$0")/helper_lib.sh"
build_helper_modules ksplice_target ksplice_update_a
# kmod's rmmod (what an operator runs) with its libraries: the guest's
# busybox rmmod prints only the kernel's errno.
mkdir -p "$TEST_TMP/kmod"
cp /usr/bin/kmod "$TEST_TMP/kmod/"
ldd /usr/bin/kmod | grep -o '/[^ ]*\.so[^ ]*' | grep -v ld-linux |
	xargs -I{} cp -L {} "$TEST_TMP/kmod/"
guest_must_pass --file "$TEST_TMP/kmod" -- '
kmod_rmmod() {
	ln -sf /files/kmod/kmod /tmp/rmmod
	LD_LIBRARY_PATH=/files/kmod /tmp/rmmod "$@"
}
refcnt() {
	cat /sys/module/ksplice_target/refcnt
}
targets() {
	cat $KS/testa/targets
}
load_helper
base=$(refcnt)
load_update a
expect "targets before apply" "$(targets)" ksplice_target
expect "refcnt with the update loaded" "$(refcnt)" $base

set_stage testa applied || fail "apply: $(cause testa)"
expect "refcnt applied" "$(refcnt)" $((base + 1))
expect "targets applied" "$(targets)" "ksplice_target pinned"
expect "targets read by nobody" "$(su nobody -s /bin/sh -c "cat $KS/testa/targets")" \
	"ksplice_target pinned"
rmmod ksplice_target 2>/tmp/err && fail "busybox rmmod unloaded the patched module"
grep -q "Resource temporarily unavailable" /tmp/err || fail "busybox rmmod: $(cat /tmp/err)"
kmod_rmmod ksplice_target 2>/tmp/err && fail "rmmod unloaded the patched module"
grep -q "Module ksplice_target is in use" /tmp/err || fail "rmmod: $(cat /tmp/err)"
echo "ok: rmmod says: $(cat /tmp/err)"
expect "value still patched" "$(value)" 2
ksplice-view --id testa >/tmp/view || fail "ksplice-view --id"
grep -qx "  targets: ksplice_target (held loaded while applied)" /tmp/view ||
	fail "ksplice-view --id: $(cat /tmp/view)"
ksplice-view >/tmp/view || fail "ksplice-view"
grep -qx "  targets: ksplice_target (held loaded while applied)" /tmp/view ||
	fail "ksplice-view: $(cat /tmp/view)"
ksplice-view --json | grep -q "\"targets\": *\[{\"name\": *\"ksplice_target\", *\"held_loaded\": *true, *\"pending\": *false}\]" ||
	fail "ksplice-view --json: $(ksplice-view --json)"

set_stage testa reversed || fail "undo: $(cause testa)"
expect "refcnt after undo" "$(refcnt)" $base
expect "targets after undo" "$(targets)" ksplice_target
ksplice-view --id testa | grep -qx "  targets: ksplice_target" ||
	fail "ksplice-view --id after undo: $(ksplice-view --id testa)"

i=0
while [ $i -lt 20 ]; do
	set_stage testa applied || fail "apply $i: $(cause testa)"
	[ "$(refcnt)" = $((base + 1)) ] || fail "refcnt $(refcnt) in cycle $i"
	set_stage testa reversed || fail "undo $i: $(cause testa)"
	i=$((i + 1))
done
expect "refcnt after 20 cycles" "$(refcnt)" $base
rmmod ksplice_update_a || fail "rmmod update a"

load_update a --expected 0000000000
set_stage testa applied && fail "applied with wrong expected bytes"
expect "cause" "$(cause testa)" no_match
expect "refcnt after a failed apply" "$(refcnt)" $base
expect "targets after a failed apply" "$(targets)" ksplice_target
rmmod ksplice_update_a || fail "rmmod update a after the failed apply"
kmod_rmmod ksplice_target || fail "rmmod ksplice_target after undo"
[ -e /sys/module/ksplice_target ] && fail "ksplice_target still loaded"
rmmod kmod_helper || fail "rmmod kmod_helper"
echo PASS'
