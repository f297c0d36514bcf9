# helper.ftrace: the jump goes after the fentry site, so the function tracer
# filtered to the old function, and a kprobe on it, keep reporting its calls
# while the update is applied; applying while traced, toggling the tracer
# while applied and undoing while traced all work; the bytes end as they began.
. "$(dirname "$0")/helper_lib.sh"
build_helper_modules ksplice_target ksplice_update_a
guest_must_pass -- '
T=/sys/kernel/tracing
load_helper
before=$(target_bytes)
echo $TARGET >$T/set_ftrace_filter || fail "set_ftrace_filter"
echo function >$T/current_tracer || fail "function tracer"
echo "p:ksplice_probe $TARGET" >$T/kprobe_events || fail "kprobe_events"
echo 1 >$T/events/kprobes/ksplice_probe/enable || fail "enabling the kprobe"

# traced_call LABEL WANT: one call returns WANT and both tracers saw it.
traced_call() {
	echo >$T/trace
	expect "$1: value" "$(value)" $2
	expect "$1: function tracer" "$(grep -c " $TARGET <-" $T/trace)" 1
	# (a kprobe on a function goes after its ENDBR, if any)
	expect "$1: kprobe" "$(grep -c "ksplice_probe: ($TARGET+0x$ENTRY" $T/trace)" 1
}
traced_call "traced, before" 1
load_update a
set_stage testa applied || fail "apply while traced: $(cause testa): $(cat $KS/testa/abort_detail)"
traced_call "applied while traced" 2
echo nop >$T/current_tracer
expect "tracer off, applied: value" "$(value)" 2
echo function >$T/current_tracer
traced_call "tracer on again" 2
set_stage testa reversed || fail "undo while traced: $(cause testa)"
traced_call "reversed while traced" 1
echo 0 >$T/events/kprobes/ksplice_probe/enable
echo >$T/kprobe_events
echo nop >$T/current_tracer
expect "bytes with tracing off" "$(target_bytes)" "$before"
echo PASS'
