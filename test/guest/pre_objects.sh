# Sourced by guest tests that need pre objects: builds kernel objects in the
# test-bed's prepared tree as ksplice-create does (its own flags plus
# -ffunction-sections -fdata-sections, KBUILD_NOCMDDEP=1), copies them out
# under flattened names, and leaves the tree exactly as it was. Holds the
# tree's flock meanwhile, as ksplice-create does.
# shellcheck shell=bash

# The built-in objects of a directory, as kbuild itself lists them.
builtin_objects_of() {
	local dir=$1 rules="$TEST_TMP/print.mk"
	printf 'ksplice-print:\n\t@echo $(real-obj-y)\n' >"$rules"
	make -s --no-print-directory -C "$KSPLICE_SRC" srctree=. objtree=. "src=$dir" "obj=$dir" \
		need-builtin=1 -f scripts/Makefile.build -f "$rules" ksplice-print | tr ' ' '\n' | grep '\.o$'
}

# The arguments of the objtool pass kbuild runs on vmlinux.o when it delays
# objtool to link time (CONFIG_X86_KERNEL_IBT: 6.12), empty when it does
# not; ksplice-create runs that pass on each object (objtool_pass.c).
delayed_objtool_args() {
	local rules="$TEST_TMP/objtool.mk"
	printf 'ksplice-print:\n\t@echo $(delay-objtool) $(objtool-args)\n' >"$rules"
	make -s --no-print-directory -C "$KSPLICE_SRC" srctree=. objtree=. \
		-f scripts/Makefile.vmlinux_o -f "$rules" ksplice-print | sed -n 's/^y //p'
}

# build_pre_objects OUTDIR EXTRA_KCFLAGS OBJECT...
build_pre_objects() {
	local out=$1 extra=$2 o
	shift 2
	mkdir -p "$out"
	# ksplice-create's lock of the tree: a ksplice-create working at the
	# same time would back up these objects and put them back afterwards.
	exec 9<"$KSPLICE_SRC"
	flock 9
	for o in "$@"; do
		[ ! -e "$KSPLICE_SRC/$o" ] || fail "$o already exists in the prepared tree; refusing to touch it"
	done
	cp -p "$KSPLICE_SRC/.missing-syscalls.d" "$TEST_TMP/missing-syscalls.d"
	local vars
	vars=$(tr '\n' ' ' <"$KSPLICE_SRC/.ksplice-make-vars")
	local rc=0
	# shellcheck disable=SC2086
	make -s -j"$(nproc)" -C "$KSPLICE_SRC" $vars KBUILD_NOCMDDEP=1 \
		KCFLAGS="-ffunction-sections -fdata-sections $extra" "$@" >"$TEST_TMP/build.log" 2>&1 || rc=$?
	local objtool_args
	objtool_args=$(delayed_objtool_args)
	for o in "$@"; do
		[ $rc -ne 0 ] || cp "$KSPLICE_SRC/$o" "$out/$(echo "$o" | tr / _)"
		# shellcheck disable=SC2086
		[ $rc -ne 0 ] || [ -z "$objtool_args" ] ||
			"$KSPLICE_SRC/tools/objtool/objtool" $objtool_args "$out/$(echo "$o" | tr / _)" \
				>>"$TEST_TMP/build.log" 2>&1 || rc=$?
		rm -f "$KSPLICE_SRC/$o" "$KSPLICE_SRC/$(dirname "$o")/.$(basename "$o").cmd" \
			"$KSPLICE_SRC/$(dirname "$o")/.$(basename "$o" .o).o.d"
	done
	cp -p "$TEST_TMP/missing-syscalls.d" "$KSPLICE_SRC/.missing-syscalls.d"
	exec 9<&-
	[ $rc -eq 0 ] || fail "building pre objects failed: $(grep -m1 -E 'error|\*\*\*' "$TEST_TMP/build.log")"
}
