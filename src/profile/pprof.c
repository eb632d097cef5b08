#include "core/compat.h"
#include "profile/pprof.h"
#include "core/error.h"
#include "core/intern.h"
#include "core/strbuf.h"
#include "core/vec.h"
#include "profile/pb.h"
#include <math.h>
#include <zlib.h>

/* Field numbers of profile.proto (specs/profiling.md §4). */
enum {
	PROFILE_SAMPLE_TYPE = 1,
	PROFILE_SAMPLE = 2,
	PROFILE_MAPPING = 3,
	PROFILE_LOCATION = 4,
	PROFILE_FUNCTION = 5,
	PROFILE_STRING_TABLE = 6,
	PROFILE_TIME_NANOS = 9,
	PROFILE_DURATION_NANOS = 10,
	PROFILE_PERIOD_TYPE = 11,
	PROFILE_PERIOD = 12,
	PROFILE_DEFAULT_SAMPLE_TYPE = 14,
};

struct u64_vec {
	uint64_t *v;
	size_t len, alloc;
};

struct pprof_writer {
	const struct profile *p;
	struct intern strings;	 /* id = index in string_table */
	struct intern locations; /* key: frame ids of one Location */
	unsigned char *used;	 /* frames that became a Function */
	struct strbuf samples, locs, msg, sub;
};

static const struct profile_frame_info no_info;

static const struct profile_frame_info *info(const struct profile *p,
					     uint32_t frame)
{
	const struct profile_frame_info *fi = profile_frame_info_get(p, frame);

	return fi ? fi : &no_info;
}

static uint64_t str(struct pprof_writer *w, const char *s, size_t len)
{
	return intern_add(&w->strings, s, len, NULL);
}

static uint64_t cstr(struct pprof_writer *w, const char *s)
{
	return str(w, s, strlen(s));
}

/* A string of the profile's own string table, re-interned for output. */
static uint64_t pstr(struct pprof_writer *w, uint32_t id)
{
	const struct intern *t = &w->p->strings;

	if (id >= intern_count(t))
		return 0;
	return str(w, intern_str(t, id), intern_len(t, id));
}

static void add_value_type(struct pprof_writer *w, struct strbuf *out,
			   uint32_t field, const char *type, const char *unit)
{
	strbuf_reset(&w->sub);
	pb_add_uint(&w->sub, 1, cstr(w, type));
	pb_add_uint(&w->sub, 2, cstr(w, unit));
	pb_add_bytes(out, field, w->sub.buf, w->sub.len);
}

static int is_cpu(const struct profile *p)
{
	return p->nvalues == 2 && !strcmp(p->type[0], "samples") &&
	       !strcmp(p->unit[0], "count") && !strcmp(p->type[1], "cpu") &&
	       !strcmp(p->unit[1], "nanoseconds");
}

/* The type of value k; folded input has none, so name it. */
static void value_type(const struct profile *p, unsigned k, const char **type,
		       const char **unit)
{
	*type = p->type[k];
	*unit = p->unit[k];
	if (!**type)
		*type = p->flags & PROFILE_DIFFERENTIAL
			    ? (k ? "after" : "before")
			    : "samples";
	if (!**unit)
		*unit = "count";
}

/*
 * The Location of frames[0..n) (a frame and the frames inlined into it),
 * emitted when first seen; returns its id.
 */
static uint64_t location(struct pprof_writer *w, const uint32_t *frames,
			 size_t n)
{
	const struct profile *p = w->p;
	uint64_t address = 0;
	uint32_t mapping = 0, id;
	int added;
	size_t i;

	id = intern_add(&w->locations, frames, n * sizeof(*frames), &added);
	if (!added)
		return (uint64_t)id + 1;
	/* The outer frame holds the code; an inlined frame's address or
	 * mapping serves only when the outer one has none. */
	for (i = 0; i < n; i++) {
		const struct profile_frame_info *fi = info(p, frames[i]);

		if (!address)
			address = fi->address;
		if (!mapping && fi->mapping < p->nmappings)
			mapping = fi->mapping;
	}
	strbuf_reset(&w->msg);
	pb_add_uint(&w->msg, 1, (uint64_t)id + 1);
	pb_add_uint(&w->msg, 2, mapping);
	pb_add_uint(&w->msg, 3, address);
	/* Lines innermost first: the last inlined frame comes first. */
	for (i = n; i-- > 0;) {
		strbuf_reset(&w->sub);
		pb_add_uint(&w->sub, 1, (uint64_t)frames[i] + 1);
		pb_add_uint(&w->sub, 2, info(p, frames[i])->line);
		pb_add_bytes(&w->msg, 4, w->sub.buf, w->sub.len);
		w->used[frames[i]] = 1;
	}
	pb_add_bytes(&w->locs, PROFILE_LOCATION, w->msg.buf, w->msg.len);
	return (uint64_t)id + 1;
}

static void add_label(struct pprof_writer *w, const char *key, int str_label,
		      uint64_t v)
{
	strbuf_reset(&w->sub);
	pb_add_uint(&w->sub, 1, cstr(w, key));
	pb_add_uint(&w->sub, str_label ? 2 : 3, v);
	pb_add_bytes(&w->msg, 3, w->sub.buf, w->sub.len);
}

static void sample(struct pprof_writer *w, uint32_t stack, struct u64_vec *ids)
{
	const struct profile *p = w->p;
	uint32_t thread = profile_stack_thread(p, stack);
	size_t depth, i, j, start = 0;
	const uint32_t *f = profile_stack(p, stack, &depth);
	uint64_t vals[PROFILE_MAX_VALUES];
	unsigned k;

	if (profile_is_thread_root(p, stack))
		start = 1;
	ids->len = 0;
	for (i = start; i < depth; i = j) {
		for (j = i + 1; j < depth; j++)
			if (info(p, f[j])->kind != FRAME_INLINE)
				break;
		VEC_PUSH(ids, location(w, f + i, j - i));
	}
	/* pprof lists locations leaf first. */
	for (i = 0; i < ids->len / 2; i++) {
		uint64_t t = ids->v[i];

		ids->v[i] = ids->v[ids->len - 1 - i];
		ids->v[ids->len - 1 - i] = t;
	}
	for (k = 0; k < p->nvalues; k++)
		vals[k] = (uint64_t)profile_value(p, stack, k);
	strbuf_reset(&w->msg);
	pb_add_packed(&w->msg, 1, ids->v, ids->len);
	/* Exactly one value per sample type, zeros included. */
	pb_add_tag(&w->msg, 2, PB_LEN);
	strbuf_reset(&w->sub);
	for (k = 0; k < p->nvalues; k++)
		pb_add_varint(&w->sub, vals[k]);
	pb_add_varint(&w->msg, w->sub.len);
	strbuf_addbuf(&w->msg, &w->sub);
	if (thread && thread < p->nthreads) {
		const struct profile_thread *t = &p->threads[thread];

		if (t->comm)
			add_label(w, "thread", 1, pstr(w, t->comm));
		if (t->pid >= 0)
			add_label(w, "pid", 0, (uint64_t)t->pid);
		if (t->tid >= 0)
			add_label(w, "tid", 0, (uint64_t)t->tid);
	}
	pb_add_bytes(&w->samples, PROFILE_SAMPLE, w->msg.buf, w->msg.len);
}

/* What the frames of each mapping carry, for its has_* flags. */
struct mapping_has {
	unsigned char filenames, lines, inlines;
};

static void mappings(struct pprof_writer *w, struct strbuf *out)
{
	const struct profile *p = w->p;
	size_t nframes = intern_count(&p->frames), i;
	struct mapping_has *has;

	if (p->nmappings <= 1)
		return;
	has = xcalloc(p->nmappings, sizeof(*has));
	for (i = 0; i < nframes; i++) {
		const struct profile_frame_info *fi = info(p, (uint32_t)i);

		if (!fi->mapping || fi->mapping >= p->nmappings)
			continue;
		has[fi->mapping].filenames |= fi->file != 0;
		has[fi->mapping].lines |= fi->line != 0;
		has[fi->mapping].inlines |= fi->kind == FRAME_INLINE;
	}
	for (i = 1; i < p->nmappings; i++) {
		const struct profile_mapping *m = &p->mappings[i];

		strbuf_reset(&w->msg);
		pb_add_uint(&w->msg, 1, i);
		pb_add_uint(&w->msg, 2, m->start);
		pb_add_uint(&w->msg, 3, m->limit);
		pb_add_uint(&w->msg, 4, m->offset);
		pb_add_uint(&w->msg, 5, pstr(w, m->file));
		pb_add_uint(&w->msg, 6, pstr(w, m->build_id));
		/* Frames are symbolized already: a server must not try
		 * again with the addresses. */
		pb_add_uint(&w->msg, 7, 1);
		pb_add_uint(&w->msg, 8, has[i].filenames);
		pb_add_uint(&w->msg, 9, has[i].lines);
		pb_add_uint(&w->msg, 10, has[i].inlines);
		pb_add_bytes(out, PROFILE_MAPPING, w->msg.buf, w->msg.len);
	}
	free(has);
}

static void functions(struct pprof_writer *w, struct strbuf *out)
{
	const struct profile *p = w->p;
	size_t nframes = intern_count(&p->frames), i;

	for (i = 0; i < nframes; i++) {
		uint64_t name;

		if (!w->used[i])
			continue;
		name = str(w, profile_frame_name(p, (uint32_t)i),
			   profile_frame_len(p, (uint32_t)i));
		strbuf_reset(&w->msg);
		pb_add_uint(&w->msg, 1, i + 1);
		pb_add_uint(&w->msg, 2, name);
		pb_add_uint(&w->msg, 3, name);
		pb_add_uint(&w->msg, 4, pstr(w, info(p, (uint32_t)i)->file));
		pb_add_bytes(out, PROFILE_FUNCTION, w->msg.buf, w->msg.len);
	}
}

void pprof_encode(const struct profile *p, struct strbuf *out)
{
	struct pprof_writer w;
	struct u64_vec ids = VEC_INIT;
	size_t n = profile_nstacks(p), i;
	uint32_t *order = profile_sorted_stacks(p);
	uint64_t period_type = 0;
	unsigned k;

	memset(&w, 0, sizeof(w));
	w.p = p;
	intern_init(&w.strings);
	intern_init(&w.locations);
	strbuf_init(&w.samples, 0);
	strbuf_init(&w.locs, 0);
	strbuf_init(&w.msg, 0);
	strbuf_init(&w.sub, 0);
	w.used = xcalloc(intern_count(&p->frames) + 1, 1);
	cstr(&w, ""); /* string_table[0] must be "" */

	for (k = 0; k < p->nvalues; k++) {
		const char *type, *unit;

		value_type(p, k, &type, &unit);
		add_value_type(&w, out, PROFILE_SAMPLE_TYPE, type, unit);
	}
	/* Samples in folded order, so the same profile gives the same
	 * bytes whatever order its stacks were added in. */
	for (i = 0; i < n; i++)
		sample(&w, order[i], &ids);
	strbuf_addbuf(out, &w.samples);
	mappings(&w, out);
	strbuf_addbuf(out, &w.locs);
	functions(&w, out);
	if (is_cpu(p) || p->period_ns) {
		strbuf_reset(&w.msg);
		add_value_type(&w, &w.msg, PROFILE_PERIOD_TYPE, "cpu",
			       "nanoseconds");
		period_type = 1;
	}
	if (p->nvalues > 1) {
		const char *type, *unit;

		value_type(p, p->main_value < p->nvalues ? p->main_value : 0,
			   &type, &unit);
		k = (unsigned)cstr(&w, type);
	} else {
		k = 0;
	}
	/* Every string is interned by now: the table can be written. */
	for (i = 0; i < intern_count(&w.strings); i++)
		pb_add_bytes(out, PROFILE_STRING_TABLE,
			     intern_str(&w.strings, (uint32_t)i),
			     intern_len(&w.strings, (uint32_t)i));
	pb_add_uint(out, PROFILE_TIME_NANOS, p->time_ns);
	pb_add_uint(out, PROFILE_DURATION_NANOS, p->duration_ns);
	if (period_type) {
		strbuf_addbuf(out, &w.msg);
		pb_add_uint(out, PROFILE_PERIOD, p->period_ns);
	}
	pb_add_uint(out, PROFILE_DEFAULT_SAMPLE_TYPE, k);

	VEC_RELEASE(&ids);
	free(order);
	free(w.used);
	intern_release(&w.strings);
	intern_release(&w.locations);
	strbuf_release(&w.samples);
	strbuf_release(&w.locs);
	strbuf_release(&w.msg);
	strbuf_release(&w.sub);
}

int pprof_write(const struct profile *p, FILE *fp)
{
	struct strbuf raw = STRBUF_INIT;
	unsigned char out[64 * 1024];
	z_stream zs;
	int zr, ret = 0;

	pprof_encode(p, &raw);
	if (raw.len > UINT_MAX) {
		strbuf_release(&raw);
		return error("pprof profile too large (%zu bytes)", raw.len);
	}
	memset(&zs, 0, sizeof(zs));
	/* windowBits 15 + 16: a gzip wrapper, which pprof requires on disk;
	 * zlib writes mtime 0, so the bytes stay deterministic. */
	if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		strbuf_release(&raw);
		return error("cannot initialise zlib");
	}
	zs.next_in = (unsigned char *)raw.buf;
	zs.avail_in = (uInt)raw.len;
	do {
		zs.next_out = out;
		zs.avail_out = sizeof(out);
		zr = deflate(&zs, Z_FINISH);
		if (zr == Z_STREAM_ERROR) {
			ret = error("gzip compression failed");
			break;
		}
		fwrite(out, 1, sizeof(out) - zs.avail_out, fp);
	} while (zr != Z_STREAM_END);
	deflateEnd(&zs);
	strbuf_release(&raw);
	if (!ret && ferror(fp))
		ret = error_errno("cannot write pprof profile");
	return ret;
}
