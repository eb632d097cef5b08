#include "core/compat.h"
#include "profile/perfscript.h"
#include "core/error.h"
#include "core/hash.h"
#include "core/strbuf.h"
#include "core/vec.h"
#include "profile/linecache.h"
#include <pthread.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/*
 * The Perl script matches each line with regular expressions.  Rather than
 * pulling in a regex engine (and its cost per line), each expression is
 * emulated by hand below, including the places where Perl's backtracking
 * gives surprising results; the comments quote the expression.  Where the
 * script's behaviour looks like a bug, it is kept on purpose and marked
 * "compat:".
 */

/* Character classes of Perl's \s, \d and \w, by table: these run for
 * every byte of the input. */
enum { C_SPACE = 1, C_DIGIT = 2, C_WORD = 4 };
static const unsigned char cclass[256] = {
    ['\t'] = C_SPACE,
    ['\n'] = C_SPACE,
    ['\v'] = C_SPACE,
    ['\f'] = C_SPACE,
    ['\r'] = C_SPACE,
    [' '] = C_SPACE,
    ['0' ... '9'] = C_DIGIT | C_WORD,
    ['a' ... 'z'] = C_WORD,
    ['A' ... 'Z'] = C_WORD,
    ['_'] = C_WORD,
};

static inline int is_space(int c)
{
	return cclass[c & 0xff] & C_SPACE;
}

static inline int is_digit(int c)
{
	return cclass[c & 0xff] & C_DIGIT;
}

static inline int is_word(int c)
{
	return cclass[c & 0xff] & C_WORD;
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
 * /^(\S.+?)\s+(\d+)\/ *(\d+)*\s+/ (without the space before "*"): the shortest
 * comm of at least two characters followed by whitespace, a pid, optional
 * slashes and tid, and whitespace.  Returns 1 on a match.
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

/*
 * The first whitespace at or after i: eight bytes at a time while none of
 * them is 0x20 or below (every \s character is), then byte by byte.
 */
static size_t skip_nonspace(const char *s, size_t i, size_t len)
{
	const uint64_t ones = 0x0101010101010101ull;
	const uint64_t highs = 0x8080808080808080ull;

	while (i + 8 <= len) {
		uint64_t v;

		memcpy(&v, s + i, 8);
		/* A byte <= 0x20 has its high bit set in (v - 0x21..) & ~v. */
		if (((v - ones * 0x21) & ~v & highs) != 0)
			break;
		i += 8;
	}
	while (i < len && !is_space((unsigned char)s[i]))
		i++;
	return i;
}

#define ONES8 0x0101010101010101ull
#define SPACES8 (ONES8 * ' ')

static inline uint64_t load8(const char *s)
{
	uint64_t v;

	memcpy(&v, s, 8);
	return v;
}

/* The high bit of each byte of v that is above m and below n (m <= 127,
 * n <= 128, bytes below 128; no carry crosses bytes). */
static inline uint64_t bytes_between(uint64_t v, unsigned m, unsigned n)
{
	uint64_t low = v & (ONES8 * 127);

	return (ONES8 * (127 + n) - low) & ~v & (low + ONES8 * (127 - m)) &
	       (ONES8 * 128);
}

/* The index of the first byte (in memory order) of x that is not zero. */
static inline size_t first_byte(uint64_t x)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (size_t)__builtin_ctzll(x) >> 3;
#else
	return (size_t)__builtin_clzll(x) >> 3;
#endif
}

/* The high bit of each byte of v that is a hex digit 0-9a-f. */
static inline uint64_t hex8(uint64_t v)
{
	return bytes_between(v, '0' - 1, '9' + 1) |
	       bytes_between(v, 'a' - 1, 'f' + 1);
}

/* The parts of a frame line. */
struct frame_line {
	const char *pc, *func, *mod;
	size_t pc_len, func_len, mod_len;
	int plain; /* no backtracking into the address or the spaces */
};

/*
 * The mod part: the last " (" at or after from, followed by a run of
 * non-space characters containing a ')'; (.+) is greedy, so the last
 * such place wins, and \S* is greedy, so the last ')' of the run ends it.
 */
static int find_mod(const char *s, size_t len, size_t from,
		    struct frame_line *fl)
{
	size_t lim = len;

	/* Candidates from the right: each '(' at from + 1 or later. */
	while (lim > from + 1) {
		const char *p = memrchr(s + from + 1, '(', lim - from - 1);
		size_t o, m, e, r;

		if (!p)
			return 0;
		o = (size_t)(p - s);
		lim = o;
		if (s[o - 1] != ' ')
			continue;
		m = o + 1;
		e = skip_nonspace(s, m, len);
		for (r = e; r > m; r--)
			if (s[r - 1] == ')')
				break;
		if (r == m)
			continue;
		fl->func = s + from;
		fl->func_len = o - 1 - from;
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
 * per distinct line rather than once per sample; one table per level and
 * java flag.
 */
struct frame_cache {
	/* Level 2, by what decides the frames (see frame_line()). */
	struct linecache keys[2];
	/* Level 1, by the exact text after the address: a hit skips the
	 * matching altogether.  Lines that differ only in their offset miss
	 * here and hit level 2. */
	struct linecache l1[2];
	/* Level 1 switches itself off when most lookups miss (every line
	 * distinct): then it only costs. */
	int l1_off;
	uint32_t l1_tries, l1_hits;
};

/*
 * Byte budgets: past them a table empties itself and refills from what
 * follows, so that memory follows the profile (the unique output) and
 * never the number of distinct frame lines in the input, which would keep
 * a copy of each line when every frame line is distinct.
 */
#define CACHE_KEY_MAX_BYTES (4u << 20)
#define CACHE_L1_MAX_BYTES (2u << 20)
#define L1_WINDOW 16384

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
	int64_t period;
	uint64_t record_line; /* the event line of the current record */
	/*
	 * The stack of the current record, built as the script's unshift
	 * builds it: each line's frames go in front of the earlier lines',
	 * so they are written backwards from the end, stack[at..cap), with
	 * a slot left in front for the process name.
	 */
	uint32_t *stack;
	size_t stack_at, stack_cap;
	unsigned record_lines; /* frame lines in the current record */
	VEC(uint32_t) fresh;   /* frames of the line being cleaned */
	struct frame_cache cache;
	struct strbuf tmp, func;
	int periods; /* perf printed sample periods */
	/* Diagnostics. */
	int truncated;
	uint64_t frame_lines, bad_lines, first_bad;
	struct strbuf bad_text;
	uint64_t cut_line; /* the last line, cut short (no newline) */
	/* A count out of the int64_t range: where, and which message. */
	uint64_t count_line;
	int count_sum; /* 1: a sum overflowed; 0: a period did */
	char count_text[32];
};

static void push_frame(struct collapse *c, const char *name, size_t len)
{
	VEC_PUSH(&c->fresh, profile_frame(c->p, name, len));
}

/* Clean one function name of a frame line and append it to c->fresh. */
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
			/* s/.* /// without the space: the basename of the dso.
			 */
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
	} else if ((c->flags & COLLAPSE_JIT) &&
		   has_perf_map(fl->mod, fl->mod_len)) {
		if (!has_sub(func->buf, func->len, "_[j]"))
			strbuf_addstr(func, "_[j]");
	}
	push_frame(c, func->buf, func->len);
}

static void cache_init(struct frame_cache *fc)
{
	int j;

	memset(fc, 0, sizeof(*fc));
	for (j = 0; j < 2; j++) {
		linecache_init(&fc->keys[j], CACHE_KEY_MAX_BYTES);
		linecache_init(&fc->l1[j], CACHE_L1_MAX_BYTES);
	}
}

static void cache_release(struct frame_cache *fc)
{
	int j;

	for (j = 0; j < 2; j++) {
		linecache_release(&fc->keys[j]);
		linecache_release(&fc->l1[j]);
	}
}

/* Make room for n more frames in front of the stack (and the name). */
static void grow_stack(struct collapse *c, size_t n)
{
	size_t used = c->stack_cap - c->stack_at;
	size_t cap = MAX(c->stack_cap * 2, st_add(st_add(used, n), 1));
	uint32_t *st = xmalloc(st_mult(cap, sizeof(*st)));

	if (used)
		memcpy(st + cap - used, c->stack + c->stack_at,
		       used * sizeof(*st));
	free(c->stack);
	c->stack = st;
	c->stack_cap = cap;
	c->stack_at = cap - used;
}

/* Put the n frames of the next line in front of the stack. */
static inline int push_group(struct collapse *c, const uint32_t *frames,
			     uint32_t n)
{
	if (n >= c->stack_at)
		grow_stack(c, n);
	c->stack_at -= n;
	/* Nearly always one frame: not worth a call to memcpy(). */
	if (n == 1)
		c->stack[c->stack_at] = frames[0];
	else if (n)
		memcpy(c->stack + c->stack_at, frames, n * sizeof(uint32_t));
	c->record_lines++;
	return 1;
}

static const uint32_t *new_key(struct collapse *c, const struct frame_line *flp,
			       const char *key, size_t klen, uint64_t hash,
			       uint32_t *n);

/*
 * Where the level-1 key of a frame line starts: after its address (at it
 * for --addrs).  perf pads addresses to 16 columns: spaces and hex digits
 * are skipped eight at a time, then byte by byte for what remains.
 */
static size_t key_start(const struct collapse *c, const char *s, size_t len)
{
	size_t b = 0, l1;

	while (b < len && s[b] == '\t')
		b++;
	for (; b + 8 <= len; b += 8) {
		uint64_t x = load8(s + b) ^ SPACES8;

		if (x) {
			b += first_byte(x);
			break;
		}
	}
	while (b < len && is_space((unsigned char)s[b]))
		b++;
	l1 = b;
	if (!(c->flags & COLLAPSE_ADDRS)) {
		for (; l1 + 8 <= len; l1 += 8) {
			uint64_t other = ~hex8(load8(s + l1)) & (ONES8 * 128);

			if (other) {
				l1 += first_byte(other);
				break;
			}
		}
		while (l1 < len && is_word((unsigned char)s[l1]))
			l1++;
		while (l1 < len && is_space((unsigned char)s[l1]))
			l1++;
	}
	return l1;
}

#if !defined(__SSE2__)
/* The high bit of each byte of v that is a space. */
static inline uint64_t spaces8(uint64_t v)
{
	uint64_t t = v ^ SPACES8, low = ONES8 * 127;

	return ~(((t & low) + low) | t) & (ONES8 * 128);
}
#endif

/*
 * Whether a frame line is laid out as perf 3.x to 6.x print it: a tab,
 * the address right-aligned in 16 columns, one space and the symbol.  Its
 * level-1 key then starts at column 18, which the 16 columns confirm:
 * every byte a space or a hex digit, some digits, the spaces all before
 * them (one SSE2 vector, or two words elsewhere).
 */
static inline int perf_columns(const char *s, size_t len)
{
#if defined(__SSE2__)
	/* The same in one 16-byte vector: a mask bit per byte. */
	__m128i v, sp, dg, af;
	unsigned msp, mhx;

	if (len <= 18 || s[0] != '\t' || s[17] != ' ' ||
	    is_space((unsigned char)s[18]))
		return 0;
	v = _mm_loadu_si128((const __m128i *)(const void *)(s + 1));
	sp = _mm_cmpeq_epi8(v, _mm_set1_epi8(' '));
	dg = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
			   _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
	af = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('a' - 1)),
			   _mm_cmplt_epi8(v, _mm_set1_epi8('f' + 1)));
	msp = (unsigned)_mm_movemask_epi8(sp);
	mhx = (unsigned)_mm_movemask_epi8(_mm_or_si128(dg, af));
	/* All spaces or digits, some digits, the spaces a low run. */
	return (msp | mhx) == 0xffff && mhx && !(msp & (msp + 1));
#elif __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t high = ONES8 * 128;
	uint64_t w0, w1, sp0, sp1, hx0, hx1, below;

	if (len <= 18 || s[0] != '\t' || s[17] != ' ' ||
	    is_space((unsigned char)s[18]))
		return 0;
	w0 = load8(s + 1);
	w1 = load8(s + 9);
	sp0 = spaces8(w0);
	sp1 = spaces8(w1);
	hx0 = hex8(w0);
	hx1 = hex8(w1);
	if ((sp0 | hx0) != high || (sp1 | hx1) != high)
		return 0;
	if (!hx0) {
		/* The first word all spaces: the digits start in the second. */
		if (!hx1)
			return 0;
		below = (1ull << (8 * first_byte(hx1))) - 1;
		return sp1 == (high & below);
	}
	below = (1ull << (8 * first_byte(hx0))) - 1;
	return hx1 == high && sp0 == (high & below);
#else
	(void)s;
	(void)len;
	return 0;
#endif
}

static int frame_line_miss(struct collapse *c, const char *s, size_t len,
			   size_t l1, uint64_t l1hash);

/*
 * Collapse a frame line into frames: the cached result or a fresh one.
 * When the caller hashed its level-1 key (key_hash not NULL), the line is
 * in perf's columns, without --addrs and with level 1 on.  Returns 0 when
 * the line is not a frame line at all.  Inline: a level-1 hit is nearly
 * every frame line of a large input; the rest is frame_line_miss().
 */
static inline __attribute__((always_inline)) int
frame_line(struct collapse *c, const char *s, size_t len,
	   const uint64_t *key_hash)
{
	struct frame_cache *fc = &c->cache;
	const uint32_t *fr;
	uint64_t l1hash = 0;
	size_t l1;
	uint32_t n;

	c->frame_lines++;
	if (key_hash) {
		l1 = 18;
		l1hash = *key_hash;
	} else {
		l1 = !(c->flags & COLLAPSE_ADDRS) && perf_columns(s, len)
			 ? 18
			 : key_start(c, s, len);
		if (!fc->l1_off)
			l1hash = linecache_hash(s + l1, len - l1);
	}
	if (!fc->l1_off) {
		fr = linecache_find(&fc->l1[c->is_java], s + l1, len - l1,
				    l1hash, &n);
		if (++fc->l1_tries == L1_WINDOW) {
			fc->l1_off = fc->l1_hits < L1_WINDOW / 2;
			fc->l1_tries = fc->l1_hits = 0;
		}
		if (fr) {
			fc->l1_hits++;
			return push_group(c, fr, n);
		}
	}
	return frame_line_miss(c, s, len, l1, l1hash);
}

/* A frame line whose level-1 key is not cached (or level 1 is off). */
static int frame_line_miss(struct collapse *c, const char *s, size_t len,
			   size_t l1, uint64_t l1hash)
{
	struct frame_cache *fc = &c->cache;
	int j = c->is_java;
	struct frame_line fl;
	const uint32_t *fr;
	const char *key;
	size_t klen;
	uint64_t hash;
	uint32_t n;

	if (!match_frame(s, len, &fl)) {
		c->frame_lines--;
		return 0;
	}
	/* s/\+0x[\da-f]+$// */
	{
		size_t e = fl.func_len, h = e;

		while (h && (is_digit((unsigned char)fl.func[h - 1]) ||
			     (fl.func[h - 1] >= 'a' && fl.func[h - 1] <= 'f')))
			h--;
		if (h < e && h >= 3 && !memcmp(fl.func + h - 3, "+0x", 3))
			fl.func_len = h - 3;
	}
	/*
	 * Level 2: what decides the frames: the function without its
	 * offset, the dso, and the address only when --addrs prints it.
	 * Lengths go first so that different splits never make the same key.
	 */
	{
		uint32_t lens[3] = {
		    (uint32_t)fl.func_len, (uint32_t)fl.mod_len,
		    (c->flags & COLLAPSE_ADDRS) ? (uint32_t)fl.pc_len : 0};
		size_t kn = sizeof(lens) + fl.func_len + fl.mod_len + lens[2];
		char *k;

		if (strbuf_grow(&c->tmp, kn) < 0)
			return 0;
		k = c->tmp.buf;
		memcpy(k, lens, sizeof(lens));
		memcpy(k + sizeof(lens), fl.func, fl.func_len);
		memcpy(k + sizeof(lens) + fl.func_len, fl.mod, fl.mod_len);
		memcpy(k + sizeof(lens) + fl.func_len + fl.mod_len, fl.pc,
		       lens[2]);
		key = k;
		klen = kn;
	}
	hash = linecache_hash(key, klen);
	fr = linecache_find(&fc->keys[j], key, klen, hash, &n);
	if (!fr)
		fr = new_key(c, &fl, key, klen, hash, &n);
	/* Only a plain match may be cached by the text after the address:
	 * otherwise the frames depend on characters of the address.  (The
	 * level-2 frames stay valid: adding to level 1 empties at most
	 * level 1.) */
	if (fl.plain && !fc->l1_off)
		fr = linecache_add(&fc->l1[j], s + l1, len - l1, l1hash, fr, n);
	return push_group(c, fr, n);
}

/* Clean the frames of a new level-2 key and cache them. */
static const uint32_t *new_key(struct collapse *c, const struct frame_line *flp,
			       const char *key, size_t klen, uint64_t hash,
			       uint32_t *n)
{
	struct frame_line fl = *flp;
	size_t start, i;

	c->fresh.len = 0;
	/* next if $rawfunc =~ /^\(/ : process names in parentheses. */
	if (!(fl.func_len && fl.func[0] == '(')) {
		/* split /\->/ drops trailing empty fields. */
		size_t fn = fl.func_len, part = 0;

		while (fn >= 2 && !memcmp(fl.func + fn - 2, "->", 2))
			fn -= 2;
		for (start = 0, i = 0; fn && i <= fn; i++) {
			if (i < fn && !(i + 1 < fn && fl.func[i] == '-' &&
					fl.func[i + 1] == '>'))
				continue;
			clean_func(c, &fl, fl.func + start, i - start,
				   part > 0);
			part++;
			if (i < fn)
				i++;
			start = i + 1;
		}
	}
	*n = (uint32_t)c->fresh.len;
	return linecache_add(&c->cache.keys[c->is_java], key, klen, hash,
			     c->fresh.v, *n);
}

/* A blank line: remember the stack of the record that ends here. */
static void end_record(struct collapse *c)
{
	if (!c->have_pname)
		return;
	/* The name goes first, in the slot push_group() leaves. */
	c->stack[--c->stack_at] = c->pname;
	profile_add(c->p, 0, c->stack + c->stack_at, c->stack_cap - c->stack_at,
		    &c->period);
	if (unlikely(c->p->overflowed) && !c->count_line) {
		c->count_line = c->record_line;
		c->count_sum = 1;
	}
	c->stack_at = c->stack_cap;
	c->record_lines = 0;
	c->have_pname = 0;
}

static void event_line(struct collapse *c, const char *s, size_t len,
		       struct event_line *ev)
{
	struct strbuf *name = &c->tmp;
	int tid_false;
	size_t i;

	c->period = 1;
	c->record_line = c->lr->lineno;
	if (match_event_tail(s, len, ev)) {
		if (!c->filter_set) {
			/* Only the first event type seen is kept: merging
			 * cycles with instructions would mislead. */
			strbuf_add(&c->filter, ev->event, ev->event_len);
			c->filter_set = c->defaulted = 1;
		} else if (ev->event_len != c->filter.len ||
			   memcmp(ev->event, c->filter.buf, ev->event_len)) {
			/* Reported once, after the whole input. */
			if (c->defaulted)
				c->warned = 1;
			return;
		}
		/* compat: Perl's "not $period" makes a period of "0" (not
		 * "00") count as 1. */
		c->periods |= ev->period_len > 0;
		if (ev->period_len &&
		    !(ev->period_len == 1 && ev->period[0] == '0')) {
			int64_t v = 0;

			for (i = 0; i < ev->period_len; i++) {
				if (__builtin_mul_overflow(v, 10, &v) ||
				    __builtin_add_overflow(
					v, ev->period[i] - '0', &v)) {
					c->count_line = c->lr->lineno;
					snprintf(c->count_text,
						 sizeof(c->count_text), "%.*s",
						 (int)ev->period_len,
						 ev->period);
					break;
				}
			}
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
	/* The last line of a truncated input is cut, not wrong. */
	if (lines_unterminated(c->lr)) {
		c->cut_line = c->lr->lineno;
		return;
	}
	if (!c->bad_lines++) {
		c->first_bad = c->lr->lineno;
		strbuf_add(&c->bad_text, s, MIN(len, (size_t)80));
	}
}

static void collapse_init(struct collapse *c, struct profile *p,
			  struct lines *lr, const struct read_opts *opts)
{
	memset(c, 0, sizeof(*c));
	c->p = p;
	c->lr = lr;
	c->flags = opts ? opts->collapse_flags : 0;
	c->stack_cap = c->stack_at = 256;
	c->stack = xmalloc(c->stack_cap * sizeof(*c->stack));
	strbuf_init(&c->filter, 0);
	strbuf_init(&c->tmp, 256);
	strbuf_init(&c->func, 256);
	strbuf_init(&c->bad_text, 0);
	cache_init(&c->cache);
	if (opts && opts->event_filter && *opts->event_filter) {
		strbuf_addstr(&c->filter, opts->event_filter);
		c->filter_set = 1;
	}
}

static void collapse_release(struct collapse *c)
{
	cache_release(&c->cache);
	VEC_RELEASE(&c->fresh);
	free(c->stack);
	strbuf_release(&c->filter);
	strbuf_release(&c->tmp);
	strbuf_release(&c->func);
	strbuf_release(&c->bad_text);
}

/* A line that starts like a frame line but is none (or a srcline). */
static void other_line(struct collapse *c, const char *s, size_t len)
{
	if (!only_space(s, len) && !is_srcline(s, len))
		bad_line(c, s, len);
}

/*
 * The line most of a deep recording is made of, taken without
 * lines_next(): a frame line in perf's columns, whose end is found and
 * whose level-1 key is hashed in one pass over its bytes.  Returns 1 when
 * it took the next line, 0 when that line goes the usual way.
 */
static inline int fast_frame_line(struct collapse *c)
{
#ifdef HAVE_LINECACHE_SCAN
	struct lines *lr = c->lr;
	const char *s = lr->mem + lr->start;
	size_t avail = lr->end - lr->start, klen;
	uint64_t h;

	/* 128 bytes: perf_columns() reads 19, linecache_scan() whole
	 * blocks. */
	if (!c->have_pname || c->cache.l1_off || (c->flags & COLLAPSE_ADDRS) ||
	    avail < 128 || !perf_columns(s, avail) ||
	    !linecache_scan(s + 18, avail - 18, &klen, &h) ||
	    s[18 + klen - 1] == '\r' || !lines_take(lr, 18 + klen))
		return 0;
	if (!frame_line(c, s, 18 + klen, &h))
		other_line(c, s, 18 + klen);
	return 1;
#else
	(void)c;
	return 0;
#endif
}

/* The main loop: every line of c->lr, dispatched as the script does. */
static int collapse_run(struct collapse *c)
{
	struct lines *lr = c->lr;
	const char *s;
	size_t len;
	int r;

	for (;;) {
		struct event_line ev;
		unsigned char c0;

		if (fast_frame_line(c))
			continue;
		if ((r = lines_next(lr, &s, &len)) <= 0)
			break;

		/* Unlike the script's chomp, CRLF line ends are accepted. */
		if (len && s[len - 1] == '\r')
			len--;
		if (!len) {
			end_record(c);
			if (unlikely(c->count_line))
				break;
			continue;
		}
		c0 = (unsigned char)s[0];
		if (c0 == '#')
			continue;
		if (!is_space(c0) && match_event_head(s, len, &ev)) {
			event_line(c, s, len, &ev);
			if (unlikely(c->count_line))
				break;
			continue;
		}
		if (!c->have_pname) {
			/* Frames of a filtered or skipped sample. */
			if (is_space(c0) || is_word(c0))
				continue;
			bad_line(c, s, len);
			continue;
		}
		if (is_space(c0) || is_word(c0)) {
			if (!frame_line(c, s, len, NULL))
				other_line(c, s, len);
			continue;
		}
		bad_line(c, s, len);
	}
	c->truncated = c->have_pname && c->record_lines;
	/* perf script ends every sample with a newline: a last line
	 * without one was cut short. */
	if (r == 0 && lines_unterminated(lr))
		c->cut_line = lr->lineno;
	return r < 0 ? -1 : 0;
}

/*
 * Say what the counts are: summed periods of a clock event are
 * nanoseconds, other periods are event counts, and without periods each
 * sample counts one.
 */
static void set_type(struct collapse *c)
{
	const char *ev = c->filter.buf;

	if (!c->periods || !c->filter.len)
		profile_set_type(c->p, 0, "samples", "count");
	else if (!strncmp(ev, "cpu-clock", 9) || !strncmp(ev, "task-clock", 10))
		profile_set_type(c->p, 0, "cpu", "nanoseconds");
	else
		profile_set_type(c->p, 0, ev, "count");
}

/* Report what the run(s) found; returns 0 or -1. */
static int collapse_report(struct collapse *c, const char *name, int ret)
{
	set_type(c);
	if (c->count_line && c->count_sum)
		return error("%s:%" PRIu64 ": the counts add up to more than "
			     "%" PRId64,
			     name, c->count_line, INT64_MAX);
	if (c->count_line)
		return error("%s:%" PRIu64 ": period %s does not fit in 64 "
			     "bits (at most %" PRId64 ")",
			     name, c->count_line, c->count_text, INT64_MAX);
	if (c->p->overflowed)
		return error("%s: the counts add up to more than %" PRId64,
			     name, INT64_MAX);
	if (c->warned)
		warning("%s: several event types; keeping only '%s' (choose "
			"with --event-filter=NAME)",
			name, c->filter.buf);
	if (c->cut_line)
		warning("%s:%" PRIu64 ": the input ends inside a line "
			"(truncated?); the sample it cuts is left out",
			name, c->cut_line);
	else if (c->truncated)
		warning(
		    "%s: the input ends inside a sample (truncated?); "
		    "that sample is left out, as stackcollapse-perf.pl does",
		    name);
	if (c->bad_lines) {
		ret = error("%s:%" PRIu64 ": not perf script output: '%s'%s "
			    "(%" PRIu64 " such line%s; expected 'COMM PID ... "
			    "EVENT:' or 'ADDR SYMBOL (DSO)')",
			    name, c->first_bad, c->bad_text.buf,
			    c->bad_text.len < 80 ? "" : "...", c->bad_lines,
			    c->bad_lines == 1 ? "" : "s");
	} else if (!ret && !c->frame_lines) {
		ret = error("%s: no stacks found; record with -g "
			    "(perf record -g, or perfops record)",
			    name);
	} else if (!ret && !profile_nstacks(c->p)) {
		ret = error("%s: no complete sample in the input (a sample "
			    "ends with a blank line)",
			    name);
	}
	return ret;
}

/*
 * The event filter the script would settle on: the event of the first
 * event line whose end matches, found before the input is split so that
 * every part filters alike.  Returns 0 when none is found near the start.
 */
static int first_event(const char *data, size_t len, struct strbuf *out)
{
	size_t off = 0, limit = MIN(len, (size_t)(4u << 20));

	while (off < limit) {
		const char *s = data + off, *nl = memchr(s, '\n', len - off);
		size_t l = nl ? (size_t)(nl - s) : len - off;
		struct event_line ev;

		off += l + 1;
		if (!l || s[0] == '#' || is_space((unsigned char)s[0]) ||
		    !match_event_head(s, l, &ev) ||
		    !match_event_tail(s, l, &ev))
			continue;
		strbuf_add(out, ev.event, ev.event_len);
		return 1;
	}
	return 0;
}

/* Just past the first blank line ("\n\n" or, CRLF, "\n\r\n"), or NULL. */
static const char *find_blank_line(const char *s, size_t len)
{
	const char *a = memmem(s, len, "\n\n", 2);
	const char *b = memmem(s, a ? (size_t)(a - s) : len, "\n\r\n", 3);

	return b ? b + 1 : a;
}

#define PARALLEL_MIN (8u << 20)
#define PARALLEL_MAX 8

struct part {
	pthread_t thread;
	struct collapse c;
	struct profile prof;
	struct lines lr;
	int ret;
};

static void *part_main(void *arg)
{
	struct part *pt = arg;

	pt->ret = collapse_run(&pt->c);
	return NULL;
}

/*
 * Move the stacks of from into to, translating frame ids by name.  from's
 * frame names are freed as soon as they are translated, so that the
 * names of both profiles are not held twice while the stacks move.
 */
static void merge_profile(struct profile *to, struct profile *from)
{
	size_t nf = intern_count(&from->frames), ns = profile_nstacks(from), i;
	uint32_t *map = xmalloc(st_mult(nf ? nf : 1, sizeof(*map)));
	VEC(uint32_t) frames = VEC_INIT;

	for (i = 0; i < nf; i++)
		map[i] =
		    profile_frame(to, profile_frame_name(from, (uint32_t)i),
				  profile_frame_len(from, (uint32_t)i));
	intern_release(&from->frames);
	for (i = 0; i < ns; i++) {
		size_t depth, d;
		const uint32_t *f = profile_stack(from, (uint32_t)i, &depth);
		int64_t v = profile_value(from, (uint32_t)i, 0);

		frames.len = 0;
		for (d = 0; d < depth; d++)
			VEC_PUSH(&frames, map[f[d]]);
		profile_add(to, 0, frames.v, frames.len, &v);
	}
	VEC_RELEASE(&frames);
	free(map);
}

/*
 * A large mapped file is cut at blank lines (where the script's state is
 * back to its start) into one part per CPU, collapsed in parallel and
 * merged; sums of integers do not depend on the order.
 */
static int read_parallel(struct profile *p, struct lines *lr,
			 const struct read_opts *opts, int nparts)
{
	struct part parts[PARALLEL_MAX];
	struct strbuf filter = STRBUF_INIT;
	size_t size = lr->end - lr->start, bounds[PARALLEL_MAX + 1];
	const char *base = lr->mem;
	uint64_t lines_before = 0;
	int i, ret = 0, defaulted = 0;

	if (opts && opts->event_filter && *opts->event_filter) {
		strbuf_addstr(&filter, opts->event_filter);
	} else {
		if (!first_event(base + lr->start, size, &filter)) {
			strbuf_release(&filter);
			return 1;
		}
		defaulted = 1;
	}
	bounds[0] = lr->start;
	for (i = 1; i < nparts; i++) {
		size_t at = lr->start + size / (size_t)nparts * (size_t)i;
		const char *cut;

		if (at < bounds[i - 1])
			at = bounds[i - 1];
		cut = find_blank_line(base + at, lr->end - at);
		bounds[i] = cut ? (size_t)(cut - base) + 2 : lr->end;
	}
	bounds[nparts] = lr->end;

	for (i = 0; i < nparts; i++) {
		struct part *pt = &parts[i];

		if (i)
			profile_init(&pt->prof, 1);
		lines_sub(&pt->lr, lr, bounds[i], bounds[i + 1]);
		collapse_init(&pt->c, i ? &pt->prof : p, &pt->lr, opts);
		strbuf_reset(&pt->c.filter);
		strbuf_addbuf(&pt->c.filter, &filter);
		pt->c.filter_set = 1;
		pt->c.defaulted = defaulted;
		if (i && pthread_create(&pt->thread, NULL, part_main, pt)) {
			pt->ret = collapse_run(&pt->c);
			pt->thread = 0;
		}
	}
	parts[0].ret = collapse_run(&parts[0].c);
	for (i = 1; i < nparts; i++)
		if (parts[i].thread)
			pthread_join(parts[i].thread, NULL);

	/* Fold every part's findings into part 0's, in input order. */
	lines_before = parts[0].lr.lineno;
	for (i = 1; i < nparts; i++) {
		struct collapse *c0 = &parts[0].c, *ci = &parts[i].c;

		merge_profile(p, &parts[i].prof);
		c0->frame_lines += ci->frame_lines;
		c0->periods |= ci->periods;
		c0->warned |= ci->warned;
		c0->truncated = ci->truncated;
		if (ci->cut_line)
			c0->cut_line = lines_before + ci->cut_line;
		if (ci->count_line && !c0->count_line) {
			c0->count_line = lines_before + ci->count_line;
			c0->count_sum = ci->count_sum;
			memcpy(c0->count_text, ci->count_text,
			       sizeof(c0->count_text));
		}
		if (ci->bad_lines && !c0->bad_lines) {
			c0->first_bad = lines_before + ci->first_bad;
			strbuf_addbuf(&c0->bad_text, &ci->bad_text);
		}
		c0->bad_lines += ci->bad_lines;
		lines_before += parts[i].lr.lineno;
		if (parts[i].ret < 0)
			ret = -1;
		collapse_release(ci);
		profile_release(&parts[i].prof);
		lines_close(&parts[i].lr);
	}
	if (parts[0].ret < 0)
		ret = -1;
	lr->start = lr->end;
	lr->lineno += lines_before;
	ret = collapse_report(&parts[0].c, lr->name, ret);
	collapse_release(&parts[0].c);
	lines_close(&parts[0].lr);
	strbuf_release(&filter);
	return ret;
}

int perfscript_read(struct profile *p, struct lines *lr,
		    const struct read_opts *opts)
{
	struct collapse c;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int ret;

	if (lr->map && lr->end - lr->start >= PARALLEL_MIN && ncpu > 1) {
		ret = read_parallel(p, lr, opts,
				    (int)MIN(ncpu, (long)PARALLEL_MAX));
		if (ret <= 0)
			return ret;
		/* No event line near the start: read it in one piece. */
	}
	collapse_init(&c, p, lr, opts);
	ret = collapse_report(&c, lr->name, collapse_run(&c));
	collapse_release(&c);
	return ret;
}

/* Whether the line holds a timestamp " SECS.USECS:". */
static int has_time(const char *s, size_t len)
{
	const char *c = s, *end = s + len;

	while ((c = memchr(c, ':', (size_t)(end - c)))) {
		const char *d = c;

		while (d > s && is_digit((unsigned char)d[-1]))
			d--;
		if (d < c && d > s && d[-1] == '.') {
			const char *e = --d;

			while (d > s && is_digit((unsigned char)d[-1]))
				d--;
			if (d < e && d > s && is_space((unsigned char)d[-1]))
				return 1;
		}
		c++;
	}
	return 0;
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
		if (l && s[l - 1] == '\r')
			l--;
		if (!l || s[0] == '#')
			continue;
		if (!seen_event) {
			if (is_space((unsigned char)s[0]) ||
			    !match_event_head(s, l, &ev))
				return 0;
			/* Alone, "COMM PID" also matches a folded line
			 * "a;b 1 2": an event line must also end in
			 * "EVENT:" or (without -g) hold a "SECS.USECS:". */
			seen_event = 1;
			if (match_event_tail(s, l, &ev) || has_time(s, l))
				seen_event = 2;
			continue;
		}
		/* The line after an event line: a frame. */
		return match_frame(s, l, &fl);
	}
	return seen_event == 2;
}
