#include "hdr_struct_cond.h"
#include "hdr_cond.h"
#include "pp_screen.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAX_BRACKETS 64

/* Writes why; returns 1. */
__attribute__((format(printf, 3, 4))) static int refuse(char *why, size_t why_len, const char *fmt,
							...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
	return 1;
}

int hdr_cond_nesting(struct hdr_unit *u, int depth, int *stack, size_t *nst, char *why,
		     size_t why_len)
{
	u->cond = (uint32_t)*nst;
	if (u->dkind == D_IF || u->dkind == D_IFNDEF) {
		if (*nst >= HDR_MAX_COND)
			return refuse(why, why_len, "#if nested too deeply");
		stack[(*nst)++] = depth;
	} else if (u->dkind == D_ELSE || u->dkind == D_ENDIF) {
		if (!*nst)
			return refuse(why, why_len, "unbalanced #if/#endif");
		if (stack[*nst - 1] != depth)
			return refuse(why, why_len,
				      "braces unbalanced within a conditional branch (line %u)",
				      u->line0);
		if (u->dkind == D_ENDIF)
			--*nst;
	}
	return 0;
}

/* The unit's character if it is a one-character punctuator, else 0. */
static char punct(const struct hdr_lexed *lx, const struct hdr_unit *u)
{
	return u->kind == U_CODE && u->len == 1 ? lx->sp[u->off] : 0;
}

static int is_word(const struct hdr_lexed *lx, const struct hdr_unit *u, const char *w)
{
	return u->kind == U_CODE && u->len == strlen(w) && !memcmp(lx->sp + u->off, w, u->len);
}

/* The brackets open at a unit, and where the walk stands. */
struct walk {
	char open[MAX_BRACKETS];
	size_t nopen;
	int body, closed;	    /* the outermost braces opened, closed */
	int after_member;	    /* the last code unit was ';' or '{' */
	size_t at_if[HDR_MAX_COND]; /* nopen at each open #if */
	size_t nif;
};

/* A code unit: its brackets must nest ("( ]" does not). 0 if they do not. */
static int code_unit(struct walk *w, char c)
{
	static const char opens[] = "([{", closes[] = ")]}";
	w->after_member = c == ';' || c == '{';
	if (c && strchr(opens, c)) {
		if (w->nopen == MAX_BRACKETS)
			return 0;
		w->body |= c == '{' && !w->nopen;
		w->open[w->nopen++] = c;
	} else if (c && strchr(closes, c)) {
		if (!w->nopen || w->open[w->nopen - 1] != opens[strchr(closes, c) - closes])
			return 0;
		w->closed |= !--w->nopen && w->body;
	}
	return 1;
}

/* A directive: a conditional, inside the outermost braces where only braces
 * are open, after a whole member; its group opens and closes there and
 * each branch ends at the bracket depth it started at. 0 if not so. */
static int directive_unit(struct walk *w, const struct hdr_unit *u)
{
	if (!hdr_is_conditional(u) || !w->body || w->closed || !w->after_member)
		return 0;
	for (size_t i = 0; i < w->nopen; i++)
		if (w->open[i] != '{')
			return 0;
	if (u->dkind == D_IF || u->dkind == D_IFNDEF) {
		if (w->nif == HDR_MAX_COND)
			return 0;
		w->at_if[w->nif++] = w->nopen;
		return 1;
	}
	if (!w->nif || w->at_if[w->nif - 1] != w->nopen)
		return 0;
	w->nif -= u->dkind == D_ENDIF;
	return 1;
}

int hdr_struct_cond_shape(const struct hdr_lexed *lx, size_t first, size_t last)
{
	struct walk w = {.nopen = 0};
	if (!is_word(lx, &lx->u[first], "struct") && !is_word(lx, &lx->u[first], "union"))
		return 0;
	for (size_t k = first; k <= last; k++) {
		const struct hdr_unit *u = &lx->u[k];
		if (!(u->kind == U_DIR ? directive_unit(&w, u) : code_unit(&w, punct(lx, u))))
			return 0;
	}
	return !w.nif && w.closed;
}

int hdr_struct_cond_item(const struct pp_parsed *p)
{
	return p->items.n == 1 && ksp_pp_item_tagdef(p, 0);
}
