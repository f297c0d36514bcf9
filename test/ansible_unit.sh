#!/usr/bin/env bash
# The ksplice.live Ansible collection without a guest (label unit):
#   ansible_unit.sh doc       ansible-doc renders both modules (documentation parses)
#   ansible_unit.sh logic     the modules run by ansible-playbook -c local against fake
#                             tools (test/ansible/module_logic.yml)
#   ansible_unit.sh sanity    ansible-test sanity on the collection, offline tests only
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
		grep -q "^EXAMPLES:" <<<"$out" && grep -q "^RETURN VALUES:" <<<"$out" ||
			{ echo "$out"; echo "FAIL: ksplice.live.$m lacks EXAMPLES or RETURN"; exit 1; }
		echo "ok: ansible-doc ksplice.live.$m"
	done
	out=$(ansible-doc -l ksplice.live 2>&1)
	[ "$(grep -c '^ksplice.live.update' <<<"$out")" = 2 ] || { echo "$out"; echo "FAIL: ansible-doc -l"; exit 1; }
	echo "ok: ansible-doc -l ksplice.live lists both modules"
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

sanity() {
	command -v ansible-test >/dev/null || { echo "ansible-test is not installed: skipped"; exit 77; }
	# ansible-test wants the collection at ansible_collections/NS/NAME and,
	# outside a git tree, runs on whatever is there: a copy, without network.
	local dst="$TMP/ac/ansible_collections/ksplice/live"
	mkdir -p "$dst"
	cp -r "$COLL/ansible_collections/ksplice/live/." "$dst/"
	local tests=(--test validate-modules --test compile --test yamllint --test pep8 --test pylint
		--test shebang --test import --test line-endings --test no-smart-quotes
		--test empty-init --test future-import-boilerplate --test metaclass-boilerplate)
	(cd "$dst" && ansible-test sanity --python "$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')" "$@")
}

case ${1:-all} in
doc) doc ;;
logic) logic ;;
sanity) shift; sanity "$@" ;;
all) doc; logic ;;
*) echo "usage: $0 doc|logic|sanity" >&2; exit 2 ;;
esac
