#include "core/compat.h"
#include "bundle/sourcemap.h"
#include "core/base64.h"
#include "core/error.h"
#include "core/strbuf.h"
#include <limits.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

/* base64 digit values, -1 for any other byte. */
static const signed char b64[256] = {
    ['A'] = 0,	['B'] = 1,  ['C'] = 2,	['D'] = 3,  ['E'] = 4,	['F'] = 5,
    ['G'] = 6,	['H'] = 7,  ['I'] = 8,	['J'] = 9,  ['K'] = 10, ['L'] = 11,
    ['M'] = 12, ['N'] = 13, ['O'] = 14, ['P'] = 15, ['Q'] = 16, ['R'] = 17,
    ['S'] = 18, ['T'] = 19, ['U'] = 20, ['V'] = 21, ['W'] = 22, ['X'] = 23,
    ['Y'] = 24, ['Z'] = 25, ['a'] = 26, ['b'] = 27, ['c'] = 28, ['d'] = 29,
    ['e'] = 30, ['f'] = 31, ['g'] = 32, ['h'] = 33, ['i'] = 34, ['j'] = 35,
    ['k'] = 36, ['l'] = 37, ['m'] = 38, ['n'] = 39, ['o'] = 40, ['p'] = 41,
    ['q'] = 42, ['r'] = 43, ['s'] = 44, ['t'] = 45, ['u'] = 46, ['v'] = 47,
    ['w'] = 48, ['x'] = 49, ['y'] = 50, ['z'] = 51, ['0'] = 52, ['1'] = 53,
    ['2'] = 54, ['3'] = 55, ['4'] = 56, ['5'] = 57, ['6'] = 58, ['7'] = 59,
    ['8'] = 60, ['9'] = 61, ['+'] = 62, ['/'] = 63,
};

/* The table above leaves unlisted bytes 0, which is 'A': mark them. */
static signed char b64v[256];
static int b64v_ready;

static void b64v_init(void)
{
	int i;

	for (i = 0; i < 256; i++)
		b64v[i] = -1;
	for (i = 0; i < 256; i++)
		if (b64[i] || i == 'A')
			b64v[i] = b64[i];
	__atomic_store_n(&b64v_ready, 1, __ATOMIC_RELEASE);
}

int vlq_decode(const char **pp, const char *end, int32_t *out, const char **why)
{
	const char *p = *pp;
	uint64_t v = 0;
	unsigned shift = 0;
	int d, neg = 0;

	if (!__atomic_load_n(&b64v_ready, __ATOMIC_ACQUIRE))
		b64v_init();
	for (;;) {
		if (p >= end) {
			*pp = p;
			if (why)
				*why = "value cut off by the end";
			return -1;
		}
		d = b64v[(unsigned char)*p];
		if (d < 0) {
			*pp = p;
			if (why)
				*why = "bad character";
			return -1;
		}
		/* The first digit holds the sign and 4 bits, later ones 5. */
		if (!shift) {
			neg = d & 1;
			v = (d & 31) >> 1;
			shift = 4;
		} else if (shift < 60) {
			v |= (uint64_t)(d & 31) << shift;
			shift += 5;
		} else {
			v = UINT64_MAX; /* endless zero digits */
		}
		if (v > INT32_MAX) {
			*pp = p;
			if (why)
				*why = "value of 2^31 or more";
			return -1;
		}
		p++;
		if (!(d & 32))
			break;
	}
	*out = neg ? -(int32_t)v : (int32_t)v;
	*pp = p;
	return 0;
}

void sourcemap_release(struct sourcemap *sm)
{
	size_t i;

	for (i = 0; i < sm->nsources; i++) {
		free(sm->sources[i]);
		free(sm->contents[i]);
	}
	free(sm->sources);
	free(sm->contents);
	free(sm->ignored);
	free(sm->seg);
	memset(sm, 0, sizeof(*sm));
}

static void add_segment(struct sourcemap *sm, uint32_t line, uint32_t col,
			int32_t src)
{
	ALLOC_GROW(sm->seg, sm->nseg + 1, sm->aseg);
	sm->seg[sm->nseg].line = line;
	sm->seg[sm->nseg].col = col;
	sm->seg[sm->nseg].src = src;
	sm->nseg++;
}

static int mappings_error(const char *name, const char *s, const char *end,
			  const char *at, uint32_t line, const char *why)
{
	/* Only a bad character is worth showing. */
	if (at >= end || !*at || strchr(",;", *at) ||
	    strcmp(why, "bad character"))
		return error("%s: mappings: %s at offset %zu (generated line "
			     "%u)",
			     name, why, (size_t)(at - s), line + 1);
	if ((unsigned char)*at >= 0x20 && (unsigned char)*at < 0x7f)
		return error("%s: mappings: %s '%c' at offset %zu (generated "
			     "line %u)",
			     name, why, *at, (size_t)(at - s), line + 1);
	return error("%s: mappings: %s 0x%02x at offset %zu (generated line "
		     "%u)",
		     name, why, (unsigned char)*at, (size_t)(at - s), line + 1);
}

int sourcemap_decode_mappings(struct sourcemap *sm, const char *s, size_t len,
			      uint32_t line_off, uint32_t col_off,
			      int32_t src_off, size_t nsrc, const char *name)
{
	const char *p = s, *end = s + len, *why;
	int64_t col = 0, src = 0, oline = 0, ocol = 0, nm = 0;
	uint32_t line = 0;

	if (!__atomic_load_n(&b64v_ready, __ATOMIC_ACQUIRE))
		b64v_init();

	while (p < end) {
		const char *seg = p;
		int32_t v[5];
		int n = 0;

		if (*p == ';') {
			if (line == UINT32_MAX - line_off)
				return mappings_error(name, s, end, p, line,
						      "too many lines");
			line++;
			col = 0;
			p++;
			continue;
		}
		if (*p == ',') {
			p++;
			continue;
		}
		while (p < end && *p != ',' && *p != ';') {
			int d = b64v[(unsigned char)*p];

			if (n == 5)
				return mappings_error(name, s, end, seg, line,
						      "segment with more than "
						      "5 fields");
			/* One digit, the usual delta, without a call. */
			if (d >= 0 && !(d & 32)) {
				v[n++] = d & 1 ? -(d >> 1) : d >> 1;
				p++;
				continue;
			}
			if (vlq_decode(&p, end, &v[n], &why) < 0)
				return mappings_error(name, s, end, p, line,
						      why);
			n++;
		}
		if (n != 1 && n != 4 && n != 5) {
			char msg[48];

			snprintf(msg, sizeof(msg), "segment with %d fields", n);
			return mappings_error(name, s, end, seg, line, msg);
		}
		col += v[0];
		if (col < 0 || col + (line ? 0 : col_off) > INT32_MAX)
			return mappings_error(name, s, end, seg, line,
					      "generated column out of range");
		if (n >= 4) {
			src += v[1];
			oline += v[2];
			ocol += v[3];
			if (n == 5)
				nm += v[4];
			if (src < 0 || (size_t)src >= nsrc) {
				char msg[96];

				snprintf(msg, sizeof(msg),
					 "source index %lld out of range (the "
					 "map has %zu sources)",
					 (long long)src, nsrc);
				return mappings_error(name, s, end, seg, line,
						      msg);
			}
			if (oline < 0 || ocol < 0 || oline > INT32_MAX ||
			    ocol > INT32_MAX)
				return mappings_error(name, s, end, seg, line,
						      "original position out "
						      "of range");
		}
		add_segment(sm, line_off + line,
			    (uint32_t)col + (line ? 0 : col_off),
			    n == 1 ? SM_NO_SOURCE : (int32_t)(src_off + src));
	}
	(void)nm;
	return 0;
}

void sourcemap_normalize_path(char *path)
{
	char *out = path, *p = path;
	size_t keep = 0; /* bytes of out that ".." may not remove */

	if (*p == '/') {
		*out++ = *p++;
		keep = 1;
	}
	while (*p) {
		char *seg = p;
		size_t n;

		while (*p && *p != '/')
			p++;
		n = p - seg;
		if (*p)
			p++;
		if (!n || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.' &&
		    (size_t)(out - path) > keep) {
			/* Drop the last segment, unless it is itself "..". */
			char *last = out - 1; /* the '/' after it, or its end */
			char *b;

			if (*last == '/')
				last--;
			b = last;
			while (b >= path + keep && *b != '/')
				b--;
			b++;
			if (!(last - b == 1 && b[0] == '.' && b[1] == '.')) {
				out = b;
				continue;
			}
		}
		if (out > path + keep && out[-1] != '/')
			*out++ = '/';
		memmove(out, seg, n);
		out += n;
	}
	if (out > path + keep && out[-1] == '/')
		out--;
	/* "a/.." is "."; "" stays "" (there is no room for more). */
	if (out == path && *path)
		*out++ = '.';
	*out = '\0';
}

/* The length of s's "scheme" when it starts "scheme://", else 0. */
static size_t url_scheme_len(const char *s)
{
	size_t n = 0;

	if (!isalpha((unsigned char)*s))
		return 0;
	while (isalnum((unsigned char)s[n]) || s[n] == '+' || s[n] == '-' ||
	       s[n] == '.')
		n++;
	return strncmp(s + n, "://", 3) ? 0 : n;
}

/* A URL path segment that is "." or "..", "%2e" standing for a dot as
 * the URL standard says: 1 or 2, else 0. */
static int dot_segment(const char *seg, size_t n)
{
	int dots = 0;

	while (n) {
		if (*seg == '.') {
			seg++;
			n--;
		} else if (n >= 3 && !strncasecmp(seg, "%2e", 3)) {
			seg += 3;
			n -= 3;
		} else {
			return 0;
		}
		if (++dots > 2)
			return 0;
	}
	return dots;
}

/*
 * A URL as browsers resolve it (the WHATWG URL standard, which source-map
 * 0.7 and so source-map-explorer use): "." and ".." segments of the path
 * folded, never above the root (a trailing one leaves a trailing '/'),
 * empty segments kept; for http(s), ws(s) and ftp the scheme and host
 * lowercased and the default port dropped; query and fragment untouched.
 */
static void normalize_url(struct strbuf *sb)
{
	static const struct {
		const char *scheme, *port;
	} special[] = {{"http", "80"},
		       {"https", "443"},
		       {"ws", "80"},
		       {"wss", "443"},
		       {"ftp", "21"}};
	struct strbuf out = STRBUF_INIT;
	const char *s = sb->buf, *auth, *path, *p, *tail;
	const char *port = NULL;
	size_t n = url_scheme_len(s), i, root;
	int is_special = 0;

	for (i = 0; i < ARRAY_SIZE(special); i++)
		if (strlen(special[i].scheme) == n &&
		    !strncasecmp(s, special[i].scheme, n)) {
			is_special = 1;
			port = special[i].port;
		}
	for (i = 0; i < n; i++)
		strbuf_addch(&out, tolower((unsigned char)s[i]));
	strbuf_addstr(&out, n ? "://" : "//");
	auth = n ? s + n + 3 : s + 2;
	path = auth + strcspn(auth, "/?#");
	tail = path + strcspn(path, "?#");
	/* The host (after any user info), then ":port" unless the default. */
	p = memchr(auth, '@', path - auth);
	p = p ? p + 1 : auth;
	strbuf_add(&out, auth, p - auth);
	for (; p < path && *p != ':'; p++)
		strbuf_addch(&out,
			     is_special ? tolower((unsigned char)*p) : *p);
	if (p < path && !(port && (size_t)(path - p - 1) == strlen(port) &&
			  !strncmp(p + 1, port, strlen(port))))
		strbuf_add(&out, p, path - p);
	if (is_special && path == tail)
		strbuf_addch(&out, '/');
	root = out.len;
	/* Each segment after a '/', folded as the standard's path state. */
	for (p = path; p < tail;) {
		const char *seg = ++p;
		int dots;

		while (p < tail && *p != '/')
			p++;
		dots = dot_segment(seg, p - seg);
		if (dots == 2 && out.len > root) {
			while (out.len > root && out.buf[out.len - 1] != '/')
				out.len--;
			out.len--;
			out.buf[out.len] = '\0';
		}
		if (dots) {
			if (p == tail)
				strbuf_addch(&out, '/');
			continue;
		}
		strbuf_addch(&out, '/');
		strbuf_add(&out, seg, p - seg);
	}
	strbuf_addstr(&out, tail);
	strbuf_release(sb);
	*sb = out;
}

/* sources[i] as a path: sourceRoot joined, webpack://NS/ stripped. */
char *sourcemap_source_path(const char *root, const char *src)
{
	struct strbuf sb = STRBUF_INIT;
	const char *s;

	if (!src)
		return xstrdup("[no source]");
	if (root && *root && *src != '/' && !strstr(src, "://")) {
		strbuf_addstr(&sb, root);
		if (sb.len && sb.buf[sb.len - 1] != '/')
			strbuf_addch(&sb, '/');
	}
	strbuf_addstr(&sb, src);
	s = sb.buf;
	if (!strncmp(s, "webpack://", 10)) {
		const char *q = strchr(s + 10, '/');

		s = q ? q + 1 : s + 10;
		memmove(sb.buf, s, strlen(s) + 1);
	} else if (!strncmp(s, "file://", 7)) {
		/* file:///abs/path is the path /abs/path. */
		memmove(sb.buf, s + 7, strlen(s + 7) + 1);
	} else if (url_scheme_len(s) || !strncmp(s, "//", 2)) {
		/* Another URL (https://...): resolved as a URL, not a path. */
		normalize_url(&sb);
		return strbuf_detach(&sb, NULL);
	}
	sourcemap_normalize_path(sb.buf);
	return strbuf_detach(&sb, NULL);
}

static int seg_cmp(const void *a, const void *b)
{
	const struct sm_segment *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return 0;
}

/*
 * Mappings come sorted from every bundler, but the format does not promise
 * it: sort by (line, column), keeping the order of equal positions (the
 * first of two mappings at one column covers nothing, as in source-map).
 */
static void sort_segments(struct sourcemap *sm)
{
	size_t i, j;

	for (i = 1; i < sm->nseg; i++)
		if (seg_cmp(&sm->seg[i - 1], &sm->seg[i]) > 0)
			break;
	if (i >= sm->nseg)
		return;
	/* A merge sort keeps equal keys in order; insertion sort for runs. */
	{
		struct sm_segment *tmp = xmalloc(sm->nseg * sizeof(*tmp));
		size_t width;

		for (width = 1; width < sm->nseg; width *= 2) {
			for (i = 0; i < sm->nseg; i += 2 * width) {
				size_t a = i, am = MIN(i + width, sm->nseg),
				       b = am,
				       bm = MIN(i + 2 * width, sm->nseg);

				for (j = i; j < bm; j++)
					tmp[j] = (a < am &&
						  (b >= bm ||
						   seg_cmp(&sm->seg[a],
							   &sm->seg[b]) <= 0))
						     ? sm->seg[a++]
						     : sm->seg[b++];
			}
			memcpy(sm->seg, tmp, sm->nseg * sizeof(*tmp));
		}
		free(tmp);
	}
}

int sourcemap_parse(struct sourcemap *sm, const char *json, size_t len,
		    const char *name)
{
	int ret = sourcemap_parse_json(sm, json, len, name);

	sort_segments(sm);
	return ret;
}

/* The URL after "sourceMappingURL=" at u, if the comment is well formed. */
static int comment_at(const char *code, size_t len, size_t at,
		      struct sm_comment *c)
{
	size_t k = at, u = at + 17, e;
	int css;

	/* Back over [ \t]+, then # or @, then // or slash-star. */
	if (!k || (code[k - 1] != ' ' && code[k - 1] != '\t'))
		return 0;
	while (k && (code[k - 1] == ' ' || code[k - 1] == '\t'))
		k--;
	if (k < 3 || (code[k - 1] != '#' && code[k - 1] != '@') ||
	    code[k - 3] != '/' || (code[k - 2] != '/' && code[k - 2] != '*'))
		return 0;
	css = code[k - 2] == '*';
	e = u;
	while (e < len && !strchr(" \t\r\n'\"", code[e]) &&
	       !(css && code[e] == '*' && e + 1 < len && code[e + 1] == '/'))
		e++;
	if (e == u)
		return 0;
	c->start = k - 3;
	c->url = code + u;
	c->url_len = e - u;
	while (e < len && (code[e] == ' ' || code[e] == '\t'))
		e++;
	if (css) {
		if (e + 1 >= len || code[e] != '*' || code[e + 1] != '/')
			return 0;
		e += 2;
	}
	c->end = e;
	while (e < len && (code[e] == ' ' || code[e] == '\t'))
		e++;
	/* The comment must end its line. */
	return e == len || code[e] == '\n' || code[e] == '\r';
}

/* The last comment whose key starts in code[from, len). */
static int last_comment_from(const char *code, size_t len, size_t from,
			     struct sm_comment *c)
{
	static const char key[] = "sourceMappingURL=";
	const char *p = code + from, *end = code + len, *hit;
	int found = 0;

	while ((hit = memmem(p, end - p, key, sizeof(key) - 1))) {
		struct sm_comment t;

		if (comment_at(code, len, hit - code, &t)) {
			/* Trim the trailing blanks kept out of the comment. */
			*c = t;
			while (c->end > c->start && (code[c->end - 1] == ' ' ||
						     code[c->end - 1] == '\t'))
				c->end--;
			found = 1;
		}
		p = hit + 1;
	}
	return found;
}

/* The comment is nearly always at the end: the last 64 KiB are searched
 * first, and the whole only when they hold none. */
#define COMMENT_TAIL 65536

int sourcemap_find_comment(const char *code, size_t len, struct sm_comment *c)
{
	if (len > COMMENT_TAIL &&
	    last_comment_from(code, len, len - COMMENT_TAIL, c))
		return 1;
	return last_comment_from(code, len, 0, c);
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch |= 0x20;
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

static void percent_decode(struct strbuf *out, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len && hexval(s[i + 1]) >= 0 &&
		    hexval(s[i + 2]) >= 0) {
			strbuf_addch(out,
				     hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else {
			strbuf_addch(out, s[i]);
		}
	}
}

int sm_file_read(struct sm_file *f, const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	/* "-" is standard input, as for strbuf_read_file(). */
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0, ret;

	memset(f, 0, sizeof(*f));
	if (fd < 0)
		return error_errno("cannot open '%s'", path);
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uint64_t)st.st_size <= SIZE_MAX) {
		void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE,
			       fd, 0);

		if (p != MAP_FAILED) {
			if (fd)
				close(fd);
			f->buf = p;
			f->len = (size_t)st.st_size;
			f->mapped = 1;
			return 0;
		}
	}
	/* A pipe, an empty file, or no mmap: read it. */
	ret = strbuf_read_fd(&sb, fd, path);
	if (fd)
		close(fd);
	if (ret < 0) {
		strbuf_release(&sb);
		return -1;
	}
	f->len = sb.len;
	f->buf = strbuf_detach(&sb, NULL);
	return 0;
}

void sm_file_release(struct sm_file *f)
{
	if (f->mapped)
		munmap(f->buf, f->len);
	else
		free(f->buf);
	memset(f, 0, sizeof(*f));
}

/* Decoded text (a data: URL) as an sm_file. */
static void file_from_strbuf(struct sm_file *f, struct strbuf *sb)
{
	f->len = sb->len;
	f->buf = strbuf_detach(sb, NULL);
	f->mapped = 0;
}

/* A map named by URL (uploaded to a CDN or an error tracker) is not
 * fetched: the file the URL names, or ASSET.map, beside the asset. */
static int load_beside(const char *path, const struct sm_comment *c,
		       struct sm_file *json, char **map_path)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	const char *slash = strrchr(path, '/'), *u = c->url;
	size_t n = 0, k;
	int ret;

	/* The URL is not NUL-terminated: up to its query or fragment. */
	while (n < c->url_len && u[n] != '?' && u[n] != '#')
		n++;
	for (k = n; k && u[k - 1] != '/'; k--)
		;
	if (slash)
		strbuf_add(&a, path, slash - path + 1);
	percent_decode(&a, u + k, n - k);
	strbuf_addf(&b, "%s.map", path);
	if (k < n && access(a.buf, F_OK) == 0) {
		*map_path = strbuf_detach(&a, NULL);
	} else if (access(b.buf, F_OK) == 0) {
		*map_path = strbuf_detach(&b, NULL);
	} else {
		ret = error("'%s' names its map by URL ('%.*s'), which perfops "
			    "does not fetch, and neither '%s' nor '%s' is "
			    "beside it: put the map there, or give it "
			    "(perfops bundle ASSET MAP)",
			    path, (int)c->url_len, c->url, a.buf, b.buf);
		goto out;
	}
	ret = sm_file_read(json, *map_path) < 0 ? -1 : 1;
out:
	strbuf_release(&a);
	strbuf_release(&b);
	return ret;
}

int sourcemap_load_for(const char *path, const struct sm_comment *c,
		       struct sm_file *json, char **map_path)
{
	struct strbuf name = STRBUF_INIT, data = STRBUF_INIT;

	*map_path = NULL;
	memset(json, 0, sizeof(*json));
	if (c) {
		if (c->url_len > 5 && !strncmp(c->url, "data:", 5)) {
			const char *comma = memchr(c->url, ',', c->url_len);
			size_t hlen, dlen;
			int bad = 0;

			strbuf_addf(&name, "the inline map of '%s'", path);
			*map_path = strbuf_detach(&name, NULL);
			if (!comma)
				return error("%s: a data: URL without a comma",
					     *map_path);
			hlen = comma - c->url;
			dlen = c->url_len - hlen - 1;
			if (memmem(c->url, hlen, ";base64", 7)) {
				if (base64_decode(&data, comma + 1, dlen) < 0)
					bad = error("%s: bad base64 after "
						    "byte %zu",
						    *map_path, data.len);
			} else {
				percent_decode(&data, comma + 1, dlen);
			}
			file_from_strbuf(json, &data);
			return bad ? -1 : 1;
		}
		if (memmem(c->url, c->url_len, "://", 3))
			return load_beside(path, c, json, map_path);
		if (*c->url != '/') {
			const char *slash = strrchr(path, '/');

			if (slash)
				strbuf_add(&name, path, slash - path + 1);
		}
		percent_decode(&name, c->url, c->url_len);
		*map_path = strbuf_detach(&name, NULL);
		if (access(*map_path, F_OK) < 0 && errno == ENOENT)
			return error("'%s' names the map '%s' in its "
				     "sourceMappingURL comment, which does not "
				     "exist: put the map there, or give it "
				     "(perfops bundle ASSET MAP)",
				     path, *map_path);
		if (sm_file_read(json, *map_path) < 0) {
			error("'%s' names the map '%s' in its sourceMappingURL "
			      "comment, which cannot be read",
			      path, *map_path);
			return -1;
		}
		return 1;
	}
	strbuf_addf(&name, "%s.map", path);
	if (access(name.buf, F_OK) < 0) {
		strbuf_release(&name);
		return 0;
	}
	*map_path = strbuf_detach(&name, NULL);
	return sm_file_read(json, *map_path) < 0 ? -1 : 1;
}
