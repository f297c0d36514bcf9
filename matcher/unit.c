/* Comparing one function or variable of pre with its partner in post:
 * instruction by instruction for code (so a difference is reported at an
 * instruction and __LINE__ constants can be recognised), byte by byte for
 * data; relocation fields are compared by what they refer to. */
#include "unit.h"

#include "disasm.h"

#include <stdio.h>
#include <string.h>

unsigned mt_insn(const unsigned char *p, size_t avail, char *text, size_t len)
{
	struct ksp_insn insn;
	ksp_insn_decode(p, avail, 0, &insn);
	if (text && len) { /* the caller's buffer may be shorter: truncate */
		const char *src = insn.len ? insn.text : "";
		size_t n = strlen(src) < len ? strlen(src) : len - 1;
		memcpy(text, src, n);
		text[n] = '\0';
	}
	return insn.len;
}

/* Functions whose second argument is __LINE__ (might_sleep() and friends,
 * WARN() through warn_slowpath_fmt, lockdep's RCU checks). A line number
 * elsewhere (a printk argument, say) is indistinguishable from a real
 * constant and is not recognised. */
static const char *const line_functions[] = {
	"__might_sleep",  "__might_resched",   "__might_fault",		 "__cant_sleep",
	"__cant_migrate", "warn_slowpath_fmt", "lockdep_rcu_suspicious", NULL,
};

static int is_line_function(const char *name)
{
	for (int i = 0; line_functions[i]; i++)
		if (strcmp(name, line_functions[i]) == 0)
			return 1;
	return 0;
}

struct span {
	const struct ksp_obj *obj;
	const struct ksp_obj_section *sec;
	uint64_t start, end;
	size_t first; /* first relocation at or after start */
};

static void span_of(const struct ksp_obj *obj, size_t sym, struct span *sp)
{
	sp->obj = obj;
	sp->sec = &obj->sections[obj->symbols[sym].section];
	ksp_obj_extent(obj, sym, &sp->start, &sp->end);
	sp->first = ksp_obj_first_reloc(sp->sec, sp->start);
}

/* Relocations of sp whose field starts in [from, to) (offsets relative to
 * the span): index of the first, count. */
static size_t relocs_in(const struct span *sp, uint64_t from, uint64_t to, size_t *first)
{
	size_t i = ksp_obj_first_reloc(sp->sec, sp->start + from), n = 0;
	*first = i;
	while (i + n < sp->sec->nrelocs && sp->sec->relocs[i + n].offset < sp->start + to &&
	       sp->sec->relocs[i + n].offset < sp->end)
		n++;
	return n;
}

/* Whether off lies in a relocation field; *cur moves through the sorted
 * relocations [*cur, end) as off grows. */
static int in_field(const struct ksp_obj_section *sec, size_t *cur, size_t end, uint64_t off)
{
	while (*cur < end && sec->relocs[*cur].offset + sec->relocs[*cur].size <= off)
		(*cur)++;
	return *cur < end && off >= sec->relocs[*cur].offset;
}

static unsigned char byte_at(const struct span *sp, uint64_t off)
{
	return sp->sec->data ? sp->sec->data[sp->start + off] : 0;
}

/* Compares [from, to) of both spans; 0 if equal, else 1 with why set. */
static int compare_range(const struct mt_ctx *ctx, const struct span *a, const struct span *b,
			 uint64_t from, uint64_t to, char *why, size_t len, uint64_t *at)
{
	size_t fa, fb;
	size_t na = relocs_in(a, from, to, &fa), nb = relocs_in(b, from, to, &fb);
	/* Two .bss-like spans hold zeros, however long they claim to be. */
	int bytes = a->sec->data || b->sec->data;
	size_t ca = fa, cb = fb;
	for (uint64_t o = from; bytes && o < to; o++) {
		int ra = in_field(a->sec, &ca, fa + na, a->start + o),
		    rb = in_field(b->sec, &cb, fb + nb, b->start + o);
		if (ra != rb || (!ra && byte_at(a, o) != byte_at(b, o))) {
			*at = o;
			snprintf(why, len, "bytes differ");
			return 1;
		}
	}
	if (na != nb) {
		*at = from;
		snprintf(why, len, "%zu relocations became %zu", na, nb);
		return 1;
	}
	for (size_t i = 0; i < na; i++) {
		const struct ksp_obj_reloc *ra = &a->sec->relocs[fa + i],
					   *rb = &b->sec->relocs[fb + i];
		if (ra->offset - a->start != rb->offset - b->start) {
			*at = ra->offset - a->start;
			snprintf(why, len, "relocations moved");
			return 1;
		}
		if (!mt_targets_equal(ctx, ra, rb, why, len)) {
			*at = ra->offset - a->start;
			return 1;
		}
	}
	return 0;
}

/* A mov of a 32-bit immediate into %esi (the second argument), whose only
 * differing bytes are that immediate. */
static int line_argument(const unsigned char *p, const unsigned char *q, unsigned len)
{
	unsigned i = 0;
	if (len == 5 && p[0] == 0xbe) /* mov $imm32, %esi */
		i = 1;
	else if (len == 6 && p[0] == 0xc7 && p[1] == 0xc6) /* the same, modrm form */
		i = 2;
	return i && memcmp(p, q, i) == 0;
}

/* Whether a call to a __LINE__-taking function follows the instruction at
 * off within a few instructions, in both spans alike. */
static int line_call_follows(const struct span *a, const struct span *b, uint64_t off)
{
	uint64_t size = a->end - a->start;
	for (int k = 0; k < 10 && off < size; k++) {
		const unsigned char *p = a->sec->data + a->start + off;
		unsigned n = mt_insn(p, size - off, NULL, 0);
		if (!n)
			return 0;
		if (p[0] == 0xe8 && n == 5) {
			size_t fa, fb;
			if (relocs_in(a, off + 1, off + 2, &fa) != 1 ||
			    relocs_in(b, off + 1, off + 2, &fb) != 1)
				return 0;
			const char *na = a->obj->symbols[a->sec->relocs[fa].sym].name;
			const char *nb = b->obj->symbols[b->sec->relocs[fb].sym].name;
			return is_line_function(na) && strcmp(na, nb) == 0;
		}
		off += n;
	}
	return 0;
}

/* Records the first difference: at is where it is, insn the start of the
 * instruction holding it (code), or at itself (data). */
static void set_difference(struct mt_unit_result *res, const struct span *a, const struct span *b,
			   uint64_t at, uint64_t insn, const char *why, int code)
{
	res->equal = 0;
	res->at = at;
	char ia[96] = "", ib[96] = "";
	if (code && insn < a->end - a->start && insn < b->end - b->start) {
		mt_insn(a->sec->data + a->start + insn, a->end - a->start - insn, ia, sizeof(ia));
		mt_insn(b->sec->data + b->start + insn, b->end - b->start - insn, ib, sizeof(ib));
	}
	if (ia[0] && ib[0] && strcmp(ia, ib) != 0 && !strstr(why, "refers to"))
		snprintf(res->why, sizeof(res->why), "+0x%llx: \"%s\" became \"%s\"",
			 (unsigned long long)insn, ia, ib);
	else if (ia[0])
		snprintf(res->why, sizeof(res->why), "+0x%llx: \"%s\" %s", (unsigned long long)insn,
			 ia, why);
	else
		snprintf(res->why, sizeof(res->why), "+0x%llx: %s", (unsigned long long)at, why);
}

static void compare_code(const struct mt_ctx *ctx, const struct span *a, const struct span *b,
			 struct mt_unit_result *res)
{
	uint64_t size = a->end - a->start, bsize = b->end - b->start;
	uint64_t common = size < bsize ? size : bsize;
	char why[256];
	uint64_t off = 0, at;
	while (off < common) {
		const unsigned char *p = a->sec->data + a->start + off;
		unsigned n = mt_insn(p, size - off, NULL, 0);
		if (!n || off + n > common)
			n = 1;
		if (compare_range(ctx, a, b, off, off + n, why, sizeof(why), &at)) {
			const unsigned char *q = b->sec->data + b->start + off;
			size_t fa;
			if (n > 1 && relocs_in(a, off, off + n, &fa) == 0 &&
			    line_argument(p, q, n) && line_call_follows(a, b, off + n)) {
				res->line_only = 1;
				off += n;
				continue;
			}
			set_difference(res, a, b, at, off, why, 1);
			return;
		}
		off += n;
	}
	if (size != bsize) {
		snprintf(why, sizeof(why), "size 0x%llx became 0x%llx", (unsigned long long)size,
			 (unsigned long long)bsize);
		set_difference(res, a, b, common, common, why, 0);
	}
}

void mt_compare_unit(const struct mt_ctx *ctx, size_t pre_sym, size_t post_sym,
		     struct mt_unit_result *res)
{
	struct span a, b;
	span_of(ctx->pre.obj, pre_sym, &a);
	span_of(ctx->post.obj, post_sym, &b);
	memset(res, 0, sizeof(*res));
	res->equal = 1;
	if ((a.sec->flags & KSP_OBJ_SEC_CODE) && a.sec->data && b.sec->data) {
		compare_code(ctx, &a, &b, res);
		return;
	}
	uint64_t size = a.end - a.start, bsize = b.end - b.start;
	uint64_t common = size < bsize ? size : bsize;
	char why[256];
	uint64_t at;
	if (compare_range(ctx, &a, &b, 0, common, why, sizeof(why), &at))
		set_difference(res, &a, &b, at, at, why, 0);
	else if (size != bsize) {
		snprintf(why, sizeof(why), "size 0x%llx became 0x%llx", (unsigned long long)size,
			 (unsigned long long)bsize);
		set_difference(res, &a, &b, common, common, why, 0);
	}
}

int mt_compare_region(const struct mt_ctx *ctx, size_t pre_sec, uint64_t pre_off, size_t post_sec,
		      uint64_t post_off, uint64_t len, char *why, size_t whylen)
{
	const struct ksp_obj_section *sa = &ctx->pre.obj->sections[pre_sec];
	const struct ksp_obj_section *sb = &ctx->post.obj->sections[post_sec];
	if (pre_off > sa->size || len > sa->size - pre_off || post_off > sb->size ||
	    len > sb->size - post_off) {
		snprintf(why, whylen, "out of its section");
		return 1;
	}
	struct span a = {ctx->pre.obj, sa, pre_off, pre_off + len, 0};
	struct span b = {ctx->post.obj, sb, post_off, post_off + len, 0};
	uint64_t at;
	return compare_range(ctx, &a, &b, 0, len, why, whylen, &at);
}
