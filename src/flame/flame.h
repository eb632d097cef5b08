#ifndef PERFOPS_FLAME_H
#define PERFOPS_FLAME_H

#include <stdio.h>
#include "profile/profile.h"

/*
 * Flame graphs: an interactive SVG drawn from a profile with the
 * conventions of FlameGraph's flamegraph.pl (layout, sizes, palettes, the
 * title/rect/text shape of each frame, the search and zoom script), so
 * users find the picture they know.  A differential profile (two values:
 * before, after) is drawn as flamegraph.pl draws difffolded.pl output:
 * widths from the second value, red where a frame grew, blue where it
 * shrank.
 *
 * The options only point to strings the caller owns; nothing here keeps
 * memory past flame_write_svg().
 */

enum flame_palette {
	FLAME_HOT = 0,
	FLAME_MEM,
	FLAME_IO,
	FLAME_WAKEUP,
	FLAME_JAVA,
	FLAME_JS,
	FLAME_PERL,
	FLAME_RED,
	FLAME_GREEN,
	FLAME_BLUE,
	FLAME_AQUA,
	FLAME_YELLOW,
	FLAME_PURPLE,
	FLAME_ORANGE,
	FLAME_CHAIN,
};

enum flame_flags {
	FLAME_HASH = 1 << 0,	   /* flamegraph.pl's namehash colours */
	FLAME_INVERTED = 1 << 1,   /* icicle graph: root at the top */
	FLAME_REVERSE = 1 << 2,	   /* merge stacks from the leaves */
	FLAME_FLAMECHART = 1 << 3, /* keep input order, merge neighbours only */
	FLAME_NEGATE = 1 << 4,	   /* swap red and blue of a differential */
};

struct flame_opts {
	const char *title;     /* NULL: "Flame Graph", "Icicle Graph" or
				  "Flame Chart" depending on the flags */
	const char *subtitle;  /* NULL or "": none */
	const char *notes;     /* NULL or "": none (an XML comment) */
	const char *countname; /* NULL: "ns" or "bytes" when the profile
				  knows its unit, else "samples" */
	const char *nametype;  /* "Function:" */
	const char *fonttype;  /* "Verdana" */
	const char *root;      /* name of the root frame, "all" */
	double width;	       /* image width in px, 1200 */
	double frameheight;    /* 16 */
	double fontsize;       /* 12 */
	double fontwidth;      /* average glyph width / font size, 0.59 */
	double xpad;	       /* 10 */
	double minwidth;       /* frames narrower than this are left out */
	int minwidth_percent;  /* minwidth is a percentage of the total */
	unsigned max_frames;   /* when more frames than this are wide enough,
				  raise minwidth until they fit (so that a
				  huge profile stays a file a browser opens);
				  0 = no cap.  Default 16384, about 3.5 MB */
	enum flame_palette palette;
	const char *bgcolors; /* NULL: from the palette; "yellow", "blue",
				 "green", "grey" or "#rrggbb" */
	unsigned flags;	      /* enum flame_flags */
};

/* Fill o with flamegraph.pl's defaults. */
void flame_opts_init(struct flame_opts *o);

/*
 * Draw p as an SVG flame graph on fp.  Reports its own errors and returns
 * -1, before writing anything, when the profile has nothing to draw or an
 * option is invalid; -1 also when writing fails.
 */
int flame_write_svg(const struct profile *p, const struct flame_opts *o,
		    FILE *fp);

/* The palette called name ("hot", "mem", ...); -1 if there is none. */
int flame_palette_parse(const char *name);
/* Whether s is a valid --bgcolors value. */
int flame_bgcolors_valid(const char *s);

#endif
