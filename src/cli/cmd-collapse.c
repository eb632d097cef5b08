#include "core/compat.h"
#include "cli/cli.h"
#include "core/atomic.h"
#include "core/error.h"
#include "profile/folded.h"
#include "profile/read.h"

const char cmd_collapse_usage[] =
	"usage: perfops collapse [options] [PERF-SCRIPT-FILE | PPROF | -]\n"
	"\n"
	"Fold `perf script` output into one line per unique stack,\n"
	"\"root;...;leaf COUNT\", sorted, byte for byte as FlameGraph's\n"
	"stackcollapse-perf.pl writes it (feed it to `perfops flamegraph`,\n"
	"flamegraph.pl, speedscope or any folded-stack tool).  Reads stdin\n"
	"when no file is given.  Counts are summed periods when perf printed\n"
	"them (nanoseconds for cpu-clock, cycles for cycles), else samples.\n"
	"A pprof profile (.pb.gz, detected from its content) folds too, with\n"
	"its main value (cpu time of a Go CPU profile) as the count and a\n"
	"comm-PID/TID root frame for samples with thread labels; the perf\n"
	"script options below do not apply to it.\n"
	"\n"
	"Options:\n"
	"  --pid                 root frame is comm-PID\n"
	"  --tid                 root frame is comm-PID/TID\n"
	"  --kernel              mark kernel frames with _[k]\n"
	"  --jit                 mark JIT frames (/tmp/perf-PID.map) with _[j]\n"
	"  --all                 both --kernel and --jit\n"
	"  --addrs               [unknown <ADDR>] for frames without a symbol\n"
	"  --event-filter=NAME   keep only this event (default: the first\n"
	"                        event type in the input; others are skipped\n"
	"                        with a warning)\n"
	"  -o, --output=FILE     write to FILE (atomically) instead of stdout\n"
	"\n"
	"Exit status: 0 ok; 1 bad input (a malformed line is named with its\n"
	"line number; what could be read is still written), or no stacks at\n"
	"all (\"record with -g\"); 2 usage error.\n"
	"\n"
	"Example:\n"
	"  perf record -F 999 -g -- ./app && perf script > out.perf\n"
	"  perfops collapse out.perf > out.folded\n"
	"  perfops flamegraph out.folded -o flame.svg\n";

int cmd_collapse(int argc, char **argv)
{
	enum { OPT_PID = 256, OPT_TID, OPT_KERNEL, OPT_JIT, OPT_ALL, OPT_ADDRS,
	       OPT_EVENT };
	static const struct option longopts[] = {
		{ "pid", no_argument, NULL, OPT_PID },
		{ "tid", no_argument, NULL, OPT_TID },
		{ "kernel", no_argument, NULL, OPT_KERNEL },
		{ "jit", no_argument, NULL, OPT_JIT },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "addrs", no_argument, NULL, OPT_ADDRS },
		{ "event-filter", required_argument, NULL, OPT_EVENT },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct read_opts ro = READ_OPTS_INIT;
	struct profile prof;
	struct atomic_file af;
	const char *out = "-", *in = "-";
	int c, rr, ret;

	ro.format = PROFILE_FMT_PERF_SCRIPT;
	while ((c = cli_getopt(argc, argv, "collapse", "o:", longopts)) != -1) {
		switch (c) {
		case OPT_PID: ro.collapse_flags |= COLLAPSE_PID; break;
		case OPT_TID: ro.collapse_flags |= COLLAPSE_TID; break;
		case OPT_KERNEL: ro.collapse_flags |= COLLAPSE_KERNEL; break;
		case OPT_JIT: ro.collapse_flags |= COLLAPSE_JIT; break;
		case OPT_ALL:
			ro.collapse_flags |= COLLAPSE_KERNEL | COLLAPSE_JIT;
			break;
		case OPT_ADDRS: ro.collapse_flags |= COLLAPSE_ADDRS; break;
		case OPT_EVENT: ro.event_filter = optarg; break;
		case 'o': out = optarg; break;
		default: return EXIT_USAGE;
		}
	}
	if (argc - optind > 1)
		return cli_usage_error("collapse",
				       "one input file at a time (got %d)",
				       argc - optind);
	if (optind < argc)
		in = argv[optind];

	rr = profile_read_file(&prof, in, &ro);
	if (!profile_nstacks(&prof)) {
		profile_release(&prof);
		return EXIT_FAIL;
	}
	/* Even after a bad line, what was read is written. */
	ret = rr < 0 ? EXIT_FAIL : EXIT_OK;
	if (atomic_open(&af, out) < 0) {
		profile_release(&prof);
		return EXIT_FAIL;
	}
	/* The output can be tens of MB: write it in large pieces rather than
	 * stdio's 4 KB (nothing was written to stdout before).  glibc takes
	 * the size only with a buffer; it lives until exit flushes stdout. */
	if (af.is_stdout) {
		static char outbuf[1 << 20];

		setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	}
	if (folded_write(&prof, af.fp) < 0) {
		atomic_abort(&af);
		ret = EXIT_FAIL;
	} else if (atomic_commit(&af) < 0) {
		ret = EXIT_FAIL;
	}
	profile_release(&prof);
	return ret;
}
