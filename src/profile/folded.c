#include "core/compat.h"
#include "profile/folded.h"
#include "core/error.h"
#include "core/strbuf.h"
#include <math.h>

void folded_format_count(int64_t v, char *buf)
{
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	char tmp[21];
	size_t n = 0, i = 0;

	do
		tmp[n++] = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		buf[i++] = '-';
	while (n)
		buf[i++] = tmp[--n];
	buf[i] = '\0';
}

void folded_format_value(double v, char *buf, size_t size)
{
	/* Perl prints integral numbers without a fraction and others with
	 * %.15g. */
	if (v == floor(v) && fabs(v) < 1e18 && size >= 21)
		folded_format_count((int64_t)v, buf);
	else if (v == floor(v) && fabs(v) < 1e18)
		snprintf(buf, size, "%.0f", v);
	else
		snprintf(buf, size, "%.15g", v);
}

int folded_write(const struct profile *p, FILE *fp)
{
	uint32_t *order = profile_sorted_stacks(p);
	size_t i, j, n = profile_nstacks(p);
	struct strbuf text = STRBUF_INIT, next = STRBUF_INIT;
	struct strbuf *cur = &text, *nxt = &next;
	char num[64];
	unsigned k, first = 0, last = p->nvalues;

	/* Two counts on a line mean "before after"; a profile with two
	 * measures of the same samples (count, nanoseconds) writes its main
	 * one. */
	if (!(p->flags & PROFILE_DIFFERENTIAL)) {
		first = p->main_value;
		last = first + 1;
	}

	/*
	 * One line per stack text: stacks that differ only by thread (two
	 * threads of one name, without --per-thread) are summed, since the
	 * text does not tell them apart and folded readers expect each
	 * stack once.  Sorted stacks put equal texts next to each other.
	 * The counts are added to the text in place, which is written as it
	 * is: the output is tens of MB on deep profiles, copied once.
	 */
	for (i = 0; i < n; i = j) {
		int64_t v[PROFILE_MAX_VALUES] = {0};
		struct strbuf *t;
		int overflow = 0;

		/* The text of stack i is in cur when the loop below read it. */
		if (!i)
			profile_stack_text(p, order[0], cur);
		for (j = i; j < n; j++) {
			if (j > i) {
				strbuf_reset(nxt);
				profile_stack_text(p, order[j], nxt);
				if (nxt->len != cur->len ||
				    memcmp(nxt->buf, cur->buf, cur->len))
					break;
			}
			for (k = first; k < last; k++)
				v[k] = profile_sat_add(
				    v[k], profile_value(p, order[j], k),
				    &overflow);
		}
		for (k = first; k < last; k++) {
			folded_format_count(v[k], num);
			strbuf_addch(cur, ' ');
			strbuf_addstr(cur, num);
		}
		strbuf_addch(cur, '\n');
		fwrite_unlocked(cur->buf, 1, cur->len, fp);
		t = cur;
		cur = nxt;
		nxt = t;
	}
	strbuf_release(&text);
	strbuf_release(&next);
	free(order);
	if (ferror(fp))
		return error_errno("cannot write folded stacks");
	return 0;
}
