# Sourced by eval/realfixes: fetching Debian kernel sources, finding the
# changed files that are built into vmlinux, and the per-row state files.
# shellcheck shell=bash

# fetch_source VERSION: the pristine source tree of a Debian version, from
# the profile's source package (linux-source-6.1, linux-source-6.12),
# unpacked once into $SOURCES/VERSION.
fetch_source() {
	local ver=$1 dir="$SOURCES/$1"
	local pkg tarball
	pkg=$(sed -n 's/^SOURCE_PACKAGE=//p' "$KSPLICE_PROFILE")
	tarball=$(sed -n 's/^SOURCE_TARBALL=//p' "$KSPLICE_PROFILE")
	[ -f "$dir/.ksplice-unpacked" ] && return 0
	mkdir -p "$SOURCES"
	local deb
	deb=$(compgen -G "$SOURCES/${pkg}_${ver}_all.deb" || true)
	if [ -z "$deb" ]; then
		say "downloading $pkg $ver"
		(cd "$SOURCES" && apt-get download -q "$pkg=$ver" 2>&1 |
			grep -v '^W: Download is performed unsandboxed' >&2) ||
			die "$pkg $ver is not in the archive (apt-cache madison $pkg)"
		deb=$(compgen -G "$SOURCES/${pkg}_${ver}_all.deb") || die "download of $ver failed"
	fi
	say "unpacking $pkg $ver"
	local tmp="$SOURCES/$ver.tmp"
	rm -rf "$tmp" "$dir"
	mkdir -p "$tmp/tree"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" "./usr/src/$tarball"
	tar -x -C "$tmp/tree" --strip-components=1 -f "$tmp/usr/src/$tarball"
	mv "$tmp/tree" "$dir"
	rm -rf "$tmp"
	touch "$dir/.ksplice-unpacked"
}

# changed_c_files FROM TO: "changed PATH", "new PATH" or "removed PATH" for
# every .c file that differs between the two trees.
changed_c_files() {
	local from="$SOURCES/$1" to="$SOURCES/$2"
	(cd "$from" && diff -rq . "$to" 2>/dev/null || true) | awk -v to="$to" '
		/^Files .* differ$/ && $2 ~ /\.c$/ { sub("^\\./", "", $2); print "changed " $2; next }
		/^Only in / {
			dir = $3; sub(":$", "", dir); name = $4
			if (name !~ /\.c$/) next
			if (index(dir, to) == 1) { dir = substr(dir, length(to) + 2); kind = "new" }
			else { sub("^\\.", "", dir); sub("^/", "", dir); kind = "removed" }
			print kind " " (dir == "" ? name : dir "/" name)
		}' | sort -k2
}

# What kbuild builds in DIR of the prepared tree: "builtin: ..." and
# "module: ..." lines, as splicer/kbuild.c evaluates them, cached per
# directory because a release touches hundreds of files in few directories.
evaluate_dir() {
	local dir=$1 cache
	cache="$WORK/kbuild-dirs/$(echo "$dir" | tr / _)"
	if [ ! -f "$cache" ]; then
		mkdir -p "$WORK/kbuild-dirs"
		make -s --no-print-directory -C "$KSPLICE_SRC" srctree=. objtree=. "src=$dir" "obj=$dir" \
			need-builtin=1 need-modorder=1 -f scripts/Makefile.build -f "$WORK/print.mk" \
			ksplice-print >"$cache.tmp" 2>/dev/null || echo "error:" >"$cache.tmp"
		mv "$cache.tmp" "$cache"
	fi
	cat "$cache"
}

# classify PATH.c: builtin, module or not-built (walks from the object's
# directory up to a top-level directory or arch/x86, as ksplice-create does).
classify() {
	local item=${1%.c}.o dir out
	dir=$(dirname "$1")
	[ "$dir" != . ] || { echo not-built; return; }
	# Other architectures and the tools' own trees: kbuild never enters
	# them for this kernel (their Makefiles evaluated against x86's
	# configuration would name modules: arch/arm64/kvm's kvm.o).
	case "$1" in
	arch/x86/*) ;;
	arch/* | tools/* | scripts/* | samples/* | Documentation/*) echo not-built; return ;;
	esac
	printf 'ksplice-print:\n\t@echo "builtin: $(real-obj-y) $(lib-y) $(subdir-builtin) "\n\t@echo "module: $(real-obj-m) $(subdir-modorder) "\n' >"$WORK/print.mk"
	while :; do
		out=$(evaluate_dir "$dir")
		if grep -q "^module: .* $item " <<<"$out" || grep -q "^module: $item " <<<"$out"; then
			echo module
			return
		fi
		if ! grep -q "^builtin: .* $item " <<<"$out" && ! grep -q "^builtin: $item " <<<"$out"; then
			echo not-built
			return
		fi
		if [ "$dir" = arch/x86 ] || [ "${dir%/*}" = "$dir" ]; then
			echo builtin
			return
		fi
		item=$dir/built-in.a
		dir=${dir%/*}
	done
}

# Lines added plus lines removed by a unified diff.
diff_lines() {
	grep -E '^[-+]' "$1" | grep -cvE '^(\+\+\+|---) ' || true
}

# A value out of a row's key=value state file.
get() {
	sed -n "s/^$2=//p" "$1" | tail -n 1
}

# The headers changed between FROM and TO that PATH.c includes, directly or
# not, as the preprocessor of the prepared tree finds them (gcc -M with the
# kernel's include list; generated headers missing in the tree are ignored).
changed_headers_of() {
	local path=$1
	[ -f "$WORK/changed-headers" ] ||
		(cd "$SOURCES/$FROM" && diff -rq . "$SOURCES/$TO" 2>/dev/null || true) |
		awk '/^Files .* differ$/ && $2 ~ /\.h$/ { sub("^\\./", "", $2); print $2 }' |
			sort >"$WORK/changed-headers"
	local cc
	cc=$(sed -n 's/^CC=//p' "$KSPLICE_SRC/.ksplice-make-vars")
	(cd "$KSPLICE_SRC" && "${cc:-gcc}" -M -MG -nostdinc -isystem "$("${cc:-gcc}" -print-file-name=include)" \
		-I./arch/x86/include -I./arch/x86/include/generated -I./include \
		-I./arch/x86/include/uapi -I./arch/x86/include/generated/uapi -I./include/uapi \
		-I./include/generated/uapi -include ./include/linux/compiler-version.h \
		-include ./include/linux/kconfig.h -include ./include/linux/compiler_types.h \
		-D__KERNEL__ -I"$(dirname "$path")" "$path" 2>/dev/null |
		tr ' \\' '\n\n' | grep '\.h$' | xargs -r realpath -s -m --relative-to=.) |
		sort -u | comm -12 - "$WORK/changed-headers"
}

# The targets of a created row's update (its metadata's TARGET= lines:
# vmlinux or module names), one per line; empty when it was not created.
update_targets() {
	local u
	u="$OUT/updates/ksplice-rf$(basename "$1").tar.gz"
	[ -f "$u" ] || return 0
	tar -xzOf "$u" metadata 2>/dev/null | sed -n 's/^TARGET=//p' | sort -u
}

# The modules (not vmlinux) a created row's update patches, comma-separated.
update_modules() {
	# (grep finds no line in an update of vmlinux alone: not a failure)
	update_targets "$1" | { grep -vx vmlinux || true; } | paste -sd, -
}

# The target column of a row: vmlinux for a built-in file; for a module file
# the modules its update patches (as recorded when it was created, its
# update being gone on another machine), or "module" when it was not created.
row_target() {
	local mods
	if [ "$(get "$1" class)" = builtin ]; then
		echo vmlinux
		return
	fi
	mods=$(update_targets "$1" | paste -sd, -)
	[ -n "$mods" ] || mods=$(get "$1" targets)
	echo "${mods:-module}"
}

# The image's file of module NAME (the test-bed's depmod'ed copy), if any.
module_file() {
	local rel=$KSPLICE_KERNEL_RELEASE
	PATH="$PATH:/usr/sbin:/sbin" modinfo -b "$KSPLICE_CACHE/$rel/modules" -k "$rel" -n "$1" 2>/dev/null
}
