#include "core/compat.h"
#include "profile/folded.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "core/vec.h"
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

/* Append the counts of a line, from v[first] to v[last - 1], and '\n'. */
static void add_counts(struct strbuf *sb, const int64_t *v, unsigned first,
		       unsigned last)
{
	char num[64];
	unsigned k;

	for (k = first; k < last; k++) {
		folded_format_count(v[k], num);
		strbuf_addch(sb, ' ');
		strbuf_addstr(sb, num);
	}
	strbuf_addch(sb, '\n');
}

/*
 * One line per stack text, when a frame name may hold a ';' and two
 * different stacks may then print the same text: neighbours (sorted
 * stacks put equal texts next to each other) compare their texts.  The
 * counts are added to the text in place, which is written as it is.
 */
static void write_by_text(const struct profile *p, const uint32_t *order,
			  unsigned first, unsigned last, FILE *fp)
{
	size_t i, j, n = profile_nstacks(p);
	struct strbuf text = STRBUF_INIT, next = STRBUF_INIT;
	struct strbuf *cur = &text, *nxt = &next;
	unsigned k;

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
		add_counts(cur, v, first, last);
		fwrite_unlocked(cur->buf, 1, cur->len, fp);
		t = cur;
		cur = nxt;
		nxt = t;
	}
	strbuf_release(&text);
	strbuf_release(&next);
}

/* Whether some frame name holds a ';'. */
static int names_hold_semicolon(const struct profile *p)
{
	size_t nf = intern_count(&p->frames), i;

	for (i = 0; i < nf; i++)
		if (memchr(profile_frame_name(p, (uint32_t)i), ';',
			   profile_frame_len(p, (uint32_t)i)))
			return 1;
	return 0;
}

int folded_write(const struct profile *p, FILE *fp)
{
	uint32_t *order = profile_sorted_stacks(p);
	size_t i, j, m, n = profile_nstacks(p), depth = 0, keep, base;
	const uint32_t *prev = NULL;
	struct strbuf text = STRBUF_INIT;
	VEC(size_t) ends = VEC_INIT;
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
	 * stack once.  Without a ';' in a name, equal texts are equal
	 * frames, next to each other once sorted.  Sorted neighbours share
	 * most of their frames on deep profiles: the text of the frames a
	 * line shares with the one before stays in the buffer (ends[] marks
	 * where each frame's name ends) and only the rest is added; the
	 * output is tens of MB there.
	 */
	if (names_hold_semicolon(p)) {
		write_by_text(p, order, first, last, fp);
		goto out;
	}
	for (i = 0; i < n; i = j) {
		int64_t v[PROFILE_MAX_VALUES] = {0};
		const uint32_t *f = profile_stack(p, order[i], &m);
		int overflow = 0;

		for (j = i; j < n; j++) {
			size_t dj;
			const uint32_t *fj = profile_stack(p, order[j], &dj);

			if (j > i && (dj != m || memcmp(fj, f, m * sizeof(*f))))
				break;
			for (k = first; k < last; k++)
				v[k] = profile_sat_add(
				    v[k], profile_value(p, order[j], k),
				    &overflow);
		}
		for (keep = 0;
		     keep < depth && keep < m && prev[keep] == f[keep]; keep++)
			;
		strbuf_setlen(&text, keep ? ends.v[keep - 1] : 0);
		VEC_GROW(&ends, m);
		ends.len = m;
		for (; keep < m; keep++) {
			size_t len = profile_frame_len(p, f[keep]);
			char *out;

			if (strbuf_grow(&text, len + 1) < 0)
				break;
			out = text.buf + text.len;
			if (keep)
				*out++ = ';';
			memcpy(out, profile_frame_name(p, f[keep]), len);
			strbuf_setlen(&text, (size_t)(out + len - text.buf));
			ends.v[keep] = text.len;
		}
		base = text.len;
		add_counts(&text, v, first, last);
		fwrite_unlocked(text.buf, 1, text.len, fp);
		strbuf_setlen(&text, base);
		prev = f;
		depth = m;
	}
out:
	strbuf_release(&text);
	VEC_RELEASE(&ends);
	free(order);
	if (ferror(fp))
		return error_errno("cannot write folded stacks");
	return 0;
}
