#include "core/compat.h"
#include "profile/profile.h"
#include "core/strbuf.h"
#include "core/vec.h"

void profile_init(struct profile *p, unsigned nvalues)
{
	unsigned k;

	memset(p, 0, sizeof(*p));
	intern_init(&p->frames);
	intern_init(&p->stacks);
	intern_init(&p->strings);
	intern_add(&p->strings, "", 0, NULL);
	p->nvalues = nvalues ? nvalues : 1;
	if (p->nvalues > PROFILE_MAX_VALUES)
		p->nvalues = PROFILE_MAX_VALUES;
	for (k = 0; k < PROFILE_MAX_VALUES; k++) {
		p->type[k] = xstrdup("");
		p->unit[k] = xstrdup("");
	}
	/* Thread 0 stands for "no thread information", mapping 0 for an
	 * unknown one. */
	profile_thread(p, -1, -1, "");
	p->mappings = xcalloc(1, sizeof(*p->mappings));
	p->nmappings = p->mappings_alloc = 1;
}

void profile_release(struct profile *p)
{
	unsigned k;

	intern_release(&p->frames);
	intern_release(&p->stacks);
	intern_release(&p->strings);
	free(p->values);
	free(p->finfo);
	free(p->threads);
	free(p->mappings);
	for (k = 0; k < PROFILE_MAX_VALUES; k++) {
		free(p->type[k]);
		free(p->unit[k]);
	}
	memset(p, 0, sizeof(*p));
}

void profile_set_type(struct profile *p, unsigned k, const char *type,
		      const char *unit)
{
	if (k >= PROFILE_MAX_VALUES)
		return;
	free(p->type[k]);
	free(p->unit[k]);
	p->type[k] = xstrdup(type);
	p->unit[k] = xstrdup(unit);
}

uint32_t profile_frame(struct profile *p, const char *name, size_t len)
{
	return intern_add(&p->frames, name, len, NULL);
}

struct profile_frame_info *profile_frame_info(struct profile *p, uint32_t frame)
{
	size_t old = p->finfo_alloc;

	if (frame >= p->finfo_alloc) {
		ALLOC_GROW(p->finfo, (size_t)frame + 1, p->finfo_alloc);
		memset(p->finfo + old, 0,
		       (p->finfo_alloc - old) * sizeof(*p->finfo));
	}
	return &p->finfo[frame];
}

uint32_t profile_mapping(struct profile *p, uint64_t start, uint64_t limit,
			 uint64_t offset, const char *file,
			 const char *build_id)
{
	uint32_t f = intern_add(&p->strings, file, strlen(file), NULL);
	uint32_t b =
	    build_id ? intern_add(&p->strings, build_id, strlen(build_id), NULL)
		     : 0;
	struct profile_mapping *m;
	size_t i;

	for (i = 1; i < p->nmappings; i++) {
		m = &p->mappings[i];
		if (m->start == start && m->limit == limit &&
		    m->offset == offset && m->file == f && m->build_id == b)
			return (uint32_t)i;
	}
	ALLOC_GROW(p->mappings, p->nmappings + 1, p->mappings_alloc);
	m = &p->mappings[p->nmappings];
	m->start = start;
	m->limit = limit;
	m->offset = offset;
	m->file = f;
	m->build_id = b;
	return (uint32_t)p->nmappings++;
}

uint32_t profile_thread(struct profile *p, int pid, int tid, const char *comm)
{
	struct profile_thread *t;
	uint32_t c = intern_add(&p->strings, comm, strlen(comm), NULL);
	size_t i;

	/*
	 * The name is part of the key: a thread that renames itself or
	 * execs is another thread from then on, as its root frame is.
	 */
	for (i = 1; i < p->nthreads; i++)
		if (p->threads[i].pid == pid && p->threads[i].tid == tid &&
		    p->threads[i].comm == c)
			return (uint32_t)i;
	ALLOC_GROW(p->threads, p->nthreads + 1, p->threads_alloc);
	t = &p->threads[p->nthreads];
	t->pid = pid;
	t->tid = tid;
	t->comm = c;
	return (uint32_t)p->nthreads++;
}

uint32_t profile_add(struct profile *p, uint32_t thread, const uint32_t *frames,
		     size_t depth, const int64_t *values)
{
	uint32_t small[128], *key = small, id;
	size_t n = depth + 1, old = p->values_alloc, i;
	unsigned k;

	/* Ids come from profile_thread() and profile_frame() of this very
	 * profile: another profile's ids would name other frames. */
	assert(thread < MAX(p->nthreads, (size_t)1));
	for (i = 0; i < depth; i++)
		assert(frames[i] < intern_count(&p->frames));
	if (n > ARRAY_SIZE(small))
		key = xmalloc(st_mult(n, sizeof(*key)));
	key[0] = thread;
	memcpy(key + 1, frames, depth * sizeof(*key));
	id = intern_add(&p->stacks, key, n * sizeof(*key), NULL);
	if (key != small)
		free(key);
	if (id >= p->values_alloc) {
		size_t want = (size_t)id + 1;

		if (want < old * 2)
			want = old * 2;
		if (want < 1024)
			want = 1024;
		p->values =
		    xrealloc(p->values, st_mult(st_mult(want, p->nvalues),
						sizeof(*p->values)));
		memset(p->values + old * p->nvalues, 0,
		       (want - old) * p->nvalues * sizeof(*p->values));
		p->values_alloc = want;
	}
	for (k = 0; k < p->nvalues; k++) {
		int64_t *v = &p->values[(size_t)id * p->nvalues + k];

		*v = profile_sat_add(*v, values[k], &p->overflowed);
		p->totals[k] =
		    profile_sat_add(p->totals[k], values[k], &p->overflowed);
	}
	return id;
}

int64_t profile_total(const struct profile *p, unsigned k)
{
	size_t i, n = profile_nstacks(p);
	int64_t sum = 0;
	int overflow = 0;

	for (i = 0; i < n; i++)
		sum = profile_sat_add(sum, profile_value(p, (uint32_t)i, k),
				      &overflow);
	return sum;
}

void profile_stack_text(const struct profile *p, uint32_t stack,
			struct strbuf *sb)
{
	size_t depth, i, len = 0;
	const uint32_t *f = profile_stack(p, stack, &depth);
	char *out;

	/* Sized once and copied: this runs for every line of the output. */
	for (i = 0; i < depth; i++)
		len += profile_frame_len(p, f[i]) + 1;
	if (!depth || strbuf_grow(sb, len) < 0)
		return;
	out = sb->buf + sb->len;
	for (i = 0; i < depth; i++) {
		size_t n = profile_frame_len(p, f[i]);

		memcpy(out, profile_frame_name(p, f[i]), n);
		out += n;
		*out++ = ';';
	}
	strbuf_setlen(sb, sb->len + len - 1);
}

/*
 * Compare two stacks as their folded texts would compare with memcmp(),
 * without building the texts, from frame i on (the frames before i are
 * the same): frame names are compared byte by byte and the ';' between
 * frames takes part like any other byte.
 */
static int cmp_stacks_from(const struct profile *p, const uint32_t *fa,
			   size_t da, const uint32_t *fb, size_t db, size_t i)
{
	for (; i < da && i < db; i++) {
		const unsigned char *na, *nb;
		size_t la, lb;
		int c;

		if (fa[i] == fb[i])
			continue;
		na = (const unsigned char *)profile_frame_name(p, fa[i]);
		nb = (const unsigned char *)profile_frame_name(p, fb[i]);
		la = profile_frame_len(p, fa[i]);
		lb = profile_frame_len(p, fb[i]);
		c = memcmp(na, nb, MIN(la, lb));
		if (c)
			return c;
		/* One name is a prefix of the other: the next byte is ';'
		 * (or the end) for the shorter one. */
		if (la < lb)
			return i + 1 < da ? ';' - nb[la] : -1;
		return i + 1 < db ? na[lb] - ';' : 1;
	}
	return da == db ? 0 : da < db ? -1 : 1;
}

/*
 * Sorting compares the same few names again and again, so they are
 * ranked once: a frame's rank is its name's place in byte order, and the
 * names that extend a name X (X is their prefix) are the ranks just after
 * X's, up to prefix_end[rank of X].  Two names that are not prefixes of
 * each other order their stacks by rank alone, whatever follows them;
 * only a name and an extension of it need the bytes, where the ';' after
 * the shorter one takes part.
 */
struct stack_order {
	const struct profile *p;
	uint32_t *rank, *prefix_end;
};

int profile_cmp_frame_ids(const void *a, const void *b, void *profile)
{
	const struct profile *p = profile;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	size_t lx = profile_frame_len(p, x), ly = profile_frame_len(p, y);
	int c = memcmp(profile_frame_name(p, x), profile_frame_name(p, y),
		       MIN(lx, ly));

	if (c)
		return c;
	return lx < ly ? -1 : lx > ly;
}

static int cmp_stacks(const void *a, const void *b, void *ctx)
{
	const struct stack_order *o = ctx;
	const struct profile *p = o->p;
	uint32_t sa = *(const uint32_t *)a, sb = *(const uint32_t *)b;
	size_t da, db, i = 0, m;
	const uint32_t *fa = profile_stack(p, sa, &da);
	const uint32_t *fb = profile_stack(p, sb, &db);
	int c;

	/* Deep stacks share long starts: the walk is most of the work, so
	 * it goes four frames (one 16-byte compare) at a time. */
	m = MIN(da, db);
	for (; i + 4 <= m; i += 4) {
		uint64_t a0, a1, b0, b1;

		memcpy(&a0, fa + i, 8);
		memcpy(&a1, fa + i + 2, 8);
		memcpy(&b0, fb + i, 8);
		memcpy(&b1, fb + i + 2, 8);
		if ((a0 ^ b0) | (a1 ^ b1))
			break;
	}
	for (; i < m && fa[i] == fb[i]; i++)
		;
	if (o->rank && i < m) {
		uint32_t ra = o->rank[fa[i]], rb = o->rank[fb[i]];

		if (ra < rb && rb > o->prefix_end[ra])
			return -1;
		if (rb < ra && ra > o->prefix_end[rb])
			return 1;
	}
	c = cmp_stacks_from(p, fa, da, fb, db, i);
	if (c)
		return c;
	/* Same frames in different threads: keep the output deterministic. */
	if (profile_stack_thread(p, sa) != profile_stack_thread(p, sb))
		return profile_stack_thread(p, sa) < profile_stack_thread(p, sb)
			   ? -1
			   : 1;
	return sa < sb ? -1 : sa > sb;
}

/* Rank the frame names (see struct stack_order). */
static void rank_frames(struct stack_order *o)
{
	const struct profile *p = o->p;
	size_t nf = intern_count(&p->frames), i, top = 0;
	uint32_t *byname = xmalloc(st_mult(nf ? nf : 1, sizeof(*byname)));
	uint32_t *open = xmalloc(st_mult(nf ? nf : 1, sizeof(*open)));

	o->rank = xmalloc(st_mult(nf ? nf : 1, sizeof(*o->rank)));
	o->prefix_end = xmalloc(st_mult(nf ? nf : 1, sizeof(*o->prefix_end)));
	for (i = 0; i < nf; i++)
		byname[i] = (uint32_t)i;
	qsort_r(byname, nf, sizeof(*byname), profile_cmp_frame_ids, (void *)p);
	/* open[] holds the ranks whose names are prefixes of the current
	 * one; a name's extensions follow it, so it closes at the first
	 * name that does not extend it. */
	for (i = 0; i < nf; i++) {
		const char *name = profile_frame_name(p, byname[i]);
		size_t len = profile_frame_len(p, byname[i]);

		while (top) {
			uint32_t f = byname[open[top - 1]];
			size_t fl = profile_frame_len(p, f);

			if (fl <= len &&
			    !memcmp(profile_frame_name(p, f), name, fl))
				break;
			o->prefix_end[open[--top]] = (uint32_t)i - 1;
		}
		o->rank[byname[i]] = (uint32_t)i;
		open[top++] = (uint32_t)i;
	}
	while (top)
		o->prefix_end[open[--top]] = (uint32_t)nf - 1;
	free(byname);
	free(open);
}

/*
 * A faster order for the usual case, no frame name holding a ';'.  A
 * token is a frame name with what follows it in the folded text: ';' (a
 * middle token) or the end of the text (the last token).  Then no middle
 * token is a prefix of another token, so two stacks compare as their
 * texts at the first token where they differ: by the bytes of the two
 * tokens, or, when one is a prefix of the other, it is a last token, its
 * text ends first and sorts first, as the shorter token does.  Each
 * token gets its rank in byte order, and the stacks are sorted by their
 * rank sequences with a multikey quicksort: the stacks of a group that
 * agree on tokens 0..d-1 are split three ways by their token d, and only
 * the middle part goes on to d + 1.  Each frame of the shared start of
 * two stacks is thus looked at once per group rather than once per
 * comparison, as a comparison sort does, and deep stacks share most of
 * their frames.
 */
struct token_order {
	const struct profile *p;
	uint32_t *mid, *last; /* ranks from 1 by frame; 0 is the end */
};

struct sort_item {
	const uint32_t *f;
	uint32_t depth, id;
};

/*
 * Rank the two tokens of every frame; returns 0 when a name holds a ';'.
 * In byte order, a last token "N" comes just before the names that
 * extend N, and the middle token "N;" after those that extend N with a
 * byte below ';' and before those that extend it with a byte above.  So
 * the names are sorted once and walked with the names whose middle token
 * is still to come, each a prefix of the next, as in rank_frames().
 */
static int rank_tokens(struct token_order *o)
{
	const struct profile *p = o->p;
	size_t nf = intern_count(&p->frames), i, top = 0;
	uint32_t *byname, *open, r = 0;

	for (i = 0; i < nf; i++)
		if (memchr(profile_frame_name(p, (uint32_t)i), ';',
			   profile_frame_len(p, (uint32_t)i)))
			return 0;
	byname = xmalloc(st_mult(nf ? nf : 1, sizeof(*byname)));
	open = xmalloc(st_mult(nf ? nf : 1, sizeof(*open)));
	o->mid = xmalloc(st_mult(nf ? nf : 1, sizeof(*o->mid)));
	o->last = xmalloc(st_mult(nf ? nf : 1, sizeof(*o->last)));
	for (i = 0; i < nf; i++)
		byname[i] = (uint32_t)i;
	qsort_r(byname, nf, sizeof(*byname), profile_cmp_frame_ids, (void *)p);
	for (i = 0; i < nf; i++) {
		const unsigned char *name =
		    (const unsigned char *)profile_frame_name(p, byname[i]);
		size_t len = profile_frame_len(p, byname[i]);

		/* Close the open names this one does not extend with a byte
		 * below ';'. */
		while (top) {
			uint32_t f = open[top - 1];
			size_t fl = profile_frame_len(p, f);

			if (fl < len &&
			    !memcmp(profile_frame_name(p, f), name, fl) &&
			    name[fl] < ';')
				break;
			o->mid[open[--top]] = ++r;
		}
		o->last[byname[i]] = ++r;
		open[top++] = byname[i];
	}
	while (top)
		o->mid[open[--top]] = ++r;
	free(byname);
	free(open);
	return 1;
}

/* The rank of a stack's token d, 0 past its end. */
static inline uint32_t token_at(const struct token_order *o,
				const struct sort_item *it, size_t d)
{
	if (d >= it->depth)
		return 0;
	return d + 1 < it->depth ? o->mid[it->f[d]] : o->last[it->f[d]];
}

/* Two stacks that agree on tokens 0..d-1, in full. */
static int cmp_items(const struct token_order *o, const struct sort_item *a,
		     const struct sort_item *b, size_t d)
{
	uint32_t ta, tb;

	for (;; d++) {
		ta = token_at(o, a, d);
		tb = token_at(o, b, d);
		if (ta != tb)
			return ta < tb ? -1 : 1;
		if (!ta)
			break;
	}
	/* Same frames in different threads: keep the output deterministic. */
	ta = profile_stack_thread(o->p, a->id);
	tb = profile_stack_thread(o->p, b->id);
	if (ta != tb)
		return ta < tb ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

static void swap_items(struct sort_item *a, struct sort_item *b)
{
	struct sort_item t = *a;

	*a = *b;
	*b = t;
}

/* Below this many stacks a group is sorted by insertion. */
#define SORT_SMALL 12

static void sort_tokens(const struct token_order *o, struct sort_item *it,
			size_t n)
{
	struct task {
		size_t lo, n, d;
	};
	VEC(struct task) todo = VEC_INIT;
	struct task t = {0, n, 0};

	/* The parts left for later go on a list rather than the C stack,
	 * which a crafted profile could make deep. */
	VEC_PUSH(&todo, t);
	while (todo.len) {
		t = todo.v[--todo.len];
		while (t.n >= SORT_SMALL) {
			struct sort_item *a = it + t.lo;
			uint32_t x = token_at(o, &a[0], t.d);
			uint32_t y = token_at(o, &a[t.n / 2], t.d);
			uint32_t z = token_at(o, &a[t.n - 1], t.d);
			uint32_t pv = MAX(MIN(x, y), MIN(MAX(x, y), z));
			size_t lt = 0, i = 0, gt = t.n;

			/* Three ways: [0, lt) below the pivot, [lt, gt) equal
			 * to it, [gt, n) above it. */
			while (i < gt) {
				uint32_t k = token_at(o, &a[i], t.d);

				if (k < pv)
					swap_items(&a[lt++], &a[i++]);
				else if (k > pv)
					swap_items(&a[i], &a[--gt]);
				else
					i++;
			}
			if (lt > 1)
				VEC_PUSH(&todo, ((struct task){t.lo, lt, t.d}));
			if (t.n - gt > 1)
				VEC_PUSH(&todo, ((struct task){t.lo + gt,
							       t.n - gt, t.d}));
			t.lo += lt;
			t.n = gt - lt;
			if (!pv)
				break; /* all ended: cmp_items() orders them */
			t.d++;
		}
		/* Insertion sort of what is left of the group. */
		for (size_t i = t.lo + 1; i < t.lo + t.n; i++) {
			struct sort_item v = it[i];
			size_t j = i;

			while (j > t.lo &&
			       cmp_items(o, &v, &it[j - 1], t.d) < 0) {
				it[j] = it[j - 1];
				j--;
			}
			it[j] = v;
		}
	}
	VEC_RELEASE(&todo);
}

uint32_t *profile_sorted_stacks(const struct profile *p)
{
	size_t n = profile_nstacks(p), i;
	uint32_t *ids = xmalloc(st_mult(n ? n : 1, sizeof(*ids)));
	struct stack_order o = {p, NULL, NULL};
	struct token_order to = {p, NULL, NULL};

	for (i = 0; i < n; i++)
		ids[i] = (uint32_t)i;
	if (n <= 1)
		return ids;
	/* Ranking costs a sort of the names and 20 bytes a name: worth it
	 * when names repeat across stacks, not when most are one stack's. */
	if (intern_count(&p->frames) <= 2 * n && rank_tokens(&to)) {
		struct sort_item *it = xmalloc(st_mult(n, sizeof(*it)));

		for (i = 0; i < n; i++) {
			size_t depth;

			it[i].f = profile_stack(p, (uint32_t)i, &depth);
			it[i].depth = (uint32_t)depth;
			it[i].id = (uint32_t)i;
		}
		sort_tokens(&to, it, n);
		for (i = 0; i < n; i++)
			ids[i] = it[i].id;
		free(it);
		free(to.mid);
		free(to.last);
		return ids;
	}
	if (intern_count(&p->frames) <= 2 * n)
		rank_frames(&o);
	qsort_r(ids, n, sizeof(*ids), cmp_stacks, &o);
	free(o.rank);
	free(o.prefix_end);
	return ids;
}

/* The comm as collapse writes it: spaces become '_'. */
static void add_comm(const struct profile *p, uint32_t thread,
		     struct strbuf *sb)
{
	const struct profile_thread *t = &p->threads[thread];
	const char *c = intern_str(&p->strings, t->comm);
	size_t i, n = intern_len(&p->strings, t->comm);

	if (!n) {
		strbuf_addch(sb, '?');
		return;
	}
	for (i = 0; i < n; i++)
		strbuf_addch(sb, c[i] == ' ' ? '_' : c[i]);
}

void profile_thread_name(const struct profile *p, uint32_t thread,
			 struct strbuf *sb)
{
	const struct profile_thread *t;

	if (thread >= p->nthreads)
		return;
	t = &p->threads[thread];
	add_comm(p, thread, sb);
	if (t->pid < 0 && t->tid < 0)
		return;
	if (t->pid >= 0)
		strbuf_addf(sb, "-%d", t->pid);
	else
		strbuf_addstr(sb, "-?");
	if (t->tid >= 0)
		strbuf_addf(sb, "/%d", t->tid);
}

int profile_is_thread_root(const struct profile *p, uint32_t stack)
{
	uint32_t thread = profile_stack_thread(p, stack);
	const struct profile_frame_info *fi;
	const struct profile_thread *t;
	struct strbuf sb = STRBUF_INIT;
	const uint32_t *f;
	size_t depth, n;
	int ret = 0;

	if (!thread || thread >= p->nthreads)
		return 0;
	f = profile_stack(p, stack, &depth);
	if (!depth)
		return 0;
	fi = profile_frame_info_get(p, f[0]);
	if (!fi || fi->kind != FRAME_SYNTHETIC)
		return 0;
	t = &p->threads[thread];
	n = profile_frame_len(p, f[0]);
	add_comm(p, thread, &sb);
	if (sb.len == n && !memcmp(sb.buf, profile_frame_name(p, f[0]), n))
		ret = 1;
	if (!ret && t->pid >= 0) {
		strbuf_addf(&sb, "-%d", t->pid);
		if (sb.len == n &&
		    !memcmp(sb.buf, profile_frame_name(p, f[0]), n))
			ret = 1;
	}
	if (!ret) {
		strbuf_reset(&sb);
		profile_thread_name(p, thread, &sb);
		if (sb.len == n &&
		    !memcmp(sb.buf, profile_frame_name(p, f[0]), n))
			ret = 1;
	}
	strbuf_release(&sb);
	return ret;
}

int profile_is_root_frame(const char *name)
{
	static const char *const roots[] = {
	    "_start",
	    "__libc_start_main",
	    "__libc_start_call_main",
	    "clone",
	    "clone3",
	    "__clone",
	    "__clone3",
	    "start_thread",
	    "__GI___clone",
	    "__GI___clone3",
	    "_dl_start_user",
	    /*
	     * Go: a goroutine's stack starts at goexit, a thread's own
	     * (g0) stack at mstart, the first one at rt0_go.
	     */
	    "runtime.goexit",
	    "runtime.goexit.abi0",
	    "runtime.mstart",
	    "runtime.mstart.abi0",
	    "runtime.rt0_go",
	    "runtime.rt0_go.abi0",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(roots); i++)
		if (!strcmp(name, roots[i]))
			return 1;
	return 0;
}
