#!/usr/bin/env bash
# The ksplice.live Ansible collection without a guest (label unit):
#   ansible_unit.sh doc       ansible-doc renders both modules (documentation parses);
#                             ansible-galaxy collection build works
#   ansible_unit.sh logic     the modules run by ansible-playbook -c local against fake
#                             tools (test/ansible/module_logic.yml)
#   ansible_unit.sh rollout   playbooks/rollout.yml over three local hosts with fake tools,
#                             the second refusing
#   ansible_unit.sh sanity    ansible-test sanity on the collection, the tests that run
#                             offline (or those named: --test NAME...)
# Exits 77 (skipped) when ansible-core is not installed.
set -euo pipefail
SRC_DIR=${KSPLICE_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
COLL="$SRC_DIR/scripts/ansible"
command -v ansible-playbook >/dev/null || { echo "ansible-core is not installed: skipped"; exit 77; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ksplice-ansible.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
export ANSIBLE_COLLECTIONS_PATH=$COLL ANSIBLE_LOCAL_TEMP=$TMP/local ANSIBLE_REMOTE_TEMP=$TMP/remote
export ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3
export ANSIBLE_LOCALHOST_WARNING=0 ANSIBLE_INVENTORY_UNPARSED_WARNING=0 HOME=$TMP

doc() {
	local m out
	for m in update update_info; do
		out=$(ansible-doc "ksplice.live.$m" 2>&1) || { echo "$out"; echo "FAIL: ansible-doc ksplice.live.$m"; exit 1; }
		grep -q "^> KSPLICE.LIVE.${m^^}" <<<"$out" || { echo "$out"; echo "FAIL: no header"; exit 1; }
		if ! grep -q "^EXAMPLES:" <<<"$out" || ! grep -q "^RETURN VALUES:" <<<"$out"; then
			echo "$out"
			echo "FAIL: ksplice.live.$m lacks EXAMPLES or RETURN"
			exit 1
		fi
		echo "ok: ansible-doc ksplice.live.$m"
	done
	out=$(ansible-doc -l ksplice.live 2>&1)
	[ "$(grep -c '^ksplice.live.update' <<<"$out")" = 2 ] || { echo "$out"; echo "FAIL: ansible-doc -l"; exit 1; }
	echo "ok: ansible-doc -l ksplice.live lists both modules"
	(cd "$COLL/ansible_collections/ksplice/live" && ansible-galaxy collection build --output-path "$TMP/galaxy") >/dev/null ||
		{ echo "FAIL: ansible-galaxy collection build"; exit 1; }
	grep -qx plugins/modules/update.py <<<"$(tar tzf "$TMP"/galaxy/ksplice-live-*.tar.gz)" ||
		{ echo "FAIL: the built collection lacks its modules"; exit 1; }
	echo "ok: ansible-galaxy collection build"
}

logic() {
	cp -r "$SRC_DIR/test/ansible/fake-bin" "$TMP/bin"
	mkdir -p "$TMP/bin/state" "$TMP/upd"
	: >"$TMP/bin/state/applied"
	: >"$TMP/bin/state/kept"
	: >"$TMP/bin/state/calls.log"
	printf 'ID=fake01\nAPI_VERSION=4\n' >"$TMP/upd/metadata"
	tar czf "$TMP/ksplice-fake01.tar.gz" -C "$TMP/upd" metadata
	ansible-playbook -i localhost, -c local "$SRC_DIR/test/ansible/module_logic.yml" \
		-e "fake_bin=$TMP/bin fake_update=$TMP/ksplice-fake01.tar.gz"
	echo "ok: the modules' logic against fake tools"
}

# fake_host DIR [refuse]: fake tools with their own state in DIR/bin.
fake_host() {
	cp -r "$SRC_DIR/test/ansible/fake-bin" "$1/bin"
	mkdir -p "$1/bin/state"
	: >"$1/bin/state/applied"
	: >"$1/bin/state/kept"
	: >"$1/bin/state/calls.log"
	[ -z "${2:-}" ] || touch "$1/bin/state/refuse"
}

fake_update() {
	mkdir -p "$TMP/upd"
	printf 'ID=fake01\nAPI_VERSION=4\n' >"$TMP/upd/metadata"
	tar czf "$TMP/ksplice-fake01.tar.gz" -C "$TMP/upd" metadata
}

# The rollout playbook over three local "hosts" with fake tools, the second
# refusing (wrong_kernel): h1 applied and kept, the play stops at h2, h3 untouched,
# the fleet file says so.
rollout() {
	fake_update
	local h
	for h in h1 h2 h3; do mkdir -p "$TMP/$h"; done
	fake_host "$TMP/h1"
	fake_host "$TMP/h2" refuse
	fake_host "$TMP/h3"
	{
		echo "[fleet]"
		for h in h1 h2 h3; do
			echo "$h ansible_connection=local ksplice_bin_dir=$TMP/$h/bin ksplice_update_path=$TMP/$h/fake01.tar.gz"
		done
	} >"$TMP/hosts"
	local rc=0
	# The file is copied from the controller (ksplice_update_src) to each host.
	ansible-playbook -i "$TMP/hosts" ksplice.live.rollout -e "ksplice_update_src=$TMP/ksplice-fake01.tar.gz" \
		-e "ksplice_fleet_inventory=$TMP/fleet.json" >"$TMP/play.log" 2>&1 || rc=$?
	cat "$TMP/play.log"
	[ "$rc" = 2 ] || { echo "FAIL: ansible-playbook exited $rc, want 2 (a host failed)"; exit 1; }
	grep -q "ksplice-apply" "$TMP/h3/bin/state/calls.log" && { echo "FAIL: h3 was touched"; exit 1; }
	[ "$(cat "$TMP/h1/bin/state/kept")" = fake01 ] || { echo "FAIL: h1 did not keep fake01"; exit 1; }
	if [ ! -f "$TMP/h1/fake01.tar.gz" ] || [ ! -f "$TMP/h2/fake01.tar.gz" ] || [ -e "$TMP/h3/fake01.tar.gz" ]; then
		echo "FAIL: the update file was not copied to h1 and h2 alone"
		exit 1
	fi
	python3 - "$TMP/fleet.json" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))["hosts"]
def want(what, got, exp):
    if got != exp:
        sys.exit("FAIL: %s: got %r, want %r" % (what, got, exp))
want("hosts", sorted(f), ["h1", "h2", "h3"])
want("h1 rollout", f["h1"]["rollout"]["result"], "applied")
want("h1 applied", f["h1"]["applied"], ["fake01"])
want("h1 kept", f["h1"]["kept"], ["fake01"])
want("h2 rollout", f["h2"]["rollout"]["result"], "failed")
want("h2 cause", f["h2"]["rollout"]["cause"], "wrong_kernel")
want("h2 applied", f["h2"]["applied"], [])
want("h3 rollout", f["h3"]["rollout"]["result"], "untouched")
want("h3 applied", f["h3"]["applied"], [])
want("h3 kernel (facts of the first play)", f["h3"]["kernel"], "6.1.0-56-cloud-amd64")
print("ok: the fleet file names who has what")
PY
	echo "ok: the rollout stops at the refusing host"
}

sanity() {
	command -v ansible-test >/dev/null || { echo "ansible-test is not installed: skipped"; exit 77; }
	# ansible-test wants the collection at ansible_collections/NS/NAME and,
	# outside a git tree, runs on whatever is there: a copy, without network.
	local dst="$TMP/ac/ansible_collections/ksplice/live"
	mkdir -p "$dst"
	cp -r "$COLL/ansible_collections/ksplice/live/." "$dst/"
	# The tests that need no Python packages beyond ansible-core's: the
	# others (ansible-doc, validate-modules, pep8, pylint, yamllint, import,
	# runtime-metadata) install their requirements with pip into a virtual
	# environment, which needs PyPI: not run here (ansible.doc runs
	# ansible-doc itself).
	local tests=(action-plugin-docs changelog compile empty-init future-import-boilerplate ignores
		line-endings metaclass-boilerplate no-assert no-basestring no-dict-iteritems
		no-get-exception no-illegal-filenames no-main-display no-smart-quotes
		no-unicode-literals replace-urlopen shebang symlinks use-argspec-type-path use-compat-six)
	[ $# -gt 0 ] || set -- "${tests[@]/#/--test=}"
	(cd "$dst" && ansible-test sanity --local --python-interpreter /usr/bin/python3 "$@")
}

case ${1:-all} in
doc) doc ;;
logic) logic ;;
rollout) rollout ;;
sanity) shift; sanity "$@" ;;
all) doc; logic; rollout ;;
*) echo "usage: $0 doc|logic|sanity" >&2; exit 2 ;;
esac
