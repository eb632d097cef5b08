#include "core/compat.h"
#include "cli/cli.h"
#include "cli/parse-options.h"
#include "core/atomic.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/vec.h"
#include "diagnose/diagnose.h"
#include "sys/procfs.h"
#include "sys/spawn.h"
#include <signal.h>

static const struct cli_doc doc = {
    .name = "diagnose",
    .synopsis = "[options] (-p PID | --system | --replay FILE |\n"
		"                         -- CMD [ARGS])\n",
    .description =
	"Watch a process (all its threads and child processes) or the whole\n"
	"machine for a while, then walk the performance decision tree: name\n"
	"each symptom that holds, with the figures that decided it, a\n"
	"confidence between 0 and 1, and the perfops command that\n"
	"investigates it next, filled in.  Several findings are ranked, most\n"
	"likely first (the machine's saturation after the process's own);\n"
	"a healthy process has none.\n"
	"\n"
	"Everything comes from /proc, read every --interval: per-thread CPU\n"
	"time and run-queue wait (schedstat), thread states and wait\n"
	"channels (D state = disk, futex = a lock), context switches, RSS\n"
	"(PSS once a second), page faults, storage I/O, open files and\n"
	"their limit; and for the machine /proc/stat, the load average and\n"
	"pressure stalls (/proc/pressure).  Nothing is attached to the\n"
	"process.  With -- CMD the command is started, watched for\n"
	"--duration or until it exits, then stopped (SIGTERM to its process\n"
	"group).  Ctrl-C ends the watch early and still reports.\n"
	"\n"
	"Findings (`perfops guide ID` explains each):\n"
	"  cpu_one_core        its busiest thread is on a CPU or runnable\n"
	"                      >= 80% of the time (median of the intervals)\n"
	"                      and seen runnable at >= 60% of the samples,\n"
	"                      and ran >= 0.3 of its fair share of it\n"
	"  cpu_all_cores       the process wants >= max(1.5, CPUs - 0.5)\n"
	"                      CPUs (time on a CPU plus time waiting for one)\n"
	"                      and has threads seen runnable to match\n"
	"  cpu_periodic        its CPU demand repeats: autocorrelation >= 0.4\n"
	"                      at the period, swing (p90 - p10) >= 0.3 CPUs\n"
	"  memory_growing      RSS grows >= 8 MiB and >= 5% over the watch\n"
	"                      (PSS for several processes: shared pages\n"
	"                      once),\n"
	"                      least-squares R^2 >= 0.8, never falls back by\n"
	"                      more than 10% of the growth for good (a fall\n"
	"                      passed again later is memory moved)\n"
	"  memory_sudden       RSS rises >= 32 MiB within 1 s, at least\n"
	"                      half of its whole rise\n"
	"  memory_stable_high  RSS stays above min(256 MiB, 10% of RAM)\n"
	"                      and within 5%\n"
	"  io_bound            threads in D state >= 30% of the time they\n"
	"                      compute or wait for I/O (measured, schedstat),\n"
	"                      >= 0.2 on average over the time not queued\n"
	"                      for a CPU\n"
	"  lock_contention     >= 30% of the threads not idle elsewhere are\n"
	"                      on a futex, >= 100 voluntary context\n"
	"                      switches/s and >= 0.5 CPU demand (median)\n"
	"  system_cpu_saturated  the machine's CPUs >= 90% busy (median) and\n"
	"                      the process waits for a CPU >= 20% of the\n"
	"                      time it is runnable\n"
	"  resource_exhaustion open files >= 80% of the limit, or full\n"
	"                      memory/I/O pressure stalls >= 10% that the\n"
	"                      process feels (major faults, D state;\n"
	"                      for I/O, the stall shared with other tasks)\n"
	"With --system the same tree runs on the machine: CPUs busy, memory\n"
	"in use, iowait and pressure.\n"
	"\n"
	"With --url (one or more, with -p PID or -- CMD) diagnose also drives\n"
	"load at the server with the engine of `perfops load`: each URL\n"
	"alone, in turn, for its share of --duration, first a quarter of it\n"
	"with one connection (the idle latency), then the rest under the\n"
	"load asked (-c connections in closed loop, or --rate req/s).  The\n"
	"latency branch of the tree then runs on what it measured:\n"
	"  slow_all_endpoints  every URL's idle p50 >= --slow (100 ms)\n"
	"  slow_one_endpoint   the slowest URL's idle p50 >= 5 x the next\n"
	"                      slowest's and >= 10 ms above it\n"
	"  latency_spikes      under load p99 >= 10 x p50 and >= 50 ms above\n"
	"                      it (>= 100 responses); closed loop hides\n"
	"                      stalls: use --rate to see them\n"
	"  throughput_cpu_bound  requests queue under load (p50 >= 3 x the\n"
	"                      idle p50 and >= 5 ms above it) while the\n"
	"                      process wants >= 0.8 CPUs, or its busiest\n"
	"                      thread does (median over the loaded window)\n"
	"  throughput_io_bound the same queueing with the process below that:\n"
	"                      it waits (blocking calls, a pool limit)\n",
    .epilogue =
	"Output: a summary (CPU, memory, tasks, I/O, the machine, with\n"
	"sparklines) and the findings; on a terminal a live line while\n"
	"watching.  --json prints instead {\"target\", \"summary\",\n"
	"\"findings\": [{\"id\", \"confidence\", \"evidence\", \"next\", "
	"\"guide\"}]},\n"
	"with --url also \"load\": [{\"url\", \"idle_p50_ms\", \"p50_ms\",\n"
	"\"p99_ms\", \"rps\", \"requests\", \"errors\", \"cpu\", ...}].\n"
	"\n"
	"Exit status: 0 the watch ran (with or without findings); 1 the\n"
	"process cannot be read, the command cannot be started, a --url\n"
	"gets no answers, or the\n"
	"--next profile failed; 2 usage error; 3 the machine refuses the\n"
	"--next recording (perf_event_paranoid, seccomp).\n"
	"\n"
	"Examples:\n"
	"  perfops diagnose -p 1234 --duration 10s\n"
	"  perfops diagnose --json -- ./server --port 8080\n"
	"  perfops diagnose --next -p 1234   # and draw perfops-cpu.svg\n"
	"  perfops diagnose --system --duration 5s\n"
	"  perfops diagnose -p 1234 --url http://127.0.0.1:8080/a \\\n"
	"      --url http://127.0.0.1:8080/b -c 16\n",
};

static volatile sig_atomic_t stop_requested;

static void on_sigint(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void sleep_until(double when)
{
	double left = when - sys_now();

	if (left > 0 && !stop_requested)
		usleep((useconds_t)(left * 1e6));
}

/* The refreshing line on a terminal: CPU and RSS with sparklines. */
static void live_line(const struct diag_series *s, double elapsed,
		      double duration)
{
	double cpu[40], rss[40];
	char a[200], b[200];
	size_t i, n = 0, from = s->n > 40 ? s->n - 40 : 0;
	const struct diag_sample *last = &s->s[s->n - 1];

	for (i = from; i < s->n; i++) {
		cpu[n] = s->s[i].cpu + s->s[i].wait;
		rss[n++] = (double)s->s[i].rss;
	}
	diag_sparkline(cpu, n, 30, s->system ? s->ncpus : 1, a, sizeof(a));
	diag_sparkline(rss, n, 30, 0, b, sizeof(b));
	fprintf(stderr,
		"\r\033[Kdiagnose %.1f/%.0f s  cpu %.2f %s  rss %.1f MiB %s",
		elapsed, duration, last->cpu, a,
		(double)last->rss / (1024.0 * 1024.0), b);
	fflush(stderr);
}

static void free_argv(char **argv)
{
	char **a;

	for (a = argv; a && *a; a++)
		free(*a);
	free(argv);
}

/*
 * Run the first recommended `perfops record` with this perfops binary.
 * Its exit status carries over: 3 when the machine refuses to record.
 */
static int run_next(const struct diag_result *r, const struct diag_target *t)
{
	char text[1024], exe[PATH_MAX], **argv = NULL;
	struct spawn_opts so;
	struct spawn_result res;
	size_t i;
	ssize_t len;
	int ret = EXIT_OK, e;

	for (i = 0; i < r->n && !argv; i++) {
		size_t n = diag_next(&r->f[i], t, text, sizeof(text), &argv);

		if (n < 2 || strcmp(argv[1], "record")) {
			free_argv(argv);
			argv = NULL;
		}
	}
	if (!argv) {
		notice("--next: no finding calls for a profile");
		return EXIT_OK;
	}
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len > 0) {
		exe[len] = '\0';
		free(argv[0]);
		argv[0] = xstrdup(exe);
	}
	notice("running: %s", text);
	memset(&so, 0, sizeof(so));
	so.argv = argv;
	so.stdin_fd = so.stderr_fd = so.drain_fd = -1;
	/* perfops record writes its summary on stdout: keep ours (the JSON)
	 * alone there. */
	so.stdout_fd = 2;
	e = spawn_run(&so, &res);
	if (e < 0) {
		error_code(e, "cannot run '%s'", argv[0]);
		ret = EXIT_FAIL;
	} else if (res.exit_code) {
		error("--next: '%s' failed (exit %d)", text, res.exit_code);
		ret = res.exit_code == EXIT_ENV ? EXIT_ENV : EXIT_FAIL;
	}
	free_argv(argv);
	return ret;
}

static int write_series(const char *path, const struct diag_series *s)
{
	struct atomic_file af;

	if (atomic_open(&af, path) < 0)
		return -1;
	if (diag_series_write(af.fp, s) < 0) {
		atomic_abort(&af);
		return error("cannot write '%s'", path);
	}
	return atomic_commit(&af);
}

int cmd_diagnose(int argc, char **argv)
{
	int pid = 0, system = 0, json = 0, next = 0, ret = EXIT_OK;
	int conns = 8;
	double rate = 0, slow = 0.1;
	struct opt_list urls = OPT_LIST_INIT;
	struct diag_drive *drive = NULL;
	struct diag_load load = {0};
	const char *series_out = NULL, *replay = NULL;
	double duration = 10, interval = 0.1, start, tick;
	const struct opt options[] = {
	    OPT_INT('p', "pid", &pid, "PID",
		    "watch this running process (and its\nchildren)", 1,
		    INT_MAX),
	    OPT_BOOL(0, "system", &system, "watch the whole machine instead"),
	    OPT_DURATION('d', "duration", &duration, "TIME",
			 "how long to watch: 10s (default), 500ms,\n"
			 "2m; a command that ends earlier ends the\nwatch",
			 0.05, 86400),
	    OPT_DURATION('i', "interval", &interval, "TIME",
			 "time between samples (default 100ms)", 0.01, 60),
	    OPT_BOOL(0, "json", &json, "print the result as one JSON object"),
	    OPT_STRING(0, "series", &series_out, "FILE",
		       "also write every sample to FILE (tab-\n"
		       "separated, a header naming the columns)"),
	    OPT_STRING(0, "replay", &replay, "FILE",
		       "classify a series written by --series\n"
		       "instead of watching"),
	    OPT_LIST(0, "url", &urls, "URL",
		     "drive load at this http:// URL while watching\n"
		     "(repeat it for several)"),
	    OPT_INT('c', "connections", &conns, "N",
		    "connections under load (default 8)", 1, 100000),
	    OPT_DOUBLE(0, "rate", &rate, "R",
		       "open loop at R req/s instead of closed loop", 0.001,
		       1e7),
	    OPT_DURATION(0, "slow", &slow, "TIME",
			 "slow_all_endpoints threshold on the idle p50\n"
			 "(default 100ms)",
			 0.000001, 3600),
	    OPT_BOOL(0, "next", &next,
		     "then run the first recommended `perfops\n"
		     "record` and write its flame graph"),
	    OPT_END(),
	};
	struct diag_series series = {0};
	struct diag_thresholds th;
	struct diag_result res;
	struct diag_target target;
	struct diag_sampler *sampler = NULL;
	struct sigaction sa, old_int, old_term;
	char **cmdline = NULL;
	pid_t child = 0;
	int live;

	argc = parse_options(argc, argv, &doc, options,
			     PARSE_OPT_STOP_AT_NON_OPTION);
	if (!!pid + !!system + !!argc + !!replay != 1)
		return cli_usage_error("diagnose",
				       "needs one of -p PID, --system, "
				       "--replay FILE or -- CMD");
	if (urls.v.len && (system || replay))
		return cli_usage_error("diagnose",
				       "--url needs -p PID or -- CMD (the "
				       "server to watch)");
	memset(&target, 0, sizeof(target));
	target.exit_status = target.signal = -1;
	if (urls.v.len) {
		drive =
		    diag_drive_new(urls.v.v, urls.v.len, conns, rate, duration);
		if (!drive) {
			VEC_RELEASE(&urls.v);
			return EXIT_USAGE;
		}
	}
	if (replay) {
		if (next)
			return cli_usage_error("diagnose",
					       "--next needs a "
					       "live target, not --replay");
		if (diag_series_read(replay, &series) < 0)
			return EXIT_FAIL;
		target.pid = series.pid;
		snprintf(target.comm, sizeof(target.comm), "replayed");
		target.duration = series.n ? series.s[series.n - 1].t : 0;
		goto classify;
	}
	if (argc) {
		struct spawn_opts so;

		memset(&so, 0, sizeof(so));
		so.argv = argv;
		so.stdin_fd = so.stderr_fd = so.drain_fd = -1;
		/* Our report (and the JSON) stays alone on stdout. */
		so.stdout_fd = 2;
		so.own_group = 1;
		child = spawn_start(&so);
		if (child < 0) {
			error_code(child, "cannot run '%s'", argv[0]);
			return EXIT_FAIL;
		}
		pid = child;
		target.argv = argv;
		target.started = 1;
		target.command_cpu = -1;
	} else if (pid) {
		cmdline = procfs_cmdline(pid);
		target.argv = cmdline;
	}
	target.pid = pid;
	sampler = diag_sampler_new(pid, &series, child > 0);
	if (!sampler) {
		ret = EXIT_FAIL;
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	live = progress_enabled();
	start = tick = sys_now();
	if (drive && diag_drive_start(drive, start) < 0) {
		ret = EXIT_FAIL;
		goto out;
	}
	while (!stop_requested) {
		if (diag_sampler_sample(sampler) < 0) {
			target.exited = 1;
			break;
		}
		if (live && series.n > 1)
			live_line(&series, sys_now() - start, duration);
		/* Under load the watch lasts as long as the load. */
		if (drive ? diag_drive_done(drive)
			  : sys_now() - start >= duration)
			break;
		tick += interval;
		if (tick < sys_now())
			tick = sys_now();
		/* An exited command is a zombie: the sampler sees it. */
		sleep_until(drive ? tick : MIN(tick, start + duration));
	}
	target.duration = sys_now() - start;
	if (drive) {
		size_t i;

		if (!diag_drive_done(drive))
			diag_drive_stop(drive);
		if (diag_drive_finish(drive, &load) < 0)
			ret = EXIT_FAIL;
		load.ncpus = series.ncpus;
		for (i = 0; i < load.n; i++)
			diag_url_cpu(&series, &load.u[i]);
		target.load = &load;
	}
	if (live)
		fputs("\r\033[K", stderr);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (pid) {
		struct proc_counters pc;

		if (!procfs_read_process(pid, &pc, 0))
			snprintf(target.comm, sizeof(target.comm), "%s",
				 pc.comm);
		else if (target.argv)
			snprintf(target.comm, sizeof(target.comm), "%s",
				 target.argv[0]);
	}
	if (child) {
		int st = spawn_stop_group(child, 1.0, &target.command_cpu);

		if (target.exited && WIFEXITED(st))
			target.exit_status = WEXITSTATUS(st);
		else if (target.exited && WIFSIGNALED(st))
			target.signal = WTERMSIG(st);
		child = 0;
	}
classify:
	if (series_out && write_series(series_out, &series) < 0)
		ret = EXIT_FAIL;
	diag_thresholds_init(&th);
	th.slow_ms = slow * 1000;
	diag_classify(&series, &th, &res);
	if (load.n)
		diag_classify_load(&load, &th, &res);
	if (json)
		diag_print_json(stdout, &series, &res, &target);
	else
		diag_print_text(stdout, &series, &res, &target);
	if (next) {
		fflush(stdout);
		ret = run_next(&res, &target);
	}
out:
	if (child)
		spawn_stop_group(child, 1.0, NULL);
	diag_sampler_free(sampler);
	diag_series_release(&series);
	free_argv(cmdline);
	diag_drive_free(drive);
	VEC_RELEASE(&urls.v);
	return ret;
}
