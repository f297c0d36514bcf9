# shellcheck shell=bash
# e2e.stacked: two updates to cmdline_proc_show through the real tools. The
# second (test/patches/demo-cmdline-2.patch) is made on top of the first
# (ksplice-create --after), so its pre code is the first update's new code:
# run-pre matching follows the first update's jump into its module. Refused
# (exit 13) before the first is applied; apply 1, apply 2: /proc/cmdline
# shows the second change; --audit finds both jumps (the second's in the
# first's new code); undo 1 is refused (exit 12, naming update 2); undo 2
# brings back the first change and the first's code byte for byte; undo 1
# brings back the output and the bytes from before. An update to the same
# function made from the original source (no --after) does not match while
# update 1 is applied (exit 6), and the message names update 1.
# ksplice-apply and ksplice-undo --json print exactly one JSON object on
# stdout, checked here with python3; ksplice-view --json and its list show
# descriptions and times.
. "$(dirname "$0")/lib.sh"
eval "$("$TESTBED" env)"
u1=$(create_update demo-cmdline.patch e2estk1)
u2=$(create_update demo-cmdline-2.patch e2estk2 --after "$u1")
u3=$(create_update demo-cmdline.patch e2estk3)
tar xzf "$u2" -O metadata | grep -qx "AFTER=e2estk1" || fail "the metadata does not record AFTER=e2estk1"

out=$("$TESTBED" run-guest --file "$u1" --file "$u2" --file "$u3" -- sh -c '
	H="--helper /ksplice/kmod-helper.ko"
	addr=$(grep " cmdline_proc_show$" /proc/kallsyms | cut -d" " -f1)
	echo "addr $addr"
	echo "before $(ksplice-kcore-read $addr 64)"
	echo "cmdline $(cat /proc/cmdline)"
	t0=$(date +%s)
	ksplice-apply $H --json ksplice-e2estk2.tar.gz >j 2>/dev/null; echo "early $?"
	echo "json-early $(cat j)"
	ksplice-apply $H --json ksplice-e2estk1.tar.gz >j 2>/dev/null; echo "apply1 $?"
	echo "json-apply1 $(cat j)"
	echo "one $(cat /proc/cmdline)"
	new1=$(cut -d" " -f3 /sys/kernel/ksplice/e2estk1/functions)
	echo "new1-before $(ksplice-kcore-read ${new1#0x} 64)"
	ksplice-apply ksplice-e2estk3.tar.gz; echo "pristine $?"
	ksplice-view --check ksplice-e2estk2.tar.gz; echo "check2 $?"
	ksplice-apply --json ksplice-e2estk2.tar.gz >j 2>/dev/null; echo "apply2 $?"
	echo "json-apply2 $(cat j)"
	echo "two $(cat /proc/cmdline)"
	echo "t0 $t0"
	echo "t1 $(date +%s)"
	ksplice-view
	echo "view-json $(ksplice-view --json)"
	ksplice-view --audit; echo "audit2 $?"
	ksplice-undo --json e2estk1 >j 2>/dev/null; echo "undo1-refused $?"
	echo "json-undo1 $(cat j)"
	echo "still $(cat /proc/cmdline)"
	ksplice-undo --json e2estk2 >j 2>/dev/null; echo "undo2 $?"
	echo "json-undo2 $(cat j)"
	echo "back-one $(cat /proc/cmdline)"
	echo "new1-after $(ksplice-kcore-read ${new1#0x} 64)"
	ksplice-view --audit; echo "audit1 $?"
	ksplice-undo e2estk1; echo "undo1 $?"
	echo "restored $(cat /proc/cmdline)"
	echo "after $(ksplice-kcore-read $addr 64)"
	echo "modules $(lsmod | grep -c ksplice_)"' 2>&1)
echo "$out"
cmdline=$(line cmdline)
expect_eq "update 2 before update 1" "$(line early)" 13
expect_eq "ksplice-apply 1" "$(line apply1)" 0
expect_eq "/proc/cmdline with update 1" "$(line one)" "[patched live by ksplice] $cmdline"
expect_eq "update from the original source over update 1" "$(line pristine)" 6
echo "$out" | grep -q "^ksplice-apply: no_match: fs/proc/cmdline.o:cmdline_proc_show does not match the running kernel: .*(it runs the new code of update e2estk1: was this update made on top of it, with ksplice-create --after?)$" ||
	fail "the no_match does not name update 1"
expect_eq "ksplice-view --check of update 2" "$(line check2)" 0
echo "$out" | grep -q "^fs/proc/cmdline.o:cmdline_proc_show: at 0xffffffff[0-9a-f]*, jump at +$(jump_offset) (new code of update e2estk1; the function is at 0x$(line addr))$" ||
	fail "--check does not match update 2 against update 1's new code"
expect_eq "ksplice-apply 2" "$(line apply2)" 0
expect_eq "/proc/cmdline with updates 1 and 2" "$(line two)" "[patched twice by ksplice] $cmdline [second update]"
echo "$out" | grep -q '^e2estk2: "Mark /proc/cmdline a second time, on top of the demo patch", applied at 20[0-9-]* [0-9:]* UTC, 1 function, last pause [0-9]* us$' ||
	fail "ksplice-view does not list update 2 with its description and time"
expect_eq "audit with both applied" "$(line audit2)" 0
echo "$out" | grep -q "^ok      e2estk1: cmdline_proc_show at 0x$(line addr) jumps to 0x" || fail "audit: no ok line for update 1"
echo "$out" | grep -q "^ok      e2estk2: cmdline_proc_show at 0xffffffff[0-9a-f]* jumps to 0x" || fail "audit: no ok line for update 2"
expect_eq "ksplice-undo 1 under 2" "$(line undo1-refused)" 12
expect_eq "/proc/cmdline after the refused undo" "$(line still)" "$(line two)"
expect_eq "ksplice-undo 2" "$(line undo2)" 0
expect_eq "/proc/cmdline after undo 2" "$(line back-one)" "$(line one)"
expect_eq "update 1's new code after undo 2" "$(line new1-after)" "$(line new1-before)"
expect_eq "audit with update 1 applied" "$(line audit1)" 0
expect_eq "ksplice-undo 1" "$(line undo1)" 0
expect_eq "/proc/cmdline restored" "$(line restored)" "$cmdline"
expect_eq "bytes after both undone" "$(line after)" "$(line before)"
expect_eq "update modules left" "$(line modules)" 0

# The JSON objects (one line each on stdout, nothing else there).
python3 - "$out" <<'PY' || fail "JSON output"
import json, sys
lines = {}
for l in sys.argv[1].splitlines():
    key, _, value = l.partition(" ")
    lines.setdefault(key, value)
def obj(key):
    return json.loads(lines[key])
def want(what, got, expected):
    if got != expected:
        sys.exit(f"FAIL: {what}: got {got!r}, want {expected!r}")
    print(f"ok: {what} = {expected!r}")
early = obj("json-early")
want("early: result", early["result"], "failed")
want("early: exit_status", early["exit_status"], 13)
want("early: cause", early["cause"], "needs_earlier")
want("early: id", early["id"], "e2estk2")
if "made on top of update e2estk1" not in early["message"]:
    sys.exit("FAIL: early: message " + early["message"])
for key, uid in (("json-apply1", "e2estk1"), ("json-apply2", "e2estk2")):
    a = obj(key)
    want(key + ": id", a["id"], uid)
    want(key + ": result", a["result"], "applied")
    want(key + ": exit_status", a["exit_status"], 0)
    want(key + ": functions", a["functions"], 1)
    want(key + ": cause", a["cause"], "ok")
    if not a["pause_ns"] > 0:
        sys.exit(f"FAIL: {key}: pause_ns {a['pause_ns']}")
u = obj("json-undo1")
want("undo 1: result", u["result"], "failed")
want("undo 1: exit_status", u["exit_status"], 12)
want("undo 1: cause", u["cause"], "has_dependents")
if "update e2estk2 patches this one's code" not in u["message"]:
    sys.exit("FAIL: undo 1 does not name update 2: " + u["message"])
u = obj("json-undo2")
want("undo 2: result", u["result"], "reversed")
want("undo 2: exit_status", u["exit_status"], 0)
if not u["pause_ns"] > 0:
    sys.exit("FAIL: undo 2: pause_ns 0")
view = {x["id"]: x for x in obj("view-json")["updates"]}
t0, t1 = int(lines["t0"]), int(lines["t1"])
want("view: updates", sorted(view), ["e2estk1", "e2estk2"])
want("view: description 1", view["e2estk1"]["description"], "Show that /proc/cmdline was patched live")
want("view: description 2", view["e2estk2"]["description"],
     "Mark /proc/cmdline a second time, on top of the demo patch")
for uid in view:
    if not t0 <= view[uid]["applied_at"] <= t1:
        sys.exit(f"FAIL: view: {uid} applied_at {view[uid]['applied_at']} not in [{t0}, {t1}]")
    want(f"view: {uid} functions", view[uid]["functions_count"], 1)
want("view: update 2 depends on", view["e2estk2"]["depends_on"], ["e2estk1"])
want("view: update 1 depends on", view["e2estk1"]["depends_on"], [])
PY
