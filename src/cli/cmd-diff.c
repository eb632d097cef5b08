#include "core/compat.h"
#include "cli/cli.h"
#include "core/atomic.h"
#include "cli/parse-options.h"
#include "core/error.h"
#include "flame/flame.h"
#include "profile/diff.h"
#include "profile/read.h"

static const struct cli_doc doc = {
    .name = "diff",
    .synopsis = "[options] BEFORE AFTER\n",
    .description =
	"Compare two profiles.  BEFORE and AFTER are folded stacks or perf\n"
	"script output (\"-\" for stdin, once).  Writes the two-count folded\n"
	"form that FlameGraph's difffolded.pl writes, \"stack BEFORE AFTER\"\n"
	"per line, or draws it directly as a differential flame graph: frame\n"
	"widths from AFTER, red where a frame grew, blue where it shrank, the\n"
	"deeper the colour the larger the change.\n",
    .epilogue =
	"Exit status: 0 ok; 1 an input cannot be read or is empty; 2 usage.\n"
	"\n"
	"Example:\n"
	"  perfops diff -n before.folded after.folded --svg diff.svg\n"
	"  perfops diff before.perf after.perf > diff.folded\n",
};

int cmd_diff(int argc, char **argv)
{
	const char *out = NULL, *svg = NULL;
	unsigned flags = 0;
	struct flame_opts fo;
	const struct opt options[] = {
	    OPT_BIT('n', "normalize", &flags,
		    "scale BEFORE to the total of AFTER (so two\n"
		    "recordings of different lengths compare)",
		    DIFF_NORMALIZE),
	    OPT_BIT('s', "strip-hex", &flags,
		    "replace hex numbers in names by 0x... (so the\n"
		    "same function at another address matches)",
		    DIFF_STRIP_HEX),
	    OPT_BIT('e', "from-entry", &flags,
		    "start each stack at its entry frame nearest\n"
		    "the leaf (__libc_start_call_main,\n"
		    "start_thread, runtime.goexit, ...), as\n"
		    "perfops record does, so that a perf\n"
		    "recording (whose DWARF stacks go on to\n"
		    "_start) pairs with a perfops one",
		    DIFF_FROM_ENTRY),
	    OPT_STRING(0, "svg", &svg, "FILE",
		       "draw the differential flame graph to FILE"),
	    OPT_STRING('o', "output", &out, "FILE",
		       "write to FILE; a name ending in .svg draws\n"
		       "the flame graph, anything else gets folded"),
	    OPT_STRING(0, "title", &fo.title, "TEXT",
		       "the flame graph's title"),
	    OPT_BIT(0, "negate", &fo.flags,
		    "swap the colours (blue grew, red shrank)", FLAME_NEGATE),
	    OPT_END(),
	};
	struct profile before, after, d;
	int ret = EXIT_OK;

	flame_opts_init(&fo);
	fo.title = "Differential Flame Graph";
	argc = parse_options(argc, argv, &doc, options, 0);
	if (argc != 2)
		return cli_usage_error("diff",
				       "needs two profiles, BEFORE and "
				       "AFTER (got %d)",
				       argc);
	if (!strcmp(argv[0], "-") && !strcmp(argv[1], "-"))
		return cli_usage_error("diff", "only one input can be stdin");

	/* Outputs are checked before the work. */
	if ((svg && atomic_check(svg) < 0) || (out && atomic_check(out) < 0))
		return EXIT_FAIL;
	if (profile_read_file(&before, argv[0], NULL) < 0) {
		profile_release(&before);
		return EXIT_FAIL;
	}
	if (profile_read_file(&after, argv[1], NULL) < 0) {
		profile_release(&before);
		profile_release(&after);
		return EXIT_FAIL;
	}
	profile_diff(&d, &before, &after, flags);
	profile_release(&before);
	profile_release(&after);

	if (svg && cli_write_profile(&d, svg, CLI_OUT_SVG, &fo, NULL) < 0)
		ret = EXIT_FAIL;
	/* A failed run never replaces an output file. */
	if (ret == EXIT_OK && (out || !svg)) {
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
