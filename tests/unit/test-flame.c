#include "core/compat.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "flame/flame.h"
#include "flame/layout.h"
#include <criterion/criterion.h>
#include <math.h>

/* Add "a;b;c" with one value (or two for a differential profile). */
static void add(struct profile *p, const char *stack, int64_t v0, int64_t v1)
{
	uint32_t frames[64];
	int64_t v[2] = {v0, v1};
	size_t n = 0;
	const char *s = stack;

	for (;;) {
		const char *e = strchr(s, ';');
		size_t len = e ? (size_t)(e - s) : strlen(s);

		frames[n++] = profile_frame(p, s, len);
		if (!e)
			break;
		s = e + 1;
	}
	profile_add(p, 0, frames, n, v);
}

static const char *fname(const struct profile *p, const struct flame_frame *f)
{
	return f->name == FLAME_ROOT ? "all" : profile_frame_name(p, f->name);
}

/* The frames as "name@depth:x+w" in layout order. */
static char *dump(const struct profile *p, const struct flame_layout *l)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < l->frames.len; i++) {
		const struct flame_frame *f = &l->frames.v[i];

		strbuf_addf(&sb, "%s%s@%u:%" PRId64 "+%" PRId64, i ? " " : "",
			    fname(p, f), f->depth, f->x, f->w);
	}
	return strbuf_detach(&sb, NULL);
}

static char *layout_of(struct profile *p, unsigned flags, double minwidth)
{
	struct flame_layout l;
	char *s;

	cr_assert_eq(flame_layout_build(&l, p, flags, minwidth), 0);
	s = dump(p, &l);
	flame_layout_release(&l);
	return s;
}

Test(flame, merge_widths_and_order)
{
	struct profile p;
	struct flame_layout l;
	char *s;

	profile_init(&p, 1);
	add(&p, "main;foo;bar", 30, 0);
	add(&p, "other", 35, 0);
	add(&p, "main;baz", 20, 0);
	add(&p, "main;foo", 10, 0);
	cr_assert_eq(flame_layout_build(&l, &p, 0, 0), 0);
	s = dump(&p, &l);
	/* Siblings by name; foo's own 10 samples before its child bar. */
	cr_assert_str_eq(s, "all@0:0+95 main@1:0+60 other@1:60+35 "
			    "baz@2:0+20 foo@2:20+40 bar@3:30+30");
	cr_assert_eq(l.total, 95);
	cr_assert_eq(l.depthmax, 3);
	free(s);
	flame_layout_release(&l);
	profile_release(&p);
}

Test(flame, siblings_in_byte_order)
{
	struct profile p;
	char *s;

	profile_init(&p, 1);
	add(&p, "r;b", 1, 0);
	add(&p, "r;ab", 2, 0);
	add(&p, "r;B", 3, 0);
	add(&p, "r;a", 4, 0);
	s = layout_of(&p, 0, 0);
	/* 'B' (0x42) < 'a' < "ab" < 'b'. */
	cr_assert_str_eq(s, "all@0:0+10 r@1:0+10 B@2:0+3 a@2:3+4 ab@2:7+2 "
			    "b@2:9+1");
	free(s);
	profile_release(&p);
}

Test(flame, reverse_merges_from_leaves)
{
	struct profile p;
	char *s;

	profile_init(&p, 1);
	add(&p, "b;c", 2, 0);
	add(&p, "a;c", 1, 0);
	add(&p, "a;d", 4, 0);
	s = layout_of(&p, FLAME_REVERSE, 0);
	cr_assert_str_eq(s, "all@0:0+7 c@1:0+3 d@1:3+4 a@2:0+1 b@2:1+2 "
			    "a@2:3+4");
	free(s);
	profile_release(&p);
}

Test(flame, flamechart_keeps_input_order)
{
	struct profile p;
	char *s;

	profile_init(&p, 1);
	add(&p, "b;x", 1, 0);
	add(&p, "b;z", 5, 0);
	add(&p, "a", 2, 0);
	add(&p, "b;y", 3, 0);
	s = layout_of(&p, FLAME_FLAMECHART, 0);
	/* Neighbours merge (b;x and b;z), the later b does not. */
	cr_assert_str_eq(s, "all@0:0+11 b@1:0+6 a@1:6+2 b@1:8+3 x@2:0+1 "
			    "z@2:1+5 y@2:8+3");
	free(s);
	s = layout_of(&p, 0, 0);
	cr_assert_str_eq(s, "all@0:0+11 a@1:0+2 b@1:2+9 x@2:2+1 y@2:3+3 "
			    "z@2:6+5");
	free(s);
	profile_release(&p);
}

Test(flame, pruning_drops_narrow_subtrees)
{
	struct profile p;
	struct flame_opts o;
	char *s;

	profile_init(&p, 1);
	add(&p, "a;b", 5, 0);
	add(&p, "a;c", 50, 0);
	add(&p, "d", 41, 0);
	add(&p, "x;y;z", 4, 0);
	s = layout_of(&p, 0, 10);
	cr_assert_str_eq(s, "all@0:0+100 a@1:0+55 d@1:55+41 c@2:5+50");
	free(s);
	/* The defaults: 0.1 px of 1180 px; a percentage of the total. */
	flame_opts_init(&o);
	cr_assert_float_eq(flame_minwidth_value(&o, 1180), 0.1, 1e-12);
	cr_assert_float_eq(flame_minwidth_value(&o, 100), 100 * 0.1 / 1180,
			   1e-12);
	o.minwidth = 2;
	o.minwidth_percent = 1;
	cr_assert_float_eq(flame_minwidth_value(&o, 1000), 20, 1e-12);
	profile_release(&p);
}

Test(flame, namehash_matches_flamegraph_pl)
{
	char c[FLAME_COLOR_MAX], d[FLAME_COLOR_MAX];

	/* 'm'%10=9 -> 9/9; 'a'%11=9 -> .7*9/10; 'i'%12=9 -> .49*9/11;
	 * 1 - 2.030909/3.19.  Reversed "niam": 0, .7*6/10, .49*1/11. */
	cr_assert_float_eq(flame_namehash("main", 4, 0), 0.3633515, 1e-6);
	cr_assert_float_eq(flame_namehash("main", 4, 1), 0.8543748, 1e-6);
	/* A module prefix is skipped. */
	cr_assert_float_eq(flame_namehash("libc.so`main", 12, 0),
			   flame_namehash("main", 4, 0), 1e-12);
	cr_assert_float_eq(flame_namehash("", 0, 0), 1, 1e-12);
	/* hot: r = 205 + int(50 * v3), g = int(230 * v1), b = int(55 * v2) */
	flame_color(FLAME_HOT, FLAME_HASH, "main", 4, c);
	cr_assert_str_eq(c, "rgb(247,83,46)");
	/* red: r = 200 + int(55 * v1), g = b = 50 + int(80 * v1) */
	flame_color(FLAME_RED, FLAME_HASH, "main", 4, c);
	cr_assert_str_eq(c, "rgb(219,79,79)");
	/* java: a java/ package is green, C++ yellow, kernel orange. */
	flame_color(FLAME_JAVA, FLAME_HASH, "java/lang/Thread.run", 20, c);
	flame_color(FLAME_GREEN, FLAME_HASH, "java/lang/Thread.run", 20, d);
	cr_assert_str_eq(c, d);
	flame_color(FLAME_JAVA, FLAME_HASH, "std::vector", 11, c);
	flame_color(FLAME_YELLOW, FLAME_HASH, "std::vector", 11, d);
	cr_assert_str_eq(c, d);
	flame_color(FLAME_JAVA, FLAME_HASH, "do_syscall_64_[k]", 17, c);
	flame_color(FLAME_ORANGE, FLAME_HASH, "do_syscall_64_[k]", 17, d);
	cr_assert_str_eq(c, d);
}

Test(flame, default_colours_are_stable_and_in_palette)
{
	char a[FLAME_COLOR_MAX], b[FLAME_COLOR_MAX];
	int r, g, bl;

	flame_color(FLAME_HOT, 0, "do_work", 7, a);
	flame_color(FLAME_HOT, 0, "do_work", 7, b);
	cr_assert_str_eq(a, b);
	flame_color(FLAME_HOT, 0, "do_other_work", 13, b);
	cr_assert_str_neq(a, b);
	cr_assert_eq(sscanf(a, "rgb(%d,%d,%d)", &r, &g, &bl), 3);
	cr_assert(r >= 205 && r <= 255 && g >= 0 && g <= 230 && bl >= 0 &&
		      bl <= 55,
		  "%s outside the hot palette", a);
	flame_color(FLAME_IO, 0, "read", 4, a);
	cr_assert_eq(sscanf(a, "rgb(%d,%d,%d)", &r, &g, &bl), 3);
	cr_assert(r == g && r >= 80 && r < 140 && bl >= 190 && bl < 245);
	cr_assert_eq(flame_palette_parse("chain"), FLAME_CHAIN);
	cr_assert_eq(flame_palette_parse("hot"), FLAME_HOT);
	cr_assert_eq(flame_palette_parse("pink"), -1);
}

/* Two values that are not a diff (count, ns) draw the main value plainly. */
Test(flame, two_measures_are_not_a_diff)
{
	struct profile p;
	struct flame_layout l;

	profile_init(&p, 2);
	p.main_value = 1;
	add(&p, "a;b", 1, 30);
	add(&p, "a;c", 2, 10);
	cr_assert_eq(flame_layout_build(&l, &p, 0, 0), 0);
	cr_assert_not(l.differential);
	cr_assert_eq(l.total, 40);
	flame_layout_release(&l);
	profile_release(&p);
}

/* The cap keeps the widest frames, never a child without its parent. */
Test(flame, frame_cap_keeps_the_widest)
{
	struct profile p;
	struct flame_layout l;
	size_t i, j;
	struct flame_cap cap;

	profile_init(&p, 1);
	add(&p, "a;b;c", 50, 0);
	add(&p, "a;d", 30, 0);
	add(&p, "a;e;f", 15, 0);
	add(&p, "a;g", 5, 0);
	cr_assert_eq(flame_layout_build(&l, &p, 0, 0), 0);
	/* all 100, a 100, b 50, c 50, d 30, e 15, f 15, g 5: 8 frames. */
	cr_assert_eq(l.frames.len, 8);
	flame_layout_cap(&l, 5, &cap);
	/* The 5th widest is d (30): all, a, b, c, d stay. */
	cr_assert_eq(cap.width, 30);
	cr_assert_eq(cap.narrower, 3);
	cr_assert_eq(cap.deeper, 0);
	cr_assert_eq(l.frames.len, 5);
	for (i = 0; i < l.frames.len; i++) {
		const struct flame_frame *f = &l.frames.v[i];
		int parent = f->depth == 0;

		for (j = 0; j < l.frames.len && !parent; j++)
			parent =
			    l.frames.v[j].depth + 1 == f->depth &&
			    l.frames.v[j].x <= f->x &&
			    f->x + f->w <= l.frames.v[j].x + l.frames.v[j].w;
		cr_assert(parent, "frame %zu has its parent", i);
	}
	cr_assert_eq(l.depthmax, 3);
	flame_layout_release(&l);
	profile_release(&p);
}

/* A deep recursion: every frame as wide; the cap keeps the shallowest. */
Test(flame, frame_cap_cuts_equal_widths_by_depth)
{
	struct profile p;
	struct flame_layout l;
	struct flame_cap cap;
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	profile_init(&p, 1);
	for (i = 0; i < 50; i++)
		strbuf_addf(&sb, "%sf%zu", i ? ";" : "", i);
	add(&p, sb.buf, 7, 0);
	add(&p, "g", 7, 0);
	cr_assert_eq(flame_layout_build(&l, &p, 0, 0), 0);
	/* all 14; f0..f49 and g 7 each: 52 frames. */
	cr_assert_eq(l.frames.len, 52);
	flame_layout_cap(&l, 10, &cap);
	cr_assert_eq(l.frames.len, 10);
	cr_assert_eq(cap.narrower, 0);
	cr_assert_eq(cap.deeper, 42);
	/* all (depth 0), f0 and g (1), f1..f7 (2..8): the next is depth 9. */
	cr_assert_eq(cap.depth, 9);
	cr_assert_eq(l.depthmax, 8);
	for (i = 0; i < l.frames.len; i++)
		cr_assert_leq(l.frames.v[i].depth, 8);
	strbuf_release(&sb);
	flame_layout_release(&l);
	profile_release(&p);
}

Test(flame, differential_colours)
{
	struct profile p;
	struct flame_layout l;
	char c[FLAME_COLOR_MAX];

	/* 210 * (20 - 5) / 20 = 157.5 */
	flame_color_scale(5, 20, 0, c);
	cr_assert_str_eq(c, "rgb(255,157,157)");
	flame_color_scale(-20, 20, 0, c);
	cr_assert_str_eq(c, "rgb(0,0,255)");
	flame_color_scale(0, 20, 0, c);
	cr_assert_str_eq(c, "rgb(255,255,255)");
	flame_color_scale(5, 20, 1, c);
	cr_assert_str_eq(c, "rgb(157,157,255)");

	profile_init(&p, 2);
	p.flags |= PROFILE_DIFFERENTIAL;
	p.main_value = 1;
	add(&p, "a;b", 10, 30);
	add(&p, "a;c", 20, 10);
	add(&p, "a", 4, 5);
	cr_assert_eq(flame_layout_build(&l, &p, 0, 0), 0);
	cr_assert(l.differential);
	cr_assert_eq(l.total, 45); /* widths from the after column */
	cr_assert_eq(l.maxdelta, 20);
	cr_assert_eq(l.frames.len, 4);
	/* Each frame carries its own change: a +1, b +20, c -10. */
	cr_assert_eq(l.frames.v[1].delta, 1);
	cr_assert_eq(l.frames.v[1].w, 45);
	cr_assert_eq(l.frames.v[2].delta, 20);
	cr_assert_eq(l.frames.v[2].x, 5);
	cr_assert_eq(l.frames.v[3].delta, -10);
	cr_assert_eq(l.frames.v[3].w, 10);
	flame_layout_release(&l);
	profile_release(&p);
}

static char *svg_of(const struct profile *p, const struct flame_opts *o,
		    int *ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	*ret = flame_write_svg(p, o, fp);
	fclose(fp);
	return buf;
}

Test(flame, svg_frames_escaping_and_determinism)
{
	struct profile p;
	struct flame_opts o;
	char *a, *b;
	int ret;

	profile_init(&p, 1);
	add(&p, "main;<script>alert(1)</script>", 1234567, 0);
	add(&p, "main;a&b\"c", 1000000, 0);
	add(&p, "main;bad\xff", 765433, 0);
	add(&p, "main;\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 1, 0);
	flame_opts_init(&o);
	o.minwidth = 0;
	a = svg_of(&p, &o, &ret);
	cr_assert_eq(ret, 0);
	cr_assert_null(strstr(a, "<script>alert"));
	cr_assert_not_null(strstr(a, "<title>&lt;script&gt;alert(1)&lt;/"
				     "script&gt; (1,234,567 samples, 41.15%)"
				     "</title>"));
	cr_assert_not_null(strstr(a, "<title>a&amp;b&quot;c (1,000,000"
				     " samples, 33.33%)</title>"));
	cr_assert_not_null(strstr(a, "<title>bad? (765,433 samples"));
	cr_assert_not_null(strstr(a, "<title>all (3,000,001 samples, 100%)"));
	/* main: the full 1180 px at depth 1; the image is 3 * 16 + 36 + 34
	 * px high and main's bottom is 34 + 16 px above its end. */
	cr_assert_not_null(strstr(a, "<title>main (3,000,001 samples, 100.00%)"
				     "</title><rect x=\"10.0\" y=\"53\" width="
				     "\"1180.0\" height=\"15\""));
	/* 1234567/3000001 of 1180 px = 485.6 px: 68 characters fit. */
	cr_assert_not_null(strstr(a, ">&lt;script&gt;alert(1)&lt;/script&gt;"
				     "</text>"));
	cr_assert_not_null(strstr(a, "<svg version=\"1.1\" width=\"1200\" "
				     "height=\"118\""));
	b = svg_of(&p, &o, &ret);
	cr_assert_str_eq(a, b, "two runs differ");
	free(a);
	free(b);
	profile_release(&p);
}

Test(flame, labels_truncate_on_characters)
{
	struct profile p;
	struct flame_opts o;
	char *a;
	int ret;

	/* 10 of 101 samples = 116.8 px = 16 characters of 7.08 px. */
	profile_init(&p, 1);
	add(&p,
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
	    10, 0);
	add(&p, "abcdefghijklmnopqrstuvwxyz", 10, 0);
	add(&p, "wide", 80, 0);
	add(&p, "abc", 1, 0); /* 11.8 px: 1 character, no label */
	flame_opts_init(&o);
	a = svg_of(&p, &o, &ret);
	cr_assert_eq(ret, 0);
	cr_assert_not_null(strstr(a,
				  ">\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
				  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
				  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9..</text>"));
	cr_assert_not_null(strstr(a, ">abcdefghijklmn..</text>"));
	cr_assert_not_null(strstr(a, "<title>abc (1 samples, 0.99%)</title>"));
	cr_assert_null(strstr(a, ">abc</text>"));
	cr_assert_null(strstr(a, ">a..</text>"));
	free(a);
	profile_release(&p);
}

Test(flame, empty_input_writes_nothing)
{
	struct profile p;
	struct flame_opts o;
	char *a;
	int ret;

	error_set_quiet(1);
	profile_init(&p, 1);
	flame_opts_init(&o);
	a = svg_of(&p, &o, &ret);
	cr_assert_eq(ret, -1);
	cr_assert_str_eq(a, "");
	free(a);
	add(&p, "a;b", 0, 0);
	a = svg_of(&p, &o, &ret);
	cr_assert_eq(ret, -1);
	cr_assert_str_eq(a, "");
	free(a);
	profile_release(&p);
}

Test(flame, options_change_the_svg)
{
	struct profile p;
	struct flame_opts o;
	char *a;
	int ret;

	profile_init(&p, 1);
	add(&p, "a;b", 3, 0);
	flame_opts_init(&o);
	o.flags = FLAME_INVERTED;
	o.title = "T <1>";
	o.subtitle = "sub & title";
	o.notes = "a -- <b>";
	o.countname = "bytes";
	o.bgcolors = "#123abc";
	a = svg_of(&p, &o, &ret);
	cr_assert_eq(ret, 0);
	cr_assert_not_null(strstr(a, ">T &lt;1&gt;</text>"));
	cr_assert_not_null(strstr(a, ">sub &amp; title</text>"));
	cr_assert_not_null(strstr(a, "<!-- NOTES: a _- _b_ -->"));
	cr_assert_not_null(strstr(a, "<title>b (3 bytes, 100.00%)"));
	cr_assert_not_null(strstr(a, "stop-color=\"#123abc\""));
	/* Icicle: the root right under the title and subtitle (36 + 24). */
	cr_assert_not_null(strstr(a, "<title>all (3 bytes, 100%)</title><rect "
				     "x=\"10.0\" y=\"60\""));
	free(a);
	profile_release(&p);
}
