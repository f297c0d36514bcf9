# Sourced by eval/realfixes: turns the row state files into results.md and
# results.csv, one row per built-in or module file's diff (its target:
# vmlinux or the module), and a summary for each of the two.
# shellcheck shell=bash

# The first other .c file the release changes that defines function NAME
# (a line starting with a type and holding "NAME(" without a ";") in TO but
# not in FROM; empty if none. The row's own FILE is left out.
release_adds() {
	local name=$1 own=$2 kind path def
	def="^[A-Za-z_].*[^A-Za-z0-9_]$name\\("
	while read -r kind path; do
		[ "$path" != "$own" ] || continue
		[ -f "$SOURCES/$TO/$path" ] || continue
		grep -E "$def" "$SOURCES/$TO/$path" | grep -qv ';' || continue
		[ "$kind" = new ] || ! grep -E "$def" "$SOURCES/$FROM/$path" | grep -qv ';' || continue
		echo "$path"
		return
	done <"$WORK/changed"
}

# "RESULT|DETAIL" of a row: applied and undone, no code change, refused
# (reason), or failed (stage: message).
row_result() {
	local row=$1 rc stage
	rc=$(get "$row" create_rc)
	case "$rc" in
	"") echo "pending|not created yet"; return ;;
	0) ;;
	66)
		# functions added for other files' code to call (the fix spans them)
		if get "$row" create_msg | grep -q 'replaces no function'; then
			echo "not self-contained|only adds functions that other files call ($(get "$row" create_msg | sed 's/.*changes calls (//; s/), so the update.*//'))"
		else
			echo "no code change|"
		fi
		return
		;;
	6) echo "refused|$(refusal "$row")"; return ;;
	8)
		# kbuild could not compile the release's file against the kernel's
		# other files, with or without the headers its errors named: the fix
		# spans other files (the same tree built its pre object)
		if get "$row" create_msg | grep -q '^kbuild failed'; then
			echo "not self-contained|$(get "$row" create_msg | sed 's/; full log: .*//; s/ in [^ ]* (/ (/')"
		else
			echo "failed|create (exit $rc): $(get "$row" create_msg)"
		fi
		return
		;;
	*) echo "failed|create (exit $rc): $(get "$row" create_msg)"; return ;;
	esac
	local guest
	guest=$(get "$row" guest)
	[ -n "$guest" ] || { echo "pending|not run in a guest yet"; return; }
	if [ "$(get "$row" class)" = module ]; then
		module_result "$row" "$guest" && return
	fi
	rc=$(get "$row" apply_rc)
	# new code calling a function the release adds in another file (checked
	# in the release's sources: else it is a failure like any other)
	local needed adder
	if [ "$rc" = 6 ] && get "$row" apply_msg | grep -q 'not found in the running kernel, the first [^ :]*$'; then
		needed=$(get "$row" apply_msg | sed 's/.* the first //')
		adder=$(release_adds "$needed" "$(get "$row" file)")
		if [ -n "$adder" ]; then
			echo "not self-contained|needs $needed, which the release adds in $adder"
			return
		fi
	fi
	if [ "$rc" != 0 ] && get "$row" apply_msg | grep -q 'cannot be patched\|no room for the 5-byte jump'; then
		echo "refused|at apply: $(get "$row" apply_msg | sed 's/^ksplice-apply: //')"
		return
	fi
	# code_busy (exit 7) and threads_stuck (exit 23): threads in the code
	# to replace on every try; counted as "busy" (is_busy)
	if [ "$rc" != 0 ]; then
		echo "failed|apply (exit ${rc:-none}): $(get "$row" apply_msg)"
		return
	fi
	for stage in workload audit1 undo audit2 workload2; do
		rc=$(get "$row" "${stage}_rc")
		[ "$rc" = 0 ] && continue
		case $stage in
		undo) echo "failed|undo (exit ${rc:-none}): $(get "$row" undo_msg)" ;;
		audit1 | audit2) echo "failed|ksplice-view --audit ($stage, exit ${rc:-none})" ;;
		*) echo "failed|$stage (exit ${rc:-none})" ;;
		esac
		return
	done
	if [ "$guest" != ok ]; then
		echo "failed|guest: $guest"
		return
	fi
	local note=""
	[ -z "$(get "$row" unload_rc)" ] || [ "$(get "$row" unload_rc)" = 0 ] ||
		note="module not unloaded afterwards: $(get "$row" unload_msg)"
	# the update went well: complaints of loading or unloading its module
	# (counted apart from the update's own) are charged to the module
	if [ -n "$(get "$row" load_complaint)" ]; then
		echo "module load complained|$(get "$row" load_complaint) complaint(s) in dmesg on modprobe; the update was then applied and undone cleanly${note:+; $note}"
		return
	fi
	if [ -n "$(get "$row" unload_complaint)" ]; then
		echo "module unload complained|applied and undone cleanly; $(get "$row" unload_complaint) complaint(s) in dmesg on rmmod${note:+; $note}"
		return
	fi
	echo "applied and undone|$note"
}

# A module row's result when its module did not load (or the guest died
# loading it): "RESULT|DETAIL", or false to go on as for a vmlinux row.
module_result() {
	local row=$1 guest=$2 rc
	rc=$(get "$row" modprobe_rc)
	if [ -z "$rc" ]; then
		case "$guest" in
		died*) echo "module load complained|the guest died loading the module ($guest)"; return 0 ;;
		"never started"*) echo "failed|guest: $guest"; return 0 ;;
		esac
		return 1
	fi
	[ "$rc" != 0 ] || return 1
	case "$(get "$row" ko_match_rc)" in
	0) echo "matched .ko (not loadable)|modprobe: $(get "$row" modprobe_msg); $(get "$row" ko_match_msg)" ;;
	"") echo "pending|not loadable (modprobe: $(get "$row" modprobe_msg)), .ko not matched yet" ;;
	*) echo "no match with .ko (not loadable)|modprobe: $(get "$row" modprobe_msg); $(get "$row" ko_match_msg)" ;;
	esac
	return 0
}

# The state lines of a ksplice-create log's refusal reasons (the matcher's
# "refused:" lines): the first and how many there were, so that the tables
# come from the state alone on a machine without the logs.
refusal_record() {
	echo "refusal=$(sed -n 's/^refused: //p' "$1" | head -n 1)"
	echo "refusals=$(grep -c '^refused: ' "$1")"
}

# Why ksplice-create refused a row: its first "refused:" line (the matcher's
# reasons) or its one-line error, and how many more reasons there were.
refusal() {
	local row=$1 log="$WORK/rf$(basename "$1").create" reasons first n
	if grep -q '^refusals=' "$row"; then
		reasons=$(grep '^refusal' "$row")
	elif [ -f "$log" ]; then
		reasons=$(refusal_record "$log")
	fi
	first=$(sed -n 's/^refusal=//p' <<<"${reasons:-}" | tail -n 1)
	n=$(sed -n 's/^refusals=//p' <<<"${reasons:-}" | tail -n 1)
	if [ -z "$first" ]; then
		get "$row" create_msg
		return
	fi
	echo "$first$([ "$n" -le 1 ] || echo " (and $((n - 1)) more)")"
}

# A row whose ksplice-create said only that it refused, its reasons gone with
# the machine that ran it (state from before refusals= was kept).
refusal_lost() {
	[ "$(get "$1" create_rc)" = 6 ] && ! grep -q '^refusals=' "$1" &&
		[ ! -f "$WORK/rf$(basename "$1").create" ] &&
		[ "$(get "$1" create_msg)" = "the patch makes changes that cannot be live-patched" ]
}

csv_field() {
	local s=${1//\"/\"\"}
	printf '"%s"' "$s"
}

# The kind of a refusal, from its detail: what the change is that a
# function-by-function update cannot carry, or a limit of the tools.
refusal_kind() {
	case "$1" in
	*"changes the layout of"*) echo "data layout (compiled layout of a struct or union changed)" ;;
	*"changes the definition of"*) echo "data layout (struct or union definition changed)" ;;
	*"__init/__exit"*) echo "__init/__exit code or data changed" ;;
	*"__init memory"*"carries whole"*) echo "tool limit: shared code section carried whole refers to __init memory" ;;
	*"__init memory"*) echo "new code refers to __init memory (freed after boot)" ;;
	*"initializer"* | *"size of"*) echo "initializer or size of existing data changed" ;;
	*"kernel table"*) echo "boot-time kernel table entry added or removed" ;;
	*"read-only data"*) echo "read-only data changed that other data points to" ;;
	*"CRC"*) echo "exported interface (modversions CRC) changed" ;;
	*"max-objects"*) echo "tool limit: header change alters too many objects" ;;
	*"at apply:"*) echo "tool limit: function cannot take the jump" ;;
	*"where the module loader rewrites or reads it"*) echo "tool limit: new code's reference the module loader resolves, to an unexported symbol" ;;
	*) echo "other" ;;
	esac
}

# A failed row's DETAIL says it ended in code_busy (exit 7) or threads_stuck
# (exit 23) at apply or undo: threads were in the code to replace (or to put
# back) on every try.
is_busy() {
	[[ "$1" =~ ^(apply|undo)\ \(exit\ (7|23)\): ]]
}

# Whether ksplice-apply or ksplice-undo of ROW kicked threads out of the
# code ("N threads kicked out of the code"). Only then can the row's result
# differ from --no-kick's: with no thread kicked, the helper's tries and
# waits are exactly --no-kick's (kmod-helper/patching.c).
was_kicked() {
	# A here-string, not a pipe: grep -q stops early, and pipefail would
	# count the writer's SIGPIPE.
	grep -q '[1-9][0-9]* threads\? kicked out of the code' \
		<<<"$(get "$1" apply_msg)"$'\n'"$(get "$1" undo_msg)"
}

# The rows where kicking threads out of the code changed anything: every
# other row would have ended the same with --no-kick.
kicked_line() {
	echo "- rows whose apply or undo kicked threads out of the code: $N_KICKED${KICKED_ROWS:+ (${KICKED_ROWS# })}"
}

# The counts of KIND's rows (builtin or module) by result, into N_* globals
# (N_BUSY: the failed rows that ended in code_busy or threads_stuck;
# N_KICKED: the rows whose apply or undo kicked threads, KICKED_ROWS their
# files).
count_results() {
	local row res detail
	N_OK=0 N_REFUSED=0 N_FAILED=0 N_NOCHANGE=0 N_PENDING=0 N_SPLIT=0 N_TOOL=0 N_BUSY=0
	N_LOADWARN=0 N_UNLOADWARN=0 N_KO=0 N_NOKO=0 N_KICKED=0 KICKED_ROWS=""
	for row in $(selected_rows "$1"); do
		IFS='|' read -r res detail <<<"${RESULT_OF[$row]}"
		if was_kicked "$row"; then
			N_KICKED=$((N_KICKED + 1))
			KICKED_ROWS="$KICKED_ROWS $(get "$row" file)"
		fi
		case "$res" in
		"applied and undone") N_OK=$((N_OK + 1)) ;;
		refused)
			N_REFUSED=$((N_REFUSED + 1))
			case "$(refusal_kind "$detail")" in "tool limit"* | other) N_TOOL=$((N_TOOL + 1)) ;; esac
			;;
		failed)
			N_FAILED=$((N_FAILED + 1))
			! is_busy "$detail" || N_BUSY=$((N_BUSY + 1))
			;;
		"no code change") N_NOCHANGE=$((N_NOCHANGE + 1)) ;;
		"not self-contained") N_SPLIT=$((N_SPLIT + 1)) ;;
		"module load complained") N_LOADWARN=$((N_LOADWARN + 1)) ;;
		"module unload complained") N_UNLOADWARN=$((N_UNLOADWARN + 1)) ;;
		"matched .ko (not loadable)") N_KO=$((N_KO + 1)) ;;
		"no match with .ko (not loadable)") N_NOKO=$((N_NOKO + 1)) ;;
		*) N_PENDING=$((N_PENDING + 1)) ;;
		esac
	done
}

percent() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", 100 * a / b }'
}

# The fractions of the summary over the N_* counts (WHAT: "built-in" or
# "module"); for built-in rows the lines are those the tables always had.
fractions() {
	local code=$((N_OK + N_REFUSED + N_FAILED))
	[ $code -eq 0 ] || echo "- applied and undone / code-changing: $(percent $N_OK $code)%"
	[ $((N_OK + N_FAILED)) -eq 0 ] ||
		echo "- applied and undone / not refused: $(percent $N_OK $((N_OK + N_FAILED)))%"
	# Code-only: what a function-by-function update can carry, i.e. all
	# but the refusals of new data layouts, boot-time code or tables and
	# interface changes; the tools' own limits count as not applied.
	[ $((N_OK + N_FAILED + N_TOOL)) -eq 0 ] ||
		echo "- applied and undone / code-only fixes ($((N_OK + N_FAILED + N_TOOL)): refusals for the tools' own limits count against): $(percent $N_OK $((N_OK + N_FAILED + N_TOOL)))%"
}

refusals_by_kind() {
	local row res detail
	for row in $(selected_rows "$1"); do
		IFS='|' read -r res detail <<<"${RESULT_OF[$row]}"
		if [ "$res" = refused ]; then refusal_kind "$detail"; fi
	done | sort | uniq -c | sort -rn | awk '{ n = $1; $1 = ""; printf "- %s:%s\n", n, $0 }'
}

refusal_reasons() {
	local row res detail
	for row in $(selected_rows "$1"); do
		IFS='|' read -r res detail <<<"${RESULT_OF[$row]}"
		if [ "$res" = refused ]; then echo "- $(get "$row" file): $detail"; fi
	done
}

# The boots the selected rows ran in (their records in $OUT/boots), one per
# line.
row_boots() {
	local rows
	rows=$(selected_rows)
	[ -n "$rows" ] || return 0
	# shellcheck disable=SC2086
	grep -h '^boot=' $rows | sed 's/^boot=//' | sort -u
}

# The header's line on how the guests ran the updates: the options of
# ksplice-apply and ksplice-undo and the load, over the boots recorded.
guest_header() {
	local b opts n_on=0 n_boots=0 unrecorded=0 row
	for row in $(selected_rows); do
		grep -q '^guest=' "$row" && ! grep -q '^boot=' "$row" && unrecorded=$((unrecorded + 1))
	done
	for b in "$@"; do
		n_boots=$((n_boots + 1))
		[ "$(get "$OUT/boots/$b" load)" != on ] || n_on=$((n_on + 1))
	done
	[ $n_boots -gt 0 ] || return 0
	opts=$(for b in "$@"; do get "$OUT/boots/$b" apply_opts; done | sort -u |
		sed 's/^$/(none)/; s/^[^(].*/`&`/' | paste -sd, - | sed 's/,/, /g')
	echo
	echo "Guests: ksplice-apply and ksplice-undo options: $opts; load (\`ksplice-test-sleepers $LOAD_ARGS\`): on in $n_on of $n_boots boots$([ $unrecorded -eq 0 ] || echo " ($unrecorded rows ran in boots not recorded)")."
}

# The summary's lines on the header index audit (KSPLICE_INDEX_AUDIT) and the
# screening audit (KSPLICE_SCREEN_AUDIT): how many rows checked objects that
# were ruled out, and how many objects; a row whose audit failed stops
# ksplice-create and shows as failed.
index_audit_summary() {
	local rows_objects
	rows_objects=$(audit_sum index_audit)
	[ "${rows_objects% *}" -eq 0 ] ||
		echo "- header index audit: in ${rows_objects% *} rows, ${rows_objects#* } objects the index ruled out by names were screened anyway: none may change"
	rows_objects=$(audit_sum screen_audit)
	[ "${rows_objects% *}" -eq 0 ] ||
		echo "- screening audit: in ${rows_objects% *} rows, ${rows_objects#* } objects screening ruled out were built before and after the patch anyway: no code changed"
}

# "ROWS OBJECTS": how many rows have KEY (an audit line starting with a
# count of objects), and the sum of those counts.
audit_sum() {
	local row n_rows=0 n_objects=0 a
	for row in "$OUT"/rows/*; do
		a=$(get "$row" "$1")
		[ -n "$a" ] || continue
		n_rows=$((n_rows + 1))
		n_objects=$((n_objects + ${a%% *}))
	done
	echo "$n_rows $n_objects"
}

# The summary's lines on the load, when it ran in any of the boots: in how
# many, and the boots where the tool's exit was not 0, with its failures.
load_summary() {
	local b n_on=0 n_boots=0 n_bad=0 n_dead=0 rc lines=""
	for b in "$@"; do
		n_boots=$((n_boots + 1))
		[ "$(get "$OUT/boots/$b" load)" = on ] || continue
		n_on=$((n_on + 1))
		rc=$(get "$OUT/boots/$b" load_rc)
		[ "$rc" != 0 ] || continue
		if [ -z "$rc" ]; then
			n_dead=$((n_dead + 1))
			lines+="  - boot $b: not stopped (the guest ended first: run-guest exit $(get "$OUT/boots/$b" run_guest_rc))"$'\n'
			continue
		fi
		n_bad=$((n_bad + 1))
		lines+="  - boot $b: exit $rc ($(get "$OUT/boots/$b" load_summary))$(sed -n 's/^load_fail=/; /p' "$OUT/boots/$b" | tr -d '\n')"$'\n'
	done
	[ $n_on -gt 0 ] || return 0
	echo "- load (\`ksplice-test-sleepers $LOAD_ARGS\`, started before each boot's first update, stopped with SIGTERM after its last): ran in $n_on of $n_boots boots; tool exit not 0 in $n_bad boots$([ $n_dead -eq 0 ] || echo ", not stopped in $n_dead (the guest ended first)")"
	printf '%s' "$lines"
}

write_tables() {
	local md="$OUT/results.md" csv="$OUT/results.csv" row res detail
	# each row's result, once
	declare -gA RESULT_OF=()
	for row in $(selected_rows); do
		RESULT_OF[$row]=$(row_result "$row")
	done
	echo "file,lines_changed,functions_changed,functions_new,result,detail,create_s,apply_pause_us,target" >"$csv"
	local boots=()
	mapfile -t boots < <(row_boots)
	{
		echo "# Real fixes: $KSPLICE_KERNEL_RELEASE (source $BASE), $FROM -> $TO"
		guest_header "${boots[@]}"
		echo
		echo "| # | file | target | lines | functions changed / new | result | detail | create s | pause us |"
		echo "|---|---|---|---|---|---|---|---|---|"
	} >"$md.rows"
	for row in $(selected_rows); do
		IFS='|' read -r res detail <<<"${RESULT_OF[$row]}"
		local f lines fc fn cs pu target
		f=$(get "$row" file) lines=$(get "$row" lines) fc=$(get "$row" functions)
		target=$(row_target "$row")
		local h
		h=$(get "$row" with_headers)
		[ -z "$h" ] || f="$f + ${h% }"
		fn=$(get "$row" new) cs=$(get "$row" create_s) pu=$(get "$row" pause_us)
		cs=$(printf '%.1f' "${cs:-0}")
		printf '%s,%s,%s,%s,%s,%s,%s,%s,%s\n' "$(csv_field "$f")" "$lines" "$fc" "$fn" \
			"$(csv_field "$res")" "$(csv_field "$detail")" "$cs" "$pu" "$(csv_field "$target")" >>"$csv"
		printf '| %s | %s | %s | %s | %s / %s | %s | %s | %s | %s |\n' "$(basename "$row")" "$f" "$target" "$lines" \
			"${fc:--}" "${fn:--}" "$res" "${detail//|/\\|}" "$cs" "${pu:--}" >>"$md.rows"
	done
	local n_vm n_mod
	n_vm=$(selected_rows builtin | wc -l)
	n_mod=$(selected_rows module | wc -l)
	{
		cat "$md.rows"
		echo
		echo "## Summary"
		echo
		echo "- changed .c files between $FROM and $TO: $(ls "$OUT"/rows | wc -l)"
		grep -h '^class=' "$OUT"/rows/* | sort | uniq -c | sed 's/class=//' |
			awk '{printf "- %s: %d\n", $2, $1}'
		load_summary "${boots[@]}"
		index_audit_summary
		if [ "$n_vm" -gt 0 ]; then
			count_results builtin
			echo
			echo "### vmlinux rows (built-in files: $n_vm)"
			echo
			echo "- built-in diffs that change compiled code: $((N_OK + N_REFUSED + N_FAILED))"
			echo "  - applied and undone: $N_OK"
			echo "  - refused: $N_REFUSED"
			echo "  - failed: $N_FAILED"
			echo "    - busy (code_busy or threads_stuck at apply or undo): $N_BUSY"
			kicked_line
			echo "- built-in diffs that change no compiled code: $N_NOCHANGE"
			echo "- built-in diffs that do not compile without other files of the release: $N_SPLIT"
			[ $N_PENDING -eq 0 ] || echo "- not finished: $N_PENDING"
			fractions
			echo
			echo "Refusals by kind:"
			echo
			refusals_by_kind builtin
		fi
		if [ "$n_mod" -gt 0 ]; then
			count_results module
			echo
			echo "### module rows (module files: $n_mod)"
			echo
			echo "- module diffs that change compiled code, module loaded in the guest: $((N_OK + N_REFUSED + N_FAILED))"
			echo "  - applied and undone: $N_OK"
			echo "  - refused: $N_REFUSED"
			echo "  - failed: $N_FAILED"
			echo "    - busy (code_busy or threads_stuck at apply or undo): $N_BUSY"
			kicked_line
			echo "- module load complained (counted apart; the update was then applied and undone, or the guest died loading): $N_LOADWARN"
			echo "- module unload complained after a clean apply and undo (counted apart): $N_UNLOADWARN"
			echo "- module not loadable in the guest, pre objects matched against the .ko instead: $((N_KO + N_NOKO))"
			echo "  - matched .ko: $N_KO"
			echo "  - no match with .ko: $N_NOKO"
			echo "- module diffs that change no compiled code: $N_NOCHANGE"
			echo "- module diffs that do not compile without other files of the release: $N_SPLIT"
			[ $N_PENDING -eq 0 ] || echo "- not finished: $N_PENDING"
			fractions
			echo
			echo "Refusals by kind:"
			echo
			refusals_by_kind module
		fi
		echo
		echo "Refusal reasons:"
		echo
		refusal_reasons builtin
		refusal_reasons module
	} >"$md"
	rm -f "$md.rows"
}
