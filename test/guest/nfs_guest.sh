# Sourced inside a guest booted with `scripts/testbed run-guest --nfs`: an
# NFSv4.1 server (the image's nfsd.ko, rpc.nfsd, rpc.mountd, exportfs) and
# the kernel's NFS client (nfsv4.ko, mount.nfs4) on the loopback interface.
#
#   nfs_server_start      lo up, nfsd loaded and its filesystem mounted, a
#                         tmpfs exported as the v4 root, mountd and nfsd
#                         (v4.1 only) started, the grace period ended, and
#                         127.0.0.1:/ mounted with vers=4.1 on $NFS_MNT
#   nfs_workload TAG      writes a file through the mount, reads it back
#                         (page cache dropped, so from the server), checks
#                         the server's copy, lists, renames and removes
#   nfs_workload_loop_start
#                         nfs_workload over and over in the background (tags
#                         loop1, loop2, ...), e.g. while nfsd is live-patched
#   nfs_workload_loop_stop [MIN_ROUNDS]
#                         waits for MIN_ROUNDS (default 1) rounds, stops the
#                         loop and fails if any round failed
#   nfs_server_stop       unmounts, stops nfsd and mountd, unexports and
#                         unmounts the nfsd filesystem: `rmmod nfsd` works
#
# Every function fails loudly: it prints "FAIL: nfs: ..." with the end of the
# kernel log and exits the guest script with status 1.
# shellcheck shell=sh

NFS_EXPORT=${NFS_EXPORT:-/srv/nfs}
NFS_MNT=${NFS_MNT:-/mnt/nfs}
NFS_THREADS=${NFS_THREADS:-4}
# Extra mount options after vers=4.1, e.g. "soft,timeo=50".
NFS_MOUNT_OPTS=${NFS_MOUNT_OPTS:-}
NFSD_FS=/proc/fs/nfsd

nfs_fail() {
	echo "FAIL: nfs: $*"
	dmesg | tail -n 15 | sed 's/^/  dmesg: /'
	exit 1
}

# nfs_run WHAT CMD [ARG]...: runs CMD, failing with its output if it fails.
nfs_run() {
	_nfs_what=$1
	shift
	_nfs_out=$("$@" 2>&1) || nfs_fail "$_nfs_what: '$*' failed: $_nfs_out"
}

nfs_mounted() {
	awk -v m="$1" '$2 == m { found = 1 } END { exit !found }' /proc/mounts
}

nfs_module_loaded() {
	grep -q "^$1 " /proc/modules
}

# The mountd daemon's pid (it forks into the background), empty if none.
nfs_mountd_pid() {
	pidof rpc.mountd 2>/dev/null || true
}

nfs_server_start() {
	nfs_run "loopback up" ip link set lo up
	nfs_module_loaded nfsd || nfs_run "loading nfsd" modprobe nfsd
	nfs_module_loaded nfsv4 || nfs_run "loading nfsv4" modprobe nfsv4
	nfs_mounted $NFSD_FS || nfs_run "mounting the nfsd filesystem" mount -t nfsd nfsd $NFSD_FS
	# The legacy client-tracking directory: with no nfsdcld or
	# nfsdcltrack, it is what lets v4_end_grace end the grace period.
	mkdir -p /var/lib/nfs/v4recovery "$NFS_EXPORT" "$NFS_MNT"
	nfs_mounted "$NFS_EXPORT" || nfs_run "mounting the exported tmpfs" mount -t tmpfs -o size=64m nfs-export "$NFS_EXPORT"
	# tmpfs has no UUID: fsid=0 names it, and makes it the v4 pseudo-root.
	nfs_run "exportfs" exportfs -o rw,fsid=0,sync,insecure,no_subtree_check,no_root_squash "127.0.0.1:$NFS_EXPORT"
	# v4 only: mountd answers the kernel's export upcalls, no RPC service.
	if [ -z "$(nfs_mountd_pid)" ]; then
		nfs_run "rpc.mountd" rpc.mountd -N 2 -N 3
	fi
	[ -n "$(nfs_mountd_pid)" ] || nfs_fail "rpc.mountd is not running"
	nfs_run "rpc.nfsd" rpc.nfsd -N 3 -N 4.0 -N 4.2 "$NFS_THREADS"
	[ "$(cat $NFSD_FS/threads)" = "$NFS_THREADS" ] ||
		nfs_fail "nfsd runs $(cat $NFSD_FS/threads) threads, want $NFS_THREADS"
	nfs_versions=$(cat $NFSD_FS/versions)
	case " $nfs_versions " in
	*" +4.1 "*) ;;
	*) nfs_fail "nfsd versions are '$nfs_versions': no +4.1" ;;
	esac
	# Without this, opens wait out the 90 s grace period.
	echo Y >$NFSD_FS/v4_end_grace 2>/dev/null || nfs_fail "could not end nfsd's grace period"
	nfs_i=0
	while [ "$(cat $NFSD_FS/v4_end_grace)" != Y ]; do
		nfs_i=$((nfs_i + 1))
		[ $nfs_i -le 50 ] || nfs_fail "nfsd's grace period did not end"
		sleep 0.1
	done
	# A hard mount (the default): if the server stops answering, I/O
	# waits, and run-guest's --timeout ends the guest.
	nfs_run "mount.nfs4" mount.nfs4 127.0.0.1:/ "$NFS_MNT" -o "vers=4.1${NFS_MOUNT_OPTS:+,$NFS_MOUNT_OPTS}"
	nfs_check_mount
	echo "nfs: server up (versions $nfs_versions), $NFS_MNT mounted: $(nfs_mount_options)"
}

# The options of the NFS mount on $NFS_MNT, as /proc/mounts shows them.
nfs_mount_options() {
	awk -v m="$NFS_MNT" '$2 == m && $3 == "nfs4" { print $4 }' /proc/mounts
}

# Fails unless $NFS_MNT is an NFS mount of version 4.1 from 127.0.0.1.
nfs_check_mount() {
	nfs_opts=$(nfs_mount_options)
	[ -n "$nfs_opts" ] || nfs_fail "$NFS_MNT is not an nfs4 mount: $(grep " $NFS_MNT " /proc/mounts)"
	case ",$nfs_opts," in
	*,vers=4.1,*) ;;
	*) nfs_fail "$NFS_MNT is not NFS version 4.1: $nfs_opts" ;;
	esac
	case ",$nfs_opts," in
	*,addr=127.0.0.1,*) ;;
	*) nfs_fail "$NFS_MNT is not served from 127.0.0.1: $nfs_opts" ;;
	esac
}

nfs_workload() {
	nfs_tag=${1:?nfs_workload needs a TAG}
	nfs_file="$NFS_MNT/workload-$nfs_tag"
	nfs_want=/tmp/nfs-workload-$nfs_tag
	nfs_check_mount
	# About 40 KB, different for every tag.
	seq 1 4000 | sed "s/^/$nfs_tag /" >"$nfs_want"
	nfs_run "write $nfs_file" cp "$nfs_want" "$nfs_file"
	nfs_run "sync" sync
	# Read it back from the server, not from the page cache.
	echo 3 >/proc/sys/vm/drop_caches
	cmp "$nfs_want" "$nfs_file" >/dev/null 2>&1 || nfs_fail "$nfs_file read back differs from what was written"
	cmp "$nfs_want" "$NFS_EXPORT/workload-$nfs_tag" >/dev/null 2>&1 ||
		nfs_fail "the server's copy of $nfs_file differs from what was written"
	nfs_list=$(ls "$NFS_MNT") || nfs_fail "ls $NFS_MNT failed"
	echo "$nfs_list" | grep -qx "workload-$nfs_tag" || nfs_fail "ls $NFS_MNT does not list workload-$nfs_tag: $nfs_list"
	nfs_run "mkdir" mkdir -p "$NFS_MNT/dir-$nfs_tag"
	nfs_run "rename" mv "$nfs_file" "$NFS_MNT/dir-$nfs_tag/renamed"
	[ -f "$NFS_EXPORT/dir-$nfs_tag/renamed" ] || nfs_fail "the rename did not reach the server"
	nfs_run "remove" rm -r "$NFS_MNT/dir-$nfs_tag"
	[ ! -e "$NFS_EXPORT/dir-$nfs_tag" ] || nfs_fail "the removal did not reach the server"
	rm -f "$nfs_want"
	[ -n "${NFS_QUIET:-}" ] ||
		echo "nfs: workload $nfs_tag ok ($(seq 1 4000 | sed "s/^/$nfs_tag /" | wc -c) bytes written and read back)"
}

NFS_LOOP_DIR=/tmp/nfs-loop

nfs_loop_rounds() {
	cat $NFS_LOOP_DIR/rounds 2>/dev/null || echo 0
}

nfs_workload_loop_start() {
	[ -z "${NFS_LOOP_PID:-}" ] || nfs_fail "a workload loop is already running"
	rm -rf $NFS_LOOP_DIR
	mkdir -p $NFS_LOOP_DIR
	(
		NFS_QUIET=1
		n=0
		while [ ! -e $NFS_LOOP_DIR/stop ]; do
			n=$((n + 1))
			nfs_workload "loop$n"
			echo $n >$NFS_LOOP_DIR/rounds
		done
	) &
	NFS_LOOP_PID=$!
}

nfs_workload_loop_stop() {
	[ -n "${NFS_LOOP_PID:-}" ] || nfs_fail "no workload loop is running"
	nfs_min=${1:-1}
	nfs_i=0
	while [ "$(nfs_loop_rounds)" -lt "$nfs_min" ] && kill -0 "$NFS_LOOP_PID" 2>/dev/null; do
		nfs_i=$((nfs_i + 1))
		[ $nfs_i -le 600 ] || nfs_fail "the workload loop did $(nfs_loop_rounds) rounds in 60 s, want $nfs_min"
		sleep 0.1
	done
	touch $NFS_LOOP_DIR/stop
	nfs_rc=0
	wait "$NFS_LOOP_PID" || nfs_rc=$?
	NFS_LOOP_PID=
	[ $nfs_rc = 0 ] || nfs_fail "the workload loop failed (exit $nfs_rc) after $(nfs_loop_rounds) rounds"
	[ "$(nfs_loop_rounds)" -ge "$nfs_min" ] || nfs_fail "the workload loop did $(nfs_loop_rounds) rounds, want $nfs_min"
	echo "nfs: workload loop ok ($(nfs_loop_rounds) rounds)"
}

nfs_server_stop() {
	if nfs_mounted "$NFS_MNT"; then
		nfs_run "unmounting $NFS_MNT" umount "$NFS_MNT"
	fi
	if nfs_mounted $NFSD_FS; then
		nfs_run "stopping nfsd" rpc.nfsd 0
		[ "$(cat $NFSD_FS/threads)" = 0 ] || nfs_fail "nfsd threads still running after rpc.nfsd 0"
		nfs_run "unexporting" exportfs -ua
	fi
	nfs_pid=$(nfs_mountd_pid)
	if [ -n "$nfs_pid" ]; then
		# shellcheck disable=SC2086 # one pid, or several
		kill $nfs_pid
		nfs_i=0
		while [ -n "$(nfs_mountd_pid)" ]; do
			nfs_i=$((nfs_i + 1))
			[ $nfs_i -le 50 ] || nfs_fail "rpc.mountd did not exit"
			sleep 0.1
		done
	fi
	if nfs_mounted $NFSD_FS; then
		nfs_run "unmounting the nfsd filesystem" umount $NFSD_FS
	fi
	if nfs_mounted "$NFS_EXPORT"; then
		nfs_run "unmounting the exported tmpfs" umount "$NFS_EXPORT"
	fi
	echo "nfs: server stopped"
}
