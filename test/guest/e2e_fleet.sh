# shellcheck shell=bash
# e2e.fleet: the ksplice.live Ansible collection on a fleet of three guests
# booted at once, each reachable only by SSH (dropbear) through a port qemu
# forwards on 127.0.0.1 (run-guest --ssh: user networking, restrict=on; the
# guests reach nothing, not even this host), each
# with python3 (run-guest --python) for Ansible's modules:
#   h1  the default profile (6.1.0-56)
#   h2  6.1.0-53: the update, made for 6.1.0-56, is refused (wrong_kernel)
#   h3  the default profile
# playbooks/rollout.yml with serial batches of one host: h1 applies and
# keeps the update, h2 refuses and stops the play with the tool's cause, h3
# is left untouched; the fleet's inventory file (on the controller) names
# which host has which update. Then: check mode on h3 asks ksplice-view
# --check and writes nothing, on h2 fails with wrong_kernel; undo with
# --forget through the module on h1 (changed once, then not); the facts
# (update_info) say no host holds the update.
. "$(dirname "$0")/lib.sh"
eval "$("$TESTBED" env)"
command -v ansible-playbook >/dev/null || fail "ansible-core is not installed (scripts/testbed setup)"
OTHER=6.1.0-53-cloud-amd64
[ "$KSPLICE_KERNEL_RELEASE" != "$OTHER" ] || fail "run e2e.fleet with the default profile"
KSPLICE_KERNEL=$OTHER "$TESTBED" env | grep -q '^KSPLICE_READY=yes' ||
	fail "profile $OTHER is not set up: scripts/testbed --kernel $OTHER setup"
u=$(create_update demo-cmdline.patch fleet01)
id=fleet01

ssh-keygen -q -t ed25519 -N '' -C "ksplice e2e.fleet" -f "$TEST_TMP/id" || fail "ssh-keygen failed"
cp "$TEST_TMP/id.pub" "$TEST_TMP/authorized_keys"
read -r -a ports < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(3)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')
hosts=(h1 h2 h3)
kernels=("" "$OTHER" "")
pids=()
# Each guest brings up its network and dropbear, then waits until the test
# touches /tmp/stop over SSH (or 40 minutes pass). /var/lib is there as on
# any installed host (ksplice-apply --persist creates /var/lib/ksplice).
guest_cmd='mkdir -p /var/lib
ksplice-guest-ssh /files/authorized_keys || exit 1
echo "ssh-up"
i=0
while [ ! -e /tmp/stop ] && [ $i -lt 2400 ]; do sleep 1; i=$((i + 1)); done
[ -e /tmp/stop ] || { echo "never told to stop"; exit 1; }
echo "stopping"'
for i in 0 1 2; do
	# Its own process group (setsid), so that a failed test can end it
	# and its qemu, and nothing else.
	KSPLICE_KERNEL=${kernels[$i]:-$KSPLICE_KERNEL} setsid "$TESTBED" run-guest --ssh "${ports[$i]}" --python \
		--timeout 2700 --file "$TEST_TMP/authorized_keys" --file "$u" -- sh -c "$guest_cmd" \
		>"$TEST_TMP/${hosts[$i]}.log" 2>&1 &
	pids+=($!)
done
SSH_OPTS=(-i "$TEST_TMP/id" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o BatchMode=yes -o ConnectTimeout=30 -o LogLevel=ERROR)
on() { # on HOST_INDEX CMD: run CMD in a guest over SSH
	local i=$1
	shift
	ssh "${SSH_OPTS[@]}" -p "${ports[$i]}" root@127.0.0.1 "$@"
}
stop_guests() {
	local i
	for i in 0 1 2; do on "$i" 'touch /tmp/stop' >/dev/null 2>&1 || true; done
}
cleanup() {
	stop_guests
	local p
	for p in "${pids[@]}"; do
		# Give each guest a minute to power off, then end it.
		timeout 60 tail --pid="$p" -f /dev/null 2>/dev/null || kill -- -"$p" 2>/dev/null || true
	done
	rm -rf "$TEST_TMP"
}
trap cleanup EXIT

t0=$SECONDS
for i in 0 1 2; do
	until grep -q '^ssh-up' "$TEST_TMP/${hosts[$i]}.log" 2>/dev/null; do
		kill -0 "${pids[$i]}" 2>/dev/null || { cat "$TEST_TMP/${hosts[$i]}.log"; fail "${hosts[$i]} ended before SSH was up"; }
		[ $((SECONDS - t0)) -lt 900 ] || { cat "$TEST_TMP/${hosts[$i]}.log"; fail "${hosts[$i]}: SSH not up in 900 s"; }
		sleep 2
	done
	expect_eq "${hosts[$i]} answers over SSH on 127.0.0.1:${ports[$i]}" "$(on "$i" 'echo $(uname -r) && /usr/bin/python3 -c "print(42)"' | tr '\n' ' ')" \
		"$( [ "$i" = 1 ] && echo "$OTHER" || echo "$KSPLICE_KERNEL_RELEASE") 42 "
done
echo "three guests up in $((SECONDS - t0)) s"
# The guest's one network device is isolated (restrict=on): SSH comes in
# through the forwarded port, nothing goes out, not even to this host
# (10.0.2.2) where h2's port listens.
expect_eq "h1's network interfaces" "$(on 0 'ls /sys/class/net' | tr '\n' ' ')" "eth0 lo "
# An SSH server's first bytes are its banner, "SSH-2.0": the guest's own
# dropbear shows the probe works; h2's, through this host, must not answer.
banner() { # banner HOST_INDEX ADDRESS PORT: the first 7 bytes the address sends
	on "$1" "timeout 5 nc $2 $3 </dev/null 2>/dev/null | head -c 7"
}
expect_eq "h1 reaching its own dropbear" "$(banner 0 127.0.0.1 22)" SSH-2.0
expect_eq "h1 reaching this host's 127.0.0.1:${ports[1]} (h2's SSH)" "$(banner 0 10.0.2.2 "${ports[1]}")" ""
cmdline_before=$(on 0 'cat /proc/cmdline')

# The controller: ansible-core with this repository's collection.
export ANSIBLE_CONFIG=$TEST_TMP/ansible.cfg
cat >"$ANSIBLE_CONFIG" <<CFG
[defaults]
collections_path = $SRC_DIR/scripts/ansible
host_key_checking = False
timeout = 120
forks = 3
nocolor = True
retry_files_enabled = False
local_tmp = $TEST_TMP/ansible-local
remote_tmp = /tmp/.ansible
interpreter_python = /usr/bin/python3
[ssh_connection]
pipelining = True
transfer_method = piped
control_path_dir = $TEST_TMP/cp
ssh_args = -o UserKnownHostsFile=/dev/null -o ControlMaster=auto -o ControlPersist=300s -o IdentitiesOnly=yes -o LogLevel=ERROR
CFG
{
	echo "[fleet]"
	for i in 0 1 2; do
		echo "${hosts[$i]} ansible_host=127.0.0.1 ansible_port=${ports[$i]} ansible_user=root ansible_ssh_private_key_file=$TEST_TMP/id"
	done
	echo "[fleet:vars]"
	echo "ksplice_bin_dir=/ksplice/bin"
	echo "ksplice_update_path=/files/ksplice-$id.tar.gz"
} >"$TEST_TMP/hosts"
fleet=$TEST_TMP/fleet.json

rc=0
ansible-playbook -i "$TEST_TMP/hosts" ksplice.live.rollout -e ksplice_serial=1 \
	-e "ksplice_fleet_inventory=$fleet" >"$TEST_TMP/play.log" 2>&1 || rc=$?
cat "$TEST_TMP/play.log"
expect_eq "the rollout's exit status (a host failed)" "$rc" 2
grep -q "^fatal: \[h2\]: FAILED!.*wrong_kernel" "$TEST_TMP/play.log" || fail "h2 did not fail with wrong_kernel"
grep -q "TASK \[ksplice.live.rollout : Apply (and keep for boot)\]" "$TEST_TMP/play.log" || fail "no apply task ran"
grep -qE '^(changed|ok|fatal): \[h3\]' <(sed -n '/^PLAY \[Roll the update out/,$p' "$TEST_TMP/play.log") &&
	fail "h3 was touched by the rollout"
python3 - "$fleet" "$id" "$KSPLICE_KERNEL_RELEASE" "$OTHER" <<'PY' || fail "the fleet's inventory is not what the hosts hold"
import json, sys
path, uid, rel, other = sys.argv[1:]
f = json.load(open(path))
hosts = f["hosts"]
def want(what, got, exp):
    if got != exp:
        sys.exit("%s: got %r, want %r" % (what, got, exp))
    print("ok: fleet file: %s = %r" % (what, exp))
want("hosts", sorted(hosts), ["h1", "h2", "h3"])
want("h1 rollout", hosts["h1"]["rollout"]["result"], "applied")
want("h1 applied", hosts["h1"]["applied"], [uid])
want("h1 kept", hosts["h1"]["kept"], [uid])
want("h1 persisted (inventory)", hosts["h1"]["inventory"]["updates"][0]["persisted"], True)
want("h1 kernel", hosts["h1"]["kernel"], rel)
want("h2 rollout", hosts["h2"]["rollout"]["result"], "failed")
want("h2 cause", hosts["h2"]["rollout"]["cause"], "wrong_kernel")
want("h2 exit status", int(hosts["h2"]["rollout"]["exit_status"]), 5)
want("h2 applied", hosts["h2"]["applied"], [])
want("h2 kernel", hosts["h2"]["kernel"], other)
want("h3 rollout", hosts["h3"]["rollout"]["result"], "untouched")
want("h3 applied", hosts["h3"]["applied"], [])
want("h3 kernel", hosts["h3"]["kernel"], rel)
PY
# What the hosts themselves say.
[ "$(on 0 'cat /proc/cmdline')" != "$cmdline_before" ] || fail "h1's /proc/cmdline is not patched"
echo "ok: h1's /proc/cmdline is patched"
on 0 "ls /var/lib/ksplice/$KSPLICE_KERNEL_RELEASE/" | grep -q "^0001-$id.tar.gz$" || fail "h1 does not keep $id"
echo "ok: h1 keeps $id for the next boots"
expect_eq "h3 holds no update" "$(on 2 '/ksplice/bin/ksplice-view --json' | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["updates"]))')" 0
on 2 "ls /var/lib/ksplice/$KSPLICE_KERNEL_RELEASE/ 2>/dev/null" | grep -q "$id" && fail "h3 keeps $id"

A=(ansible -i "$TEST_TMP/hosts" -o)
# Check mode: h3 would apply (ksplice-view --check), nothing written; h2 refuses.
out=$("${A[@]}" h3 --check -m ksplice.live.update -a "src=/files/ksplice-$id.tar.gz persist=true bin_dir=/ksplice/bin" 2>&1) ||
	{ echo "$out"; fail "check mode on h3 failed"; }
echo "$out"
echo "$out" | grep -q '^h3 | CHANGED' || fail "check mode on h3 does not say it would change"
expect_eq "h3 after check mode" "$(on 2 '/ksplice/bin/ksplice-view --json' | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["updates"]))')" 0
out=$("${A[@]}" h2 --check -m ksplice.live.update -a "src=/files/ksplice-$id.tar.gz bin_dir=/ksplice/bin" 2>&1) &&
	{ echo "$out"; fail "check mode on h2 succeeded"; }
echo "$out"
echo "$out" | grep -q '^h2 | FAILED!.*"cause": "wrong_kernel"' || fail "check mode on h2 lacks the cause wrong_kernel"

# Undo through the module, with --forget: changed once, then not.
out=$("${A[@]}" h1 -m ksplice.live.update -a "id=$id state=absent forget=true bin_dir=/ksplice/bin" 2>&1) ||
	{ echo "$out"; fail "undo on h1 failed"; }
echo "$out"
echo "$out" | grep -q '^h1 | CHANGED.*"action": "reversed"' || fail "undo on h1 did not report reversed"
out=$("${A[@]}" h1 -m ksplice.live.update -a "id=$id state=absent forget=true bin_dir=/ksplice/bin" 2>&1) ||
	{ echo "$out"; fail "second undo on h1 failed"; }
echo "$out" | grep -q '^h1 | SUCCESS' || { echo "$out"; fail "a second undo on h1 changed something"; }
echo "ok: a second undo changes nothing"
expect_eq "h1's /proc/cmdline after the undo" "$(on 0 'cat /proc/cmdline')" "$cmdline_before"
on 0 "ls /var/lib/ksplice/$KSPLICE_KERNEL_RELEASE/" | grep -q "$id" && fail "h1 still keeps $id after --forget"

# The facts, from every host.
out=$("${A[@]}" fleet -m ksplice.live.update_info -a "bin_dir=/ksplice/bin" 2>&1) || { echo "$out"; fail "update_info failed"; }
for h in h1 h2 h3; do
	echo "$out" | grep -q "^$h | SUCCESS.*\"applied\": \[\]" || { echo "$out"; fail "$h: update_info"; }
done
echo "ok: update_info on the fleet: no host holds $id"

stop_guests
for i in 0 1 2; do
	grc=0
	wait "${pids[$i]}" || grc=$?
	cat "$TEST_TMP/${hosts[$i]}.log"
	expect_eq "${hosts[$i]}'s guest run" "$grc" 0
done
pids=()
