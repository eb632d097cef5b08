#include "core/compat.h"
#include "profile/report.h"
#include "core/error.h"
#include "core/json.h"
#include "core/strbuf.h"
#include "core/utf8.h"
#include <math.h>

/* Where sample counts come from for value k. */
enum count_mode {
	COUNT_SAME,   /* the value is a count */
	COUNT_OTHER,  /* another value is the count */
	COUNT_PERIOD, /* nanoseconds / period */
	COUNT_NONE,
};

struct counter {
	enum count_mode mode;
	unsigned k;
	int64_t period;
};

static int is_count(const struct profile *p, unsigned k)
{
	return !*p->unit[k] || !strcmp(p->unit[k], "count") ||
	       !strcmp(p->type[k], "samples");
}

static void counter_init(const struct profile *p, unsigned k, struct counter *c)
{
	unsigned j;

	c->k = k;
	c->period = 0;
	if (is_count(p, k)) {
		c->mode = COUNT_SAME;
		return;
	}
	for (j = 0; j < p->nvalues; j++) {
		if (j != k && is_count(p, j) &&
		    !(p->flags & PROFILE_DIFFERENTIAL)) {
			c->mode = COUNT_OTHER;
			c->k = j;
			return;
		}
	}
	if (!strcmp(p->unit[k], "nanoseconds") && p->period_ns) {
		c->mode = COUNT_PERIOD;
		c->period = (int64_t)MIN(p->period_ns, (uint64_t)INT64_MAX);
		return;
	}
	c->mode = COUNT_NONE;
}

static int64_t count_of(const struct profile *p, const struct counter *c,
			uint32_t stack)
{
	int64_t v, q, r;

	switch (c->mode) {
	case COUNT_SAME:
	case COUNT_OTHER:
		return profile_value(p, stack, c->k);
	case COUNT_PERIOD:
		/* round(v / period), in integers: halves away from 0. */
		v = profile_value(p, stack, c->k);
		q = v / c->period;
		r = v % c->period;
		if (r >= c->period - c->period / 2)
			q++;
		else if (-r >= c->period - c->period / 2)
			q--;
		return q;
	default:
		return 0;
	}
}

static int in_scope(const struct profile *p, uint32_t stack,
		    enum report_scope scope, uint32_t key)
{
	size_t depth;
	const uint32_t *f;

	switch (scope) {
	case REPORT_THREAD:
		return profile_stack_thread(p, stack) == key;
	case REPORT_ROOT:
		f = profile_stack(p, stack, &depth);
		return depth && f[0] == key;
	default:
		return 1;
	}
}

struct sort_ctx {
	const struct profile *p;
	enum report_sort sort;
};

static int cmp_rows(const void *a, const void *b, void *vctx)
{
	const struct sort_ctx *ctx = vctx;
	const struct report_row *x = a, *y = b;
	int64_t kx = ctx->sort == REPORT_SORT_TOTAL ? x->total : x->self;
	int64_t ky = ctx->sort == REPORT_SORT_TOTAL ? y->total : y->self;
	int64_t ox = ctx->sort == REPORT_SORT_TOTAL ? x->self : x->total;
	int64_t oy = ctx->sort == REPORT_SORT_TOTAL ? y->self : y->total;
	size_t lx, ly;
	int c;

	if (kx != ky)
		return kx > ky ? -1 : 1;
	if (ox != oy)
		return ox > oy ? -1 : 1;
	/* Equal numbers: by name, so the order never depends on ids. */
	lx = profile_frame_len(ctx->p, x->frame);
	ly = profile_frame_len(ctx->p, y->frame);
	c = memcmp(profile_frame_name(ctx->p, x->frame),
		   profile_frame_name(ctx->p, y->frame), MIN(lx, ly));
	if (c)
		return c;
	return lx < ly ? -1 : lx > ly;
}

void report_compute(const struct profile *p, unsigned k,
		    enum report_scope scope, uint32_t key,
		    enum report_sort sort, struct report *r)
{
	size_t nframes = intern_count(&p->frames), n = profile_nstacks(p);
	struct report_row *rows = xcalloc(nframes + 1, sizeof(*rows));
	uint32_t *stamp = xcalloc(nframes + 1, sizeof(*stamp));
	unsigned char *present = xcalloc(nframes + 1, 1);
	struct sort_ctx ctx = {p, sort};
	struct counter cnt;
	size_t i, j;

	memset(r, 0, sizeof(*r));
	counter_init(p, k, &cnt);
	for (i = 0; i < n; i++) {
		uint32_t s = (uint32_t)i;
		size_t depth, start = 0;
		const uint32_t *f = profile_stack(p, s, &depth);
		int64_t v = profile_value(p, s, k), c = count_of(p, &cnt, s);

		if (!in_scope(p, s, scope, key))
			continue;
		r->total += v;
		r->samples += c;
		/* The thread's own root frame is not a function. */
		if (scope == REPORT_ROOT || profile_is_thread_root(p, s))
			start = 1;
		if (start >= depth)
			continue;
		rows[f[depth - 1]].self += v;
		rows[f[depth - 1]].self_samples += c;
		for (j = start; j < depth; j++) {
			/* Recursion: a frame counts once per stack. */
			if (stamp[f[j]] == s + 1)
				continue;
			stamp[f[j]] = s + 1;
			rows[f[j]].total += v;
			rows[f[j]].total_samples += c;
			present[f[j]] = 1;
		}
	}
	for (i = 0; i < nframes; i++) {
		if (!present[i] || (!rows[i].total && !rows[i].self))
			continue;
		rows[r->nrows] = rows[i];
		rows[r->nrows].frame = (uint32_t)i;
		if (cnt.mode == COUNT_NONE)
			rows[r->nrows].self_samples =
			    rows[r->nrows].total_samples = -1;
		r->nrows++;
	}
	if (cnt.mode == COUNT_NONE)
		r->samples = -1;
	qsort_r(rows, r->nrows, sizeof(*rows), cmp_rows, &ctx);
	r->rows = rows;
	free(stamp);
	free(present);
}

void report_release(struct report *r)
{
	free(r->rows);
	memset(r, 0, sizeof(*r));
}

int report_value_index(const struct profile *p, const char *spec, unsigned *k)
{
	unsigned i;
	char *end;
	long v;

	errno = 0;
	v = strtol(spec, &end, 10);
	if (*spec && !*end && !errno) {
		if (v < 0 || (unsigned long)v >= p->nvalues)
			return error("value index %ld out of range: the "
				     "profile has %u value%s",
				     v, p->nvalues, p->nvalues == 1 ? "" : "s");
		*k = (unsigned)v;
		return 0;
	}
	for (i = 0; i < p->nvalues; i++) {
		if (!strcmp(p->type[i], spec)) {
			*k = i;
			return 0;
		}
	}
	{
		struct strbuf sb = STRBUF_INIT;

		for (i = 0; i < p->nvalues; i++)
			strbuf_addf(&sb, "%s%u=%s", i ? ", " : "", i,
				    *p->type[i] ? p->type[i] : "(unnamed)");
		error("no value named '%s' in the profile (values: %s)", spec,
		      sb.buf);
		strbuf_release(&sb);
	}
	return -1;
}

/* How values print: a unit scale chosen once from the scope's total. */
struct value_fmt {
	double div;
	const char *suffix;
	int decimals;
};

static void value_fmt_init(const struct profile *p, unsigned k, double total,
			   struct value_fmt *vf)
{
	const char *u = p->unit[k];

	vf->div = 1;
	vf->suffix = "";
	vf->decimals = 0;
	if (!strcmp(u, "nanoseconds")) {
		vf->decimals = 2;
		if (total >= 1e10) {
			vf->div = 1e9;
			vf->suffix = "s";
		} else {
			vf->div = 1e6;
			vf->suffix = "ms";
		}
	} else if (!strcmp(u, "bytes")) {
		vf->decimals = 2;
		if (total >= 1024.0 * 1024 * 1024) {
			vf->div = 1024.0 * 1024 * 1024;
			vf->suffix = "GB";
		} else if (total >= 1024.0 * 1024) {
			vf->div = 1024.0 * 1024;
			vf->suffix = "MB";
		} else if (total >= 1024) {
			vf->div = 1024;
			vf->suffix = "kB";
		} else {
			vf->decimals = 0;
			vf->suffix = "B";
		}
	} else if (floor(total) != total) {
		vf->decimals = 2;
	}
}

static void fmt_value(const struct value_fmt *vf, int64_t v, char *buf,
		      size_t size)
{
	/* Counts print exactly; a double has 53 bits. */
	if (vf->div == 1 && !vf->decimals)
		snprintf(buf, size, "%" PRId64 "%s", v, vf->suffix);
	else
		snprintf(buf, size, "%.*f%s", vf->decimals, (double)v / vf->div,
			 vf->suffix);
}

static double pct(double v, double total)
{
	return total ? 100.0 * v / total : 0;
}

static void print_table(const struct profile *p, const struct report_opts *o,
			const struct report *r, FILE *fp)
{
	struct value_fmt vf;
	size_t i, n = o->top && o->top < r->nrows ? o->top : r->nrows;
	int counts = r->samples >= 0 && !is_count(p, o->value);
	char a[64], b[64];

	value_fmt_init(p, o->value, r->total, &vf);
	if (counts)
		fprintf(fp, "%12s %7s %9s %12s %7s %9s  %s\n", "self", "self%",
			"samples", "total", "total%", "samples", "function");
	else
		fprintf(fp, "%12s %7s %12s %7s  %s\n", "self", "self%", "total",
			"total%", "function");
	for (i = 0; i < n; i++) {
		const struct report_row *row = &r->rows[i];

		fmt_value(&vf, row->self, a, sizeof(a));
		fmt_value(&vf, row->total, b, sizeof(b));
		if (counts)
			fprintf(fp,
				"%12s %6.2f%% %9" PRId64
				" %12s %6.2f%% %9" PRId64 "  ",
				a, pct(row->self, r->total), row->self_samples,
				b, pct(row->total, r->total),
				row->total_samples);
		else
			fprintf(fp, "%12s %6.2f%% %12s %6.2f%%  ", a,
				pct(row->self, r->total), b,
				pct(row->total, r->total));
		/* Names come from binaries: a terminal must not run them. */
		utf8_fput_printable(fp, profile_frame_name(p, row->frame),
				    profile_frame_len(p, row->frame));
		fputc('\n', fp);
	}
}

static void print_summary(const struct profile *p, const struct report_opts *o,
			  const struct report *r, FILE *fp)
{
	struct value_fmt vf;
	char a[64];

	value_fmt_init(p, o->value, r->total, &vf);
	fmt_value(&vf, r->total, a, sizeof(a));
	fprintf(fp, "total %s", a);
	if (r->samples >= 0 && !is_count(p, o->value))
		fprintf(fp, " in %" PRId64 " samples", r->samples);
	fprintf(fp, "; %zu functions, showing %zu, by %s\n", r->nrows,
		o->top && o->top < r->nrows ? o->top : r->nrows,
		o->sort == REPORT_SORT_TOTAL ? "total" : "self");
}

/* The scopes of --per-thread: threads, else root frames. */
struct group {
	enum report_scope scope;
	uint32_t key;
	struct report r;
};

static size_t groups(const struct profile *p, const struct report_opts *o,
		     struct group **out)
{
	size_t n = profile_nstacks(p), i, ng = 0, nframes;
	struct group *g = NULL;
	size_t alloc = 0;
	unsigned char *seen;
	int threads = 0;

	for (i = 0; i < n; i++)
		threads |= profile_stack_thread(p, (uint32_t)i) != 0;
	nframes = threads ? p->nthreads : intern_count(&p->frames);
	seen = xcalloc(nframes + 1, 1);
	for (i = 0; i < n; i++) {
		size_t depth;
		const uint32_t *f = profile_stack(p, (uint32_t)i, &depth);
		uint32_t key = threads ? profile_stack_thread(p, (uint32_t)i)
			       : depth ? f[0]
				       : UINT32_MAX;

		if (key >= nframes || seen[key])
			continue;
		seen[key] = 1;
		ALLOC_GROW(g, ng + 1, alloc);
		g[ng].scope = threads ? REPORT_THREAD : REPORT_ROOT;
		g[ng].key = key;
		report_compute(p, o->value, g[ng].scope, key, o->sort,
			       &g[ng].r);
		ng++;
	}
	free(seen);
	*out = g;
	return ng;
}

static void group_name(const struct profile *p, const struct group *g,
		       struct strbuf *sb)
{
	if (g->scope == REPORT_THREAD && g->key)
		profile_thread_name(p, g->key, sb);
	else if (g->scope == REPORT_THREAD)
		strbuf_addstr(sb, "(no thread)");
	else
		strbuf_add(sb, profile_frame_name(p, g->key),
			   profile_frame_len(p, g->key));
}

static int cmp_groups(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	if (x->r.total != y->r.total)
		return x->r.total > y->r.total ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

static const char *value_label(const struct profile *p, unsigned k)
{
	return *p->type[k] ? p->type[k] : "samples";
}

int report_print(const struct profile *p, const struct report_opts *o, FILE *fp)
{
	struct report r;
	struct group *g = NULL;
	size_t ng = 0, i;
	struct strbuf sb = STRBUF_INIT;

	report_compute(p, o->value, REPORT_ALL, 0, o->sort, &r);
	utf8_fput_printable(fp, o->name ? o->name : "profile",
			    strlen(o->name ? o->name : "profile"));
	fprintf(fp, ": %s", value_label(p, o->value));
	if (*p->unit[o->value])
		fprintf(fp, " (%s)", p->unit[o->value]);
	fputs(", ", fp);
	print_summary(p, o, &r, fp);
	print_table(p, o, &r, fp);
	if (o->per_thread) {
		ng = groups(p, o, &g);
		qsort(g, ng, sizeof(*g), cmp_groups);
		for (i = 0; i < ng; i++) {
			strbuf_reset(&sb);
			group_name(p, &g[i], &sb);
			fputc('\n', fp);
			utf8_fput_printable(fp, sb.buf, sb.len);
			fprintf(fp, " (%.2f%% of all): ",
				pct(g[i].r.total, r.total));
			print_summary(p, o, &g[i].r, fp);
			print_table(p, o, &g[i].r, fp);
			report_release(&g[i].r);
		}
		free(g);
	}
	strbuf_release(&sb);
	report_release(&r);
	if (ferror(fp))
		return error_errno("cannot write the report");
	return 0;
}

static void json_functions(const struct profile *p, const struct report_opts *o,
			   const struct report *r, struct json_writer *w)
{
	size_t i, n = o->top && o->top < r->nrows ? o->top : r->nrows;

	json_key(w, "functions");
	json_begin_array(w);
	for (i = 0; i < n; i++) {
		const struct report_row *row = &r->rows[i];

		json_begin_object(w);
		json_key(w, "name");
		json_stringn(w, profile_frame_name(p, row->frame),
			     profile_frame_len(p, row->frame));
		json_kv_int(w, "self", row->self);
		json_kv_double(w, "self_percent",
			       round(pct(row->self, r->total) * 1e4) / 1e4);
		json_kv_int(w, "total", row->total);
		json_kv_double(w, "total_percent",
			       round(pct(row->total, r->total) * 1e4) / 1e4);
		if (r->samples >= 0) {
			json_kv_int(w, "self_samples", row->self_samples);
			json_kv_int(w, "total_samples", row->total_samples);
		}
		json_end_object(w);
	}
	json_end_array(w);
}

static void json_scope(const struct report *r, struct json_writer *w)
{
	json_kv_int(w, "total", r->total);
	json_key(w, "samples");
	if (r->samples >= 0)
		json_int(w, r->samples);
	else
		json_null(w);
}

int report_json(const struct profile *p, const struct report_opts *o, FILE *fp)
{
	struct json_writer w;
	struct report r;
	struct group *g = NULL;
	struct strbuf sb = STRBUF_INIT;
	size_t ng, i;

	report_compute(p, o->value, REPORT_ALL, 0, o->sort, &r);
	json_init(&w, fp, 1);
	json_begin_object(&w);
	json_kv_string(&w, "profile", o->name ? o->name : "");
	json_key(&w, "value");
	json_begin_object(&w);
	json_kv_uint(&w, "index", o->value);
	json_kv_string(&w, "type", value_label(p, o->value));
	json_kv_string(&w, "unit",
		       *p->unit[o->value] ? p->unit[o->value] : "count");
	json_end_object(&w);
	json_kv_string(&w, "sort",
		       o->sort == REPORT_SORT_TOTAL ? "total" : "self");
	json_scope(&r, &w);
	json_functions(p, o, &r, &w);
	if (o->per_thread) {
		ng = groups(p, o, &g);
		qsort(g, ng, sizeof(*g), cmp_groups);
		json_key(&w, "threads");
		json_begin_array(&w);
		for (i = 0; i < ng; i++) {
			json_begin_object(&w);
			strbuf_reset(&sb);
			group_name(p, &g[i], &sb);
			json_kv_string(&w, "name", sb.buf);
			if (g[i].scope == REPORT_THREAD && g[i].key) {
				const struct profile_thread *t =
				    &p->threads[g[i].key];

				json_key(&w, "comm");
				json_stringn(&w,
					     intern_str(&p->strings, t->comm),
					     intern_len(&p->strings, t->comm));
				json_kv_int(&w, "pid", t->pid);
				json_kv_int(&w, "tid", t->tid);
			}
			json_scope(&g[i].r, &w);
			json_functions(p, o, &g[i].r, &w);
			json_end_object(&w);
			report_release(&g[i].r);
		}
		json_end_array(&w);
		free(g);
	}
	json_end_object(&w);
	fputc('\n', fp);
	strbuf_release(&sb);
	report_release(&r);
	if (ferror(fp))
		return error_errno("cannot write the report");
	return 0;
}
