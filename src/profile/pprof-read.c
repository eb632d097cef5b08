#include "core/compat.h"
#include "profile/pprof.h"
#include "core/error.h"
#include "core/intern.h"
#include "core/strbuf.h"
#include "core/vec.h"
#include "profile/pb.h"
#include <zlib.h>

/*
 * Reading profile.proto in two passes: the first walks the top-level
 * fields and decodes mappings, locations and functions with their string
 * indices (the string table may come last); the second checks every
 * index and id and turns samples into stacks.  Every id is looked up in
 * an intern table keyed by its 8 bytes, so ids need not be dense.
 */

struct pp_string {
	const char *s;
	size_t len;
};

struct pp_function {
	uint64_t name, system_name, filename;
	uint32_t frame; /* in the profile, resolved in pass two */
};

struct pp_mapping {
	uint64_t start, limit, offset, filename, build_id;
	uint32_t index; /* in p->mappings, resolved in pass two */
};

struct pp_line {
	uint64_t function; /* id */
	int64_t line;
};

struct pp_location {
	uint64_t mapping, address;
	size_t line0, nlines;	/* in lines */
	size_t frame0, nframes; /* in frames, root first, pass two */
};

struct pp_value_type {
	uint64_t type, unit;
};

struct pp_reader {
	struct profile *p;
	const char *name;
	VEC(struct pp_string) strings;
	VEC(struct pp_value_type) types;
	VEC(struct pp_string) samples; /* raw Sample messages */
	VEC(struct pp_function) functions;
	VEC(struct pp_mapping) mappings;
	VEC(struct pp_location) locations;
	VEC(struct pp_line) lines;
	VEC(uint32_t) frames; /* the frames of every location */
	struct intern function_ids, mapping_ids, location_ids;
	uint64_t default_type, period, time_nanos, duration_nanos;
	const char *want_type; /* the caller's main value, or NULL */
	struct pp_value_type period_type;
};

static int bad(struct pp_reader *r, const char *what)
{
	return error("%s: malformed pprof profile: %s", r->name, what);
}

/* Register an id; -1 (reported) when it is 0 or seen before. */
static int new_id(struct pp_reader *r, struct intern *t, uint64_t id,
		  const char *what)
{
	int added;

	if (!id)
		return error("%s: malformed pprof profile: %s id 0", r->name,
			     what);
	intern_add(t, &id, sizeof(id), &added);
	if (!added)
		return error("%s: malformed pprof profile: duplicate %s id "
			     "%" PRIu64,
			     r->name, what, id);
	return 0;
}

static uint32_t find_id(const struct intern *t, uint64_t id)
{
	return intern_find(t, &id, sizeof(id));
}

static int decode_value_type(struct pp_reader *r, const struct pb_field *f,
			     struct pp_value_type *vt)
{
	struct pb_reader in;
	struct pb_field g;
	int rc;

	memset(vt, 0, sizeof(*vt));
	if (f->wire != PB_LEN)
		return bad(r, "value type is not a message");
	pb_reader_init(&in, f->data, f->len);
	while ((rc = pb_next(&in, &g)) > 0) {
		if (g.num == 1 && g.wire == PB_VARINT)
			vt->type = g.v;
		else if (g.num == 2 && g.wire == PB_VARINT)
			vt->unit = g.v;
	}
	return rc < 0 ? bad(r, "bad value type") : 0;
}

static int decode_function(struct pp_reader *r, const struct pb_field *f)
{
	struct pp_function fn = {0};
	struct pb_reader in;
	struct pb_field g;
	uint64_t id = 0;
	int rc;

	pb_reader_init(&in, f->data, f->len);
	while ((rc = pb_next(&in, &g)) > 0) {
		if (g.wire != PB_VARINT)
			continue;
		switch (g.num) {
		case 1:
			id = g.v;
			break;
		case 2:
			fn.name = g.v;
			break;
		case 3:
			fn.system_name = g.v;
			break;
		case 4:
			fn.filename = g.v;
			break;
		}
	}
	if (rc < 0)
		return bad(r, "bad function");
	if (new_id(r, &r->function_ids, id, "function") < 0)
		return -1;
	VEC_PUSH(&r->functions, fn);
	return 0;
}

static int decode_mapping(struct pp_reader *r, const struct pb_field *f)
{
	struct pp_mapping m = {0};
	struct pb_reader in;
	struct pb_field g;
	uint64_t id = 0;
	int rc;

	pb_reader_init(&in, f->data, f->len);
	while ((rc = pb_next(&in, &g)) > 0) {
		if (g.wire != PB_VARINT)
			continue;
		switch (g.num) {
		case 1:
			id = g.v;
			break;
		case 2:
			m.start = g.v;
			break;
		case 3:
			m.limit = g.v;
			break;
		case 4:
			m.offset = g.v;
			break;
		case 5:
			m.filename = g.v;
			break;
		case 6:
			m.build_id = g.v;
			break;
		}
	}
	if (rc < 0)
		return bad(r, "bad mapping");
	if (new_id(r, &r->mapping_ids, id, "mapping") < 0)
		return -1;
	VEC_PUSH(&r->mappings, m);
	return 0;
}

static int decode_line(struct pp_reader *r, const struct pb_field *f)
{
	struct pp_line l = {0, 0};
	struct pb_reader in;
	struct pb_field g;
	int rc;

	if (f->wire != PB_LEN)
		return bad(r, "line is not a message");
	pb_reader_init(&in, f->data, f->len);
	while ((rc = pb_next(&in, &g)) > 0) {
		if (g.num == 1 && g.wire == PB_VARINT)
			l.function = g.v;
		else if (g.num == 2 && g.wire == PB_VARINT)
			l.line = (int64_t)g.v;
	}
	if (rc < 0)
		return bad(r, "bad line");
	VEC_PUSH(&r->lines, l);
	return 0;
}

static int decode_location(struct pp_reader *r, const struct pb_field *f)
{
	struct pp_location loc = {0};
	struct pb_reader in;
	struct pb_field g;
	uint64_t id = 0;
	int rc;

	loc.line0 = r->lines.len;
	pb_reader_init(&in, f->data, f->len);
	while ((rc = pb_next(&in, &g)) > 0) {
		if (g.num == 4) {
			if (decode_line(r, &g) < 0)
				return -1;
			continue;
		}
		if (g.wire != PB_VARINT)
			continue;
		switch (g.num) {
		case 1:
			id = g.v;
			break;
		case 2:
			loc.mapping = g.v;
			break;
		case 3:
			loc.address = g.v;
			break;
		}
	}
	if (rc < 0)
		return bad(r, "bad location");
	loc.nlines = r->lines.len - loc.line0;
	if (new_id(r, &r->location_ids, id, "location") < 0)
		return -1;
	VEC_PUSH(&r->locations, loc);
	return 0;
}

/* Pass one: the top-level fields. */
static int decode_profile(struct pp_reader *r, const char *data, size_t len)
{
	struct pb_reader in;
	struct pb_field f;
	struct pp_value_type vt;
	struct pp_string s;
	int rc;

	pb_reader_init(&in, data, len);
	while ((rc = pb_next(&in, &f)) > 0) {
		int is_len = f.wire == PB_LEN;

		switch (f.num) {
		case 1:
			if (decode_value_type(r, &f, &vt) < 0)
				return -1;
			VEC_PUSH(&r->types, vt);
			break;
		case 2:
		case 3:
		case 4:
		case 5:
		case 6:
			if (!is_len)
				return bad(r, "a message field has the "
					      "wrong wire type");
			s.s = f.data;
			s.len = f.len;
			if (f.num == 2)
				VEC_PUSH(&r->samples, s);
			else if (f.num == 6)
				VEC_PUSH(&r->strings, s);
			else if (f.num == 3 && decode_mapping(r, &f) < 0)
				return -1;
			else if (f.num == 4 && decode_location(r, &f) < 0)
				return -1;
			else if (f.num == 5 && decode_function(r, &f) < 0)
				return -1;
			break;
		case 9:
			r->time_nanos = f.v;
			break;
		case 10:
			r->duration_nanos = f.v;
			break;
		case 11:
			if (decode_value_type(r, &f, &r->period_type) < 0)
				return -1;
			break;
		case 12:
			r->period = f.v;
			break;
		case 14:
			r->default_type = f.v;
			break;
		default:
			break; /* drop/keep_frames, comments, newer fields */
		}
	}
	if (rc < 0)
		return bad(r, "truncated or corrupt protobuf data");
	return 0;
}

/* A string by index, or NULL (reported) when out of range. */
static const struct pp_string *string(struct pp_reader *r, uint64_t idx)
{
	if (idx >= r->strings.len) {
		error("%s: malformed pprof profile: string index %" PRIu64
		      " out of range (%zu strings)",
		      r->name, idx, r->strings.len);
		return NULL;
	}
	return &r->strings.v[idx];
}

static char *string_dup(struct pp_reader *r, uint64_t idx)
{
	const struct pp_string *s = string(r, idx);

	return s ? xstrndup(s->s, s->len) : NULL;
}

static int resolve_mappings(struct pp_reader *r)
{
	size_t i;

	for (i = 0; i < r->mappings.len; i++) {
		struct pp_mapping *m = &r->mappings.v[i];
		char *file = string_dup(r, m->filename);
		char *bid = string_dup(r, m->build_id);

		if (file && bid)
			m->index =
			    profile_mapping(r->p, m->start, m->limit, m->offset,
					    file, *bid ? bid : NULL);
		free(file);
		free(bid);
		if (!file || !bid)
			return -1;
	}
	return 0;
}

static int resolve_functions(struct pp_reader *r)
{
	size_t i;

	for (i = 0; i < r->functions.len; i++) {
		struct pp_function *fn = &r->functions.v[i];
		const struct pp_string *name = string(r, fn->name);
		const struct pp_string *sys = string(r, fn->system_name);
		const struct pp_string *file = string(r, fn->filename);

		if (!name || !sys || !file)
			return -1;
		if (!name->len)
			name = sys;
		if (name->len)
			fn->frame = profile_frame(r->p, name->s, name->len);
		else
			fn->frame = profile_frame(r->p, "[unknown]", 9);
	}
	return 0;
}

/* Details of a frame from its first appearance only. */
static void frame_info(struct pp_reader *r, uint32_t frame, unsigned kind,
		       const struct pp_location *loc, const struct pp_line *l,
		       const struct pp_function *fn)
{
	struct profile *p = r->p;
	struct profile_frame_info *fi;
	const struct profile_mapping *m = NULL;
	uint32_t mi;

	if (frame < p->finfo_alloc &&
	    (p->finfo[frame].kind || p->finfo[frame].address ||
	     p->finfo[frame].mapping || p->finfo[frame].file))
		return;
	fi = profile_frame_info(p, frame);
	mi =
	    loc->mapping ? find_id(&r->mapping_ids, loc->mapping) : INTERN_NONE;
	if (mi != INTERN_NONE) {
		fi->mapping = r->mappings.v[mi].index;
		m = &p->mappings[fi->mapping];
		fi->dso = m->file;
	}
	if (kind == FRAME_USER && m) {
		const char *f = intern_str(&p->strings, m->file);

		if (!strncmp(f, "[kernel", 7) || strstr(f, "vmlinux"))
			kind = FRAME_KERNEL;
		else if (!strncmp(f, "/tmp/perf-", 10))
			kind = FRAME_JIT;
	}
	fi->kind = (uint8_t)kind;
	fi->address = loc->address;
	if (l && l->line > 0 && l->line <= UINT32_MAX)
		fi->line = (uint32_t)l->line;
	if (fn && fn->filename) {
		const struct pp_string *s = &r->strings.v[fn->filename];

		fi->file = intern_add(&p->strings, s->s, s->len, NULL);
	}
}

/* A name for a location without lines (not symbolized). */
static uint32_t address_frame(struct pp_reader *r,
			      const struct pp_location *loc)
{
	struct strbuf sb = STRBUF_INIT;
	uint32_t mi =
	    loc->mapping ? find_id(&r->mapping_ids, loc->mapping) : INTERN_NONE;
	uint32_t frame;

	if (mi != INTERN_NONE) {
		const struct profile_mapping *m =
		    &r->p->mappings[r->mappings.v[mi].index];
		const char *f = intern_str(&r->p->strings, m->file);
		const char *base = strrchr(f, '/');

		base = base ? base + 1 : f;
		if (*base)
			strbuf_addf(&sb, "[%s]", base);
	}
	/* Like collapse: "[dso]" when the file is known, else the address. */
	if (!sb.len)
		strbuf_addf(&sb, "0x%" PRIx64, loc->address);
	frame = profile_frame(r->p, sb.buf, sb.len);
	strbuf_release(&sb);
	return frame;
}

/* Pass two for locations: their frames, root first. */
static int resolve_locations(struct pp_reader *r)
{
	size_t i, j;

	for (i = 0; i < r->locations.len; i++) {
		struct pp_location *loc = &r->locations.v[i];

		if (loc->mapping &&
		    find_id(&r->mapping_ids, loc->mapping) == INTERN_NONE)
			return error("%s: malformed pprof profile: location "
				     "refers to unknown mapping %" PRIu64,
				     r->name, loc->mapping);
		loc->frame0 = r->frames.len;
		if (!loc->nlines) {
			uint32_t fr = address_frame(r, loc);

			frame_info(r, fr, FRAME_USER, loc, NULL, NULL);
			VEC_PUSH(&r->frames, fr);
		}
		/* Lines are innermost first; frames go root first. */
		for (j = loc->nlines; j-- > 0;) {
			const struct pp_line *l = &r->lines.v[loc->line0 + j];
			uint32_t fi = find_id(&r->function_ids, l->function);
			const struct pp_function *fn;

			if (fi == INTERN_NONE)
				return error("%s: malformed pprof profile: "
					     "line refers to unknown function "
					     "%" PRIu64,
					     r->name, l->function);
			fn = &r->functions.v[fi];
			frame_info(r, fn->frame,
				   j + 1 < loc->nlines ? FRAME_INLINE
						       : FRAME_USER,
				   loc, l, fn);
			VEC_PUSH(&r->frames, fn->frame);
		}
		loc->nframes = r->frames.len - loc->frame0;
	}
	return 0;
}

static int name_is(struct pp_reader *r, uint64_t idx, const char *s)
{
	const struct pp_string *t = &r->strings.v[idx];

	return t->len == strlen(s) && !memcmp(t->s, s, t->len);
}

/*
 * Which sample values to keep: the main one (default_sample_type, else
 * the last) and the one before it (Go's samples before cpu, objects
 * before space), or after it when the main one is first.
 */
static int choose_values(struct pp_reader *r, size_t *keep,
			 unsigned *main_value)
{
	size_t n = r->types.len, m = n - 1, i;

	if (r->want_type) {
		struct strbuf sb = STRBUF_INIT;

		for (i = 0; i < n; i++)
			if (name_is(r, r->types.v[i].type, r->want_type))
				break;
		if (i < n) {
			m = i;
			goto chosen;
		}
		for (i = 0; i < n; i++) {
			const struct pp_string *t =
			    &r->strings.v[r->types.v[i].type];

			strbuf_addf(&sb, "%s%.*s", i ? ", " : "", (int)t->len,
				    t->s);
		}
		error("%s: no sample type '%s' in the profile (it has: %s)",
		      r->name, r->want_type, sb.buf);
		strbuf_release(&sb);
		return -1;
	}

	if (r->default_type) {
		const struct pp_string *d = &r->strings.v[r->default_type];

		for (i = 0; i < n; i++) {
			const struct pp_string *t =
			    &r->strings.v[r->types.v[i].type];

			if (t->len == d->len && !memcmp(t->s, d->s, d->len))
				m = i;
		}
	}
chosen:
	if (n == 1) {
		keep[0] = 0;
		*main_value = 0;
		return 1;
	}
	if (m > 0) {
		/*
		 * Beside the chosen value, the nearest count before it when
		 * there is one (Go's heap: inuse_objects for inuse_space; a
		 * recording with off-CPU time: samples for wall, not
		 * offcpu), else the type before it.
		 */
		keep[0] = m - 1;
		for (i = m; i-- > 0;)
			if (name_is(r, r->types.v[i].unit, "count")) {
				keep[0] = i;
				break;
			}
		keep[1] = m;
		*main_value = 1;
	} else {
		keep[0] = 0;
		keep[1] = 1;
		*main_value = 0;
	}
	return 2;
}

struct sample_ctx {
	VEC(uint64_t) ids;
	VEC(int64_t) values;
};

static int push_id(void *ctx, uint64_t v)
{
	struct sample_ctx *c = ctx;

	VEC_PUSH(&c->ids, v);
	return 0;
}

static int push_value(void *ctx, uint64_t v)
{
	struct sample_ctx *c = ctx;

	VEC_PUSH(&c->values, (int64_t)v);
	return 0;
}

struct thread_labels {
	const struct pp_string *comm;
	int64_t pid, tid;
	int any;
};

static int decode_label(struct pp_reader *r, const struct pb_field *f,
			struct thread_labels *tl)
{
	uint64_t key = 0, str = 0, num = 0;
	struct pb_reader in;
	struct pb_field g;
	int rc;

	if (f->wire != PB_LEN)
		return bad(r, "label is not a message");
	pb_reader_init(&in, f->data, f->len);
	while ((rc = pb_next(&in, &g)) > 0) {
		if (g.wire != PB_VARINT)
			continue;
		if (g.num == 1)
			key = g.v;
		else if (g.num == 2)
			str = g.v;
		else if (g.num == 3)
			num = g.v;
	}
	if (rc < 0)
		return bad(r, "bad label");
	if (!string(r, key) || !string(r, str))
		return -1;
	/* Our labels, and the names async-profiler and Pyroscope use. */
	if ((name_is(r, key, "thread") || name_is(r, key, "thread_name")) &&
	    !tl->comm) {
		tl->comm = &r->strings.v[str];
		tl->any = 1;
	} else if (name_is(r, key, "pid") && tl->pid < 0 && num <= INT_MAX) {
		tl->pid = (int64_t)num;
		tl->any = 1;
	} else if ((name_is(r, key, "tid") || name_is(r, key, "thread_id")) &&
		   tl->tid < 0 && num <= INT_MAX) {
		tl->tid = (int64_t)num;
		tl->any = 1;
	}
	return 0;
}

static int read_samples(struct pp_reader *r, const size_t *keep, unsigned nkeep)
{
	struct profile *p = r->p;
	struct sample_ctx c = {VEC_INIT, VEC_INIT};
	VEC(uint32_t) stack = VEC_INIT;
	struct strbuf sb = STRBUF_INIT;
	size_t i, j;
	int ret = -1;

	for (i = 0; i < r->samples.len; i++) {
		struct thread_labels tl = {NULL, -1, -1, 0};
		struct pb_reader in;
		struct pb_field g;
		uint32_t thread = 0;
		int64_t v[PROFILE_MAX_VALUES];
		int rc;

		c.ids.len = c.values.len = 0;
		pb_reader_init(&in, r->samples.v[i].s, r->samples.v[i].len);
		while ((rc = pb_next(&in, &g)) > 0) {
			if (g.num == 1 && pb_each_uint(&g, push_id, &c) < 0)
				rc = -1;
			else if (g.num == 2 &&
				 pb_each_uint(&g, push_value, &c) < 0)
				rc = -1;
			else if (g.num == 3 && decode_label(r, &g, &tl) < 0)
				goto out;
			if (rc < 0)
				break;
		}
		if (rc < 0) {
			bad(r, "bad sample");
			goto out;
		}
		if (c.values.len != r->types.len) {
			error("%s: malformed pprof profile: sample %zu has %zu "
			      "values for %zu sample types",
			      r->name, i + 1, c.values.len, r->types.len);
			goto out;
		}
		stack.len = 0;
		if (tl.any) {
			char *comm = tl.comm
					 ? xstrndup(tl.comm->s, tl.comm->len)
					 : xstrdup("");
			uint32_t fr;

			thread =
			    profile_thread(p, (int)tl.pid, (int)tl.tid, comm);
			free(comm);
			strbuf_reset(&sb);
			profile_thread_name(p, thread, &sb);
			fr = profile_frame(p, sb.buf, sb.len);
			profile_frame_info(p, fr)->kind = FRAME_SYNTHETIC;
			VEC_PUSH(&stack, fr);
		}
		/* Location ids are leaf first; the model is root first. */
		for (j = c.ids.len; j-- > 0;) {
			uint32_t li = find_id(&r->location_ids, c.ids.v[j]);
			const struct pp_location *loc;

			if (li == INTERN_NONE) {
				error("%s: malformed pprof profile: sample "
				      "refers to unknown location %" PRIu64,
				      r->name, c.ids.v[j]);
				goto out;
			}
			loc = &r->locations.v[li];
			VEC_GROW(&stack, stack.len + loc->nframes);
			memcpy(stack.v + stack.len, r->frames.v + loc->frame0,
			       loc->nframes * sizeof(*stack.v));
			stack.len += loc->nframes;
		}
		for (j = 0; j < nkeep; j++)
			v[j] = (int64_t)c.values.v[keep[j]];
		profile_add(p, thread, stack.v, stack.len, v);
		if (p->overflowed) {
			error("%s: the values of the samples add up to more "
			      "than %" PRId64,
			      r->name, INT64_MAX);
			goto out;
		}
	}
	ret = 0;
out:
	VEC_RELEASE(&c.ids);
	VEC_RELEASE(&c.values);
	VEC_RELEASE(&stack);
	strbuf_release(&sb);
	return ret;
}

static int parse(struct pp_reader *r, const char *data, size_t len)
{
	struct profile *p = r->p;
	size_t keep[PROFILE_MAX_VALUES], i;
	unsigned main_value;
	int nkeep;
	const struct pp_string *t, *u;

	if (decode_profile(r, data, len) < 0)
		return -1;
	if (!r->strings.len || r->strings.v[0].len)
		return bad(r, "string_table[0] is not \"\"");
	if (!r->types.len)
		return bad(r, "no sample_type");
	for (i = 0; i < r->types.len; i++)
		if (!string(r, r->types.v[i].type) ||
		    !string(r, r->types.v[i].unit))
			return -1;
	if (!string(r, r->default_type) || !string(r, r->period_type.type) ||
	    !string(r, r->period_type.unit))
		return -1;
	nkeep = choose_values(r, keep, &main_value);
	if (nkeep < 0)
		return -1;
	profile_release(p);
	profile_init(p, (unsigned)nkeep);
	p->main_value = main_value;
	for (i = 0; i < (size_t)nkeep; i++) {
		char *type, *unit;

		t = &r->strings.v[r->types.v[keep[i]].type];
		u = &r->strings.v[r->types.v[keep[i]].unit];
		type = xstrndup(t->s, t->len);
		unit = xstrndup(u->s, u->len);
		profile_set_type(p, (unsigned)i, type, unit);
		free(type);
		free(unit);
	}
	if (name_is(r, r->period_type.unit, "nanoseconds"))
		p->period_ns = r->period;
	p->time_ns = r->time_nanos;
	p->duration_ns = r->duration_nanos;
	if (resolve_mappings(r) < 0 || resolve_functions(r) < 0 ||
	    resolve_locations(r) < 0 ||
	    read_samples(r, keep, (unsigned)nkeep) < 0)
		return -1;
	if (!r->samples.len)
		return error("%s: the pprof profile has no samples", r->name);
	return 0;
}

/* Free bytes in out, within its cap and zlib's uInt. */
static size_t out_room(const struct strbuf *out)
{
	size_t room = out->alloc ? out->alloc - out->len - 1 : 0;

	if (out->max)
		room = MIN(room, out->max - out->len);
	return MIN(room, (size_t)UINT_MAX);
}

/*
 * The inflate limit in MB: PERFOPS_PPROF_MAX_MB, else the default.
 * Returns 0 (reported) when the variable is not a whole number of MB.
 */
static size_t inflate_max_mb(void)
{
	const char *v = getenv(PPROF_INFLATE_ENV);
	unsigned long long mb;
	char *end;

	if (!v || !*v)
		return PPROF_INFLATE_MAX_MB;
	errno = 0;
	mb = strtoull(v, &end, 10);
	if (errno || *end || !isdigit((unsigned char)*v) || !mb ||
	    mb > (SIZE_MAX >> 21)) {
		error("%s='%s' is not a size in MB (a whole number from 1, "
		      "default %d)",
		      PPROF_INFLATE_ENV, v, PPROF_INFLATE_MAX_MB);
		return 0;
	}
	return (size_t)mb;
}

/* Inflate gzip (or zlib) data into out, refusing more than the cap. */
static int gunzip(const char *data, size_t len, const char *name,
		  struct strbuf *out)
{
	const size_t step = 256 * 1024;
	size_t done, max_mb = inflate_max_mb();
	z_stream zs;
	int zr = Z_OK;

	if (!max_mb)
		return -1;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 15 + 32) != Z_OK)
		return error("cannot initialise zlib");
	strbuf_init_capped(out, max_mb << 20);
	zs.next_in = (unsigned char *)data;
	while (zr != Z_STREAM_END) {
		size_t room;

		/* zlib counts in uInt: feed long inputs in slices. */
		done = (size_t)((const char *)zs.next_in - data);
		if (!zs.avail_in)
			zs.avail_in = (uInt)MIN(len - done, (size_t)UINT_MAX);
		room = out_room(out);
		if (!room) {
			if (strbuf_grow(out, MAX(out->len, step)) < 0)
				strbuf_grow(out, 1);
			room = out_room(out);
		}
		if (!room) {
			inflateEnd(&zs);
			return error("%s: the gzip data inflates to more than "
				     "%zu MB (a gzip bomb?); set %s=N to "
				     "allow N MB",
				     name, max_mb, PPROF_INFLATE_ENV);
		}
		zs.next_out = (unsigned char *)out->buf + out->len;
		zs.avail_out = (uInt)room;
		zr = inflate(&zs, Z_NO_FLUSH);
		out->len += room - zs.avail_out;
		out->buf[out->len] = '\0';
		if (zr == Z_BUF_ERROR && !zs.avail_in) {
			inflateEnd(&zs);
			return error("%s: truncated gzip data", name);
		}
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
			inflateEnd(&zs);
			return error("%s: corrupt gzip data (%s)", name,
				     zs.msg ? zs.msg : "inflate failed");
		}
	}
	inflateEnd(&zs);
	return 0;
}

int pprof_read(struct profile *p, const char *data, size_t len,
	       const char *name)
{
	return pprof_read_type(p, data, len, name, NULL);
}

int pprof_read_type(struct profile *p, const char *data, size_t len,
		    const char *name, const char *sample_type)
{
	struct pp_reader r;
	struct strbuf raw = STRBUF_INIT;
	int ret;

	if (len >= 2 && (unsigned char)data[0] == 0x1f &&
	    (unsigned char)data[1] == 0x8b) {
		if (gunzip(data, len, name, &raw) < 0) {
			strbuf_release(&raw);
			return -1;
		}
		data = raw.buf;
		len = raw.len;
	}
	memset(&r, 0, sizeof(r));
	r.p = p;
	r.name = name;
	r.want_type = sample_type;
	intern_init(&r.function_ids);
	intern_init(&r.mapping_ids);
	intern_init(&r.location_ids);
	ret = parse(&r, data, len);
	VEC_RELEASE(&r.strings);
	VEC_RELEASE(&r.types);
	VEC_RELEASE(&r.samples);
	VEC_RELEASE(&r.functions);
	VEC_RELEASE(&r.mappings);
	VEC_RELEASE(&r.locations);
	VEC_RELEASE(&r.lines);
	VEC_RELEASE(&r.frames);
	intern_release(&r.function_ids);
	intern_release(&r.mapping_ids);
	intern_release(&r.location_ids);
	strbuf_release(&raw);
	return ret;
}

/* The wire type each top-level Profile field must have (0 = unknown). */
static int profile_field_ok(uint32_t num, unsigned wire)
{
	switch (num) {
	case 1:
	case 2:
	case 3:
	case 4:
	case 5:
	case 6:
	case 11:
		return wire == PB_LEN;
	case 9:
	case 10:
	case 12:
	case 14:
		return wire == PB_VARINT;
	case 7:
	case 8:
		return wire == PB_VARINT;
	case 13: /* repeated int64, packed or not */
		return wire == PB_VARINT || wire == PB_LEN;
	default:
		return 0;
	}
}

int pprof_detect(const char *data, size_t len)
{
	const unsigned char *u = (const unsigned char *)data;
	struct pb_reader in;
	struct pb_field f;
	int binary = 0, fields = 0, rc;
	size_t i;

	if (len >= 2 && u[0] == 0x1f && u[1] == 0x8b)
		return 1;
	/* Text profiles have no control bytes; protobuf always has some
	 * (lengths, small ids, the empty first string). */
	for (i = 0; i < len && !binary; i++)
		binary =
		    u[i] < 0x20 && u[i] != '\t' && u[i] != '\n' && u[i] != '\r';
	if (!binary)
		return 0;
	pb_reader_init(&in, data, len);
	while ((rc = pb_next(&in, &f)) > 0) {
		if (!profile_field_ok(f.num, f.wire))
			return 0;
		fields++;
	}
	/* A field cut off by the end of the window is fine. */
	return fields > 0 && (rc == 0 || fields >= 2);
}
