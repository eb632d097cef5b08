#include "core/compat.h"
#include "profile/read.h"
#include "core/error.h"
#include "core/lines.h"
#include "core/vec.h"
#include "core/strbuf.h"
#include "profile/perfscript.h"
#include "profile/pprof.h"

/* What take_count() found at the end of a line. */
enum count_kind {
	COUNT_NONE = 0, /* no count: not a folded line */
	COUNT_OK,	/* a count in .value */
	COUNT_NEGATIVE, /* "-5" */
	COUNT_TOO_BIG,	/* more than INT64_MAX */
};

struct count {
	enum count_kind kind;
	int64_t value;
	int fraction; /* had digits after the '.' (rounded to .value) */
	const char *text;
	size_t text_len;
};

/*
 * /^(.*)\s+?(\d+(?:\.\d*)?)$/ as flamegraph.pl applies it: a count at the
 * end of the line after whitespace; the (.*) before it is greedy, so only
 * one whitespace character is taken off the stack text.  Counts are exact
 * 64-bit integers: a fraction is rounded (half up), a count past
 * INT64_MAX and a negative count are reported as such.  On COUNT_OK,
 * *len is shortened to the stack.
 */
static struct count take_count(const char *s, size_t *len)
{
	struct count c = {COUNT_NONE, 0, 0, NULL, 0};
	size_t e = *len, i = e, dot, k;

	while (i && s[i - 1] >= '0' && s[i - 1] <= '9')
		i--;
	dot = i;
	if (i && s[i - 1] == '.') {
		i--;
		while (i && s[i - 1] >= '0' && s[i - 1] <= '9')
			i--;
		if (i == dot - 1)
			return c; /* ".5" is not a count */
	} else if (i == e) {
		return c;
	} else {
		dot = e + 1;
	}
	c.text = s + i;
	c.text_len = e - i;
	if (i >= 2 && s[i - 1] == '-' && isspace((unsigned char)s[i - 2])) {
		c.kind = COUNT_NEGATIVE;
		c.text--;
		c.text_len++;
		return c;
	}
	if (!i || !isspace((unsigned char)s[i - 1]))
		return c;
	c.kind = COUNT_OK;
	for (k = i; k < e && k != dot - 1; k++) {
		if (__builtin_mul_overflow(c.value, 10, &c.value) ||
		    __builtin_add_overflow(c.value, s[k] - '0', &c.value)) {
			c.kind = COUNT_TOO_BIG;
			return c;
		}
	}
	if (dot < e) {
		c.fraction = 1;
		if (s[dot] >= '5' &&
		    __builtin_add_overflow(c.value, 1, &c.value)) {
			c.kind = COUNT_TOO_BIG;
			return c;
		}
	}
	*len = i - 1;
	return c;
}

/* Report a count that cannot be read; returns -1. */
static int bad_count(const struct lines *lr, const struct count *c)
{
	if (c->kind == COUNT_NEGATIVE)
		return error("%s:%" PRIu64 ": negative count %.*s; counts "
			     "cannot be negative",
			     lr->name, lr->lineno, (int)MIN(c->text_len, 40),
			     c->text);
	return error("%s:%" PRIu64 ": count %.*s%s does not fit in 64 bits "
		     "(at most %" PRId64 ")",
		     lr->name, lr->lineno, (int)MIN(c->text_len, 40), c->text,
		     c->text_len > 40 ? "..." : "", INT64_MAX);
}

/* Folded stacks, one or two counts per line (difffolded.pl's format). */
static int folded_read(struct profile *p, struct lines *lr)
{
	VEC(uint32_t) frames = VEC_INIT;
	uint64_t ignored = 0, first_ignored = 0, lines = 0, cut = 0;
	uint64_t first_fraction = 0;
	unsigned nvalues = 0, k;
	const char *s;
	size_t len;
	int r, ret = -1, nonzero = 0;

	while ((r = lines_next(lr, &s, &len)) > 0) {
		size_t len2, len3, i, start;
		struct count a, b;
		int64_t v[2];

		if (len && s[len - 1] == '\r')
			len--;
		if (!len)
			continue;
		a = take_count(s, &len);
		if (a.kind == COUNT_NEGATIVE || a.kind == COUNT_TOO_BIG) {
			bad_count(lr, &a);
			goto out;
		}
		if (a.kind == COUNT_NONE) {
			/* The last line of a truncated file lost its count. */
			if (lines_unterminated(lr)) {
				cut = lr->lineno;
				continue;
			}
			if (!ignored++)
				first_ignored = lr->lineno;
			continue;
		}
		len2 = len;
		b = take_count(s, &len2);
		/* The first line decides between one and two counts. */
		if (!nvalues) {
			nvalues = b.kind != COUNT_NONE ? 2 : 1;
			if (nvalues != p->nvalues) {
				profile_release(p);
				profile_init(p, nvalues);
			}
			if (nvalues == 2) {
				p->flags |= PROFILE_DIFFERENTIAL;
				p->main_value = 1;
			}
		}
		if (nvalues == 2) {
			struct count c;
			unsigned n = 2;

			if (b.kind == COUNT_NEGATIVE ||
			    b.kind == COUNT_TOO_BIG) {
				bad_count(lr, &b);
				goto out;
			}
			if (b.kind == COUNT_NONE) {
				if (!ignored++)
					first_ignored = lr->lineno;
				continue;
			}
			len3 = len2;
			/* Only a COUNT_OK shortens the line: stop at any
			 * other kind, or a huge third number loops forever. */
			while ((c = take_count(s, &len3)).kind != COUNT_NONE) {
				n++;
				if (c.kind != COUNT_OK)
					break;
			}
			if (n > 2) {
				error("%s:%" PRIu64
				      ": %u numbers at the end of "
				      "the line; expected 'STACK COUNT' or "
				      "'STACK BEFORE AFTER'",
				      lr->name, lr->lineno, n);
				goto out;
			}
			/* "stack BEFORE AFTER" */
			v[0] = b.value;
			v[1] = a.value;
			len = len2;
		} else {
			v[0] = a.value;
		}
		if ((a.fraction || (nvalues == 2 && b.fraction)) &&
		    !first_fraction)
			first_fraction = lr->lineno;
		frames.len = 0;
		for (start = 0, i = 0; i <= len; i++) {
			if (i < len && s[i] != ';')
				continue;
			VEC_PUSH(&frames,
				 profile_frame(p, s + start, i - start));
			start = i + 1;
		}
		profile_add(p, 0, frames.v, frames.len, v);
		if (p->overflowed) {
			error("%s:%" PRIu64 ": the counts add up to more than "
			      "%" PRId64,
			      lr->name, lr->lineno, INT64_MAX);
			goto out;
		}
		for (k = 0; k < nvalues; k++)
			nonzero |= v[k] != 0;
		lines++;
	}
	if (r < 0)
		goto out;
	if (cut)
		warning("%s:%" PRIu64 ": the input ends inside a line "
			"(truncated?); that line is left out",
			lr->name, cut);
	if (ignored)
		warning("%s: ignored %" PRIu64 " line%s without a count "
			"(first: line %" PRIu64 ")",
			lr->name, ignored, ignored == 1 ? "" : "s",
			first_ignored);
	if (first_fraction)
		warning("%s:%" PRIu64 ": counts with a fraction were rounded "
			"to whole numbers",
			lr->name, first_fraction);
	if (!lines)
		error("%s: no stacks in the input (expected folded stacks "
		      "'a;b;c COUNT' or perf script output)",
		      lr->name);
	else if (!nonzero)
		error("%s: every count is zero; nothing to show", lr->name);
	else
		ret = 0;
out:
	VEC_RELEASE(&frames);
	return ret;
}

enum profile_format profile_detect(const char *data, size_t len)
{
	size_t off = 0;

	if (pprof_detect(data, MIN(len, (size_t)64 * 1024)))
		return PROFILE_FMT_PPROF;
	if (memchr(data, '\0', MIN(len, (size_t)4096)))
		return PROFILE_FMT_AUTO;
	if (perfscript_detect(data, len))
		return PROFILE_FMT_PERF_SCRIPT;
	/* Folded: the first line with content ends with a count. */
	while (off < len) {
		const char *s = data + off, *nl = memchr(s, '\n', len - off);
		size_t l = nl ? (size_t)(nl - s) : len - off;

		off += l + 1;
		if (l && s[l - 1] == '\r')
			l--;
		if (!l)
			continue;
		return take_count(s, &l).kind != COUNT_NONE ? PROFILE_FMT_FOLDED
							    : PROFILE_FMT_AUTO;
	}
	return PROFILE_FMT_FOLDED; /* empty: the folded reader says so */
}

/*
 * pprof is one protobuf message, not lines: take the whole input (a
 * mapped file or a buffer as it is; stdin read up to the size cap).
 */
static int read_pprof(struct profile *p, struct lines *lr,
		      const struct read_opts *opts)
{
	const char *type = opts ? opts->sample_type : NULL;
	struct strbuf sb;
	ssize_t n;
	int ret;

	if (lr->eof)
		return pprof_read_type(p, lr->mem + lr->start,
				       lr->end - lr->start, lr->name, type);
	strbuf_init_capped(&sb, PPROF_MAX_SIZE);
	if (strbuf_add(&sb, lr->mem + lr->start, lr->end - lr->start) < 0)
		goto too_big;
	for (;;) {
		if (strbuf_grow(&sb, 1 << 20) < 0 && strbuf_grow(&sb, 1) < 0)
			goto too_big;
		do
			n = read(lr->fd, sb.buf + sb.len,
				 sb.alloc - sb.len - 1);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			strbuf_release(&sb);
			return error_errno("cannot read '%s'", lr->name);
		}
		if (!n)
			break;
		strbuf_setlen(&sb, sb.len + (size_t)n);
	}
	ret = pprof_read_type(p, sb.buf, sb.len, lr->name, type);
	strbuf_release(&sb);
	return ret;
too_big:
	strbuf_release(&sb);
	return error("%s: larger than %zu MB; not a profile perfops can read",
		     lr->name, PPROF_MAX_SIZE >> 20);
}

#define DETECT_MIN (64u * 1024)

/*
 * The end of the second line with content (not blank, not a '#'
 * comment) in data, or 0 when data does not hold two such lines.
 */
static size_t two_lines_end(const char *data, size_t len)
{
	size_t off = 0;
	int seen = 0;

	while (off < len) {
		const char *s = data + off, *nl = memchr(s, '\n', len - off);
		size_t l;

		if (!nl)
			return 0;
		l = (size_t)(nl - s);
		off += l + 1;
		if (l && s[0] != '#' && !(l == 1 && s[0] == '\r') &&
		    ++seen == 2)
			return off;
	}
	return 0;
}

/*
 * The start of the input that format detection looks at: at least
 * 64 KiB and the first two lines with content, however long (a folded
 * line of a deep stack is megabytes), up to the reader's line cap.
 * Binary input stops at 64 KiB.  Returns its length, or -1.
 */
static long detect_window(struct lines *lr, const char **data)
{
	size_t want = DETECT_MIN, end;
	long n;

	for (;;) {
		n = lines_peek(lr, want, data);
		if (n < 0)
			return -1;
		end = two_lines_end(*data, (size_t)n);
		if (end)
			break;
		if (memchr(*data, '\0', MIN((size_t)n, (size_t)4096)) ||
		    pprof_detect(*data, MIN((size_t)n, (size_t)DETECT_MIN)))
			return MIN(n, (long)DETECT_MIN);
		/* All of the input, or all the reader can hold. */
		if ((lr->eof && (size_t)n == lr->end - lr->start) ||
		    want >= lr->max_line)
			return n;
		want = MIN(want * 2, lr->max_line);
	}
	/* A mapped file peeks whole: detection looks at the start only, so
	 * that it does not fault the whole file in. */
	return (long)MIN((size_t)n, MAX(end, (size_t)DETECT_MIN));
}

static int read_lines(struct profile *p, struct lines *lr,
		      const struct read_opts *opts)
{
	enum profile_format fmt = opts ? opts->format : PROFILE_FMT_AUTO;
	const char *data;
	long n;
	int ret;

	profile_init(p, 1);
	n = detect_window(lr, &data);
	if (n < 0)
		return -1;
	/* A forced text format (collapse reads perf script) still takes a
	 * pprof profile: binary protobuf can never be valid text. */
	if (fmt == PROFILE_FMT_AUTO ||
	    (fmt != PROFILE_FMT_PPROF && pprof_detect(data, (size_t)n)))
		fmt = profile_detect(data, (size_t)n);
	switch (fmt) {
	case PROFILE_FMT_PERF_SCRIPT:
		ret = perfscript_read(p, lr, opts);
		break;
	case PROFILE_FMT_FOLDED:
		ret = folded_read(p, lr);
		break;
	case PROFILE_FMT_PPROF:
		ret = read_pprof(p, lr, opts);
		break;
	default:
		return error("%s: not a profile perfops can read (expected "
			     "perf script output, folded stacks or pprof)",
			     lr->name);
	}
	/* Every reader explains an empty input its own way; this is the
	 * guarantee that no command goes on with nothing. */
	if (!ret && !profile_nstacks(p))
		ret = error("%s: no samples in the input", lr->name);
	return ret;
}

int profile_read_file(struct profile *p, const char *path,
		      const struct read_opts *opts)
{
	struct lines lr;
	int ret;

	if (lines_open(&lr, path) < 0) {
		profile_init(p, 1);
		return -1;
	}
	ret = read_lines(p, &lr, opts);
	lines_close(&lr);
	return ret;
}

int profile_read_buffer(struct profile *p, const char *data, size_t len,
			const char *name, const struct read_opts *opts)
{
	struct lines lr;
	int ret;

	lines_open_mem(&lr, data, len, name);
	ret = read_lines(p, &lr, opts);
	lines_close(&lr);
	return ret;
}
