/* The comparison of a pre object with its post object, and the plan. */
#include "rules.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

const char *mt_state_name(enum mt_state state)
{
	static const char *const names[] = {"unchanged", "changed", "new", "deleted"};
	return names[state];
}

static int grow(void **v, size_t n, size_t size)
{
	if (n != 0 && (n < 8 || (n & (n - 1))))
		return 0; /* capacity: 8, then doubled at each power of two */
	void *p = realloc(*v, (n ? n * 2 : 8) * size);
	if (!p)
		return -1;
	*v = p;
	return 0;
}

int mt_plan_refuse(struct mt_plan *plan, const char *symbol, char *reason)
{
	for (size_t i = 0; i < plan->nrefusals; i++)
		if (!strcmp(plan->refusals[i].symbol, symbol) &&
		    !strcmp(plan->refusals[i].reason, reason ? reason : "")) {
			free(reason);
			return 0;
		}
	if (!reason || grow((void **)&plan->refusals, plan->nrefusals, sizeof(*plan->refusals))) {
		free(reason);
		return -1;
	}
	plan->refusals[plan->nrefusals].symbol = strdup(symbol);
	plan->refusals[plan->nrefusals].reason = reason;
	if (!plan->refusals[plan->nrefusals].symbol) {
		free(reason);
		return -1;
	}
	plan->nrefusals++;
	return 0;
}

static const char *section_name(const struct ksp_obj *obj, size_t sym)
{
	return obj->sections[obj->symbols[sym].section].name;
}

static uint64_t entity_size(const struct ksp_obj *obj, size_t sym)
{
	uint64_t start, end;
	ksp_obj_extent(obj, sym, &start, &end);
	return end - start;
}

/* Adds a function entry from a pre symbol, a post symbol, or both. */
static int add_func(struct mt_plan *plan, const struct mt_ctx *ctx, size_t a, size_t b,
		    enum mt_state state)
{
	if (grow((void **)&plan->funcs, plan->nfuncs, sizeof(*plan->funcs)))
		return -1;
	struct mt_func *f = &plan->funcs[plan->nfuncs++];
	memset(f, 0, sizeof(*f));
	const struct ksp_obj *obj = b != KSP_OBJ_NONE ? ctx->post.obj : ctx->pre.obj;
	size_t sym = b != KSP_OBJ_NONE ? b : a;
	f->name = strdup(obj->symbols[sym].name);
	f->pre_name = strdup(a != KSP_OBJ_NONE ? ctx->pre.obj->symbols[a].name : "");
	f->section = strdup(section_name(obj, sym));
	f->state = state;
	f->global = obj->symbols[sym].global;
	f->pre_size = a != KSP_OBJ_NONE ? entity_size(ctx->pre.obj, a) : 0;
	f->post_size = b != KSP_OBJ_NONE ? entity_size(ctx->post.obj, b) : 0;
	return f->name && f->pre_name && f->section ? 0 : -1;
}

static int add_data(struct mt_plan *plan, const struct mt_ctx *ctx, size_t a, size_t b,
		    enum mt_state state)
{
	if (grow((void **)&plan->data, plan->ndata, sizeof(*plan->data)))
		return -1;
	struct mt_data *d = &plan->data[plan->ndata++];
	memset(d, 0, sizeof(*d));
	const struct ksp_obj *obj = b != KSP_OBJ_NONE ? ctx->post.obj : ctx->pre.obj;
	size_t sym = b != KSP_OBJ_NONE ? b : a;
	d->name = strdup(obj->symbols[sym].name);
	d->pre_name = strdup(a != KSP_OBJ_NONE ? ctx->pre.obj->symbols[a].name : "");
	d->section = strdup(section_name(obj, sym));
	d->state = state;
	d->writable = (obj->sections[obj->symbols[sym].section].flags & KSP_OBJ_SEC_WRITE) != 0;
	d->pre_size = a != KSP_OBJ_NONE ? entity_size(ctx->pre.obj, a) : 0;
	d->post_size = b != KSP_OBJ_NONE ? entity_size(ctx->post.obj, b) : 0;
	return d->name && d->pre_name && d->section ? 0 : -1;
}

static int classify_functions(struct mt_ctx *ctx, struct mt_plan *plan)
{
	const struct ksp_obj *pre = ctx->pre.obj, *post = ctx->post.obj;
	for (size_t i = 0; i < pre->nsymbols; i++) {
		if (!ksp_obj_is_function(pre, i))
			continue;
		size_t j = ctx->pre.pair[i];
		if (j == KSP_OBJ_NONE || !ksp_obj_is_function(post, j)) {
			if (add_func(plan, ctx, i, KSP_OBJ_NONE, MT_DELETED))
				return -1;
			continue;
		}
		struct mt_unit_result res;
		mt_compare_unit(ctx, i, j, &res);
		if (add_func(plan, ctx, i, j, res.equal ? MT_UNCHANGED : MT_CHANGED))
			return -1;
		struct mt_func *f = &plan->funcs[plan->nfuncs - 1];
		f->line_only = res.equal && res.line_only;
		if (!res.equal && !(f->difference = strdup(res.why)))
			return -1;
	}
	for (size_t j = 0; j < post->nsymbols; j++)
		if (ksp_obj_is_function(post, j) &&
		    (ctx->post.pair[j] == KSP_OBJ_NONE ||
		     !ksp_obj_is_function(pre, ctx->post.pair[j])) &&
		    add_func(plan, ctx, KSP_OBJ_NONE, j, MT_NEW))
			return -1;
	return 0;
}

static int classify_data(struct mt_ctx *ctx, struct mt_plan *plan)
{
	const struct ksp_obj *pre = ctx->pre.obj, *post = ctx->post.obj;
	for (size_t i = 0; i < pre->nsymbols; i++) {
		if (!ksp_obj_is_data(pre, i))
			continue;
		size_t j = ctx->pre.pair[i];
		if (j == KSP_OBJ_NONE || !ksp_obj_is_data(post, j)) {
			if (add_data(plan, ctx, i, KSP_OBJ_NONE, MT_DELETED))
				return -1;
			continue;
		}
		struct mt_unit_result res;
		mt_compare_unit(ctx, i, j, &res);
		if (add_data(plan, ctx, i, j, res.equal ? MT_UNCHANGED : MT_CHANGED))
			return -1;
		if (!res.equal) {
			ctx->pre.changed[i] = 1;
			if (!(plan->data[plan->ndata - 1].difference = strdup(res.why)))
				return -1;
		}
	}
	for (size_t j = 0; j < post->nsymbols; j++)
		if (ksp_obj_is_data(post, j) &&
		    (ctx->post.pair[j] == KSP_OBJ_NONE ||
		     !ksp_obj_is_data(pre, ctx->post.pair[j])) &&
		    add_data(plan, ctx, KSP_OBJ_NONE, j, MT_NEW))
			return -1;
	return 0;
}

/* The source file an object was compiled from (its STT_FILE symbol). */
static const char *source_name(const struct ksp_obj *obj)
{
	for (size_t i = 0; i < obj->nsymbols; i++)
		if (obj->symbols[i].kind == KSP_OBJ_SYM_FILE)
			return obj->symbols[i].name;
	return NULL;
}

static int check_related(const struct mt_ctx *ctx, struct ksp_error *err)
{
	const struct ksp_obj *pre = ctx->pre.obj, *post = ctx->post.obj;
	const char *a = source_name(pre), *b = source_name(post);
	if (a && b && strcmp(a, b) != 0)
		return ksp_fail(err, "%s and %s are unrelated: compiled from %s and %s", pre->path,
				post->path, a, b);
	size_t entities = 0, paired = 0;
	for (size_t i = 0; i < pre->nsymbols; i++) {
		if (!ksp_obj_is_entity(pre, i))
			continue;
		entities++;
		paired += ctx->pre.pair[i] != KSP_OBJ_NONE;
	}
	if (entities && !paired)
		return ksp_fail(err, "%s and %s are unrelated: no function or variable in common",
				pre->path, post->path);
	return 0;
}

int mt_compare(const struct ksp_obj *pre, const struct ksp_obj *post, const struct mt_options *opts,
	       struct mt_plan *plan, struct ksp_error *err)
{
	memset(plan, 0, sizeof(*plan));
	struct mt_ctx ctx = {.pre = {.obj = pre}, .post = {.obj = post}};
	int rc = -1;
	plan->pre_path = strdup(pre->path);
	plan->post_path = strdup(post->path);
	if (!plan->pre_path || !plan->post_path || mt_pair(&ctx)) {
		ksp_fail(err, "out of memory");
		goto out;
	}
	if (check_related(&ctx, err))
		goto out;
	if (classify_functions(&ctx, plan) || mt_compare_tables(&ctx, plan) ||
	    classify_data(&ctx, plan) || mt_apply_rules(&ctx, opts, plan)) {
		ksp_fail(err, "out of memory");
		goto out;
	}
	rc = 0;
out:
	mt_ctx_free(&ctx);
	if (rc)
		mt_plan_free(plan);
	return rc;
}

int mt_plan_new_object(const char *post_path, struct mt_plan *plan, struct ksp_error *err)
{
	memset(plan, 0, sizeof(*plan));
	plan->pre_path = strdup("");
	plan->post_path = strdup(post_path);
	if (!plan->pre_path || !plan->post_path ||
	    mt_plan_refuse(plan, post_path,
			   strdup("the patch creates a new object file (it would need new "
				  "initialization and linking that a live update cannot do)"))) {
		mt_plan_free(plan);
		return ksp_fail(err, "out of memory");
	}
	return 0;
}

size_t mt_plan_count(const struct mt_plan *plan, enum mt_state state)
{
	size_t n = 0;
	for (size_t i = 0; i < plan->nfuncs; i++)
		n += plan->funcs[i].state == state;
	return n;
}

void mt_plan_free(struct mt_plan *plan)
{
	for (size_t i = 0; i < plan->nfuncs; i++) {
		free(plan->funcs[i].name);
		free(plan->funcs[i].pre_name);
		free(plan->funcs[i].section);
		free(plan->funcs[i].difference);
	}
	for (size_t i = 0; i < plan->ndata; i++) {
		free(plan->data[i].name);
		free(plan->data[i].pre_name);
		free(plan->data[i].section);
		free(plan->data[i].difference);
	}
	for (size_t i = 0; i < plan->nrefusals; i++) {
		free(plan->refusals[i].symbol);
		free(plan->refusals[i].reason);
	}
	free(plan->funcs);
	free(plan->data);
	free(plan->refusals);
	free(plan->pre_path);
	free(plan->post_path);
	memset(plan, 0, sizeof(*plan));
}
