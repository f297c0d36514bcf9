# shellcheck shell=bash
# Seed corpora of the fuzz targets, made at run time from real inputs.
# Sourced by run.sh: seed_NAME DIR fills DIR for target NAME. Needs $root
# (source tree), $build (build-fuzz) and $tmp (scratch directory).
# shellcheck disable=SC2154 # root, build and tmp are run.sh's

fixture=fixtures/vmlinux-samples/6.1.0-56-cloud-amd64

# Small objects compiled now, with and without split sections.
compile_objects() {
	[ -e "$tmp/seed.o" ] && return
	cat >"$tmp/seed.c" <<'C'
extern int sink(int);
static int counter(void) { static int n; return ++n; }
int f(int a) { return sink(a) + counter(); }
const char *msg(void) { return "hello"; }
int table[4] = {1, 2, 3, 4};
C
	gcc -O2 -ffunction-sections -fdata-sections -c "$tmp/seed.c" -o "$tmp/seed.o"
	gcc -O0 -c "$tmp/seed.c" -o "$tmp/seed-O0.o"
}

seed_objects() {
	compile_objects
	cp "$tmp/seed.o" "$tmp/seed-O0.o" "$1/"
	find "$root/$fixture/objects" -name '*.o' -size -64k | while read -r o; do
		cp "$o" "$1/$(echo "${o#"$root/$fixture/objects/"}" | tr / _)"
	done
}
seed_objread() { seed_objects "$1"; }
seed_objfile() { seed_objects "$1"; }

# A real update file: ksplice-create on test/patches/demo-cmdline.patch, when
# the test-bed's tree is prepared and a normal build has ksplice-create
# ($KSPLICE_BUILD, default build/). Made once, kept in build-fuzz/fuzz/seeds.
real_update() {
	local out=$build/fuzz/seeds/ksplice-fuzzseed.tar.gz
	if [ ! -s "$out" ]; then
		local create=${KSPLICE_BUILD:-$root/build}/bin/ksplice-create
		local env
		env=$("$root/scripts/testbed" env 2>/dev/null) || return 1
		eval "$env"
		[ "${KSPLICE_READY:-}" = yes ] && [ -x "$create" ] || return 1
		mkdir -p "$(dirname "$out")"
		"$create" --patch="$root/test/patches/demo-cmdline.patch" --id fuzzseed \
			-o "$(dirname "$out")" "$KSPLICE_SRC" \
			>/dev/null 2>&1 || return 1
	fi
	echo "$out"
}

# A small update made by hand: metadata, a module (an object), a pre object
# (the sample's fs/proc/cmdline.o) and SHA256SUMS, as a ustar directory.
synthetic_update_dir() {
	local d=$tmp/synthetic
	[ -d "$d" ] && { echo "$d"; return; }
	compile_objects
	mkdir -p "$d/pre/fs/proc"
	printf 'API_VERSION=1\nID=fuzzseed\nKERNEL_RELEASE=6.1.0-56-cloud-amd64\nUNIT=fs/proc/cmdline.o\nCHANGED=fs/proc/cmdline.o:cmdline_proc_show\nEXTERNAL=seq_puts\n' \
		>"$d/metadata"
	cp "$tmp/seed.o" "$d/update.ko"
	cp "$root/$fixture/objects/fs/proc/cmdline.o" "$d/pre/fs/proc/cmdline.o"
	(cd "$d" && sha256sum metadata update.ko pre/fs/proc/cmdline.o >SHA256SUMS)
	echo "$d"
}

# The synthetic update signed as ksplice-create --sign-key signs: update.ko
# in the kernel's module format (ksplice-sign-module of a normal build, when
# there is one), SHA256SUMS by a detached CMS signature; a key made now.
signed_update_tar() {
	local d=$tmp/signed sign=${KSPLICE_BUILD:-$root/build}/bin/ksplice-sign-module
	rm -rf "$d" && cp -r "$1" "$d"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=fuzz seed" \
		-keyout "$tmp/seed.key" -out "$tmp/seed.crt" 2>/dev/null || return 1
	if [ -x "$sign" ]; then
		"$sign" --key "$tmp/seed.key" --cert "$tmp/seed.crt" "$d/update.ko" || return 1
	fi
	(cd "$d" && sha256sum metadata update.ko pre/fs/proc/cmdline.o >SHA256SUMS &&
		openssl cms -sign -binary -noattr -md sha256 -outform DER -signer "$tmp/seed.crt" \
			-inkey "$tmp/seed.key" -in SHA256SUMS -out SHA256SUMS.p7s &&
		tar --format=ustar -cf "$tmp/signed.tar" metadata update.ko pre SHA256SUMS SHA256SUMS.p7s)
}

# fuzz_package: first byte odd = the file as is, even = the tar stream.
seed_package() {
	local d real
	d=$(synthetic_update_dir)
	(cd "$d" && tar --format=ustar -cf "$tmp/synthetic.tar" metadata update.ko pre SHA256SUMS)
	{ printf '\0'; cat "$tmp/synthetic.tar"; } >"$1/synthetic-tar"
	{ printf '\1'; gzip -c "$tmp/synthetic.tar"; } >"$1/synthetic-gz"
	signed_update_tar "$d" && { printf '\0'; cat "$tmp/signed.tar"; } >"$1/signed-tar"
	if real=$(real_update); then
		{ printf '\0'; gzip -dc "$real"; } >"$1/real-tar"
		{ printf '\1'; cat "$real"; } >"$1/real-gz"
	else
		echo "run.sh: no real update seed (test-bed or ksplice-create missing)" >&2
	fi
}

# fuzz_update: members as "NAME\nSIZE\n" and the bytes.
frame_members() {
	local dir=$1 f
	(cd "$dir" && find . -type f ! -name SHA256SUMS | sed 's|^\./||' | sort) | while read -r f; do
		printf '%s\n%s\n' "$f" "$(stat -c %s "$dir/$f")"
		cat "$dir/$f"
	done
}

seed_update() {
	local real
	frame_members "$(synthetic_update_dir)" >"$1/synthetic"
	if real=$(real_update); then
		mkdir -p "$tmp/real"
		tar -xzf "$real" -C "$tmp/real"
		frame_members "$tmp/real" >"$1/real"
	else
		echo "run.sh: no real update seed (test-bed or ksplice-create missing)" >&2
	fi
}

seed_diff() {
	cp "$root"/test/patches/*.patch "$1/"
	printf 'int a;\nint b;\nint c;\n' >"$tmp/old.c"
	printf 'int a;\nint B;\nint c;\nint d;\n' >"$tmp/new.c"
	(cd "$tmp" && diff -u old.c new.c) >"$1/diff-u" || true
}

seed_kallsyms() {
	local k=$root/$fixture/kallsyms
	head -n 40 "$k" >"$1/head"
	sed -n '100,180p' "$k" >"$1/middle"
	{
		head -n 5 "$k"
		printf 'ffffffffc0002000 t helper_fn\t[ksplice_helper]\n'
	} >"$1/module"
}

# An ELF core file as /proc/kcore is laid out: a PT_NOTE and three PT_LOAD
# headers mapping kernel addresses to file offsets, then a little data.
seed_kcore() {
	command -v python3 >/dev/null || { echo "run.sh: no python3, no kcore seed" >&2; return; }
	python3 - "$1/kcore" <<'PY'
import struct, sys
loads = [(0xffffffff81000000, 0x1000), (0xffffffff82000000, 0x800), (0xffff888000000000, 0x400)]
phnum = 1 + len(loads)
off = 64 + 56 * phnum
eh = b"\x7fELF\x02\x01\x01" + b"\0" * 9 + struct.pack("<HHIQQQIHHHHHH", 4, 62, 1, 0, 64, 0, 0, 64, 56, phnum, 0, 0, 0)
ph = struct.pack("<IIQQQQQQ", 4, 0, off, 0, 0, 0, 0, 4)
data, at = b"", off
for addr, size in loads:
    ph += struct.pack("<IIQQQQQQ", 1, 7, at, addr, 0, size, size, 4096)
    data += bytes((i * 7) & 0xff for i in range(size))
    at += size
open(sys.argv[1], "wb").write(eh + ph + data)
PY
}

# Preprocessed C before and after a header change, split by a NUL byte:
# the unit test's kind of text, and a kernel file's if the test-bed's tree
# has one preprocessed.
seed_ppscreen() {
	printf '# 1 "a.h"\nstruct s { int a; };\nstatic inline int f(void)\n{\n return 1;\n}\n#pragma GCC diagnostic push\nint g(int x)\n{\n return f() + x;\n}\n' >"$tmp/pp-pre"
	sed 's/return 1;/return 2;/' "$tmp/pp-pre" >"$tmp/pp-post"
	{ cat "$tmp/pp-pre"; printf '\0'; cat "$tmp/pp-post"; } >"$1/inline-changed"
	{ cat "$tmp/pp-pre"; printf '\0'; printf 'extern int h(void);\n'; cat "$tmp/pp-pre"; } >"$1/prototype-added"
	printf 'int __compiletime_assert_12(void) { return ({ int __UNIQUE_ID_x_3 = 1; __UNIQUE_ID_x_3; }); }\nasm(".local __BTF_ID__func__f__4 __initcall__kmod_a__5_6_f");\n' >"$1/counted-names"
}

seed_profile() {
	cp "$root"/profiles/*.profile "$1/"
	cp "$root/$fixture/meta" "$1/sample-meta"
}
