/*
 * The line diff behind hdr_change.h: two texts are cut into lines, the lines
 * both share at the start and at the end are trimmed, and the rest (the
 * middle) is diffed by longest common subsequence into hunks. Each side's
 * deleted or inserted lines are marked changed, and the first line of the
 * first text whose number differs in the second is reported.
 *
 * The middle is limited to LINE_DIFF_MAX_MIDDLE lines on either side (the
 * LCS table is quadratic): a larger change is not diffed.
 */
#ifndef KSPLICE_LINE_DIFF_H
#define KSPLICE_LINE_DIFF_H

#include <stddef.h>
#include <stdint.h>

#define LINE_DIFF_MAX_MIDDLE 4000

/* One text cut into lines (the last may lack its newline). */
struct line_diff_text {
	const char *text;
	size_t len, nlines;
	uint32_t *line_off; /* nlines + 1 entries */
	unsigned char *chg; /* changed lines, 1-based */
};

/* Cuts text (shorter than UINT32_MAX / 2, not copied) into t's lines, none
 * marked changed. t is released by line_diff_text_free, also after a
 * failure. 0, or -1 if out of memory or too many lines. */
int line_diff_split(struct line_diff_text *t, const char *text, size_t len);
void line_diff_text_free(struct line_diff_text *t);

/* Diffs pre against post, marking the changed lines of both. *first_shifted
 * is the first pre line (1-based) whose number differs in post, or 0. Returns
 * 0, -1 if out of memory, or 1 if the middle is larger than
 * LINE_DIFF_MAX_MIDDLE lines on either side: nothing is marked,
 * *first_shifted is the first line of the middle, and *pre_mid and *post_mid
 * its sizes. */
int line_diff(struct line_diff_text *pre, struct line_diff_text *post, uint32_t *first_shifted,
	      size_t *pre_mid, size_t *post_mid);

#endif
