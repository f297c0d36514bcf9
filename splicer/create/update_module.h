/*
 * The update module: a kernel module built with kbuild against the target
 * kernel's headers from the objects extract.h cut out (as prebuilt
 * "_shipped" objects) and a generated stub holding the patch table that
 * kmod-helper's ksplice_update.h describes (one entry per replaced
 * function) and the table of the new code's references to the running
 * kernel (struct ksplice_reloc, extract.h), both completed by kmod-helper
 * from the plan ksplice-apply writes after insmod: the module is never
 * modified once built. Its only undefined symbols are kmod-helper's API and
 * the exported symbols the loader must resolve (extract.h: loader_symbols);
 * one of those that the kernel does not export is refused here.
 */
#ifndef KSPLICE_UPDATE_MODULE_H
#define KSPLICE_UPDATE_MODULE_H

#include "error.h"
#include "extract.h"

#include <stddef.h>

struct ksp_module_object {
	const char *path;	     /* an extracted object */
	const char *unit;	     /* the object of the tree it was cut from */
	const char *target;	     /* the module its code runs for; NULL: vmlinux */
	const char *const *replaced; /* functions it replaces (renamed inside) */
	size_t nreplaced;
	const char *const *check_only;		/* old code that only joins the stack check */
	size_t ncheck_only;			/* (gcc's foo.cold of a replaced foo) */
	const struct ksp_extract_reloc *relocs; /* completed by kmod-helper */
	size_t nrelocs;
	const struct ksp_extract_reloc *early; /* keys kmod-helper writes at load */
	size_t nearly;
	const char *const *loader_symbols; /* resolved by the module loader */
	size_t nloader_symbols;
};

struct ksp_module_spec {
	const char *id;		    /* 8 characters [a-z0-9] */
	const char *description;    /* one line (ksp_description_clean) */
	const char *cves;	    /* CVE ids joined by spaces ("" for none) */
	const char *brings;	    /* the package version it brings, or NULL */
	const char *headers;	    /* kbuild headers of the target kernel */
	const char *compiler;	    /* CC for kbuild, e.g. gcc-12 */
	const char *helper_include; /* directory with ksplice_update.h */
	const char *helper_symvers; /* kmod-helper's Module.symvers, or NULL */
	const struct ksp_module_object *objects;
	size_t nobjects;
};

/* Is name exported by vmlinux itself, as the kernel whose kbuild headers are
 * headers lists it (Module.symvers: "CRC<TAB>name<TAB>vmlinux<TAB>...")?
 * An export of a module does not count: the update module would then need
 * that module loaded. */
int ksp_kernel_exports(const char *headers, const char *name);

/* Generates the module's sources in dir (created) and builds it; *ko
 * receives the module's path (malloc'ed). */
int ksp_update_module_build(const struct ksp_module_spec *spec, const char *dir, char **ko,
			    struct ksp_error *err);

#endif
