#include "core/compat.h"
#include "cli/cli.h"
#include "cli/parse-options.h"
#include "core/error.h"
#include "core/utf8.h"
#include "flame/flame.h"
#include "profile/report.h"
#include "record/record.h"
#include "sys/spawn.h"
#include <time.h>

static const struct cli_doc doc = {
    .name = "record",
    .synopsis = "[options] (-p PID[,PID...] | -a | [--] CMD [ARGS])\n",
    .description =
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
	"files written.  The options end at the first word of the command\n"
	"(or at --): what follows is the command's.\n",
    .epilogue =
	"Values: every stack carries samples (count) and CPU time\n"
	"(nanoseconds); folded and SVG outputs use the nanoseconds, like\n"
	"'perf script | perfops collapse' on cpu-clock.  With --off-cpu the\n"
	"pprof sample types are samples, cpu, offcpu (time blocked) and wall\n"
	"(their sum, the default and what folded and SVG outputs show).\n"
	"\n"
	"The summary and every message go to stderr; stdout is the command's.\n"
	"\n"
	"Exit status: the command's own (128 + signal when killed) when it\n"
	"ended the recording, 0 when --duration or a SIGINT to perfops ended\n"
	"it; 1 on failure (what was recorded is still written), 2 for a usage\n"
	"error, 3 when the machine does not allow recording\n"
	"(kernel.perf_event_paranoid, seccomp, the mlock budget, permission\n"
	"on a PID).\n"
	"\n"
	"Examples:\n"
	"  perfops record -o flame.svg -- ./app --bench\n"
	"  perfops record -g dwarf -F 499 -o app.pb.gz -o app.folded -- ./app\n"
	"  perfops record -p 1234 --duration 10 --off-cpu -o flame.svg\n"
	"  sudo perfops record -a --duration 5 -o system.svg\n",
};

/* Indexes are enum record_unwind. */
static const char *const unwind_modes[] = {"fp", "dwarf", "auto", NULL};

/* What the option callbacks fill. */
struct record_args {
	const char **outputs;
	size_t nout;
	int *pids;
	size_t npids;
};

static int output_cb(const struct opt *opt, const char *arg, int unset)
{
	struct record_args *ra = opt->value;

	(void)unset;
	if (cli_out_format(arg) == CLI_OUT_NONE)
		return opt_error(opt,
				 "cannot tell the format of '%s' (use "
				 ".pb.gz, .folded, .svg or .json)",
				 arg);
	ra->outputs =
	    xrealloc(ra->outputs, (ra->nout + 1) * sizeof(*ra->outputs));
	ra->outputs[ra->nout++] = arg;
	return 0;
}

static int pid_cb(const struct opt *opt, const char *arg, int unset)
{
	struct record_args *ra = opt->value;
	const char *p = arg;
	char *end;

	(void)unset;
	for (;;) {
		long v;

		errno = 0;
		v = strtol(p, &end, 10);
		if (end == p || errno || v <= 0 || v > INT_MAX ||
		    (*end && *end != ','))
			return opt_error(opt, "expects PID[,PID...], not '%s'",
					 arg);
		ra->pids =
		    xrealloc(ra->pids, (ra->npids + 1) * sizeof(*ra->pids));
		ra->pids[ra->npids++] = (int)v;
		if (!*end)
			return 0;
		p = end + 1;
	}
}

static int write_output(const struct profile *p, const char *path,
			const struct record_opts *o)
{
	struct flame_opts fo;

	flame_opts_init(&fo);
	fo.title =
	    o->off_cpu ? "On- and Off-CPU Flame Graph" : "CPU Flame Graph";
	return cli_write_profile(p, path, cli_out_format(path), &fo,
				 o->argv ? o->argv[0] : "perfops record");
}

/*
 * The summary goes to stderr, like everything perfops says while the
 * command's own output may be going to stdout.
 */
static void print_summary(const struct profile *p,
			  const struct record_stats *st,
			  const struct record_opts *o, const char **outputs,
			  size_t nout, const int *written, double write_s)
{
	FILE *f = stderr;
	struct report top;
	size_t n, i;
	double total;
	double broken = st->with_user ? 100.0 * st->broken / st->with_user : 0;

	fprintf(f,
		"recorded %" PRIu64
		" samples of %s in %.2f s (%u Hz, -g %s)%s\n",
		st->samples, st->event, st->seconds, o->freq,
		o->unwind == RECORD_UNWIND_FP	   ? "fp"
		: o->unwind == RECORD_UNWIND_DWARF ? "dwarf"
						   : "auto",
		st->interrupted ? ", interrupted" : "");
	if (st->lost)
		fprintf(f,
			"lost samples: %" PRIu64 " (the ring buffer "
			"overflowed: lower -F or --stack-size)\n",
			st->lost);
	else
		fprintf(f, "lost samples: 0\n");
	if (st->throttled)
		fprintf(f,
			"throttled: %" PRIu64 " times (the kernel lowered "
			"the rate: kernel.perf_event_max_sample_rate)\n",
			st->throttled);
	fprintf(f, "broken stacks: %.1f%%", broken);
	/* Most broken stacks as long as the kernel allows: too deep, not
	 * badly unwound. */
	if (broken > 10 && st->max_stack_hit * 2 >= st->broken)
		fprintf(f,
			" (stacks deeper than kernel.perf_event_max_stack = "
			"%u frames are cut: raise it with 'sysctl "
			"kernel.perf_event_max_stack=4096')",
			st->max_stack);
	else if (broken > 10 && o->unwind == RECORD_UNWIND_FP)
		fprintf(f, " (code without frame pointers: use -g dwarf, or "
			   "build with -fno-omit-frame-pointer)");
	else if (broken > 10)
		fprintf(f, " (try a larger --stack-size, or install the debug "
			   "symbols of the libraries involved)");
	fputc('\n', f);
	if (o->unwind == RECORD_UNWIND_AUTO && st->with_user)
		fprintf(f, "unwound with DWARF: %.1f%% of the stacks\n",
			100.0 * st->dwarf_used / st->with_user);
	if (o->off_cpu)
		fprintf(f,
			"off-cpu: %" PRIu64 " blocked intervals, %.3f s "
			"blocked\n",
			st->offcpu_switches, st->offcpu_ns / 1e9);
	if (st->lost_switches)
		fprintf(f,
			"lost context switches: %" PRIu64 " (their blocked "
			"time is missing: record fewer threads, or -g fp "
			"to copy no stack)\n",
			st->lost_switches);
	/* By samples, not nanoseconds: off-CPU time is no hot function. */
	report_compute(p, 0, REPORT_ALL, 0, REPORT_SORT_SELF, &top);
	total = top.total;
	n = MIN(top.nrows, (size_t)5);
	if (n)
		fprintf(f, "top functions (self):\n");
	for (i = 0; i < n; i++) {
		fprintf(f, "  %5.1f%%  %5.1f%% total  ",
			total > 0 ? 100 * top.rows[i].self / total : 0,
			total > 0 ? 100 * top.rows[i].total / total : 0);
		/* Symbol names are the traced program's: escape them. */
		utf8_fput_printable(f, profile_frame_name(p, top.rows[i].frame),
				    profile_frame_len(p, top.rows[i].frame));
		fputc('\n', f);
	}
	report_release(&top);
	for (i = 0; i < nout; i++)
		if (written[i])
			fprintf(f, "wrote %s\n", outputs[i]);
	/* Symbolization runs during the recording; this is what is left. */
	fprintf(f, "outputs written %.3f s after the recording ended\n",
		write_s);
}

int cmd_record(int argc, char **argv)
{
	struct record_opts o;
	struct record_stats st;
	struct record_args ra = {NULL, 0, NULL, 0};
	struct profile p;
	const char **outputs;
	int *written = NULL;
	size_t nout, i;
	int ret = EXIT_OK, rc;
	double t0;
	static const char default_out[] = "perfops.pb.gz";

	memset(&o, 0, sizeof(o));
	memset(&st, 0, sizeof(st));
	o.freq = 999;
	o.unwind = RECORD_UNWIND_AUTO;
	o.stack_size = 16384;
	{
		const struct opt options[] = {
		    OPT_UINT('F', "freq", &o.freq, "HZ",
			     "samples per second per CPU (default 999)", 1,
			     100000),
		    OPT_STRING('e', "event", &o.event, "E",
			       "cpu-clock (default), task-clock,\n"
			       "page-faults, cycles, instructions, ...;\n"
			       "without a hardware PMU (most VMs) cycles\n"
			       "falls back to cpu-clock"),
		    OPT_CHOICE('g', "call-graph", &o.unwind, "MODE",
			       "call stacks: fp (frame pointers,\n"
			       "cheapest), dwarf (copy the user stack and\n"
			       "unwind it with the DWARF CFI: complete\n"
			       "through code built without frame\n"
			       "pointers), auto (default: the frame-pointer\n"
			       "chain when it reaches a root frame such as\n"
			       "_start or start_thread without passing\n"
			       "through code built without frame pointers,\n"
			       "such as libc; else the DWARF unwind)",
			       unwind_modes),
		    OPT_UINT(0, "stack-size", &o.stack_size, "N",
			     "bytes of user stack copied per sample for\n"
			     "dwarf/auto (default 16384)",
			     64, 60000),
		    OPT_DURATION('d', "duration", &o.duration, "S",
				 "stop after S seconds (the command is\n"
				 "then sent SIGTERM)",
				 0.001, 1e300),
		    OPT_BOOL(0, "off-cpu", &o.off_cpu,
			     "also record where threads block: the stack\n"
			     "at each context switch, weighted by the time\n"
			     "until the thread runs again, under an\n"
			     "[off-cpu] frame"),
		    OPT_BOOL(0, "user-only", &o.user_only,
			     "leave out kernel frames"),
		    OPT_BOOL(0, "per-thread", &o.per_thread,
			     "root frames comm-PID/TID instead of comm"),
		    OPT_BOOL(0, "no-inline", &o.no_inline,
			     "no DWARF inline frames or file:line\n"
			     "(faster)"),
		    OPT_CALLBACK('o', "output", &ra, "FILE",
				 "write FILE; repeatable; the format\n"
				 "follows the extension: .pb.gz (pprof, the\n"
				 "default perfops.pb.gz), .folded, .svg,\n"
				 ".json (speedscope)",
				 output_cb),
		    OPT_CALLBACK('p', "pid", &ra, "PID[,PID]",
				 "attach to running processes (all\n"
				 "threads, and those they start later)",
				 pid_cb),
		    OPT_BOOL('a', "all-cpus", &o.system_wide,
			     "the whole system, one buffer per CPU"),
		    OPT_END(),
		};

		argc = parse_options(argc, argv, &doc, options,
				     PARSE_OPT_STOP_AT_NON_OPTION);
	}
	if (argc > 0)
		o.argv = argv;
	if (!!o.argv + !!ra.npids + o.system_wide != 1) {
		cli_usage_error("record", "give exactly one target: -p PID, "
					  "-a or a command after --");
		ret = EXIT_USAGE;
		goto out;
	}
	o.pids = ra.pids;
	o.npids = ra.npids;
	if (!ra.nout) {
		ra.outputs = xmalloc(sizeof(*ra.outputs));
		ra.outputs[ra.nout++] = default_out;
	}
	outputs = ra.outputs;
	nout = ra.nout;
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
	t0 = sys_now();
	if (profile_nstacks(&p)) {
		for (i = 0; i < nout; i++) {
			if (write_output(&p, outputs[i], &o) < 0)
				ret = ret ? ret : EXIT_FAIL;
			else
				written[i] = 1;
		}
	} else if (!rc && o.argv && st.target_ended && st.target_status) {
		/* The command's failure is the news, not the empty profile. */
		warning("no samples were recorded: '%s' exited with status "
			"%d",
			o.argv[0], st.target_status);
		ret = st.target_status;
	} else if (!rc) {
		error("no samples were recorded (did the target run long "
		      "enough, on the CPU?)");
		ret = EXIT_FAIL;
	}
	if (!rc || profile_nstacks(&p))
		print_summary(&p, &st, &o, outputs, nout, written,
			      sys_now() - t0);
	/*
	 * Like perf record, and like a shell: a recording that worked
	 * exits with the status of the command it ran (128 + the signal
	 * that killed it) when the command ended it; when perfops ended it
	 * first (--duration, a SIGINT to perfops alone) and stopped the
	 * command, 0.  A failure of perfops itself overrides both.
	 */
	if (ret == EXIT_OK && o.argv && st.target_ended)
		ret = st.target_status;
	profile_release(&p);
out:
	free(ra.outputs);
	free(ra.pids);
	free(written);
	return ret;
}
