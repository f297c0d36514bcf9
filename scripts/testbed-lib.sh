# Sourced by scripts/testbed: profiles, setup, env and kbuild of modules.
# shellcheck shell=bash

APT_PACKAGES=(
	build-essential gcc-12 make binutils-dev check zlib1g-dev liblzma-dev cmake pkg-config
	qemu-system-x86 busybox-static kmod cpio flex bison bc libelf-dev libdw-dev dwarves
	libssl-dev openssl xz-utils rsync file ca-certificates patch clang libclang-rt-14-dev man-db
	ovmf sbsigntool python3 ansible-core dropbear-bin openssh-client
)

# NFS user space for guests (run-guest --nfs): Debian's nfs-kernel-server and
# nfs-common, downloaded and unpacked into the cache like the kernel packages,
# never installed here (installing would start an NFS server on this host).
# Libraries they need that this host lacks are fetched the same way. The
# cache is shared by all kernel profiles: it is Debian 12 user space.
NFS_PACKAGES=(nfs-kernel-server nfs-common)
NFS_DIR="$CACHE/nfs-userland"
NFS_ROOT="$NFS_DIR/root"
# What a v4-only server and client on the guest's loopback need (README,
# run-guest --nfs): no rpcbind, statd, idmapd, gssd, nfsdcld or nfsdcltrack.
NFS_PROGRAMS=(usr/sbin/rpc.nfsd usr/sbin/rpc.mountd usr/sbin/exportfs sbin/mount.nfs)

list_profiles() {
	local f
	for f in "$PROFILE_DIR"/*.profile; do
		basename "$f" .profile
	done
}

# Reads profiles/NAME.profile into PROFILE_* variables. The file is KEY=VALUE
# lines (no quoting), parsed here rather than sourced so that a profile can
# never run code.
load_profile() {
	local name=$1 key value line
	[ -n "$name" ] || name=$(tr -d '[:space:]' <"$PROFILE_DIR/default")
	PROFILE_FILE="$PROFILE_DIR/$name.profile"
	[ -f "$PROFILE_FILE" ] || die "no kernel profile '$name' (have: $(list_profiles | tr '\n' ' '))"
	PROFILE_NAME=$name
	while IFS= read -r line || [ -n "$line" ]; do
		case "$line" in '' | '#'*) continue ;; esac
		key=${line%%=*}
		value=${line#*=}
		[[ "$key" =~ ^[A-Z][A-Z0-9_]*$ ]] || die "$PROFILE_FILE: bad line '$line'"
		printf -v "PROFILE_$key" '%s' "$value"
	done <"$PROFILE_FILE"
	local required
	for required in KERNEL_RELEASE PACKAGE_VERSION SOURCE_PACKAGE SOURCE_TARBALL \
		KBUILD_PACKAGE HEADERS_COMMON CC; do
		local var="PROFILE_$required"
		[ -n "${!var:-}" ] || die "$PROFILE_FILE: $required is missing"
	done
	KDIR="$CACHE/$PROFILE_KERNEL_RELEASE"
	DEB_DIR="$KDIR/debs"
	ROOT_DIR="$KDIR/root"
	SRC_TREE="$KDIR/linux-source"
	HEADERS_DIR="$ROOT_DIR/usr/src/linux-headers-$PROFILE_KERNEL_RELEASE"
	VMLINUZ="$ROOT_DIR/boot/vmlinuz-$PROFILE_KERNEL_RELEASE"
	KALLSYMS="$KDIR/kallsyms"
	MODULES_ROOT="$KDIR/modules"
	MAKE_VARS=(
		"CC=$PROFILE_CC"
		"KERNELRELEASE=$PROFILE_KERNEL_RELEASE"
	)
	local v
	# Optional; CROSS_COMPILE: Debian builds 6.12 with x86_64-linux-gnu-
	# tools (its .kernelvariables), 6.1 with none; RUSTC: 6.12's Kconfig
	# records the version of whatever rustc is on PATH (Debian's had none).
	for v in CROSS_COMPILE RUSTC DISTRIBUTION_OFFICIAL_BUILD DISTRIBUTOR DISTRIBUTION_VERSION \
		KBUILD_BUILD_USER KBUILD_BUILD_HOST KBUILD_BUILD_TIMESTAMP; do
		local pv="PROFILE_$v"
		[ -z "${!pv:-}" ] || MAKE_VARS+=("$v=${!pv}")
	done
}

as_root() {
	if [ "$(id -u)" = 0 ]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		die "need root to run: $*"
	fi
}

install_packages() {
	local missing=() p
	for p in "${APT_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	note "installing packages: ${missing[*]}"
	as_root apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
}

# apt_download DIR SPEC...: apt-get download each package (NAME or
# NAME=VERSION) into DIR, skipping what is already there.
apt_download() {
	local dir=$1
	shift
	local get=() spec name
	mkdir -p "$dir"
	for spec in "$@"; do
		name=${spec%%=*}
		compgen -G "$dir/${name}_*.deb" >/dev/null || get+=("$spec")
	done
	[ ${#get[@]} -gt 0 ] || return 0
	note "downloading ${get[*]}"
	if ! (cd "$dir" && apt-get download -q "${get[@]}" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2); then
		# apt-get download needs fresh lists on a new machine.
		as_root apt-get update -qq
		(cd "$dir" && apt-get download -q "${get[@]}" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2) || true
	fi
	for spec in "$@"; do
		name=${spec%%=*}
		compgen -G "$dir/${name}_*.deb" >/dev/null || die "could not download $spec (is it still in the archive?)"
	done
}

# The profile's kernel packages into DEB_DIR.
download_debs() {
	apt_download "$DEB_DIR" "linux-image-$PROFILE_KERNEL_RELEASE=$PROFILE_PACKAGE_VERSION" \
		"linux-headers-$PROFILE_KERNEL_RELEASE=$PROFILE_PACKAGE_VERSION" \
		"$PROFILE_HEADERS_COMMON=$PROFILE_PACKAGE_VERSION" \
		"$PROFILE_SOURCE_PACKAGE=$PROFILE_PACKAGE_VERSION" \
		"$PROFILE_KBUILD_PACKAGE"
}

# The image, headers and kbuild packages unpacked side by side, so that the
# headers' relative symlinks resolve. The headers' one-line Makefile names the
# common headers by absolute path: point it into the cache instead.
unpack_packages() {
	[ -f "$ROOT_DIR/.done" ] && return 0
	note "unpacking kernel image, headers and kbuild"
	rm -rf "$ROOT_DIR"
	mkdir -p "$ROOT_DIR"
	local deb
	for deb in "$DEB_DIR"/linux-image-*.deb "$DEB_DIR"/linux-headers-*.deb "$DEB_DIR"/"$PROFILE_KBUILD_PACKAGE"_*.deb; do
		dpkg-deb -x "$deb" "$ROOT_DIR"
	done
	local common="$ROOT_DIR/usr/src/$PROFILE_HEADERS_COMMON"
	[ -d "$common" ] || die "$common missing after unpacking"
	echo "include $common/Makefile" >"$HEADERS_DIR/Makefile"
	touch "$ROOT_DIR/.done"
}

unpack_source() {
	[ -f "$SRC_TREE/.ksplice-unpacked" ] && return 0
	note "unpacking kernel source (about 1.4 GB)"
	local tmp="$KDIR/source.tmp"
	rm -rf "$tmp" "$SRC_TREE"
	mkdir -p "$tmp"
	dpkg-deb --fsys-tarfile "$DEB_DIR/${PROFILE_SOURCE_PACKAGE}"_*.deb |
		tar -x -C "$tmp" "./usr/src/$PROFILE_SOURCE_TARBALL"
	mkdir -p "$tmp/tree"
	tar -x -C "$tmp/tree" --strip-components=1 -f "$tmp/usr/src/$PROFILE_SOURCE_TARBALL"
	mv "$tmp/tree" "$SRC_TREE"
	rm -rf "$tmp"
	touch "$SRC_TREE/.ksplice-unpacked"
}

kmake() {
	make -s -C "$SRC_TREE" "${MAKE_VARS[@]}" "$@"
}

# Debian's .config (from the headers: /boot/config-* lacks 4 lines) and
# Debian's make variables make this tree compile objects byte-identical to the
# shipped kernel (shared/TESTBED.md). The variables are also written to
# .ksplice-make-vars, where ksplice-create finds them.
prepare_source() {
	local stamp="$SRC_TREE/.ksplice-prepared"
	if [ -f "$stamp" ] && cmp -s "$stamp" <(printf '%s\n' "${MAKE_VARS[@]}"); then
		return 0
	fi
	note "preparing kernel source (config, make prepare)"
	cp "$HEADERS_DIR/.config" "$SRC_TREE/.config"
	kmake olddefconfig >/dev/null
	cmp -s "$HEADERS_DIR/.config" "$SRC_TREE/.config" ||
		note "warning: olddefconfig changed Debian's .config (missing build tools?)"
	kmake -j"$(nproc)" prepare
	printf '%s\n' "${MAKE_VARS[@]}" >"$SRC_TREE/.ksplice-make-vars"
	local release
	# UTS_RELEASE follows KERNELRELEASE; include/config/kernel.release does not.
	release=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$SRC_TREE/include/generated/utsrelease.h")
	[ "$release" = "$PROFILE_KERNEL_RELEASE" ] || die "prepared tree says release '$release', expected $PROFILE_KERNEL_RELEASE"
	printf '%s\n' "${MAKE_VARS[@]}" >"$stamp"
}

# The profile's kbuild headers, named in the prepared tree (.ksplice-headers)
# as its make variables are, so that ksplice-create finds them without
# --headers.
record_headers() {
	local record="$SRC_TREE/.ksplice-headers"
	[ "$(cat "$record" 2>/dev/null)" = "$HEADERS_DIR" ] && return 0
	printf '%s\n' "$HEADERS_DIR" >"$record"
}

# Start time of process $1 in clock ticks (field 22 of /proc/PID/stat; the
# command, field 2, may hold spaces), empty if it is gone.
proc_start_ticks() {
	local stat fields
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	stat=${stat##*) }
	read -r -a fields <<<"$stat"
	echo "${fields[19]}"
}

# Restores one file of the journal: the backup's bytes, mode, atime, mtime.
restore_backup() {
	local dir=$1 idx=$2 mode=$3 as=$4 an=$5 ms=$6 mn=$7 rel=$8
	local path="$SRC_TREE/$rel"
	if ! { cp "$dir/$idx" "$path.ksplice-restore" &&
		chmod "$mode" "$path.ksplice-restore" &&
		mv -f "$path.ksplice-restore" "$path" &&
		touch -a -d "@$as.$(printf '%09d' "$an")" "$path" &&
		touch -m -d "@$ms.$(printf '%09d' "$mn")" "$path"; }; then
		die "$path: could not be restored; backup kept in $dir/$idx"
	fi
}

# A ksplice-create killed (SIGKILL, power loss) while it had the prepared
# tree patched leaves TREE/.ksplice-guard/journal (its format:
# splicer/create/tree_journal.h). Restores the tree from it, under
# ksplice-create's own lock on the tree, unless its owner still runs.
recover_tree() {
	local dir="$SRC_TREE/.ksplice-guard" lockfd
	[ -d "$dir" ] || return 0
	exec {lockfd}<"$SRC_TREE"
	flock "$lockfd"
	[ ! -f "$dir/journal" ] || restore_from_journal "$dir"
	rm -rf "$dir"
	exec {lockfd}<&-
}

restore_from_journal() {
	local dir=$1 magic pid start started kind rest restored=0 removed=0
	local idx mode as an ms mn rel
	{
		read -r magic
		read -r _ pid start started
	} <"$dir/journal"
	[ "$magic" = "ksplice-guard 1" ] || die "$dir/journal: not a ksplice-create journal"
	[ "$(proc_start_ticks "$pid")" != "$start" ] ||
		die "$SRC_TREE: ksplice-create (pid $pid) is still working in it ($dir/journal)"
	while read -r kind rest; do
		case "$kind" in
		B)
			read -r idx mode as an ms mn rel <<<"$rest"
			restore_backup "$dir" "$idx" "$mode" "$as" "$an" "$ms" "$mn" "$rel"
			restored=$((restored + 1))
			;;
		N)
			rm -f "$SRC_TREE/$rest"
			removed=$((removed + 1))
			;;
		esac
	done < <(tail -n +3 "$dir/journal")
	note "$SRC_TREE: restored $restored files and removed $removed that an interrupted ksplice-create (pid $pid, started $(date -d "@$started" '+%F %T')) left changed"
}

# The shipped kernel's GNU build id, recorded in the prepared tree
# (.ksplice-build-id) so that updates made from it name the exact build.
record_build_id() {
	[ -s "$SRC_TREE/.ksplice-build-id" ] && return 0
	local id tmp="$KDIR/vmlinux.tmp"
	bash "$SRC_TREE/scripts/extract-vmlinux" "$VMLINUZ" >"$tmp"
	id=$(readelf -n "$tmp" | sed -n 's/^ *Build ID: *//p' | head -1)
	rm -f "$tmp"
	[ -n "$id" ] || die "could not read the build id of $VMLINUZ"
	echo "$id" >"$SRC_TREE/.ksplice-build-id"
}

# depmod and friends are in /sbin, which a user's PATH may lack.
sbin_tool() {
	PATH="$PATH:/usr/sbin:/sbin" command -v "$1" || die "$1 not found (package kmod)"
}

# MODULES_ROOT/lib/modules/RELEASE: the image's modules (a hard-linked copy of
# the unpacked package) with the modules.dep, aliases and symbols depmod
# makes for them, written into the copy only: never into the unpacked
# package, nor this host's /lib/modules. Made again when the image is.
prepare_modules() {
	local stamp="$MODULES_ROOT/.done" rel=$PROFILE_KERNEL_RELEASE
	[ -f "$stamp" ] && [ ! "$ROOT_DIR/.done" -nt "$stamp" ] && return 0
	note "running depmod on a copy of the image's modules"
	rm -rf "$MODULES_ROOT"
	mkdir -p "$MODULES_ROOT/lib/modules"
	cp -al "$ROOT_DIR/lib/modules/$rel" "$MODULES_ROOT/lib/modules/" 2>/dev/null ||
		cp -a "$ROOT_DIR/lib/modules/$rel" "$MODULES_ROOT/lib/modules/"
	"$(sbin_tool depmod)" -b "$MODULES_ROOT" "$rel" || die "depmod failed on $MODULES_ROOT"
	[ -s "$MODULES_ROOT/lib/modules/$rel/modules.dep" ] || die "depmod wrote no modules.dep"
	touch "$stamp"
}

installed_on_host() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# The library packages (lib*) a .deb depends on; of alternatives, the first.
deb_library_depends() {
	dpkg-deb -f "$1" Depends | tr ',' '\n' | sed 's/|.*//; s/([^)]*)//g; s/:any//; s/[[:space:]]//g' |
		grep '^lib' || true
}

# NFS_ROOT: NFS_PACKAGES unpacked, with the library packages they need
# (recursively) that this host has not installed.
setup_nfs_userland() {
	[ -f "$NFS_ROOT/.done" ] && return 0
	local debs="$NFS_DIR/debs" want=("${NFS_PACKAGES[@]}") seen=" " deb pkg
	while [ ${#want[@]} -gt 0 ]; do
		apt_download "$debs" "${want[@]}"
		local next=()
		for pkg in "${want[@]}"; do
			seen+="$pkg "
		done
		for pkg in "${want[@]}"; do
			for deb in "$debs/${pkg}"_*.deb; do
				while read -r dep; do
					[[ "$seen" == *" $dep "* ]] && continue
					seen+="$dep "
					installed_on_host "$dep" || next+=("$dep")
				done < <(deb_library_depends "$deb")
			done
		done
		want=("${next[@]}")
	done
	local names=""
	for deb in "$debs"/*.deb; do
		deb=${deb##*/}
		names+=" ${deb%%_*}"
	done
	note "unpacking NFS user space:$names"
	rm -rf "$NFS_ROOT"
	mkdir -p "$NFS_ROOT"
	for deb in "$debs"/*.deb; do
		dpkg-deb -x "$deb" "$NFS_ROOT"
	done
	local prog missing
	for prog in "${NFS_PROGRAMS[@]}"; do
		[ -x "$NFS_ROOT/$prog" ] || die "$prog missing from ${NFS_PACKAGES[*]}"
		missing=$(nfs_ldd "$NFS_ROOT/$prog" | sed -n 's/^[[:space:]]*\([^ ]*\) => not found.*/\1/p')
		[ -z "$missing" ] || die "$prog needs $missing, which no package fetched provides"
	done
	touch "$NFS_ROOT/.done"
}

# ldd of a program from NFS_ROOT, finding the libraries unpacked there first.
nfs_ldd() {
	LD_LIBRARY_PATH="$NFS_ROOT/lib/x86_64-linux-gnu:$NFS_ROOT/usr/lib/x86_64-linux-gnu" ldd "$1"
}

cmd_setup() {
	local t0=$SECONDS
	[ $# -eq 0 ] || usage_error "setup takes no arguments"
	install_packages
	mkdir -p "$KDIR"
	download_debs
	unpack_packages
	unpack_source
	recover_tree
	prepare_source
	record_headers
	record_build_id
	prepare_modules
	setup_nfs_userland
	note "setup of $PROFILE_KERNEL_RELEASE done in $((SECONDS - t0)) s (cache: $KDIR)"
}

cmd_env() {
	[ $# -eq 0 ] || usage_error "env takes no arguments"
	local kallsyms=$KALLSYMS
	printf 'KSPLICE_KERNEL=%q\n' "$PROFILE_NAME"
	printf 'KSPLICE_KERNEL_RELEASE=%q\n' "$PROFILE_KERNEL_RELEASE"
	printf 'KSPLICE_PROFILE=%q\n' "$PROFILE_FILE"
	printf 'KSPLICE_CACHE=%q\n' "$CACHE"
	printf 'KSPLICE_SRC=%q\n' "$SRC_TREE"
	printf 'KSPLICE_HEADERS=%q\n' "$HEADERS_DIR"
	printf 'KSPLICE_VMLINUZ=%q\n' "$VMLINUZ"
	printf 'KSPLICE_KALLSYMS=%q\n' "$kallsyms"
	printf 'KSPLICE_MAKE_VARS=%q\n' "${MAKE_VARS[*]}"
	printf 'KSPLICE_READY=%q\n' "$([ -f "$SRC_TREE/.ksplice-prepared" ] && [ -f "$ROOT_DIR/.done" ] && echo yes || echo no)"
}

need_setup() {
	[ -f "$ROOT_DIR/.done" ] || die "kernel $PROFILE_KERNEL_RELEASE is not set up: run scripts/testbed --kernel $PROFILE_NAME setup"
}

# kmod --out DIR [--sign-key KEY --sign-cert CERT] SRCDIR...: build each
# kbuild module directory against the profile's headers. Kbuild builds
# external modules in their source directory, so each one is mirrored into
# DIR/NAME first (mtimes kept, so make stays incremental) and its .ko files
# end up in DIR; with a key, those are signed in the kernel's module format
# by build/bin/ksplice-sign-module (the key that signs updates).
cmd_kmod() {
	local out="" key="" cert=""
	while [ $# -gt 0 ]; do
		case "$1" in
		--out) out=$2; shift 2 ;;
		--sign-key) key=$2; shift 2 ;;
		--sign-cert) cert=$2; shift 2 ;;
		--) shift; break ;;
		-*) usage_error "kmod: unknown option $1" ;;
		*) break ;;
		esac
	done
	if [ -z "$out" ] || [ $# -lt 1 ] || { [ -n "$key$cert" ] && { [ -z "$key" ] || [ -z "$cert" ]; }; }; then
		usage_error "usage: testbed kmod --out DIR [--sign-key KEY --sign-cert CERT] SRCDIR..."
	fi
	need_setup
	mkdir -p "$out"
	local src name
	for src in "$@"; do
		src=$(cd "$src" && pwd)
		name=$(basename "$src")
		mkdir -p "$out/$name"
		rsync -a --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' "$src/" "$out/$name/"
		# 6.1's headers have no vmlinux, so kbuild says it skips BTF: noise.
		# (pipefail: the pipeline fails if make does; a die inside it
		# would only end the pipeline's subshell.)
		if ! make -s -C "$HEADERS_DIR" "CC=$PROFILE_CC" M="$out/$name" modules 2>&1 |
			{ grep -v '^Skipping BTF generation' >&2 || true; }; then
			die "kbuild failed for $src against $PROFILE_KERNEL_RELEASE"
		fi
		cp "$out/$name"/*.ko "$out/"
		if [ -n "$key" ]; then
			local ko
			for ko in "$out/$name"/*.ko; do
				"$BUILD_DIR/bin/ksplice-sign-module" --key "$key" --cert "$cert" \
					"$out/$(basename "$ko")" || die "signing $ko failed"
			done
		fi
	done
}

cmd_kallsyms() {
	[ $# -eq 0 ] || usage_error "kallsyms takes no arguments"
	need_setup
	local tmp="$KALLSYMS.tmp"
	cmd_run_guest --nokaslr --timeout 300 -- cat /proc/kallsyms >"$tmp"
	local n
	n=$(wc -l <"$tmp")
	[ "$n" -gt 10000 ] || die "kallsyms dump has only $n lines"
	mv "$tmp" "$KALLSYMS"
	note "saved $n symbols to $KALLSYMS"
}

# index: the header index of the prepared tree (ksplice-create
# --build-index), so that the first header change is screened as quickly as
# later ones. Not part of setup: it preprocesses every built object once.
cmd_index() {
	[ $# -eq 0 ] || usage_error "index takes no arguments"
	need_setup
	local create="$BUILD_DIR/bin/ksplice-create"
	[ -x "$create" ] || die "$create missing: build the project first"
	"$create" --build-index -j"$(nproc)" "$SRC_TREE"
}

# shellcheck source=testbed-guest.sh
. "$TESTBED_DIR/testbed-guest.sh"
# shellcheck source=testbed-uefi.sh
. "$TESTBED_DIR/testbed-uefi.sh"
