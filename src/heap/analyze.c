#include "core/compat.h"
#include "heap/analyze.h"
#include <math.h>
#include "core/error.h"
#include "core/strbuf.h"
#include "heap/aggregate.h"
#include "sym/sym.h"

struct sitemap {
	uint32_t *v;
	size_t len, alloc;
};

static const char *const kind_names[HEAP_KIND_NR] = {
    "malloc",	     "calloc",	 "realloc", "reallocarray", "posix_memalign",
    "aligned_alloc", "memalign", "valloc",  "pvalloc",	    "free",
    "mmap",	     "munmap",	 "mremap",
};

const char *heap_kind_name(unsigned kind)
{
	return kind < HEAP_KIND_NR ? kind_names[kind] : "?";
}

/* A live block: what it weighs and where it came from. */
struct block {
	uint64_t ptr; /* 0 = empty slot */
	double bytes, count;
	uint64_t ordinal; /* heap events in the process when it was made */
	uint32_t site;
	uint32_t slack;
};

/* Open addressing with backward-shift deletion, keyed by address. */
struct live {
	struct block *b;
	size_t cap, n;
};

static size_t live_slot(const struct live *l, uint64_t ptr)
{
	return (size_t)((ptr * 0x9e3779b97f4a7c15ull) >> 17) & (l->cap - 1);
}

static void live_put(struct live *l, const struct block *b);

static void live_grow(struct live *l)
{
	struct live old = *l;
	size_t i;

	l->cap = old.cap ? old.cap * 2 : 1024;
	l->b = xcalloc(l->cap, sizeof(*l->b));
	l->n = 0;
	for (i = 0; i < old.cap; i++)
		if (old.b[i].ptr)
			live_put(l, &old.b[i]);
	free(old.b);
}

static void live_put(struct live *l, const struct block *b)
{
	size_t i;

	if ((l->n + 1) * 2 > l->cap)
		live_grow(l);
	for (i = live_slot(l, b->ptr); l->b[i].ptr; i = (i + 1) & (l->cap - 1))
		if (l->b[i].ptr == b->ptr) {
			l->b[i] = *b;
			return;
		}
	l->b[i] = *b;
	l->n++;
}

/* Remove ptr and copy its block to out; 0 when it was not live. */
static int live_take(struct live *l, uint64_t ptr, struct block *out)
{
	size_t i, j, k;

	if (!l->cap || !ptr)
		return 0;
	for (i = live_slot(l, ptr); l->b[i].ptr; i = (i + 1) & (l->cap - 1))
		if (l->b[i].ptr == ptr)
			break;
	if (!l->b[i].ptr)
		return 0;
	*out = l->b[i];
	j = i;
	for (;;) {
		l->b[i].ptr = 0;
		for (;;) {
			j = (j + 1) & (l->cap - 1);
			if (!l->b[j].ptr)
				goto done;
			k = live_slot(l, l->b[j].ptr);
			/* Move j back to i unless its home lies in (i, j]. */
			if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
				continue;
			break;
		}
		l->b[i] = l->b[j];
		i = j;
	}
done:
	l->n--;
	return 1;
}

static void live_clear(struct live *l)
{
	free(l->b);
	memset(l, 0, sizeof(*l));
}

/* The site of (stream, stack), created on first use. */
static uint32_t site_of(struct heap_analysis *a, struct sitemap *map,
			uint32_t stream, uint32_t stack)
{
	struct heap_site s;

	if (map->len <= stack) {
		size_t n0 = map->len;

		ALLOC_GROW(map->v, (size_t)stack + 1, map->alloc);
		memset(map->v + n0, 0xff,
		       ((size_t)stack + 1 - n0) * sizeof(uint32_t));
		map->len = (size_t)stack + 1;
	}
	if (map->v[stack] != UINT32_MAX)
		return map->v[stack];
	memset(&s, 0, sizeof(s));
	s.stream = stream;
	s.stack = stack;
	VEC_PUSH(&a->sites, s);
	map->v[stack] = (uint32_t)(a->sites.len - 1);
	return map->v[stack];
}

static void weigh(const struct heap_stream *s, uint64_t size, double *bytes,
		  double *count)
{
	double p;

	if (s->mode != HEAP_MODE_SAMPLE) {
		*bytes = (double)size;
		*count = 1;
		return;
	}
	p = -expm1(-(double)(size ? size : 1) / (double)s->interval);
	*bytes = (double)size / p;
	*count = 1 / p;
}

static unsigned bucket(uint64_t size)
{
	unsigned k = size ? 63u - (unsigned)__builtin_clzll(size) : 0;

	return MIN(k, HEAP_HIST_BUCKETS - 1);
}

/*
 * Where a site stands while a stream is replayed: its live blocks, and
 * what was live at the peak.  The peak is found without copying the live
 * set at each new maximum: a site changed last at event number last <=
 * the peak's number still holds its value at the peak, so it is copied to
 * at_peak only when it next changes (or at the end).
 */
struct site_live {
	double bytes, count, slack;
	double peak_bytes, peak_count, peak_slack;
	uint64_t last;
};

/* The replay of one stream, one event at a time. */
struct replay {
	struct heap_analysis *a;
	const struct heap_stream *s;
	struct heap_stats *st;
	uint32_t si;
	struct live live, maps;
	struct sitemap sitemap;
	size_t site_base; /* this stream's sites start here */
	VEC(struct site_live) sl;
	double cur, mcur;
	/* Heap events so far (allocations and frees, mappings and RSS
	 * samples aside): temporaries are counted by them. */
	uint64_t ordinal;
	uint64_t n;	  /* events so far */
	uint64_t peak_at; /* the event of the peak, 0 = none yet */
	/* The timeline: every step-th RSS sample, at most 2 * points. */
	VEC(struct heap_timeline_point) tl;
	size_t points, step;
	uint64_t nrss, t0;
};

static struct site_live *site_live(struct replay *r, uint32_t site)
{
	size_t i = site - r->site_base;

	if (i >= r->sl.len) {
		VEC_GROW(&r->sl, i + 1);
		memset(r->sl.v + r->sl.len, 0,
		       (i + 1 - r->sl.len) * sizeof(*r->sl.v));
		r->sl.len = i + 1;
	}
	return &r->sl.v[i];
}

static void site_change(struct replay *r, uint32_t site, double bytes,
			double count, double slack)
{
	struct site_live *sl = site_live(r, site);

	if (sl->last <= r->peak_at) {
		sl->peak_bytes = sl->bytes;
		sl->peak_count = sl->count;
		sl->peak_slack = sl->slack;
	}
	sl->bytes += bytes;
	sl->count += count;
	sl->slack += slack;
	sl->last = r->n;
}

/* Keep every step-th RSS sample; when 2 * points are kept, every other. */
static void timeline_add(struct replay *r, const struct heap_event *e)
{
	struct heap_timeline_point pt;
	size_t i;

	if (!r->nrss++)
		r->t0 = e->time_ns;
	if ((r->nrss - 1) % r->step)
		return;
	pt.t_ms = (double)(e->time_ns - r->t0) / 1e6;
	pt.heap = r->cur;
	pt.rss = e->size;
	VEC_PUSH(&r->tl, pt);
	if (r->tl.len < 2 * r->points)
		return;
	for (i = 0; 2 * i < r->tl.len; i++)
		r->tl.v[i] = r->tl.v[2 * i];
	r->tl.len = i;
	r->step *= 2;
}

static void replay_map(struct replay *r, const struct heap_event *e)
{
	struct block b;

	if (e->alloc) {
		b.ptr = e->ptr;
		b.bytes = (double)e->size;
		live_put(&r->maps, &b);
		r->mcur += (double)e->size;
		r->st->mmap_bytes += (double)e->size;
		r->a->kind_calls[e->kind]++;
	} else if (e->kind == HEAP_KIND_MUNMAP) {
		r->a->kind_calls[e->kind]++;
	}
	if (!e->alloc && live_take(&r->maps, e->ptr, &b)) {
		double gone = MIN(b.bytes, (double)e->size);

		r->mcur -= gone;
		if (b.bytes > gone) {
			b.ptr += e->size;
			b.bytes -= gone;
			live_put(&r->maps, &b);
		}
	}
	r->st->mmap_peak = MAX(r->st->mmap_peak, r->mcur);
}

static void replay_event(struct replay *r, const struct heap_event *e)
{
	struct heap_analysis *a = r->a;
	struct heap_stats *st = r->st;
	struct block b, old;

	r->n++;
	if (e->rss) {
		st->rss_peak = MAX(st->rss_peak, e->size);
		timeline_add(r, e);
		return;
	}
	if (heap_kind_is_map(e->kind)) {
		replay_map(r, e);
		return;
	}
	r->ordinal++;
	if (e->alloc) {
		struct heap_site *site;
		double bytes, count;
		unsigned k = bucket(e->size);

		weigh(r->s, e->size, &bytes, &count);
		b.ptr = e->ptr;
		b.bytes = bytes;
		b.count = count;
		b.ordinal = r->ordinal;
		b.site = site_of(a, &r->sitemap, r->si, e->stack);
		b.slack = e->slack;
		/* An address handed out again was freed, even if the free
		 * went unseen (inside libc): its old block ends here. */
		if (live_take(&r->live, b.ptr, &old)) {
			site_change(r, old.site, -old.bytes, -old.count,
				    -(double)old.slack);
			r->cur -= old.bytes;
		}
		live_put(&r->live, &b);
		site_change(r, b.site, bytes, count, b.slack);
		r->cur += bytes;
		site = &a->sites.v[b.site];
		st->allocations += count;
		st->allocated_bytes += bytes;
		site->calls += count;
		site->bytes += bytes;
		a->hist_count[k] += count;
		a->hist_bytes[k] += bytes;
		a->kind_calls[e->kind] += count;
		if (r->cur > st->peak_bytes) {
			st->peak_bytes = r->cur;
			r->peak_at = r->n;
		}
	} else if (live_take(&r->live, e->ptr, &b)) {
		site_change(r, b.site, -b.bytes, -b.count, -(double)b.slack);
		r->cur -= b.bytes;
		st->frees += b.count;
		if (e->kind == HEAP_KIND_FREE)
			a->kind_calls[HEAP_KIND_FREE] += b.count;
		/*
		 * Temporary, as heaptrack counts them: the free is the next
		 * heap event of the process after the allocation, in any
		 * thread (no allocation nor free in between, a free of an
		 * unknown block included); the window allows that many
		 * other events in between.
		 */
		if (r->ordinal - b.ordinal - 1 <= a->temp_window) {
			st->temporary += b.count;
			a->sites.v[b.site].temporary += b.count;
		}
	} else {
		st->unknown_frees++;
	}
}

/* The end of a stream: its leaks and the sites at its peak. */
static void replay_finish(struct replay *r)
{
	struct heap_analysis *a = r->a;
	struct heap_stats *st = r->st;
	size_t i;

	st->live_bytes = r->cur;
	st->mmap_live = r->mcur;
	/* An exec'd-away image leaves nothing behind, and a process still
	 * running (perfops stopped waiting) has not ended: not leaks. */
	if (r->s->end_reason != HEAP_END_EXEC &&
	    r->s->end_reason != HEAP_END_RUNNING)
		for (i = 0; i < r->live.cap; i++) {
			const struct block *b = &r->live.b[i];

			if (!b->ptr)
				continue;
			a->sites.v[b->site].leaked_bytes += b->bytes;
			a->sites.v[b->site].leaked_blocks += b->count;
		}
	for (i = 0; r->peak_at && i < r->sl.len; i++) {
		struct site_live *sl = &r->sl.v[i];
		struct heap_site *site = &a->sites.v[r->site_base + i];

		if (sl->last <= r->peak_at) {
			sl->peak_bytes = sl->bytes;
			sl->peak_count = sl->count;
			sl->peak_slack = sl->slack;
		}
		site->peak_bytes = sl->peak_bytes;
		site->peak_blocks = sl->peak_count;
		st->peak_blocks += sl->peak_count;
		st->slack_at_peak += sl->peak_slack;
	}
	/* Thinned to at most the points asked for. */
	while (r->tl.len > r->points) {
		for (i = 0; 2 * i < r->tl.len; i++)
			r->tl.v[i] = r->tl.v[2 * i];
		r->tl.len = i;
	}
}

static void replay_release(struct replay *r)
{
	live_clear(&r->live);
	live_clear(&r->maps);
	VEC_RELEASE(&r->sitemap);
	VEC_RELEASE(&r->sl);
	VEC_RELEASE(&r->tl);
}

/*
 * Replay stream si in one pass over its events; its timeline is swapped
 * into a->timeline when its peak is the largest so far.
 */
static int analyze_stream(struct heap_analysis *a, uint32_t si, size_t points)
{
	struct heap_events *it = heap_events_open(a->trace, si);
	struct heap_event e;
	struct replay r;
	int ret;

	memset(&r, 0, sizeof(r));
	r.a = a;
	r.s = a->trace->streams[si];
	r.st = &a->procs[si];
	r.si = si;
	r.site_base = a->sites.len;
	r.points = points;
	r.step = 1;
	while ((ret = heap_events_next(it, &e)) > 0)
		replay_event(&r, &e);
	heap_events_close(it);
	if (ret == 0) {
		replay_finish(&r);
		if (a->peak_stream < 0 ||
		    r.st->peak_bytes > a->procs[a->peak_stream].peak_bytes) {
			struct heap_timeline_point *v = a->timeline.v;

			a->timeline.v = r.tl.v;
			a->timeline.len = r.tl.len;
			a->timeline.alloc = r.tl.alloc;
			r.tl.v = v;
			r.tl.len = r.tl.alloc = 0;
			a->peak_stream = (int)si;
		}
	}
	replay_release(&r);
	return ret;
}

/*
 * A stream of an aggregated profile: what the replay of its events found
 * when it was recorded, taken as analyze_stream() would have left it.
 */
static void agg_stream(struct heap_analysis *a, uint32_t si)
{
	const struct heap_agg *g = a->trace->streams[si]->agg;
	struct heap_stats *st = &a->procs[si];
	size_t i;

	*st = g->stats;
	for (i = 0; i < g->sites.len; i++) {
		struct heap_site site = g->sites.v[i];

		site.stream = si;
		VEC_PUSH(&a->sites, site);
	}
	for (i = 0; g->file_first && i < HEAP_HIST_BUCKETS; i++) {
		a->hist_count[i] += g->hist_count[i];
		a->hist_bytes[i] += g->hist_bytes[i];
	}
	for (i = 0; g->file_first && i < HEAP_KIND_NR; i++)
		a->kind_calls[i] += g->kind_calls[i];
	if (a->peak_stream < 0 ||
	    st->peak_bytes > a->procs[a->peak_stream].peak_bytes) {
		a->timeline.len = 0;
		for (i = 0; i < g->timeline.len; i++)
			VEC_PUSH(&a->timeline, g->timeline.v[i]);
		a->peak_stream = (int)si;
	}
}

/*
 * Temporaries need the events: an aggregated profile counted them with
 * the window it was recorded with, which the analysis then takes.
 */
static int check_window(struct heap_analysis *a,
			const struct heap_analyze_opts *o)
{
	const struct heap_trace *t = a->trace;
	int set = o->temp_window_set;
	size_t i;

	for (i = 0; i < t->nstreams; i++) {
		const struct heap_agg *g = t->streams[i]->agg;

		if (!g)
			continue;
		if (!set) {
			a->temp_window = g->temp_window;
			set = 1;
		} else if (g->temp_window != a->temp_window) {
			return error("'%s' holds temporaries counted with "
				     "--temporary-window %u, not %u: record "
				     "it again with --temporary-window %u, "
				     "or keep its events with --raw FILE",
				     t->files[g->file].name, g->temp_window,
				     a->temp_window, a->temp_window);
		}
	}
	return 0;
}

struct build_check {
	char *path;
	int same;
};

struct build_checks {
	struct build_check *v;
	size_t len, alloc;
};

/*
 * Whether the file at m->path is the build the trace recorded (its GNU
 * build-id); a rebuilt program would name the wrong functions.  Says so
 * once per file.
 */
static int same_build(struct build_checks *seen, const struct heap_map *m)
{
	struct build_check c;
	char id[41];
	size_t i;

	if (!m->build_id[0])
		return 1;
	for (i = 0; i < seen->len; i++)
		if (!strcmp(seen->v[i].path, m->path))
			return seen->v[i].same;
	c.path = xstrdup(m->path);
	c.same = dso_read_build_id(m->path, id) < 0 || !id[0] ||
		 !strcmp(id, m->build_id);
	if (!c.same)
		warning("'%s' changed since the trace was recorded (its "
			"build-id differs): its frames are left unnamed",
			m->path);
	VEC_PUSH(seen, c);
	return c.same;
}

static void symbolize(struct heap_analysis *a, unsigned flags, int no_files)
{
	struct build_checks checked = {NULL, 0, 0};
	const struct heap_trace *t = a->trace;
	struct symbolizer sy;
	struct strbuf sb = STRBUF_INIT;
	VEC(uint32_t) fr = VEC_INIT;
	size_t i, j, k;

	sym_init(&sy, flags);
	for (i = 0; i < t->nstreams; i++) {
		/* Keys past any pid: the process is gone, /proc cannot
		 * help and must not be asked about someone else. */
		int key = 0x40000000 + (int)i;
		struct sym_proc *p = sym_proc(&sy, key);

		p->alive_at_start = 1;
		for (j = 0; j < t->streams[i]->maps.len; j++) {
			const struct heap_map *m = &t->streams[i]->maps.v[j];
			struct stat st;

			/* A trace names files: only regular ones are read
			 * (not a FIFO or a device from a hostile trace), and
			 * only as the build the program ran. */
			if (!no_files && stat(m->path, &st) == 0 &&
			    S_ISREG(st.st_mode) && same_build(&checked, m))
				sym_mmap(&sy, key, m->start, m->len, m->pgoff,
					 m->path);
		}
	}
	for (i = 0; i < a->sites.len; i++) {
		struct heap_site *site = &a->sites.v[i];
		const struct heap_stream *s = t->streams[site->stream];
		int key = 0x40000000 + (int)site->stream;
		size_t n;
		const uint64_t *ips = heap_stream_stack(s, site->stack, &n);

		fr.len = 0;
		for (j = 0; j < n; j++) {
			struct dso_frame df[16];
			struct sym_loc loc;
			uint64_t addr = ips[j] - 1;
			size_t nf = 0;

			if (sym_locate(&sy, key, addr, &loc) == 0)
				nf = sym_frames(&sy, key, &loc, addr, df,
						ARRAY_SIZE(df));
			for (k = 0; k < nf; k++)
				VEC_PUSH(&fr,
					 intern_add(&a->names, df[k].name,
						    strlen(df[k].name), NULL));
			if (nf)
				continue;
			strbuf_reset(&sb);
			if (loc.map && loc.map->path)
				strbuf_addf(&sb, "[%s]",
					    sym_basename(loc.map->path));
			else
				strbuf_addf(&sb, "0x%" PRIx64, addr);
			VEC_PUSH(&fr,
				 intern_add(&a->names, sb.buf, sb.len, NULL));
		}
		if (!n)
			VEC_PUSH(&fr,
				 intern_add(&a->names, "[unknown]", 9, NULL));
		site->depth = fr.len;
		site->frames = xmalloc(st_mult(fr.len, sizeof(uint32_t)) + 1);
		for (j = 0; j < fr.len; j++)
			site->frames[j] = fr.v[fr.len - 1 - j];
	}
	for (i = 0; i < checked.len; i++)
		free(checked.v[i].path);
	VEC_RELEASE(&checked);
	VEC_RELEASE(&fr);
	strbuf_release(&sb);
	sym_release(&sy);
}

/* LeakSanitizer's format: "leak:PATTERN" lines, '#' comments; a site is
 * suppressed when a frame's name contains PATTERN. */
static int suppress(struct heap_analysis *a, const char *path)
{
	struct strbuf text = STRBUF_INIT;
	char *line, *next;
	size_t i, j, lineno = 0;

	if (strbuf_read_file(&text, path) < 0)
		return -1;
	for (line = text.buf; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		while (isspace((unsigned char)*line))
			line++;
		if (!*line || *line == '#')
			continue;
		if (strncmp(line, "leak:", 5) || !line[5]) {
			error("%s:%zu: expected 'leak:PATTERN'", path, lineno);
			strbuf_release(&text);
			return -1;
		}
		line += 5;
		line[strcspn(line, "\r")] = '\0';
		for (i = 0; i < a->sites.len; i++)
			for (j = 0; j < a->sites.v[i].depth; j++)
				if (strstr(intern_str(&a->names,
						      a->sites.v[i].frames[j]),
					   line))
					a->sites.v[i].suppressed = 1;
	}
	strbuf_release(&text);
	return 0;
}

int heap_analyze(struct heap_analysis *a, const struct heap_trace *t,
		 const struct heap_analyze_opts *o)
{
	int peak_stream;
	size_t i;

	memset(a, 0, sizeof(*a));
	intern_init(&a->names);
	a->trace = t;
	a->temp_window = o->temp_window;
	a->peak_stream = -1;
	a->procs = xcalloc(t->nstreams + 1, sizeof(*a->procs));
	if (check_window(a, o) < 0)
		return -1;
	for (i = 0; i < t->nstreams; i++) {
		if (t->streams[i]->mode == HEAP_MODE_SAMPLE)
			a->sampled = 1;
		if (t->streams[i]->agg)
			agg_stream(a, (uint32_t)i);
		else if (analyze_stream(a, (uint32_t)i,
					o->timeline_points ? o->timeline_points
							   : 100) < 0)
			return -1;
	}
	peak_stream = a->peak_stream;
	a->peak_stream = -1;
	symbolize(a, o->sym_flags, o->no_files);
	if (o->suppressions && suppress(a, o->suppressions) < 0)
		return -1;
	for (i = 0; i < a->sites.len; i++) {
		const struct heap_site *site = &a->sites.v[i];
		struct heap_stats *st = &a->procs[site->stream];

		if (site->suppressed) {
			st->suppressed_bytes += site->leaked_bytes;
			st->suppressed_blocks += site->leaked_blocks;
		} else {
			st->leaked_bytes += site->leaked_bytes;
			st->leaked_blocks += site->leaked_blocks;
		}
	}
	for (i = 0; i < t->nstreams; i++) {
		const struct heap_stats *st = &a->procs[i];
		struct heap_stats *tot = &a->total;

		tot->allocations += st->allocations;
		tot->frees += st->frees;
		tot->allocated_bytes += st->allocated_bytes;
		tot->leaked_bytes += st->leaked_bytes;
		tot->leaked_blocks += st->leaked_blocks;
		tot->suppressed_bytes += st->suppressed_bytes;
		tot->suppressed_blocks += st->suppressed_blocks;
		tot->temporary += st->temporary;
		tot->live_bytes += st->live_bytes;
		tot->mmap_bytes += st->mmap_bytes;
		tot->mmap_live += st->mmap_live;
		tot->unknown_frees += st->unknown_frees;
		tot->mmap_peak = MAX(tot->mmap_peak, st->mmap_peak);
		tot->rss_peak = MAX(tot->rss_peak, st->rss_peak);
		if (a->peak_stream < 0 || st->peak_bytes > tot->peak_bytes) {
			tot->peak_bytes = st->peak_bytes;
			tot->peak_blocks = st->peak_blocks;
			tot->slack_at_peak = st->slack_at_peak;
			a->peak_stream = (int)i;
		}
	}
	/* The timeline kept is the one of that stream. */
	if (a->peak_stream != peak_stream)
		a->timeline.len = 0;
	return 0;
}

void heap_analysis_release(struct heap_analysis *a)
{
	size_t i;

	for (i = 0; i < a->sites.len; i++)
		free(a->sites.v[i].frames);
	VEC_RELEASE(&a->sites);
	VEC_RELEASE(&a->timeline);
	intern_release(&a->names);
	free(a->procs);
	memset(a, 0, sizeof(*a));
}
