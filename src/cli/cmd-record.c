#include "core/compat.h"
#include "cli/cli.h"
#include "core/error.h"
#include "core/utf8.h"
#include "flame/flame.h"
#include "profile/report.h"
#include "record/record.h"
#include <time.h>

const char cmd_record_usage[] =
	"usage: perfops record [options]\n"
	"                      (-p PID[,PID...] | -a | [--] CMD [ARGS])\n"
	"\n"
	"Sample the stacks of a command, of running processes or of the whole\n"
	"system with perf_event_open(), symbolize them in process (ELF\n"
	"symbols, separate debug files, DWARF inline frames and lines,\n"
	"/proc/kallsyms, JIT perf maps) and write a profile and/or a flame\n"
	"graph.  No perf binary is involved.\n"
	"\n"
	"A launched command is followed into every thread and child process,\n"
	"across exec.  Ctrl-C (SIGINT) ends the recording and still writes\n"
	"everything; so does the end of the target.  A summary follows:\n"
	"samples, duration, lost samples, broken stacks, top 5 functions,\n"
	"files written.\n"
	"\n"
	"Options:\n"
	"  -F, --freq HZ        samples per second per CPU (default 999)\n"
	"  -e, --event E        cpu-clock (default), task-clock, page-faults,\n"
	"                       cycles, instructions, ...; without a hardware\n"
	"                       PMU (most VMs) cycles falls back to cpu-clock\n"
	"  -g MODE              call stacks: fp (frame pointers, cheapest),\n"
	"                       dwarf (copy the user stack and unwind it with\n"
	"                       the DWARF CFI: complete through code built\n"
	"                       without frame pointers), auto (default: the\n"
	"                       frame-pointer chain when it reaches a root\n"
	"                       frame such as _start or start_thread, else\n"
	"                       the DWARF unwind)\n"
	"  --stack-size N       bytes of user stack copied per sample for\n"
	"                       dwarf/auto (default 16384, at most 60000)\n"
	"  -d, --duration S     stop after S seconds (the command is then\n"
	"                       sent SIGTERM)\n"
	"  --off-cpu            also record where threads block: the stack at\n"
	"                       each context switch, weighted by the time\n"
	"                       until the thread runs again, under an\n"
	"                       [off-cpu] frame\n"
	"  --user-only          leave out kernel frames\n"
	"  --per-thread         root frames comm-PID/TID instead of comm\n"
	"  --no-inline          no DWARF inline frames or file:line (faster)\n"
	"  -o, --output FILE    write FILE; repeatable; the format follows\n"
	"                       the extension: .pb.gz (pprof, the default\n"
	"                       perfops.pb.gz), .folded, .svg, .json\n"
	"                       (speedscope)\n"
	"  -p, --pid PID[,PID]  attach to running processes (all threads, and\n"
	"                       those they start later)\n"
	"  -a, --all-cpus       the whole system, one buffer per CPU\n"
	"  -h, --help           show this manual\n"
	"\n"
	"Values: every stack carries samples (count) and CPU time\n"
	"(nanoseconds); folded and SVG outputs use the nanoseconds, like\n"
	"'perf script | perfops collapse' on cpu-clock.\n"
	"\n"
	"Exit status: 0 on success, 1 on failure (what was recorded is still\n"
	"written), 2 for a usage error, 3 when the machine does not allow\n"
	"recording (kernel.perf_event_paranoid, seccomp, the mlock budget,\n"
	"permission on a PID).\n"
	"\n"
	"Examples:\n"
	"  perfops record -o flame.svg -- ./app --bench\n"
	"  perfops record -g dwarf -F 499 -o app.pb.gz -o app.folded -- ./app\n"
	"  perfops record -p 1234 --duration 10 --off-cpu -o flame.svg\n"
	"  sudo perfops record -a --duration 5 -o system.svg\n";

enum {
	OPT_STACK_SIZE = 256,
	OPT_OFF_CPU,
	OPT_USER_ONLY,
	OPT_PER_THREAD,
	OPT_NO_INLINE,
};

static const struct option longopts[] = {
	{ "freq", required_argument, NULL, 'F' },
	{ "event", required_argument, NULL, 'e' },
	{ "call-graph", required_argument, NULL, 'g' },
	{ "stack-size", required_argument, NULL, OPT_STACK_SIZE },
	{ "duration", required_argument, NULL, 'd' },
	{ "off-cpu", no_argument, NULL, OPT_OFF_CPU },
	{ "user-only", no_argument, NULL, OPT_USER_ONLY },
	{ "per-thread", no_argument, NULL, OPT_PER_THREAD },
	{ "no-inline", no_argument, NULL, OPT_NO_INLINE },
	{ "output", required_argument, NULL, 'o' },
	{ "pid", required_argument, NULL, 'p' },
	{ "all-cpus", no_argument, NULL, 'a' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Where the options end: "--" or the first word of the command. */
static int options_end(int argc, char **argv)
{
	static const char *const with_value[] = {
		"-F", "-e", "-g", "-d", "-o", "-p", "--freq", "--event",
		"--call-graph", "--stack-size", "--duration", "--output",
		"--pid",
	};
	int i;
	size_t k;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--") || argv[i][0] != '-' || !argv[i][1])
			return i;
		for (k = 0; k < ARRAY_SIZE(with_value); k++)
			if (!strcmp(argv[i], with_value[k]))
				i++;
	}
	return argc;
}

static int parse_pids(const char *s, int **pids, size_t *n)
{
	char *dup = xstrdup(s), *p = dup, *end;

	for (;;) {
		long v;

		errno = 0;
		v = strtol(p, &end, 10);
		if (end == p || errno || v <= 0 || v > INT_MAX ||
		    (*end && *end != ',')) {
			free(dup);
			return -1;
		}
		*pids = xrealloc(*pids, (*n + 1) * sizeof(**pids));
		(*pids)[(*n)++] = (int)v;
		if (!*end)
			break;
		p = end + 1;
	}
	free(dup);
	return 0;
}

static int write_output(const struct profile *p, const char *path,
			const struct record_opts *o)
{
	struct flame_opts fo;

	flame_opts_init(&fo);
	fo.title = o->off_cpu ? "On- and Off-CPU Flame Graph"
			      : "CPU Flame Graph";
	return cli_write_profile(p, path, cli_out_format(path), &fo,
				 o->argv ? o->argv[0] : "perfops record");
}

static void print_summary(const struct profile *p,
			  const struct record_stats *st,
			  const struct record_opts *o, char **outputs,
			  size_t nout, const int *written, double write_s)
{
	struct report top;
	size_t n, i;
	double total;
	double broken = st->with_user ? 100.0 * st->broken / st->with_user : 0;

	printf("recorded %" PRIu64
	       " samples of %s in %.2f s (%u Hz, -g %s)%s\n",
	       st->samples, st->event, st->seconds, o->freq,
	       o->unwind == RECORD_UNWIND_FP	  ? "fp"
	       : o->unwind == RECORD_UNWIND_DWARF ? "dwarf"
						  : "auto",
	       st->interrupted ? ", interrupted" : "");
	if (st->lost)
		printf("lost samples: %" PRIu64 " (the ring buffer "
		       "overflowed: lower -F or --stack-size)\n",
		       st->lost);
	else
		printf("lost samples: 0\n");
	if (st->throttled)
		printf("throttled: %" PRIu64 " times (the kernel lowered the "
		       "rate: kernel.perf_event_max_sample_rate)\n",
		       st->throttled);
	printf("broken stacks: %.1f%%", broken);
	/* Most broken stacks as long as the kernel allows: too deep, not
	 * badly unwound. */
	if (broken > 10 && st->max_stack_hit * 2 >= st->broken)
		printf(" (stacks deeper than kernel.perf_event_max_stack = %u "
		       "frames are cut: raise it with 'sysctl "
		       "kernel.perf_event_max_stack=4096')",
		       st->max_stack);
	else if (broken > 10 && o->unwind == RECORD_UNWIND_FP)
		printf(" (code without frame pointers: use -g dwarf, or "
		       "build with -fno-omit-frame-pointer)");
	else if (broken > 10)
		printf(" (try a larger --stack-size, or install the debug "
		       "symbols of the libraries involved)");
	putchar('\n');
	if (o->off_cpu)
		printf("off-cpu: %" PRIu64 " blocked intervals, %.3f s "
		       "blocked\n",
		       st->offcpu_switches, st->offcpu_ns / 1e9);
	/* By samples, not nanoseconds: off-CPU time is no hot function. */
	report_compute(p, 0, REPORT_ALL, 0, REPORT_SORT_SELF, &top);
	total = top.total;
	n = MIN(top.nrows, (size_t)5);
	if (n)
		printf("top functions (self):\n");
	for (i = 0; i < n; i++) {
		printf("  %5.1f%%  %5.1f%% total  ",
		       total > 0 ? 100 * top.rows[i].self / total : 0,
		       total > 0 ? 100 * top.rows[i].total / total : 0);
		/* Symbol names are the traced program's: escape them. */
		utf8_fput_printable(stdout,
				    profile_frame_name(p, top.rows[i].frame),
				    profile_frame_len(p, top.rows[i].frame));
		putchar('\n');
	}
	report_release(&top);
	for (i = 0; i < nout; i++)
		if (written[i])
			printf("wrote %s\n", outputs[i]);
	/* Symbolization runs during the recording; this is what is left. */
	printf("outputs written %.3f s after the recording ended\n", write_s);
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int cmd_record(int argc, char **argv)
{
	struct record_opts o;
	struct record_stats st;
	struct profile p;
	char **outputs = NULL;
	int *pids = NULL, *written = NULL;
	size_t nout = 0, npids = 0, i;
	int end = options_end(argc, argv), c, ret = EXIT_OK, rc;
	double d, t0;
	long l;
	static char default_out[] = "perfops.pb.gz";
	static char default_folded[] = "perfops.folded";

	memset(&o, 0, sizeof(o));
	memset(&st, 0, sizeof(st));
	o.freq = 999;
	o.unwind = RECORD_UNWIND_AUTO;
	o.stack_size = 16384;
	optind = 1;
	while ((c = cli_getopt(end, argv, "record", "F:e:g:d:o:p:ah",
			       longopts)) != -1) {
		switch (c) {
		case 'F':
			if (cli_parse_long("record", "-F", optarg, &l) < 0)
				goto usage;
			if (l < 1 || l > 100000) {
				cli_usage_error("record",
						"-F must be 1..100000");
				goto usage;
			}
			o.freq = (unsigned)l;
			break;
		case 'e':
			o.event = optarg;
			break;
		case 'g':
			if (!strcmp(optarg, "fp"))
				o.unwind = RECORD_UNWIND_FP;
			else if (!strcmp(optarg, "dwarf"))
				o.unwind = RECORD_UNWIND_DWARF;
			else if (!strcmp(optarg, "auto"))
				o.unwind = RECORD_UNWIND_AUTO;
			else {
				cli_usage_error("record", "-g takes fp, dwarf "
					       "or auto, not '%s'", optarg);
				goto usage;
			}
			break;
		case OPT_STACK_SIZE:
			if (cli_parse_long("record", "--stack-size", optarg,
					   &l) < 0)
				goto usage;
			if (l < 64 || l > 60000) {
				cli_usage_error("record", "--stack-size must "
					       "be 64..60000");
				goto usage;
			}
			o.stack_size = (unsigned)l;
			break;
		case 'd':
			if (cli_parse_double("record", "--duration", optarg,
					     &d) < 0)
				goto usage;
			if (!(d > 0)) {
				cli_usage_error("record", "--duration must be "
					       "positive");
				goto usage;
			}
			o.duration = d;
			break;
		case OPT_OFF_CPU:
			o.off_cpu = 1;
			break;
		case OPT_USER_ONLY:
			o.user_only = 1;
			break;
		case OPT_PER_THREAD:
			o.per_thread = 1;
			break;
		case OPT_NO_INLINE:
			o.no_inline = 1;
			break;
		case 'o':
			if (cli_out_format(optarg) == CLI_OUT_NONE) {
				cli_usage_error("record", "cannot tell the "
					       "format of '%s' (use .pb.gz, "
					       ".folded, .svg or .json)",
					       optarg);
				goto usage;
			}
			outputs = xrealloc(outputs,
					   (nout + 1) * sizeof(*outputs));
			outputs[nout++] = optarg;
			break;
		case 'p':
			if (parse_pids(optarg, &pids, &npids) < 0) {
				cli_usage_error("record", "-p expects "
					       "PID[,PID...], not '%s'",
					       optarg);
				goto usage;
			}
			break;
		case 'a':
			o.system_wide = 1;
			break;
		case 'h':
			fputs(cmd_record_usage, stdout);
			goto out;
		default:
			goto usage;
		}
	}
	if (optind < end) {
		cli_usage_error("record", "unexpected argument '%s'",
				argv[optind]);
		goto usage;
	}
	if (end < argc && !strcmp(argv[end], "--"))
		end++;
	if (end < argc)
		o.argv = argv + end;
	if (!!o.argv + !!npids + o.system_wide != 1) {
		cli_usage_error("record", "give exactly one target: -p PID, "
			       "-a or a command after --");
		goto usage;
	}
	o.pids = pids;
	o.npids = npids;
	if (!nout) {
		outputs = xmalloc(sizeof(*outputs));
#ifdef HAVE_PPROF
		outputs[nout++] = default_out;
#else
		(void)default_out;
		outputs[nout++] = default_folded;
#endif
	}
	(void)default_folded;
	written = xcalloc(nout, sizeof(*written));
	for (i = 0; i < nout; i++)
		if (cli_check_output(outputs[i]) < 0) {
			ret = EXIT_FAIL;
			goto out;
		}

	profile_init(&p, 2);
	rc = record_run(&o, &p, &st);
	if (rc < 0)
		ret = st.env_error ? EXIT_ENV : EXIT_FAIL;
	if (st.target_exited)
		notice("a target process ended during the recording; "
		       "keeping what was recorded");
	t0 = mono_now();
	if (profile_nstacks(&p)) {
		for (i = 0; i < nout; i++) {
			if (write_output(&p, outputs[i], &o) < 0)
				ret = ret ? ret : EXIT_FAIL;
			else
				written[i] = 1;
		}
	} else if (!rc) {
		error("no samples were recorded (did the target run long "
		      "enough, on the CPU?)");
		ret = EXIT_FAIL;
	}
	if (!rc || profile_nstacks(&p))
		print_summary(&p, &st, &o, outputs, nout, written,
			      mono_now() - t0);
	profile_release(&p);
out:
	free(outputs);
	free(pids);
	free(written);
	return ret;
usage:
	ret = EXIT_USAGE;
	goto out;
}
