#include "core/compat.h"
#include "db/pglog.h"
#include "core/error.h"
#include "core/intern.h"
#include "core/strbuf.h"
#include <ctype.h>
#include <fcntl.h>
#include <zlib.h>

/* A message may span many TAB-continued lines; one line beyond this is a
 * broken file, not a statement. */
#define PGLOG_MAX_LINE (256u << 20)

struct reader {
	gzFile gz;
	char *buf;
	size_t cap, start, end;
	int eof;
	int truncated; /* a gzip stream that ends early */
	uint64_t lineno;
	const char *name;
};

/* The next line in *line (NUL-terminated in place); 1, 0 at the end, -1 on
 * an error (reported). */
static int next_line(struct reader *r, char **line, size_t *len)
{
	for (;;) {
		char *nl = memchr(r->buf + r->start, '\n', r->end - r->start);
		int n;

		if (nl || (r->eof && r->end > r->start)) {
			size_t l = nl ? (size_t)(nl - (r->buf + r->start))
				      : r->end - r->start;

			*line = r->buf + r->start;
			*len = l;
			if (l && (*line)[l - 1] == '\r')
				(*len)--;
			(*line)[*len] = '\0';
			r->start += l + (nl ? 1 : 0);
			r->lineno++;
			return 1;
		}
		if (r->eof)
			return 0;
		if (r->start) {
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->end -= r->start;
			r->start = 0;
		}
		if (r->end + 1 >= r->cap) {
			if (r->cap >= PGLOG_MAX_LINE)
				return error(
				    "%s:%llu: a line longer than %u MB",
				    r->name, (unsigned long long)r->lineno + 1,
				    PGLOG_MAX_LINE >> 20);
			r->cap *= 2;
			r->buf = xrealloc(r->buf, r->cap);
		}
		n = gzread(r->gz, r->buf + r->end,
			   (unsigned)MIN(r->cap - r->end - 1, 1u << 30));
		if (n < 0) {
			int e;
			const char *m = gzerror(r->gz, &e);

			return error("%s: %s", r->name,
				     e == Z_ERRNO ? strerror(errno) : m);
		}
		if (n == 0) {
			int e;

			gzerror(r->gz, &e);
			r->truncated = e == Z_BUF_ERROR;
			r->eof = 1;
		}
		r->end += n;
	}
}

/*
 * A syslog line that continues the message before: "... postgres[123]:
 * [7-2] #011  FROM t", the line number of the message then its part, 2 or
 * more.  *rest is what follows.
 */
static int syslog_continuation(const char *line, const char **rest)
{
	const char *s = strstr(line, "]: [");
	char *end;
	long part;

	if (!s)
		return 0;
	s += 4;
	if (!isdigit((unsigned char)*s))
		return 0;
	strtol(s, &end, 10);
	if (*end != '-')
		return 0;
	part = strtol(end + 1, &end, 10);
	if (part < 2 || strncmp(end, "] ", 2))
		return 0;
	*rest = end + 2;
	return 1;
}

static const char *const levels[] = {
    "LOG",    "ERROR",	 "WARNING",   "NOTICE", "INFO",	    "DEBUG", "DEBUG1",
    "DEBUG2", "DEBUG3",	 "DEBUG4",    "DEBUG5", "FATAL",    "PANIC", "DETAIL",
    "HINT",   "CONTEXT", "STATEMENT", "QUERY",	"LOCATION", NULL,
};

enum level {
	LV_NONE = -1,
	LV_LOG = 0,
	LV_ERROR = 1,
	LV_DETAIL = 13,
	LV_HINT = 14,
	LV_CONTEXT = 15,
	LV_STATEMENT = 16,
};

/* Find "LEVEL:  " in line: the level's index, *prefix_len and *msg. */
static int find_level(const char *line, size_t *prefix_len, const char **msg)
{
	const char *s = line;

	while ((s = strstr(s, ":  "))) {
		int i;

		for (i = 0; levels[i]; i++) {
			size_t n = strlen(levels[i]);
			const char *b = s - n;

			if (b < line || strncmp(b, levels[i], n))
				continue;
			/* The prefix may end in anything ('< %m >', '%p|'),
			 * but not inside a word ("XLOG:  "). */
			if (b > line &&
			    (isalnum((unsigned char)b[-1]) || b[-1] == '_'))
				continue;
			*prefix_len = (size_t)(b - line);
			*msg = s + 3;
			return i;
		}
		s += 3;
	}
	return LV_NONE;
}

/* "2026-12-02 02:15:01[.123][ UTC|+01]" in p[0..len). */
static int find_ts(const char *p, size_t len, size_t *at, size_t *tlen)
{
	size_t i;

	for (i = 0; i + 19 <= len; i++) {
		const char *s = p + i;
		size_t k = 19;

		if (!(isdigit((unsigned char)s[0]) &&
		      isdigit((unsigned char)s[3]) && s[4] == '-' &&
		      s[7] == '-' && (s[10] == ' ' || s[10] == 'T') &&
		      s[13] == ':' && s[16] == ':'))
			continue;
		if (i + k < len && s[k] == '.')
			for (k++; i + k < len && isdigit((unsigned char)s[k]);
			     k++)
				;
		if (i + k + 1 < len && s[k] == ' ' &&
		    (isupper((unsigned char)s[k + 1]) || s[k + 1] == '+' ||
		     s[k + 1] == '-')) {
			/* "UTC", "CEST", "+01", "-03:30" */
			size_t z = k + 1;

			if (isupper((unsigned char)s[z])) {
				while (i + z < len &&
				       isupper((unsigned char)s[z]))
					z++;
			} else {
				for (z++; i + z < len &&
					  (isdigit((unsigned char)s[z]) ||
					   (s[z] == ':' && z == k + 4));
				     z++)
					;
			}
			if (z - k <= 7)
				k = z;
		}
		*at = i;
		*tlen = k;
		return 1;
	}
	return 0;
}

static int is_hex(int c)
{
	return isdigit(c) || (c >= 'a' && c <= 'f');
}

/* The length of syslog's "Dec  2 05:06:34" at the start of p[0..len), or
 * 0: the time of a syslog line whose prefix has none of its own. */
static size_t syslog_ts(const char *p, size_t len)
{
	if (len < 15 || !isupper((unsigned char)p[0]) ||
	    !islower((unsigned char)p[1]) || !islower((unsigned char)p[2]) ||
	    p[3] != ' ' || !isdigit((unsigned char)p[5]) || p[6] != ' ' ||
	    !isdigit((unsigned char)p[7]) || p[9] != ':' || p[12] != ':' ||
	    !isdigit((unsigned char)p[14]))
		return 0;
	return 15;
}

/* Whether s starts with a severity and ":  " ("LOG:  "). */
static int level_of_prefix(const char *s)
{
	int i;

	for (i = 0; levels[i]; i++) {
		size_t n = strlen(levels[i]);

		if (!strncmp(s, levels[i], n) && !strncmp(s + n, ":  ", 3))
			return 1;
	}
	return 0;
}

/* The session of a prefix: %c ("5f1a2b3c.1a2b"), else "pid N". */
static void find_session(const char *p, size_t len, size_t ts_at, size_t ts_len,
			 struct strbuf *out)
{
	size_t i = 0;
	long pid = -1, bare = -1;

	strbuf_reset(out);
	while (i < len) {
		size_t b, dot = 0, e;

		if (i == ts_at && ts_len) {
			i += ts_len;
			continue;
		}
		if (!isalnum((unsigned char)p[i])) {
			i++;
			continue;
		}
		b = i;
		while (i < len && (isalnum((unsigned char)p[i]) ||
				   p[i] == '.' || p[i] == '_'))
			i++;
		e = i;
		for (size_t k = b; k < e; k++)
			if (p[k] == '.' && !dot)
				dot = k;
		if (dot && dot - b >= 6 && e - dot >= 2) {
			size_t k;

			for (k = b;
			     k < e && (k == dot || is_hex((unsigned char)p[k]));
			     k++)
				;
			if (k == e) {
				strbuf_add(out, p + b, e - b);
				return;
			}
		}
		if (pid < 0 && b > 0 && (p[b - 1] == '[' || p[b - 1] == '=') &&
		    isdigit((unsigned char)p[b])) {
			size_t k = b;

			while (k < e && isdigit((unsigned char)p[k]))
				k++;
			if (k == e || p[k] == '-')
				pid = strtol(p + b, NULL, 10);
		}
		if (bare < 0 && e - b >= 2 &&
		    (b == 0 || p[b - 1] == ' ' || p[b - 1] == '|')) {
			size_t k = b;

			while (k < e && isdigit((unsigned char)p[k]))
				k++;
			if (k == e)
				bare = strtol(p + b, NULL, 10);
		}
	}
	/* A bare number ("%t %p ") when no bracketed one was found. */
	if (pid < 0)
		pid = bare;
	if (pid >= 0)
		strbuf_addf(out, "pid %ld", pid);
}

struct pending {
	int active;
	double ms;
	struct strbuf sql, ts, session, params;
	uint64_t lineno;
};

/* A lock wait or deadlock, completed by the DETAIL, CONTEXT and
 * STATEMENT lines that follow it. */
struct pending_lock {
	int active;
	enum pglog_kind kind;
	double ms;
	int acquired;
	struct strbuf lock, blocker, sql, ts, session, detail;
	uint64_t lineno;
};

struct state {
	pglog_fn fn;
	struct pending_lock lk;
	void *data;
	struct pglog_counts *counts;
	struct pending pend;
	/* The last "statement:" without a duration, per session, for a
	 * later bare "duration:" line. */
	struct pglog_carry own, *carry;
	int stop;
	const char *prefix; /* a given log_line_prefix, or NULL */
	int plans;	    /* emit auto_explain plans, not statements */
	struct strbuf pts;  /* its timestamp while matching */
	/* The message being read. */
	int level;
	struct strbuf text, ts, session;
	uint64_t lineno;
};

static int emit(struct state *st, double ms, const char *sql, const char *ts,
		const char *session, const char *params, uint64_t lineno)
{
	struct pglog_stmt s = {
	    .ms = ms,
	    .ts = ts,
	    .session = session,
	    .sql = sql,
	    .params = params,
	    .lineno = lineno,
	    .rows = -1,
	};

	st->counts->statements++;
	if (st->fn(&s, st->data))
		st->stop = 1;
	return 0;
}

static void flush(struct state *st)
{
	struct pending *p = &st->pend;

	if (!p->active)
		return;
	p->active = 0;
	emit(st, p->ms, p->sql.buf, p->ts.buf, p->session.buf,
	     p->params.len ? p->params.buf : NULL, p->lineno);
}

static struct strbuf *last_of(struct state *st, const struct strbuf *session)
{
	struct pglog_carry *c = st->carry;
	int added;
	uint32_t id =
	    intern_add(&c->sessions, session->buf, session->len, &added);

	if (added) {
		ALLOC_GROW(c->last, id + 1, c->alast);
		while (c->nlast <= id)
			strbuf_init(&c->last[c->nlast++], 0);
	}
	return &c->last[id];
}

/* "duration: 1.234 ms" at s: the milliseconds and what follows. */
static int duration(const char *s, double *ms, const char **rest)
{
	char *end;

	if (strncmp(s, "duration: ", 10))
		return 0;
	*ms = strtod(s + 10, &end);
	if (end == s + 10 || strncmp(end, " ms", 3))
		return 0;
	*rest = end + 3 + strspn(end + 3, " ");
	return 1;
}

/* "execute NAME: SQL" (also parse/bind): the SQL, or NULL. */
static const char *after_name(const char *s)
{
	const char *c = strstr(s, ": ");

	return c ? c + 2 : NULL;
}

static void set_pending(struct state *st, double ms, const char *sql)
{
	struct pending *p = &st->pend;

	p->active = 1;
	p->ms = ms;
	strbuf_reset(&p->sql);
	strbuf_addstr(&p->sql, sql);
	/* A statement sent with a final newline is logged with an empty
	 * continuation line. */
	strbuf_trim(&p->sql);
	strbuf_reset(&p->ts);
	strbuf_addbuf(&p->ts, &st->ts);
	strbuf_reset(&p->session);
	strbuf_addbuf(&p->session, &st->session);
	strbuf_reset(&p->params);
	p->lineno = st->lineno;
}

static void flush_lock(struct state *st)
{
	struct pending_lock *l = &st->lk;
	struct pglog_stmt s = {0};

	s.rows = -1;

	if (!l->active)
		return;
	l->active = 0;
	s.kind = l->kind;
	s.ms = l->ms;
	s.ts = l->ts.buf;
	s.session = l->session.buf;
	s.sql = l->sql.buf;
	s.lineno = l->lineno;
	s.lock = l->lock.buf;
	s.blocker = l->blocker.buf;
	s.acquired = l->acquired;
	s.detail = l->detail.buf;
	if (st->fn(&s, st->data))
		st->stop = 1;
}

/* "process 123 still waiting for ShareLock on transaction 745 after
 * 1000.060 ms" or "... acquired ... after ... ms". */
static int lock_message(struct state *st, const char *m)
{
	struct pending_lock *l = &st->lk;
	const char *w, *after;
	int acquired;
	size_t skip;

	if (strncmp(m, "process ", 8))
		return 0;
	if ((w = strstr(m, " still waiting for ")))
		acquired = 0, skip = 19;
	else if ((w = strstr(m, " detected deadlock while waiting for ")))
		acquired = 0, skip = 37;
	else if ((w = strstr(m, " acquired ")))
		acquired = 1, skip = 10;
	else
		return 0;
	after = strstr(w, " after ");
	if (!after)
		return 0;
	l->active = 1;
	l->kind = PGLOG_LOCK_WAIT;
	l->acquired = acquired;
	l->ms = strtod(after + 7, NULL);
	strbuf_reset(&l->lock);
	strbuf_add(&l->lock, w + skip, after - (w + skip));
	strbuf_reset(&l->blocker);
	strbuf_reset(&l->sql);
	strbuf_reset(&l->detail);
	strbuf_reset(&l->ts);
	strbuf_addbuf(&l->ts, &st->ts);
	strbuf_reset(&l->session);
	strbuf_addbuf(&l->session, &st->session);
	l->lineno = st->lineno;
	return 1;
}

/* DETAIL, CONTEXT and STATEMENT lines of the pending lock event. */
static int lock_followup(struct state *st, const char *m)
{
	struct pending_lock *l = &st->lk;
	const char *h, *e;

	if (!l->active || strcmp(l->session.buf, st->session.buf))
		return 0;
	if (st->level == LV_CONTEXT || st->level == LV_HINT)
		return 1;
	if (st->level == LV_STATEMENT) {
		strbuf_reset(&l->sql);
		strbuf_addstr(&l->sql, m);
		strbuf_trim(&l->sql);
		return 1;
	}
	if (st->level != LV_DETAIL)
		return 0;
	if (l->kind == PGLOG_DEADLOCK) {
		strbuf_reset(&l->detail);
		strbuf_addstr(&l->detail, m);
		return 1;
	}
	h = strstr(m, "holding the lock: ");
	if (h) {
		h += 18;
		e = strstr(h, ". Wait queue");
		strbuf_reset(&l->blocker);
		strbuf_add(&l->blocker, h, e ? (size_t)(e - h) : strlen(h));
	}
	return 1;
}

static void process(struct state *st)
{
	const char *m = st->text.buf, *rest, *sql;
	double ms;

	st->counts->messages++;
	if (lock_followup(st, m))
		return;
	flush_lock(st);
	if (st->level == LV_ERROR && !strncmp(m, "deadlock detected", 17)) {
		flush(st);
		st->lk.active = 1;
		st->lk.kind = PGLOG_DEADLOCK;
		st->lk.ms = 0;
		st->lk.acquired = 0;
		strbuf_reset(&st->lk.lock);
		strbuf_reset(&st->lk.blocker);
		strbuf_reset(&st->lk.sql);
		strbuf_reset(&st->lk.detail);
		strbuf_reset(&st->lk.ts);
		strbuf_addbuf(&st->lk.ts, &st->ts);
		strbuf_reset(&st->lk.session);
		strbuf_addbuf(&st->lk.session, &st->session);
		st->lk.lineno = st->lineno;
		return;
	}
	if (st->level == LV_LOG && lock_message(st, m)) {
		flush(st);
		return;
	}
	if (st->level == LV_DETAIL) {
		if (st->pend.active && !strncmp(m, "parameters: ", 12) &&
		    !strcmp(st->pend.session.buf, st->session.buf)) {
			strbuf_reset(&st->pend.params);
			strbuf_addstr(&st->pend.params, m + 12);
			return;
		}
		flush(st);
		return;
	}
	flush(st);
	if (st->level != LV_LOG)
		return;
	if (st->plans) {
		if (duration(m, &ms, &rest) && !strncmp(rest, "plan:", 5)) {
			struct pglog_stmt p = {.kind = PGLOG_PLAN, .rows = -1};

			p.ms = ms;
			p.ts = st->ts.buf;
			p.session = st->session.buf;
			p.sql = rest + 5 + strspn(rest + 5, "\n");
			p.lineno = st->lineno;
			if (st->fn(&p, st->data))
				st->stop = 1;
		}
		return;
	}
	if (duration(m, &ms, &rest)) {
		if (!strncmp(rest, "statement: ", 11)) {
			set_pending(st, ms, rest + 11);
			strbuf_reset(last_of(st, &st->session));
		} else if (!strncmp(rest, "execute ", 8) &&
			   (sql = after_name(rest))) {
			set_pending(st, ms, sql);
			strbuf_reset(last_of(st, &st->session));
		} else if (!*rest) {
			struct strbuf *l = last_of(st, &st->session);

			if (l->len) {
				set_pending(st, ms, l->buf);
				strbuf_reset(l);
			}
		}
		/* parse, bind, plan: no statement of their own. */
		return;
	}
	if (!strncmp(m, "statement: ", 11)) {
		struct strbuf *l = last_of(st, &st->session);

		strbuf_reset(l);
		strbuf_addstr(l, m + 11);
	} else if (!strncmp(m, "execute ", 8) && (sql = after_name(m))) {
		struct strbuf *l = last_of(st, &st->session);

		strbuf_reset(l);
		strbuf_addstr(l, sql);
	}
}

static void start_message(struct state *st, const char *line, int level,
			  size_t plen, const char *msg, uint64_t lineno)
{
	size_t ts_at = 0, ts_len = 0;

	st->level = level;
	st->lineno = lineno;
	strbuf_reset(&st->text);
	strbuf_addstr(&st->text, msg);
	strbuf_reset(&st->ts);
	if (find_ts(line, plen, &ts_at, &ts_len) ||
	    (ts_len = syslog_ts(line, plen)))
		strbuf_add(&st->ts, line + ts_at, ts_len);
	find_session(line, plen, ts_at, ts_len, &st->session);
}

/*
 * Match line against a given log_line_prefix: its ts, its %c session or
 * "pid N", into the state.  Returns 0 when the line does not fit it.
 */
static int match_prefix(struct state *st, const char *line)
{
	const char *f = st->prefix, *s = line, *sess = NULL;
	size_t at, tl, sess_len = 0;
	long pid = -1;

	strbuf_reset(&st->pts);
	while (*f) {
		char esc;

		if (*f != '%') {
			if (*s++ != *f++)
				return 0;
			continue;
		}
		f++;
		while (*f == '-' || isdigit((unsigned char)*f))
			f++; /* padding */
		esc = *f ? *f++ : '%';
		switch (esc) {
		case '%':
			if (*s++ != '%')
				return 0;
			break;
		case 'q':
			/* Non-session processes stop here. */
			if (isupper((unsigned char)*s) && strstr(s, ":  ") &&
			    level_of_prefix(s))
				goto done;
			break;
		case 't':
		case 'm':
			if (!find_ts(s, strlen(s), &at, &tl) || at)
				return 0;
			strbuf_add(&st->pts, s, tl);
			s += tl;
			break;
		case 'p':
			if (!isdigit((unsigned char)*s))
				return 0;
			pid = strtol(s, (char **)&s, 10);
			break;
		case 'c':
			sess = s;
			while (is_hex((unsigned char)*s) || *s == '.')
				s++;
			sess_len = (size_t)(s - sess);
			break;
		case 'n':
		case 'l':
		case 'x':
		case 'Q':
		case 'v':
			while (isdigit((unsigned char)*s) || *s == '.' ||
			       *s == '/')
				s++;
			break;
		default: {
			/* %u %d %a %h %r %i %e %b: up to the next literal. */
			char stop = *f && *f != '%' ? *f : ' ';

			while (*s && *s != stop)
				s++;
		}
		}
	}
done:
	strbuf_reset(&st->session);
	if (sess_len)
		strbuf_add(&st->session, sess, sess_len);
	else if (pid >= 0)
		strbuf_addf(&st->session, "pid %ld", pid);
	strbuf_reset(&st->ts);
	strbuf_addbuf(&st->ts, &st->pts);
	return 1;
}

static int level_of(const char *severity)
{
	int i;

	for (i = 0; levels[i]; i++)
		if (!strcmp(severity, levels[i]))
			return i;
	return LV_NONE;
}

/*
 * One record of csvlog or jsonlog: the message, then its DETAIL and its
 * STATEMENT as the stderr format writes them on lines of their own, so the
 * same rules read all three formats.
 */
static void feed_record(struct state *st, const struct pglog_record *r,
			uint64_t lineno)
{
	const char *parts[3] = {r->message, r->detail, r->statement};
	const int lv[3] = {level_of(r->severity ? r->severity : ""), LV_DETAIL,
			   LV_STATEMENT};
	int k;

	if (lv[0] == LV_NONE || !r->message) {
		if (!st->counts->unknown++)
			st->counts->first_unknown = lineno;
		return;
	}
	for (k = 0; k < 3 && !st->stop; k++) {
		if (!parts[k] || (k && !*parts[k]))
			continue;
		st->level = lv[k];
		st->lineno = lineno;
		strbuf_reset(&st->text);
		strbuf_addstr(&st->text, parts[k]);
		strbuf_reset(&st->ts);
		strbuf_addstr(&st->ts, r->ts ? r->ts : "");
		strbuf_reset(&st->session);
		if (r->session && *r->session)
			strbuf_addstr(&st->session, r->session);
		else if (r->pid && *r->pid)
			strbuf_addf(&st->session, "pid %s", r->pid);
		process(st);
	}
}

/* Whether a csvlog record is complete: its quotes are balanced. */
static int csv_complete(const char *s)
{
	size_t q = 0;

	for (; *s; s++)
		q += *s == '"';
	return q % 2 == 0;
}

/* Split a csvlog record into at most max fields (in place); returns the
 * number of fields. */
static int csv_split(char *s, char **f, int max)
{
	int n = 0;

	while (n < max) {
		char *o = s;

		f[n++] = s;
		if (*s == '"') {
			for (s++;; s++) {
				if (!*s)
					break;
				if (*s == '"' && s[1] == '"') {
					*o++ = '"';
					s++;
				} else if (*s == '"') {
					s++;
					break;
				} else {
					*o++ = *s;
				}
			}
			while (*s && *s != ',')
				s++;
		} else {
			while (*s && *s != ',')
				*o++ = *s++;
		}
		if (!*s) {
			*o = '\0';
			break;
		}
		*o = '\0';
		s++;
	}
	return n;
}

/* csvlog columns (PostgreSQL 12: 23, 13: 24, 14+: 26). */
enum {
	CSV_TIME = 0,
	CSV_PID = 3,
	CSV_SESSION = 5,
	CSV_SEVERITY = 11,
	CSV_MESSAGE = 13,
	CSV_DETAIL = 14,
	CSV_QUERY = 19,
	CSV_MIN = 23,
};

static void feed_csv(struct state *st, char *rec, uint64_t lineno)
{
	char *f[32];
	struct pglog_record r = {0};

	if (csv_split(rec, f, 32) < CSV_MIN) {
		if (!st->counts->unknown++)
			st->counts->first_unknown = lineno;
		return;
	}
	r.ts = f[CSV_TIME];
	r.pid = f[CSV_PID];
	r.session = f[CSV_SESSION];
	r.severity = f[CSV_SEVERITY];
	r.message = f[CSV_MESSAGE];
	r.detail = f[CSV_DETAIL];
	r.statement = f[CSV_QUERY];
	feed_record(st, &r, lineno);
}

static int read_fd(int fd, const char *name, const char *prefix, int plans,
		   struct pglog_carry *carry, pglog_fn fn, void *data,
		   struct pglog_counts *counts);

enum log_format { LOG_UNKNOWN, LOG_STDERR, LOG_CSV, LOG_JSON, LOG_MYSQL };

/*
 * MySQL slow log: "# Time:", "# User@Host: ... Id: N", "# Query_time: x
 * Lock_time: y Rows_sent: n Rows_examined: m" (newer servers add fields),
 * then "use db;", "SET timestamp=N;" and the statement, which may span
 * lines.  Server restart headers are dropped.
 */
struct mysql_entry {
	struct strbuf sql, ts, session;
	double ms, rows;
	int have_time;
	uint64_t lineno;
};

static void mysql_flush(struct state *st, struct mysql_entry *e)
{
	struct pglog_stmt s = {0};

	strbuf_trim(&e->sql);
	if (e->have_time && e->sql.len && !st->plans) {
		s.ms = e->ms;
		s.ts = e->ts.buf;
		s.session = e->session.buf;
		s.sql = e->sql.buf;
		s.lineno = e->lineno;
		s.rows = e->rows;
		s.mysql = 1;
		st->counts->statements++;
		st->counts->messages++;
		if (st->fn(&s, st->data))
			st->stop = 1;
	}
	strbuf_reset(&e->sql);
	e->have_time = 0;
}

static double field(const char *line, const char *key, double def)
{
	const char *k = strstr(line, key);

	return k ? strtod(k + strlen(key), NULL) : def;
}

static void mysql_line(struct state *st, struct mysql_entry *e,
		       const char *line, uint64_t lineno)
{
	const char *id;

	if (!strncmp(line, "# Time: ", 8)) {
		mysql_flush(st, e);
		strbuf_reset(&e->ts);
		strbuf_addstr(&e->ts, line + 8);
		strbuf_trim(&e->ts);
	} else if (!strncmp(line, "# User@Host: ", 13)) {
		mysql_flush(st, e);
		strbuf_reset(&e->session);
		if ((id = strstr(line, " Id: ")))
			strbuf_addf(&e->session, "thread %ld",
				    strtol(id + 5, NULL, 10));
	} else if (!strncmp(line, "# Query_time: ", 14)) {
		mysql_flush(st, e);
		e->ms = strtod(line + 14, NULL) * 1000;
		e->rows = field(line, "Rows_sent: ", -1);
		e->have_time = 1;
		e->lineno = lineno;
	} else if (line[0] == '#' || strstr(line, ", Version: ") ||
		   !strncmp(line, "Tcp port: ", 10) ||
		   !strncmp(line, "Time ", 5)) {
		/* Other comments; a server restart's header. */
		if (line[0] != '#')
			mysql_flush(st, e);
	} else if (!e->sql.len && (!strncasecmp(line, "use ", 4) ||
				   !strncasecmp(line, "SET timestamp=", 14))) {
		/* The session's database and clock, not the statement. */
	} else if (e->have_time) {
		if (e->sql.len)
			strbuf_addch(&e->sql, '\n');
		strbuf_addstr(&e->sql, line);
	} else if (*line && !st->counts->unknown++) {
		st->counts->first_unknown = lineno;
	}
}

/* csvlog starts with a quoted-or-not timestamp and a comma; jsonlog with
 * an object. */
static enum log_format detect(const char *line)
{
	size_t at, len;

	if (line[0] == '{')
		return LOG_JSON;
	if (!strncmp(line, "# Time: ", 8) ||
	    !strncmp(line, "# User@Host: ", 13) ||
	    !strncmp(line, "# Query_time: ", 14) || strstr(line, ", Version: "))
		return LOG_MYSQL;
	if (find_ts(line, strlen(line), &at, &len) && at == 0 &&
	    line[len] == ',')
		return LOG_CSV;
	return LOG_STDERR;
}

int pglog_read(const char *path, pglog_fn fn, void *data,
	       struct pglog_counts *counts)
{
	return pglog_read_prefix(path, NULL, fn, data, counts);
}

int pglog_read_prefix(const char *path, const char *prefix, pglog_fn fn,
		      void *data, struct pglog_counts *counts)
{
	return pglog_read_carry(path, prefix, NULL, fn, data, counts);
}

int pglog_read_carry(const char *path, const char *prefix,
		     struct pglog_carry *carry, pglog_fn fn, void *data,
		     struct pglog_counts *counts)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : dup(0);

	memset(counts, 0, sizeof(*counts));
	if (fd < 0)
		return error_errno("cannot open '%s'", path);
	return read_fd(fd, strcmp(path, "-") ? path : "<stdin>", prefix, 0,
		       carry, fn, data, counts);
}

void pglog_carry_init(struct pglog_carry *c)
{
	memset(c, 0, sizeof(*c));
	intern_init(&c->sessions);
}

void pglog_carry_release(struct pglog_carry *c)
{
	size_t i;

	for (i = 0; i < c->nlast; i++)
		strbuf_release(&c->last[i]);
	free(c->last);
	intern_release(&c->sessions);
	memset(c, 0, sizeof(*c));
}

int pglog_read_fd(int fd, const char *name, pglog_fn fn, void *data,
		  struct pglog_counts *counts)
{
	return read_fd(fd, name, NULL, 0, NULL, fn, data, counts);
}

int pglog_read_plans_fd(int fd, const char *name, pglog_fn fn, void *data,
			struct pglog_counts *counts)
{
	return read_fd(fd, name, NULL, 1, NULL, fn, data, counts);
}

static int read_fd(int fd, const char *name, const char *prefix, int plans,
		   struct pglog_carry *carry, pglog_fn fn, void *data,
		   struct pglog_counts *counts)
{
	struct reader r = {0};
	struct state st = {0};
	struct strbuf rec = STRBUF_INIT, jbuf = STRBUF_INIT;
	enum log_format fmt = LOG_UNKNOWN;
	struct mysql_entry my = {.ms = 0};
	uint64_t rec_line = 0;
	char *line = NULL;
	size_t len = 0;
	int rr = 0, ret = 0, have = 0;

	memset(counts, 0, sizeof(*counts));
	/* gzread reads a file that is not gzip'd as it is. */
	r.gz = gzdopen(fd, "rb");
	if (!r.gz) {
		close(fd);
		return error("cannot read '%s'", name);
	}
	r.name = name;
	r.cap = 1 << 20;
	r.buf = xmalloc(r.cap);
	st.fn = fn;
	st.data = data;
	st.prefix = prefix && *prefix ? prefix : NULL;
	st.plans = plans;
	strbuf_init(&st.pts, 0);
	st.counts = counts;
	pglog_carry_init(&st.own);
	st.carry = carry ? carry : &st.own;
	strbuf_init(&st.pend.sql, 0);
	strbuf_init(&st.pend.ts, 0);
	strbuf_init(&st.pend.session, 0);
	strbuf_init(&st.pend.params, 0);
	strbuf_init(&st.text, 0);
	strbuf_init(&st.ts, 0);
	strbuf_init(&st.session, 0);
	strbuf_init(&st.lk.lock, 0);
	strbuf_init(&st.lk.blocker, 0);
	strbuf_init(&st.lk.sql, 0);
	strbuf_init(&st.lk.ts, 0);
	strbuf_init(&st.lk.session, 0);
	strbuf_init(&st.lk.detail, 0);
	strbuf_init(&my.sql, 0);
	strbuf_init(&my.ts, 0);
	strbuf_init(&my.session, 0);
	st.level = LV_NONE;
	while (!st.stop && (rr = next_line(&r, &line, &len)) > 0) {
		size_t plen;
		const char *msg;
		int lv;

		counts->lines++;
		if (fmt == LOG_UNKNOWN && len)
			fmt = detect(line);
		if (fmt == LOG_CSV) {
			/* A record spans lines where a field holds
			 * newlines. */
			if (rec.len)
				strbuf_addch(&rec, '\n');
			else
				rec_line = r.lineno;
			strbuf_addstr(&rec, line);
			if (csv_complete(rec.buf)) {
				counts->messages++;
				feed_csv(&st, rec.buf, rec_line);
				strbuf_reset(&rec);
			}
			continue;
		}
		if (fmt == LOG_MYSQL) {
			mysql_line(&st, &my, line, r.lineno);
			continue;
		}
		if (fmt == LOG_JSON) {
			struct pglog_record jr;

			if (!len)
				continue;
			if (pglog_json_record(line, len, &jr, &jbuf) < 0) {
				if (!counts->unknown++)
					counts->first_unknown = r.lineno;
				continue;
			}
			counts->messages++;
			feed_record(&st, &jr, r.lineno);
			continue;
		}
		if (line[0] == '\t') {
			if (have) {
				strbuf_addch(&st.text, '\n');
				strbuf_addstr(&st.text, line + 1);
			}
			continue;
		}
		lv = find_level(line, &plen, &msg);
		if (lv == LV_NONE && have && syslog_continuation(line, &msg)) {
			/* syslog splits a message into "[N-2]", "[N-3]"
			 * lines, the TAB written "#011". */
			strbuf_addch(&st.text, '\n');
			if (!strncmp(msg, "#011", 4))
				msg += 4;
			strbuf_addstr(&st.text, msg);
			continue;
		}
		if (lv == LV_NONE) {
			if (len && !counts->unknown++)
				counts->first_unknown = r.lineno;
			continue;
		}
		if (have)
			process(&st);
		start_message(&st, line, lv, plen, msg, r.lineno);
		/* A given prefix wins where it fits; elsewhere the prefix is
		 * read as if none were given. */
		if (st.prefix && !match_prefix(&st, line) &&
		    !counts->prefix_mismatch++)
			counts->first_mismatch = r.lineno;
		have = 1;
	}
	if (rr < 0)
		ret = -1;
	else if (r.truncated)
		ret = error("%s:%llu: the gzip data ends early (a truncated "
			    "file?); the statements before are reported",
			    name, (unsigned long long)r.lineno);
	if (rec.len && !st.stop) {
		/* An unterminated quote: the rest is one broken record. */
		if (!counts->unknown++)
			counts->first_unknown = rec_line;
	}
	if (fmt == LOG_MYSQL && !st.stop)
		mysql_flush(&st, &my);
	strbuf_release(&rec);
	strbuf_release(&jbuf);
	strbuf_release(&my.sql);
	strbuf_release(&my.ts);
	strbuf_release(&my.session);
	if (have && !st.stop)
		process(&st);
	if (!st.stop)
		flush(&st);
	if (!st.stop)
		flush_lock(&st);
	gzclose(r.gz);
	free(r.buf);
	strbuf_release(&st.pend.sql);
	strbuf_release(&st.pend.ts);
	strbuf_release(&st.pend.session);
	strbuf_release(&st.pend.params);
	strbuf_release(&st.text);
	strbuf_release(&st.ts);
	strbuf_release(&st.session);
	strbuf_release(&st.lk.lock);
	strbuf_release(&st.lk.blocker);
	strbuf_release(&st.lk.sql);
	strbuf_release(&st.lk.ts);
	strbuf_release(&st.lk.session);
	strbuf_release(&st.lk.detail);
	strbuf_release(&st.pts);
	pglog_carry_release(&st.own);
	return ret;
}
