/* From an update plan to ksplice-<id>.tar.gz: extract the new code of every
 * unit, build the update module, and package it with the pre objects, the
 * diff and the metadata (package.h, update_file.h). */
#include "package_update.h"
#include "create.h"
#include "extract.h"
#include "fileio.h"
#include "metadata.h"
#include "module_signature.h"
#include "package.h"
#include "signature.h"
#include "update_file.h"
#include "update_module.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct unit_code {
	char path[4200];
	const char **carry, **replaced, **check_only, **data;
	size_t ncarry, nreplaced, ncheck_only, ndata;
	struct ksp_extract_result ext;
};

static const struct mt_func *plan_func(const struct mt_plan *p, const char *name)
{
	for (size_t i = 0; i < p->nfuncs; i++)
		if (!strcmp(p->funcs[i].name, name))
			return &p->funcs[i];
	return NULL;
}

static int is_cold(const char *name)
{
	size_t n = strlen(name);
	return n > 5 && !strcmp(name + n - 5, ".cold");
}

static int listed(const char **v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], name))
			return 1;
	return 0;
}

/* What goes into the update: changed functions are replaced (jumps), new
 * ones added; gcc's cold part of a replaced function jumps back into it,
 * so it is carried along and its old copy joins the stack check. */
static int choose_code(const struct mt_plan *p, struct unit_code *uc)
{
	size_t max = p->nfuncs * 2 + 1;
	uc->carry = calloc(max, sizeof(*uc->carry));
	uc->replaced = calloc(max, sizeof(*uc->replaced));
	uc->check_only = calloc(max, sizeof(*uc->check_only));
	uc->data = calloc(p->ndata + 1, sizeof(*uc->data));
	if (!uc->carry || !uc->replaced || !uc->check_only || !uc->data)
		return -1;
	for (size_t i = 0; i < p->nfuncs; i++) {
		const struct mt_func *f = &p->funcs[i];
		if (f->state != MT_CHANGED && f->state != MT_NEW)
			continue;
		uc->carry[uc->ncarry++] = f->name;
		if (f->state == MT_CHANGED && !is_cold(f->name))
			uc->replaced[uc->nreplaced++] = f->name;
	}
	for (size_t i = 0; i < uc->nreplaced; i++) {
		char cold[1024];
		snprintf(cold, sizeof(cold), "%s.cold", uc->replaced[i]);
		const struct mt_func *c = plan_func(p, cold);
		if (!c || c->state == MT_DELETED)
			continue;
		if (!listed(uc->carry, uc->ncarry, c->name))
			uc->carry[uc->ncarry++] = c->name;
		if (c->state != MT_NEW)
			uc->check_only[uc->ncheck_only++] = c->name;
	}
	for (size_t i = 0; i < p->ndata; i++)
		if (p->data[i].state == MT_NEW)
			uc->data[uc->ndata++] = p->data[i].name;
	return 0;
}

static int renamed(const char *pre_name, const char *name)
{
	return pre_name && pre_name[0] && strcmp(pre_name, name) != 0;
}

static int kernel_exports(const char *name, void *headers)
{
	return ksp_kernel_exports(headers, name);
}

/* The global functions new in units other than unit i (a changed function
 * of unit i may call one: tty_port.c's new tty_port_tty_vhangup, called
 * from serial_core.c in the same fix). */
static const char **new_in_other_units(const struct ksp_create_result *res, size_t i, size_t *n)
{
	size_t cap = 1;
	for (size_t u = 0; u < res->nunits; u++)
		cap += res->units[u].plan.nfuncs;
	const char **v = calloc(cap, sizeof(*v));
	*n = 0;
	for (size_t u = 0; v && u < res->nunits; u++)
		for (size_t k = 0; u != i && k < res->units[u].plan.nfuncs; k++) {
			const struct mt_func *f = &res->units[u].plan.funcs[k];
			if (f->state == MT_NEW && f->global)
				v[(*n)++] = f->name;
		}
	return v;
}

static int extract_unit(const struct ksp_create_result *res, size_t i, const char *headers,
			struct unit_code *uc, struct ksp_error *err)
{
	const struct ksp_create_unit *u = &res->units[i];
	if (choose_code(&u->plan, uc))
		return ksp_fail(err, "out of memory");
	snprintf(uc->path, sizeof(uc->path), "%s/update/new%zu.o", res->workdir, i);
	size_t cap = u->plan.nfuncs + u->plan.ndata + 1, n = 0;
	const char **from = calloc(cap, sizeof(*from)), **to = calloc(cap, sizeof(*to));
	size_t nnew = 0;
	const char **new_elsewhere = new_in_other_units(res, i, &nnew);
	if (!from || !to || !new_elsewhere) {
		free(from);
		free(to);
		free(new_elsewhere);
		return ksp_fail(err, "out of memory");
	}
	for (size_t k = 0; k < u->plan.nfuncs; k++)
		if (renamed(u->plan.funcs[k].pre_name, u->plan.funcs[k].name)) {
			from[n] = u->plan.funcs[k].name;
			to[n++] = u->plan.funcs[k].pre_name;
		}
	for (size_t k = 0; k < u->plan.ndata; k++)
		if (renamed(u->plan.data[k].pre_name, u->plan.data[k].name)) {
			from[n] = u->plan.data[k].name;
			to[n++] = u->plan.data[k].pre_name;
		}
	char anchors[64];
	snprintf(anchors, sizeof(anchors), "__ksplice_o%zu", i);
	struct ksp_extract_req req = {
		.post = u->post,
		.unit = u->object,
		.functions = uc->carry,
		.nfunctions = uc->ncarry,
		.data = uc->data,
		.ndata = uc->ndata,
		.renamed_post = from,
		.renamed_pre = to,
		.nrenamed = n,
		.anchor_prefix = anchors,
		.new_elsewhere = new_elsewhere,
		.nnew_elsewhere = nnew,
		.exported = kernel_exports,
		.exported_ctx = (void *)headers,
	};
	int rc = ksp_extract(&req, uc->path, &uc->ext, err);
	free(from);
	free(to);
	free(new_elsewhere);
	return rc;
}

static void free_units(struct unit_code *uc, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(uc[i].carry);
		free(uc[i].replaced);
		free(uc[i].check_only);
		free(uc[i].data);
		ksp_extract_result_free(&uc[i].ext);
	}
	free(uc);
}

static int add_text(struct ksp_package *pkg, const char *name, const char *text,
		    struct ksp_error *err)
{
	return ksp_pkg_add(pkg, name, text, strlen(text), err);
}

/* The NEW functions of a unit: carried, neither replaced nor check-only. */
static int add_new_functions(struct ksp_meta_unit *mu, const struct unit_code *uc)
{
	for (size_t k = 0; k < uc->ncarry; k++)
		if (!listed(uc->replaced, uc->nreplaced, uc->carry[k]) &&
		    !listed(uc->check_only, uc->ncheck_only, uc->carry[k]) &&
		    ksp_meta_list_add(&mu->new_functions, uc->carry[k]))
			return -1;
	return 0;
}

static int add_all(struct ksp_meta_list *l, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ksp_meta_list_add(l, v[i]))
			return -1;
	return 0;
}

static int add_unit(struct ksp_metadata *m, const struct ksp_create_unit *u,
		    const struct unit_code *uc)
{
	struct ksp_meta_unit *mu = ksp_metadata_add_unit(m, u->object);
	if (mu)
		mu->target = u->module; /* NULL: vmlinux */
	if (!mu || add_all(&mu->changed, uc->replaced, uc->nreplaced) ||
	    add_all(&mu->check, uc->check_only, uc->ncheck_only) || add_new_functions(mu, uc) ||
	    add_all(&mu->new_data, uc->data, uc->ndata))
		return -1;
	return add_all(&mu->externals, (const char *const *)uc->ext.externals, uc->ext.nexternals);
}

/* When the update is made: SOURCE_DATE_EPOCH if set (reproducible-builds.org),
 * so that the same inputs give the same file, else now. */
static time_t creation_time(void)
{
	const char *epoch = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long t = epoch && *epoch ? strtoll(epoch, &end, 10) : -1;
	return t >= 0 && !*end ? (time_t)t : time(NULL);
}

/* The metadata's text (metadata.h), or NULL when out of memory. */
static char *metadata(const struct ksp_create_result *res, const struct ksp_update_info *info,
		      const struct unit_code *uc)
{
	char stamp[64], *text = NULL;
	time_t now = creation_time();
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	struct ksp_metadata m = {
		.api_version = KSP_UPDATE_API_VERSION,
		.id = info->id,
		.description = info->description,
		.kernel_release = res->tree.release,
		.build_id = info->build_id,
		.compiler = res->tree.cc_version_text,
		.tool_version = KSPLICE_VERSION,
		.created = stamp,
		.brings = info->brings,
	};
	int rc = 0;
	for (size_t i = 0; i < info->ncves && !rc; i++)
		rc = ksp_meta_list_add(&m.cves, info->cves[i]);
	for (size_t i = 0; i < res->nafter && !rc; i++)
		rc = ksp_meta_list_add(&m.after, res->after[i].id);
	for (size_t i = 0; i < res->nunits && !rc; i++)
		rc = add_unit(&m, &res->units[i], &uc[i]);
	if (!rc)
		text = ksp_metadata_format(&m);
	ksp_metadata_free(&m);
	return text;
}

/* The update module, signed in the kernel's format when there is a signer:
 * the sums and the file's signature then cover the signed bytes. */
static int add_module(struct ksp_package *pkg, const char *ko, const struct ksp_signer *signer,
		      struct ksp_error *err)
{
	if (!signer)
		return ksp_pkg_add_file(pkg, KSP_UPDATE_MODULE, ko, err);
	unsigned char *data = NULL, *signed_ko = NULL;
	size_t size = 0, signed_size = 0;
	if (ksp_read_file(ko, KSP_PKG_MAX_MEMBER, &data, &size, err))
		return -1;
	int rc = ksp_modsig_sign(signer, data, size, &signed_ko, &signed_size, err);
	if (!rc)
		rc = ksp_pkg_add(pkg, KSP_UPDATE_MODULE, signed_ko, signed_size, err);
	free(data);
	free(signed_ko);
	return rc;
}

static int package(const struct ksp_create_opts *o, const struct ksp_create_result *res,
		   const struct ksp_update_info *info, const struct unit_code *uc, const char *ko,
		   char *out_path, size_t out_len, struct ksp_error *err)
{
	struct ksp_package pkg = {.mtime = creation_time()};
	char *meta = metadata(res, info, uc);
	int rc = !meta ? ksp_fail(err, "out of memory")
		       : add_text(&pkg, KSP_UPDATE_METADATA, meta, err);
	free(meta);
	if (!rc)
		rc = add_module(&pkg, ko, info->signer, err);
	if (!rc)
		rc = ksp_pkg_add_file(&pkg, KSP_UPDATE_PATCH, o->patch, err);
	for (size_t i = 0; i < res->nunits && !rc; i++) {
		char name[4200];
		snprintf(name, sizeof(name), "%s%s", KSP_UPDATE_PRE_DIR, res->units[i].object);
		rc = ksp_pkg_add_file(&pkg, name, res->units[i].pre, err);
	}
	snprintf(out_path, out_len, "%s/ksplice-%s.tar.gz", info->outdir, info->id);
	if (!rc && info->signer)
		rc = ksp_pkg_sign(&pkg, info->signer, err);
	if (!rc)
		rc = ksp_pkg_write(&pkg, out_path, err);
	ksp_pkg_free(&pkg);
	return rc;
}

/* The CVE ids joined by spaces, as the update module carries them
 * (malloc'ed; NULL when out of memory). */
static char *joined_cves(const struct ksp_update_info *info)
{
	size_t len = 1;
	for (size_t i = 0; i < info->ncves; i++)
		len += strlen(info->cves[i]) + 1;
	char *s = calloc(1, len);
	for (size_t i = 0; s && i < info->ncves; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, info->cves[i]);
	}
	return s;
}

/* Flushed at once: a log or a pipe shows which step is running. */
static void progress_line(const struct ksp_create_opts *o, const char *line)
{
	if (!o->progress)
		return;
	fprintf(o->progress, "%s\n", line);
	fflush(o->progress);
}

int ksp_create_package(const struct ksp_create_opts *o, const struct ksp_create_result *res,
		       const struct ksp_update_info *info, char *out_path, size_t out_len,
		       struct ksp_error *err)
{
	char dir[4200];
	snprintf(dir, sizeof(dir), "%s/update", res->workdir);
	struct unit_code *uc = calloc(res->nunits + 1, sizeof(*uc));
	struct ksp_module_object *mo = calloc(res->nunits + 1, sizeof(*mo));
	char *cves = joined_cves(info);
	int rc = (!uc || !mo || !cves) ? ksp_fail(err, "out of memory") : 0;
	if (!rc && mkdir(dir, 0755) != 0)
		rc = ksp_fail(err, "%s: cannot create", dir);
	for (size_t i = 0; i < res->nunits && !rc; i++) {
		rc = extract_unit(res, i, info->headers, &uc[i], err);
		mo[i] = (struct ksp_module_object){
			.path = uc[i].path,
			.unit = res->units[i].object,
			.target = res->units[i].module,
			.replaced = uc[i].replaced,
			.nreplaced = uc[i].nreplaced,
			.check_only = uc[i].check_only,
			.ncheck_only = uc[i].ncheck_only,
			.relocs = uc[i].ext.relocs,
			.nrelocs = uc[i].ext.nrelocs,
			.early = uc[i].ext.early,
			.nearly = uc[i].ext.nearly,
			.loader_symbols = (const char *const *)uc[i].ext.loader_symbols,
			.nloader_symbols = uc[i].ext.nloader_symbols,
		};
	}
	char symvers[4200], *ko = NULL;
	snprintf(symvers, sizeof(symvers), "%s/%s/kmod-helper/Module.symvers", KSPLICE_KMOD_DIR,
		 res->tree.release);
	struct ksp_module_spec spec = {info->id,
				       info->description,
				       cves,
				       info->brings,
				       info->headers,
				       res->tree.compiler,
				       KSPLICE_HELPER_INCLUDE,
				       access(symvers, R_OK) == 0 ? symvers : NULL,
				       mo,
				       res->nunits};
	if (!rc)
		progress_line(o, "building update module");
	if (!rc) {
		char mdir[4300];
		snprintf(mdir, sizeof(mdir), "%s/module", dir);
		rc = ksp_update_module_build(&spec, mdir, &ko, err);
	}
	if (!rc)
		progress_line(o, "packaging");
	if (!rc)
		rc = package(o, res, info, uc, ko, out_path, out_len, err);
	free(ko);
	free(mo);
	free(cves);
	if (uc)
		free_units(uc, res->nunits);
	return rc;
}
