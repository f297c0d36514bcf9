# Sourced by scripts/testbed: booting the profile's kernel under qemu.
# shellcheck shell=bash
#
# The guest has three serial ports: ttyS0 is the kernel console (console.log),
# ttyS1 carries the command's output (streamed to our stdout), ttyS2 carries the
# command's exit status and then the whole dmesg. (Under UEFI, where the
# firmware writes to the first two ports, a spare port is ttyS1 and the other
# two move up: the kernel command line names them to /init.) Both the console and the dmesg
# are searched for kernel splats, so a WARNING printed below the console's
# loglevel is still caught, and so is a panic that never reaches the dmesg dump.

# What makes a guest run fail, whatever the command returned.
readonly SPLAT_PATTERN='Oops|BUG:|kernel BUG at|WARNING:|general protection fault|soft lockup|Kernel panic|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage'

readonly GUEST_INIT='#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
# Everything the kernel says from here on reaches the console.
echo 8 >/proc/sys/kernel/printk
# Where the kernel lies (KASLR), for the host to name the functions its vCPUs
# were in if the guest hangs.
echo "testbed: kernel $(grep -m1 " _text$" /proc/kallsyms)" >/dev/console
out=/dev/${ksplice_out:-ttyS1}
status=/dev/${ksplice_status:-ttyS2}
unset ksplice_out ksplice_status
stty -F $out raw -echo
stty -F $status raw -echo
export PATH=/ksplice/bin:/bin:/sbin HOME=/root
cd /files
# Shortly before the host gives up on the guest, the kernel says where every
# blocked task waits, what each CPU runs and where each user task sleeps in
# it, so that a hang is diagnosed from the log it leaves (the hung-task
# detector misses interruptible waits and comes after 120 s).
if [ -n "${ksplice_watchdog:-}" ]; then
	(sleep "$ksplice_watchdog"
	echo "testbed: command still running after $ksplice_watchdog s: blocked tasks and CPUs follow" >/dev/console
	echo w >/proc/sysrq-trigger
	echo l >/proc/sysrq-trigger
	for task in /proc/[0-9]*; do
		cmdline=$(tr "\\0" " " <$task/cmdline)
		[ -n "$cmdline" ] || continue
		echo "testbed: task ${task#/proc/}: $cmdline$(grep "^State:" $task/status)"
		cat $task/stack
	done >/dev/console 2>&1) &
	watchdog=$!
fi
unset ksplice_watchdog
sh /ksplice/cmd </dev/null >$out 2>&1
rc=$?
[ -z "${watchdog:-}" ] || kill $watchdog 2>/dev/null
{ echo "KSPLICE_EXIT $rc"; dmesg; } >/tmp/status
cat /tmp/status >$status || echo "testbed: cannot write the exit status to $status" >/dev/console
# Power off only once the UART has sent every byte to qemu (its tx count in
# /proc/tty/driver/serial): CI once lost the whole status of a guest whose
# command had passed.
want=$(wc -c </tmp/status)
port=${status#/dev/ttyS}
tries=0
while :; do
	sent=$(sed -n "s/^$port: .* tx:\([0-9]*\).*/\1/p" /proc/tty/driver/serial)
	[ "${sent:-0}" -lt "$want" ] || break
	tries=$((tries + 1))
	if [ $tries -gt 100 ]; then
		echo "testbed: $status sent ${sent:-?} of $want bytes of the exit status after 10 s" >/dev/console
		break
	fi
	sleep 0.1
done
sync
poweroff -f
'

# Single-quotes each argument for a POSIX shell.
shell_quote_args() {
	local a out=""
	for a in "$@"; do
		out+="'${a//\'/\'\\\'\'}' "
	done
	printf '%s\n' "$out"
}

# Copies an executable and the shared libraries it needs into the initramfs.
stage_executable() {
	local exe=$1 root=$2 lib
	cp "$exe" "$root/ksplice/bin/"
	while read -r lib; do
		[ -f "$lib" ] || continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done < <(ldd "$exe" 2>/dev/null | grep -o '/[^ ]*' | sort -u)
}

# Copies the shared libraries a program needs (ldd of it, run as LDD) into
# the initramfs at the paths the guest's loader looks in: a library found
# under PREFIX (an unpacked package) goes where the package would put it.
stage_libs() {
	local exe=$1 root=$2 ldd_cmd=$3 prefix=${4:-} lib dest needs
	needs=$("$ldd_cmd" "$exe" 2>/dev/null) || die "$exe: ldd failed"
	if grep -q 'not found' <<<"$needs"; then
		die "$exe: libraries not found: $(grep 'not found' <<<"$needs" | tr -s '\t\n' '  ')"
	fi
	while read -r lib; do
		[ -f "$lib" ] || continue
		dest=$lib
		[ -z "$prefix" ] || dest=${lib#"$prefix"}
		mkdir -p "$root$(dirname "$dest")"
		cp -L "$lib" "$root$dest"
	done < <(grep -o '/[^ ]*' <<<"$needs" | sort -u)
}

# run-guest --modules NAME[,NAME]...: the image's modules NAME with what they
# depend on (modprobe --show-depends on the depmod'ed copy: modules.dep and
# soft dependencies), or all of them for "all", under /lib/modules/RELEASE
# with a modules.dep of their own; kmod's modprobe and modinfo first on PATH
# and at /sbin/modprobe, where the kernel's request_module() runs it.
stage_modules() {
	local root=$1
	shift
	local rel=$PROFILE_KERNEL_RELEASE
	local src="$MODULES_ROOT/lib/modules/$rel" dst="$root/lib/modules/$rel"
	local modprobe name ko deps
	prepare_modules
	modprobe=$(sbin_tool modprobe)
	mkdir -p "$dst"
	for name in "$@"; do
		if [ "$name" = all ]; then
			cp -a "$src/kernel" "$dst/"
			continue
		fi
		deps=$("$modprobe" -d "$MODULES_ROOT" -S "$rel" --show-depends "$name" 2>&1) ||
			die "run-guest --modules: $name: ${deps:-unknown module}"
		while read -r ko; do
			mkdir -p "$dst/$(dirname "${ko#"$src/"}")"
			cp "$ko" "$dst/${ko#"$src/"}"
		done < <(echo "$deps" | awk '$1 == "insmod" { print $2 }')
	done
	cp "$src"/modules.order "$src"/modules.builtin "$src"/modules.builtin.modinfo "$dst/"
	"$(sbin_tool depmod)" -b "$root" "$rel" || die "depmod failed on the guest's modules"
	local kmod
	kmod=$(readlink -f "$modprobe")
	stage_executable "$kmod" "$root"
	ln -sf "$(basename "$kmod")" "$root/ksplice/bin/modprobe"
	ln -sf "$(basename "$kmod")" "$root/ksplice/bin/modinfo"
	ln -sf "/ksplice/bin/$(basename "$kmod")" "$root/sbin/modprobe"
}

# run-guest --nfs: NFS_PROGRAMS in /sbin with their libraries, and the files
# they read, for a v4-only server and client on the loopback interface
# (test/guest/nfs_guest.sh drives them).
stage_nfs() {
	local root=$1 prog
	setup_nfs_userland
	for prog in "${NFS_PROGRAMS[@]}"; do
		cp "$NFS_ROOT/$prog" "$root/sbin/"
		stage_libs "$NFS_ROOT/$prog" "$root" nfs_ldd "$NFS_ROOT"
	done
	ln -sf mount.nfs "$root/sbin/mount.nfs4"
	ln -sf mount.nfs "$root/sbin/umount.nfs"
	ln -sf mount.nfs "$root/sbin/umount.nfs4"
	# libtirpc reads /etc/netconfig (from libtirpc-common, here or unpacked).
	local netconfig="$NFS_ROOT/etc/netconfig"
	[ -f "$netconfig" ] || netconfig=/etc/netconfig
	[ -f "$netconfig" ] || die "no /etc/netconfig for the guest (package libtirpc-common)"
	cp "$netconfig" "$root/etc/netconfig"
	printf 'ip\t0\tIP\ntcp\t6\tTCP\nudp\t17\tUDP\n' >"$root/etc/protocols"
	printf 'sunrpc\t111/tcp\tportmapper\nsunrpc\t111/udp\tportmapper\nnfs\t2049/tcp\nnfs\t2049/udp\n' >"$root/etc/services"
	printf '127.0.0.1\tlocalhost\n' >"$root/etc/hosts"
	printf 'passwd: files\ngroup: files\nhosts: files\n' >"$root/etc/nsswitch.conf"
	: >"$root/etc/exports"
	ln -sf /proc/self/mounts "$root/etc/mtab"
	mkdir -p "$root/var/lib/nfs" "$root/run" "$root/mnt"
	# exportfs and mountd keep their tables here (the package's state).
	: >"$root/var/lib/nfs/etab"
	: >"$root/var/lib/nfs/rmtab"
}

# run-guest --ssh PORT: dropbear (this host's dropbear-bin, with its
# libraries) and ksplice-guest-ssh, which the guest's command runs to bring
# up the network (qemu user networking: 10.0.2.15/24, gateway 10.0.2.2, the
# virtio_net module) and dropbear on port 22 with AUTHORIZED_KEYS for root.
# Only SSH from this host's loopback reaches it (hostfwd on 127.0.0.1,
# restrict=on: the guest reaches nothing).
readonly GUEST_SSH_UP='#!/bin/sh
# ksplice-guest-ssh AUTHORIZED_KEYS: network and dropbear (run-guest --ssh).
[ -f "$1" ] || { echo "ksplice-guest-ssh: no authorized keys file $1" >&2; exit 2; }
modprobe virtio_pci && modprobe virtio_net || exit 1
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
ip link set lo up
ip addr add 10.0.2.15/24 dev eth0 && ip link set eth0 up && ip route add default via 10.0.2.2 || exit 1
mkdir -p /root/.ssh /etc/dropbear /dev/pts /run /var/log
grep -q " /dev/pts " /proc/mounts || mount -t devpts devpts /dev/pts
cp "$1" /root/.ssh/authorized_keys
chmod 700 /root/.ssh && chmod 600 /root/.ssh/authorized_keys
dropbear -R -s -p 22 -P /run/dropbear.pid 2>>/var/log/dropbear.log || exit 1
'

stage_ssh() {
	local root=$1 exe
	for exe in /usr/sbin/dropbear /usr/bin/dropbearkey; do
		[ -x "$exe" ] || die "run-guest --ssh: $exe missing (package dropbear-bin; scripts/testbed setup installs it)"
		stage_executable "$exe" "$root"
	done
	printf '%s' "$GUEST_SSH_UP" >"$root/ksplice/bin/ksplice-guest-ssh"
	chmod +x "$root/ksplice/bin/ksplice-guest-ssh"
	printf '/bin/sh\n' >"$root/etc/shells"
	printf '127.0.0.1\tlocalhost\n' >"$root/etc/hosts"
	mkdir -p "$root/etc/dropbear" "$root/run" "$root/var/log" "$root/usr/bin"
	chmod 700 "$root/root"
}

# run-guest --python: this host's python3 (Debian's, /usr/bin/python3) with
# its standard library, at the same paths, for programs such as Ansible's
# modules. Test suites, IDLE, tkinter and ensurepip are left out; an
# extension module whose libraries this host lacks is dropped.
stage_python() {
	local root=$1 py lib so
	py=$(readlink -f /usr/bin/python3) || die "run-guest --python: no /usr/bin/python3"
	lib=/usr/lib/$(basename "$py")
	[ -d "$lib" ] || die "run-guest --python: no $lib"
	mkdir -p "$root/usr/bin" "$root/usr/lib"
	cp "$py" "$root/usr/bin/"
	ln -sf "$(basename "$py")" "$root/usr/bin/python3"
	stage_libs "$py" "$root" ldd
	rsync -a --exclude test --exclude tests --exclude idlelib --exclude tkinter \
		--exclude turtledemo --exclude ensurepip --exclude lib2to3 --exclude 'config-*' \
		--exclude pydoc_data "$lib" "$root/usr/lib/"
	for so in "$root$lib"/lib-dynload/*.so; do
		if ldd "$so" 2>/dev/null | grep -q 'not found'; then
			rm -f "$so"
		else
			stage_libs "$so" "$root" ldd
		fi
	done
}

# kmod-helper for this profile, rebuilt only when its sources are newer. If
# it does not build for this kernel (a new kernel series, say), the compiler's
# errors and a warning go to stderr and the guest boots without it: commands
# that do not load it still run. Never a stale .ko. A failed build is kept
# (build-failed.log) and shown again, not retried, until a source changes.
helper_module() {
	local src="$REPO_DIR/kmod-helper" out="$BUILD_DIR/kmod/$PROFILE_KERNEL_RELEASE"
	local ko="$out/kmod-helper.ko" failed="$out/build-failed.log"
	[ -d "$src" ] || return 0
	if [ -f "$failed" ] && [ -z "$(find "$src" -newer "$failed" -type f -print -quit)" ]; then
		cat "$failed" >&2
		note "warning: kmod-helper does not build for $PROFILE_KERNEL_RELEASE (errors above); the guest has no /ksplice/kmod-helper.ko"
		return 0
	fi
	if [ ! -f "$ko" ] || [ -n "$(find "$src" -newer "$ko" -type f -print -quit)" ]; then
		rm -f "$ko" "$failed" "$out/kmod-helper"/*.ko
		mkdir -p "$out"
		(cmd_kmod --out "$out" "$src") >"$failed.tmp" 2>&1 || true
		cat "$failed.tmp" >&2
		if [ ! -f "$ko" ]; then
			mv "$failed.tmp" "$failed"
			note "warning: kmod-helper does not build for $PROFILE_KERNEL_RELEASE (errors above); the guest has no /ksplice/kmod-helper.ko"
			return 0
		fi
		rm -f "$failed.tmp"
	fi
	echo "$ko"
}

build_initramfs() {
	local root=$1 image=$2
	shift 2
	local files=("${GUEST_FILES[@]}") modules=("${GUEST_MODULES[@]}")
	mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,root,files,etc,ksplice/bin,lib64}
	cp /bin/busybox "$root/bin/busybox"
	local applet
	for applet in $(/bin/busybox --list); do
		[ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
	done
	printf '%s' "$GUEST_INIT" >"$root/init"
	chmod +x "$root/init"
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$root/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
	shell_quote_args "$@" >"$root/ksplice/cmd"
	local exe
	if [ -d "$BUILD_DIR/bin" ]; then
		for exe in "$BUILD_DIR"/bin/*; do
			[ -f "$exe" ] && [ -x "$exe" ] && stage_executable "$exe" "$root"
		done
	fi
	local ko
	ko=$(helper_module)
	if [ -n "$ko" ]; then
		cp "$ko" "$root/ksplice/kmod-helper.ko"
		# Also where modules_install puts it, ksplice-apply's default.
		mkdir -p "$root/lib/modules/$PROFILE_KERNEL_RELEASE/extra"
		cp "$ko" "$root/lib/modules/$PROFILE_KERNEL_RELEASE/extra/kmod-helper.ko"
	fi
	[ ${#modules[@]} -eq 0 ] || stage_modules "$root" "${modules[@]}"
	[ -z "${GUEST_NFS:-}" ] || stage_nfs "$root"
	[ -z "${GUEST_SSH:-}" ] || stage_ssh "$root"
	[ -z "${GUEST_PYTHON:-}" ] || stage_python "$root"
	local f
	for f in "${files[@]}"; do
		[ -e "$f" ] || die "--file $f: no such file"
		cp -r "$f" "$root/files/"
	done
	(cd "$root" && find . | cpio -o -H newc --quiet) >"$image"
}

# KVM only where a probe boot shows it works (on some hosts /dev/kvm exists
# but is ~100x slower than TCG). The answer is kept per host boot.
choose_accel() {
	if [ -n "${KSPLICE_ACCEL:-}" ]; then
		echo "$KSPLICE_ACCEL"
		return
	fi
	if [ ! -w /dev/kvm ]; then
		echo tcg
		return
	fi
	local boot_id probe="$CACHE/kvm-probe"
	boot_id=$(cat /proc/sys/kernel/random/boot_id)
	if [ -f "$probe" ] && [ "$(head -1 "$probe")" = "$boot_id" ]; then
		sed -n 2p "$probe"
		return
	fi
	local t0=$SECONDS accel=tcg
	if KSPLICE_ACCEL=kvm GUEST_QUIET=1 cmd_run_guest --timeout 12 -- true >/dev/null 2>&1 &&
		[ $((SECONDS - t0)) -le 8 ]; then
		accel=kvm
	fi
	mkdir -p "$CACHE"
	printf '%s\n%s\n' "$boot_id" "$accel" >"$probe"
	echo "$accel"
}

# Prints the console and dmesg lines that show a kernel problem; true if any.
find_splats() {
	local console=$1 dmesg=$2
	grep -hE "$SPLAT_PATTERN" "$console" "$dmesg" 2>/dev/null | sort -u | grep .
}

# When the guest's watchdog fires (seconds after its kernel starts): early
# enough that its dump reaches the console before the host's timeout, with
# boot time (a few seconds under TCG, more under UEFI) to spare.
watchdog_after() {
	local timeout=$1
	if [ "$timeout" -gt 160 ]; then
		echo $((timeout - 60))
	else
		echo $((timeout * 2 / 3))
	fi
}

# Stops qemu (pid) after timeout seconds, first noting in WORK/vcpus where
# each vCPU was (a guest too frozen for its own watchdog still shows whether
# its CPUs halt or spin, and at which kernel address).
guest_timer() {
	local qemu=$1 timeout=$2 work=$3 t
	for ((t = 0; t < timeout; t++)); do
		kill -0 "$qemu" 2>/dev/null || return 0
		sleep 1
	done
	kill -0 "$qemu" 2>/dev/null || return 0
	: >"$work/timed-out"
	qemu_vcpus "$work/qmp.sock" "$work/console.log" "$ROOT_DIR/boot/System.map-$PROFILE_KERNEL_RELEASE" \
		>"$work/vcpus" 2>&1 || true
	kill -TERM "$qemu" 2>/dev/null
	sleep 5
	kill -KILL "$qemu" 2>/dev/null || true
}

# Each vCPU's instruction pointer (named through System.map and the _text the
# guest printed, or as an offset from _text where System.map is Debian's stub), stack pointer and halt state, through qemu's QMP socket
# (HMP "info registers -a"). Arguments: the socket, the console log, System.map.
qemu_vcpus() {
	python3 - "$@" <<'PY'
import bisect, json, re, socket, sys
def namer():
    m = re.search(r"testbed: kernel ([0-9a-f]+) T _text", open(sys.argv[2], errors="replace").read())
    try:
        syms = sorted((int(a, 16), n) for a, t, n in (l.split()[:3] for l in open(sys.argv[3]))
                      if t in "tTwW")
    except OSError:
        syms = []
    text = [a for a, n in syms if n == "_text"]
    if not m:
        return lambda addr: ""
    if not text:
        # Debian's System.map is a stub (the real one is in the -dbg
        # package): an offset to look up there
        base = int(m.group(1), 16)
        return lambda addr: " (_text+0x%x)" % (addr - base) if addr >= base else ""
    slide = int(m.group(1), 16) - text[0]
    keys = [a for a, n in syms]
    def name(addr):
        i = bisect.bisect_right(keys, addr - slide) - 1
        return " (%s+0x%x)" % (syms[i][1], addr - slide - syms[i][0]) if i >= 0 else ""
    return name
name = namer()
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
f = s.makefile("rw")
f.readline()
def cmd(name, **args):
    f.write(json.dumps({"execute": name, "arguments": args}) + "\n")
    f.flush()
    while True:
        r = json.loads(f.readline())
        if "return" in r or "error" in r:
            return r
cmd("qmp_capabilities")
r = cmd("human-monitor-command", **{"command-line": "info registers -a"})
for line in r.get("return", str(r)).splitlines():
    rip = re.match(r"RIP=([0-9a-f]+)", line)
    if rip:
        print(line + name(int(rip.group(1), 16)))
    elif re.match(r"(CPU#|RSI=)", line):
        print(line)
PY
}

# A timed-out guest's console: from the watchdog's dump if it came (all of
# it), else the last lines.
timeout_console() {
	local console=$1
	if grep -q "^testbed: command still running" "$console"; then
		grep -B10 -A400 "^testbed: command still running" "$console"
	else
		tail -n 30 "$console"
	fi
}

cmd_run_guest() {
	local smp=2 cpu=qemu64 timeout=300 mem=1024 append="" files=()
	local firmware=bios certs=() tcg_threads=multi modules=() nfs="" disk_args=()
	local ssh="" python="" net_args=(-nic none)
	while [ $# -gt 0 ]; do
		case "$1" in
		--smp) smp=$2; shift 2 ;;
		--cpu) cpu=$2; shift 2 ;;
		--nokaslr) append+=" nokaslr"; shift ;;
		--timeout) timeout=$2; shift 2 ;;
		--mem) mem=$2; shift 2 ;;
		--append) append+=" $2"; shift 2 ;;
		--file) files+=("$2"); shift 2 ;;
		--uefi) [ "$firmware" != bios ] || firmware=uefi; shift ;;
		--secure-boot) firmware=secure-boot; shift ;;
		--tcg-single) tcg_threads=single; shift ;;
		--modules)
			[ -n "${2:-}" ] || usage_error "run-guest --modules needs NAME[,NAME]..."
			local list
			IFS=, read -r -a list <<<"$2"
			modules+=("${list[@]}")
			shift 2
			;;
		--nfs) nfs=1; modules+=(nfsd nfsv4); shift ;;
		--ssh)
			# The one network a guest gets: qemu user networking,
			# isolated (restrict=on), with the host's 127.0.0.1:PORT
			# forwarded to the guest's SSH port.
			[[ "${2:-}" =~ ^[0-9]+$ ]] || usage_error "run-guest --ssh needs a port number"
			ssh=1
			modules+=(virtio_pci virtio_net)
			# shellcheck disable=SC2054 # qemu's comma-separated options
			net_args=(-netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$2-:22"
				-device virtio-net-pci,netdev=n0)
			shift 2
			;;
		--python) python=1; shift ;;
		--disk)
			# A raw image the guest sees as /dev/nvme0n1 (NVMe is built
			# into Debian's cloud kernels; virtio-blk is a module), kept
			# across runs: the state a test boots again with.
			[ -f "${2:-}" ] || die "run-guest --disk ${2:-}: no such file"
			disk_args=(-drive "file=$2,format=raw,if=none,id=kspdisk"
				-device "nvme,serial=ksplice0,drive=kspdisk")
			shift 2
			;;
		--trust-cert)
			[ -f "${2:-}" ] || die "run-guest --trust-cert ${2:-}: no such file"
			certs+=("$2")
			firmware=secure-boot
			shift 2
			;;
		--) shift; break ;;
		*) usage_error "run-guest: unknown option '$1' (command goes after --)" ;;
		esac
	done
	[ $# -ge 1 ] || usage_error "run-guest: missing command after --"
	[[ "$smp" =~ ^[0-9]+$ && "$timeout" =~ ^[0-9]+$ && "$mem" =~ ^[0-9]+$ ]] ||
		usage_error "run-guest: --smp, --timeout and --mem take numbers"
	need_setup
	local accel
	accel=$(choose_accel)
	# Multi-threaded TCG can keep running a stale translation of code
	# that another vCPU rewrote with the kernel's int3 protocol (README,
	# run-guest --tcg-single): tests that make ftrace rewrite a
	# function every vCPU runs in a tight loop ask for one thread. 6.12
	# flips static keys at boot while the other vCPU runs their code
	# (timers_nohz_active, __sched_clock_stable): 3 of about 60 boots died
	# of "Oops: int3" in run_timer_softirq or sched_clock_cpu before their
	# first command. Its guests always run on one thread (boot times
	# measured equal).
	case $PROFILE_KERNEL_RELEASE in 6.1.*) ;; *) tcg_threads=single ;; esac
	[ "$accel" != tcg ] || [ "$tcg_threads" != single ] || accel=tcg,thread=single
	local work
	work=$(mktemp -d "${TMPDIR:-/tmp}/ksplice-guest.XXXXXX")
	# shellcheck disable=SC2064
	trap "rm -rf '$work'" RETURN
	setup_firmware "$firmware" "$work" "${certs[@]}"
	GUEST_FILES=("${files[@]}")
	GUEST_MODULES=("${modules[@]}")
	GUEST_NFS=$nfs
	GUEST_SSH=$ssh
	GUEST_PYTHON=$python
	build_initramfs "$work/root" "$work/initramfs.cpio" "$@"
	: >"$work/out"
	: >"$work/status"
	: >"$work/console.log"
	local t0=$SECONDS
	qemu-system-x86_64 -nodefaults "${net_args[@]}" \
		-accel "$accel" -cpu "$cpu" -smp "$smp" -m "$mem" \
		"${FIRMWARE_ARGS[@]}" "${disk_args[@]}" \
		-kernel "$GUEST_KERNEL" -initrd "$work/initramfs.cpio" \
		-append "console=ttyS0 quiet panic=-1 ksplice_watchdog=$(watchdog_after "$timeout")$FIRMWARE_APPEND$append" \
		-display none -no-reboot -monitor none -qmp "unix:$work/qmp.sock,server=on,wait=off" \
		-serial "file:$work/console.log" \
		"${FIRMWARE_SERIAL[@]}" -serial "file:$work/out" -serial "file:$work/status" \
		</dev/null >"$work/qemu.log" 2>&1 &
	local qemu=$!
	# (its descriptors closed: a caller reading run-guest's output to its
	# end must not wait for the timer)
	guest_timer "$qemu" "$timeout" "$work" </dev/null >/dev/null 2>&1 &
	local timer=$!
	tail -n +1 -F --pid="$qemu" "$work/out" 2>/dev/null &
	local tailer=$!
	local qemu_rc=0
	wait "$qemu" || qemu_rc=$?
	kill "$timer" 2>/dev/null || true
	wait "$timer" 2>/dev/null || true
	wait "$tailer" 2>/dev/null || true
	local elapsed=$((SECONDS - t0))
	local status_line rc
	# (not anchored: a byte the UART sent before the status must not hide it)
	status_line=$(grep -a -o -m1 'KSPLICE_EXIT [0-9]*' "$work/status" || true)
	sed '0,/KSPLICE_EXIT /d' "$work/status" >"$work/dmesg"
	local splats
	if splats=$(find_splats "$work/console.log" "$work/dmesg"); then
		echo "testbed: guest kernel reported a problem:" >&2
		echo "$splats" | sed 's/^/  /' >&2
		echo "testbed: full console log follows" >&2
		sed 's/^/  console: /' "$work/console.log" | tail -n 80 >&2
		return $EXIT_KERNEL_SPLAT
	fi
	if [ -z "$status_line" ]; then
		if [ -f "$work/timed-out" ]; then
			echo "testbed: guest did not finish within $timeout s; last console lines:" >&2
			timeout_console "$work/console.log" | sed 's/^/  console: /' >&2
			echo "testbed: its vCPUs when it was stopped (qemu's info registers):" >&2
			sed 's/^/  /' "$work/vcpus" >&2
			return $EXIT_TIMEOUT
		fi
		echo "testbed: qemu exited ($qemu_rc) before the command finished:" >&2
		tail -n 20 "$work/qemu.log" "$work/console.log" | sed 's/^/  /' >&2
		echo "testbed: the status port got $(wc -c <"$work/status") bytes; the first:" >&2
		head -c 256 "$work/status" | od -c | head -n 8 | sed 's/^/  /' >&2
		return $EXIT_QEMU
	fi
	rc=${status_line#KSPLICE_EXIT }
	[ -n "${GUEST_QUIET:-}" ] || note "guest ($PROFILE_KERNEL_RELEASE, $accel, $firmware, -cpu $cpu, -smp $smp) finished in ${elapsed} s, exit $rc"
	return "$rc"
}
