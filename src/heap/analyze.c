#include "core/compat.h"
#include "heap/analyze.h"
#include <math.h>
#include "core/error.h"
#include "core/strbuf.h"
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
	uint64_t ordinal; /* allocations in the process when it was made */
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
 * Replay the events of one stream.  With stop_at (an event index) the
 * replay stops right after that event and leaves the live set in *l: the
 * blocks live at the peak.  Otherwise it fills the stream's statistics and
 * the sites' counts, and returns the index of the peak.
 */
static size_t replay(struct heap_analysis *a, uint32_t si, struct live *l,
		     struct live *maps, size_t stop_at, struct sitemap *sitemap)
{
	const struct heap_stream *s = a->trace->streams[si];
	struct heap_stats *st = &a->procs[si];
	double cur = 0, mcur = 0;
	uint64_t ordinal = 0;
	size_t i, peak_at = SIZE_MAX, r = 0;
	int stats = stop_at == SIZE_MAX;

	for (i = 0; i < s->events.len; i++) {
		const struct heap_event *e = &s->events.v[i];
		struct block b;

		if (stats)
			for (; r < s->rss.len && s->rss.v[r].seq <= e->seq; r++)
				st->rss_peak =
				    MAX(st->rss_peak, s->rss.v[r].rss);
		if (heap_kind_is_map(e->kind)) {
			if (e->alloc) {
				b.ptr = e->ptr;
				b.bytes = (double)e->size;
				live_put(maps, &b);
				mcur += (double)e->size;
				if (stats) {
					st->mmap_bytes += (double)e->size;
					a->kind_calls[e->kind]++;
				}
			} else if (stats && e->kind == HEAP_KIND_MUNMAP) {
				a->kind_calls[e->kind]++;
			}
			if (!e->alloc && live_take(maps, e->ptr, &b)) {
				double gone = MIN(b.bytes, (double)e->size);

				mcur -= gone;
				if (b.bytes > gone) {
					b.ptr += e->size;
					b.bytes -= gone;
					live_put(maps, &b);
				}
			}
			if (stats)
				st->mmap_peak = MAX(st->mmap_peak, mcur);
			continue;
		}
		if (e->alloc) {
			double bytes, count;

			weigh(s, e->size, &bytes, &count);
			b.ptr = e->ptr;
			b.bytes = bytes;
			b.count = count;
			b.ordinal = ++ordinal;
			b.site = site_of(a, sitemap, si, e->stack);
			b.slack = e->slack;
			live_put(l, &b);
			cur += bytes;
			if (stats) {
				struct heap_site *site = &a->sites.v[b.site];
				unsigned k = bucket(e->size);

				st->allocations += count;
				st->allocated_bytes += bytes;
				site->calls += count;
				site->bytes += bytes;
				a->hist_count[k] += count;
				a->hist_bytes[k] += bytes;
				a->kind_calls[e->kind] += count;
				if (cur > st->peak_bytes) {
					st->peak_bytes = cur;
					peak_at = i;
				}
			}
		} else if (live_take(l, e->ptr, &b)) {
			cur -= b.bytes;
			if (stats) {
				st->frees += b.count;
				if (e->kind == HEAP_KIND_FREE)
					a->kind_calls[HEAP_KIND_FREE] +=
					    b.count;
				if (ordinal - b.ordinal <= a->temp_window) {
					st->temporary += b.count;
					a->sites.v[b.site].temporary += b.count;
				}
			}
		} else if (stats) {
			st->unknown_frees++;
		}
		if (i == stop_at)
			break;
	}
	if (stats) {
		st->live_bytes = cur;
		st->mmap_live = mcur;
		for (; r < s->rss.len; r++)
			st->rss_peak = MAX(st->rss_peak, s->rss.v[r].rss);
	}
	return peak_at;
}

static void stream_leaks(struct heap_analysis *a, uint32_t si,
			 const struct live *l)
{
	const struct heap_stream *s = a->trace->streams[si];
	size_t i;

	/* An exec'd-away image leaves nothing behind: not leaks. */
	if (s->end_reason == HEAP_END_EXEC)
		return;
	for (i = 0; i < l->cap; i++) {
		const struct block *b = &l->b[i];

		if (!b->ptr)
			continue;
		a->sites.v[b->site].leaked_bytes += b->bytes;
		a->sites.v[b->site].leaked_blocks += b->count;
	}
}

static void stream_peak(struct heap_analysis *a, uint32_t si,
			const struct live *l)
{
	struct heap_stats *st = &a->procs[si];
	size_t i;

	for (i = 0; i < l->cap; i++) {
		const struct block *b = &l->b[i];

		if (!b->ptr)
			continue;
		a->sites.v[b->site].peak_bytes += b->bytes;
		a->sites.v[b->site].peak_blocks += b->count;
		st->peak_blocks += b->count;
		st->slack_at_peak += b->slack;
	}
}

/* Heap bytes at each RSS sample of the stream, downsampled to n points. */
static void stream_timeline(struct heap_analysis *a, uint32_t si, size_t n)
{
	const struct heap_stream *s = a->trace->streams[si];
	struct live l = {NULL, 0, 0};
	double cur = 0;
	size_t i = 0, r, step;

	if (!s->rss.len || !n)
		return;
	step = (s->rss.len + n - 1) / n;
	for (r = 0; r < s->rss.len; r++) {
		struct heap_timeline_point pt;

		for (;
		     i < s->events.len && s->events.v[i].seq <= s->rss.v[r].seq;
		     i++) {
			const struct heap_event *e = &s->events.v[i];
			struct block b;
			double count;

			if (heap_kind_is_map(e->kind))
				continue;
			if (e->alloc) {
				b.ptr = e->ptr;
				weigh(s, e->size, &b.bytes, &count);
				live_put(&l, &b);
				cur += b.bytes;
			} else if (live_take(&l, e->ptr, &b)) {
				cur -= b.bytes;
			}
		}
		if (r % step)
			continue;
		pt.t_ms =
		    (double)(s->rss.v[r].time_ns - s->rss.v[0].time_ns) / 1e6;
		pt.heap = cur;
		pt.rss = s->rss.v[r].rss;
		VEC_PUSH(&a->timeline, pt);
	}
	live_clear(&l);
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
	size_t i;

	memset(a, 0, sizeof(*a));
	intern_init(&a->names);
	a->trace = t;
	a->temp_window = o->temp_window;
	a->peak_stream = -1;
	a->procs = xcalloc(t->nstreams + 1, sizeof(*a->procs));
	for (i = 0; i < t->nstreams; i++) {
		struct live l = {NULL, 0, 0}, maps = {NULL, 0, 0};
		struct sitemap sitemap = {NULL, 0, 0};
		size_t peak_at;

		if (t->streams[i]->mode == HEAP_MODE_SAMPLE)
			a->sampled = 1;
		peak_at = replay(a, (uint32_t)i, &l, &maps, SIZE_MAX, &sitemap);
		stream_leaks(a, (uint32_t)i, &l);
		live_clear(&l);
		live_clear(&maps);
		if (peak_at != SIZE_MAX) {
			replay(a, (uint32_t)i, &l, &maps, peak_at, &sitemap);
			stream_peak(a, (uint32_t)i, &l);
			live_clear(&l);
			live_clear(&maps);
		}
		VEC_RELEASE(&sitemap);
	}
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
	if (a->peak_stream >= 0)
		stream_timeline(a, (uint32_t)a->peak_stream,
				o->timeline_points ? o->timeline_points : 100);
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
