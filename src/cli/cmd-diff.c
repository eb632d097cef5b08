#include "core/compat.h"
#include "cli/cli.h"
#include "core/atomic.h"
#include "core/error.h"
#include "flame/flame.h"
#include "profile/diff.h"
#include "profile/read.h"

const char cmd_diff_usage[] =
	"usage: perfops diff [options] BEFORE AFTER\n"
	"\n"
	"Compare two profiles.  BEFORE and AFTER are folded stacks or perf\n"
	"script output (\"-\" for stdin, once).  Writes the two-count folded\n"
	"form that FlameGraph's difffolded.pl writes, \"stack BEFORE AFTER\"\n"
	"per line, or draws it directly as a differential flame graph: frame\n"
	"widths from AFTER, red where a frame grew, blue where it shrank, the\n"
	"deeper the colour the larger the change.\n"
	"\n"
	"Options:\n"
	"  -n, --normalize       scale BEFORE to the total of AFTER (so two\n"
	"                        recordings of different lengths compare)\n"
	"  -s, --strip-hex       replace hex numbers in names by 0x... (so the\n"
	"                        same function at another address matches)\n"
	"  --svg=FILE            draw the differential flame graph to FILE\n"
	"  -o, --output=FILE     write to FILE; a name ending in .svg draws\n"
	"                        the flame graph, anything else gets folded\n"
	"  --title=TEXT          the flame graph's title\n"
	"  --negate              swap the colours (blue grew, red shrank)\n"
	"\n"
	"Exit status: 0 ok; 1 an input cannot be read or is empty; 2 usage.\n"
	"\n"
	"Example:\n"
	"  perfops diff -n before.folded after.folded --svg diff.svg\n"
	"  perfops diff before.perf after.perf > diff.folded\n";

int cmd_diff(int argc, char **argv)
{
	enum { OPT_SVG = 256, OPT_TITLE, OPT_NEGATE };
	static const struct option longopts[] = {
		{ "normalize", no_argument, NULL, 'n' },
		{ "strip-hex", no_argument, NULL, 's' },
		{ "svg", required_argument, NULL, OPT_SVG },
		{ "output", required_argument, NULL, 'o' },
		{ "title", required_argument, NULL, OPT_TITLE },
		{ "negate", no_argument, NULL, OPT_NEGATE },
		{ NULL, 0, NULL, 0 },
	};
	struct profile before, after, d;
	struct flame_opts fo;
	const char *out = NULL, *svg = NULL;
	unsigned flags = 0;
	int c, ret = EXIT_OK;

	flame_opts_init(&fo);
	fo.title = "Differential Flame Graph";
	while ((c = cli_getopt(argc, argv, "diff", "nso:", longopts)) != -1) {
		switch (c) {
		case 'n': flags |= DIFF_NORMALIZE; break;
		case 's': flags |= DIFF_STRIP_HEX; break;
		case 'o': out = optarg; break;
		case OPT_SVG: svg = optarg; break;
		case OPT_TITLE: fo.title = optarg; break;
		case OPT_NEGATE: fo.flags |= FLAME_NEGATE; break;
		default: return EXIT_USAGE;
		}
	}
	if (argc - optind != 2)
		return cli_usage_error("diff", "needs two profiles, BEFORE and "
				       "AFTER (got %d)", argc - optind);
	if (!strcmp(argv[optind], "-") && !strcmp(argv[optind + 1], "-"))
		return cli_usage_error("diff", "only one input can be stdin");

	/* Outputs are checked before the work. */
	if ((svg && atomic_check(svg) < 0) || (out && atomic_check(out) < 0))
		return EXIT_FAIL;
	if (profile_read_file(&before, argv[optind], NULL) < 0) {
		profile_release(&before);
		return EXIT_FAIL;
	}
	if (profile_read_file(&after, argv[optind + 1], NULL) < 0) {
		profile_release(&before);
		profile_release(&after);
		return EXIT_FAIL;
	}
	profile_diff(&d, &before, &after, flags);
	profile_release(&before);
	profile_release(&after);

	if (svg && cli_write_profile(&d, svg, CLI_OUT_SVG, &fo, NULL) < 0)
		ret = EXIT_FAIL;
	if (out || !svg) {
		const char *path = out ? out : "-";
		enum cli_out_format f = cli_out_format(path);

		/* Only SVG or folded can hold before and after. */
		if (cli_write_profile(&d, path,
				      f == CLI_OUT_SVG ? f : CLI_OUT_FOLDED,
				      &fo, NULL) < 0)
			ret = EXIT_FAIL;
	}
	profile_release(&d);
	return ret;
}
