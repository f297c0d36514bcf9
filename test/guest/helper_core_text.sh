# helper.core_text: an update replacing a function of the core kernel
# (version_proc_show, read-only text under STRICT_KERNEL_RWX) changes what
# /proc/version says; undo restores it and the code byte for byte.
. "$(dirname "$0")/helper_lib.sh"
build_helper_modules ksplice_target ksplice_update_core
guest_must_pass -- '
load_helper
version=$(cat /proc/version)
addr=$(sym_addr version_proc_show)
before=$(ksplice-kcore-read $addr 32)
load_update core
set_stage testcore applied || fail "apply: $(cause testcore): $(cat $KS/testcore/abort_detail)"
expect "/proc/version applied" "$(cat /proc/version)" "patched by ksplice testcore"
jump=$(($(entry_len $addr) + 5))
expect "jump at +$jump" "$(hex_at $(ksplice-kcore-read $addr 32) $jump 1)" e9
set_stage testcore reversed || fail "undo: $(cause testcore)"
expect "/proc/version reversed" "$(cat /proc/version)" "$version"
expect "bytes after undo" "$(ksplice-kcore-read $addr 32)" "$before"
rmmod ksplice_update_core || fail "rmmod"
echo PASS'
