#include "core/compat.h"
#include "bundle/sourcemap.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "core/utf8.h"
#include "core/vec.h"
#include <limits.h>

/*
 * A source map's JSON read by hand rather than through a general JSON
 * library: a map is one object with a few known keys, most of its bytes are
 * the "mappings" string (decoded in place, without a copy) and the
 * "sourcesContent" strings (copied with one memchr-driven unescape), and a
 * general DOM parser spent more time than the rest of `perfops bundle`.
 * Unknown keys are skipped.  Errors name the line and column.
 */
struct jp {
	const char *start, *p, *end;
	const char *name;
	int failed;
};

#define MAX_DEPTH 64

static int jp_error(struct jp *j, const char *what)
{
	const char *q;
	size_t line = 1, col = 1;

	if (j->failed)
		return -1;
	j->failed = 1;
	for (q = j->start; q < j->p && q < j->end; q++) {
		if (*q == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	return error("%s: %s JSON at line %zu, column %zu: %s", j->name,
		     j->p >= j->end ? "truncated" : "invalid", line, col,
		     j->p >= j->end ? "the text ends early" : what);
}

static void ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' ||
				 *j->p == '\r' || *j->p == '\t'))
		j->p++;
}

static int expect(struct jp *j, char c)
{
	char msg[32];

	ws(j);
	if (j->p < j->end && *j->p == c) {
		j->p++;
		return 0;
	}
	snprintf(msg, sizeof(msg), "'%c' expected", c);
	return jp_error(j, msg);
}

static int peek(struct jp *j, char c)
{
	ws(j);
	return j->p < j->end && *j->p == c;
}

static int hex4(const char *p, unsigned *v)
{
	int i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		char c = p[i];

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			*v |= (c | 0x20) - 'a' + 10;
		else
			return -1;
	}
	return 0;
}

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* The first byte of p[0..end) that is a quote, a backslash or a control
 * character: eight bytes at a time (the mappings string is most of a
 * map's bytes and has none). */
static const char *plain_run(const char *p, const char *end)
{
	while (end - p >= 8) {
		uint64_t w, m;

		memcpy(&w, p, 8);
		/* A zero byte of w ^ c is a byte equal to c; w - 0x20 borrows
		 * into the high bit of a byte below 0x20. */
		m = ((w ^ (ONES * '"')) - ONES) & ~(w ^ (ONES * '"'));
		m |= ((w ^ (ONES * '\\')) - ONES) & ~(w ^ (ONES * '\\'));
		m |= (w - ONES * 0x20) & ~w;
		if (m & HIGHS)
			break;
		p += 8;
	}
	while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
		p++;
	return p;
}

/*
 * A string at j->p.  Without escapes it is returned in place (*s, *n point
 * into the text); with escapes it is decoded into out (lone surrogates
 * become U+FFFD).  out may be NULL to skip the string.
 */
static int string(struct jp *j, const char **s, size_t *n, struct strbuf *out)
{
	const char *p, *q;

	if (expect(j, '"') < 0)
		return -1;
	p = j->p;
	q = plain_run(p, j->end);
	if (q < j->end && *q == '"') {
		*s = p;
		*n = q - p;
		j->p = q + 1;
		return 0;
	}
	if (out)
		strbuf_reset(out);
	for (;;) {
		const char *run = j->p;

		while (j->p < j->end && *j->p != '"' && *j->p != '\\' &&
		       (unsigned char)*j->p >= 0x20)
			j->p++;
		if (out)
			strbuf_add(out, run, j->p - run);
		if (j->p >= j->end)
			return jp_error(j, "unterminated string");
		if (*j->p == '"') {
			j->p++;
			break;
		}
		if ((unsigned char)*j->p < 0x20)
			return jp_error(j, "control character in a string");
		/* A backslash escape. */
		if (j->end - j->p < 2)
			return jp_error(j, "unterminated string");
		j->p++;
		switch (*j->p) {
		case '"':
		case '\\':
		case '/':
			if (out)
				strbuf_addch(out, *j->p);
			j->p++;
			break;
		case 'b':
		case 'f':
		case 'n':
		case 'r':
		case 't':
			if (out)
				strbuf_addch(out, *j->p == 'b'	 ? '\b'
						  : *j->p == 'f' ? '\f'
						  : *j->p == 'n' ? '\n'
						  : *j->p == 'r' ? '\r'
								 : '\t');
			j->p++;
			break;
		case 'u': {
			unsigned cp, lo;

			if (j->end - j->p < 5 || hex4(j->p + 1, &cp) < 0)
				return jp_error(j, "bad \\u escape");
			j->p += 5;
			if (cp >= 0xd800 && cp < 0xdc00 && j->end - j->p >= 6 &&
			    j->p[0] == '\\' && j->p[1] == 'u' &&
			    hex4(j->p + 2, &lo) == 0 && lo >= 0xdc00 &&
			    lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (lo - 0xdc00);
				j->p += 6;
			} else if (cp >= 0xd800 && cp < 0xe000) {
				cp = 0xfffd;
			}
			if (out)
				utf8_add_codepoint(out, cp);
			break;
		}
		default:
			return jp_error(j, "bad escape in a string");
		}
	}
	/* Skipped (out == NULL): an escaped string reads as "". */
	*s = out ? out->buf : "";
	*n = out ? out->len : 0;
	return 0;
}

/* A string's raw text (escapes kept), found with memchr: for the large
 * sourcesContent strings, unescaped only when a finding needs one. */
static int raw_string(struct jp *j, const char **s, size_t *n)
{
	const char *q;

	if (expect(j, '"') < 0)
		return -1;
	for (q = j->p;; q++) {
		const char *b;

		q = memchr(q, '"', j->end - q);
		if (!q) {
			j->p = j->end;
			return jp_error(j, "unterminated string");
		}
		/* Escaped when an odd number of backslashes precede it. */
		for (b = q; b > j->p && b[-1] == '\\'; b--)
			;
		if (!((q - b) & 1))
			break;
	}
	*s = j->p;
	*n = q - j->p;
	j->p = q + 1;
	return 0;
}

char *sourcemap_unescape(const char *raw)
{
	struct strbuf q = STRBUF_INIT, out = STRBUF_INIT;
	struct jp j;
	const char *s;
	size_t n;
	char *ret;

	strbuf_addch(&q, '"');
	strbuf_addstr(&q, raw);
	strbuf_addch(&q, '"');
	j.start = j.p = q.buf;
	j.end = q.buf + q.len;
	j.name = "sourcesContent";
	j.failed = 1; /* quiet: a bad escape gives the raw text */
	if (string(&j, &s, &n, &out) < 0)
		ret = xstrdup(raw);
	else
		ret = xstrndup(s, n);
	strbuf_release(&q);
	strbuf_release(&out);
	return ret;
}

static int skip_value(struct jp *j, int depth);

static int skip_container(struct jp *j, char close, int depth)
{
	const char *s;
	size_t n;

	j->p++;
	if (depth > MAX_DEPTH)
		return jp_error(j, "nested too deep");
	if (peek(j, close)) {
		j->p++;
		return 0;
	}
	for (;;) {
		if (close == '}') {
			if (string(j, &s, &n, NULL) < 0 || expect(j, ':') < 0)
				return -1;
		}
		if (skip_value(j, depth + 1) < 0)
			return -1;
		ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		return expect(j, close);
	}
}

static int skip_value(struct jp *j, int depth)
{
	const char *s;
	size_t n;

	ws(j);
	if (j->p >= j->end)
		return jp_error(j, "a value expected");
	switch (*j->p) {
	case '"':
		return string(j, &s, &n, NULL);
	case '{':
		return skip_container(j, '}', depth);
	case '[':
		return skip_container(j, ']', depth);
	default:
		if (strchr("-0123456789tfn", *j->p)) {
			while (j->p < j->end &&
			       strchr("+-.0123456789eEtruefalsn", *j->p) &&
			       *j->p)
				j->p++;
			return 0;
		}
		return jp_error(j, "a value expected");
	}
}

/* An integer, within the text (which need not end in a NUL); a fraction
 * or exponent is refused: offsets and the version are integers. */
static int integer(struct jp *j, long long *v)
{
	int neg = 0, digits = 0;
	long long x = 0;

	ws(j);
	if (j->p < j->end && *j->p == '-') {
		neg = 1;
		j->p++;
	}
	while (j->p < j->end && *j->p >= '0' && *j->p <= '9') {
		if (x > (LLONG_MAX - 9) / 10)
			return jp_error(j, "number out of range");
		x = x * 10 + (*j->p++ - '0');
		digits++;
	}
	if (!digits || (j->p < j->end && strchr(".eE", *j->p) && *j->p))
		return jp_error(j, "an integer expected");
	*v = neg ? -x : x;
	return 0;
}

static int is_null(struct jp *j)
{
	ws(j);
	if (j->end - j->p >= 4 && !memcmp(j->p, "null", 4)) {
		j->p += 4;
		return 1;
	}
	return 0;
}

struct strlist {
	char **v;
	size_t len, alloc;
};

/* An array of strings or nulls (NULL items); raw keeps escapes. */
static int string_array(struct jp *j, struct strlist *l, struct strbuf *tmp,
			int raw)
{
	if (expect(j, '[') < 0)
		return -1;
	if (peek(j, ']')) {
		j->p++;
		return 0;
	}
	for (;;) {
		const char *s;
		size_t n;

		if (is_null(j)) {
			VEC_PUSH(l, NULL);
		} else if (peek(j, '"')) {
			if ((raw ? raw_string(j, &s, &n)
				 : string(j, &s, &n, tmp)) < 0)
				return -1;
			VEC_PUSH(l, xstrndup(s, n));
		} else if (skip_value(j, 1) < 0) {
			return -1;
		} else {
			VEC_PUSH(l, NULL);
		}
		ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		return expect(j, ']');
	}
}

struct idxlist {
	long long *v;
	size_t len, alloc;
};

/*
 * An array of source indices ("ignoreList").  An item that is not a
 * non-negative integer is kept as -1, to be reported with the indices out
 * of range once the sources are known: a bad item costs a warning, not
 * the map.
 */
static int index_array(struct jp *j, struct idxlist *l, const char *key)
{
	l->len = 0;
	if (!peek(j, '[')) {
		warning("%s: \"%s\" is not an array: it is left out", j->name,
			key);
		return skip_value(j, 1);
	}
	j->p++;
	if (peek(j, ']')) {
		j->p++;
		return 0;
	}
	for (;;) {
		const char *s = (ws(j), j->p), *q;
		long long v = 0;

		if (skip_value(j, 1) < 0)
			return -1;
		for (q = s; q < j->p && *q >= '0' && *q <= '9'; q++)
			v = v < (long long)INT32_MAX ? v * 10 + (*q - '0') : v;
		VEC_PUSH(l, q == j->p && q > s && v <= INT32_MAX ? v : -1);
		ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		return expect(j, ']');
	}
}

/* Mark the sources an ignoreList names; warn once about bad items. */
static void apply_ignore_list(struct sourcemap *sm, const struct idxlist *l,
			      const char *key, size_t base, size_t nsrc,
			      const char *name)
{
	size_t i, bad = 0;

	for (i = 0; i < l->len; i++) {
		if (l->v[i] < 0 || (size_t)l->v[i] >= nsrc)
			bad++;
		else
			sm->ignored[base + l->v[i]] = 1;
	}
	if (bad)
		warning("%s: %zu of the %zu items of \"%s\" are not indices "
			"of its %zu sources: they are left out",
			name, bad, l->len, key, nsrc);
}

static void free_list(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->len; i++)
		free(l->v[i]);
	VEC_RELEASE(l);
}

static int map_object(struct sourcemap *sm, struct jp *j, uint32_t line_off,
		      uint32_t col_off, int depth);

/* {"offset": {"line": L, "column": C}, "map": {...}}, in any order. */
static int section(struct sourcemap *sm, struct jp *j, uint32_t line_off,
		   uint32_t col_off, int depth, size_t i)
{
	long long l = -1, c = -1;
	const char *map_at = NULL, *k;
	size_t kn;
	struct jp sub;

	if (expect(j, '{') < 0)
		return -1;
	while (!peek(j, '}')) {
		if (string(j, &k, &kn, NULL) < 0 || expect(j, ':') < 0)
			return -1;
		if (kn == 6 && !memcmp(k, "offset", 6)) {
			if (expect(j, '{') < 0)
				return -1;
			while (!peek(j, '}')) {
				const char *ok;
				size_t on;
				long long v;

				if (string(j, &ok, &on, NULL) < 0 ||
				    expect(j, ':') < 0 || integer(j, &v) < 0)
					return -1;
				if (on == 4 && !memcmp(ok, "line", 4))
					l = v;
				else if (on == 6 && !memcmp(ok, "column", 6))
					c = v;
				if (peek(j, ','))
					j->p++;
			}
			j->p++;
		} else if (kn == 3 && !memcmp(k, "map", 3)) {
			ws(j);
			map_at = j->p;
			if (skip_value(j, depth + 1) < 0)
				return -1;
		} else if (kn == 3 && !memcmp(k, "url", 3)) {
			return error("%s: section %zu refers to a map by "
				     "\"url\", which perfops does not fetch",
				     j->name, i);
		} else if (skip_value(j, depth + 1) < 0) {
			return -1;
		}
		if (peek(j, ','))
			j->p++;
	}
	j->p++;
	if (l < 0 || c < 0 || l > INT32_MAX || c > INT32_MAX || !map_at)
		return error("%s: section %zu: no map, or a bad offset",
			     j->name, i);
	sub = *j;
	sub.p = map_at;
	return map_object(sm, &sub, line_off + (uint32_t)l,
			  (l ? 0 : col_off) + (uint32_t)c, depth + 1);
}

static int map_object(struct sourcemap *sm, struct jp *j, uint32_t line_off,
		      uint32_t col_off, int depth)
{
	struct strlist sources = VEC_INIT, contents = VEC_INIT;
	struct idxlist ignore = VEC_INIT, gignore = VEC_INIT;
	struct strbuf tmp = STRBUF_INIT, mbuf = STRBUF_INIT, kbuf = STRBUF_INIT;
	char *root = NULL;
	const char *map = NULL, *k;
	size_t mlen = 0, kn, i, base = sm->nsources;
	int ret = -1, have_sources = 0, have_sections = 0;
	int have_ignore = 0, have_gignore = 0;

	if (depth > 8)
		return error("%s: index maps nested too deep", j->name);
	if (!peek(j, '{'))
		return ws(j), j->p >= j->end
				  ? jp_error(j, "")
				  : error("%s: not a source map (not "
					  "a JSON object)",
					  j->name);
	j->p++;
	while (!peek(j, '}')) {
		if (string(j, &k, &kn, &kbuf) < 0 || expect(j, ':') < 0)
			goto out;
#define KEY(s) (kn == sizeof(s) - 1 && !memcmp(k, s, kn))
		if (KEY("version")) {
			long long v;

			if (integer(j, &v) < 0)
				goto out;
			if (v != 3) {
				error("%s: source map version %lld, perfops "
				      "reads version 3",
				      j->name, v);
				goto out;
			}
		} else if (KEY("sourceRoot")) {
			const char *s;
			size_t n;

			if (!is_null(j)) {
				if (string(j, &s, &n, &tmp) < 0)
					goto out;
				free(root);
				root = xstrndup(s, n);
			}
		} else if (KEY("sources")) {
			have_sources = 1;
			if (string_array(j, &sources, &tmp, 0) < 0)
				goto out;
		} else if (KEY("sourcesContent")) {
			if (string_array(j, &contents, &tmp, 1) < 0)
				goto out;
		} else if (KEY("mappings")) {
			if (string(j, &map, &mlen, &mbuf) < 0)
				goto out;
		} else if (KEY("ignoreList")) {
			have_ignore = 1;
			if (index_array(j, &ignore, "ignoreList") < 0)
				goto out;
		} else if (KEY("x_google_ignoreList")) {
			have_gignore = 1;
			if (index_array(j, &gignore, "x_google_ignoreList") < 0)
				goto out;
		} else if (KEY("sections")) {
			have_sections = 1;
			if (expect(j, '[') < 0)
				goto out;
			for (i = 0; !peek(j, ']'); i++) {
				if (section(sm, j, line_off, col_off, depth,
					    i) < 0)
					goto out;
				if (peek(j, ','))
					j->p++;
			}
			j->p++;
			base = sm->nsources;
		} else if (skip_value(j, 1) < 0) {
			goto out;
		}
#undef KEY
		ws(j);
		if (j->p < j->end && *j->p == ',')
			j->p++;
		else if (!peek(j, '}')) {
			jp_error(j, "',' or '}' expected");
			goto out;
		}
	}
	j->p++;
	if (have_sections) {
		ret = 0;
		goto out;
	}
	if (!have_sources || !map) {
		error("%s: not a source map (no \"sources\" array or "
		      "\"mappings\" string)",
		      j->name);
		goto out;
	}
	sm->sources =
	    xrealloc(sm->sources, (base + sources.len + 1) * sizeof(char *));
	sm->contents =
	    xrealloc(sm->contents, (base + sources.len + 1) * sizeof(char *));
	sm->ignored = xrealloc(sm->ignored, base + sources.len + 1);
	memset(sm->ignored + base, 0, sources.len + 1);
	for (i = 0; i < sources.len; i++) {
		sm->sources[base + i] =
		    sourcemap_source_path(root, sources.v[i]);
		sm->contents[base + i] =
		    i < contents.len ? contents.v[i] : NULL;
		if (i < contents.len)
			contents.v[i] = NULL;
	}
	sm->nsources = base + sources.len;
	/* As Chrome DevTools reads them: the standard key when present, else
	 * the older x_google_ one. */
	if (have_ignore)
		apply_ignore_list(sm, &ignore, "ignoreList", base, sources.len,
				  j->name);
	else if (have_gignore)
		apply_ignore_list(sm, &gignore, "x_google_ignoreList", base,
				  sources.len, j->name);
	ret = sourcemap_decode_mappings(sm, map, mlen, line_off, col_off,
					(int32_t)base, sources.len, j->name);
out:
	free(root);
	free_list(&sources);
	free_list(&contents);
	VEC_RELEASE(&ignore);
	VEC_RELEASE(&gignore);
	strbuf_release(&tmp);
	strbuf_release(&mbuf);
	strbuf_release(&kbuf);
	return ret;
}

int sourcemap_parse_json(struct sourcemap *sm, const char *json, size_t len,
			 const char *name)
{
	struct jp j = {json, json, json + len, name, 0};

	if (map_object(sm, &j, 0, 0, 0) < 0)
		return -1;
	ws(&j);
	if (j.p < j.end)
		return jp_error(&j, "text after the map");
	return 0;
}
