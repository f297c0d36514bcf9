# Sourced by eval/realfixes: runs the created updates in guests of the
# profile, a batch of updates per boot, and records each step per row.
# shellcheck shell=bash

# What the guest runs for each update file given as an argument. Every step
# prints "STEP ID STATUS"; "splats ID N" counts the kernel's complaints in
# dmesg so far, so a complaint is charged to the update that caused it.
# shellcheck disable=SC2016
GUEST_SCRIPT='
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
for f in "$@"; do
	id=${f#ksplice-}; id=${id%.tar.gz}
	echo "begin $id"
	ksplice-apply "$f" >/tmp/apply 2>&1; rc=$?
	sed "s/^/log $id apply: /" /tmp/apply
	echo "apply $id $rc"
	if [ $rc -eq 0 ]; then
		workload; echo "workload $id $?"
		ksplice-view --audit >/tmp/audit 2>&1; rc=$?
		[ $rc -eq 0 ] || sed "s/^/log $id audit: /" /tmp/audit
		echo "audit1 $id $rc"
		ksplice-undo "$id" >/tmp/undo 2>&1; rc=$?
		[ $rc -eq 0 ] || sed "s/^/log $id undo: /" /tmp/undo
		echo "undo $id $rc"
		ksplice-view --audit >/tmp/audit 2>&1; rc=$?
		[ $rc -eq 0 ] || sed "s/^/log $id audit: /" /tmp/audit
		echo "audit2 $id $rc"
		workload; echo "workload2 $id $?"
	fi
	echo "splats $id $(complaints)"
	echo "end $id"
done
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
	local row=$1 out=$2 rc=$3 id splats prev_splats
	id=rf$(basename "$row")
	grep -q "^begin $id$" "$out" || return 0
	splats=$(step "$out" splats "$id")
	prev_splats=$4
	{
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

# Runs the pending rows, BATCH updates per boot. A guest that dies takes
# only the row it was in with it; the rows after it get the next boot.
run_guest_rows() {
	local rows=() batch files row out rc i prev
	mapfile -t rows < <(pending_rows "$@")
	while [ ${#rows[@]} -gt 0 ]; do
		batch=("${rows[@]:0:$BATCH}")
		files=()
		for row in "${batch[@]}"; do
			files+=(--file "$OUT/updates/ksplice-rf$(basename "$row").tar.gz")
		done
		say "guest: ${#batch[@]} updates ($(basename "${batch[0]}")..$(basename "${batch[-1]}")), ${#rows[@]} to go"
		out="$WORK/guest-$(basename "${batch[0]}").log"
		rc=0
		local names=()
		for row in "${batch[@]}"; do names+=("ksplice-rf$(basename "$row").tar.gz"); done
		"$TESTBED" run-guest --smp 2 --timeout $((120 + 60 * ${#batch[@]})) "${files[@]}" -- \
			sh -c "$GUEST_SCRIPT" guest "${names[@]}" >"$out" 2>&1 || rc=$?
		prev=0
		for row in "${batch[@]}"; do
			record_guest_row "$row" "$out" "$rc" "$prev"
			i=$(step "$out" splats "rf$(basename "$row")")
			[ -z "$i" ] || prev=$i
		done
		mapfile -t rows < <(pending_rows "${rows[@]}")
		# A row the guest never reached stays pending; one it died in does not.
		if [ ${#rows[@]} -gt 0 ] && [ "${rows[0]}" = "${batch[0]}" ]; then
			echo "guest=never started (run-guest exit $rc: $(tail -n 1 "$out"))" >>"${rows[0]}"
			mapfile -t rows < <(pending_rows "${rows[@]}")
		fi
	done
}
