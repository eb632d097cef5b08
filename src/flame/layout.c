#include "core/compat.h"
#include "flame/layout.h"
#include "core/error.h"
#include <math.h>

/*
 * The layout is built the way flamegraph.pl's flow() builds it: the stacks
 * are visited in drawing order, a path of open frames is kept, and each
 * stack closes the frames it does not share with the previous one and
 * opens its own.  A frame's width is final when it closes, so a frame too
 * narrow to draw is dropped right there and the whole tree never exists
 * in memory: 50 000 unique stacks of depth 20 are a million frames, of
 * which a few thousand are wide enough to see.
 */

struct row {
	const uint32_t *frames; /* root first, as the profile stores them */
	uint32_t depth;
	int64_t width, delta;
};

struct sort_ctx {
	const uint32_t *rank; /* byte-order rank of each frame name */
	int reverse;
};

static uint32_t row_frame(const struct row *r, uint32_t i, int reverse)
{
	return reverse ? r->frames[r->depth - 1 - i] : r->frames[i];
}

/* Stacks compare frame by frame; a stack sorts before its extensions. */
static int cmp_rows(const void *a, const void *b, void *data)
{
	const struct sort_ctx *ctx = data;
	const struct row *ra = a, *rb = b;
	uint32_t i, n = MIN(ra->depth, rb->depth);

	for (i = 0; i < n; i++) {
		uint32_t ka = ctx->rank[row_frame(ra, i, ctx->reverse)];
		uint32_t kb = ctx->rank[row_frame(rb, i, ctx->reverse)];

		if (ka != kb)
			return ka < kb ? -1 : 1;
	}
	if (ra->depth != rb->depth)
		return ra->depth < rb->depth ? -1 : 1;
	return 0;
}

/*
 * Ranks instead of names in the comparison above: the names are sorted
 * once, and comparing two stacks is then comparing integers.
 */
static uint32_t *name_ranks(const struct profile *p)
{
	size_t n = intern_count(&p->frames), i;
	uint32_t *ids = xmalloc(st_mult(n + 1, sizeof(*ids)));
	uint32_t *rank = xmalloc(st_mult(n + 1, sizeof(*rank)));

	for (i = 0; i < n; i++)
		ids[i] = i;
	qsort_r(ids, n, sizeof(*ids), profile_cmp_frame_ids, (void *)p);
	for (i = 0; i < n; i++)
		rank[ids[i]] = i;
	free(ids);
	return rank;
}

struct open_frame {
	uint32_t name;
	int64_t x, delta;
};

struct builder {
	struct flame_layout *l;
	VEC(struct open_frame) path; /* [0] is the root */
	double minwidth;
	int64_t t;
};

static void close_frame(struct builder *b, uint32_t depth)
{
	const struct open_frame *o = &b->path.v[depth];
	struct flame_frame f = {o->name, depth, o->x, b->t - o->x, o->delta};

	/* |INT64_MIN| does not fit: the next value down does. */
	if (f.delta == INT64_MIN)
		f.delta++;
	if (llabs(f.delta) > b->l->maxdelta)
		b->l->maxdelta = llabs(f.delta);
	if (f.w <= 0 || f.w < b->minwidth)
		return;
	if (depth > b->l->depthmax)
		b->l->depthmax = depth;
	VEC_PUSH(&b->l->frames, f);
}

static void flow(struct builder *b, const struct row *r, int reverse)
{
	uint32_t same = 1, i;
	int overflow = 0;

	/* path.len - 1 frames are open below the root. */
	while (same < b->path.len && same - 1 < r->depth &&
	       b->path.v[same].name == row_frame(r, same - 1, reverse))
		same++;
	while (b->path.len > same) {
		close_frame(b, b->path.len - 1);
		b->path.len--;
	}
	for (i = same - 1; i < r->depth; i++) {
		struct open_frame o = {row_frame(r, i, reverse), b->t, 0};

		VEC_PUSH(&b->path, o);
	}
	VEC_LAST(&b->path).delta =
	    profile_sat_add(VEC_LAST(&b->path).delta, r->delta, &overflow);
	b->t += r->width;
}

static int cmp_frames(const void *a, const void *b)
{
	const struct flame_frame *fa = a, *fb = b;

	if (fa->depth != fb->depth)
		return fa->depth < fb->depth ? -1 : 1;
	if (fa->x != fb->x)
		return fa->x < fb->x ? -1 : 1;
	return 0;
}

int flame_layout_build(struct flame_layout *l, const struct profile *p,
		       unsigned flags, double minwidth_value)
{
	size_t n = profile_nstacks(p), i, nrows = 0;
	int reverse = !!(flags & FLAME_REVERSE);
	struct row *rows = xmalloc(st_mult(n + 1, sizeof(*rows)));
	struct builder b = {l, VEC_INIT, minwidth_value, 0};
	int overflow = 0;
	struct open_frame root = {FLAME_ROOT, 0, 0};

	memset(l, 0, sizeof(*l));
	l->differential = !!(p->flags & PROFILE_DIFFERENTIAL);
	for (i = 0; i < n; i++) {
		struct row *r = &rows[nrows];
		size_t depth;
		int64_t w;

		r->frames = profile_stack(p, i, &depth);
		r->depth = depth;
		w = profile_value(p, i, p->main_value);
		/* A negative count cannot be drawn; it counts as 0. */
		r->width = w > 0 ? w : 0;
		r->delta = 0;
		if (l->differential &&
		    __builtin_sub_overflow(w, profile_value(p, i, 0),
					   &r->delta))
			r->delta = w > 0 ? INT64_MAX : INT64_MIN;
		l->total = profile_sat_add(l->total, r->width, &overflow);
		nrows++;
	}
	if (!(l->total > 0)) {
		free(rows);
		return error(n ? "nothing to draw: every count is zero"
			       : "no stacks to draw: the input is empty");
	}
	if (!(flags & FLAME_FLAMECHART)) {
		uint32_t *rank = name_ranks(p);
		struct sort_ctx ctx = {rank, reverse};

		qsort_r(rows, nrows, sizeof(*rows), cmp_rows, &ctx);
		free(rank);
	}
	VEC_PUSH(&b.path, root);
	for (i = 0; i < nrows; i++)
		flow(&b, &rows[i], reverse);
	while (b.path.len > 0) {
		close_frame(&b, b.path.len - 1);
		b.path.len--;
	}
	VEC_RELEASE(&b.path);
	free(rows);
	qsort(l->frames.v, l->frames.len, sizeof(*l->frames.v), cmp_frames);
	return 0;
}

static int cmp_desc(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x > y ? -1 : x < y;
}

void flame_layout_cap(struct flame_layout *l, size_t max, struct flame_cap *cap)
{
	size_t n = l->frames.len, i, o, budget;
	int64_t *w, cut;

	memset(cap, 0, sizeof(*cap));
	if (!max || n <= max)
		return;
	w = xmalloc(st_mult(n, sizeof(*w)));
	for (i = 0; i < n; i++)
		w[i] = l->frames.v[i].w;
	qsort(w, n, sizeof(*w), cmp_desc);
	cut = w[max - 1];
	free(w);
	cap->width = cut;
	/* Frames wider than the cut all stay; the rest of the budget goes to
	 * frames exactly as wide, shallowest first (the frames are in depth
	 * order, and a parent is never narrower than its child, so no kept
	 * frame loses its parent). */
	budget = max;
	for (i = 0; i < n; i++)
		if (l->frames.v[i].w > cut)
			budget--;
	l->depthmax = 0;
	cap->depth = UINT32_MAX;
	for (i = o = 0; i < n; i++) {
		const struct flame_frame *f = &l->frames.v[i];

		if (f->w < cut) {
			cap->narrower++;
			continue;
		}
		if (f->w == cut) {
			if (!budget) {
				cap->deeper++;
				if (f->depth < cap->depth)
					cap->depth = f->depth;
				continue;
			}
			budget--;
		}
		if (f->depth > l->depthmax)
			l->depthmax = f->depth;
		l->frames.v[o++] = *f;
	}
	l->frames.len = o;
}

void flame_layout_release(struct flame_layout *l)
{
	VEC_RELEASE(&l->frames);
}

double flame_minwidth_value(const struct flame_opts *o, double total)
{
	if (o->minwidth_percent)
		return total * o->minwidth / 100;
	return o->minwidth * total / (o->width - 2 * o->xpad);
}
