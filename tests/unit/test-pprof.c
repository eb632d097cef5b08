#include "core/compat.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "profile/folded.h"
#include "profile/pb.h"
#include "profile/pprof.h"
#include "profile/read.h"
#include <criterion/criterion.h>

#ifndef PERFOPS_SRCDIR
#define PERFOPS_SRCDIR "."
#endif

static uint32_t fr(struct profile *p, const char *name, unsigned kind)
{
	uint32_t f = profile_frame(p, name, strlen(name));

	profile_frame_info(p, f)->kind = (uint8_t)kind;
	return f;
}

/*
 * A CPU profile as `perfops record --per-thread` would build it: two
 * threads with synthetic "comm-PID/TID" roots, an inlined frame, a file
 * and line, a mapping with a build-id, and a recursive stack.
 */
static void make_cpu(struct profile *p)
{
	uint32_t t1, t2, s[8], m;
	int64_t v[2];

	profile_init(p, 2);
	profile_set_type(p, 0, "samples", "count");
	profile_set_type(p, 1, "cpu", "nanoseconds");
	p->main_value = 1;
	p->period_ns = 1000000;
	p->time_ns = 1700000000000000000ull;
	p->duration_ns = 2000000000;
	m = profile_mapping(p, 0x400000, 0x500000, 0x1000, "/usr/bin/app",
			    "0123abcd");
	t1 = profile_thread(p, 10, 10, "my app");
	t2 = profile_thread(p, 10, 11, "worker");

	s[0] = fr(p, "my_app-10/10", FRAME_SYNTHETIC);
	s[1] = fr(p, "main", FRAME_USER);
	s[2] = fr(p, "compute", FRAME_USER);
	s[3] = fr(p, "square", FRAME_INLINE); /* inlined into compute */
	s[4] = fr(p, "add", FRAME_INLINE);    /* inlined into square */
	profile_frame_info(p, s[1])->mapping = m;
	profile_frame_info(p, s[1])->address = 0x401000;
	profile_frame_info(p, s[2])->mapping = m;
	profile_frame_info(p, s[2])->address = 0x402000;
	profile_frame_info(p, s[2])->file =
	    intern_add(&p->strings, "app.c", 5, NULL);
	profile_frame_info(p, s[2])->line = 42;
	v[0] = 3;
	v[1] = 3000000;
	profile_add(p, t1, s, 5, v);
	v[0] = 1;
	v[1] = 1000000;
	profile_add(p, t1, s, 3, v);

	s[0] = fr(p, "worker-10/11", FRAME_SYNTHETIC);
	s[1] = fr(p, "run", FRAME_USER);
	s[2] = fr(p, "walk", FRAME_USER);
	s[3] = s[2];
	s[4] = s[2];
	s[5] = fr(p, "[off-cpu]", FRAME_SYNTHETIC);
	v[0] = 2;
	v[1] = 2000000;
	profile_add(p, t2, s, 6, v);
}

/* The folded text of every stack with its thread and values. */
static char *dump(const struct profile *p)
{
	struct strbuf sb = STRBUF_INIT;
	uint32_t *order = profile_sorted_stacks(p);
	size_t i;
	unsigned k;

	for (i = 0; i < profile_nstacks(p); i++) {
		uint32_t t = profile_stack_thread(p, order[i]);

		if (t)
			strbuf_addf(&sb, "[%d/%d] ", p->threads[t].pid,
				    p->threads[t].tid);
		profile_stack_text(p, order[i], &sb);
		for (k = 0; k < p->nvalues; k++)
			strbuf_addf(&sb, " %" PRId64,
				    profile_value(p, order[i], k));
		strbuf_addch(&sb, '\n');
	}
	free(order);
	return strbuf_detach(&sb, NULL);
}

static int read_quiet(struct profile *p, const void *data, size_t len)
{
	int r;

	error_set_quiet(1);
	profile_init(p, 1);
	r = pprof_read(p, data, len, "t");
	error_set_quiet(0);
	return r;
}

static char *gz(const struct profile *p, size_t *len)
{
	char *buf = NULL;
	FILE *fp = open_memstream(&buf, len);

	cr_assert_eq(pprof_write(p, fp), 0);
	fclose(fp);
	return buf;
}

Test(pprof, varint_edges)
{
	static const uint64_t vals[] = {
	    0,	       1,	   127,
	    128,       300,	   16383,
	    16384,     UINT32_MAX, (uint64_t)1 << 63,
	    UINT64_MAX};
	struct strbuf sb = STRBUF_INIT;
	struct pb_reader r;
	uint64_t v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(vals); i++)
		pb_add_varint(&sb, vals[i]);
	/* 1+1+1+2+2+2+3+5+10+10 bytes */
	cr_assert_eq(sb.len, 37);
	pb_reader_init(&r, sb.buf, sb.len);
	for (i = 0; i < ARRAY_SIZE(vals); i++) {
		cr_assert_eq(pb_read_varint(&r, &v), 0);
		cr_assert_eq(v, vals[i], "value %zu", i);
	}
	cr_assert_eq(pb_read_varint(&r, &v), -1, "past the end");
	strbuf_release(&sb);

	/* Truncated: a continuation bit on the last byte. */
	pb_reader_init(&r, "\x80\x80", 2);
	cr_assert_eq(pb_read_varint(&r, &v), -1);
	/* Eleven bytes, and a tenth byte with more than the top bit. */
	pb_reader_init(&r, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11);
	cr_assert_eq(pb_read_varint(&r, &v), -1);
	pb_reader_init(&r, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 10);
	cr_assert_eq(pb_read_varint(&r, &v), -1);
	/* 300 = 0xac 0x02 */
	pb_reader_init(&r, "\xac\x02", 2);
	cr_assert_eq(pb_read_varint(&r, &v), 0);
	cr_assert_eq(v, 300);
}

static int collect(void *ctx, uint64_t v)
{
	struct strbuf *sb = ctx;

	strbuf_addf(sb, "%" PRIu64 ",", v);
	return 0;
}

Test(pprof, fields_packed_and_unpacked)
{
	struct strbuf sb = STRBUF_INIT, got = STRBUF_INIT;
	static const uint64_t v[] = {1, 300, 2};
	struct pb_reader r;
	struct pb_field f;

	pb_add_packed(&sb, 1, v, 3);
	pb_add_uint(&sb, 1, 7);
	pb_add_uint(&sb, 2, 0); /* omitted */
	pb_add_bytes(&sb, 3, "hi", 2);
	pb_reader_init(&r, sb.buf, sb.len);
	cr_assert_eq(pb_next(&r, &f), 1);
	cr_assert_eq(f.num, 1);
	cr_assert_eq(f.wire, PB_LEN);
	cr_assert_eq(pb_each_uint(&f, collect, &got), 0);
	cr_assert_eq(pb_next(&r, &f), 1);
	cr_assert_eq(pb_each_uint(&f, collect, &got), 0);
	cr_assert_str_eq(got.buf, "1,300,2,7,");
	cr_assert_eq(pb_next(&r, &f), 1);
	cr_assert_eq(f.num, 3);
	cr_assert_eq(f.len, 2);
	cr_assert_eq(memcmp(f.data, "hi", 2), 0);
	cr_assert_eq(pb_next(&r, &f), 0);
	/* A length past the end, field number 0, a group. */
	pb_reader_init(&r, "\x1a\x05hi", 4);
	cr_assert_eq(pb_next(&r, &f), -1);
	pb_reader_init(&r, "\x00\x01", 2);
	cr_assert_eq(pb_next(&r, &f), -1);
	pb_reader_init(&r, "\x0b", 1);
	cr_assert_eq(pb_next(&r, &f), -1);
	strbuf_release(&sb);
	strbuf_release(&got);
}

Test(pprof, round_trip_keeps_stacks_values_threads)
{
	struct profile p, q;
	char *data, *a, *b;
	size_t len;

	make_cpu(&p);
	data = gz(&p, &len);
	cr_assert_gt(len, 2);
	cr_assert_eq((unsigned char)data[0], 0x1f);
	cr_assert_eq((unsigned char)data[1], 0x8b);
	cr_assert_eq(read_quiet(&q, data, len), 0);
	a = dump(&p);
	b = dump(&q);
	cr_assert_str_eq(b, a);
	cr_assert_str_eq(a,
			 "[10/10] my_app-10/10;main;compute 1 1000000\n"
			 "[10/10] my_app-10/10;main;compute;square;add 3 "
			 "3000000\n"
			 "[10/11] worker-10/11;run;walk;walk;walk;[off-cpu] 2 "
			 "2000000\n");
	cr_assert_eq(q.nvalues, 2);
	cr_assert_eq(q.main_value, 1);
	cr_assert_str_eq(q.type[0], "samples");
	cr_assert_str_eq(q.unit[0], "count");
	cr_assert_str_eq(q.type[1], "cpu");
	cr_assert_str_eq(q.unit[1], "nanoseconds");
	cr_assert_eq(q.period_ns, 1000000);
	cr_assert_eq(q.time_ns, 1700000000000000000ull);
	cr_assert_eq(q.duration_ns, 2000000000);
	free(a);
	free(b);
	free(data);
	profile_release(&q);
	profile_release(&p);
}

Test(pprof, round_trip_keeps_frame_details)
{
	struct profile p, q;
	const struct profile_frame_info *fi;
	const struct profile_mapping *m;
	char *data;
	size_t len;
	uint32_t f;

	make_cpu(&p);
	data = gz(&p, &len);
	cr_assert_eq(read_quiet(&q, data, len), 0);
	f = intern_find(&q.frames, "compute", 7);
	cr_assert_neq(f, INTERN_NONE);
	fi = profile_frame_info_get(&q, f);
	cr_assert_not_null(fi);
	cr_assert_eq(fi->address, 0x402000);
	cr_assert_eq(fi->line, 42);
	cr_assert_str_eq(intern_str(&q.strings, fi->file), "app.c");
	cr_assert_eq(fi->kind, FRAME_USER);
	cr_assert_eq(q.nmappings, 2);
	m = &q.mappings[fi->mapping];
	cr_assert_eq(m->start, 0x400000);
	cr_assert_eq(m->limit, 0x500000);
	cr_assert_eq(m->offset, 0x1000);
	cr_assert_str_eq(intern_str(&q.strings, m->file), "/usr/bin/app");
	cr_assert_str_eq(intern_str(&q.strings, m->build_id), "0123abcd");
	f = intern_find(&q.frames, "add", 3);
	cr_assert_eq(profile_frame_info_get(&q, f)->kind, FRAME_INLINE);
	f = intern_find(&q.frames, "my_app-10/10", 12);
	cr_assert_eq(profile_frame_info_get(&q, f)->kind, FRAME_SYNTHETIC);
	cr_assert_str_eq(intern_str(&q.strings, q.threads[1].comm), "my app");
	free(data);
	profile_release(&q);
	profile_release(&p);
}

/* Counts of the top-level fields of an encoded profile, by number. */
static void count_fields(const struct strbuf *sb, unsigned *n)
{
	struct pb_reader r;
	struct pb_field f;

	memset(n, 0, 16 * sizeof(*n));
	pb_reader_init(&r, sb->buf, sb->len);
	while (pb_next(&r, &f) > 0)
		if (f.num < 16)
			n[f.num]++;
}

Test(pprof, inline_frames_fold_into_one_location)
{
	struct profile p;
	struct strbuf sb = STRBUF_INIT;
	struct pb_reader r, lr;
	struct pb_field f, g;
	unsigned n[16], lines;
	uint64_t fn[3];
	int found = 0;

	make_cpu(&p);
	pprof_encode(&p, &sb);
	count_fields(&sb, n);
	/*
	 * Locations: main, compute alone, compute+square+add (another pc),
	 * run, walk, [off-cpu]; the thread roots are labels.  Functions:
	 * one per name used (main, compute, square, add, run, walk,
	 * [off-cpu]).
	 */
	cr_assert_eq(n[4], 6);
	cr_assert_eq(n[5], 7);
	cr_assert_eq(n[2], 3);
	cr_assert_eq(n[1], 2);
	cr_assert_eq(n[3], 1);
	pb_reader_init(&r, sb.buf, sb.len);
	while (pb_next(&r, &f) > 0) {
		if (f.num != 4)
			continue;
		lines = 0;
		pb_reader_init(&lr, f.data, f.len);
		while (pb_next(&lr, &g) > 0) {
			struct pb_reader lin;
			struct pb_field h;

			if (g.num != 4)
				continue;
			pb_reader_init(&lin, g.data, g.len);
			while (pb_next(&lin, &h) > 0)
				if (h.num == 1 && lines < 3)
					fn[lines] = h.v;
			lines++;
		}
		if (lines == 3) {
			/* Innermost first: add, square, compute. */
			cr_assert_eq(fn[0] - 1,
				     intern_find(&p.frames, "add", 3));
			cr_assert_eq(fn[1] - 1,
				     intern_find(&p.frames, "square", 6));
			cr_assert_eq(fn[2] - 1,
				     intern_find(&p.frames, "compute", 7));
			found++;
		} else {
			cr_assert_eq(lines, 1);
		}
	}
	cr_assert_eq(found, 1);
	strbuf_release(&sb);
	profile_release(&p);
}

Test(pprof, output_is_deterministic)
{
	struct profile p;
	char *a, *b;
	size_t la, lb;

	make_cpu(&p);
	a = gz(&p, &la);
	b = gz(&p, &lb);
	cr_assert_eq(la, lb);
	cr_assert_eq(memcmp(a, b, la), 0);
	free(a);
	free(b);
	profile_release(&p);
}

Test(pprof, folded_profile_gets_a_sample_type)
{
	struct profile p, q;
	const char *text = "main;a 3\nmain;b 4\n";
	char *data;
	size_t len;

	error_set_quiet(1);
	cr_assert_eq(profile_read_buffer(&p, text, strlen(text), "t", NULL), 0);
	data = gz(&p, &len);
	cr_assert_eq(read_quiet(&q, data, len), 0);
	cr_assert_eq(q.nvalues, 1);
	cr_assert_str_eq(q.type[0], "samples");
	cr_assert_str_eq(q.unit[0], "count");
	cr_assert_float_eq(profile_total(&q, 0), 7, 1e-9);
	free(data);
	profile_release(&p);
	profile_release(&q);
}

Test(pprof, raw_protobuf_and_detection)
{
	struct profile p, q;
	struct strbuf sb = STRBUF_INIT;
	char *a, *b;

	make_cpu(&p);
	pprof_encode(&p, &sb);
	cr_assert(pprof_detect(sb.buf, sb.len));
	cr_assert_eq(profile_detect(sb.buf, sb.len), PROFILE_FMT_PPROF);
	cr_assert(!pprof_detect("main;a 3\n", 9));
	cr_assert(!pprof_detect("\n\nmain;a 3\n", 11));
	error_set_quiet(1);
	cr_assert_eq(profile_read_buffer(&q, sb.buf, sb.len, "t", NULL), 0);
	error_set_quiet(0);
	a = dump(&p);
	b = dump(&q);
	cr_assert_str_eq(a, b);
	free(a);
	free(b);
	strbuf_release(&sb);
	profile_release(&p);
	profile_release(&q);
}

Test(pprof, every_truncation_fails_cleanly)
{
	struct profile p, q;
	struct strbuf raw = STRBUF_INIT;
	char *data;
	size_t len, i;

	make_cpu(&p);
	data = gz(&p, &len);
	/* A cut gzip stream is always an error. */
	for (i = 0; i < len; i++) {
		cr_assert_eq(read_quiet(&q, data, i), -1, "gzip cut at %zu", i);
		profile_release(&q);
	}
	/* A cut message may end on a field boundary and still be read;
	 * it must never crash, and the full one must succeed. */
	pprof_encode(&p, &raw);
	for (i = 0; i < raw.len; i++) {
		int r = read_quiet(&q, raw.buf, i);

		cr_assert(r == 0 || r == -1);
		profile_release(&q);
	}
	cr_assert_eq(read_quiet(&q, raw.buf, raw.len), 0);
	profile_release(&q);
	strbuf_release(&raw);
	free(data);
	profile_release(&p);
}

Test(pprof, garbage_is_an_error)
{
	struct profile q;
	unsigned char buf[512];
	unsigned seed = 12345;
	size_t i;
	int round;

	cr_assert_eq(read_quiet(&q, "", 0), -1);
	profile_release(&q);
	cr_assert_eq(read_quiet(&q, "\x1f\x8b\x08\x00garbage", 11), -1);
	profile_release(&q);
	for (round = 0; round < 200; round++) {
		for (i = 0; i < sizeof(buf); i++) {
			seed = seed * 1103515245 + 12345;
			buf[i] = (unsigned char)(seed >> 16);
		}
		cr_assert_eq(read_quiet(&q, buf, sizeof(buf)), -1);
		profile_release(&q);
	}
}

/* A hand-built Profile message with one deliberate fault. */
static void build(struct strbuf *out, int fault)
{
	struct strbuf m = STRBUF_INIT, l = STRBUF_INIT;
	static const uint64_t good_loc[] = {1}, bad_loc[] = {9};
	static const uint64_t vals[] = {5, 6};

	strbuf_reset(out);
	/* sample_type {type: 1 "samples", unit: 2 "count"} */
	pb_add_bytes(out, 1, "\x08\x01\x10\x02", 4);
	/* sample */
	pb_add_packed(&m, 1, fault == 1 ? bad_loc : good_loc, 1);
	pb_add_packed(&m, 2, vals, fault == 2 ? 2 : 1);
	pb_add_bytes(out, 2, m.buf, m.len);
	/* location {id 1, line {function_id 1}} */
	strbuf_reset(&m);
	pb_add_uint(&m, 1, 1);
	pb_add_uint(&l, 1, fault == 3 ? 7 : 1);
	pb_add_bytes(&m, 4, l.buf, l.len);
	pb_add_bytes(out, 4, m.buf, m.len);
	if (fault == 4)
		pb_add_bytes(out, 4, m.buf, m.len); /* duplicate id */
	/* function {id 1, name 3} */
	strbuf_reset(&m);
	pb_add_uint(&m, 1, 1);
	pb_add_uint(&m, 2, fault == 5 ? 99 : 3);
	pb_add_bytes(out, 5, m.buf, m.len);
	pb_add_bytes(out, 6, fault == 6 ? "x" : "", fault == 6 ? 1 : 0);
	pb_add_bytes(out, 6, "samples", 7);
	pb_add_bytes(out, 6, "count", 5);
	pb_add_bytes(out, 6, "main", 4);
	strbuf_release(&m);
	strbuf_release(&l);
}

Test(pprof, malformed_references_are_errors)
{
	struct strbuf sb = STRBUF_INIT;
	struct profile q;
	int fault;

	build(&sb, 0);
	cr_assert_eq(read_quiet(&q, sb.buf, sb.len), 0);
	cr_assert_eq(profile_nstacks(&q), 1);
	cr_assert_float_eq(profile_value(&q, 0, 0), 5, 1e-9);
	profile_release(&q);
	/* 1 unknown location, 2 two values for one type, 3 unknown
	 * function, 4 duplicate location id, 5 string index out of
	 * range, 6 string_table[0] not "". */
	for (fault = 1; fault <= 6; fault++) {
		build(&sb, fault);
		cr_assert_eq(read_quiet(&q, sb.buf, sb.len), -1, "fault %d",
			     fault);
		profile_release(&q);
	}
	strbuf_release(&sb);
}

static char *slurp(const char *rel, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", PERFOPS_SRCDIR, rel);
	cr_assert_eq(strbuf_read_file(&sb, path), 0, "cannot read %s", path);
	return strbuf_detach(&sb, len);
}

/*
 * The Go fixture (tests/data/pprof/gen-go).  The expected numbers are
 * what `go tool pprof -top` prints for it: 1500ms in 150 samples,
 * main.hot 970ms flat / 1500ms cum, main.mix (inlined into main.hot)
 * 510ms flat, 440ms under the "thread: worker" label.
 */
Test(pprof, reads_go_cpu_profile)
{
	struct profile q;
	char *data;
	size_t len, i, depth;
	uint32_t hot, mix, worker;
	double self_hot = 0, self_mix = 0, worker_ns = 0;

	data = slurp("tests/data/pprof/go-cpu.pb.gz", &len);
	cr_assert_eq(read_quiet(&q, data, len), 0);
	cr_assert_eq(q.nvalues, 2);
	cr_assert_eq(q.main_value, 1);
	cr_assert_str_eq(q.type[1], "cpu");
	cr_assert_eq(q.period_ns, 10000000);
	cr_assert_float_eq(profile_total(&q, 0), 150, 1e-9);
	cr_assert_float_eq(profile_total(&q, 1), 1.5e9, 1e-3);
	hot = intern_find(&q.frames, "main.hot", 8);
	mix = intern_find(&q.frames, "main.mix", 8);
	worker = intern_find(&q.frames, "worker", 6);
	cr_assert_neq(worker, INTERN_NONE);
	cr_assert_eq(profile_frame_info_get(&q, mix)->kind, FRAME_INLINE);
	for (i = 0; i < profile_nstacks(&q); i++) {
		const uint32_t *f = profile_stack(&q, (uint32_t)i, &depth);
		double v = profile_value(&q, (uint32_t)i, 1);

		if (f[depth - 1] == hot)
			self_hot += v;
		if (f[depth - 1] == mix) {
			self_mix += v;
			cr_assert_eq(f[depth - 2], hot, "mix under hot");
		}
		if (f[0] == worker) {
			worker_ns += v;
			cr_assert_neq(profile_stack_thread(&q, (uint32_t)i), 0);
		}
	}
	cr_assert_float_eq(self_hot, 970e6, 1e-3);
	cr_assert_float_eq(self_mix, 510e6, 1e-3);
	cr_assert_float_eq(worker_ns, 440e6, 1e-3);
	free(data);
	profile_release(&q);
}

/* go tool pprof -top: inuse_space 8.25kB in total. */
Test(pprof, reads_go_heap_profile)
{
	struct profile q;
	char *data;
	size_t len;

	data = slurp("tests/data/pprof/go-heap.pb.gz", &len);
	cr_assert_eq(read_quiet(&q, data, len), 0);
	cr_assert_eq(q.nvalues, 2);
	cr_assert_str_eq(q.type[0], "inuse_objects");
	cr_assert_str_eq(q.type[1], "inuse_space");
	cr_assert_str_eq(q.unit[1], "bytes");
	cr_assert_eq(q.main_value, 1);
	cr_assert_float_eq(profile_total(&q, 1) / 1024.0, 8.25, 0.005);
	profile_release(&q);
	profile_init(&q, 1);
	error_set_quiet(1);
	cr_assert_eq(pprof_read_type(&q, data, len, "t", "alloc_space"), 0);
	cr_assert_str_eq(q.type[0], "alloc_objects");
	cr_assert_str_eq(q.type[1], "alloc_space");
	cr_assert_eq(pprof_read_type(&q, data, len, "t", "nope"), -1);
	error_set_quiet(0);
	free(data);
	profile_release(&q);
}

/*
 * Mutations of a valid message (bytes flipped, lengths broken) must read
 * or fail, never crash: under ASan this checks every bound the reader
 * relies on, whatever the fuzzer's coverage.
 */
Test(pprof, mutated_messages_never_crash)
{
	struct profile p, q;
	struct strbuf raw = STRBUF_INIT;
	unsigned seed = 777;
	int round, ok = 0, failed = 0;

	make_cpu(&p);
	pprof_encode(&p, &raw);
	for (round = 0; round < 3000; round++) {
		char *m = xmalloc(raw.len);
		int flips = 1 + round % 4, i, r;

		memcpy(m, raw.buf, raw.len);
		for (i = 0; i < flips; i++) {
			seed = seed * 1103515245 + 12345;
			m[(seed >> 8) % raw.len] = (char)(seed >> 20);
		}
		r = read_quiet(&q, m, raw.len);
		cr_assert(r == 0 || r == -1);
		ok += r == 0;
		failed += r == -1;
		profile_release(&q);
		free(m);
	}
	/* Both outcomes occur: the mutations reach past the first check. */
	cr_assert_gt(ok, 0);
	cr_assert_gt(failed, 0);
	strbuf_release(&raw);
	profile_release(&p);
}
