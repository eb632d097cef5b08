#include "core/compat.h"
#include "flame/flame.h"
#include "flame/layout.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "core/utf8.h"
#include "profile/folded.h"
#include <math.h>

/*
 * Writing the SVG: the page furniture (background, title, buttons, the
 * script) and one <g><title/><rect/><text/></g> per frame, in the shape
 * flamegraph.pl writes, so tools that post-process its SVGs keep working.
 * Each rect also carries its exact start and width in values (fg:x, fg:w)
 * so the script zooms and computes search percentages from the numbers
 * rather than from rounded pixels.
 */

#define FRAMEPAD 1

void flame_opts_init(struct flame_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->countname = NULL; /* from the profile's unit; see count_name() */
	o->nametype = "Function:";
	o->fonttype = "Verdana";
	o->root = "all";
	o->width = 1200;
	o->frameheight = 16;
	o->fontsize = 12;
	o->fontwidth = 0.59;
	o->xpad = 10;
	o->minwidth = 0.1;
	o->max_frames = 16384;
	o->palette = FLAME_HOT;
}

/* The number of characters (code points) of a sanitized name prefix. */
static size_t prefix_bytes(const char *s, size_t len, size_t chars)
{
	size_t i = 0;

	while (i < len && chars--) {
		size_t n = utf8_len(s + i, len - i);

		i += n ? n : 1;
	}
	return i;
}

static size_t count_chars(const char *s, size_t len)
{
	size_t i = 0, chars = 0;

	while (i < len) {
		size_t n = utf8_len(s + i, len - i);

		i += n ? n : 1;
		chars++;
	}
	return chars;
}

/* flamegraph.pl strips the annotations collapse adds (_[k], _[j], ...). */
static size_t strip_annotation(const char *s, size_t len)
{
	if (len >= 4 && s[len - 4] == '_' && s[len - 3] == '[' && s[len - 2] &&
	    strchr("kwij", s[len - 2]) && s[len - 1] == ']')
		return len - 4;
	return len;
}

/* A count with thousands separators, rounded like flamegraph.pl's %.0f
 * unless it has a fraction worth showing. */
static void add_count(struct strbuf *sb, int64_t v)
{
	char num[64], *dot;
	size_t intlen, i;

	snprintf(num, sizeof(num), "%" PRId64, v);
	dot = strchr(num, '.');
	intlen = dot ? (size_t)(dot - num) : strlen(num);
	for (i = 0; i < intlen; i++) {
		if (i && (intlen - i) % 3 == 0 && num[i - 1] != '-')
			strbuf_addch(sb, ',');
		strbuf_addch(sb, num[i]);
	}
	strbuf_addstr(sb, num + intlen);
}

/* Text for a JavaScript string literal inside a CDATA section. */
static void add_js_string(struct strbuf *sb, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, len = strlen(s);

	strbuf_addch(sb, '"');
	while (i < len) {
		size_t n = u[i] >= 0x80 ? utf8_len(s + i, len - i) : 0;

		if (n) {
			strbuf_add(sb, s + i, n);
			i += n;
			continue;
		}
		if (isalnum(u[i]) || u[i] == ' ' || u[i] == ':' || u[i] == '.')
			strbuf_addch(sb, u[i]);
		else if (u[i] < 0x80)
			strbuf_addf(sb, "\\x%02x", u[i]);
		else
			strbuf_addch(sb, '?');
		i++;
	}
	strbuf_addch(sb, '"');
}

struct svg_ctx {
	const struct profile *p;
	const struct flame_opts *o;
	const struct flame_layout *l;
	double imageheight, top, pxper;
	struct strbuf sb;
	const char *countname;
};

/*
 * What the counts are when the user did not say: "ns" or "bytes" when the
 * profile knows the unit of what is drawn (a recording, pprof), else
 * flamegraph.pl's "samples".
 */
static const char *count_name(const struct flame_opts *o,
			      const struct profile *p)
{
	const char *unit =
	    p->main_value < PROFILE_MAX_VALUES ? p->unit[p->main_value] : "";

	if (o->countname)
		return o->countname;
	if (!strcmp(unit, "nanoseconds"))
		return "ns";
	if (!strcmp(unit, "bytes"))
		return "bytes";
	return "samples";
}

static void frame_title(struct svg_ctx *c, const struct flame_frame *f,
			const char *name, size_t len)
{
	struct strbuf *sb = &c->sb;
	const struct flame_opts *o = c->o;

	strbuf_addstr(sb, "<g><title>");
	strbuf_add_xml(sb, name, len);
	strbuf_addstr(sb, " (");
	add_count(sb, f->w);
	strbuf_addch(sb, ' ');
	strbuf_add_xml(sb, c->countname, strlen(c->countname));
	if (f->name == FLAME_ROOT)
		strbuf_addstr(sb, ", 100%");
	else
		strbuf_addf(sb, ", %.2f%%", 100.0 * f->w / c->l->total);
	if (c->l->differential) {
		double d = (o->flags & FLAME_NEGATE) ? -(double)f->delta
						     : (double)f->delta;

		strbuf_addf(sb, "; %s%.2f%%", d > 0 ? "+" : "",
			    100 * d / c->l->total);
	}
	strbuf_addstr(sb, ")</title>");
}

static void frame_label(struct svg_ctx *c, double width_px, const char *name,
			size_t len)
{
	long chars = (long)(width_px / (c->o->fontsize * c->o->fontwidth));
	size_t n;

	if (chars < 3)
		return;
	n = count_chars(name, len);
	if ((size_t)chars >= n) {
		strbuf_add_xml(&c->sb, name, len);
		return;
	}
	strbuf_add_xml(&c->sb, name, prefix_bytes(name, len, chars - 2));
	strbuf_addstr(&c->sb, "..");
}

static void write_frame(struct svg_ctx *c, const struct flame_frame *f,
			FILE *fp)
{
	const struct flame_opts *o = c->o;
	const char *name = o->root;
	size_t len = strlen(o->root), shown;
	double x1 = o->xpad + f->x * c->pxper;
	double x2 = o->xpad + (f->x + f->w) * c->pxper;
	double y1, y2, rx1, rx2;
	char color[FLAME_COLOR_MAX], num[64];

	if (f->name != FLAME_ROOT) {
		name = profile_frame_name(c->p, f->name);
		len = profile_frame_len(c->p, f->name);
	}
	if (o->flags & FLAME_INVERTED) {
		y1 = c->top + f->depth * o->frameheight;
		y2 = y1 + o->frameheight - FRAMEPAD;
	} else {
		y2 = c->imageheight - (o->fontsize * 2 + 10) -
		     f->depth * o->frameheight;
		y1 = y2 - o->frameheight + FRAMEPAD;
	}
	if (len == 2 && !memcmp(name, "--", 2))
		memcpy(color, "rgb(160,160,160)", 17);
	else if (len == 1 && name[0] == '-')
		memcpy(color, "rgb(200,200,200)", 17);
	else if (c->l->differential)
		flame_color_scale(f->delta, c->l->maxdelta,
				  !!(o->flags & FLAME_NEGATE), color);
	else
		flame_color(o->palette, o->flags, name, len, color);

	shown = strip_annotation(name, len);
	strbuf_reset(&c->sb);
	frame_title(c, f, name, shown);
	/* Rounded ends make neighbours tile exactly, as in flamegraph.pl. */
	rx1 = round(x1 * 10) / 10;
	rx2 = round(x2 * 10) / 10;
	strbuf_addf(
	    &c->sb,
	    "<rect x=\"%.1f\" y=\"%.10g\" width=\"%.1f\" height=\"%.10g\""
	    " fill=\"%s\" rx=\"2\" ry=\"2\"",
	    rx1, y1, rx2 - rx1, y2 - y1, color);
	folded_format_count(f->x, num);
	strbuf_addf(&c->sb, " fg:x=\"%s\"", num);
	folded_format_count(f->w, num);
	strbuf_addf(&c->sb, " fg:w=\"%s\"/><text x=\"%.2f\" y=\"%.10g\">", num,
		    x1 + 3, 3 + (y1 + y2) / 2);
	frame_label(c, x2 - x1, name, shown);
	strbuf_addstr(&c->sb, "</text></g>\n");
	fwrite(c->sb.buf, 1, c->sb.len, fp);
}

static const char svg_style[] =
    "#search, #ignorecase { opacity:0.1; cursor:pointer; }\n"
    "#search:hover, #search.show, #ignorecase:hover, #ignorecase.show"
    " { opacity:1; }\n"
    "#subtitle { text-anchor:middle; fill:rgb(160,160,160); }\n"
    "#unzoom { cursor:pointer; }\n"
    "#frames > *:hover { stroke:black; stroke-width:0.5; cursor:pointer; }\n"
    ".hide { display:none; }\n"
    ".parent { opacity:0.5; }\n";

static void write_header(struct svg_ctx *c, FILE *fp)
{
	const struct flame_opts *o = c->o;
	struct strbuf *sb = &c->sb;
	const char *bg1, *bg2, *title = o->title, *s;
	double w = o->width, h = c->imageheight;
	double bottom = h - (o->fontsize * 2 + 10) / 2;

	if (!title)
		title = (o->flags & FLAME_FLAMECHART) ? "Flame Chart"
			: (o->flags & FLAME_INVERTED) ? "Icicle Graph"
						      : "Flame Graph";
	flame_bgcolors(o, &bg1, &bg2);
	strbuf_reset(sb);
	strbuf_addf(sb,
		    "<?xml version=\"1.0\" standalone=\"no\"?>\n"
		    "<svg version=\"1.1\" width=\"%g\" height=\"%g\""
		    " onload=\"init(evt)\" viewBox=\"0 0 %g %g\""
		    " xmlns=\"http://www.w3.org/2000/svg\""
		    " xmlns:xlink=\"http://www.w3.org/1999/xlink\""
		    " xmlns:fg=\"urn:perfops:flame\">\n"
		    "<!-- Flame graph drawn by perfops %s in the manner of"
		    " FlameGraph's flamegraph.pl. -->\n",
		    w, h, w, h, PERFOPS_VERSION);
	if (o->notes && *o->notes) {
		/* A comment may hold neither "--" nor markup. */
		strbuf_addstr(sb, "<!-- NOTES: ");
		for (s = o->notes; *s; s++) {
			const unsigned char *u = (const unsigned char *)s;
			size_t n = utf8_len(s, strlen(s));

			if (*s == '<' || *s == '>' ||
			    (*s == '-' && s[1] == '-')) {
				strbuf_addch(sb, '_');
			} else if (!n || (*u < 0x20 && *s != '\t')) {
				strbuf_addch(sb, '?');
			} else {
				strbuf_add(sb, s, n);
				s += n - 1;
			}
		}
		strbuf_addstr(sb, " -->\n");
	}
	strbuf_addf(
	    sb,
	    "<defs>\n<linearGradient id=\"background\" y1=\"0\" y2=\"1\""
	    " x1=\"0\" x2=\"0\">\n"
	    "<stop stop-color=\"%s\" offset=\"5%%\"/>\n"
	    "<stop stop-color=\"%s\" offset=\"95%%\"/>\n"
	    "</linearGradient>\n</defs>\n<style type=\"text/css\">\n"
	    "text { font-family:",
	    bg1, bg2);
	strbuf_add_xml(sb, o->fonttype, strlen(o->fonttype));
	strbuf_addf(
	    sb,
	    "; font-size:%gpx; fill:rgb(0,0,0); }\n"
	    "#title { text-anchor:middle; font-size:%gpx; }\n%s"
	    "</style>\n<script type=\"text/ecmascript\"><![CDATA[\n"
	    "var xpad = %g, fontsize = %g, fontwidth = %g, inverted = %d,"
	    " imagewidth = %g, nametype = ",
	    o->fontsize, o->fontsize + 5, svg_style, o->xpad, o->fontsize,
	    o->fontwidth, !!(o->flags & FLAME_INVERTED), w);
	add_js_string(sb, o->nametype);
	strbuf_addf(sb, ";\n%s]]></script>\n", flame_script);
	strbuf_addf(sb,
		    "<rect x=\"0\" y=\"0\" width=\"%g\" height=\"%g\""
		    " fill=\"url(#background)\"/>\n"
		    "<text id=\"title\" x=\"%.2f\" y=\"%g\">",
		    w, h, w / 2, o->fontsize * 2);
	strbuf_add_xml(sb, title, strlen(title));
	strbuf_addstr(sb, "</text>\n");
	if (o->subtitle && *o->subtitle) {
		strbuf_addf(sb, "<text id=\"subtitle\" x=\"%.2f\" y=\"%g\">",
			    w / 2, o->fontsize * 4);
		strbuf_add_xml(sb, o->subtitle, strlen(o->subtitle));
		strbuf_addstr(sb, "</text>\n");
	}
	strbuf_addf(sb,
		    "<text id=\"details\" x=\"%.2f\" y=\"%.2f\"> </text>\n"
		    "<text id=\"unzoom\" x=\"%.2f\" y=\"%g\" class=\"hide\">"
		    "Reset Zoom</text>\n"
		    "<text id=\"search\" x=\"%.2f\" y=\"%g\">Search</text>\n"
		    "<text id=\"ignorecase\" x=\"%.2f\" y=\"%g\">ic</text>\n"
		    "<text id=\"matched\" x=\"%.2f\" y=\"%.2f\"> </text>\n"
		    "<g id=\"frames\">\n",
		    o->xpad, bottom, o->xpad, o->fontsize * 2,
		    w - o->xpad - 100, o->fontsize * 2, w - o->xpad - 16,
		    o->fontsize * 2, w - o->xpad - 100, bottom);
	fwrite(sb->buf, 1, sb->len, fp);
}

static int check_opts(const struct flame_opts *o)
{
	if (!(o->width > 2 * o->xpad) || !isfinite(o->width))
		return error("flame graph width must be more than %g px",
			     2 * o->xpad);
	if (!(o->frameheight > FRAMEPAD) || !isfinite(o->frameheight))
		return error("frame height must be more than %d px", FRAMEPAD);
	if (!(o->fontsize > 0) || !(o->fontwidth > 0) ||
	    !isfinite(o->fontsize) || !isfinite(o->fontwidth))
		return error("font size and width must be positive");
	if (!(o->minwidth >= 0) || !isfinite(o->minwidth))
		return error("minimum width must not be negative");
	if (o->bgcolors && *o->bgcolors && !flame_bgcolors_valid(o->bgcolors))
		return error("unknown background colors '%s' (yellow, blue, "
			     "green, grey or #rrggbb)",
			     o->bgcolors);
	return 0;
}

/* Keep the --max-frames widest frames and say what went and why. */
static void cap_frames(struct flame_layout *l, const struct flame_opts *o)
{
	struct strbuf why = STRBUF_INIT;
	struct flame_cap cap;
	size_t before = l->frames.len;

	flame_layout_cap(l, o->max_frames, &cap);
	if (cap.narrower)
		strbuf_addf(&why, "%zu narrower than %.2g px", cap.narrower,
			    cap.width * (o->width - 2 * o->xpad) / l->total);
	if (cap.deeper)
		strbuf_addf(&why, "%s%zu as wide at depth %u or deeper",
			    cap.narrower ? ", " : "", cap.deeper, cap.depth);
	notice("%zu of %zu frames were left out to keep the SVG small "
	       "(%s; --max-frames 0 keeps them all)",
	       before - l->frames.len, before, why.buf);
	strbuf_release(&why);
}

int flame_write_svg(const struct profile *p, const struct flame_opts *o,
		    FILE *fp)
{
	struct flame_layout l;
	struct svg_ctx c = {p, o, &l, 0, 0, 0, STRBUF_INIT, NULL};
	double total = 0;
	size_t i;

	if (check_opts(o) < 0)
		return -1;
	c.countname = count_name(o, p);
	for (i = 0; i < profile_nstacks(p); i++) {
		double v = profile_value(p, i, p->main_value);

		if (v > 0)
			total += v;
	}
	if (flame_layout_build(&l, p, o->flags,
			       flame_minwidth_value(o, total)) < 0)
		return -1;
	if (o->max_frames && l.frames.len > o->max_frames)
		cap_frames(&l, o);
	c.top = o->fontsize * 3;
	if (o->subtitle && *o->subtitle)
		c.top += o->fontsize * 2;
	c.imageheight =
	    (l.depthmax + 1) * o->frameheight + c.top + o->fontsize * 2 + 10;
	c.pxper = (o->width - 2 * o->xpad) / l.total;
	write_header(&c, fp);
	for (i = 0; i < l.frames.len; i++)
		write_frame(&c, &l.frames.v[i], fp);
	fputs("</g>\n</svg>\n", fp);
	strbuf_release(&c.sb);
	flame_layout_release(&l);
	if (ferror(fp))
		return error_errno("cannot write the flame graph");
	return 0;
}
