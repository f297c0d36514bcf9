#include "line_diff.h"

#include <stdlib.h>
#include <string.h>

int line_diff_split(struct line_diff_text *s, const char *text, size_t len)
{
	s->text = text;
	s->len = len;
	size_t n = 0;
	for (size_t i = 0; i < s->len; i++)
		n += s->text[i] == '\n';
	n += s->len && s->text[s->len - 1] != '\n';
	if (n >= UINT32_MAX - 2 || !(s->line_off = malloc((n + 1) * sizeof(uint32_t))) ||
	    !(s->chg = calloc(n + 2, 1)))
		return -1;
	s->nlines = n;
	size_t k = 0;
	s->line_off[k++] = 0;
	for (size_t i = 0; i < s->len && k < n; i++)
		if (s->text[i] == '\n')
			s->line_off[k++] = (uint32_t)(i + 1);
	s->line_off[n] = (uint32_t)s->len + (s->len && s->text[s->len - 1] != '\n');
	return 0;
}

void line_diff_text_free(struct line_diff_text *t)
{
	free(t->line_off);
	free(t->chg);
}

/* Line i (0-based), without its newline. */
static int line_eq(const struct line_diff_text *a, size_t i, const struct line_diff_text *b,
		   size_t j)
{
	size_t la = a->line_off[i + 1] - a->line_off[i] - 1;
	size_t lb = b->line_off[j + 1] - b->line_off[j] - 1;
	return la == lb && !memcmp(a->text + a->line_off[i], b->text + b->line_off[j], la);
}

struct hunks {
	long delta;
	uint32_t first_shift;
	int found;
};

/* A hunk: pre lines [pi, pi + nd) deleted, nins lines inserted (0-based). */
static void close_hunk(struct hunks *h, const struct line_diff_text *pre, size_t pi, size_t nd,
		       size_t nins)
{
	if (!nd && !nins)
		return;
	h->delta += (long)nins - (long)nd;
	if (!h->found && h->delta) {
		h->found = 1;
		h->first_shift = pi < pre->nlines ? (uint32_t)(pi + 1) : 0;
	}
}

static int diff_middle(struct line_diff_text *x, struct line_diff_text *y, size_t p, size_t m,
		       size_t n, uint32_t *first_shifted)
{
	uint16_t *dp = calloc((m + 1) * (n + 1), sizeof(*dp));
	if (!dp)
		return -1;
	for (size_t i = m; i-- > 0;)
		for (size_t j = n; j-- > 0;) {
			uint16_t *c = &dp[i * (n + 1) + j];
			if (line_eq(x, p + i, y, p + j))
				*c = dp[(i + 1) * (n + 1) + j + 1] + 1;
			else
				*c = dp[(i + 1) * (n + 1) + j] > dp[i * (n + 1) + j + 1]
					     ? dp[(i + 1) * (n + 1) + j]
					     : dp[i * (n + 1) + j + 1];
		}
	struct hunks h = {0};
	size_t i = 0, j = 0, hi = 0, nd = 0, nins = 0;
	while (i < m || j < n) {
		if (i < m && j < n && line_eq(x, p + i, y, p + j) &&
		    dp[i * (n + 1) + j] == dp[(i + 1) * (n + 1) + j + 1] + 1) {
			close_hunk(&h, x, p + hi, nd, nins);
			i++, j++;
			hi = i, nd = nins = 0;
		} else if (j == n ||
			   (i < m && dp[(i + 1) * (n + 1) + j] >= dp[i * (n + 1) + j + 1])) {
			x->chg[p + ++i] = 1;
			nd++;
		} else {
			y->chg[p + ++j] = 1;
			nins++;
		}
	}
	close_hunk(&h, x, p + hi, nd, nins);
	free(dp);
	*first_shifted = h.first_shift;
	return 0;
}

int line_diff(struct line_diff_text *x, struct line_diff_text *y, uint32_t *first_shifted,
	      size_t *pre_mid, size_t *post_mid)
{
	size_t p = 0, q = 0;
	while (p < x->nlines && p < y->nlines && line_eq(x, p, y, p))
		p++;
	while (q < x->nlines - p && q < y->nlines - p &&
	       line_eq(x, x->nlines - 1 - q, y, y->nlines - 1 - q))
		q++;
	size_t m = x->nlines - p - q, n = y->nlines - p - q;
	if (m > LINE_DIFF_MAX_MIDDLE || n > LINE_DIFF_MAX_MIDDLE) {
		*first_shifted = (uint32_t)(p + 1);
		*pre_mid = m, *post_mid = n;
		return 1;
	}
	return diff_middle(x, y, p, m, n, first_shifted);
}
