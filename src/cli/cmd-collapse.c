#include "core/compat.h"
#include "cli/cli.h"
#include "cli/parse-options.h"
#include "core/atomic.h"
#include "core/error.h"
#include "profile/folded.h"
#include "profile/read.h"

static const struct cli_doc doc = {
    .name = "collapse",
    .synopsis = "[options] [PERF-SCRIPT-FILE | PPROF | -]\n",
    .description =
	"Fold `perf script` output into one line per unique stack,\n"
	"\"root;...;leaf COUNT\", sorted, byte for byte as FlameGraph's\n"
	"stackcollapse-perf.pl writes it (feed it to `perfops flamegraph`,\n"
	"flamegraph.pl, speedscope or any folded-stack tool).  Reads stdin\n"
	"when no file is given.  Counts are summed periods when perf printed\n"
	"them (nanoseconds for cpu-clock, cycles for cycles), else samples.\n"
	"A pprof profile (.pb.gz, detected from its content) folds too, with\n"
	"its main value (cpu time of a Go CPU profile) as the count and a\n"
	"comm-PID/TID root frame for samples with thread labels; the perf\n"
	"script options below do not apply to it.\n",
    .epilogue =
	"Exit status: 0 ok; 1 bad input (a malformed line is named with its\n"
	"line number; what could be read is still written to standard\n"
	"output, but an -o FILE is then neither created nor replaced), or no\n"
	"stacks at all (\"record with -g\"); 2 usage error.\n"
	"\n"
	"Example:\n"
	"  perf record -F 999 -g -- ./app && perf script > out.perf\n"
	"  perfops collapse out.perf > out.folded\n"
	"  perfops flamegraph out.folded -o flame.svg\n",
};

int cmd_collapse(int argc, char **argv)
{
	struct read_opts ro = READ_OPTS_INIT;
	const char *out = "-", *in = "-";
	const struct opt options[] = {
	    OPT_BIT(0, "pid", &ro.collapse_flags, "root frame is comm-PID",
		    COLLAPSE_PID),
	    OPT_BIT(0, "tid", &ro.collapse_flags, "root frame is comm-PID/TID",
		    COLLAPSE_TID),
	    OPT_BIT(0, "kernel", &ro.collapse_flags,
		    "mark kernel frames with _[k]", COLLAPSE_KERNEL),
	    OPT_BIT(0, "jit", &ro.collapse_flags,
		    "mark JIT frames (/tmp/perf-PID.map) with _[j]",
		    COLLAPSE_JIT),
	    OPT_BIT(0, "all", &ro.collapse_flags, "both --kernel and --jit",
		    COLLAPSE_KERNEL | COLLAPSE_JIT),
	    OPT_BIT(0, "addrs", &ro.collapse_flags,
		    "[unknown <ADDR>] for frames without a symbol",
		    COLLAPSE_ADDRS),
	    OPT_STRING(0, "event-filter", &ro.event_filter, "NAME",
		       "keep only this event (default: the first\n"
		       "event type in the input; others are skipped\n"
		       "with a warning)"),
	    OPT_STRING('o', "output", &out, "FILE",
		       "write to FILE (atomically) instead of stdout"),
	    OPT_END(),
	};
	struct profile prof;
	struct atomic_file af;
	int rr, ret;

	ro.format = PROFILE_FMT_PERF_SCRIPT;
	argc = parse_options(argc, argv, &doc, options, 0);
	if (argc > 1)
		return cli_usage_error(
		    "collapse", "one input file at a time (got %d)", argc);
	if (argc == 1)
		in = argv[0];

	/* The output is opened first so that an unwritable one is found
	 * before the work. */
	if (atomic_open(&af, out) < 0)
		return EXIT_FAIL;
	/* The output can be tens of MB: write it in large pieces rather than
	 * stdio's 4 KB (nothing was written to stdout before).  glibc takes
	 * the size only with a buffer; it lives until exit flushes stdout. */
	if (af.is_stdout) {
		static char outbuf[1 << 20];

		setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	}
	rr = profile_read_file(&prof, in, &ro);
	if (!profile_nstacks(&prof)) {
		atomic_abort(&af);
		profile_release(&prof);
		return EXIT_FAIL;
	}
	ret = rr < 0 ? EXIT_FAIL : EXIT_OK;
	/* After a bad line, what was read still goes to a stream (stdout,
	 * a FIFO), but never replaces or creates a file: a failed run
	 * leaves an output file as it was. */
	if (rr < 0 && af.tmp) {
		notice("'%s' not written: the input has errors", out);
		atomic_abort(&af);
	} else if (folded_write(&prof, af.fp) < 0) {
		atomic_abort(&af);
		ret = EXIT_FAIL;
	} else if (atomic_commit(&af) < 0) {
		ret = EXIT_FAIL;
	}
	profile_release(&prof);
	return ret;
}
