#include "core/compat.h"
#include "cli/cli.h"
#include "core/atomic.h"
#include "cli/parse-options.h"
#include "core/error.h"
#include "profile/read.h"
#include "profile/report.h"

static const struct cli_doc doc = {
    .name = "report",
    .synopsis = "[options] PROFILE\n",
    .description =
	"List the functions a profile spends its time (or bytes) in, like\n"
	"`perf report` and `go tool pprof -top`.  PROFILE is pprof (.pb.gz\n"
	"written by perfops record, Go's runtime/pprof or any pprof tool;\n"
	"gzip or raw protobuf), folded stacks or `perf script` text; the\n"
	"format is detected from the content.  \"-\" reads stdin.\n"
	"\n"
	"For each function:\n"
	"  self    the value of the samples whose leaf it is\n"
	"  total   the value of the samples it appears in anywhere on the\n"
	"          stack, counted once per sample even when it recurses\n"
	"  self%, total%  of the total of the profile (of the thread with\n"
	"          --per-thread)\n"
	"  samples sample counts, shown when the value is not itself a count\n"
	"          (a Go CPU profile reports cpu time and sample counts)\n"
	"Nanoseconds print as ms (s for totals of 10 s and more), bytes as\n"
	"kB/MB/GB (powers of 1024).\n",
    .epilogue =
	"Exit status: 0 ok; 1 unreadable or malformed profile (the message\n"
	"names the problem), or a write error; 2 usage error.\n"
	"\n"
	"Examples:\n"
	"  perfops report perfops.pb.gz\n"
	"  perfops report -n 5 --sort total cpu.pprof\n"
	"  perfops report --value alloc_space --json heap.pb.gz\n"
	"  perfops report out.folded -o out.pb.gz   # then: go tool pprof\n",
};

static const char *const sort_keys[] = {"self", "total", NULL};

int cmd_report(int argc, char **argv)
{
	struct report_opts ro = {20, REPORT_SORT_SELF, 0, 0, NULL};
	struct read_opts rdo = READ_OPTS_INIT;
	struct profile prof;
	const char *value = NULL, *out = NULL, *base;
	enum cli_out_format fmt = CLI_OUT_NONE;
	int json = 0, ret = EXIT_OK, top = 20, sort = 0;
	const struct opt options[] = {
	    OPT_INT('n', "top", &top, "N",
		    "show the top N functions (default 20;\n0 = all)", 0,
		    INT_MAX),
	    OPT_CHOICE('s', "sort", &sort, "KEY",
		       "order by self (default) or total", sort_keys),
	    OPT_BOOL(0, "per-thread", &ro.per_thread,
		     "also one table per thread (pprof thread\n"
		     "labels, perfops record); a profile without\n"
		     "threads is split by its root frame, which\n"
		     "is the thread with `perfops collapse --tid`"),
	    OPT_STRING(0, "value", &value, "INDEX|NAME",
		       "the value to report: an index (0, 1) or a\n"
		       "sample type (cpu, samples, inuse_space,\n"
		       "alloc_space, ...); default: the main value\n"
		       "(pprof's default_sample_type, else the last)"),
	    OPT_BOOL(0, "json", &json,
		     "one JSON document instead of tables:\n"
		     "profile, value {index,type,unit}, sort,\n"
		     "total, samples, functions [{name, self,\n"
		     "self_percent, total, total_percent,\n"
		     "self_samples, total_samples}], and threads\n"
		     "[...] with --per-thread; values in the\n"
		     "profile's own unit (e.g. nanoseconds)"),
	    OPT_STRING('o', "output", &out, "FILE",
		       "also write the profile to FILE in the format\n"
		       "of its extension: .pb.gz (pprof), .json\n"
		       "(speedscope), .folded/.txt (folded stacks of\n"
		       "the reported value), .svg (its flame graph);\n"
		       "this converts formats"),
	    OPT_END(),
	};

	argc = parse_options(argc, argv, &doc, options, 0);
	if (argc != 1)
		return cli_usage_error("report", "needs one PROFILE (got %d)",
				       argc);
	ro.top = (size_t)top;
	ro.sort = sort ? REPORT_SORT_TOTAL : REPORT_SORT_SELF;
	if (out) {
		fmt = cli_out_format(out);
		if (fmt == CLI_OUT_NONE)
			return cli_usage_error("report",
					       "cannot tell the "
					       "format of '%s' (use .pb.gz, "
					       ".json, .svg, .folded or .txt)",
					       out);
	}
	/* The output is checked before the work. */
	if (out && atomic_check(out) < 0)
		return EXIT_FAIL;
	ro.name = argv[0];
	/* A pprof profile keeps two of its values: make sure the one asked
	 * for is among them. */
	if (value && !isdigit((unsigned char)value[0]))
		rdo.sample_type = value;
	if (profile_read_file(&prof, ro.name, &rdo) < 0) {
		profile_release(&prof);
		return EXIT_FAIL;
	}
	ro.value = prof.main_value < prof.nvalues ? prof.main_value : 0;
	if (value && report_value_index(&prof, value, &ro.value) < 0) {
		profile_release(&prof);
		return EXIT_USAGE;
	}
	base = strrchr(ro.name, '/');
	base = base ? base + 1 : ro.name;
	if ((json ? report_json(&prof, &ro, stdout)
		  : report_print(&prof, &ro, stdout)) < 0)
		ret = EXIT_FAIL;
	/* Folded lines have room for one measure (two mean "before
	 * after"): write the reported one. */
	if ((fmt == CLI_OUT_FOLDED || fmt == CLI_OUT_SVG) &&
	    !(prof.flags & PROFILE_DIFFERENTIAL))
		prof.main_value = ro.value;
	/* A failed run never replaces an output file. */
	if (ret == EXIT_OK && out &&
	    cli_write_profile(&prof, out, fmt, NULL, base) < 0)
		ret = EXIT_FAIL;
	profile_release(&prof);
	return ret;
}
