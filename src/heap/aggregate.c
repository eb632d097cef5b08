#include "core/compat.h"
#include "heap/aggregate.h"
#include <zlib.h>
#include <zstd.h>
#include "core/atomic.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "profile/pb.h"

static void put_u(struct strbuf *sb, uint64_t v)
{
	pb_add_varint(sb, v);
}

static void put_s(struct strbuf *sb, int64_t v)
{
	pb_add_varint(sb, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static void put_d(struct strbuf *sb, double d)
{
	unsigned char b[8];
	uint64_t u;
	int i;

	memcpy(&u, &d, sizeof(u));
	for (i = 0; i < 8; i++)
		b[i] = (unsigned char)(u >> (8 * i));
	strbuf_add(sb, b, 8);
}

static void put_str(struct strbuf *sb, const char *s)
{
	size_t n = strlen(s);

	put_u(sb, n);
	strbuf_add(sb, s, n);
}

static void put_le(unsigned char *p, uint64_t v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

/* The stats a replay finds; leaks and suppressions come from the sites. */
static void put_stats(struct strbuf *sb, const struct heap_stats *st)
{
	put_d(sb, st->allocations);
	put_d(sb, st->frees);
	put_d(sb, st->allocated_bytes);
	put_d(sb, st->peak_bytes);
	put_d(sb, st->peak_blocks);
	put_d(sb, st->temporary);
	put_d(sb, st->live_bytes);
	put_d(sb, st->slack_at_peak);
	put_d(sb, st->mmap_bytes);
	put_d(sb, st->mmap_peak);
	put_d(sb, st->mmap_live);
	put_u(sb, st->unknown_frees);
	put_u(sb, st->rss_peak);
}

static void put_stream(struct strbuf *sb, const struct heap_analysis *a,
		       size_t si)
{
	const struct heap_stream *s = a->trace->streams[si];
	size_t i, j, nsites = 0;

	put_u(sb, (uint32_t)s->pid);
	put_s(sb, s->ppid);
	put_u(sb, s->id);
	put_str(sb, s->exe);
	put_u(sb, (unsigned)s->mode);
	put_u(sb, s->interval);
	put_u(sb, (unsigned)s->end_reason);
	put_s(sb, s->end_status);
	put_u(sb, s->end_seq);
	put_stats(sb, &a->procs[si]);
	put_u(sb, s->maps.len);
	for (i = 0; i < s->maps.len; i++) {
		const struct heap_map *m = &s->maps.v[i];

		put_u(sb, m->start);
		put_u(sb, m->len);
		put_u(sb, m->pgoff);
		put_str(sb, m->path);
		put_str(sb, m->build_id);
	}
	for (i = 0; i < a->sites.len; i++)
		nsites += a->sites.v[i].stream == si;
	put_u(sb, nsites);
	for (i = 0; i < a->sites.len; i++) {
		const struct heap_site *site = &a->sites.v[i];
		const uint64_t *ips;
		uint64_t prev = 0;
		size_t n;

		if (site->stream != si)
			continue;
		put_d(sb, site->calls);
		put_d(sb, site->bytes);
		put_d(sb, site->temporary);
		put_d(sb, site->leaked_bytes);
		put_d(sb, site->leaked_blocks);
		put_d(sb, site->peak_bytes);
		put_d(sb, site->peak_blocks);
		ips = heap_stream_stack(s, site->stack, &n);
		put_u(sb, n);
		for (j = 0; j < n; j++) {
			put_s(sb, (int64_t)(ips[j] - prev));
			prev = ips[j];
		}
	}
}

int heap_agg_write(const struct heap_analysis *a, const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	struct atomic_file af;
	size_t i;
	unsigned char *z = NULL;
	size_t raw, zlen;
	int ret = -1;

	put_u(&sb, a->temp_window);
	put_u(&sb, HEAP_HIST_BUCKETS);
	for (i = 0; i < HEAP_HIST_BUCKETS; i++) {
		put_d(&sb, a->hist_count[i]);
		put_d(&sb, a->hist_bytes[i]);
	}
	put_u(&sb, HEAP_KIND_NR);
	for (i = 0; i < HEAP_KIND_NR; i++)
		put_d(&sb, a->kind_calls[i]);
	put_s(&sb, a->timeline.len ? a->peak_stream : -1);
	put_u(&sb, a->timeline.len);
	for (i = 0; i < a->timeline.len; i++) {
		put_d(&sb, a->timeline.v[i].t_ms);
		put_d(&sb, a->timeline.v[i].heap);
		put_u(&sb, a->timeline.v[i].rss);
	}
	put_u(&sb, a->trace->nstreams);
	for (i = 0; i < a->trace->nstreams; i++)
		put_stream(&sb, a, i);
	/* Stacks share their roots, counters are small: zstd halves it. */
	raw = sb.len;
	z = xmalloc(HEAP_AGG_HDR + ZSTD_compressBound(raw));
	zlen = ZSTD_compress(z + HEAP_AGG_HDR, ZSTD_compressBound(raw), sb.buf,
			     raw, 3);
	if (ZSTD_isError(zlen)) {
		error("cannot compress the heap profile: %s",
		      ZSTD_getErrorName(zlen));
		goto out;
	}
	memcpy(z, HEAP_AGG_MAGIC, 4);
	put_le(z + 4, HEAP_AGG_VERSION, 4);
	put_le(z + 8, zlen, 8);
	put_le(z + 16, raw, 8);
	put_le(z + 24, crc32(0, z + HEAP_AGG_HDR, (uInt)zlen), 4);
	put_le(z + 28, HEAP_AGG_TEMP_EVENTS, 4);
	if (atomic_open(&af, path) < 0)
		goto out;
	if (fwrite(z, 1, HEAP_AGG_HDR + zlen, af.fp) != HEAP_AGG_HDR + zlen) {
		error_errno("cannot write '%s'", path);
		atomic_abort(&af);
		goto out;
	}
	ret = atomic_commit(&af);
out:
	free(z);
	strbuf_release(&sb);
	return ret;
}

/* A body being read; the first error sticks and stops the reading. */
struct in {
	struct pb_reader r;
	const unsigned char *body;
	int bad;
};

static uint64_t get_u(struct in *in)
{
	uint64_t v = 0;

	if (!in->bad && pb_read_varint(&in->r, &v) < 0)
		in->bad = 1;
	return in->bad ? 0 : v;
}

static int64_t get_s(struct in *in)
{
	uint64_t u = get_u(in);

	return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

static double get_d(struct in *in)
{
	uint64_t u;
	double d;

	if (in->bad || in->r.end - in->r.p < 8) {
		in->bad = 1;
		return 0;
	}
	u = get_le(in->r.p, 8);
	in->r.p += 8;
	memcpy(&d, &u, sizeof(d));
	return d;
}

static char *get_str(struct in *in)
{
	uint64_t n = get_u(in);
	char *s;

	if (in->bad || n > (uint64_t)(in->r.end - in->r.p)) {
		in->bad = 1;
		return xstrdup("");
	}
	s = xstrndup((const char *)in->r.p, (size_t)n);
	in->r.p += n;
	return s;
}

/* A count of items of at least min bytes each that the body can hold. */
static uint64_t get_count(struct in *in, size_t min)
{
	uint64_t n = get_u(in);

	if (n > (uint64_t)(in->r.end - in->r.p) / min)
		in->bad = 1;
	return in->bad ? 0 : n;
}

static void get_stats(struct in *in, struct heap_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->allocations = get_d(in);
	st->frees = get_d(in);
	st->allocated_bytes = get_d(in);
	st->peak_bytes = get_d(in);
	st->peak_blocks = get_d(in);
	st->temporary = get_d(in);
	st->live_bytes = get_d(in);
	st->slack_at_peak = get_d(in);
	st->mmap_bytes = get_d(in);
	st->mmap_peak = get_d(in);
	st->mmap_live = get_d(in);
	st->unknown_frees = get_u(in);
	st->rss_peak = get_u(in);
}

static void get_site(struct in *in, struct heap_stream *s, struct heap_agg *g)
{
	struct heap_site site;
	uint64_t n, j, prev = 0;

	memset(&site, 0, sizeof(site));
	site.calls = get_d(in);
	site.bytes = get_d(in);
	site.temporary = get_d(in);
	site.leaked_bytes = get_d(in);
	site.leaked_blocks = get_d(in);
	site.peak_bytes = get_d(in);
	site.peak_blocks = get_d(in);
	n = get_u(in);
	if (n > HEAP_MAX_DEPTH)
		in->bad = 1;
	if (in->bad)
		return;
	/* Stack ids of the stream are its sites' numbers, from 1. */
	site.stack = (uint32_t)g->sites.len + 1;
	VEC_PUSH(&s->stack_off, (uint32_t)s->frames.len);
	VEC_PUSH(&s->stack_n, (uint16_t)n);
	for (j = 0; j < n && !in->bad; j++) {
		prev += (uint64_t)get_s(in);
		VEC_PUSH(&s->frames, prev);
	}
	VEC_PUSH(&g->sites, site);
}

static struct heap_stream *get_stream(struct in *in, struct heap_trace *t)
{
	struct heap_stream *s = xcalloc(1, sizeof(*s));
	struct heap_agg *g = xcalloc(1, sizeof(*g));
	uint64_t n, i;

	s->agg = g;
	ALLOC_GROW(t->streams, t->nstreams + 1, t->streams_alloc);
	t->streams[t->nstreams++] = s;
	g->file = (uint32_t)(t->nfiles - 1);
	s->pid = (int)get_u(in);
	s->ppid = (int)get_s(in);
	s->id = get_u(in);
	s->exe = get_str(in);
	s->mode = (int)get_u(in);
	s->interval = get_u(in);
	s->end_reason = (int)get_u(in);
	s->end_status = get_s(in);
	s->end_seq = get_u(in);
	if (s->mode == HEAP_MODE_SAMPLE && !s->interval)
		in->bad = 1;
	get_stats(in, &g->stats);
	n = get_count(in, 5);
	for (i = 0; i < n && !in->bad; i++) {
		struct heap_map m;

		m.start = get_u(in);
		m.len = get_u(in);
		m.pgoff = get_u(in);
		m.path = get_str(in);
		m.build_id = get_str(in);
		VEC_PUSH(&s->maps, m);
	}
	/* Id 0: no stack. */
	VEC_PUSH(&s->stack_off, 0);
	VEC_PUSH(&s->stack_n, 0);
	n = get_count(in, 57);
	for (i = 0; i < n && !in->bad; i++)
		get_site(in, s, g);
	return s;
}

int heap_agg_is(const unsigned char *data, size_t len)
{
	return len >= 4 && !memcmp(data, HEAP_AGG_MAGIC, 4);
}

int heap_agg_parse(struct heap_trace *t, const unsigned char *data, size_t len)
{
	const char *name = t->files[t->nfiles - 1].name;
	struct in in;
	struct heap_agg *first;
	unsigned char *buf;
	uint64_t body, raw, n, i, k;
	size_t got;
	unsigned window;
	int64_t peak;
	size_t base = t->nstreams;

	if (len < HEAP_AGG_HDR)
		return error("%s: truncated heap profile (%zu bytes, less than "
			     "its header): record it again",
			     name, len);
	/* The last 4 bytes of the header are flags. */
	if (get_le(data + 4, 4) != HEAP_AGG_VERSION ||
	    (get_le(data + 28, 4) & ~(uint64_t)HEAP_AGG_FLAGS_KNOWN))
		return error("%s: heap profile of version %u, which this "
			     "perfops does not read (use the perfops that "
			     "wrote it)",
			     name, (unsigned)get_le(data + 4, 4));
	if (!(get_le(data + 28, 4) & HEAP_AGG_TEMP_EVENTS))
		warning("%s: recorded by an older perfops, whose temporaries "
			"allowed frees in between (heaptrack's do not): "
			"record it again to compare them",
			name);
	body = get_le(data + 8, 8);
	if (body != len - HEAP_AGG_HDR)
		return error("%s: truncated heap profile (%zu bytes of %" PRIu64
			     "): record it again",
			     name, len, body + HEAP_AGG_HDR);
	raw = get_le(data + 16, 8);
	if (crc32(0, data + HEAP_AGG_HDR, (uInt)body) != get_le(data + 24, 4) ||
	    raw > (1ull << 32))
		return error("%s: damaged heap profile (its checksum does not "
			     "match): record it again",
			     name);
	buf = xmalloc(raw + 1);
	got = ZSTD_decompress(buf, raw, data + HEAP_AGG_HDR, body);
	if (ZSTD_isError(got) || got != raw) {
		free(buf);
		return error("%s: damaged heap profile (it does not "
			     "decompress): record it again",
			     name);
	}
	memset(&in, 0, sizeof(in));
	pb_reader_init(&in.r, buf, raw);
	in.body = buf;
	window = (unsigned)get_u(&in);
	first = xcalloc(1, sizeof(*first));
	if (get_u(&in) != HEAP_HIST_BUCKETS)
		in.bad = 1;
	for (i = 0; i < HEAP_HIST_BUCKETS; i++) {
		first->hist_count[i] = get_d(&in);
		first->hist_bytes[i] = get_d(&in);
	}
	if (get_u(&in) != HEAP_KIND_NR)
		in.bad = 1;
	for (i = 0; i < HEAP_KIND_NR; i++)
		first->kind_calls[i] = get_d(&in);
	peak = get_s(&in);
	n = get_count(&in, 17);
	for (i = 0; i < n && !in.bad; i++) {
		struct heap_timeline_point pt;

		pt.t_ms = get_d(&in);
		pt.heap = get_d(&in);
		pt.rss = get_u(&in);
		VEC_PUSH(&first->timeline, pt);
	}
	n = get_count(&in, 20);
	if (!n || peak < -1 || peak >= (int64_t)n)
		in.bad = 1;
	for (i = 0; i < n && !in.bad; i++)
		get_stream(&in, t);
	if (in.bad || in.r.p != in.r.end) {
		heap_agg_free(first);
		free(buf);
		return error("%s: malformed heap profile at byte %zu of its "
			     "records: record it again",
			     name, (size_t)(in.r.p - in.body));
	}
	free(buf);
	/* The file's tables go with its first stream, the timeline with
	 * its peak's. */
	for (k = base; k < t->nstreams; k++)
		t->streams[k]->agg->temp_window = window;
	{
		struct heap_agg *g = t->streams[base]->agg;

		g->file_first = 1;
		memcpy(g->hist_count, first->hist_count, sizeof(g->hist_count));
		memcpy(g->hist_bytes, first->hist_bytes, sizeof(g->hist_bytes));
		memcpy(g->kind_calls, first->kind_calls, sizeof(g->kind_calls));
	}
	if (peak >= 0) {
		struct heap_agg *g = t->streams[base + (size_t)peak]->agg;

		g->timeline.v = first->timeline.v;
		g->timeline.len = first->timeline.len;
		g->timeline.alloc = first->timeline.alloc;
		memset(&first->timeline, 0, sizeof(first->timeline));
	}
	heap_agg_free(first);
	return 0;
}

void heap_agg_free(struct heap_agg *g)
{
	if (!g)
		return;
	VEC_RELEASE(&g->sites);
	VEC_RELEASE(&g->timeline);
	free(g);
}
