#include "core/compat.h"
#include "profile/read.h"
#include "core/error.h"
#include "core/lines.h"
#include "core/vec.h"
#include "core/strbuf.h"
#include "profile/perfscript.h"
#include "profile/pprof.h"

/*
 * /^(.*)\s+?(\d+(?:\.\d*)?)$/ as flamegraph.pl applies it: a count at the
 * end of the line after whitespace; the (.*) before it is greedy, so only
 * one whitespace character is taken off the stack text.  Returns the count
 * and shortens *len to the stack, or returns -1 when there is no count.
 */
static double take_count(const char *s, size_t *len)
{
	size_t e = *len, i = e, dot;

	while (i && s[i - 1] >= '0' && s[i - 1] <= '9')
		i--;
	dot = i;
	if (i && s[i - 1] == '.') {
		i--;
		while (i && s[i - 1] >= '0' && s[i - 1] <= '9')
			i--;
		if (i == dot - 1)
			return -1; /* ".5" is not a count */
	} else if (i == e) {
		return -1;
	}
	if (!i || !isspace((unsigned char)s[i - 1]))
		return -1;
	*len = i - 1;
	return strtod(s + i, NULL);
}

/* Folded stacks, one or two counts per line (difffolded.pl's format). */
static int folded_read(struct profile *p, struct lines *lr)
{
	VEC(uint32_t) frames = VEC_INIT;
	uint64_t ignored = 0, first_ignored = 0, lines = 0;
	unsigned nvalues = 0;
	const char *s;
	size_t len;
	int r;

	while ((r = lines_next(lr, &s, &len)) > 0) {
		size_t len2, i, start;
		double v[2], a, b;

		if (len && s[len - 1] == '\r')
			len--;
		if (!len)
			continue;
		a = take_count(s, &len);
		len2 = len;
		b = a < 0 ? -1 : take_count(s, &len2);
		if (a < 0) {
			if (!ignored++)
				first_ignored = lr->lineno;
			continue;
		}
		/* The first line decides between one and two counts. */
		if (!nvalues) {
			nvalues = b >= 0 ? 2 : 1;
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
			if (b < 0) {
				if (!ignored++)
					first_ignored = lr->lineno;
				continue;
			}
			/* "stack BEFORE AFTER" */
			v[0] = b;
			v[1] = a;
			len = len2;
		} else {
			v[0] = a;
		}
		frames.len = 0;
		for (start = 0, i = 0; i <= len; i++) {
			if (i < len && s[i] != ';')
				continue;
			VEC_PUSH(&frames, profile_frame(p, s + start, i - start));
			start = i + 1;
		}
		profile_add(p, 0, frames.v, frames.len, v);
		lines++;
	}
	VEC_RELEASE(&frames);
	if (r < 0)
		return -1;
	if (ignored)
		warning("%s: ignored %" PRIu64 " line%s without a count "
			"(first: line %" PRIu64 ")",
			lr->name, ignored, ignored == 1 ? "" : "s",
			first_ignored);
	if (!lines)
		return error("%s: no stacks in the input (expected folded "
			     "stacks 'a;b;c COUNT' or perf script output)",
			     lr->name);
	return 0;
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
		return take_count(s, &l) >= 0 ? PROFILE_FMT_FOLDED
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

static int read_lines(struct profile *p, struct lines *lr,
		      const struct read_opts *opts)
{
	enum profile_format fmt = opts ? opts->format : PROFILE_FMT_AUTO;
	const char *data;
	long n;

	profile_init(p, 1);
	n = lines_peek(lr, 64 * 1024, &data);
	if (n < 0)
		return -1;
	/* A mapped file peeks whole: detection looks at the start only, so
	 * that it does not fault the whole file in. */
	if (n > 64 * 1024)
		n = 64 * 1024;
	/* A forced text format (collapse reads perf script) still takes a
	 * pprof profile: binary protobuf can never be valid text. */
	if (fmt == PROFILE_FMT_AUTO ||
	    (fmt != PROFILE_FMT_PPROF && pprof_detect(data, (size_t)n)))
		fmt = profile_detect(data, (size_t)n);
	switch (fmt) {
	case PROFILE_FMT_PERF_SCRIPT:
		return perfscript_read(p, lr, opts);
	case PROFILE_FMT_FOLDED:
		return folded_read(p, lr);
	case PROFILE_FMT_PPROF:
		return read_pprof(p, lr, opts);
	default:
		return error("%s: not a profile perfops can read (expected "
			     "perf script output, folded stacks or pprof)",
			     lr->name);
	}
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
