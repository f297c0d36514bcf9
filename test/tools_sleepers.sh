#!/usr/bin/env bash
# tools.sleepers: ksplice-test-sleepers parks a thread in each of its waits,
# completes them and finds every call as without patching (exit 0); the
# checks can fail: a real signal sent to the parked threads (handlers
# without SA_RESTART) is reported for every kind as EINTR (exit 1); bad
# options give exit 2.
set -euo pipefail
SRC_DIR=${KSPLICE_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
BIN=${KSPLICE_BUILD:-$SRC_DIR/build}/bin
fail() { echo "FAIL: $*" >&2; exit 1; }
kinds=10

out=$("$BIN/ksplice-test-sleepers" --rounds 2 --hold-ms 100 --copies 2) || fail "clean rounds: exit $?: $out"
echo "$out"
[ "$(echo "$out" | grep -c "^round [12]: $((2 * kinds)) waits parked and completed as without patching$")" = 2 ] ||
	fail "not every wait completed in both rounds"

rc=0
out=$("$BIN/ksplice-test-sleepers" --hold-ms 100 --signal) || rc=$?
echo "$out"
[ "$rc" = 1 ] || fail "--signal: exit $rc, want 1"
[ "$(echo "$out" | grep -c ": returned -1 (Interrupted system call): interrupted")" = $kinds ] ||
	fail "--signal: not every kind reported EINTR"

# --step: parked, then completed when told; the sleep is not cut short.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkfifo "$tmp/in"
"$BIN/ksplice-test-sleepers" --step --sleep-ms 300 --only nanosleep,pipe_read,wait4 \
	<"$tmp/in" >"$tmp/out" &
pid=$!
exec {to_step}>"$tmp/in"
for _ in $(seq 200); do
	grep -qx "parked 1" "$tmp/out" && break
	sleep 0.1
done
grep -qx "parked 1" "$tmp/out" || fail "--step: not parked: $(cat "$tmp/out")"
echo go >&"$to_step"
exec {to_step}>&-
wait "$pid" || fail "--step: exit $?: $(cat "$tmp/out")"
grep -qx "round 1: 3 waits parked and completed as without patching" "$tmp/out" ||
	fail "--step: $(cat "$tmp/out")"

json=$("$BIN/ksplice-test-sleepers" --hold-ms 50 --only futex_wait --json)
[ "$json" = '{"rounds":[{"round":1,"waits":1,"failures":[]}],"rounds_failed":0}' ] || fail "--json: $json"

for bad in "--copies 0" "--only nothing" "--rounds -1" "extra"; do
	rc=0
	# shellcheck disable=SC2086
	"$BIN/ksplice-test-sleepers" $bad >/dev/null 2>&1 || rc=$?
	[ "$rc" = 2 ] || fail "$bad: exit $rc, want 2"
done
echo PASS
