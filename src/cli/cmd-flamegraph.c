#include "core/compat.h"
#include "cli/cli.h"
#include "core/atomic.h"
#include "core/error.h"
#include "flame/flame.h"
#include "profile/read.h"

const char cmd_flamegraph_usage[] =
	"usage: perfops flamegraph [INPUT|-] [-o FILE] [options]\n"
	"\n"
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
	"query (x, y, s), so a link reproduces the view.\n"
	"\n"
	"Options:\n"
	"  -o, --output FILE   write the SVG to FILE (default: standard output)\n"
	"  --title TEXT        title (default \"Flame Graph\", \"Icicle Graph\"\n"
	"                      with --inverted, \"Flame Chart\" with --flamechart)\n"
	"  --subtitle TEXT     second title line\n"
	"  --notes TEXT        a note kept in the SVG as a comment\n"
	"  --width PX          image width (default 1200)\n"
	"  --height PX         height of one frame (default 16)\n"
	"  --minwidth PX|N%    leave out frames narrower than PX pixels or than\n"
	"                      N% of the total (default 0.1): keeps the SVG\n"
	"                      small for big profiles\n"
	"  --max-frames N      without --minwidth, when more than N frames are\n"
	"                      0.1 px wide or more, keep the N widest (default\n"
	"                      16384, about 3.5 MB of SVG; a notice says how\n"
	"                      many were left out); 0 = no cap\n"
	"  --fonttype FONT     font family (default Verdana)\n"
	"  --fontsize SIZE     font size (default 12)\n"
	"  --fontwidth RATIO   average glyph width / font size, for fitting\n"
	"                      labels (default 0.59)\n"
	"  --countname NAME    what the counts are (default \"ns\" or \"bytes\"\n"
	"                      when the profile knows its unit, else\n"
	"                      \"samples\")\n"
	"  --nametype TEXT     label of the details line (default \"Function:\")\n"
	"  --colors PALETTE    hot (default), mem, io, wakeup, java, js, perl,\n"
	"                      red, green, blue, aqua, yellow, purple, orange,\n"
	"                      chain\n"
	"  --bgcolors COLOR    background: yellow, blue, green, grey or\n"
	"                      #rrggbb (default: chosen by the palette)\n"
	"  --hash              colours by flamegraph.pl's name hash: alike\n"
	"                      names get alike colours (the default colours are\n"
	"                      also stable, derived from a hash of the name)\n"
	"  --inverted          icicle graph: the root at the top\n"
	"  --reverse           merge the stacks from the leaves\n"
	"  --flamechart        keep the input order of the stacks and merge\n"
	"                      only neighbours (time order when the input has it)\n"
	"  --negate            swap the red and blue of a differential graph\n"
	"  -h, --help          show this manual\n"
	"\n"
	"A differential graph takes frame widths from the second (after)\n"
	"count and colours each frame by the change of its own samples: red\n"
	"grew, blue shrank, white unchanged, deeper colour for a bigger change\n"
	"(|delta| / the largest |delta|).\n"
	"\n"
	"Exit status: 0 on success, 1 when the input cannot be read or has\n"
	"no stacks (no SVG is written then), 2 for a usage error.\n"
	"\n"
	"Examples:\n"
	"  perf script | perfops flamegraph -o flame.svg\n"
	"  perfops flamegraph out.folded --title 'My service' -o flame.svg\n"
	"  perfops diff before.folded after.folded | perfops flamegraph -o d.svg\n";

enum {
	OPT_TITLE = 256,
	OPT_SUBTITLE,
	OPT_NOTES,
	OPT_WIDTH,
	OPT_HEIGHT,
	OPT_MINWIDTH,
	OPT_MAX_FRAMES,
	OPT_FONTTYPE,
	OPT_FONTSIZE,
	OPT_FONTWIDTH,
	OPT_COUNTNAME,
	OPT_NAMETYPE,
	OPT_COLORS,
	OPT_BGCOLORS,
	OPT_HASH,
	OPT_INVERTED,
	OPT_REVERSE,
	OPT_FLAMECHART,
	OPT_NEGATE,
};

static const struct option longopts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "title", required_argument, NULL, OPT_TITLE },
	{ "subtitle", required_argument, NULL, OPT_SUBTITLE },
	{ "notes", required_argument, NULL, OPT_NOTES },
	{ "width", required_argument, NULL, OPT_WIDTH },
	{ "height", required_argument, NULL, OPT_HEIGHT },
	{ "minwidth", required_argument, NULL, OPT_MINWIDTH },
	{ "max-frames", required_argument, NULL, OPT_MAX_FRAMES },
	{ "fonttype", required_argument, NULL, OPT_FONTTYPE },
	{ "fontsize", required_argument, NULL, OPT_FONTSIZE },
	{ "fontwidth", required_argument, NULL, OPT_FONTWIDTH },
	{ "countname", required_argument, NULL, OPT_COUNTNAME },
	{ "nametype", required_argument, NULL, OPT_NAMETYPE },
	{ "colors", required_argument, NULL, OPT_COLORS },
	{ "bgcolors", required_argument, NULL, OPT_BGCOLORS },
	{ "hash", no_argument, NULL, OPT_HASH },
	{ "inverted", no_argument, NULL, OPT_INVERTED },
	{ "reverse", no_argument, NULL, OPT_REVERSE },
	{ "flamechart", no_argument, NULL, OPT_FLAMECHART },
	{ "negate", no_argument, NULL, OPT_NEGATE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int parse_positive(const char *opt, const char *s, double *out)
{
	if (cli_parse_double("flamegraph", opt, s, out) < 0)
		return -1;
	if (!(*out > 0) || *out > 1e7) {
		cli_usage_error("flamegraph", "%s must be a positive number, "
				"not '%s'", opt, s);
		return -1;
	}
	return 0;
}

static int parse_minwidth(struct flame_opts *o, const char *s)
{
	char buf[64];
	size_t len = strlen(s);

	o->minwidth_percent = len > 0 && s[len - 1] == '%';
	if (o->minwidth_percent) {
		if (len >= sizeof(buf))
			len = sizeof(buf);
		memcpy(buf, s, len - 1);
		buf[len - 1] = '\0';
		s = buf;
	}
	if (cli_parse_double("flamegraph", "--minwidth", s, &o->minwidth) < 0)
		return -1;
	if (!(o->minwidth >= 0) ||
	    (o->minwidth_percent && o->minwidth > 100)) {
		cli_usage_error("flamegraph", "--minwidth must be pixels or a "
				"percentage from 0%% to 100%%");
		return -1;
	}
	return 0;
}

/* Parse the options into o; returns the exit code to stop with, or -1. */
static int parse_options(int argc, char **argv, struct flame_opts *o,
			 const char **output)
{
	int c, pal;

	while ((c = cli_getopt(argc, argv, "flamegraph", "o:h", longopts)) !=
	       -1) {
		switch (c) {
		case 'o': *output = optarg; break;
		case OPT_TITLE: o->title = optarg; break;
		case OPT_SUBTITLE: o->subtitle = optarg; break;
		case OPT_NOTES: o->notes = optarg; break;
		case OPT_FONTTYPE: o->fonttype = optarg; break;
		case OPT_COUNTNAME: o->countname = optarg; break;
		case OPT_NAMETYPE: o->nametype = optarg; break;
		case OPT_HASH: o->flags |= FLAME_HASH; break;
		case OPT_INVERTED: o->flags |= FLAME_INVERTED; break;
		case OPT_REVERSE: o->flags |= FLAME_REVERSE; break;
		case OPT_FLAMECHART: o->flags |= FLAME_FLAMECHART; break;
		case OPT_NEGATE: o->flags |= FLAME_NEGATE; break;
		case OPT_WIDTH:
			if (parse_positive("--width", optarg, &o->width) < 0)
				return EXIT_USAGE;
			if (o->width <= 2 * o->xpad)
				return cli_usage_error("flamegraph", "--width "
						       "must exceed %g",
						       2 * o->xpad);
			break;
		case OPT_HEIGHT:
			if (parse_positive("--height", optarg,
					   &o->frameheight) < 0)
				return EXIT_USAGE;
			if (o->frameheight <= 1)
				return cli_usage_error("flamegraph", "--height "
						       "must exceed 1");
			break;
		case OPT_FONTSIZE:
			if (parse_positive("--fontsize", optarg,
					   &o->fontsize) < 0)
				return EXIT_USAGE;
			break;
		case OPT_FONTWIDTH:
			if (parse_positive("--fontwidth", optarg,
					   &o->fontwidth) < 0)
				return EXIT_USAGE;
			break;
		case OPT_MINWIDTH:
			if (parse_minwidth(o, optarg) < 0)
				return EXIT_USAGE;
			/* An explicit minimum width is the user's choice. */
			o->max_frames = 0;
			break;
		case OPT_MAX_FRAMES: {
			long n;

			if (cli_parse_long("flamegraph", "--max-frames", optarg,
					   &n) < 0 || n < 0)
				return EXIT_USAGE;
			o->max_frames = (unsigned)MIN(n, (long)UINT_MAX);
			break;
		}
		case OPT_COLORS:
			pal = flame_palette_parse(optarg);
			if (pal < 0)
				return cli_usage_error(
					"flamegraph",
					"unknown palette '%s' (hot, mem, io, "
					"wakeup, java, js, perl, red, green, "
					"blue, aqua, yellow, purple, orange, "
					"chain)", optarg);
			o->palette = pal;
			break;
		case OPT_BGCOLORS:
			if (!flame_bgcolors_valid(optarg))
				return cli_usage_error(
					"flamegraph",
					"unknown background '%s' (yellow, "
					"blue, green, grey or #rrggbb)",
					optarg);
			o->bgcolors = optarg;
			break;
		case 'h':
			fputs(cmd_flamegraph_usage, stdout);
			return cli_finish_stdout() < 0 ? EXIT_FAIL : EXIT_OK;
		default:
			return EXIT_USAGE;
		}
	}
	return -1;
}

int cmd_flamegraph(int argc, char **argv)
{
	struct read_opts ropts = READ_OPTS_INIT;
	struct flame_opts o;
	struct profile p;
	struct atomic_file af;
	const char *input = "-", *output = "-";
	int ret;

	flame_opts_init(&o);
	ret = parse_options(argc, argv, &o, &output);
	if (ret >= 0)
		return ret;
	if (optind < argc)
		input = argv[optind++];
	if (optind < argc)
		return cli_usage_error("flamegraph", "one input at a time, not "
				       "'%s' too", argv[optind]);
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
