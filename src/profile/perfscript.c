#include "core/compat.h"
#include "profile/perfscript.h"
#include "core/error.h"
#include "core/hash.h"
#include "core/strbuf.h"
#include "core/vec.h"

/*
 * The Perl script matches each line with regular expressions.  Rather than
 * pulling in a regex engine (and its cost per line), each expression is
 * emulated by hand below, including the places where Perl's backtracking
 * gives surprising results; the comments quote the expression.  Where the
 * script's behaviour looks like a bug, it is kept on purpose and marked
 * "compat:".
 */

static inline int is_space(int c)
{
	/* Perl's \s: space, \t, \n, \v, \f, \r. */
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static inline int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static inline int is_word(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '_';
}

static int has_sub(const char *s, size_t len, const char *needle)
{
	return memmem(s, len, needle, strlen(needle)) != NULL;
}

/* The text of one event line, as the script's two expressions see it. */
struct event_line {
	const char *comm, *pid, *tid, *period, *event;
	size_t comm_len, pid_len, tid_len, period_len, event_len;
};

/*
 * /^(\S.+?)\s+(\d+)\/ *(\d+)*\s+/ (without the space before "*"): the shortest comm of at least two
 * characters followed by whitespace, a pid, optional slashes and tid, and
 * whitespace.  Returns 1 on a match.
 */
static int match_event_head(const char *s, size_t len, struct event_line *ev)
{
	size_t k;

	if (len < 2 || is_space((unsigned char)s[0]))
		return 0;
	for (k = 2; k < len; k++) {
		size_t i = k, d1, d1e, d2, d2e;

		if (!is_space((unsigned char)s[i]))
			continue;
		while (i < len && is_space((unsigned char)s[i]))
			i++;
		d1 = i;
		while (i < len && is_digit((unsigned char)s[i]))
			i++;
		if (i == d1)
			continue;
		d1e = i;
		while (i < len && s[i] == '/')
			i++;
		d2 = i;
		while (i < len && is_digit((unsigned char)s[i]))
			i++;
		d2e = i;
		if (i >= len || !is_space((unsigned char)s[i]))
			continue;
		ev->comm = s;
		ev->comm_len = k;
		ev->pid = s + d1;
		ev->pid_len = d1e - d1;
		ev->tid = s + d2;
		ev->tid_len = d2e - d2;
		return 1;
	}
	return 0;
}

/*
 * /:\s*(\d+)*\s+(\S+):\s*$/ : the line ends with "EVENT:", preceded by
 * whitespace, an optional period and whitespace after a ':'.  Only one
 * ':' can start such a match, so it is found from the end.
 */
static int match_event_tail(const char *s, size_t len, struct event_line *ev)
{
	size_t t = len, tok, i, dend;

	while (t && is_space((unsigned char)s[t - 1]))
		t--;
	if (t < 2 || s[t - 1] != ':')
		return 0;
	tok = t - 1;
	while (tok && !is_space((unsigned char)s[tok - 1]))
		tok--;
	if (tok == t - 1 || tok == 0)
		return 0;
	i = tok;
	while (i && is_space((unsigned char)s[i - 1]))
		i--;
	ev->period = NULL;
	ev->period_len = 0;
	if (i && is_digit((unsigned char)s[i - 1])) {
		dend = i;
		while (i && is_digit((unsigned char)s[i - 1]))
			i--;
		ev->period = s + i;
		ev->period_len = dend - i;
		while (i && is_space((unsigned char)s[i - 1]))
			i--;
	}
	if (!i || s[i - 1] != ':')
		return 0;
	ev->event = s + tok;
	ev->event_len = t - 1 - tok;
	return 1;
}

/* m:/tmp/perf-\d+\.map: anywhere in the dso name. */
static int has_perf_map(const char *m, size_t len)
{
	const char *end = m + len, *p = m;

	while ((p = memmem(p, (size_t)(end - p), "/tmp/perf-", 10))) {
		const char *d = p + 10, *q = d;

		while (q < end && is_digit((unsigned char)*q))
			q++;
		if (q > d && end - q >= 4 && !memcmp(q, ".map", 4))
			return 1;
		p++;
	}
	return 0;
}

/* The parts of a frame line. */
struct frame_line {
	const char *pc, *func, *mod;
	size_t pc_len, func_len, mod_len;
	int plain; /* matched without backtracking into pc or spaces */
};

/*
 * The mod part: the last " (" at or after from, followed by a run of
 * non-space characters containing a ')'; (.+) is greedy, so the last
 * such place wins, and \S* is greedy, so the last ')' of the run ends it.
 */
static int find_mod(const char *s, size_t len, size_t from,
		    struct frame_line *fl)
{
	size_t q = len;

	while (q-- > from) {
		size_t m, e, r;

		if (s[q] != ' ' || q + 1 >= len || s[q + 1] != '(')
			continue;
		m = q + 2;
		e = m;
		while (e < len && !is_space((unsigned char)s[e]))
			e++;
		for (r = e; r > m; r--)
			if (s[r - 1] == ')')
				break;
		if (r == m)
			continue;
		fl->func = s + from;
		fl->func_len = q - from;
		fl->mod = s + m;
		fl->mod_len = r - 1 - m;
		return 1;
	}
	return 0;
}

/*
 * /^\s*(\w+)\s*(.+) \((\S*)\)/ with Perl's order of preference: longest
 * word, then longest spaces, then the longest (.+).
 */
static int match_frame(const char *s, size_t len, struct frame_line *fl)
{
	size_t b = 0, w, wl, sp, sl;

	while (b < len && is_space((unsigned char)s[b]))
		b++;
	w = b;
	while (w < len && is_word((unsigned char)s[w]))
		w++;
	if (w == b)
		return 0;
	for (wl = w - b; wl >= 1; wl--) {
		size_t after = b + wl;

		sp = after;
		while (sp < len && is_space((unsigned char)s[sp]))
			sp++;
		for (sl = sp - after + 1; sl-- > 0;) {
			size_t from = after + sl;

			/* (.+) needs at least one character before " (". */
			if (find_mod(s, len, from, fl) && fl->func_len >= 1) {
				fl->pc = s + b;
				fl->pc_len = wl;
				fl->plain = wl == w - b && from == sp;
				return 1;
			}
		}
	}
	return 0;
}

/* A srcline line (perf script -F+srcline): "  file.c:45". */
static int is_srcline(const char *s, size_t len)
{
	size_t i = 0, e = len;

	if (!len || !is_space((unsigned char)s[0]))
		return 0;
	while (i < len && is_space((unsigned char)s[i]))
		i++;
	while (e > i && is_space((unsigned char)s[e - 1]))
		e--;
	if (i == e || !is_digit((unsigned char)s[e - 1]))
		return 0;
	while (e > i && is_digit((unsigned char)s[e - 1]))
		e--;
	return e > i && s[e - 1] == ':';
}

static int only_space(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!is_space((unsigned char)s[i]))
			return 0;
	return 1;
}

/*
 * A cache from the text of a frame line (everything that decides its
 * collapsed frames) to those frames, so that the cleaning rules run once
 * per distinct line rather than once per sample.
 */
struct frame_cache {
	struct intern keys[2]; /* [is_java] */
	VEC(uint32_t) start[2]; /* by key id: index into frames */
	VEC(uint32_t) count[2];
	VEC(uint32_t) frames;
};

struct collapse {
	struct profile *p;
	struct lines *lr;
	unsigned flags;
	struct strbuf filter;
	int filter_set, defaulted, warned;
	/* The current record. */
	int have_pname;
	uint32_t pname;
	int is_java;
	double period;
	VEC(uint32_t) groups; /* frames of each line, in reading order */
	VEC(uint32_t) group_len;
	VEC(uint32_t) key;
	struct frame_cache cache;
	struct strbuf tmp, func;
	/* Diagnostics. */
	uint64_t frame_lines, bad_lines, first_bad;
	struct strbuf bad_text;
};

static void push_frame(struct collapse *c, const char *name, size_t len)
{
	VEC_PUSH(&c->cache.frames, profile_frame(c->p, name, len));
}

/* Clean one function name of a frame line and append it to the cache. */
static void clean_func(struct collapse *c, const struct frame_line *fl,
		       const char *f, size_t flen, int inlined)
{
	struct strbuf *func = &c->func;
	size_t i, o;

	strbuf_reset(func);
	if (flen == 9 && !memcmp(f, "[unknown]", 9)) {
		const char *m = fl->mod;
		size_t ml = fl->mod_len;

		strbuf_addch(func, '[');
		if (!(ml == 9 && !memcmp(m, "[unknown]", 9))) {
			/* s/.* /// without the space: the basename of the dso. */
			const char *slash = memrchr(m, '/', ml);

			if (slash) {
				ml -= (size_t)(slash + 1 - m);
				m = slash + 1;
			}
			strbuf_add(func, m, ml);
		} else {
			strbuf_addstr(func, "unknown");
		}
		if (c->flags & COLLAPSE_ADDRS) {
			strbuf_addstr(func, " <");
			strbuf_add(func, fl->pc, fl->pc_len);
			strbuf_addch(func, '>');
		}
		strbuf_addch(func, ']');
	} else {
		strbuf_add(func, f, flen);
	}

	/* s/;/:/g */
	for (i = 0; i < func->len; i++)
		if (func->buf[i] == ';')
			func->buf[i] = ':';
	/* Unless it matches /\.\(.*\)\./ (Go's pkg.(*T).M), drop everything
	 * from the first '(' that does not open "(anonymous namespace)". */
	{
		const char *dp = memmem(func->buf, func->len, ".(", 2);
		int go = 0;

		if (dp) {
			size_t from = (size_t)(dp - func->buf) + 2;

			go = memmem(func->buf + from, func->len - from, ").",
				    2) != NULL;
		}
		if (!go) {
			for (i = 0; i < func->len; i++) {
				if (func->buf[i] != '(')
					continue;
				if (func->len - i - 1 >= 20 &&
				    !memcmp(func->buf + i + 1,
					    "anonymous namespace)", 20))
					continue;
				strbuf_setlen(func, i);
				break;
			}
		}
	}
	/* tr/"\'//d */
	for (i = o = 0; i < func->len; i++)
		if (func->buf[i] != '"' && func->buf[i] != '\'')
			func->buf[o++] = func->buf[i];
	strbuf_setlen(func, o);
	/* Java: s/^L// when the name has a '/'. */
	if (c->is_java && func->len && func->buf[0] == 'L' &&
	    memchr(func->buf, '/', func->len)) {
		memmove(func->buf, func->buf + 1, func->len - 1);
		strbuf_setlen(func, func->len - 1);
	}

	if (inlined) {
		if (!has_sub(func->buf, func->len, "_[i]"))
			strbuf_addstr(func, "_[i]");
	} else if ((c->flags & COLLAPSE_KERNEL) &&
		   ((fl->mod_len && fl->mod[0] == '[') ||
		    (fl->mod_len >= 7 &&
		     !memcmp(fl->mod + fl->mod_len - 7, "vmlinux", 7))) &&
		   !has_sub(fl->mod, fl->mod_len, "unknown")) {
		/* compat: no check for an existing "_[k]", unlike _[i]/_[j]. */
		strbuf_addstr(func, "_[k]");
	} else if ((c->flags & COLLAPSE_JIT) && has_perf_map(fl->mod, fl->mod_len)) {
		if (!has_sub(func->buf, func->len, "_[j]"))
			strbuf_addstr(func, "_[j]");
	}
	push_frame(c, func->buf, func->len);
}

/*
 * Collapse a frame line into frames: the cached result or a fresh one.
 * Returns 0 when the line is not a frame line at all.
 */
static int frame_line(struct collapse *c, const char *s, size_t len)
{
	struct frame_cache *fc = &c->cache;
	struct intern *keys = &fc->keys[c->is_java];
	struct frame_line fl;
	const char *key;
	size_t klen, b = 0, start, i, f0;
	uint64_t hash;
	uint32_t id;

	c->frame_lines++;
	/* The key: the line without its leading spaces (and without the
	 * address unless --addrs can print it), in the table of its java
	 * flag. */
	while (b < len && is_space((unsigned char)s[b]))
		b++;
	key = s + b;
	klen = len - b;
	if (!(c->flags & COLLAPSE_ADDRS)) {
		while (klen && is_word((unsigned char)*key))
			key++, klen--;
	}
	hash = hash_bytes(key, klen);
	id = intern_find_hashed(keys, key, klen, hash);
	if (id != INTERN_NONE) {
		uint32_t n = fc->count[c->is_java].v[id];

		VEC_GROW(&c->groups, c->groups.len + n);
		memcpy(c->groups.v + c->groups.len,
		       fc->frames.v + fc->start[c->is_java].v[id],
		       n * sizeof(uint32_t));
		c->groups.len += n;
		VEC_PUSH(&c->group_len, n);
		return 1;
	}

	if (!match_frame(s, len, &fl)) {
		c->frame_lines--;
		return 0;
	}
	f0 = fc->frames.len;
	/* s/\+0x[\da-f]+$// */
	{
		size_t e = fl.func_len, h = e;

		while (h && (is_digit((unsigned char)fl.func[h - 1]) ||
			     (fl.func[h - 1] >= 'a' && fl.func[h - 1] <= 'f')))
			h--;
		if (h < e && h >= 3 && !memcmp(fl.func + h - 3, "+0x", 3))
			fl.func_len = h - 3;
	}
	/* next if $rawfunc =~ /^\(/ : process names in parentheses. */
	if (!(fl.func_len && fl.func[0] == '(')) {
		/* split /\->/ drops trailing empty fields. */
		size_t n = fl.func_len, part = 0;

		while (n >= 2 && !memcmp(fl.func + n - 2, "->", 2))
			n -= 2;
		for (start = 0, i = 0; n && i <= n; i++) {
			if (i < n && !(i + 1 < n && fl.func[i] == '-' &&
				       fl.func[i + 1] == '>'))
				continue;
			clean_func(c, &fl, fl.func + start, i - start, part > 0);
			part++;
			if (i < n)
				i++;
			start = i + 1;
		}
	}
	/* Cache it unless the match needed backtracking into the address
	 * (then the frames may depend on the address we left out). */
	if (fl.plain || (c->flags & COLLAPSE_ADDRS)) {
		intern_add_hashed(keys, key, klen, hash, NULL);
		VEC_PUSH(&fc->start[c->is_java], (uint32_t)f0);
		VEC_PUSH(&fc->count[c->is_java], (uint32_t)(fc->frames.len - f0));
	}
	VEC_GROW(&c->groups, c->groups.len + fc->frames.len - f0);
	memcpy(c->groups.v + c->groups.len, fc->frames.v + f0,
	       (fc->frames.len - f0) * sizeof(uint32_t));
	c->groups.len += fc->frames.len - f0;
	VEC_PUSH(&c->group_len, (uint32_t)(fc->frames.len - f0));
	if (!(fl.plain || (c->flags & COLLAPSE_ADDRS)))
		fc->frames.len = f0;
	return 1;
}

/* A blank line: remember the stack of the record that ends here. */
static void end_record(struct collapse *c)
{
	size_t g, end;

	if (!c->have_pname)
		return;
	/* @stack was built with unshift: the last line's frames come first
	 * (after the process name), each line's own frames in order. */
	c->key.len = 0;
	VEC_PUSH(&c->key, c->pname);
	end = c->groups.len;
	for (g = c->group_len.len; g-- > 0;) {
		size_t n = c->group_len.v[g];

		VEC_GROW(&c->key, c->key.len + n);
		memcpy(c->key.v + c->key.len, c->groups.v + end - n,
		       n * sizeof(uint32_t));
		c->key.len += n;
		end -= n;
	}
	profile_add(c->p, 0, c->key.v, c->key.len, &c->period);
	c->groups.len = c->group_len.len = 0;
	c->have_pname = 0;
}

static void event_line(struct collapse *c, const char *s, size_t len,
		       struct event_line *ev)
{
	struct strbuf *name = &c->tmp;
	int tid_false;
	size_t i;

	c->period = 1;
	if (match_event_tail(s, len, ev)) {
		if (!c->filter_set) {
			/* Only the first event type seen is kept: merging
			 * cycles with instructions would mislead. */
			strbuf_add(&c->filter, ev->event, ev->event_len);
			c->filter_set = c->defaulted = 1;
		} else if (ev->event_len != c->filter.len ||
			   memcmp(ev->event, c->filter.buf, ev->event_len)) {
			if (c->defaulted && !c->warned) {
				warning("%s: several event types; keeping only "
					"'%s' (choose with --event-filter=NAME)",
					c->lr->name, c->filter.buf);
				c->warned = 1;
			}
			return;
		}
		/* compat: Perl's "not $period" makes a period of "0" (not
		 * "00") count as 1. */
		if (ev->period_len &&
		    !(ev->period_len == 1 && ev->period[0] == '0')) {
			double v = 0;

			for (i = 0; i < ev->period_len; i++)
				v = v * 10 + (ev->period[i] - '0');
			c->period = v;
		}
	}
	/* compat: "not $tid" is also true for a tid of "0", which turns
	 * "swapper 0/0" into pid "?" and tid 0. */
	tid_false = !ev->tid_len || (ev->tid_len == 1 && ev->tid[0] == '0');
	strbuf_reset(name);
	strbuf_add(name, ev->comm, ev->comm_len);
	if (c->flags & COLLAPSE_TID) {
		strbuf_addch(name, '-');
		if (tid_false)
			strbuf_addf(name, "?/%.*s", (int)ev->pid_len, ev->pid);
		else
			strbuf_addf(name, "%.*s/%.*s", (int)ev->pid_len,
				    ev->pid, (int)ev->tid_len, ev->tid);
	} else if (c->flags & COLLAPSE_PID) {
		strbuf_addch(name, '-');
		if (tid_false)
			strbuf_addch(name, '?');
		else
			strbuf_add(name, ev->pid, ev->pid_len);
	}
	for (i = 0; i < name->len; i++)
		if (name->buf[i] == ' ')
			name->buf[i] = '_';
	c->pname = profile_frame(c->p, name->buf, name->len);
	/* compat: "next if not $pname" also skips a process named "0". */
	c->have_pname = !(name->len == 1 && name->buf[0] == '0');
	/* The Java clean-up looks at the process name alone, with or without
	 * the -PID suffix. */
	c->is_java = ev->comm_len == 4 && !memcmp(ev->comm, "java", 4);
}

static void bad_line(struct collapse *c, const char *s, size_t len)
{
	if (!c->bad_lines++) {
		c->first_bad = c->lr->lineno;
		strbuf_add(&c->bad_text, s, MIN(len, (size_t)80));
	}
}

int perfscript_read(struct profile *p, struct lines *lr,
		    const struct read_opts *opts)
{
	struct collapse c;
	const char *s;
	size_t len;
	int r, ret = 0;

	memset(&c, 0, sizeof(c));
	c.p = p;
	c.lr = lr;
	c.flags = opts ? opts->collapse_flags : 0;
	strbuf_init(&c.filter, 0);
	strbuf_init(&c.tmp, 256);
	strbuf_init(&c.func, 256);
	strbuf_init(&c.bad_text, 0);
	intern_init(&c.cache.keys[0]);
	intern_init(&c.cache.keys[1]);
	if (opts && opts->event_filter && *opts->event_filter) {
		strbuf_addstr(&c.filter, opts->event_filter);
		c.filter_set = 1;
	}

	while ((r = lines_next(lr, &s, &len)) > 0) {
		struct event_line ev;
		unsigned char c0;

		if (!len) {
			end_record(&c);
			continue;
		}
		c0 = (unsigned char)s[0];
		if (c0 == '#')
			continue;
		/* chomp removes only "\n": a line with "\r" is not blank. */
		if (!is_space(c0) && match_event_head(s, len, &ev)) {
			event_line(&c, s, len, &ev);
			continue;
		}
		if (!c.have_pname) {
			/* Frames of a filtered or skipped sample. */
			if (is_space(c0) || is_word(c0))
				continue;
			bad_line(&c, s, len);
			continue;
		}
		if (is_space(c0) || is_word(c0)) {
			if (frame_line(&c, s, len))
				continue;
			if (only_space(s, len) || is_srcline(s, len))
				continue;
		}
		bad_line(&c, s, len);
	}
	if (r < 0)
		ret = -1;
	if (c.have_pname && c.group_len.len)
		warning("%s: the input ends inside a sample (truncated?); "
			"that sample is left out, as stackcollapse-perf.pl does",
			lr->name);
	if (c.bad_lines) {
		ret = error("%s:%" PRIu64 ": not perf script output: '%s'%s "
			    "(%" PRIu64 " such line%s; expected 'COMM PID ... "
			    "EVENT:' or 'ADDR SYMBOL (DSO)')",
			    lr->name, c.first_bad, c.bad_text.buf,
			    c.bad_text.len < 80 ? "" : "...", c.bad_lines,
			    c.bad_lines == 1 ? "" : "s");
	} else if (!ret && !c.frame_lines) {
		ret = error("%s: no stacks found; record with -g "
			    "(perf record -g, or perfops record)",
			    lr->name);
	}

	intern_release(&c.cache.keys[0]);
	intern_release(&c.cache.keys[1]);
	VEC_RELEASE(&c.cache.start[0]);
	VEC_RELEASE(&c.cache.count[0]);
	VEC_RELEASE(&c.cache.start[1]);
	VEC_RELEASE(&c.cache.count[1]);
	VEC_RELEASE(&c.cache.frames);
	VEC_RELEASE(&c.groups);
	VEC_RELEASE(&c.group_len);
	VEC_RELEASE(&c.key);
	strbuf_release(&c.filter);
	strbuf_release(&c.tmp);
	strbuf_release(&c.func);
	strbuf_release(&c.bad_text);
	return ret;
}

int perfscript_detect(const char *data, size_t len)
{
	size_t off = 0;
	int seen_event = 0;

	while (off < len) {
		const char *s = data + off, *nl = memchr(s, '\n', len - off);
		size_t l = nl ? (size_t)(nl - s) : len - off;
		struct event_line ev;
		struct frame_line fl;

		off += l + 1;
		if (!l || s[0] == '#')
			continue;
		if (!seen_event) {
			if (is_space((unsigned char)s[0]) ||
			    !match_event_head(s, l, &ev))
				return 0;
			seen_event = 1;
			continue;
		}
		/* The line after an event line: a frame. */
		return match_frame(s, l, &fl);
	}
	return seen_event;
}
