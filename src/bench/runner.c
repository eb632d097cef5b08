#include "core/compat.h"
#include "bench/bench.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/stats.h"
#include "sys/spawn.h"
#include <math.h>

extern char **environ;

/* hyperfine runs the empty command this many times to price the shell. */
#define SHELL_CALIBRATION_RUNS 50
#define PAD_MAX 4096
#define PAD_VAR "PERFOPS_RANDOMIZED_ENVIRONMENT_OFFSET="

struct runner {
	struct bench *b;
	int in_fd, out_fd, err_fd, drain_fd, null_fd;
	int out_regular; /* --output FILE is a regular file */
	char **envp;
	size_t pad_slot;
	char *pad;
	uint64_t rng;
	struct progress prog;
	size_t done, total;
	struct perf_counters pc;
};

static uint64_t next_rand(struct runner *r)
{
	/* splitmix64: small, and enough for shuffling and padding. */
	uint64_t z = (r->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

int bench_exit_ignored(const struct bench_opts *o, int code)
{
	size_t i;

	if (o->ignore_all)
		return 1;
	for (i = 0; i < o->nr_ignore; i++)
		if (o->ignore_codes[i] == code)
			return 1;
	return 0;
}

static int runner_open(struct runner *r, struct bench *b)
{
	struct stat st;
	size_t n = 0, i;

	memset(r, 0, sizeof(*r));
	r->b = b;
	r->in_fd = r->out_fd = r->err_fd = r->drain_fd = -1;
	r->rng = b->opts.seed
		     ? b->opts.seed
		     : (uint64_t)getpid() ^ (uint64_t)(sys_now() * 1e9);
	r->null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (r->null_fd < 0)
		return error_errno("cannot open /dev/null");
	/* --input is opened for each run of a command (measure()); the
	 * other commands read nothing. */
	r->in_fd = r->null_fd;
	switch (b->opts.output) {
	case BO_NULL:
		r->out_fd = r->err_fd = r->null_fd;
		break;
	case BO_INHERIT:
		break;
	case BO_FILE:
		r->out_fd =
		    open(b->opts.output_file,
			 O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (r->out_fd < 0)
			return error_errno("cannot open output file '%s'",
					   b->opts.output_file);
		r->out_regular = !fstat(r->out_fd, &st) && S_ISREG(st.st_mode);
		r->err_fd = r->null_fd;
		break;
	case BO_PIPE: {
		int p[2];

		if (pipe2(p, O_CLOEXEC) < 0)
			return error_errno("cannot create a pipe");
		fcntl(p[0], F_SETFL, O_NONBLOCK);
		r->drain_fd = p[0];
		r->out_fd = p[1];
		r->err_fd = r->null_fd;
		break;
	}
	}
	if (b->opts.env_padding) {
		/* The environment sits below the stack: a random amount of
		 * it moves the stack's alignment from run to run, so that
		 * one lucky layout does not decide a comparison. */
		while (environ[n])
			n++;
		r->envp = xcalloc(n + 2, sizeof(*r->envp));
		for (i = 0; i < n; i++)
			r->envp[i] = environ[i];
		r->pad = xmalloc(strlen(PAD_VAR) + PAD_MAX + 1);
		memcpy(r->pad, PAD_VAR, strlen(PAD_VAR));
		memset(r->pad + strlen(PAD_VAR), 'X', PAD_MAX);
		r->pad[strlen(PAD_VAR) + PAD_MAX] = '\0';
		r->envp[n] = r->pad;
		r->pad_slot = n;
	}
	return 0;
}

static void runner_close(struct runner *r)
{
	if (r->out_fd >= 0 && r->out_fd != r->null_fd)
		close(r->out_fd);
	if (r->drain_fd >= 0)
		close(r->drain_fd);
	if (r->null_fd >= 0)
		close(r->null_fd);
	free(r->envp);
	free(r->pad);
}

static void opts_for(struct runner *r, struct spawn_opts *so, char **argv,
		     int measured)
{
	const struct bench_opts *o = &r->b->opts;

	memset(so, 0, sizeof(*so));
	so->argv = argv;
	so->envp = r->envp;
	so->stdin_fd = r->in_fd;
	so->stdout_fd = measured ? r->out_fd : r->null_fd;
	so->stderr_fd = measured ? r->err_fd : r->null_fd;
	so->drain_fd = measured ? r->drain_fd : -1;
	so->cpus = o->use_cpus ? &o->cpus : NULL;
	so->timeout = measured ? o->timeout : 0;
}

/* Returned up the runner when a stop signal came: the run does not count,
 * and nothing more runs. */
#define STOPPED 1

/*
 * Start and measure one child, through the launcher when there is one.
 * Returns 0, STOPPED, or the negative errno of a start that failed.
 */
static int run_child(struct runner *r, struct spawn_opts *so,
		     struct spawn_result *res)
{
	struct bench *b = r->b;
	int e, stopped = 0;

	if (bench_stop_requested())
		goto stop;
	if (b->launcher)
		e = bench_launcher_run(b->launcher, so, res, &stopped);
	else
		e = spawn_run(so, res);
	if (stopped || bench_stop_requested())
		goto stop;
	return e;
stop:
	/* Our own signal first: the launcher's may be the forwarded one. */
	b->stopped = bench_stop_requested() ? bench_stop_requested() : stopped;
	return STOPPED;
}

static int start_error(int e, const char *what, const char *cmd)
{
	return error("cannot run %s '%s': %s", what, cmd, strerror(-e));
}

/* Run a --prepare/--conclude/--setup/--cleanup command; its time is its
 * own (it counts towards the time budget only). */
static int run_aux(struct runner *r, const char *what, const char *cmd,
		   double *elapsed)
{
	struct spawn_opts so;
	struct spawn_result res;
	char **argv;
	int e;

	if (!cmd)
		return 0;
	if (r->b->opts.shell) {
		size_t n = 0, i;

		while (r->b->opts.shell[n])
			n++;
		argv = xcalloc(n + 3, sizeof(*argv));
		for (i = 0; i < n; i++)
			argv[i] = xstrdup(r->b->opts.shell[i]);
		argv[n] = xstrdup("-c");
		argv[n + 1] = xstrdup(cmd);
	} else {
		argv = bench_split_args(cmd);
		if (!argv)
			return -1;
	}
	opts_for(r, &so, argv, 0);
	e = run_child(r, &so, &res);
	bench_free_argv(argv);
	if (e == STOPPED)
		return STOPPED;
	if (e < 0)
		return start_error(e, what, cmd);
	if (elapsed)
		*elapsed += res.wall;
	if (res.exit_code)
		return error("the %s command '%s' failed with %s %d", what, cmd,
			     res.exit_code < 0 ? "signal" : "exit code",
			     res.exit_code < 0 ? res.signal : res.exit_code);
	return 0;
}

static int check_exit(struct runner *r, const struct bench_cmd *c,
		      const struct spawn_result *res)
{
	/* A signal is exit code 128 + signal to -i=CODES, as in hyperfine
	 * and the shell. */
	if (res->timed_out || !res->exit_code ||
	    bench_exit_ignored(&r->b->opts, res->exit_code < 0
						? 128 + res->signal
						: res->exit_code))
		return 0;
	if (res->exit_code < 0)
		return error("command '%s' was killed by signal %d. Use the "
			     "'-i'/'--ignore-failure' option if you want to "
			     "ignore this.",
			     c->name, res->signal);
	return error("command '%s' terminated with non-zero exit code %d%s. "
		     "Use the '-i'/'--ignore-failure' option if you want to "
		     "ignore this. Alternatively, use '--output=inherit' to "
		     "see what went wrong.",
		     c->name, res->exit_code,
		     res->exit_code == 127 && r->b->opts.shell
			 ? " (the shell did not find the command)"
			 : "");
}

/*
 * One execution of the command, measured.  aux_time gets the time of its
 * prepare and conclude commands (hyperfine counts them in the budget).
 */
static int measure(struct runner *r, struct bench_cmd *c, int keep,
		   double *aux_time)
{
	struct bench *b = r->b;
	struct spawn_opts so;
	struct spawn_result res;
	struct bench_run run;
	size_t pad_len = 0;
	int e, in_fd = -1;

	if ((e = run_aux(r, "--prepare", c->prepare, aux_time)))
		return e;
	opts_for(r, &so, c->argv, 1);
	/* --output FILE holds one run's output, as hyperfine's: every run
	 * writes it from empty, the same file-system work each time. */
	if (r->out_regular &&
	    (ftruncate(r->out_fd, 0) < 0 || lseek(r->out_fd, 0, SEEK_SET) < 0))
		return error_errno("cannot empty output file '%s'",
				   b->opts.output_file);
	/* Opened for every run, as hyperfine does: each run reads all of
	 * it, and the file that a --setup created or a --prepare replaced
	 * (a new file renamed over it) is the one read. */
	if (b->opts.input) {
		in_fd = open(b->opts.input, O_RDONLY | O_CLOEXEC);
		if (in_fd < 0)
			return error_errno("cannot open input file '%s'",
					   b->opts.input);
		so.stdin_fd = in_fd;
	}
	if (r->pad) {
		pad_len = strlen(PAD_VAR) + next_rand(r) % (PAD_MAX + 1);
		r->pad[pad_len] = '\0';
	}
	if (b->opts.counters) {
		r->pc.enabled = b->counters_avail;
		so.counters = &r->pc;
	}
	e = run_child(r, &so, &res);
	if (in_fd >= 0)
		close(in_fd);
	if (r->pad)
		r->pad[pad_len] = 'X';
	if (e == STOPPED)
		return STOPPED;
	if (e < 0)
		return start_error(e, "command", c->cmdline);
	if (check_exit(r, c, &res))
		return -1;
	if ((e = run_aux(r, "--conclude", c->conclude, aux_time)))
		return e;
	if (!keep)
		return 0;
	memset(&run, 0, sizeof(run));
	/* hyperfine's correction: the shell's own start-up, clamped at 0. */
	run.wall = MAX(0.0, res.wall - b->shell_wall);
	run.user = MAX(0.0, res.user - b->shell_user);
	run.sys = MAX(0.0, res.sys - b->shell_sys);
	if (res.timed_out)
		run.wall = res.wall;
	run.rss = res.maxrss;
	run.exit_code = res.exit_code;
	run.signal = res.signal;
	run.timed_out = res.timed_out;
	if (so.counters) {
		run.counters_ok = r->pc.ok;
		memcpy(run.counter, r->pc.value, sizeof(run.counter));
	}
	VEC_PUSH(&c->runs, run);
	return 0;
}

static int calibrate_shell(struct runner *r)
{
	struct bench *b = r->b;
	double wall[SHELL_CALIBRATION_RUNS], user[SHELL_CALIBRATION_RUNS],
	    sys[SHELL_CALIBRATION_RUNS];
	char **argv;
	size_t n = 0, i;

	if (!b->opts.shell)
		return 0;
	while (b->opts.shell[n])
		n++;
	argv = xcalloc(n + 3, sizeof(*argv));
	for (i = 0; i < n; i++)
		argv[i] = b->opts.shell[i];
	argv[n] = "-c";
	argv[n + 1] = "";
	for (i = 0; i < SHELL_CALIBRATION_RUNS; i++) {
		struct spawn_opts so;
		struct spawn_result res;
		int e;

		opts_for(r, &so, argv, 0);
		e = run_child(r, &so, &res);
		if (e == STOPPED) {
			free(argv);
			return STOPPED;
		}
		if (e < 0 || res.exit_code) {
			free(argv);
			if (e < 0)
				return start_error(e, "the shell",
						   b->opts.shell[0]);
			return error("the shell '%s' fails to run an empty "
				     "command (exit code %d)",
				     b->opts.shell[0], res.exit_code);
		}
		wall[i] = res.wall;
		user[i] = res.user;
		sys[i] = res.sys;
	}
	free(argv);
	b->shell_wall = stats_mean(wall, SHELL_CALIBRATION_RUNS);
	b->shell_user = stats_mean(user, SHELL_CALIBRATION_RUNS);
	b->shell_sys = stats_mean(sys, SHELL_CALIBRATION_RUNS);
	return 0;
}

/* hyperfine's rule: as many runs as fit the budget, within the bounds. */
static size_t decide_runs(const struct bench_opts *o, double first)
{
	double fit;
	size_t n;

	if (o->runs > 0)
		return (size_t)o->runs;
	fit = first > 0 ? floor(o->time_budget / first) : 1e9;
	n = fit > 1e9 ? 1000000000 : (size_t)fit;
	n = MAX(n, (size_t)o->min_runs);
	if (o->max_runs > 0)
		n = MIN(n, (size_t)o->max_runs);
	return MAX(n, (size_t)1);
}

static void show_progress(struct runner *r, size_t ci, size_t k, size_t n)
{
	char title[64];

	if (r->b->opts.quiet)
		return;
	/* The command name goes last so that the title's size cap cuts it
	 * rather than the counts. */
	snprintf(title, sizeof(title), "[%zu/%zu] run %zu/%zu of '%.28s'",
		 ci + 1, r->b->nr_cmds, k, n, r->b->cmds[ci].label);
	progress_set_title(&r->prog, title);
	progress_update(&r->prog, r->done);
}

/* Warmup runs and the first measured run, which decides the count. */
static int start_command(struct runner *r, size_t ci)
{
	struct bench_cmd *c = &r->b->cmds[ci];
	double aux = 0;
	long w;
	int e;

	for (w = 0; w < r->b->opts.warmup; w++)
		if ((e = measure(r, c, 0, NULL)))
			return e;
	if ((e = measure(r, c, 1, &aux)))
		return e;
	c->target = decide_runs(&r->b->opts, VEC_LAST(&c->runs).wall + aux +
						 r->b->shell_wall);
	return 0;
}

/* One command's setup, warmup and runs, in the sequential order. */
static int run_command_runs(struct runner *r, size_t i)
{
	struct bench_cmd *c = &r->b->cmds[i];
	int ret;

	if ((ret = run_aux(r, "--setup", c->setup, NULL)))
		return ret;
	if ((ret = start_command(r, i)))
		return ret;
	r->prog.total = c->target;
	r->done = 1;
	while (c->runs.len < c->target) {
		show_progress(r, i, c->runs.len + 1, c->target);
		if ((ret = measure(r, c, 1, NULL)))
			return ret;
		r->done++;
	}
	return 0;
}

static int run_sequential(struct runner *r)
{
	struct bench *b = r->b;
	size_t i;

	for (i = 0; i < b->nr_cmds; i++) {
		int ret, all_runs;

		if (b->start_cb)
			b->start_cb(b, i, b->cb_data);
		if (!b->opts.quiet)
			progress_start(&r->prog, "Benchmark", 0);
		ret = run_command_runs(r, i);
		all_runs = !ret;
		if (!ret)
			ret = run_aux(r, "--cleanup", b->cmds[i].cleanup, NULL);
		progress_stop(&r->prog);
		/* A --cleanup that fails comes after every run: the
		 * command's results are shown and kept (hyperfine shows
		 * them before its error). */
		if (all_runs && ret != STOPPED) {
			bench_summarize_cmd(b, i);
			if (b->done_cb)
				b->done_cb(b, i, b->cb_data);
		}
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * --interleave: every command gets its setup, warmup and first run, then
 * the rounds run each unfinished command once in a freshly shuffled order,
 * so that drift (thermal, other load) spreads over all commands alike.
 * Every command gets the same number of runs: the smallest that the
 * budget gives one of them, so that no command overruns its budget.
 */
static int run_interleaved(struct runner *r)
{
	struct bench *b = r->b;
	size_t *order = xcalloc(b->nr_cmds, sizeof(*order));
	size_t i, n, target = SIZE_MAX;
	int ret;

	if (!b->opts.quiet)
		progress_start(&r->prog, "Benchmark", 0);
	for (i = 0; i < b->nr_cmds; i++)
		if ((ret = run_aux(r, "--setup", b->cmds[i].setup, NULL)))
			goto out;
	for (i = 0; i < b->nr_cmds; i++) {
		if ((ret = start_command(r, i)))
			goto out;
		target = MIN(target, b->cmds[i].target);
	}
	for (i = 0; i < b->nr_cmds; i++)
		b->cmds[i].target = target;
	r->prog.total = target * b->nr_cmds;
	r->done = b->nr_cmds;
	for (;;) {
		for (n = 0, i = 0; i < b->nr_cmds; i++)
			if (b->cmds[i].runs.len < b->cmds[i].target)
				order[n++] = i;
		if (!n) {
			b->runs_complete = 1;
			break;
		}
		for (i = n; i > 1; i--) {
			size_t j = next_rand(r) % i, t = order[i - 1];

			order[i - 1] = order[j];
			order[j] = t;
		}
		for (i = 0; i < n; i++) {
			struct bench_cmd *c = &b->cmds[order[i]];

			show_progress(r, order[i], c->runs.len + 1, c->target);
			if ((ret = measure(r, c, 1, NULL)))
				goto out;
			r->done++;
		}
	}
	for (i = 0; i < b->nr_cmds; i++)
		if ((ret = run_aux(r, "--cleanup", b->cmds[i].cleanup, NULL)))
			goto out;
out:
	progress_stop(&r->prog);
	free(order);
	return ret;
}

int bench_run(struct bench *b)
{
	struct runner r;
	int ret = -1;

	if (runner_open(&r, b))
		goto out;
	ret = calibrate_shell(&r);
	if (!ret)
		ret = b->opts.interleave ? run_interleaved(&r)
					 : run_sequential(&r);
out:
	runner_close(&r);
	/* Stopped by a signal: the runs so far are the result. */
	if (ret == STOPPED)
		return 0;
	return ret ? -1 : 0;
}

int bench_probe_counters(struct bench *b)
{
	int m = b->opts.metric, want = b->opts.counters || m >= BM_COUNTER;

	if (!want)
		return 0;
	b->opts.counters = 1;
	b->counters_avail = perf_counters_probe(&b->counters_errno);
	if (!b->counters_avail)
		return error("perf_event_open() is not available (%s): no "
			     "counters can be read (see "
			     "/proc/sys/kernel/perf_event_paranoid)",
			     strerror(b->counters_errno));
	if (!(b->counters_avail & (1u << PC_CYCLES)) ||
	    !(b->counters_avail & (1u << PC_INSTRUCTIONS)))
		notice("no hardware performance counters on this machine "
		       "(%s): cycles and instructions are not counted, "
		       "software counters are",
		       strerror(b->counters_errno));
	if (m >= BM_COUNTER && !(b->counters_avail & (1u << (m - BM_COUNTER))))
		return error("--metric %s: this machine cannot count it",
			     perf_counter_name(m - BM_COUNTER));
	return 0;
}
