/*
 * Conditional directives inside a file-scope construct, for hdr_change.h:
 * the brace depth they must keep, and the one kind of construct holding them
 * that a changed header is still judged by names for, a struct or union
 * definition with #if lines among its members:
 *
 *	struct foo {
 *		int a;
 *	#ifdef CONFIG_X
 *		int b;
 *	#endif
 *		int c;
 *	};
 *
 * Such a construct is judged as the union of its branches: its text with
 * the directive lines removed (every member line of every branch), which
 * must read as an inert struct or union definition. Its declared names are
 * that text's (the tag and the tags of the definitions nested in any branch),
 * and every identifier of every branch is checked as any other construct's.
 *
 * Why the union is enough: whatever the configuration selects, the
 * construct is "struct TAG { some of these members };". The head before
 * the first directive and the tail after the last are the same in every
 * configuration, so it declares the same tag and never a variable; its
 * nested definitions are a subset of the union's, so it declares a subset of
 * the nested tags (and no enum constant, none being in the union); it
 * mentions a subset of the identifiers. A reader is judged by whether these
 * names reach its code, which does not depend on which members exist.
 *
 * "Some of these members" needs the directives to cut the text only between
 * whole member declarations, which hdr_struct_cond_shape() checks: each
 * directive stands where only braces are open, strictly inside the outermost
 * ones, right after a ';' or '{' (so the tokens next to each other in a
 * configuration's text are next to each other in the union, or follow a ';'
 * or '{'; no "enum {" or "struct tag {" can appear that the union lacks, no
 * macro call spans a directive); every #if group opens and closes there, and
 * every branch leaves the bracket depth as it found it (so each token lies
 * at the same depth in every configuration and the same '}' closes the
 * body). Anything else holding a directive stays a fallback.
 */
#ifndef KSPLICE_HDR_STRUCT_COND_H
#define KSPLICE_HDR_STRUCT_COND_H

#include "hdr_lex.h"
#include "pp_items.h"

#include <stddef.h>

#define HDR_MAX_COND 256

/* The #if nesting at the conditional directive u (which sets u->cond), with
 * the bracket depth at each open #if on stack[0, *nst): every branch must
 * leave the depth as it found it, so that file scope is file scope whatever
 * the configuration. 0, or 1 with why (unbalanced #if/#endif, nested too
 * deeply, brackets unbalanced within a branch). */
int hdr_cond_nesting(struct hdr_unit *u, int depth, int *stack, size_t *nst, char *why,
		     size_t why_len);

/* Whether the construct [first, last] of lx, which holds directives, has
 * the shape above: a struct or union definition whose directives are all
 * conditionals that may be read as the union of their branches. */
int hdr_struct_cond_shape(const struct hdr_lexed *lx, size_t first, size_t last);

/* Whether the expanded union of such a construct is one struct or union
 * definition with a body (then ksp_pp_item_decl() says whether it is inert
 * and which names it declares). */
int hdr_struct_cond_item(const struct pp_parsed *p);

#endif
