#include "core/compat.h"
#include "core/strbuf.h"
#include "heap/analyze.h"
#include "heap/gate.h"
#include "heap/report.h"
#include "heap/trace.h"
#include "profile/profile.h"
#include <criterion/criterion.h>
#include <math.h>

/* A trace written by hand, as the library writes it. */
struct tb {
	struct strbuf sb;
	size_t chunk; /* offset of the open chunk's header */
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

/* Events with absolute seq and ptr (delta bases restart per chunk). */
static uint64_t base_seq, base_ptr;

static void ev(struct tb *b, int alloc, uint64_t seq, uint64_t ptr,
	       uint64_t size, uint32_t stack)
{
	strbuf_addch(&b->sb, alloc ? HEAP_REC_ALLOC : HEAP_REC_FREE);
	strbuf_addch(&b->sb, alloc ? HEAP_KIND_MALLOC : HEAP_KIND_FREE);
	put_s(b, (int64_t)(seq - base_seq));
	put_s(b, (int64_t)(ptr - base_ptr));
	base_seq = seq;
	base_ptr = ptr;
	put(b, alloc ? size : 0);
	if (alloc) {
		put(b, 0);
		put(b, stack);
	}
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
	base_seq = base_ptr = 0;
	process(b, HEAP_MODE_EXACT, 0);
	stack(b, 1, 0x1000);
	ev(b, 1, 2, 0x2000, 50, 1);
	ev(b, 1, 4, 0x3000, 30, 1);
	ev(b, 0, 5, 0x3000, 0, 0);
	chunk_end(b);
	chunk_begin(b, 7, 99);
	base_seq = base_ptr = 0;
	stack(b, 2, 0x1100);
	ev(b, 1, 1, 0x1000, 100, 2);
	ev(b, 0, 3, 0x1000, 0, 0);
	ev(b, 1, 6, 0x4000, 10, 2);
	chunk_end(b);
}

static const struct heap_analyze_opts opts = {0, NULL, 10, 0};

Test(heap, trace_chunks_merge_in_seq_order)
{
	struct tb b;
	struct heap_trace t;
	size_t i, n;

	build(&b);
	heap_trace_init(&t);
	cr_assert_eq(
	    heap_trace_parse(&t, "t", (unsigned char *)b.sb.buf, b.sb.len), 0);
	cr_assert_eq(t.nstreams, 1);
	cr_assert_eq(t.streams[0]->pid, 7);
	cr_assert_str_eq(t.streams[0]->exe, "/app");
	cr_assert_eq(t.streams[0]->events.len, 6);
	for (i = 0; i < 6; i++)
		cr_assert_eq(t.streams[0]->events.v[i].seq, i + 1);
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

	build(&b);
	heap_trace_init(&t);
	/* Cut inside the second chunk: the first one stays. */
	cr_assert_eq(
	    heap_trace_parse(&t, "t", (unsigned char *)b.sb.buf, b.sb.len - 3),
	    0);
	cr_assert_eq(t.streams[0]->events.len, 3);
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
	base_seq = base_ptr = 0;
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
