#include "core/compat.h"
#include "cli/cli.h"
#include "cli/parse-options.h"
#include "core/atomic.h"
#include "core/error.h"
#include "flame/flame.h"
#include "profile/read.h"

static const struct cli_doc doc = {
    .name = "flamegraph",
    .synopsis = "[INPUT|-] [-o FILE] [options]\n",
    .description =
	"Draw an interactive SVG flame graph, with the conventions of\n"
	"FlameGraph's flamegraph.pl, from folded stacks ('a;b;c COUNT'), from\n"
	"perf script output (collapsed on the fly like 'perfops collapse'),\n"
	"or from a differential file of two counts per line ('stack BEFORE\n"
	"AFTER', as 'perfops diff' and difffolded.pl write it).  INPUT '-' or\n"
	"none reads standard input.  The same input always gives the same\n"
	"bytes.\n"
	"\n"
	"In the browser: hover a frame for its details, click to zoom (Reset\n"
	"Zoom at the top left), Ctrl-F or F3 to search with a regular\n"
	"expression (the share of samples matched shows at the bottom right),\n"
	"Ctrl-I to ignore case.  The zoom and the search live in the URL\n"
	"query (x, y, s), so a link reproduces the view.\n",
    .epilogue =
	"A differential graph takes frame widths from the second (after)\n"
	"count and colours each frame by the change of its own samples: red\n"
	"grew, blue shrank, white unchanged, deeper colour for a bigger "
	"change\n"
	"(|delta| / the largest |delta|).\n"
	"\n"
	"Exit status: 0 on success, 1 when the input cannot be read or has\n"
	"no stacks (no SVG is written then), 2 for a usage error.\n"
	"\n"
	"Examples:\n"
	"  perf script | perfops flamegraph -o flame.svg\n"
	"  perfops flamegraph out.folded --title 'My service' -o flame.svg\n"
	"  perfops diff before.folded after.folded | perfops flamegraph -o "
	"d.svg\n",
};

static int opt_minwidth(const struct opt *opt, const char *s, int unset)
{
	struct flame_opts *o = opt->value;
	char buf[64];
	size_t len = strlen(s);
	char *end;

	(void)unset;
	o->minwidth_percent = len > 0 && s[len - 1] == '%';
	if (o->minwidth_percent) {
		if (len >= sizeof(buf))
			len = sizeof(buf);
		memcpy(buf, s, len - 1);
		buf[len - 1] = '\0';
		s = buf;
	}
	errno = 0;
	o->minwidth = strtod(s, &end);
	if (!*s || *end || errno || !(o->minwidth >= 0) ||
	    (o->minwidth_percent && o->minwidth > 100))
		return opt_error(opt,
				 "must be pixels or a percentage from "
				 "0%% to 100%%, not '%s'",
				 s);
	/* An explicit minimum width is the user's choice. */
	o->max_frames = 0;
	return 0;
}

static int opt_palette(const struct opt *opt, const char *arg, int unset)
{
	int pal = flame_palette_parse(arg);

	(void)unset;
	if (pal < 0)
		return opt_error(opt,
				 "is one of hot, mem, io, wakeup, java, js, "
				 "perl, red, green, blue, aqua, yellow, "
				 "purple, orange, chain; not '%s'",
				 arg);
	*(enum flame_palette *)opt->value = pal;
	return 0;
}

static int opt_bgcolors(const struct opt *opt, const char *arg, int unset)
{
	(void)unset;
	if (!flame_bgcolors_valid(arg))
		return opt_error(opt,
				 "is yellow, blue, green, grey or "
				 "#rrggbb, not '%s'",
				 arg);
	*(const char **)opt->value = arg;
	return 0;
}

int cmd_flamegraph(int argc, char **argv)
{
	struct read_opts ropts = READ_OPTS_INIT;
	struct flame_opts o;
	struct profile p;
	struct atomic_file af;
	const char *input = "-", *output = "-";
	const struct opt options[] = {
	    OPT_STRING('o', "output", &output, "FILE",
		       "write the SVG to FILE (default: standard output)"),
	    OPT_STRING(0, "title", &o.title, "TEXT",
		       "title (default \"Flame Graph\", \"Icicle Graph\"\n"
		       "with --inverted, \"Flame Chart\" with --flamechart)"),
	    OPT_STRING(0, "subtitle", &o.subtitle, "TEXT", "second title line"),
	    OPT_STRING(0, "notes", &o.notes, "TEXT",
		       "a note kept in the SVG as a comment"),
	    OPT_DOUBLE(0, "width", &o.width, "PX", "image width (default 1200)",
		       2 * 10 + 1e-9, 1e7),
	    OPT_DOUBLE(0, "height", &o.frameheight, "PX",
		       "height of one frame (default 16)", 1 + 1e-9, 1e7),
	    OPT_CALLBACK(0, "minwidth", &o, "PX|N%",
			 "leave out frames narrower than PX pixels or than\n"
			 "N% of the total (default 0.1): keeps the SVG\n"
			 "small for big profiles",
			 opt_minwidth),
	    OPT_UINT(0, "max-frames", &o.max_frames, "N",
		     "without --minwidth, when more than N frames are\n"
		     "0.1 px wide or more, keep the N widest, of equal\n"
		     "widths the shallowest (default 16384, about\n"
		     "3.5 MB of SVG; a notice says how many were left\n"
		     "out); 0 = no cap",
		     0, UINT_MAX),
	    OPT_STRING(0, "fonttype", &o.fonttype, "FONT",
		       "font family (default Verdana)"),
	    OPT_DOUBLE(0, "fontsize", &o.fontsize, "SIZE",
		       "font size (default 12)", 1e-9, 1e7),
	    OPT_DOUBLE(0, "fontwidth", &o.fontwidth, "RATIO",
		       "average glyph width / font size, for fitting\n"
		       "labels (default 0.59)",
		       1e-9, 1e7),
	    OPT_STRING(0, "countname", &o.countname, "NAME",
		       "what the counts are (default \"ns\" or \"bytes\"\n"
		       "when the profile knows its unit, else\n"
		       "\"samples\")"),
	    OPT_STRING(0, "nametype", &o.nametype, "TEXT",
		       "label of the details line (default \"Function:\")"),
	    OPT_CALLBACK(0, "colors", &o.palette, "PALETTE",
			 "hot (default), mem, io, wakeup, java, js, perl,\n"
			 "red, green, blue, aqua, yellow, purple, orange,\n"
			 "chain",
			 opt_palette),
	    OPT_CALLBACK(0, "bgcolors", &o.bgcolors, "COLOR",
			 "background: yellow, blue, green, grey or\n"
			 "#rrggbb (default: chosen by the palette)",
			 opt_bgcolors),
	    OPT_BIT(0, "hash", &o.flags,
		    "colours by flamegraph.pl's name hash: alike\n"
		    "names get alike colours (the default colours are\n"
		    "also stable, derived from a hash of the name)",
		    FLAME_HASH),
	    OPT_BIT(0, "inverted", &o.flags,
		    "icicle graph: the root at the top", FLAME_INVERTED),
	    OPT_BIT(0, "reverse", &o.flags, "merge the stacks from the leaves",
		    FLAME_REVERSE),
	    OPT_BIT(0, "flamechart", &o.flags,
		    "keep the input order of the stacks and merge\n"
		    "only neighbours (time order when the input has it)",
		    FLAME_FLAMECHART),
	    OPT_BIT(0, "negate", &o.flags,
		    "swap the red and blue of a differential graph",
		    FLAME_NEGATE),
	    OPT_END(),
	};

	flame_opts_init(&o);
	argc = parse_options(argc, argv, &doc, options, 0);
	if (argc > 1)
		return cli_usage_error("flamegraph",
				       "one input at a time, not "
				       "'%s' too",
				       argv[1]);
	if (argc == 1)
		input = argv[0];
	/* The output is opened first, so an unwritable one is found before
	 * the work; the whole input is read and checked before anything is
	 * written, so a bad or empty input never leaves an SVG behind. */
	if (atomic_open(&af, output) < 0)
		return EXIT_FAIL;
	if (profile_read_file(&p, input, &ropts) < 0) {
		atomic_abort(&af);
		profile_release(&p);
		return EXIT_FAIL;
	}
	if (flame_write_svg(&p, &o, af.fp) < 0) {
		atomic_abort(&af);
		profile_release(&p);
		return EXIT_FAIL;
	}
	profile_release(&p);
	if (af.is_stdout)
		return cli_finish_stdout() < 0 ? EXIT_FAIL : EXIT_OK;
	return atomic_commit(&af) < 0 ? EXIT_FAIL : EXIT_OK;
}
