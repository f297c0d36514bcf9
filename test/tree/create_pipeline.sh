#!/usr/bin/env bash
# create.pipeline: ksplice-create --diff-only on the test-bed's prepared tree.
# Each case checks the plan (or the refusal and its exit status) and that
# every file the run could touch is byte for byte, mode and mtime as before,
# and that nothing new was left anywhere in the tree.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"
tree_test_init create.pipeline

# run_full NAME ID PATCH FILES...: the default mode (an update file), tree checked.
run_full() {
	local name=$1 id=$2 patch=$3
	shift 3
	touch "$T/marker"
	sleep 1
	local before after
	before=$(snapshot "$@")
	"$CREATE" --patch="$patch" --id "$id" -o "$T/out" -j2 \
		"$KSPLICE_SRC" >"$T/$name.out" 2>&1 || fail "$name: $(cat "$T/$name.out")"
	after=$(snapshot "$@")
	[ "$before" = "$after" ] || fail "$name: the tree changed: $after"
	tar xzf "$T/out/ksplice-$id.tar.gz" -O metadata >"$T/$name.meta"
}


cmdline=("${CMDLINE_FILES[@]}")
sys=(kernel/sys.c kernel/sys.o kernel/.sys.o.cmd kernel/.sys.o.d)

cmdline_patches
run one_function 0 "$T/one.patch" "${cmdline[@]}"
expect one_function "function changed   cmdline_proc_show"
expect one_function "1 changed, 0 new, 0 deleted"

# Without --diff-only: the update file, with its module and metadata.
mkdir -p "$T/out"
touch "$T/marker"
sleep 1
before=$(snapshot "${cmdline[@]}")
"$CREATE" --patch="$T/one.patch" --id testupd1 -o "$T/out" -j2 \
	"$KSPLICE_SRC" >"$T/pkg.out" 2>&1 || fail "ksplice-create failed: $(cat "$T/pkg.out")"
after=$(snapshot "${cmdline[@]}")
[ "$before" = "$after" ] || fail "packaging changed the tree: $after"
grep -q "Ksplice update testupd1 written to $T/out/ksplice-testupd1.tar.gz: 1 function changed" \
	"$T/pkg.out" || fail "no summary line: $(cat "$T/pkg.out")"
members=$(tar tzf "$T/out/ksplice-testupd1.tar.gz" | sort | tr '\n' ' ')
[ "$members" = "SHA256SUMS metadata patch pre/fs/proc/cmdline.o update.ko " ] ||
	fail "members: $members"
(cd "$T/out" && mkdir x && tar xzf ksplice-testupd1.tar.gz -C x && cd x && sha256sum --quiet -c SHA256SUMS) ||
	fail "checksums"
grep -qx "CHANGED=fs/proc/cmdline.o:cmdline_proc_show" "$T/out/x/metadata" || fail "metadata"
grep -qx "KERNEL_RELEASE=$KSPLICE_KERNEL_RELEASE" "$T/out/x/metadata" || fail "release"
grep -qx "EXTERNAL=saved_command_line" "$T/out/x/metadata" || fail "externals"
modinfo -F vermagic "$T/out/x/update.ko" | grep -q "^$KSPLICE_KERNEL_RELEASE " || fail "vermagic"
grep -q " T __ksplice_new_cmdline_proc_show$" <<<"$(nm "$T/out/x/update.ko")" || fail "no new code"
# The module is never modified after this: the new code's references reach
# the kernel through the helper (a relocation table), and the only undefined
# symbols are the helper's API and the exports the loader checks at load.
undefined=$(nm "$T/out/x/update.ko" | awk '$1 == "U" { print $2 }' | sort | tr '\n' ' ')
[ "$undefined" = "__fentry__ __x86_return_thunk ksplice_register_update ksplice_unregister_update " ] ||
	fail "undefined symbols of the update module: $undefined"
# (grep -q on a pipe would stop reading early: strings dies of SIGPIPE
# and pipefail fails the test.)
strings -a "$T/out/x/update.ko" >"$T/strings"
grep -qx "saved_command_line" "$T/strings" ||
	fail "no key saved_command_line in the update module's relocation table"
echo "ok: update file ksplice-testupd1.tar.gz: module, pre object, diff, metadata"

# --after: a patch on top of testupd1's. Its pre object is built with
# testupd1's patch applied (the plan compares against that), and the tree is
# put back also when a patch does not apply on top of the earlier one.
RUN_OPTS=(--after "$T/out/ksplice-testupd1.tar.gz")
run after 0 "$T/on_top.patch" "${cmdline[@]}"
expect after "applying the patch of earlier update testupd1"
expect after "function changed   cmdline_proc_show"
run after_not_on_top 5 "$T/one.patch" "${cmdline[@]}"
expect after_not_on_top "is already patched"
cp "$T/out/ksplice-testupd1.tar.gz" "$T/corrupt.tar.gz"
printf 'x' | dd of="$T/corrupt.tar.gz" bs=1 seek=100 conv=notrunc status=none
RUN_OPTS=(--after "$T/corrupt.tar.gz")
run after_corrupt 11 "$T/on_top.patch" "${cmdline[@]}"
expect after_corrupt "corrupt.tar.gz"
(cd "$T/out/x" && sed 's/^KERNEL_RELEASE=.*/KERNEL_RELEASE=6.1.0-99-cloud-amd64/' metadata >"$T/m" &&
	mkdir -p "$T/other" && cp update.ko patch "$T/other/" && mkdir -p "$T/other/pre/fs/proc" &&
	cp pre/fs/proc/cmdline.o "$T/other/pre/fs/proc/" && cp "$T/m" "$T/other/metadata" &&
	cd "$T/other" && sha256sum metadata update.ko patch pre/fs/proc/cmdline.o >SHA256SUMS &&
	tar czf "$T/other.tar.gz" metadata update.ko patch pre/fs/proc/cmdline.o SHA256SUMS)
RUN_OPTS=(--after "$T/other.tar.gz")
run after_other_kernel 11 "$T/on_top.patch" "${cmdline[@]}"
expect after_other_kernel "update testupd1 is for kernel 6.1.0-99-cloud-amd64"
RUN_OPTS=()
# Interrupted while building on top of the earlier patch: both patches undone.
touch "$T/marker"
sleep 1
before=$(snapshot "${cmdline[@]}")
"$CREATE" --patch="$T/on_top.patch" --after "$T/out/ksplice-testupd1.tar.gz" --diff-only -j1 \
	"$KSPLICE_SRC" >"$T/int_after.out" 2>&1 &
pid=$!
for _ in $(seq 200); do
	grep -q "building pre objects" "$T/int_after.out" && break
	sleep 0.1
done
grep -q "applying the patch of earlier update testupd1" "$T/int_after.out" ||
	fail "interrupted --after: the earlier patch was not applied first: $(cat "$T/int_after.out")"
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
after=$(snapshot "${cmdline[@]}")
[ "$rc" = 130 ] || fail "interrupted --after: exit $rc, want 130: $(cat "$T/int_after.out")"
[ "$before" = "$after" ] || fail "interrupted --after: the tree changed: $after"
echo "ok: interrupted on top of an earlier patch: exit 130, tree unchanged"

# A header of fs/proc: of the objects that include it, only the one that
# uses the changed inline function is rebuilt, and the functions that
# inline it are found changed.
cat >"$T/header.patch" <<'P'
--- a/fs/proc/fd.h
+++ b/fs/proc/fd.h
@@ -15,6 +15,8 @@ extern int proc_fd_permission(struct user_namespace *mnt_userns,
 
 static inline unsigned int proc_fd(struct inode *inode)
 {
+	if (unlikely(!inode))
+		return 0;
 	return PROC_I(inode)->fd;
 }
 
P
run header 0 "$T/header.patch" fs/proc/fd.h fs/proc/fd.c fs/proc/base.c fs/proc/fd.o fs/proc/base.o \
	fs/proc/.fd.o.cmd fs/proc/.base.o.cmd fs/proc/base.i fs/proc/.base.i.cmd
expect header "fs/proc/fd.h: included by 2 built-in objects"
expect header "screening: 1 of 2 objects may change"
expect header "function changed   seq_show"
grep -q "^== fs/proc/base.o" "$T/header.out" &&
	fail "header: fs/proc/base.o does not use proc_fd(); it should not be built"

# A shared header: every built-in object the include graph reaches is
# screened (preprocessed before and after); those that use the changed
# inline function are rebuilt and change, the rest are not rebuilt.
# test/patches/tree-time-namespace.patch: timens_add_boottime() tests its offsets first.
cp "$SRC_DIR/test/patches/tree-time-namespace.patch" "$T/shared.patch"
screened=(fs/proc/uptime.i fs/proc/.uptime.i.cmd kernel/futex/syscalls.i kernel/futex/syscalls.o)
run shared_header 0 "$T/shared.patch" include/linux/time_namespace.h fs/proc/uptime.o \
	fs/proc/.uptime.o.cmd kernel/sys.o kernel/.sys.o.cmd "${screened[@]}"
expect shared_header "include/linux/time_namespace.h: included by 12 built-in objects"
expect shared_header "screening: 4 of 12 objects may change"
expect shared_header "function changed   do_sysinfo"
expect shared_header "function changed   uptime_proc_show"
expect shared_header "function changed   get_boottime_timespec"
expect shared_header "function changed   posix_get_boottime_timespec"
grep -q "^== kernel/futex/syscalls.o" "$T/shared_header.out" &&
	fail "shared_header: kernel/futex/syscalls.o does not use the function; it should not be built"
RUN_OPTS=(--max-objects 3)
run too_many_objects 6 "$T/shared.patch" include/linux/time_namespace.h "${screened[@]}"
expect too_many_objects "may alter the code of 4 objects, more than --max-objects (3): refused"
RUN_OPTS=()

# A new member in a struct: live objects keep the old layout.
cat >"$T/layout.patch" <<'P'
--- a/fs/proc/internal.h
+++ b/fs/proc/internal.h
@@ -230,6 +230,7 @@
 	struct list_head lh;
 	struct file *file;
 	bool closing;
+	bool reopened;
 	struct completion *c;
 } __randomize_layout;
 extern const struct inode_operations proc_link_inode_operations;
P
run layout 6 "$T/layout.patch" fs/proc/internal.h
expect layout "fs/proc/internal.h: the patch changes the definition of struct pde_opener: its compiled layout is compared once built"
expect layout "fs/proc/internal.h: the patch changes the layout of struct pde_opener: new member 'reopened' at offset 25 uses storage no existing member used (padding or new space) (the data layout of existing objects): refused"

# The same struct's member wrapped in an anonymous union with a second name
# for it (as 6.1.190's include/net/dst.h does): the compiled layout is the
# same, so it is no layout change, and no object's code changes.
cat >"$T/alias.patch" <<'P'
--- a/fs/proc/internal.h
+++ b/fs/proc/internal.h
@@ -228,7 +228,10 @@
  */
 struct pde_opener {
 	struct list_head lh;
-	struct file *file;
+	union {
+		struct file *file;
+		struct file *file_alias;
+	};
 	bool closing;
 	struct completion *c;
 } __randomize_layout;
P
run alias 66 "$T/alias.patch" fs/proc/internal.h
# The witness is the one reader whose code names the struct (a struct
# definition matters to an object only through its tag).
expect alias "screening: 1 object built only to compare compiled layouts"
expect alias "in fs/proc/inode.o's DWARF"
expect alias "struct pde_opener: definition changed, compiled layout the same"

# A static function of kernel/sys.c: packaged, with its statics' keys scoped
# by the object and the rest of the kernel left to ksplice-apply.
cat >"$T/static.patch" <<'P'
--- a/kernel/sys.c
+++ b/kernel/sys.c
@@ -193,7 +193,7 @@ static int set_one_prio(struct task_struct *p, int niceval, int error)
 		goto out;
 	}
 	if (niceval < task_nice(p) && !can_nice(p, niceval)) {
-		error = -EACCES;
+		error = -EPERM;
 		goto out;
 	}
 	no_nice = security_task_setnice(p, niceval);
P
mkdir -p "$T/out"
run_full static teststat "$T/static.patch" "${sys[@]}"
grep -qx "CHANGED=kernel/sys.o:set_one_prio" "$T/static.meta" || fail "static: $(cat "$T/static.meta")"
grep -qx "EXTERNAL=kernel/sys.o:.text.set_one_prio_perm" "$T/static.meta" ||
	grep -qx "EXTERNAL=kernel/sys.o:set_one_prio_perm" "$T/static.meta" ||
	grep -qx "EXTERNAL=security_task_setnice" "$T/static.meta" || fail "static: externals"
echo "ok: static function set_one_prio packaged"

# A new function and a new static variable travel with the update.
cat >"$T/new.patch" <<'P'
--- a/fs/proc/cmdline.c
+++ b/fs/proc/cmdline.c
@@ -5,7 +5,15 @@
 #include <linux/seq_file.h>
 
+static unsigned long ksplice_reads;
+
+static noinline void count_read(void)
+{
+	ksplice_reads++;
+}
+
 static int cmdline_proc_show(struct seq_file *m, void *v)
 {
+	count_read();
 	seq_puts(m, saved_command_line);
 	seq_putc(m, '\n');
 	return 0;
P
run_full new testnew1 "$T/new.patch" "${cmdline[@]}"
for line in CHANGED=fs/proc/cmdline.o:cmdline_proc_show NEW=fs/proc/cmdline.o:count_read \
	NEW_DATA=fs/proc/cmdline.o:ksplice_reads; do
	grep -qx "$line" "$T/new.meta" || fail "new: no $line in $(cat "$T/new.meta")"
done
tar xzf "$T/out/ksplice-testnew1.tar.gz" -O update.ko >"$T/new.ko"
grep -q " [bd] ksplice_reads$" <<<"$(nm "$T/new.ko")" || fail "the new variable is not in the module"
echo "ok: new function count_read and new variable ksplice_reads packaged"

# New code that uses symbols exported into a namespace (CXL): its references
# go through the helper's relocation table like any other, so the update
# module has no undefined CXL symbol and needs no import (a symbol the loader
# must resolve would be imported: update_module.c import_namespaces).
cat >"$T/namespace.patch" <<'P'
--- a/drivers/cxl/core/region.c
+++ b/drivers/cxl/core/region.c
@@ -132,7 +132,7 @@
 		struct cxl_port *iter = cxled_to_port(cxled);
 		struct cxl_ep *ep;
 
-		while (!is_cxl_root(to_cxl_port(iter->dev.parent)))
+		while (iter && !is_cxl_root(to_cxl_port(iter->dev.parent)))
 			iter = to_cxl_port(iter->dev.parent);
 
 		for (ep = cxl_ep_load(iter, cxlmd); iter;
P
run_full namespace testns1 "$T/namespace.patch" drivers/cxl/core/region.c drivers/cxl/core/region.o \
	drivers/cxl/core/.region.o.cmd
tar xzf "$T/out/ksplice-testns1.tar.gz" -O update.ko >"$T/ns.ko"
grep -q "^EXTERNAL=.*cxl" "$T/namespace.meta" || fail "namespace: no CXL key: $(cat "$T/namespace.meta")"
grep -q cxl <<<"$(nm "$T/ns.ko" | awk '$1 == "U" { print $2 }')" && fail "namespace: a CXL symbol is left undefined"
echo "ok: the new code's uses of the CXL namespace go through the helper"

cat >"$T/init.patch" <<'P'
--- a/fs/proc/cmdline.c
+++ b/fs/proc/cmdline.c
@@ -14,6 +14,6 @@
 static int __init proc_cmdline_init(void)
 {
-	proc_create_single("cmdline", 0, NULL, cmdline_proc_show);
+	proc_create_single("cmdline", 0444, NULL, cmdline_proc_show);
 	return 0;
 }
 fs_initcall(proc_cmdline_init);
P
run init_change 6 "$T/init.patch" "${cmdline[@]}"
expect init_change "proc_cmdline_init"
# The last line names the first refusal, for logs and tables that keep one line.
expect init_change "cannot be live-patched: proc_cmdline_init: "

cat >"$T/noapply.patch" <<'P'
--- a/fs/proc/cmdline.c
+++ b/fs/proc/cmdline.c
@@ -8,6 +8,6 @@
 static int cmdline_proc_show(struct seq_file *m, void *v)
 {
-	seq_puts(m, no_such_line);
+	seq_puts(m, other);
 	seq_putc(m, '\n');
 	return 0;
 }
P
run does_not_apply 5 "$T/noapply.patch" "${cmdline[@]}"
expect does_not_apply "hunk #1 of fs/proc/cmdline.c does not apply"

# A comment line at the top shifts every __LINE__ of kernel/sys.c.
cat >"$T/line.patch" <<'P'
--- a/kernel/sys.c
+++ b/kernel/sys.c
@@ -5,6 +5,7 @@
  *  Copyright (C) 1991, 1992  Linus Torvalds
  */
 
+/* ksplice test: a line that moves every __LINE__ below it */
 #include <linux/export.h>
 #include <linux/mm.h>
 #include <linux/mm_inline.h>
P
run line_shift 66 "$T/line.patch" "${sys[@]}"
expect line_shift "No changes"

# Half of a fix that spans files: a new function that only another file
# would call. Nothing it changes runs it, so there is nothing to apply.
cat >"$T/adds_only.patch" <<'P'
--- a/fs/proc/cmdline.c
+++ b/fs/proc/cmdline.c
@@ -11,6 +11,11 @@
 	return 0;
 }
 
+int proc_cmdline_length(void)
+{
+	return strlen(saved_command_line);
+}
+
 static int __init proc_cmdline_init(void)
 {
 	proc_create_single("cmdline", 0, NULL, cmdline_proc_show);
P
run adds_only 66 "$T/adds_only.patch" "${cmdline[@]}"
expect adds_only "replaces no function; it only adds functions that nothing it changes calls (proc_cmdline_length)"

# Files built as modules. (a) Debian's own fix of 6.1.192-3 (the only change
# against 6.1.192-2), to fs/nfsd/nfs4state.c, built into nfsd.ko: the unit
# targets module nfsd, and the update module reaches nfsd only through the
# helper's relocation table (no undefined nfsd symbol: it loads without
# nfsd). The pre object, compiled with the flags kbuild gives it inside
# its module (-DMODULE, KBUILD_MODNAME nfsd, objtool --module), equals the
# shipped nfsd.ko function for function outside relocation fields.
nfsd=(fs/nfsd/nfs4state.c fs/nfsd/nfs4state.o fs/nfsd/.nfs4state.o.cmd fs/nfsd/.nfs4state.o.d)
nfsd_patch=$SRC_DIR/test/patches/debian-6.1.192-3-nfsd.patch
touch "$T/marker"
sleep 1
before=$(snapshot "${nfsd[@]}")
mkdir -p "$T/nfsd-work"
"$CREATE" --patch="$nfsd_patch" --id testnfsd -o "$T/out" -j2 --keep-work "$T/nfsd-work" \
	"$KSPLICE_SRC" >"$T/nfsd.out" 2>&1 || fail "nfsd: $(cat "$T/nfsd.out")"
after=$(snapshot "${nfsd[@]}")
[ "$before" = "$after" ] || fail "nfsd: the tree changed: $after"
tar xzf "$T/out/ksplice-testnfsd.tar.gz" -O metadata >"$T/nfsd.meta"
grep -A1 -x "UNIT=fs/nfsd/nfs4state.o" "$T/nfsd.meta" | grep -qx "TARGET=nfsd" ||
	fail "nfsd: no UNIT=fs/nfsd/nfs4state.o TARGET=nfsd in $(cat "$T/nfsd.meta")"
grep -qx "CHANGED=fs/nfsd/nfs4state.o:nfsd4_sequence" "$T/nfsd.meta" || fail "nfsd: not changed"
grep -qx "EXTERNAL=nfsd_net_id" "$T/nfsd.meta" || fail "nfsd: no key of nfsd's own global"
tar xzf "$T/out/ksplice-testnfsd.tar.gz" -O update.ko >"$T/nfsd.ko"
undefined=$(nm "$T/nfsd.ko" | awk '$1 == "U" { print $2 }' | sort | tr '\n' ' ')
[ "$undefined" = "__fentry__ __x86_return_thunk ksplice_register_update ksplice_unregister_update " ] ||
	fail "nfsd: undefined symbols of the update module: $undefined"
deps=$(modinfo -F depends "$T/nfsd.ko")
[ "$deps" = kmod-helper ] || fail "nfsd: the update module depends on '$deps', want kmod-helper alone"
pre=$(find "$T/nfsd-work" -path '*/pre/fs/nfsd/nfs4state.o')
grep -q "DKBUILD_MODNAME='\"nfsd\"'" "$(dirname "$pre")/.nfs4state.o.cmd" ||
	fail "nfsd: not compiled with KBUILD_MODNAME nfsd"
grep -q -- " -DMODULE " "$(dirname "$pre")/.nfs4state.o.cmd" || fail "nfsd: not compiled with -DMODULE"
shipped=$KSPLICE_CACHE/$KSPLICE_KERNEL/root/lib/modules/$KSPLICE_KERNEL_RELEASE/kernel/fs/nfsd/nfsd.ko
python3 "$SRC_DIR/test/tree/module_match.py" "$pre" "$shipped" >"$T/nfsd.match" ||
	fail "nfsd: the pre object differs from the shipped nfsd.ko: $(cat "$T/nfsd.match")"
echo "ok: nfsd fix packaged for module nfsd; pre object vs nfsd.ko: $(tail -1 "$T/nfsd.match")"

# (b) One update for vmlinux and a module: a unit each, with its target.
cat "$T/one.patch" "$nfsd_patch" >"$T/mixed.patch"
run_full mixed testmix1 "$T/mixed.patch" "${cmdline[@]}" "${nfsd[@]}"
tr '\n' ' ' <"$T/mixed.meta" | grep -q "UNIT=fs/proc/cmdline.o TARGET=vmlinux CHANGED=fs/proc/cmdline.o:cmdline_proc_show" ||
	fail "mixed: no vmlinux unit: $(cat "$T/mixed.meta")"
tr '\n' ' ' <"$T/mixed.meta" | grep -q "UNIT=fs/nfsd/nfs4state.o TARGET=nfsd CHANGED=fs/nfsd/nfs4state.o:nfsd4_sequence" ||
	fail "mixed: no nfsd unit: $(cat "$T/mixed.meta")"
echo "ok: mixed update: fs/proc/cmdline.o for vmlinux, fs/nfsd/nfs4state.o for nfsd"

# New code whose jump label (a tracepoint of nfsd) is keyed in the target
# module, under a name nfsd does not export: no ELF relocation can name it,
# so the update carries it as an early reference (kmod-helper/early.c links
# it when the update module comes), and the .ko has no undefined symbol for it.
cat >"$T/module_key.patch" <<'P'
--- a/fs/nfsd/nfs4state.c
+++ b/fs/nfsd/nfs4state.c
@@ -2160,7 +2160,7 @@
 	 * precisely 2^32 (about 136 years) before this one.  That seems
 	 * a safe assumption:
 	 */
-	if (clid->cl_boot == (u32)nn->boot_time)
+	if (clid->cl_boot == (u32)nn->boot_time || !clid->cl_id)
 		return 0;
 	trace_nfsd_clid_stale(clid);
 	return 1;
P
run_full module_key testkey1 "$T/module_key.patch" "${nfsd[@]}"
tar xzf "$T/out/ksplice-testkey1.tar.gz" -C "$T" update.ko
mv "$T/update.ko" "$T/module_key.ko"
# Files, not pipes into grep -q: under pipefail its early exit fails the pipe.
nm "$T/module_key.ko" >"$T/module_key.nm"
strings -a "$T/module_key.ko" >"$T/module_key.strings"
grep -q " ksplice_early_relocs$" "$T/module_key.nm" ||
	fail "module_key: no early reference table in update.ko: $(grep -i early "$T/module_key.nm")"
grep -qx "__tracepoint_nfsd_clid_stale" "$T/module_key.strings" ||
	fail "module_key: the early reference does not name __tracepoint_nfsd_clid_stale"
if grep -q " U __tracepoint_nfsd_clid_stale$" "$T/module_key.nm"; then
	fail "module_key: update.ko needs the unexported key as an undefined symbol"
fi
echo "ok: a jump label keyed in the target module becomes an early reference"

# (c) A file this configuration does not build (CONFIG_E1000 is not set).
cat >"$T/not_built.patch" <<'P'
--- a/drivers/net/ethernet/intel/e1000/e1000_main.c
+++ b/drivers/net/ethernet/intel/e1000/e1000_main.c
@@ -1,3 +1,4 @@
+/* ksplice test */
 // SPDX-License-Identifier: GPL-2.0
 /* Copyright(c) 1999 - 2006 Intel Corporation. */
 
P
run not_built 6 "$T/not_built.patch" drivers/net/ethernet/intel/e1000/e1000_main.c
expect not_built "e1000_main.c: not built in this configuration (kbuild lists it neither in vmlinux nor in a module): refused"

# A header of nfsd: the module objects that use the changed inline function
# are screened, built and compared like built-in ones.
cat >"$T/module_header.patch" <<'P'
--- a/fs/nfsd/xdr4.h
+++ b/fs/nfsd/xdr4.h
@@ -800,7 +800,7 @@
 	struct nfsd4_compoundres *resp = rqstp->rq_resp;
 	struct nfsd4_compoundargs *argp = rqstp->rq_argp;
 
-	return argp->opcnt == resp->opcnt;
+	return argp->opcnt <= resp->opcnt;
 }
 
 const struct nfsd4_operation *OPDESC(struct nfsd4_op *op);
P
run module_header 0 "$T/module_header.patch" fs/nfsd/xdr4.h "${nfsd[@]}" fs/nfsd/nfs4proc.o \
	fs/nfsd/.nfs4proc.o.cmd fs/nfsd/nfs4xdr.o fs/nfsd/.nfs4xdr.o.cmd
expect module_header "fs/nfsd/xdr4.h: included by 0 built-in objects and"
expect module_header "== fs/nfsd/nfs4state.o (module nfsd)"
expect module_header "== fs/nfsd/nfs4proc.o (module nfsd)"

rc=0
"$CREATE" --patch="$T/one.patch" --diff-only /tmp >"$T/tree.out" 2>&1 || rc=$?
[ "$rc" = 3 ] || fail "a directory that is no kernel tree: exit $rc, want 3"
grep -q "/tmp: not a kernel source tree" "$T/tree.out" || fail "no clear message: $(cat "$T/tree.out")"
echo "ok: not a kernel tree: exit 3"

# Interrupted while building: the tree is put back.
touch "$T/marker"
sleep 1
before=$(snapshot "${sys[@]}")
"$CREATE" --patch="$T/line.patch" --diff-only -j1 "$KSPLICE_SRC" >"$T/int.out" 2>&1 &
pid=$!
sleep 2.5
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
after=$(snapshot "${sys[@]}")
cat "$T/int.out"
[ "$rc" = 130 ] || fail "interrupted: exit $rc, want 130"
[ "$before" = "$after" ] || fail "interrupted: the tree changed: $after"
echo "ok: interrupted: exit 130, tree unchanged"
