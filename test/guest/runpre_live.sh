# shellcheck shell=bash
# runpre.live: every function of kernel/sys, fork, sched/core, mm/slub,
# lib/string and every built-in fs/proc object matches the running kernel
# under -cpu qemu64 and -cpu max (different alternatives and retpolines),
# and on 6.12 with call depth tracking (Skylake, retbleed=stuff) and ITS's
# aligned thunks (Cascade Lake) too, with KASLR; and the same objects built with one changed compiler flag
# (-mtune=skylake) do not.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pre_objects.sh"
eval "$("$TESTBED" env)"
mapfile -t proc < <(builtin_objects_of fs/proc)
[ ${#proc[@]} -gt 20 ] || fail "kbuild lists only ${#proc[@]} fs/proc objects"
objs=(kernel/sys.o kernel/fork.o kernel/sched/core.o mm/slub.o lib/string.o "${proc[@]}")
build_pre_objects "$TEST_TMP/pre" "" "${objs[@]}"
echo "ok: built ${#objs[@]} pre objects"

summary() { grep -o '"summary":{[^}]*}' "$1"; }

# Call depth tracking (6.12: CONFIG_MITIGATION_CALL_DEPTH_TRACKING) points
# calls at thunks it writes into the callees' padding; retbleed=stuff turns
# it on for a CPU the kernel takes for a Skylake.
configs=(qemu64 max)
! grep -q '^CONFIG_MITIGATION_CALL_DEPTH_TRACKING=y' "$KSPLICE_SRC/.config" ||
	configs+=("Skylake-Client-v1 retbleed=stuff")
# Indirect Target Selection: a CPU the kernel takes for a Cascade Lake gets
# its aligned thunks (6.12: CONFIG_MITIGATION_ITS); retbleed=off, or the
# kernel warns that retpolines leave that CPU open to RETBleed.
! grep -q '^CONFIG_MITIGATION_ITS=y' "$KSPLICE_SRC/.config" ||
	configs+=("Cascadelake-Server-v1 retbleed=off")
for config in "${configs[@]}"; do
	read -r cpu append <<<"$config"
	name=$cpu${append:+ $append}
	"$TESTBED" run-guest --cpu "$cpu" ${append:+--append "$append"} --file "$TEST_TMP/pre" -- \
		sh -c 'dmesg | grep -q "callthunks: Setting up call depth tracking" &&
			echo "call depth tracking on"
			grep -q "Aligned branch/return thunks" \
				/sys/devices/system/cpu/vulnerabilities/indirect_target_selection &&
			echo "ITS thunks on"
			ksplice-runpre --json pre/*.o' >"$TEST_TMP/$cpu.json" ||
		fail "-cpu $name: not everything matched: $(summary "$TEST_TMP/$cpu.json")"
	s=$(summary "$TEST_TMP/$cpu.json")
	echo "$s" | grep -q '"no_match":0,"ambiguous":0,"not_found":0' || fail "-cpu $name: $s"
	matched=$(echo "$s" | sed 's/.*"matched":\([0-9]*\).*/\1/')
	[ "$matched" -gt 1000 ] || fail "-cpu $name: only $matched functions matched"
	case $append in
	retbleed=stuff) grep -q "^call depth tracking on" "$TEST_TMP/$cpu.json" ||
		fail "-cpu $name: the kernel did not set up call depth tracking" ;;
	retbleed=off) grep -q "^ITS thunks on" "$TEST_TMP/$cpu.json" ||
		fail "-cpu $name: the kernel does not use ITS's aligned thunks" ;;
	esac
	echo "ok: -cpu $name: $s"
done

neg=(kernel/sys.o kernel/fork.o lib/string.o fs/proc/cmdline.o)
build_pre_objects "$TEST_TMP/skylake" "-mtune=skylake" "${neg[@]}"
rc=0
"$TESTBED" run-guest --file "$TEST_TMP/skylake" -- sh -c 'ksplice-runpre --json skylake/*.o' \
	>"$TEST_TMP/skylake.json" || rc=$?
expect_eq "ksplice-runpre status on -mtune=skylake objects" "$rc" 1
for o in "${neg[@]}"; do
	flat=$(echo "$o" | tr / _)
	n=$(grep -o "\"object\":\"skylake/$flat\",[^}]*\"status\":\"no match\"" "$TEST_TMP/skylake.json" | wc -l)
	[ "$n" -gt 0 ] || fail "$o built with -mtune=skylake matched the running kernel"
	echo "ok: $o with -mtune=skylake: $n functions refused"
done

# Live memory is root's only: anyone else gets a clear refusal, exit 4.
rc=0
out=$("$TESTBED" run-guest --file "$TEST_TMP/pre/kernel_sys.o" -- \
	su -s /bin/sh nobody -c '/ksplice/bin/ksplice-runpre /files/kernel_sys.o' 2>&1) || rc=$?
expect_eq "ksplice-runpre status as nobody" "$rc" 4
echo "$out" | grep -q "/proc/kcore: permission denied (reading kernel memory needs root)" ||
	fail "no clear refusal for a non-root user: $out"
