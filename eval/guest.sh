# Sourced by eval/realfixes: runs the created updates in guests of the
# profile, a batch of updates per boot, and records each step per row.
# shellcheck shell=bash

# The load's command line, and its thread count (a main thread and two per
# each of the ten kinds) once every waiter has started.
LOAD_ARGS="--rounds 0 --copies 2 --hold-ms 1500"
LOAD_THREADS=21

# What the guest runs for each update file given as an argument. Every step
# prints "STEP ID STATUS"; "splats ID N" counts the kernel's complaints in
# dmesg so far, so a complaint is charged to the update that caused it.
# The first two arguments: the load (on or off) and the options of every
# ksplice-apply and ksplice-undo (split on blanks). With the load on,
# ksplice-test-sleepers parks threads in the common waits from before the
# first update to after the last; "load exit RC", "load summary LINE" and
# "load fail LINE" (the calls that did not complete as without patching)
# report it.
# shellcheck disable=SC2016
GUEST_SCRIPT='
load=$1 opts=$2
shift 2
complaints() {
	dmesg | grep -cE "WARNING:|BUG:|Oops|general protection|INFO: possible|lockdep|Call Trace:"
}
workload() {
	ls -lR /proc/self/ >/dev/null 2>&1
	cat /proc/meminfo /proc/stat /proc/interrupts /proc/cmdline >/dev/null
	i=0
	while [ $i -lt 20 ]; do sh -c "echo \$\$" >/dev/null; i=$((i + 1)); done
	dd if=/dev/zero of=/tmp/w bs=4k count=256 2>/dev/null && sync && cat /tmp/w >/dev/null && rm /tmp/w
	mkdir -p /tmp/d/a/b && echo x >/tmp/d/a/b/c && mv /tmp/d/a/b/c /tmp/d/c && rm -r /tmp/d
	find /sys/kernel -maxdepth 2 >/dev/null 2>&1
	ps >/dev/null && uname -a >/dev/null
}
insmod /ksplice/kmod-helper.ko
if [ "$load" = on ]; then
	mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
	ip link set lo up
	ksplice-test-sleepers '"$LOAD_ARGS"' >/tmp/load 2>&1 &
	load_pid=$!
	# its threads started, or 5 s
	i=0
	while [ $i -lt 50 ] && [ "$(ls /proc/$load_pid/task 2>/dev/null | wc -l)" -lt '"$LOAD_THREADS"' ]; do
		sleep 0.1; i=$((i + 1))
	done
	sleep 0.5
	echo "load start $(ls /proc/$load_pid/task 2>/dev/null | wc -l) threads"
fi
# the modprobe of kmod (run-guest --modules stages it): the sh of busybox
# runs its own applet for a bare "modprobe"
MODPROBE=modprobe
[ -x /ksplice/bin/modprobe ] && MODPROBE=/ksplice/bin/modprobe
# A module row comes as FILE@MODULE[,MODULE]: the modules are loaded with
# modprobe (and what they need) before the update, their complaints counted
# apart ("loadsplats"), and unloaded after it with what they brought in.
for a in "$@"; do
	f=${a%%@*}
	mods=""
	[ "$f" = "$a" ] || mods=$(echo "${a#*@}" | tr , " ")
	id=${f#ksplice-}; id=${id%.tar.gz}
	echo "begin $id"
	if [ -n "$mods" ]; then
		cut -d" " -f1 /proc/modules >/tmp/mods-before
		echo "presplats $id $(complaints)"
		$MODPROBE -a $mods >/tmp/modprobe 2>&1; rc=$?
		for m in $mods; do
			[ "$(cat /sys/module/$m/initstate 2>/dev/null)" = live ] && continue
			echo "module $m is not live after modprobe" >>/tmp/modprobe
			[ $rc -ne 0 ] || rc=254
		done
		sed "s/^/log $id modprobe: /" /tmp/modprobe
		echo "modprobe $id $rc"
		echo "loadsplats $id $(complaints)"
	fi
	if [ -z "$mods" ] || [ $rc -eq 0 ]; then
		ksplice-apply $opts "$f" >/tmp/apply 2>&1; rc=$?
		sed "s/^/log $id apply: /" /tmp/apply
		echo "apply $id $rc"
	else
		rc=-1
	fi
	if [ $rc -eq 0 ]; then
		workload; echo "workload $id $?"
		ksplice-view --audit >/tmp/audit 2>&1; rc=$?
		[ $rc -eq 0 ] || sed "s/^/log $id audit: /" /tmp/audit
		echo "audit1 $id $rc"
		ksplice-undo $opts "$id" >/tmp/undo 2>&1; rc=$?
		[ $rc -eq 0 ] || sed "s/^/log $id undo: /" /tmp/undo
		echo "undo $id $rc"
		ksplice-view --audit >/tmp/audit 2>&1; rc=$?
		[ $rc -eq 0 ] || sed "s/^/log $id audit: /" /tmp/audit
		echo "audit2 $id $rc"
		workload; echo "workload2 $id $?"
	fi
	echo "splats $id $(complaints)"
	if [ -n "$mods" ]; then
		$MODPROBE -r -a $mods >/tmp/rmmod 2>&1
		# what else the load brought in (modules loaded on request), in three
		# passes for modules that used each other
		for pass in 1 2 3; do
			for m in $(cut -d" " -f1 /proc/modules | grep -vxF -f /tmp/mods-before | grep -v "^ksplice_"); do
				rmmod "$m" >>/tmp/rmmod 2>&1
			done
		done
		left=$(cut -d" " -f1 /proc/modules | grep -vxF -f /tmp/mods-before | tr "\n" " ")
		[ -z "$left" ] || { sed "s/^/log $id unload: /" /tmp/rmmod; echo "log $id unload: still loaded: $left"; }
		echo "unload $id $([ -z "$left" ] && echo 0 || echo 1)"
		echo "unloadsplats $id $(complaints)"
	fi
	echo "end $id"
done
if [ "$load" = on ]; then
	kill -TERM $load_pid
	wait $load_pid; rc=$?
	echo "load exit $rc"
	echo "load summary $(grep "^sleepers: " /tmp/load | tail -n 1)"
	grep -v -e "completed as without patching$" -e "^sleepers: " /tmp/load >/tmp/load.fail
	head -n 20 /tmp/load.fail | sed "s/^/load fail /"
	n=$(wc -l </tmp/load.fail)
	[ "$n" -le 20 ] || echo "load fail ($((n - 20)) more lines)"
fi
'

# Rows that have an update file and no guest result yet.
pending_rows() {
	local row
	for row in "$@"; do
		[ "$(get "$row" create_rc)" = 0 ] || continue
		grep -q '^guest=' "$row" && continue
		echo "$row"
	done
}

# The value of "STEP ID VALUE" in a guest's output.
step() {
	sed -n "s/^$2 $3 //p" "$1" | tail -n 1
}

record_guest_row() {
	local row=$1 out=$2 rc=$3 id splats prev_splats load unload
	id=rf$(basename "$row")
	grep -q "^begin $id$" "$out" || return 0
	splats=$(step "$out" splats "$id")
	prev_splats=$4
	{
		if grep -q "^presplats $id " "$out"; then
			# a module row: its modprobe, and the complaints of loading it
			# (counted apart from the update's) and of unloading it
			prev_splats=$(step "$out" presplats "$id")
			load=$(step "$out" loadsplats "$id")
			echo "modprobe_rc=$(step "$out" modprobe "$id")"
			echo "modprobe_msg=$(sed -n "s/^log $id modprobe: //p" "$out" | tail -n 1)"
			[ -z "$load" ] || [ "$load" -le "$prev_splats" ] || echo "load_complaint=$((load - prev_splats))"
			[ -z "$load" ] || prev_splats=$load
			echo "unload_rc=$(step "$out" unload "$id")"
			echo "unload_msg=$(sed -n "s/^log $id unload: still loaded: //p" "$out" | tail -n 1)"
			unload=$(step "$out" unloadsplats "$id")
			[ -z "$unload" ] || [ -z "$splats" ] || [ "$unload" -le "$splats" ] ||
				echo "unload_complaint=$((unload - splats))"
		fi
		echo "apply_rc=$(step "$out" apply "$id")"
		echo "apply_msg=$(sed -n "s/^log $id apply: //p" "$out" | grep -v '^run-pre\|^loading\|^matching' | tail -n 1)"
		echo "pause_us=$(sed -n "s/^log $id apply: Done: .*machine paused \([0-9.]*\) us.*/\1/p" "$out")"
		echo "workload_rc=$(step "$out" workload "$id")"
		echo "audit1_rc=$(step "$out" audit1 "$id")"
		echo "undo_rc=$(step "$out" undo "$id")"
		echo "undo_msg=$(sed -n "s/^log $id undo: //p" "$out" | tail -n 1)"
		echo "audit2_rc=$(step "$out" audit2 "$id")"
		echo "workload2_rc=$(step "$out" workload2 "$id")"
		if ! grep -q "^end $id$" "$out"; then
			echo "guest=died (run-guest exit $rc)"
		elif [ -n "$splats" ] && [ "$splats" -gt "$prev_splats" ]; then
			echo "guest=kernel complaint"
		else
			echo "guest=ok"
		fi
	} >>"$row"
}

# The last complaint count a row's steps printed (after its unload, for a
# module row): where the next row's count starts.
last_splats() {
	local n
	n=$(step "$1" unloadsplats "$2")
	[ -n "$n" ] || n=$(step "$1" splats "$2")
	echo "$n"
}

# A module row whose module the guest could not load: each unit of its
# update for a module, its pre object against the image's .ko file
# (test/tree/module_match.py: the functions equal outside relocation fields).
match_ko_row() {
	local row=$1 u dir unit target ko rc=0 msg="" out n=0 differ skipped
	u="$OUT/updates/ksplice-rf$(basename "$row").tar.gz"
	dir="$WORK/ko-rf$(basename "$row")"
	rm -rf "$dir" && mkdir -p "$dir" && tar -xzf "$u" -C "$dir"
	while read -r unit target; do
		[ "$target" != vmlinux ] || continue
		n=$((n + 1))
		ko=$(module_file "$target")
		if [ -z "$ko" ]; then
			rc=1 msg="$target: no such module in the image"
			break
		fi
		# The .ko's .altinstr_replacement (a section module_match.py lists
		# like a function) holds every object's alternatives, in link
		# order: only functions are compared.
		# 6.12's modules are xz-compressed
		case $ko in *.xz) xz -dc "$ko" >"$dir/$(basename "$ko" .xz)" && ko="$dir/$(basename "$ko" .xz)" ;; esac
		out=$(python3 "$REPO_DIR/test/tree/module_match.py" "$dir/pre/$unit" "$ko" 2>&1) || true
		differ=$(grep '^differs: ' <<<"$out" | grep -v '^differs: \.' || true)
		if ! grep -q '^[0-9]* of [1-9][0-9]* functions equal$' <<<"$out" || [ -n "$differ" ]; then
			rc=1
			msg="$unit vs $(basename "$ko"): $(tail -n 1 <<<"$out"); $(head -n 1 <<<"$differ" | sed 's/^differs: //')"
			break
		fi
		msg="${msg:+$msg; }$unit vs $(basename "$ko"): $(tail -n 1 <<<"$out")"
		skipped=$(grep '^differs: \.' <<<"$out" | sed 's/^differs: //; s/:.*//' | paste -sd, - || true)
		[ -z "$skipped" ] || msg="$msg (all functions; $skipped differs by link order, not compared)"
	done < <(awk -F= '$1 == "UNIT" { unit = $2 } $1 == "TARGET" { print unit, $2 }' "$dir/metadata")
	[ $n -gt 0 ] || { rc=1 msg="no module unit"; }
	rm -rf "$dir"
	{
		echo "ko_match_rc=$rc"
		echo "ko_match_msg=$msg"
	} >>"$row"
}

# A boot's record, $OUT/boots/BOOT (record_boot BOOT LOG RC LOAD OPTS): the
# options of its ksplice-apply and ksplice-undo, whether the load ran, and the load's exit status (empty when
# the guest ended before it was stopped), summary and failure lines.
record_boot() {
	local boot=$1 out=$2 rc=$3 with_load=$4 opts=$5
	mkdir -p "$OUT/boots"
	{
		echo "apply_opts=$opts"
		echo "load=$with_load"
		echo "run_guest_rc=$rc"
		if [ "$with_load" = on ]; then
			echo "load_start=$(sed -n 's/^load start //p' "$out" | tail -n 1)"
			echo "load_rc=$(sed -n 's/^load exit //p' "$out" | tail -n 1)"
			echo "load_summary=$(sed -n 's/^load summary //p' "$out" | tail -n 1)"
			sed -n 's/^load fail /load_fail=/p' "$out"
		fi
	} >"$OUT/boots/$boot"
}

# Runs the pending rows, BATCH updates per boot: vmlinux rows first, as
# they always ran, then module rows in boots of their own that stage their
# modules (run-guest --modules). A guest that dies takes only the row it was
# in with it; the rows after it get the next boot.
run_guest_rows() {
	local row mod_rows=() vm_rows=() bad
	for row in "$@"; do
		if [ "$(get "$row" class)" = module ]; then
			mod_rows+=("$row")
		else
			vm_rows+=("$row")
		fi
	done
	[ ${#vm_rows[@]} -eq 0 ] || run_guest_batches "${vm_rows[@]}"
	[ ${#mod_rows[@]} -gt 0 ] || return 0
	# A module the image lacks cannot be staged: its row goes no further.
	for row in $(pending_rows "${mod_rows[@]}"); do
		bad=""
		for m in $(update_modules "$row" | tr , ' '); do
			[ -n "$(module_file "$m")" ] || bad="$bad $m"
		done
		[ -z "$bad" ] || echo "guest=never started (not in the image's modules:$bad)" >>"$row"
	done
	run_guest_batches "${mod_rows[@]}"
	for row in "${mod_rows[@]}"; do
		[ "$(get "$row" guest)" = ok ] || continue
		[ -n "$(get "$row" modprobe_rc)" ] && [ "$(get "$row" modprobe_rc)" != 0 ] || continue
		grep -q '^ko_match_rc=' "$row" && continue
		say "$(basename "$row"): $(update_modules "$row") not loadable in the guest: matching its .ko"
		match_ko_row "$row"
	done
	state_save "$STATE"
}

# Of the comma-separated modules, those the image has (a module it lacks
# cannot be staged; ksplice-apply then names it).
in_image() {
	local m found=()
	for m in ${1//,/ }; do
		[ -z "$(module_file "$m")" ] || found+=("$m")
	done
	(IFS=,; echo "${found[*]}")
}

# LOAD and APPLY_OPTS: realfixes's --load and --apply-opts.
# shellcheck disable=SC2153
run_guest_batches() {
	local rows=() batch files row out rc i prev mods boot
	mapfile -t rows < <(pending_rows "$@")
	while [ ${#rows[@]} -gt 0 ]; do
		batch=("${rows[@]:0:$BATCH}")
		files=()
		local names=() staged=()
		for row in "${batch[@]}"; do
			files+=(--file "$OUT/updates/ksplice-rf$(basename "$row").tar.gz")
			# A built-in file's update may patch modules too (a header
			# it changes is read by module objects): they are staged,
			# not loaded, so their parts are pending, matched against
			# the staged files. A module file's modules are loaded.
			mods=$(update_modules "$row")
			[ "$(get "$row" class)" = module ] || mods=$(in_image "$mods")
			[ -z "$mods" ] || staged+=(--modules "$mods")
			if [ -n "$mods" ] && [ "$(get "$row" class)" = module ]; then
				names+=("ksplice-rf$(basename "$row").tar.gz@$mods")
			else
				names+=("ksplice-rf$(basename "$row").tar.gz")
			fi
		done
		say "guest: ${#batch[@]} updates ($(basename "${batch[0]}")..$(basename "${batch[-1]}")), ${#rows[@]} to go"
		out="$WORK/guest-$(basename "${batch[0]}").log"
		rc=0
		# the load takes a few seconds to stop
		"$TESTBED" run-guest --smp 2 --timeout $((120 + 60 * ${#batch[@]} + $([ "$LOAD" = on ] && echo 30 || echo 0))) "${staged[@]}" "${files[@]}" -- \
			sh -c "$GUEST_SCRIPT" guest "$LOAD" "$APPLY_OPTS" "${names[@]}" >"$out" 2>&1 || rc=$?
		boot="$(basename "${batch[0]}")-$(date +%Y%m%d%H%M%S)"
		record_boot "$boot" "$out" "$rc" "$LOAD" "$APPLY_OPTS"
		prev=0
		for row in "${batch[@]}"; do
			record_guest_row "$row" "$out" "$rc" "$prev"
			# the boot it ran in, for the load's and the options' record
			! grep -q "^begin rf$(basename "$row")$" "$out" || echo "boot=$boot" >>"$row"
			i=$(last_splats "$out" "rf$(basename "$row")")
			[ -z "$i" ] || prev=$i
		done
		state_save "$STATE"
		mapfile -t rows < <(pending_rows "${rows[@]}")
		# A row the guest never reached stays pending; one it died in does not.
		if [ ${#rows[@]} -gt 0 ] && [ "${rows[0]}" = "${batch[0]}" ]; then
			echo "guest=never started (run-guest exit $rc: $(tail -n 1 "$out"))" >>"${rows[0]}"
			mapfile -t rows < <(pending_rows "${rows[@]}")
		fi
	done
}
