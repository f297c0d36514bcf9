#include "update_module.h"
#include "extract.h"
#include "fileio.h"
#include "run.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int write_text(const char *dir, const char *name, const char *text, struct ksp_error *err)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		return ksp_fail(err, "%s: cannot write: %s", path, strerror(errno));
	return 0;
}

/* text as the contents of a C string literal: quotes and backslashes
 * escaped, anything but printable ASCII as a three-digit octal escape. */
static void c_string(FILE *f, const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p >= 0x20 && *p < 0x7f)
			fputc(*p, f);
		else
			fprintf(f, "\\%03o", *p);
	}
}

/* A C string literal of text, or NULL. */
static void c_literal(FILE *f, const char *text)
{
	if (!text) {
		fputs("NULL", f);
		return;
	}
	fputc('"', f);
	c_string(f, text);
	fputc('"', f);
}

static int uses_symbol(const struct ksp_module_spec *spec, const char *name)
{
	for (size_t i = 0; i < spec->nobjects; i++)
		for (size_t k = 0; k < spec->objects[i].nloader_symbols; k++)
			if (strcmp(spec->objects[i].loader_symbols[k], name) == 0)
				return 1;
	return 0;
}

/*
 * Symbols exported into a namespace (EXPORT_SYMBOL_NS(to_cxl_port, CXL))
 * can only be used by a module that imports it: modpost refuses the module
 * otherwise. The kernel's Module.symvers names each export's namespace
 * ("crc<TAB>symbol<TAB>vmlinux<TAB>EXPORT_SYMBOL_NS<TAB>CXL"); the stub
 * imports those of the symbols the new code uses, each once.
 */
static void import_namespaces(FILE *f, const struct ksp_module_spec *spec)
{
	char path[4200], line[1024], seen[4096] = "\n";
	snprintf(path, sizeof(path), "%s/Module.symvers", spec->headers);
	FILE *in = fopen(path, "r");
	while (in && fgets(line, sizeof(line), in)) {
		char *field[5] = {NULL}, *save = NULL, *p = line;
		line[strcspn(line, "\n")] = '\0';
		int n = 0;
		for (char *t; n < 5 && (t = strtok_r(p, "\t", &save)); p = NULL)
			field[n++] = t;
		if (n < 5 || !uses_symbol(spec, field[1]))
			continue;
		char key[256];
		snprintf(key, sizeof(key), "\n%s\n", field[4]);
		if (strstr(seen, key) || strlen(seen) + strlen(field[4]) + 2 >= sizeof(seen))
			continue;
		strcat(seen, field[4]);
		strcat(seen, "\n");
		fprintf(f, "MODULE_IMPORT_NS(%s);\n", field[4]);
	}
	if (in)
		fclose(in);
}

int ksp_kernel_exports(const char *headers, const char *name)
{
	char path[4200], line[1024];
	snprintf(path, sizeof(path), "%s/Module.symvers", headers);
	FILE *in = fopen(path, "r");
	int found = 0;
	size_t n = strlen(name);
	while (in && !found && fgets(line, sizeof(line), in)) {
		char *sym = strchr(line, '\t');
		found = sym && strncmp(sym + 1, name, n) == 0 && sym[1 + n] == '\t' &&
			strncmp(sym + 2 + n, "vmlinux\t", 8) == 0;
	}
	if (in)
		fclose(in);
	return found;
}

/* The loader resolves only exports: a place it reads or rewrites at load
 * that refers to anything else cannot be completed later. Only vmlinux's
 * exports: one of a module would make the update module depend on it (the
 * loader would refuse the update while that module is absent). The keys of
 * jump labels and static calls are not left to the loader when no export
 * names them (extract.h: early references); what remains here is a static
 * (UNIT:NAME) key, or an alternative's, paravirt or ftrace site's symbol. */
static int check_loader_symbols(const struct ksp_module_spec *spec, struct ksp_error *err)
{
	for (size_t i = 0; i < spec->nobjects; i++)
		for (size_t k = 0; k < spec->objects[i].nloader_symbols; k++) {
			const struct ksp_module_object *o = &spec->objects[i];
			const char *name = o->loader_symbols[k];
			if (ksp_kernel_exports(spec->headers, name))
				continue;
			if (o->target)
				return ksp_failc(
					err, KSP_E_REFUSED,
					"%s (module %s): the new code refers to %s where the "
					"module loader rewrites or reads it at load (a jump "
					"label, static key, tracepoint, static call, "
					"alternative or ftrace site), and vmlinux does not "
					"export it (a key of module %s itself, or of another "
					"module, would make the update need that module "
					"loaded): not supported",
					o->unit ? o->unit : o->path, o->target, name, o->target);
			return ksp_failc(err, KSP_E_REFUSED,
					 "%s: the new code refers to %s where the module "
					 "loader rewrites or reads it at load (a jump label, "
					 "static call, alternative or ftrace site), and the "
					 "kernel does not export it: not supported",
					 o->unit ? o->unit : o->path, name);
		}
	return 0;
}

/* The references kmod-helper completes (struct ksplice_reloc), by anchor. */
static void reloc_table(FILE *f, const struct ksp_module_spec *spec)
{
	size_t n = 0;
	for (size_t i = 0; i < spec->nobjects; i++)
		for (size_t k = 0; k < spec->objects[i].nrelocs; k++) {
			const char *anchor = spec->objects[i].relocs[k].anchor;
			int seen = 0;
			for (size_t j = 0; j < k && !seen; j++)
				seen = spec->objects[i].relocs[j].anchor == anchor;
			if (!seen)
				fprintf(f, "extern char %s[];\n", anchor);
			n++;
		}
	if (!n)
		return;
	fprintf(f, "\nKSPLICE_RELOC_TABLE(ksplice_relocs) = {\n");
	for (size_t i = 0; i < spec->nobjects; i++)
		for (size_t k = 0; k < spec->objects[i].nrelocs; k++) {
			const struct ksp_extract_reloc *r = &spec->objects[i].relocs[k];
			fprintf(f, "\t{ .place = (unsigned long)(%s + %llu), .key = \"", r->anchor,
				(unsigned long long)r->offset);
			c_string(f, r->key);
			fprintf(f, "\", .addend = %lldLL, .type = %u },\n", (long long)r->addend,
				r->type);
		}
	fprintf(f, "};\n");
}

/* The early references (struct ksplice_early_reloc): keys the loader links
 * the new code's sites into, which kmod-helper finds in kallsyms (in the
 * unit's module, or vmlinux) when the update module comes. */
static void early_table(FILE *f, const struct ksp_module_spec *spec)
{
	size_t n = 0;
	for (size_t i = 0; i < spec->nobjects; i++)
		for (size_t k = 0; k < spec->objects[i].nearly; k++, n++)
			fprintf(f, "extern char %s[];\n", spec->objects[i].early[k].anchor);
	if (!n)
		return;
	fprintf(f, "\nKSPLICE_EARLY_TABLE(ksplice_early) = {\n");
	for (size_t i = 0; i < spec->nobjects; i++)
		for (size_t k = 0; k < spec->objects[i].nearly; k++) {
			const struct ksp_extract_reloc *r = &spec->objects[i].early[k];
			fprintf(f, "\t{ .place = (unsigned long)(%s + %llu), .key = \"", r->anchor,
				(unsigned long long)r->offset);
			c_string(f, r->key);
			if (spec->objects[i].target) {
				fprintf(f, "\", .module = \"");
				c_string(f, spec->objects[i].target);
				fprintf(f, "\"");
			} else {
				fprintf(f, "\", .module = NULL");
			}
			fprintf(f, ", .addend = %lldLL, .type = %u },\n", (long long)r->addend,
				r->type);
		}
	fprintf(f, "};\nKSPLICE_DEFINE_EARLY(ksplice_early);\n");
}

static int has_relocs(const struct ksp_module_spec *spec)
{
	for (size_t i = 0; i < spec->nobjects; i++)
		if (spec->objects[i].nrelocs)
			return 1;
	return 0;
}

/* The patch table: an entry per replaced function (the name as the kernel
 * spells it, the new code by its C-safe name), and a check-only entry per
 * cold part of one. */
static char *stub_source(const struct ksp_module_spec *spec)
{
	char *text = NULL, sym[1024];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	fprintf(f,
		"// SPDX-License-Identifier: GPL-2.0\n"
		"/* Generated by ksplice-create: the patch table of update %s. */\n"
		"#include <linux/module.h>\n#include \"ksplice_update.h\"\n\n",
		spec->id);
	for (size_t i = 0; i < spec->nobjects; i++)
		for (size_t k = 0; k < spec->objects[i].nreplaced; k++) {
			ksp_new_symbol_name(spec->objects[i].replaced[k], sym, sizeof(sym));
			fprintf(f, "extern char %s[];\n", sym);
		}
	fprintf(f, "\nKSPLICE_PATCH_TABLE(ksplice_patches) = {\n");
	for (size_t i = 0; i < spec->nobjects; i++) {
		const struct ksp_module_object *o = &spec->objects[i];
		for (size_t k = 0; k < o->nreplaced; k++) {
			ksp_new_symbol_name(o->replaced[k], sym, sizeof(sym));
			fprintf(f, "\t{ .new_addr = (unsigned long)%s, .name = \"%s\" },\n", sym,
				o->replaced[k]);
		}
		for (size_t k = 0; k < o->ncheck_only; k++)
			fprintf(f, "\t{ .flags = KSPLICE_PATCH_CHECK_ONLY, .name = \"%s\" },\n",
				o->check_only[k]);
	}
	fprintf(f, "};\n");
	reloc_table(f, spec);
	early_table(f, spec);
	fprintf(f, "\nKSPLICE_DEFINE_UPDATE_FACTS(\"%s\", ", spec->id);
	c_literal(f, spec->description ? spec->description : "");
	fputs(",\n\t", f);
	c_literal(f, spec->cves && *spec->cves ? spec->cves : NULL);
	fputs(", ", f);
	c_literal(f, spec->brings);
	fprintf(f, ",\n\tksplice_patches, %s);\n",
		has_relocs(spec) ? "ksplice_relocs, ARRAY_SIZE(ksplice_relocs)" : "NULL, 0");
	fprintf(f,
		"MODULE_LICENSE(\"GPL\");\n"
		"MODULE_DESCRIPTION(\"ksplice update %s\");\n",
		spec->id);
	import_namespaces(f, spec);
	return fclose(f) == 0 ? text : NULL;
}

/* Kbuild: the stub compiled, each extracted object shipped as it is. kbuild
 * writes no .cmd file for a shipped object and modpost wants one. */
static int write_kbuild(const struct ksp_module_spec *spec, const char *dir, struct ksp_error *err)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return ksp_fail(err, "out of memory");
	fprintf(f, "# Generated by ksplice-create.\nobj-m := ksplice_%s.o\nksplice_%s-y := stub.o",
		spec->id, spec->id);
	for (size_t i = 0; i < spec->nobjects; i++)
		fprintf(f, " new%zu.o", i);
	fprintf(f, "\n");
	if (!spec->helper_symvers)
		fprintf(f, "obj-m += helper/\n");
	if (fclose(f) != 0)
		return ksp_fail(err, "out of memory");
	int rc = write_text(dir, "Kbuild", text, err);
	free(text);
	for (size_t i = 0; i < spec->nobjects && !rc; i++) {
		char name[64], to[4200], cmd[4300];
		snprintf(name, sizeof(name), "new%zu.o_shipped", i);
		snprintf(to, sizeof(to), "%s/%s", dir, name);
		rc = ksp_copy_file(spec->objects[i].path, to, err);
		snprintf(name, sizeof(name), ".new%zu.o.cmd", i);
		snprintf(cmd, sizeof(cmd), "cmd_%s/new%zu.o := ksplice-create (extracted)\n", dir,
			 i);
		if (!rc)
			rc = write_text(dir, name, cmd, err);
	}
	return rc;
}

/*
 * With CONFIG_MODVERSIONS the kernel refuses a module whose undefined symbols
 * carry no CRC. The CRCs of ksplice_register_update() and friends come from
 * kmod-helper's Module.symvers for this kernel; when no build of the helper
 * for this release is at hand, the helper's sources are built beside the
 * update module, so that one modpost run versions both.
 */
static int copy_helper_sources(const char *helper, const char *dir, struct ksp_error *err)
{
	char to[4200];
	snprintf(to, sizeof(to), "%s/helper", dir);
	if (mkdir(to, 0755) && errno != EEXIST)
		return ksp_fail(err, "%s: %s", to, strerror(errno));
	DIR *d = opendir(helper);
	if (!d)
		return ksp_fail(err, "%s: %s", helper, strerror(errno));
	int rc = 0;
	for (struct dirent *e; !rc && (e = readdir(d));) {
		size_t n = strlen(e->d_name);
		int source = n > 2 && e->d_name[n - 2] == '.' &&
			     (e->d_name[n - 1] == 'c' || e->d_name[n - 1] == 'h');
		if (!source && strcmp(e->d_name, "Kbuild") != 0)
			continue;
		char from[4300], file[4300];
		snprintf(from, sizeof(from), "%s/%s", helper, e->d_name);
		snprintf(file, sizeof(file), "%s/%s", to, e->d_name);
		rc = ksp_copy_file(from, file, err);
	}
	closedir(d);
	return rc;
}

int ksp_update_module_build(const struct ksp_module_spec *spec, const char *dir, char **ko,
			    struct ksp_error *err)
{
	*ko = NULL;
	if (check_loader_symbols(spec, err))
		return -1;
	if (mkdir(dir, 0755) && errno != EEXIST)
		return ksp_fail(err, "%s: %s", dir, strerror(errno));
	char *stub = stub_source(spec);
	if (!stub)
		return ksp_fail(err, "out of memory");
	int rc = write_text(dir, "stub.c", stub, err);
	free(stub);
	char header_from[4200], header_to[4200];
	snprintf(header_from, sizeof(header_from), "%s/ksplice_update.h", spec->helper_include);
	snprintf(header_to, sizeof(header_to), "%s/ksplice_update.h", dir);
	if (rc || ksp_copy_file(header_from, header_to, err) || write_kbuild(spec, dir, err))
		return -1;
	if (!spec->helper_symvers && copy_helper_sources(spec->helper_include, dir, err))
		return -1;
	char m[4200], cc[256], extra[4300], log[4300], kcflags[4300];
	snprintf(m, sizeof(m), "M=%s", dir);
	/* The work directory's random name would reach the debug info (and so
	 * the build id): the same inputs must give the same module bytes. */
	snprintf(kcflags, sizeof(kcflags), "KCFLAGS=-ffile-prefix-map=%s=/ksplice-update", dir);
	snprintf(cc, sizeof(cc), "CC=%s", spec->compiler);
	snprintf(extra, sizeof(extra), "KBUILD_EXTRA_SYMBOLS=%s",
		 spec->helper_symvers ? spec->helper_symvers : "");
	snprintf(log, sizeof(log), "%s/build.log", dir);
	const char *argv[] = {"make", "-C",    spec->headers, m,   cc, "KBUILD_MODPOST_WARN=1",
			      extra,  kcflags, "modules",     NULL};
	if (ksp_run_logged(argv, log) != 0) {
		char first[512];
		ksp_first_error_line(log, first, sizeof(first));
		return ksp_failc(err, KSP_E_BUILD,
				 "building the update module failed (%s; log: %s)", first, log);
	}
	if (asprintf(ko, "%s/ksplice_%s.ko", dir, spec->id) < 0) {
		*ko = NULL;
		return ksp_fail(err, "out of memory");
	}
	return 0;
}
