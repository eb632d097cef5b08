#include "core/compat.h"
#include "core/strbuf.h"
#include "heap/aggregate.h"
#include "heap/analyze.h"
#include "heap/gate.h"
#include "heap/report.h"
#include "heap/trace.h"
#include "profile/profile.h"
#include <criterion/criterion.h>
#include <math.h>
#include <zstd.h>

/* A trace written by hand, as the library writes it. */
struct tb {
	struct strbuf sb;
	size_t chunk;	   /* offset of the open chunk's header */
	uint64_t seq, ptr; /* delta bases: they restart at every chunk */
};

static void put(struct tb *b, uint64_t v)
{
	while (v >= 0x80) {
		strbuf_addch(&b->sb, (int)(v | 0x80) & 0xff);
		v >>= 7;
	}
	strbuf_addch(&b->sb, (int)v);
}

static void put_s(struct tb *b, int64_t v)
{
	put(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static void chunk_begin(struct tb *b, uint32_t pid, uint64_t stream)
{
	struct heap_chunk_hdr h = {HEAP_CHUNK_MAGIC, 0, pid, pid, stream};

	b->chunk = b->sb.len;
	b->seq = b->ptr = 0;
	strbuf_add(&b->sb, &h, sizeof(h));
}

static void chunk_end(struct tb *b)
{
	uint32_t len =
	    (uint32_t)(b->sb.len - b->chunk - sizeof(struct heap_chunk_hdr));

	memcpy(b->sb.buf + b->chunk + 4, &len, 4);
}

static void process(struct tb *b, int mode, uint64_t interval)
{
	strbuf_addch(&b->sb, HEAP_REC_PROCESS);
	put(b, 1);
	put(b, (uint64_t)mode);
	put(b, interval);
	put(b, 64);
	put(b, 4);
	strbuf_add(&b->sb, "/app", 4);
}

/* Events with absolute seq and ptr. */
static void ev_slack(struct tb *b, int alloc, uint64_t seq, uint64_t ptr,
		     uint64_t size, uint32_t stack, uint32_t slack)
{
	strbuf_addch(&b->sb, alloc ? HEAP_REC_ALLOC : HEAP_REC_FREE);
	strbuf_addch(&b->sb, alloc ? HEAP_KIND_MALLOC : HEAP_KIND_FREE);
	put_s(b, (int64_t)(seq - b->seq));
	put_s(b, (int64_t)(ptr - b->ptr));
	b->seq = seq;
	b->ptr = ptr;
	put(b, alloc ? size : 0);
	if (alloc) {
		put(b, slack);
		put(b, stack);
	}
}

static void ev(struct tb *b, int alloc, uint64_t seq, uint64_t ptr,
	       uint64_t size, uint32_t stack)
{
	ev_slack(b, alloc, seq, ptr, size, stack, 0);
}

static void stack(struct tb *b, uint32_t id, uint64_t addr)
{
	strbuf_addch(&b->sb, HEAP_REC_STACK);
	put(b, id);
	put(b, 1);
	put_s(b, (int64_t)addr);
}

/*
 * Two threads' chunks out of seq order: A1 100 (seq 1), A2 50 (seq 2),
 * free A1 (seq 3), A3 30 (seq 4), free A3 (seq 5), A4 10 (seq 6).
 * Peak 150 at seq 2; leaked A2 + A4 = 60 in 2 blocks; temporaries: A3.
 */
static void build(struct tb *b)
{
	strbuf_init(&b->sb, 0);
	chunk_begin(b, 7, 99);
	process(b, HEAP_MODE_EXACT, 0);
	stack(b, 1, 0x1000);
	ev(b, 1, 2, 0x2000, 50, 1);
	ev(b, 1, 4, 0x3000, 30, 1);
	ev(b, 0, 5, 0x3000, 0, 0);
	chunk_end(b);
	chunk_begin(b, 7, 99);
	stack(b, 2, 0x1100);
	ev(b, 1, 1, 0x1000, 100, 2);
	ev(b, 0, 3, 0x1000, 0, 0);
	ev(b, 1, 6, 0x4000, 10, 2);
	chunk_end(b);
}

static const struct heap_analyze_opts opts = {0, NULL, 10, 0};

/* The seqs of stream si in the order the reader hands them out. */
static size_t seqs(const struct heap_trace *t, size_t si, uint64_t *out,
		   size_t max)
{
	struct heap_events *it = heap_events_open(t, si);
	struct heap_event e;
	size_t n = 0;

	for (; heap_events_next(it, &e) > 0; n++)
		if (n < max)
			out[n] = e.seq;
	heap_events_close(it);
	return n;
}

Test(heap, trace_chunks_merge_in_seq_order)
{
	struct tb b;
	struct heap_trace t;
	uint64_t seq[8];
	size_t i, n;

	build(&b);
	heap_trace_init(&t);
	cr_assert_eq(
	    heap_trace_parse(&t, "t", (unsigned char *)b.sb.buf, b.sb.len), 0);
	cr_assert_eq(t.nstreams, 1);
	cr_assert_eq(t.streams[0]->pid, 7);
	cr_assert_str_eq(t.streams[0]->exe, "/app");
	cr_assert_eq(seqs(&t, 0, seq, 8), 6);
	for (i = 0; i < 6; i++)
		cr_assert_eq(seq[i], i + 1);
	cr_assert_eq(heap_stream_stack(t.streams[0], 2, &n)[0], 0x1100);
	cr_assert_eq(n, 1);
	heap_trace_release(&t);
	strbuf_release(&b.sb);
}

Test(heap, analysis_peak_leaks_temporaries)
{
	struct tb b;
	struct heap_trace t;
	struct heap_analysis a;

	build(&b);
	heap_trace_init(&t);
	cr_assert_eq(
	    heap_trace_parse(&t, "t", (unsigned char *)b.sb.buf, b.sb.len), 0);
	cr_assert_eq(heap_analyze(&a, &t, &opts), 0);
	cr_assert_eq(a.total.allocations, 4);
	cr_assert_eq(a.total.frees, 2);
	cr_assert_eq(a.total.allocated_bytes, 190);
	cr_assert_eq(a.total.peak_bytes, 150);
	cr_assert_eq(a.total.peak_blocks, 2);
	cr_assert_eq(a.total.leaked_bytes, 60);
	cr_assert_eq(a.total.leaked_blocks, 2);
	cr_assert_eq(a.total.temporary, 1);
	/* Sizes 10, 30, 50, 100: buckets 8..15, 16..31, 32..63 (2), 64.. */
	cr_assert_eq(a.hist_count[3], 1);
	cr_assert_eq(a.hist_count[4], 1);
	cr_assert_eq(a.hist_count[5], 1);
	cr_assert_eq(a.hist_count[6], 1);
	heap_analysis_release(&a);
	heap_trace_release(&t);
	strbuf_release(&b.sb);
}

Test(heap, torn_last_chunk_is_skipped)
{
	struct tb b;
	struct heap_trace t;
	uint64_t seq[8];

	build(&b);
	heap_trace_init(&t);
	/* Cut inside the second chunk: the first one stays. */
	cr_assert_eq(
	    heap_trace_parse(&t, "t", (unsigned char *)b.sb.buf, b.sb.len - 3),
	    0);
	cr_assert_eq(seqs(&t, 0, seq, 8), 3);
	cr_assert_eq(seq[0], 2);
	cr_assert_eq(seq[2], 5);
	cr_assert_gt(t.torn, 0);
	heap_trace_release(&t);
	strbuf_release(&b.sb);
}

Test(heap, malformed_is_an_error)
{
	struct tb b;
	struct heap_trace t;

	build(&b);
	/* An unknown record tag inside a whole chunk. */
	b.sb.buf[sizeof(struct heap_chunk_hdr)] = 'Z';
	heap_trace_init(&t);
	cr_assert_eq(
	    heap_trace_parse(&t, "t", (unsigned char *)b.sb.buf, b.sb.len), -1);
	heap_trace_release(&t);
	heap_trace_init(&t);
	cr_assert_eq(
	    heap_trace_parse(&t, "t", (const unsigned char *)"hello", 5), -1);
	heap_trace_release(&t);
	strbuf_release(&b.sb);
}

Test(heap, sampled_weights_are_unbiased)
{
	struct tb b;
	struct heap_trace t;
	struct heap_analysis a;
	double p = 1 - exp(-1000.0 / 4096.0);

	strbuf_init(&b.sb, 0);
	chunk_begin(&b, 3, 1);
	process(&b, HEAP_MODE_SAMPLE, 4096);
	ev(&b, 1, 1, 0x1000, 1000, 0);
	chunk_end(&b);
	heap_trace_init(&t);
	cr_assert_eq(
	    heap_trace_parse(&t, "t", (unsigned char *)b.sb.buf, b.sb.len), 0);
	cr_assert_eq(heap_analyze(&a, &t, &opts), 0);
	cr_assert_float_eq(a.total.allocated_bytes, 1000 / p, 1e-6);
	cr_assert_float_eq(a.total.allocations, 1 / p, 1e-9);
	heap_analysis_release(&a);
	heap_trace_release(&t);
	strbuf_release(&b.sb);
}

Test(heap, gates_and_sizes)
{
	struct heap_gate g;
	double v;

	cr_assert_eq(heap_parse_size("512K", &v), 0);
	cr_assert_eq(v, 524288);
	cr_assert_eq(heap_parse_size("1.5MB", &v), 0);
	cr_assert_eq(v, 1572864);
	cr_assert_eq(heap_parse_size("12x", &v), -1);
	cr_assert_eq(heap_parse_size("-1", &v), -1);
	cr_assert_eq(heap_gate_parse("peak>200MB", &g), 0);
	cr_assert_eq(g.value, 200.0 * 1048576);
	cr_assert_eq(heap_gate_parse(" leaked >= 0 ", &g), 0);
	cr_assert_eq(heap_gate_parse("peak=>1", &g), -1);
	cr_assert_eq(heap_gate_parse("speed>1", &g), -1);
}

Test(heap, pprof_profile_has_four_values)
{
	struct tb b;
	struct heap_trace t;
	struct heap_analysis a;
	struct profile p;

	build(&b);
	heap_trace_init(&t);
	cr_assert_eq(
	    heap_trace_parse(&t, "t", (unsigned char *)b.sb.buf, b.sb.len), 0);
	cr_assert_eq(heap_analyze(&a, &t, &opts), 0);
	heap_profile(&a, HEAP_WEIGHT_PPROF, &p);
	cr_assert_eq(p.nvalues, 4);
	cr_assert_str_eq(p.type[2], "inuse_space");
	cr_assert_eq(profile_total(&p, 0), 190);
	cr_assert_eq(profile_total(&p, 1), 4);
	cr_assert_eq(profile_total(&p, 2), 60);
	cr_assert_eq(profile_total(&p, 3), 2);
	profile_release(&p);
	heap_profile(&a, HEAP_WEIGHT_PEAK, &p);
	cr_assert_eq(profile_total(&p, 0), 150);
	profile_release(&p);
	heap_analysis_release(&a);
	heap_trace_release(&t);
	strbuf_release(&b.sb);
}

/*
 * A random run of several threads, in two processes, written as the
 * library writes it: each thread's events in its own buffer, flushed as
 * a chunk at random lengths (so chunks of different threads overlap in
 * seq), an RSS sample now and then from a helper thread, frees from
 * another thread than the allocation's, addresses reused, and a realloc
 * whose free was numbered before an event that its thread wrote first
 * (a chunk out of order).  The analysis is checked against a replay
 * that holds every event and copies the live set at each new peak.
 */
#define RT_THREADS 5 /* the last one is the helper */
#define RT_EVENTS 6000
#define RT_SITES 7

struct rt_ev {
	uint64_t seq, ptr, size, time;
	uint32_t stack, slack;
	int alloc, rss;
};

struct rt_ref {
	double allocations, frees, bytes, peak, peak_blocks, peak_slack;
	double leaked, leaked_blocks, temporary;
	double site_peak[RT_SITES + 1], site_leaked[RT_SITES + 1];
	double tl_heap[RT_EVENTS];
	size_t ntl;
};

static uint64_t rt_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int rt_by_seq(const void *x, const void *y)
{
	const struct rt_ev *a = x, *b = y;

	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return a->rss - b->rss;
}

/*
 * The replay that keeps everything (events sorted by seq here); with an
 * interval, weighed as sampled: s / p bytes and 1 / p blocks.
 */
static void rt_replay(struct rt_ev *e, size_t n, uint64_t interval,
		      struct rt_ref *r)
{
	struct {
		uint64_t ptr;
		double size, count;
		uint32_t stack, slack;
	} live[RT_EVENTS];
	size_t nlive = 0, i, j;
	double cur = 0;
	/* The block of the last heap event when it was an allocation: a
	 * free of it next is a temporary (heaptrack's lastPtr). */
	uint64_t last = 0;

	memset(r, 0, sizeof(*r));
	qsort(e, n, sizeof(*e), rt_by_seq);
	for (i = 0; i < n; i++) {
		if (e[i].rss) {
			r->tl_heap[r->ntl++] = cur;
			continue;
		}
		for (j = 0; j < nlive && live[j].ptr != e[i].ptr; j++)
			;
		if (e[i].alloc) {
			cr_assert_eq(j, nlive,
				     "the generator reuses only "
				     "free addresses");
			double p =
			    interval
				? 1 - exp(-(double)e[i].size / (double)interval)
				: 1;

			live[nlive].ptr = e[i].ptr;
			live[nlive].size = (double)e[i].size / p;
			live[nlive].count = 1 / p;
			last = e[i].ptr;
			live[nlive].stack = e[i].stack;
			live[nlive].slack = e[i].slack;
			cur += live[nlive].size;
			r->allocations += live[nlive].count;
			r->bytes += live[nlive++].size;
			if (cur > r->peak) {
				r->peak = cur;
				r->peak_blocks = 0;
				r->peak_slack = 0;
				memset(r->site_peak, 0, sizeof(r->site_peak));
				for (j = 0; j < nlive; j++) {
					r->peak_blocks += live[j].count;
					r->peak_slack += live[j].slack;
					r->site_peak[live[j].stack] +=
					    live[j].size;
				}
			}
		} else {
			if (j < nlive) {
				cur -= live[j].size;
				r->frees += live[j].count;
				if (last == e[i].ptr)
					r->temporary += live[j].count;
				live[j] = live[--nlive];
			}
			last = 0;
		}
	}
	for (j = 0; j < nlive; j++) {
		r->leaked += live[j].size;
		r->leaked_blocks += live[j].count;
		r->site_leaked[live[j].stack] += live[j].size;
	}
}

/* One process's run appended to out; its events (by seq) into e. */
static size_t rt_process(struct strbuf *out, uint32_t pid, uint64_t interval,
			 uint64_t *rnd, struct rt_ev *e)
{
	struct tb b[RT_THREADS];
	uint64_t live[RT_EVENTS], freed[64], seq = 0;
	size_t nlive = 0, nfreed = 0, n = 0, t, i;
	uint64_t next_ptr = 0x10000;

	for (t = 0; t < RT_THREADS; t++) {
		strbuf_init(&b[t].sb, 0);
		chunk_begin(&b[t], pid, 1000 + pid);
	}
	process(&b[0], interval ? HEAP_MODE_SAMPLE : HEAP_MODE_EXACT, interval);
	chunk_end(&b[0]);
	strbuf_add(out, b[0].sb.buf, b[0].sb.len);
	strbuf_reset(&b[0].sb);
	chunk_begin(&b[0], pid, 1000 + pid);
	for (i = 1; i <= RT_SITES; i++)
		stack(&b[i % (RT_THREADS - 1)], (uint32_t)i, 0x400000 + i);
	while (n < RT_EVENTS - 3) {
		uint64_t r = rt_rand(rnd);
		struct rt_ev *x = &e[n];

		t = r % (RT_THREADS - 1);
		memset(x, 0, sizeof(*x));
		if (r % 97 == 0) {
			/* The helper's RSS sample. */
			t = RT_THREADS - 1;
			x->rss = 1;
			x->seq = seq;
			x->time = 1000000 * (uint64_t)n;
			x->size = 4096 * (n + 1);
			strbuf_addch(&b[t].sb, HEAP_REC_RSS);
			put(&b[t], x->time);
			put(&b[t], x->seq);
			put(&b[t], x->size);
			n++;
		} else if (r % 53 == 0 && nlive) {
			/* realloc: its free is numbered first, then a signal
			 * handler allocates, then the free and the new block
			 * are written. */
			uint64_t fseq = ++seq, old;

			i = (r >> 8) % nlive;
			old = live[i];
			live[i] = live[--nlive];
			e[n].alloc = 1;
			e[n].seq = ++seq;
			e[n].ptr = next_ptr += 64;
			e[n].size = 8;
			e[n].stack = 1;
			ev(&b[t], 1, e[n].seq, e[n].ptr, 8, 1);
			live[nlive++] = e[n++].ptr;
			memset(&e[n], 0, sizeof(e[n]));
			e[n].seq = fseq;
			e[n].ptr = old;
			ev(&b[t], 0, fseq, old, 0, 0);
			n++;
			if (nfreed < 64)
				freed[nfreed++] = old;
		} else if (nlive && (r >> 20) % 100 < 45) {
			i = (r >> 8) % nlive;
			x->seq = ++seq;
			x->ptr = live[i];
			live[i] = live[--nlive];
			ev(&b[t], 0, x->seq, x->ptr, 0, 0);
			if (nfreed < 64)
				freed[nfreed++] = x->ptr;
			n++;
		} else {
			x->alloc = 1;
			x->seq = ++seq;
			/* Now and then at an address freed before. */
			if (nfreed && (r >> 30) % 4 == 0)
				x->ptr = freed[--nfreed];
			else
				x->ptr = next_ptr += 64;
			x->size = 1 + (r >> 40) % 5000;
			x->stack = 1 + (uint32_t)((r >> 50) % RT_SITES);
			x->slack = (uint32_t)((r >> 34) % 16);
			ev_slack(&b[t], 1, x->seq, x->ptr, x->size, x->stack,
				 x->slack);
			live[nlive++] = x->ptr;
			n++;
		}
		/* A full buffer, or a flush of them all (the helper's). */
		if ((r >> 12) % 37 == 0 || (r >> 12) % 300 == 1)
			for (i = 0; i < RT_THREADS; i++) {
				if (i != t && (r >> 12) % 37 == 0)
					continue;
				chunk_end(&b[i]);
				if (b[i].sb.len > sizeof(struct heap_chunk_hdr))
					strbuf_add(out, b[i].sb.buf,
						   b[i].sb.len);
				strbuf_reset(&b[i].sb);
				chunk_begin(&b[i], pid, 1000 + pid);
			}
	}
	for (t = 0; t < RT_THREADS; t++) {
		chunk_end(&b[t]);
		strbuf_add(out, b[t].sb.buf, b[t].sb.len);
		strbuf_release(&b[t].sb);
	}
	return n;
}

/* The site of (stream, stack) in the analysis. */
static const struct heap_site *rt_site(const struct heap_analysis *a,
				       uint32_t stream, uint32_t stack)
{
	size_t i;

	for (i = 0; i < a->sites.len; i++)
		if (a->sites.v[i].stream == stream &&
		    a->sites.v[i].stack == stack)
			return &a->sites.v[i];
	return NULL;
}

/* Equal, or within rounding when the figures are sampled estimates. */
#define rt_near(x, y, sampled)                                                 \
	cr_assert(fabs((x) - (y)) <= ((sampled) ? 1e-9 * (fabs(y) + 1) : 0),   \
		  "%s: %.17g, want %.17g", #x, (double)(x), (double)(y))

/* Two exact processes and a sampled one. */
#define RT_PROCS 3

Test(heap, streamed_analysis_matches_a_full_replay)
{
	static struct rt_ev e[RT_PROCS][RT_EVENTS];
	static struct rt_ref ref[RT_PROCS];
	struct heap_analyze_opts o = {0, NULL, 100000, 0, 1};
	struct strbuf out = STRBUF_INIT;
	struct heap_trace t;
	struct heap_analysis a;
	uint64_t rnd = 0x9e3779b97f4a7c15ull;
	size_t n[RT_PROCS], p, i, k, top = 0;

	for (p = 0; p < RT_PROCS; p++) {
		uint64_t interval = p == 2 ? 4096 : 0;

		n[p] = rt_process(&out, 40 + (uint32_t)p, interval, &rnd, e[p]);
		rt_replay(e[p], n[p], interval, &ref[p]);
		if (ref[p].peak > ref[top].peak)
			top = p;
	}
	heap_trace_init(&t);
	cr_assert_eq(
	    heap_trace_parse(&t, "t", (unsigned char *)out.buf, out.len), 0);
	cr_assert_eq(t.nstreams, RT_PROCS);
	cr_assert_eq(heap_analyze(&a, &t, &o), 0);
	for (p = 0; p < RT_PROCS; p++) {
		const struct heap_stats *st = &a.procs[p];
		const struct rt_ref *r = &ref[p];
		int sm = p == 2;

		cr_assert_eq(seqs(&t, p, NULL, 0), n[p]);
		rt_near(st->allocations, r->allocations, sm);
		rt_near(st->frees, r->frees, sm);
		rt_near(st->allocated_bytes, r->bytes, sm);
		rt_near(st->peak_bytes, r->peak, sm);
		rt_near(st->peak_blocks, r->peak_blocks, sm);
		rt_near(st->slack_at_peak, r->peak_slack, sm);
		rt_near(st->leaked_bytes, r->leaked, sm);
		rt_near(st->leaked_blocks, r->leaked_blocks, sm);
		rt_near(st->temporary, r->temporary, sm);
		cr_assert_gt(r->temporary, 0);
		for (k = 1; k <= RT_SITES; k++) {
			const struct heap_site *s =
			    rt_site(&a, (uint32_t)p, (uint32_t)k);

			cr_assert(s ||
				  (!r->site_peak[k] && !r->site_leaked[k]));
			if (!s)
				continue;
			rt_near(s->peak_bytes, r->site_peak[k], sm);
			rt_near(s->leaked_bytes, r->site_leaked[k], sm);
		}
	}
	/* The timeline is the largest peak's, every sample kept. */
	cr_assert_eq(a.peak_stream, (int)top);
	cr_assert_eq(a.timeline.len, ref[top].ntl);
	cr_assert_gt(ref[top].ntl, 10);
	for (i = 0; i < ref[top].ntl; i++)
		rt_near(a.timeline.v[i].heap, ref[top].tl_heap[i], top == 2);
	heap_analysis_release(&a);

	/* Thinned to 4 points: every s-th sample, s the smallest power of
	 * two that leaves at most 4. */
	o.timeline_points = 4;
	cr_assert_eq(heap_analyze(&a, &t, &o), 0);
	for (k = 1; (ref[top].ntl + k - 1) / k > 4; k *= 2)
		;
	cr_assert_eq(a.timeline.len, (ref[top].ntl + k - 1) / k);
	for (i = 0; i < a.timeline.len; i++)
		rt_near(a.timeline.v[i].heap, ref[top].tl_heap[i * k],
			top == 2);
	heap_analysis_release(&a);
	heap_trace_release(&t);
	strbuf_release(&out);
}

/*
 * One PFH1 chunk of b (its only one) appended to out as the library
 * writes a PFH2 one: the range and flags in the header, the records
 * zstd-compressed or not.
 */
static void put_v2(struct strbuf *out, struct tb *b, uint64_t first,
		   uint64_t last, unsigned flags, int zstd)
{
	const struct heap_chunk_hdr *h1 = (const void *)b->sb.buf;
	struct heap_chunk_hdr2 h;
	const char *rec = b->sb.buf + sizeof(*h1);
	static char z[1 << 16];
	size_t n;

	chunk_end(b);
	memset(&h, 0, sizeof(h));
	h.magic = HEAP_CHUNK_MAGIC2;
	h.len = h.raw_len = (uint32_t)(b->sb.len - sizeof(*h1));
	h.pid = h1->pid;
	h.tid = h1->tid;
	h.stream = h1->stream;
	h.first_seq = first;
	h.last_seq = last;
	h.flags = flags;
	if (zstd) {
		n = ZSTD_compress(z, sizeof(z), rec, h.len, 1);
		cr_assert(!ZSTD_isError(n));
		h.len = (uint32_t)n;
		h.flags |= HEAP_CHUNK_ZSTD;
		rec = z;
	}
	strbuf_add(out, &h, sizeof(h));
	strbuf_add(out, rec, h.len);
	strbuf_reset(&b->sb);
}

/* build()'s run in PFH2 chunks: the events' chunks indexed by header. */
static void build_v2(struct strbuf *out, int zstd, uint64_t lie)
{
	struct tb b;

	strbuf_init(&b.sb, 0);
	strbuf_reset(out);
	chunk_begin(&b, 7, 99);
	process(&b, HEAP_MODE_EXACT, 0);
	put_v2(out, &b, 0, 0, HEAP_CHUNK_META, zstd);
	chunk_begin(&b, 7, 99);
	ev(&b, 1, 2, 0x2000, 50, 1);
	ev(&b, 1, 4, 0x3000, 30, 1);
	ev(&b, 0, 5, 0x3000, 0, 0);
	put_v2(out, &b, 2 + lie, 5, HEAP_CHUNK_EVENTS, zstd);
	chunk_begin(&b, 7, 99);
	ev(&b, 1, 1, 0x1000, 100, 2);
	ev(&b, 0, 3, 0x1000, 0, 0);
	ev(&b, 1, 6, 0x4000, 10, 2);
	put_v2(out, &b, 1, 6, HEAP_CHUNK_EVENTS, zstd);
	chunk_begin(&b, 7, 99);
	stack(&b, 1, 0x1000);
	stack(&b, 2, 0x1100);
	put_v2(out, &b, 0, 0, HEAP_CHUNK_META, zstd);
	strbuf_release(&b.sb);
}

Test(heap, pfh2_chunks_indexed_by_header_plain_and_zstd)
{
	struct strbuf out = STRBUF_INIT;
	struct heap_trace t;
	struct heap_analysis a;
	uint64_t seq[8];
	size_t i, n;
	int zstd;

	for (zstd = 0; zstd < 2; zstd++) {
		build_v2(&out, zstd, 0);
		heap_trace_init(&t);
		cr_assert_eq(heap_trace_parse(&t, "t", (unsigned char *)out.buf,
					      out.len),
			     0);
		cr_assert_eq(t.nstreams, 1);
		cr_assert_str_eq(t.streams[0]->exe, "/app");
		cr_assert_eq(heap_stream_stack(t.streams[0], 2, &n)[0], 0x1100);
		cr_assert_eq(seqs(&t, 0, seq, 8), 6);
		for (i = 0; i < 6; i++)
			cr_assert_eq(seq[i], i + 1);
		cr_assert_eq(heap_analyze(&a, &t, &opts), 0);
		cr_assert_eq(a.total.peak_bytes, 150);
		cr_assert_eq(a.total.peak_blocks, 2);
		cr_assert_eq(a.total.leaked_bytes, 60);
		cr_assert_eq(a.total.temporary, 1);
		heap_analysis_release(&a);
		heap_trace_release(&t);
	}
	strbuf_release(&out);
}

Test(heap, pfh2_header_that_lies_is_an_error)
{
	struct strbuf out = STRBUF_INIT;
	struct heap_trace t;
	struct heap_analysis a;
	uint64_t seq[8];

	/* The first events' chunk says it starts at seq 3: it holds 2. */
	build_v2(&out, 1, 1);
	heap_trace_init(&t);
	cr_assert_eq(
	    heap_trace_parse(&t, "t", (unsigned char *)out.buf, out.len), 0);
	cr_assert_lt(seqs(&t, 0, seq, 8), 6);
	cr_assert_eq(heap_analyze(&a, &t, &opts), -1);
	heap_analysis_release(&a);
	heap_trace_release(&t);
	/* A compressed chunk that does not decompress (the frame's magic). */
	build_v2(&out, 1, 0);
	out.buf[sizeof(struct heap_chunk_hdr2)] ^= 0x55;
	heap_trace_init(&t);
	cr_assert_eq(
	    heap_trace_parse(&t, "t", (unsigned char *)out.buf, out.len), -1);
	heap_trace_release(&t);
	strbuf_release(&out);
}

Test(heap, allocation_at_a_live_address_ends_the_old_block)
{
	struct tb b;
	struct heap_trace t;
	struct heap_analysis a;

	/* 100 bytes at 0x1000 whose free was not seen (libc freed it
	 * inside itself), then 50 bytes there, freed. */
	strbuf_init(&b.sb, 0);
	chunk_begin(&b, 3, 1);
	process(&b, HEAP_MODE_EXACT, 0);
	stack(&b, 1, 0x1000);
	ev(&b, 1, 1, 0x1000, 100, 1);
	ev(&b, 1, 2, 0x1000, 50, 1);
	ev(&b, 0, 3, 0x1000, 0, 0);
	chunk_end(&b);
	heap_trace_init(&t);
	cr_assert_eq(
	    heap_trace_parse(&t, "t", (unsigned char *)b.sb.buf, b.sb.len), 0);
	cr_assert_eq(heap_analyze(&a, &t, &opts), 0);
	cr_assert_eq(a.total.peak_bytes, 100);
	cr_assert_eq(a.total.peak_blocks, 1);
	cr_assert_eq(a.total.live_bytes, 0);
	cr_assert_eq(a.total.leaked_bytes, 0);
	cr_assert_eq(a.sites.v[0].peak_bytes, 100);
	heap_analysis_release(&a);
	heap_trace_release(&t);
	strbuf_release(&b.sb);
}

Test(heap, chunks_that_all_overlap_are_refused_past_a_bound)
{
	struct strbuf out = STRBUF_INIT;
	struct heap_trace t;
	struct heap_analysis a;
	struct tb b;
	uint64_t seq;
	int c;

	/* 20 compressed chunks of 2000 events each, all claiming seqs 1 to
	 * 100000: every one is open at once. */
	strbuf_init(&b.sb, 0);
	chunk_begin(&b, 7, 99);
	process(&b, HEAP_MODE_EXACT, 0);
	put_v2(&out, &b, 0, 0, HEAP_CHUNK_META, 0);
	for (c = 0; c < 20; c++) {
		chunk_begin(&b, 7, 99);
		for (seq = 1 + (uint64_t)c; seq < 100000; seq += 50)
			ev(&b, 1, seq, 0x1000 + seq * 16, 8, 0);
		put_v2(&out, &b, 1, 100000, HEAP_CHUNK_EVENTS, 1);
	}
	heap_trace_init(&t);
	cr_assert_eq(
	    heap_trace_parse(&t, "t", (unsigned char *)out.buf, out.len), 0);
	cr_assert_eq(heap_analyze(&a, &t, &opts), 0);
	cr_assert_eq(a.total.allocations, 20 * 2000);
	heap_analysis_release(&a);
	/* Each holds about 16 kB decompressed: 200 kB is refused. */
	t.held_max = 200 << 10;
	cr_assert_eq(heap_analyze(&a, &t, &opts), -1);
	heap_analysis_release(&a);
	heap_trace_release(&t);
	strbuf_release(&b.sb);
	strbuf_release(&out);
}

/*
 * The aggregated profile of an analysis, read back, gives the same
 * analysis; cut short or with a byte changed, it is refused.
 */
Test(heap, aggregate_round_trip)
{
	char path[] = "/tmp/test-heap-agg-XXXXXX";
	struct tb b;
	struct heap_trace t, t2;
	struct heap_analysis a, a2;
	struct strbuf file = STRBUF_INIT;
	struct heap_analyze_opts o = opts;
	size_t i, n, n2;
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	close(fd);
	build(&b);
	heap_trace_init(&t);
	cr_assert_eq(
	    heap_trace_parse(&t, "t", (unsigned char *)b.sb.buf, b.sb.len), 0);
	cr_assert_eq(heap_analyze(&a, &t, &opts), 0);
	cr_assert_eq(heap_agg_write(&a, path), 0);
	heap_trace_init(&t2);
	cr_assert_eq(heap_trace_read(&t2, path), 0);
	cr_assert_eq(t2.nstreams, t.nstreams);
	cr_assert_not_null(t2.streams[0]->agg);
	cr_assert_str_eq(t2.streams[0]->exe, "/app");
	cr_assert_eq(heap_analyze(&a2, &t2, &opts), 0);
	cr_assert_eq(memcmp(&a.total, &a2.total, sizeof(a.total)), 0);
	cr_assert_eq(memcmp(a.hist_count, a2.hist_count, sizeof(a.hist_count)),
		     0);
	cr_assert_eq(memcmp(a.kind_calls, a2.kind_calls, sizeof(a.kind_calls)),
		     0);
	cr_assert_eq(a2.sites.len, a.sites.len);
	for (i = 0; i < a.sites.len; i++) {
		const uint64_t *s1 =
		    heap_stream_stack(t.streams[0], a.sites.v[i].stack, &n);
		const uint64_t *s2 =
		    heap_stream_stack(t2.streams[0], a2.sites.v[i].stack, &n2);

		cr_assert_eq(a2.sites.v[i].calls, a.sites.v[i].calls);
		cr_assert_eq(a2.sites.v[i].leaked_bytes,
			     a.sites.v[i].leaked_bytes);
		cr_assert_eq(a2.sites.v[i].peak_bytes, a.sites.v[i].peak_bytes);
		cr_assert_eq(n2, n);
		cr_assert(!n || !memcmp(s1, s2, n * sizeof(*s1)));
	}
	heap_analysis_release(&a2);
	/* Another temporary window needs the events. */
	o.temp_window = 5;
	o.temp_window_set = 1;
	cr_assert_eq(heap_analyze(&a2, &t2, &o), -1);
	heap_analysis_release(&a2);
	heap_trace_release(&t2);
	/* Every cut and every changed byte is refused, never misread. */
	cr_assert_eq(strbuf_read_file(&file, path), 0);
	for (i = 0; i < file.len; i++) {
		heap_trace_init(&t2);
		cr_assert_eq(
		    heap_trace_parse(&t2, "cut", (unsigned char *)file.buf, i),
		    -1);
		heap_trace_release(&t2);
		file.buf[i] ^= 0x40;
		heap_trace_init(&t2);
		cr_assert_eq(heap_trace_parse(&t2, "flip",
					      (unsigned char *)file.buf,
					      file.len),
			     -1);
		heap_trace_release(&t2);
		file.buf[i] ^= 0x40;
	}
	strbuf_release(&file);
	unlink(path);
	heap_analysis_release(&a);
	heap_trace_release(&t);
	strbuf_release(&b.sb);
}
