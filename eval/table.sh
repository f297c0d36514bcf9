# Sourced by eval/realfixes: turns the row state files into results.md and
# results.csv, one row per built-in file's diff, and a summary.
# shellcheck shell=bash

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
		if grep -q '^ksplice-create: kbuild failed' "$WORK/rf$(basename "$row").create" 2>/dev/null; then
			echo "not self-contained|$(grep -m1 '^ksplice-create: kbuild failed' "$WORK/rf$(basename "$row").create" | sed 's/^ksplice-create: //; s/; full log: .*//')"
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
	rc=$(get "$row" apply_rc)
	# new code calling a function the release adds in another file
	if [ "$rc" = 6 ] && get "$row" apply_msg | grep -q 'not found in the running kernel, the first [^ :]*$'; then
		echo "not self-contained|needs $(get "$row" apply_msg | sed 's/.* the first //'), which the release adds elsewhere"
		return
	fi
	if [ "$rc" != 0 ] && get "$row" apply_msg | grep -q 'cannot be patched\|no room for the 5-byte jump'; then
		echo "refused|at apply: $(get "$row" apply_msg | sed 's/^ksplice-apply: //')"
		return
	fi
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
	echo "applied and undone|"
}

# Why ksplice-create refused a row: its first "refused:" line (the matcher's
# reasons) or its one-line error, and how many more reasons there were.
refusal() {
	local log="$WORK/rf$(basename "$1").create" first more
	first=$(sed -n 's/^refused: //p' "$log" | head -n 1)
	if [ -z "$first" ]; then
		grep -m1 '^ksplice-create: ' "$log" | sed 's/^ksplice-create: //'
		return
	fi
	more=$(($(grep -c '^refused: ' "$log") - 1))
	echo "$first$([ $more -eq 0 ] || echo " (and $more more)")"
}

csv_field() {
	local s=${1//\"/\"\"}
	printf '"%s"' "$s"
}

# The kind of a refusal, from its detail: what the change is that a
# function-by-function update cannot carry, or a limit of the tools.
refusal_kind() {
	case "$1" in
	*"changes the definition of"*) echo "data layout (struct or union definition changed)" ;;
	*"__init/__exit"*) echo "__init/__exit code or data changed" ;;
	*"initializer"* | *"size of"*) echo "initializer or size of existing data changed" ;;
	*"kernel table"*) echo "boot-time kernel table entry added or removed" ;;
	*"read-only data"*) echo "read-only data changed that other data points to" ;;
	*"CRC"*) echo "exported interface (modversions CRC) changed" ;;
	*"max-objects"*) echo "tool limit: header change alters too many objects" ;;
	*"at apply:"*) echo "tool limit: function cannot take the jump" ;;
	*) echo "other" ;;
	esac
}

write_tables() {
	local md="$OUT/results.md" csv="$OUT/results.csv" row res detail
	local n_ok=0 n_refused=0 n_failed=0 n_nochange=0 n_pending=0 n_split=0 n_tool=0
	echo "file,lines_changed,functions_changed,functions_new,result,detail,create_s,apply_pause_us" >"$csv"
	{
		echo "# Real fixes: $KSPLICE_KERNEL_RELEASE (source $BASE), $FROM -> $TO"
		echo
		echo "| # | file | lines | functions changed / new | result | detail | create s | pause us |"
		echo "|---|---|---|---|---|---|---|---|"
	} >"$md.rows"
	for row in $(selected_rows); do
		IFS='|' read -r res detail <<<"$(row_result "$row")"
		case "$res" in
		"applied and undone") n_ok=$((n_ok + 1)) ;;
		refused)
			n_refused=$((n_refused + 1))
			case "$(refusal_kind "$detail")" in "tool limit"* | other) n_tool=$((n_tool + 1)) ;; esac
			;;
		failed) n_failed=$((n_failed + 1)) ;;
		"no code change") n_nochange=$((n_nochange + 1)) ;;
		"not self-contained") n_split=$((n_split + 1)) ;;
		*) n_pending=$((n_pending + 1)) ;;
		esac
		local f lines fc fn cs pu
		f=$(get "$row" file) lines=$(get "$row" lines) fc=$(get "$row" functions)
		local h
		h=$(get "$row" with_headers)
		[ -z "$h" ] || f="$f + ${h% }"
		fn=$(get "$row" new) cs=$(get "$row" create_s) pu=$(get "$row" pause_us)
		cs=$(printf '%.1f' "${cs:-0}")
		printf '%s,%s,%s,%s,%s,%s,%s,%s\n' "$(csv_field "$f")" "$lines" "$fc" "$fn" \
			"$(csv_field "$res")" "$(csv_field "$detail")" "$cs" "$pu" >>"$csv"
		printf '| %s | %s | %s | %s / %s | %s | %s | %s | %s |\n' "$(basename "$row")" "$f" "$lines" \
			"${fc:--}" "${fn:--}" "$res" "${detail//|/\\|}" "$cs" "${pu:--}" >>"$md.rows"
	done
	local code=$((n_ok + n_refused + n_failed))
	{
		cat "$md.rows"
		echo
		echo "## Summary"
		echo
		echo "- changed .c files between $FROM and $TO: $(ls "$OUT"/rows | wc -l)"
		grep -h '^class=' "$OUT"/rows/* | sort | uniq -c | sed 's/class=//' |
			awk '{printf "- %s: %d\n", $2, $1}'
		echo "- built-in diffs that change compiled code: $code"
		echo "  - applied and undone: $n_ok"
		echo "  - refused: $n_refused"
		echo "  - failed: $n_failed"
		echo "- built-in diffs that change no compiled code: $n_nochange"
		echo "- built-in diffs that do not compile without other files of the release: $n_split"
		[ $n_pending -eq 0 ] || echo "- not finished: $n_pending"
		[ $code -eq 0 ] || echo "- applied and undone / code-changing: $(awk -v a=$n_ok -v b=$code 'BEGIN { printf "%.1f", 100 * a / b }')%"
		[ $((n_ok + n_failed)) -eq 0 ] ||
			echo "- applied and undone / not refused: $(awk -v a=$n_ok -v b=$((n_ok + n_failed)) 'BEGIN { printf "%.1f", 100 * a / b }')%"
		# Code-only: what a function-by-function update can carry, i.e. all
		# but the refusals of new data layouts, boot-time code or tables and
		# interface changes; the tools' own limits count as not applied.
		[ $((n_ok + n_failed + n_tool)) -eq 0 ] ||
			echo "- applied and undone / code-only fixes ($((n_ok + n_failed + n_tool)): refusals for the tools' own limits count against): $(awk -v a=$n_ok -v b=$((n_ok + n_failed + n_tool)) 'BEGIN { printf "%.1f", 100 * a / b }')%"
		echo
		echo "Refusals by kind:"
		echo
		for row in $(selected_rows); do
			IFS='|' read -r res detail <<<"$(row_result "$row")"
			[ "$res" = refused ] && refusal_kind "$detail"
		done | sort | uniq -c | sort -rn | awk '{ n = $1; $1 = ""; printf "- %s:%s\n", n, $0 }'
		echo
		echo "Refusal reasons:"
		echo
		for row in $(selected_rows); do
			IFS='|' read -r res detail <<<"$(row_result "$row")"
			[ "$res" = refused ] && echo "- $(get "$row" file): $detail"
		done
		true
	} >"$md"
	rm -f "$md.rows"
}
