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
	size_t i, n = profile_nstacks(p);
	struct strbuf line = STRBUF_INIT;
	char num[64];
	unsigned k, first = 0, last = p->nvalues;

	/* Two counts on a line mean "before after"; a profile with two
	 * measures of the same samples (count, nanoseconds) writes its main
	 * one. */
	if (!(p->flags & PROFILE_DIFFERENTIAL)) {
		first = p->main_value;
		last = first + 1;
	}

	for (i = 0; i < n; i++) {
		strbuf_reset(&line);
		profile_stack_text(p, order[i], &line);
		for (k = first; k < last; k++) {
			folded_format_count(profile_value(p, order[i], k), num);
			strbuf_addch(&line, ' ');
			strbuf_addstr(&line, num);
		}
		strbuf_addch(&line, '\n');
		fwrite(line.buf, 1, line.len, fp);
	}
	strbuf_release(&line);
	free(order);
	if (ferror(fp))
		return error_errno("cannot write folded stacks");
	return 0;
}
