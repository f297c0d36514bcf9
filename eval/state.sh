# shellcheck shell=bash
# eval/state.sh: a run's state (its rows and boot records) as one text file,
# so that an evaluation longer than one machine's life goes on elsewhere:
# realfixes --state FILE reads FILE at the start and writes it again after
# every ksplice-create and every boot. Sourced by eval/realfixes.
#
# Format: "@@row NNNN" or "@@boot NAME" lines, each followed by that file's
# key=value lines. The updates themselves are not kept (they are rebuilt):
# a row that was created but whose update is gone and that never ran in a
# guest is created again.

# Writes OUT's rows and boots into FILE (through a temporary file, so that
# the create and guest phases, which may both write it, never leave half).
state_save() {
	local file=$1 tmp
	[ -n "$file" ] || return 0
	tmp="$file.tmp.$$"
	# One awk for all files: a fork per row made each save take minutes
	# on a loaded machine with 1,500 rows. Row and boot files are never
	# empty (they start with file= or a boot's first key).
	{
		state_records row "$OUT"/rows/*
		state_records boot "$OUT"/boots/*
	} >"$tmp"
	mv "$tmp" "$file"
}

# Prints "@@KIND NAME" and the lines of each file given (missing ones are
# skipped: an unmatched glob).
state_records() {
	local kind=$1
	shift
	[ -f "${1:-}" ] || [ $# -gt 1 ] || return 0
	awk -v kind="$kind" 'FNR == 1 { n = FILENAME; sub(/.*\//, "", n); print "@@" kind " " n } { print }' "$@"
}

# Recreates, from FILE, the rows and boots OUT lacks.
state_restore() {
	local file=$1
	[ -n "$file" ] && [ -f "$file" ] || return 0
	mkdir -p "$OUT/rows" "$OUT/boots"
	awk -v out="$OUT" '
		/^@@row [0-9]+$/ { dest = out "/rows/" $2; skip = (system("test -e " dest) == 0); next }
		/^@@boot [A-Za-z0-9_.-]+$/ { dest = out "/boots/" $2; skip = (system("test -e " dest) == 0); next }
		!skip && dest != "" { print > dest }
	' "$file"
	say "state: $(grep -c '^@@row ' "$file") rows and $(grep -c '^@@boot ' "$file") boots read from $file"
}

# Whether ROW was created (exit 0), never ran in a guest, and its update is
# gone (another machine made it).
update_lost() {
	[ "$(get "$1" create_rc)" = 0 ] && ! grep -q '^guest=' "$1" &&
		[ ! -f "$OUT/updates/ksplice-rf$(basename "$1").tar.gz" ]
}

# Rows whose update is lost, and refused rows whose reasons are lost
# (refusal_lost), are made ready to be created again: their ksplice-create
# results go.
state_forget_lost_updates() {
	local row lost=0 reasons=0
	for row in "$OUT"/rows/*; do
		[ -f "$row" ] || continue
		if update_lost "$row"; then
			lost=$((lost + 1))
		elif refusal_lost "$row"; then
			reasons=$((reasons + 1))
		else
			continue
		fi
		sed -i -E '/^(lines|create_rc|create_s|create_msg|functions|new|with_headers|index_audit|refusal|refusals|targets)=/d' "$row"
	done
	[ $lost -eq 0 ] || say "state: $lost created rows lost their update (made elsewhere): created again"
	[ $reasons -eq 0 ] || say "state: $reasons refused rows lost their reasons (made elsewhere): created again"
}
