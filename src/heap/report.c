#include "core/compat.h"
#include "heap/report.h"
#include <math.h>
#include "core/json.h"
#include "core/strbuf.h"
#include "profile/profile.h"
#include "profile/report.h"

const char *const heap_weight_names[] = {
    "bytes", "count", "leaked", "peak", "temporary", NULL,
};

const char *heap_bytes(double v)
{
	static char ring[8][32];
	static unsigned next;
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	char *buf = ring[next++ % ARRAY_SIZE(ring)];
	unsigned u = 0;

	while (fabs(v) >= 1024 && u + 1 < ARRAY_SIZE(units)) {
		v /= 1024;
		u++;
	}
	if (!u)
		snprintf(buf, 32, "%" PRId64 " B", heap_round(v));
	else
		snprintf(buf, 32, "%.*f %s", fabs(v) < 10 ? 2 : 1, v, units[u]);
	return buf;
}

static double site_key(const struct heap_site *s, int which)
{
	switch (which) {
	case 0:
		return s->calls;
	case 1:
		return s->bytes;
	case 2:
		return s->suppressed ? 0 : s->leaked_bytes;
	case 3:
		return s->peak_bytes;
	default:
		return s->temporary;
	}
}

static const struct heap_analysis *sort_a;
static int sort_which;

static int cmp_sites(const void *x, const void *y)
{
	const struct heap_site *a = &sort_a->sites.v[*(const uint32_t *)x];
	const struct heap_site *b = &sort_a->sites.v[*(const uint32_t *)y];
	double ka = site_key(a, sort_which), kb = site_key(b, sort_which);

	if (ka != kb)
		return ka > kb ? -1 : 1;
	return *(const uint32_t *)x < *(const uint32_t *)y ? -1 : 1;
}

/* The site indices with a non-zero key, largest first. */
static uint32_t *sorted_sites(const struct heap_analysis *a, int which,
			      size_t *n)
{
	uint32_t *v = xmalloc(st_mult(a->sites.len + 1, sizeof(*v)));
	size_t i;

	*n = 0;
	for (i = 0; i < a->sites.len; i++)
		if (site_key(&a->sites.v[i], which) > 0)
			v[(*n)++] = (uint32_t)i;
	sort_a = a;
	sort_which = which;
	qsort(v, *n, sizeof(*v), cmp_sites);
	return v;
}

/* "leaf < caller < ..." for a table row. */
static void site_text(const struct heap_analysis *a, const struct heap_site *s,
		      size_t max, struct strbuf *sb)
{
	size_t i, shown = 0;

	strbuf_reset(sb);
	for (i = s->depth; i-- > 0 && shown < max; shown++)
		strbuf_addf(sb, "%s%s", shown ? " < " : "",
			    intern_str(&a->names, s->frames[i]));
	if (shown < s->depth)
		strbuf_addstr(sb, " < ...");
}

static const char *const table_titles[] = {
    "Hot allocators by calls", "Hot allocators by bytes allocated",
    "Leaked at exit",	       "Live at the peak",
    "Temporary allocations",
};

static void print_table(const struct heap_analysis *a, int which, size_t top,
			FILE *fp)
{
	struct strbuf sb = STRBUF_INIT;
	size_t n, i;
	uint32_t *v = sorted_sites(a, which, &n);

	fprintf(fp, "\n%s:\n", table_titles[which]);
	if (!n)
		fprintf(fp, "  (none)\n");
	for (i = 0; i < n && (!top || i < top); i++) {
		const struct heap_site *s = &a->sites.v[v[i]];

		site_text(a, s, 6, &sb);
		switch (which) {
		case 0:
		case 1:
			fprintf(fp, "  %10" PRId64 " calls %10s  %s\n",
				heap_round(s->calls), heap_bytes(s->bytes),
				sb.buf);
			break;
		case 2:
			fprintf(fp, "  %10s in %6" PRId64 " blocks  %s\n",
				heap_bytes(s->leaked_bytes),
				heap_round(s->leaked_blocks), sb.buf);
			break;
		case 3:
			fprintf(fp, "  %10s in %6" PRId64 " blocks  %s\n",
				heap_bytes(s->peak_bytes),
				heap_round(s->peak_blocks), sb.buf);
			break;
		default:
			fprintf(fp,
				"  %10" PRId64 " of %6" PRId64 " calls  %s\n",
				heap_round(s->temporary), heap_round(s->calls),
				sb.buf);
		}
	}
	if (top && n > top)
		fprintf(fp, "  ... %zu more\n", n - top);
	free(v);
	strbuf_release(&sb);
}

static const char *end_text(const struct heap_stream *s)
{
	switch (s->end_reason) {
	case HEAP_END_EXIT:
		return "exit";
	case HEAP_END__EXIT:
		return "_exit";
	case HEAP_END_EXEC:
		return "exec";
	case HEAP_END_RUNNING:
		return "running";
	default: /* a signal, or an end perfops did not see */
		return "killed";
	}
}

int heap_report_print(const struct heap_analysis *a,
		      const struct heap_report_opts *o, FILE *fp)
{
	const struct heap_trace *t = a->trace;
	const struct heap_stats *tot = &a->total;
	size_t i;
	int k;

	fprintf(fp, "%s mode, %zu process%s\n",
		a->sampled ? "sampled (estimates)" : "exact", t->nstreams,
		t->nstreams == 1 ? "" : "es");
	fprintf(fp, "  %8s %8s %12s %12s %12s %12s %12s %10s  %s\n", "PID",
		"end", "allocations", "frees", "allocated", "peak", "leaked",
		"temporary", "program");
	for (i = 0; i < t->nstreams; i++) {
		const struct heap_stats *st = &a->procs[i];
		const struct heap_stream *s = t->streams[i];

		fprintf(fp,
			"  %8d %8s %12" PRId64 " %12" PRId64
			" %12s %12s %12s %10" PRId64 "  %s\n",
			s->pid, end_text(s), heap_round(st->allocations),
			heap_round(st->frees), heap_bytes(st->allocated_bytes),
			heap_bytes(st->peak_bytes),
			heap_bytes(st->leaked_bytes), heap_round(st->temporary),
			s->exe);
	}
	fprintf(fp,
		"\nallocations: %" PRId64 "  frees: %" PRId64
		"  allocated: %s\n",
		heap_round(tot->allocations), heap_round(tot->frees),
		heap_bytes(tot->allocated_bytes));
	if (a->peak_stream >= 0)
		fprintf(fp, "peak: %s in %" PRId64 " blocks (pid %d)\n",
			heap_bytes(tot->peak_bytes),
			heap_round(tot->peak_blocks),
			t->streams[a->peak_stream]->pid);
	fprintf(fp, "leaked: %s in %" PRId64 " blocks",
		heap_bytes(tot->leaked_bytes), heap_round(tot->leaked_blocks));
	if (tot->suppressed_blocks > 0)
		fprintf(fp, " (%s in %" PRId64 " blocks suppressed)",
			heap_bytes(tot->suppressed_bytes),
			heap_round(tot->suppressed_blocks));
	fprintf(fp, "\ntemporary: %" PRId64 " allocations%s\n",
		heap_round(tot->temporary),
		a->sampled ? " (counted in exact mode only)" : "");
	fprintf(fp, "mmap: %s mapped, peak %s, %s at the end\n",
		heap_bytes(tot->mmap_bytes), heap_bytes(tot->mmap_peak),
		heap_bytes(tot->mmap_live));
	if (tot->rss_peak) {
		double untracked = (double)tot->rss_peak - tot->peak_bytes -
				   tot->slack_at_peak - tot->mmap_peak;

		fprintf(fp,
			"rss: peak %s = heap peak %s + allocator slack %s "
			"+ mmap %s + untracked %s\n",
			heap_bytes((double)tot->rss_peak),
			heap_bytes(tot->peak_bytes),
			heap_bytes(tot->slack_at_peak),
			heap_bytes(tot->mmap_peak), heap_bytes(untracked));
	}
	for (k = 3; k >= 0; k = k == 3	 ? 2
				: k == 2 ? 4
				: k == 4 ? 0
				: k == 0 ? 1
					 : -1)
		print_table(a, k, o->top, fp);
	/* Functions, self and inclusive, as perfops report shows them. */
	if (a->total.allocated_bytes > 0) {
		struct report_opts ro = {o->top, REPORT_SORT_TOTAL, 0, 0,
					 "bytes allocated"};
		struct profile p;

		fprintf(fp,
			"\nFunctions by bytes allocated (self: as the "
			"allocating frame, total: anywhere on the stack):\n");
		heap_profile(a, HEAP_WEIGHT_BYTES, &p);
		report_print(&p, &ro, fp);
		profile_release(&p);
	}
	fprintf(fp, "\nAllocation sizes:%s\n",
		a->total.allocations > 0 ? "" : " (none)");
	for (k = 0; k < HEAP_HIST_BUCKETS; k++)
		if (a->hist_count[k] > 0)
			fprintf(fp,
				"  %10s .. %-10s %10" PRId64 " calls %12s\n",
				heap_bytes(k ? (double)(1ull << k) : 0),
				heap_bytes((double)(1ull << (k + 1)) - 1),
				heap_round(a->hist_count[k]),
				heap_bytes(a->hist_bytes[k]));
	fprintf(fp, "\nCalls by function:%s",
		a->total.allocations > 0 || a->total.mmap_bytes > 0
		    ? ""
		    : " (none)");
	for (k = 0; k < HEAP_KIND_NR; k++)
		if (a->kind_calls[k] > 0)
			fprintf(fp, " %s %" PRId64, heap_kind_name((unsigned)k),
				heap_round(a->kind_calls[k]));
	fputc('\n', fp);
	return ferror(fp) ? -1 : 0;
}

static void json_stats(struct json_writer *w, const struct heap_stats *st,
		       int sampled)
{
	json_kv_int(w, "allocations", heap_round(st->allocations));
	json_kv_int(w, "frees", heap_round(st->frees));
	json_kv_int(w, "allocated_bytes", heap_round(st->allocated_bytes));
	json_kv_int(w, "peak_bytes", heap_round(st->peak_bytes));
	json_kv_int(w, "peak_blocks", heap_round(st->peak_blocks));
	json_kv_int(w, "leaked_bytes", heap_round(st->leaked_bytes));
	json_kv_int(w, "leaked_blocks", heap_round(st->leaked_blocks));
	json_kv_int(w, "suppressed_bytes", heap_round(st->suppressed_bytes));
	json_kv_int(w, "suppressed_blocks", heap_round(st->suppressed_blocks));
	json_key(w, "temporary");
	if (sampled)
		json_null(w);
	else
		json_int(w, heap_round(st->temporary));
	json_kv_uint(w, "unknown_frees", st->unknown_frees);
	json_kv_int(w, "allocator_slack_at_peak",
		    heap_round(st->slack_at_peak));
	json_kv_int(w, "mmap_bytes", heap_round(st->mmap_bytes));
	json_kv_int(w, "mmap_peak_bytes", heap_round(st->mmap_peak));
	json_kv_uint(w, "rss_peak_bytes", st->rss_peak);
}

static void json_sites(struct json_writer *w, const struct heap_analysis *a,
		       int which, size_t top)
{
	size_t n, i, j;
	uint32_t *v = sorted_sites(a, which, &n);

	json_begin_array(w);
	for (i = 0; i < n && (!top || i < top); i++) {
		const struct heap_site *s = &a->sites.v[v[i]];

		json_begin_object(w);
		json_kv_int(w, "pid", a->trace->streams[s->stream]->pid);
		json_kv_int(w, "calls", heap_round(s->calls));
		json_kv_int(w, "bytes", heap_round(s->bytes));
		json_kv_int(w, "leaked_bytes", heap_round(s->leaked_bytes));
		json_kv_int(w, "leaked_blocks", heap_round(s->leaked_blocks));
		json_kv_int(w, "peak_bytes", heap_round(s->peak_bytes));
		json_kv_int(w, "peak_blocks", heap_round(s->peak_blocks));
		json_kv_int(w, "temporary", heap_round(s->temporary));
		json_kv_bool(w, "suppressed", s->suppressed);
		json_key(w, "stack");
		json_begin_array(w);
		for (j = s->depth; j-- > 0;)
			json_string(w, intern_str(&a->names, s->frames[j]));
		json_end_array(w);
		json_end_object(w);
	}
	json_end_array(w);
	free(v);
}

int heap_report_json(const struct heap_analysis *a,
		     const struct heap_report_opts *o, FILE *fp)
{
	static const char *const keys[] = {"hot_by_calls", "hot_by_bytes",
					   "leaks", "peak_stacks",
					   "temporary_stacks"};
	const struct heap_trace *t = a->trace;
	struct json_writer w;
	size_t i;
	int k;

	json_init(&w, fp, 1);
	json_begin_object(&w);
	json_kv_string(&w, "mode", a->sampled ? "sample" : "exact");
	json_stats(&w, &a->total, a->sampled);
	json_key(&w, "processes");
	json_begin_array(&w);
	for (i = 0; i < t->nstreams; i++) {
		const struct heap_stream *s = t->streams[i];

		json_begin_object(&w);
		json_kv_int(&w, "pid", s->pid);
		json_kv_int(&w, "ppid", s->ppid);
		json_kv_string(&w, "exe", s->exe);
		json_kv_string(&w, "end", end_text(s));
		json_stats(&w, &a->procs[i], s->mode == HEAP_MODE_SAMPLE);
		json_end_object(&w);
	}
	json_end_array(&w);
	for (k = 0; k < 5; k++) {
		json_key(&w, keys[k]);
		json_sites(&w, a, k, o->top);
	}
	json_key(&w, "size_histogram");
	json_begin_array(&w);
	for (k = 0; k < HEAP_HIST_BUCKETS; k++) {
		if (a->hist_count[k] <= 0)
			continue;
		json_begin_object(&w);
		json_kv_uint(&w, "min", k ? 1ull << k : 0);
		json_kv_uint(&w, "max", (1ull << (k + 1)) - 1);
		json_kv_int(&w, "calls", heap_round(a->hist_count[k]));
		json_kv_int(&w, "bytes", heap_round(a->hist_bytes[k]));
		json_end_object(&w);
	}
	json_end_array(&w);
	json_key(&w, "calls_by_function");
	json_begin_object(&w);
	for (k = 0; k < HEAP_KIND_NR; k++) {
		if (a->kind_calls[k] <= 0)
			continue;
		json_key(&w, heap_kind_name((unsigned)k));
		json_int(&w, heap_round(a->kind_calls[k]));
	}
	json_end_object(&w);
	json_key(&w, "timeline");
	json_begin_array(&w);
	for (i = 0; i < a->timeline.len; i++) {
		json_begin_object(&w);
		json_kv_double(&w, "ms", a->timeline.v[i].t_ms);
		json_kv_int(&w, "heap_bytes",
			    heap_round(a->timeline.v[i].heap));
		json_kv_uint(&w, "rss_bytes", a->timeline.v[i].rss);
		json_end_object(&w);
	}
	json_end_array(&w);
	json_end_object(&w);
	fputc('\n', fp);
	return ferror(fp) ? -1 : 0;
}

void heap_profile(const struct heap_analysis *a, enum heap_weight w,
		  struct profile *p)
{
	VEC(uint32_t) fr = VEC_INIT;
	size_t i, j;

	if (w == HEAP_WEIGHT_PPROF) {
		profile_init(p, 4);
		profile_set_type(p, 0, "alloc_space", "bytes");
		profile_set_type(p, 1, "alloc_objects", "count");
		profile_set_type(p, 2, "inuse_space", "bytes");
		profile_set_type(p, 3, "inuse_objects", "count");
		p->main_value = 2;
	} else {
		static const char *const types[][2] = {
		    {"alloc_space", "bytes"},	    {"alloc_objects", "count"},
		    {"leaked_space", "bytes"},	    {"peak_space", "bytes"},
		    {"temporary_objects", "count"},
		};

		profile_init(p, 1);
		profile_set_type(p, 0, types[w][0], types[w][1]);
	}
	for (i = 0; i < a->sites.len; i++) {
		const struct heap_site *s = &a->sites.v[i];
		int64_t v[4];
		int any;

		fr.len = 0;
		for (j = 0; j < s->depth; j++) {
			const char *name = intern_str(&a->names, s->frames[j]);

			VEC_PUSH(&fr, profile_frame(p, name, strlen(name)));
		}
		if (w == HEAP_WEIGHT_PPROF) {
			int64_t leak =
			    s->suppressed ? 0 : heap_round(s->leaked_bytes);
			int64_t lb =
			    s->suppressed ? 0 : heap_round(s->leaked_blocks);

			v[0] = heap_round(s->bytes);
			v[1] = heap_round(s->calls);
			v[2] = leak;
			v[3] = lb;
			any = v[0] || v[1];
		} else {
			v[0] = heap_round(
			    w == HEAP_WEIGHT_LEAKED
				? (s->suppressed ? 0 : s->leaked_bytes)
				: site_key(s, w == HEAP_WEIGHT_BYTES   ? 1
					      : w == HEAP_WEIGHT_COUNT ? 0
					      : w == HEAP_WEIGHT_PEAK  ? 3
								       : 4));
			any = v[0] != 0;
		}
		if (any)
			profile_add(p, 0, fr.v, fr.len, v);
	}
	VEC_RELEASE(&fr);
}
