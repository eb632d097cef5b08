#ifndef PERFOPS_FLAME_LAYOUT_H
#define PERFOPS_FLAME_LAYOUT_H

#include "core/vec.h"
#include "flame/flame.h"

/*
 * The geometry of a flame graph, before any SVG: the merged tree of the
 * profile's stacks flattened to one entry per frame, in value units (a
 * frame spans [x, x + w) of the total), with the frames narrower than the
 * minimum width already left out.  The layout owns its frames array;
 * flame_layout_release() frees it.
 */

#define FLAME_ROOT UINT32_MAX /* the name of the root frame ("all") */

struct flame_frame {
	uint32_t name;	/* frame id in the profile, or FLAME_ROOT */
	uint32_t depth; /* 0 = the root */
	int64_t x, w;	/* start and width, in values (exact) */
	int64_t delta;	/* differential: self after - before */
};

struct flame_layout {
	VEC(struct flame_frame) frames; /* by depth, then x */
	int64_t total;			/* the root's width */
	int64_t maxdelta; /* largest |delta| of any frame, pruned or not */
	unsigned depthmax;
	int differential;
};

/*
 * Merge the stacks of p into a layout: siblings in byte order of their
 * names (flamegraph.pl's sorted input), or input order with only adjacent
 * stacks merged for FLAME_FLAMECHART; from the leaves for FLAME_REVERSE.
 * Frames narrower than minwidth_value are dropped (and so all their
 * descendants, which are never wider).  Returns 0, or -1 (with a message)
 * when there is nothing to draw.
 */
int flame_layout_build(struct flame_layout *l, const struct profile *p,
		       unsigned flags, double minwidth_value);
void flame_layout_release(struct flame_layout *l);
/* What flame_layout_cap() left out. */
struct flame_cap {
	double width;	 /* frames narrower than this (in values) ... */
	size_t narrower; /* ... were left out: this many */
	uint32_t depth;	 /* frames of exactly that width at this depth */
	size_t deeper;	 /* or deeper: this many (0 = none) */
};

/*
 * Keep at most max frames, the widest; of the frames exactly as wide as
 * the narrowest kept, the shallowest (a deep recursion has thousands of
 * frames of one width).  A frame is never wider than its parent, so this
 * never leaves a frame without its parent.  cap says what went.
 */
void flame_layout_cap(struct flame_layout *l, size_t max,
		      struct flame_cap *cap);

/* The minimum width in values for the options (px or percent). */
double flame_minwidth_value(const struct flame_opts *o, double total);

/*
 * Colours, as "rgb(R,G,B)" in buf (at least FLAME_COLOR_MAX bytes).
 * flame_color() picks a palette colour from the name: with FLAME_HASH the
 * exact colour of flamegraph.pl --hash, otherwise a colour that is as
 * varied as flamegraph.pl's random one but derived from a hash of the name,
 * so the same name has the same colour in every run.
 */
#define FLAME_COLOR_MAX 24
void flame_color(enum flame_palette pal, unsigned flags, const char *name,
		 size_t len, char *buf);
/* flamegraph.pl's differential scale: red for delta > 0, blue below. */
void flame_color_scale(double delta, double maxdelta, int negate, char *buf);
/* flamegraph.pl's namehash(): a stable value in [0, 1] for a name. */
double flame_namehash(const char *name, size_t len, int reverse);
/* The two background gradient colours for the options. */
void flame_bgcolors(const struct flame_opts *o, const char **c1,
		    const char **c2);

/* The embedded interaction script (no CDATA end inside). */
extern const char flame_script[];

#endif
