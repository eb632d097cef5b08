#include "core/compat.h"
#include "cli/cli.h"
#include <elf.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include "cli/parse-options.h"
#include "core/atomic.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "core/vec.h"
#include "heap/aggregate.h"
#include "heap/analyze.h"
#include "heap/diff.h"
#include "heap/gate.h"
#include "heap/report.h"
#include "profile/profile.h"
#include "sys/part.h"
#include "sys/spawn.h"

static const struct cli_doc doc = {
    .name = "heap",
    .synopsis = "[options] -- COMMAND [ARGS...]\n"
		"   or: perfops heap report [options] TRACE...\n"
		"   or: perfops heap diff [options] OLD NEW\n",
    .description =
	"Trace the heap of a program, like heaptrack: COMMAND runs with\n"
	"libperfops-heap.so preloaded, which records malloc, free, calloc,\n"
	"realloc, reallocarray, posix_memalign, aligned_alloc, memalign,\n"
	"valloc, pvalloc (and mmap, munmap, mremap as their own category)\n"
	"with their stacks, in every thread, forked child and exec'd program\n"
	"(one that changed its user too), into one trace file (-o); it\n"
	"waits for the processes the program leaves running that are still\n"
	"traced (a daemon; Ctrl-C stops waiting).  The trace is kept as an\n"
	"aggregated profile: by allocation stack, not by event, so it\n"
	"stays small however long the program runs (--raw FILE also keeps\n"
	"the events; a temporary FILE.partial holds them meanwhile, and\n"
	"remains if perfops itself is killed: heap report reads it).\n"
	"After the run the report follows:\n"
	"per process allocations, frees, bytes, the exact peak of live heap\n"
	"bytes with the stacks live at that moment, the blocks leaked at\n"
	"exit, temporary allocations (freed by the next heap event of the\n"
	"process, as heaptrack counts them), hot allocators by calls and by "
	"bytes, allocation sizes,\n"
	"and the RSS account (heap, allocator slack, mmap, untracked).\n"
	"The report of a run goes to stderr, like everything perfops says,\n"
	"so that it never mixes with the program's own stdout; --report-file\n"
	"FILE writes it (text, or JSON with --json) to FILE instead.\n"
	"`perfops heap report` and `perfops heap diff` print on stdout.\n"
	"\n"
	"--exact (the default) records every allocation: leaks, temporaries\n"
	"and the peak are exact.  --sample SIZE records allocations by\n"
	"byte-weighted Poisson sampling with a mean of SIZE bytes between\n"
	"samples, as jemalloc, tcmalloc and Go do, for a fraction of the\n"
	"cost: every figure is then the unbiased estimate (an allocation of\n"
	"s bytes sampled with probability p = 1 - exp(-s/SIZE) stands for\n"
	"s/p bytes and 1/p allocations).\n"
	"\n"
	"`perfops heap report TRACE...` reports traces again (with other\n"
	"options); `perfops heap diff OLD NEW` compares two.  A statically\n"
	"linked program cannot be traced (exit status 1, with a notice\n"
	"saying so); a program with no allocation perfops could see (an\n"
	"allocator of its own) gets a notice above its report.\n",
    .epilogue =
	"Exit status: the program's own (128 + the signal that killed it)\n"
	"when its report was written; 1 unreadable trace, or a program that\n"
	"cannot be traced;\n"
	"2 usage error; "
	"3 libperfops-heap.so not found;\n4 a --fail-if gate failed.\n"
	"\n"
	"Examples:\n"
	"  perfops heap -- ./app --input big.txt\n"
	"  perfops heap --sample 512K -o app.heap -- ./server\n"
	"  perfops heap --json --report-file r.json -- ./app && jq .peak_bytes "
	"r.json\n"
	"  perfops heap report --profile heap.pb.gz app.heap  # go tool pprof\n"
	"  perfops heap report --weight leaked --profile leaks.svg app.heap\n"
	"  perfops heap --fail-if 'peak>200MB' --fail-if 'leaked>0' -- ./test\n"
	"  perfops heap diff before.heap after.heap\n",
};

#define MAX_GATES 16

struct heap_cli {
	const char *trace, *profile, *suppressions, *timeline;
	const char *raw; /* --raw: keep the event stream there */
	double sample;
	int exact, json, top, depth, weight, window;
	struct heap_gate gates[MAX_GATES];
	int ngates;
	const char *report_file; /* --report-file, else report_to */
	FILE *report_to;	 /* stderr after a run, else stdout */
	int no_freeres;		 /* --no-libc-freeres */
};

static struct heap_cli *cli_of(const struct opt *opt)
{
	return opt->value;
}

static int sample_cb(const struct opt *opt, const char *arg, int unset)
{
	struct heap_cli *c = cli_of(opt);

	(void)unset;
	if (heap_parse_size(arg, &c->sample) < 0 || c->sample < 1 ||
	    c->sample > 1e15)
		return opt_error(opt,
				 "'%s' is not a size in bytes (e.g. 512K, "
				 "1M, 4096)",
				 arg);
	return 0;
}

static int gate_cb(const struct opt *opt, const char *arg, int unset)
{
	struct heap_cli *c = cli_of(opt);

	(void)unset;
	if (c->ngates == MAX_GATES)
		return opt_error(opt, "at most %d gates", MAX_GATES);
	if (heap_gate_parse(arg, &c->gates[c->ngates]) < 0)
		return -1;
	c->ngates++;
	return 0;
}

/*
 * Write the report (or the diff, with b) where it goes: --report-file
 * (written atomically; "-" is stdout), else c->report_to: stderr after a
 * run, where stdout is the program's, stdout for `heap report` and `heap
 * diff`.  Reports its own errors.
 */
static int report_write(const struct heap_cli *c, const struct heap_analysis *a,
			const struct heap_analysis *b,
			const struct heap_report_opts *ro)
{
	struct atomic_file af;
	FILE *out = c->report_to;
	int r;

	if (c->report_file) {
		if (atomic_open(&af, c->report_file) < 0)
			return -1;
		out = af.fp;
	}
	if (b)
		r = c->json ? heap_diff_json(a, b, ro->top, out)
			    : heap_diff_print(a, b, ro->top, out);
	else
		r = c->json ? heap_report_json(a, ro, out)
			    : heap_report_print(a, ro, out);
	if (c->report_file) {
		if (r < 0) {
			atomic_abort(&af);
			return -1;
		}
		return atomic_commit(&af);
	}
	if (out == stdout)
		return r < 0 ? -1 : cli_finish_stdout();
	fflush(out);
	return r < 0 ? -1 : 0;
}

/* The program's path as execvp would find it (for the static check). */
static int find_program(const char *name, struct strbuf *out)
{
	const char *path = getenv("PATH"), *p;

	if (strchr(name, '/')) {
		strbuf_addstr(out, name);
		return 0;
	}
	for (p = path ? path : "/usr/bin:/bin"; p && *p;) {
		const char *colon = strchr(p, ':');
		size_t n = colon ? (size_t)(colon - p) : strlen(p);

		strbuf_reset(out);
		strbuf_addf(out, "%.*s/%s", (int)n, n ? p : ".", name);
		if (access(out->buf, X_OK) == 0)
			return 0;
		p = colon ? colon + 1 : NULL;
	}
	return -1;
}

/* Whether path is an ELF executable with no program interpreter. */
static int is_static_elf(const char *path)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int fd = open(path, O_RDONLY | O_CLOEXEC), i, interp = 0;

	if (fd < 0)
		return 0;
	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64) {
		close(fd);
		return 0;
	}
	for (i = 0; i < eh.e_phnum; i++)
		if (pread(fd, &ph, sizeof(ph),
			  (off_t)(eh.e_phoff + (uint64_t)i * eh.e_phentsize)) ==
			sizeof(ph) &&
		    ph.p_type == PT_INTERP)
			interp = 1;
	close(fd);
	return !interp;
}

/* The analysis options; a --temporary-window not given is -1. */
static void analyze_opts(const struct heap_cli *c, struct heap_analyze_opts *ao)
{
	memset(ao, 0, sizeof(*ao));
	ao->temp_window = c->window < 0 ? 0 : (unsigned)c->window;
	ao->temp_window_set = c->window >= 0;
	ao->suppressions = c->suppressions;
	ao->timeline_points = 100;
}

/* Report t; with agg, also write its aggregated profile there first. */
static int report(struct heap_cli *c, const struct heap_trace *t,
		  const char *program, const char *agg)
{
	struct heap_analyze_opts ao;
	struct heap_report_opts ro = {(size_t)c->top};
	struct heap_analysis a;
	int ret = EXIT_OK, i;

	analyze_opts(c, &ao);
	if (heap_analyze(&a, t, &ao) < 0 ||
	    (agg && heap_agg_write(&a, agg) < 0)) {
		heap_analysis_release(&a);
		return EXIT_FAIL;
	}
	/* Say why the report is empty rather than let it speak for itself. */
	if (a.total.allocations == 0 && a.total.mmap_bytes == 0)
		notice("%s%s%s made no allocation perfops could see: none at "
		       "all, or only through an allocator of its own that "
		       "does not call malloc",
		       program ? "'" : "", program ? program : "the trace",
		       program ? "'" : "");
	if (report_write(c, &a, NULL, &ro) < 0)
		ret = EXIT_FAIL;
	if (ret == EXIT_OK && c->profile) {
		struct profile p;
		enum cli_out_format fmt = cli_out_format(c->profile);

		heap_profile(&a,
			     fmt == CLI_OUT_PPROF ? HEAP_WEIGHT_PPROF
						  : (enum heap_weight)c->weight,
			     &p);
		if (cli_write_profile(&p, c->profile, fmt, NULL, "heap") < 0)
			ret = EXIT_FAIL;
		profile_release(&p);
	}
	if (ret == EXIT_OK && c->timeline) {
		struct atomic_file af;

		if (atomic_open(&af, c->timeline) < 0) {
			ret = EXIT_FAIL;
		} else if (heap_timeline_svg(&a, af.fp) < 0) {
			atomic_abort(&af);
			ret = EXIT_FAIL;
		} else if (atomic_commit(&af) < 0) {
			ret = EXIT_FAIL;
		}
	}
	for (i = 0; ret == EXIT_OK && i < c->ngates; i++) {
		double got;
		char num[32];

		if (!heap_gate_fails(&c->gates[i], &a, &got))
			continue;
		snprintf(num, sizeof(num), "%.0f", got);
		fprintf(stderr,
			"perfops heap: --fail-if '%s' failed: the value is "
			"%s\n",
			c->gates[i].text,
			heap_gate_is_bytes(&c->gates[i]) ? heap_bytes(got)
							 : num);
		ret = EXIT_THRESHOLD;
	}
	heap_analysis_release(&a);
	return ret;
}

static int read_traces(struct heap_trace *t, char **files, int n)
{
	int i;

	heap_trace_init(t);
	for (i = 0; i < n; i++)
		if (heap_trace_read(t, files[i]) < 0)
			return -1;
	if (t->torn)
		warning("the trace ends in a partial chunk (%zu bytes, from "
			"a killed process): the events up to it are "
			"reported",
			t->torn);
	return 0;
}

static char *env_entry(const char *name, const char *value)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s=%s", name, value);
	return strbuf_detach(&sb, NULL);
}

extern char **environ;

/* How the processes perfops waited for ended: pid, wait status. */
static VEC(int) ended;

static void note_end(pid_t pid, int status)
{
	VEC_PUSH(&ended, (int)pid);
	VEC_PUSH(&ended, status);
}

static pid_t child_pid;

/* Once the program runs (it keeps Ctrl-C), perfops outlives it to report. */
static void ignore_sigint(pid_t pid, void *arg)
{
	(void)arg;
	child_pid = pid;
	signal(SIGINT, SIG_IGN);
}

static volatile sig_atomic_t stop_waiting;

static void on_sigint(int sig)
{
	(void)sig;
	stop_waiting = 1;
}

/*
 * The pids of perfops's children still running, space-separated; with
 * running, each is also noted as still running when perfops stops.
 */
static void list_children(struct strbuf *out, int running)
{
	FILE *fp = fopen("/proc/thread-self/children", "re");
	int pid;

	strbuf_reset(out);
	while (fp && fscanf(fp, "%d", &pid) == 1) {
		strbuf_addf(out, "%s%d", out->len ? " " : "", pid);
		if (running)
			note_end(pid, -1);
	}
	if (fp)
		fclose(fp);
}

/* Reap the orphans that ended; name those a signal killed. */
static void reap_orphans(const char *prog)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		note_end(pid, status);
		if (WIFSIGNALED(status))
			notice("pid %d, left running by '%s', was killed by "
			       "signal %d (%s)",
			       (int)pid, prog, WTERMSIG(status),
			       strsignal(WTERMSIG(status)));
	}
}

/*
 * The program has ended, but processes it left running may still be
 * traced: a daemon's grandchild (double fork, the parent exits).  Every
 * traced process holds the write end of the pipe whose read end is fd,
 * so its end of file says that the last of them has ended.  perfops is
 * their subreaper: the orphans are its children, reaped here (and named
 * when a signal killed them).  Ctrl-C stops waiting: the report then
 * holds what they wrote so far.
 */
static void wait_traced(int fd, const char *prog)
{
	struct sigaction sa, old;
	struct strbuf pids = STRBUF_INIT;
	int said = 0, i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	stop_waiting = 0;
	sigaction(SIGINT, &sa, &old);
	for (;;) {
		struct pollfd pf = {.fd = fd, .events = POLLIN};
		int r = poll(&pf, 1, 200);
		char ch;
		ssize_t n = 1;

		reap_orphans(prog);
		if (r > 0)
			n = read(fd, &ch, 1);
		if (n == 0 || (n < 0 && errno != EINTR))
			break;
		if (stop_waiting) {
			list_children(&pids, 1);
			notice(
			    "stopped waiting: the processes '%s' left running "
			    "(%s) are reported as far as they have written",
			    prog, pids.len ? pids.buf : "none left");
			break;
		}
		if (r == 0 && !said) {
			list_children(&pids, 0);
			notice("'%s' has ended; waiting for the processes it "
			       "left running that are still traced (%s): "
			       "Ctrl-C stops waiting and reports",
			       prog, pids.len ? pids.buf : "not children");
			said = 1;
		}
	}
	/*
	 * A process closes its descriptors before its parent can wait for
	 * it: the last ones to end are reaped once they can be (for at most
	 * a second: a child still running then holds no trace).
	 */
	for (i = 0; i < 100; i++) {
		reap_orphans(prog);
		list_children(&pids, 0);
		if (!pids.len || stop_waiting)
			break;
		poll(NULL, 0, 10);
	}
	sigaction(SIGINT, &old, NULL);
	strbuf_release(&pids);
}

static int run(struct heap_cli *c, int argc, char **argv)
{
	char lib[PATH_MAX], *abs = NULL;
	struct strbuf tmp = STRBUF_INIT, prog = STRBUF_INIT, sb = STRBUF_INIT;
	struct spawn_opts so;
	struct spawn_result sr;
	struct heap_trace t;
	char **envp, *files[1], *made = NULL;
	struct stat st;
	const char *preload = getenv("LD_PRELOAD");
	size_t n = 0, i, nset;
	int fd, r, ret = EXIT_FAIL, tfd = -1, live[2] = {-1, -1}, lfd = -1;

	if (sys_find_part("libperfops-heap.so", lib, sizeof(lib)) < 0) {
		error("cannot find libperfops-heap.so next to perfops or in "
		      "its lib/libexec directory (reinstall perfops)");
		return EXIT_ENV;
	}
	if (cli_check_output(c->trace) < 0 ||
	    (c->raw && cli_check_output(c->raw) < 0))
		return EXIT_FAIL;
	/* The events go next to the file that keeps them (FILE.partial or
	 * RAW.partial), left there only if perfops itself is killed. */
	strbuf_addf(&tmp, "%s.partial", c->raw ? c->raw : c->trace);
	/* The program may chdir: the library gets an absolute path. */
	fd = open(tmp.buf, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
		  0644);
	if (fd < 0) {
		error_errno("cannot create '%s'", tmp.buf);
		goto out;
	}
	made = tmp.buf;
	/*
	 * The program inherits perfops's descriptor of the file (far from
	 * the ones it counts on), and so does every process it starts: one
	 * that changed its user (setuid, then exec) could no longer open
	 * the file.  And the write end of a pipe, held by every traced
	 * process until it ends: see wait_traced.
	 */
	tfd = fcntl(fd, F_DUPFD, 900);
	close(fd);
	if (tfd < 0 || pipe2(live, O_CLOEXEC) < 0 ||
	    (lfd = fcntl(live[1], F_DUPFD, 900)) < 0) {
		error_errno("cannot pass '%s' to the program", tmp.buf);
		goto out;
	}
	close(live[1]);
	live[1] = -1;
	/* The orphans it leaves (a daemon) are reparented to perfops. */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	abs = realpath(tmp.buf, NULL);
	for (n = 0; environ[n]; n++)
		;
	envp = xcalloc(n + 8, sizeof(*envp));
	for (n = 0, i = 0; environ[i]; i++)
		if (strncmp(environ[i], "LD_PRELOAD=", 11) &&
		    strncmp(environ[i], HEAP_ENV_FILE "=",
			    strlen(HEAP_ENV_FILE) + 1) &&
		    strncmp(environ[i], HEAP_ENV_FD "=",
			    strlen(HEAP_ENV_FD) + 1) &&
		    strncmp(environ[i], HEAP_ENV_MODE "=",
			    strlen(HEAP_ENV_MODE) + 1) &&
		    strncmp(environ[i], HEAP_ENV_DEPTH "=",
			    strlen(HEAP_ENV_DEPTH) + 1) &&
		    strncmp(environ[i], HEAP_ENV_FREERES "=",
			    strlen(HEAP_ENV_FREERES) + 1))
			envp[n++] = environ[i];
	if (preload && *preload)
		strbuf_addf(&sb, "%s:%s", lib, preload);
	else
		strbuf_addstr(&sb, lib);
	envp[n++] = env_entry("LD_PRELOAD", sb.buf);
	envp[n++] = env_entry(HEAP_ENV_FILE, abs ? abs : tmp.buf);
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%d:%d", tfd, lfd);
	envp[n++] = env_entry(HEAP_ENV_FD, sb.buf);
	strbuf_reset(&sb);
	if (c->sample > 0)
		strbuf_addf(&sb, "sample:%.0f", c->sample);
	else
		strbuf_addstr(&sb, "exact");
	envp[n++] = env_entry(HEAP_ENV_MODE, sb.buf);
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%d", c->depth);
	envp[n++] = env_entry(HEAP_ENV_DEPTH, sb.buf);
	nset = 5;
	if (c->no_freeres) {
		envp[n++] = env_entry(HEAP_ENV_FREERES, "0");
		nset++;
	}
	envp[n] = NULL;

	memset(&so, 0, sizeof(so));
	so.argv = argv;
	so.envp = envp;
	so.stdin_fd = so.stdout_fd = so.stderr_fd = so.drain_fd = -1;
	/* Ctrl-C is for the program; the report still follows. */
	so.started = ignore_sigint;
	r = spawn_run(&so, &sr);
	close(tfd);
	close(lfd);
	tfd = lfd = -1;
	if (r == 0) {
		note_end(child_pid,
			 sr.exit_code < 0 ? sr.signal : sr.exit_code << 8);
		wait_traced(live[0], argv[0]);
	}
	signal(SIGINT, SIG_DFL);
	for (i = n - nset; i < n; i++)
		free(envp[i]);
	free(envp);
	if (r < 0) {
		error_code(r, "cannot run '%s'", argv[0]);
		ret = r == -ENOENT || r == -EACCES ? 127 : EXIT_FAIL;
		goto out;
	}
	if (c->raw) {
		if (rename(tmp.buf, c->raw) < 0) {
			error_errno("cannot rename '%s' to '%s'", tmp.buf,
				    c->raw);
			goto out;
		}
		made = NULL;
	}
	if (sr.exit_code < 0)
		notice("'%s' was killed by signal %d (%s); the trace holds "
		       "what it wrote until then",
		       argv[0], sr.signal, strsignal(sr.signal));
	else if (sr.exit_code)
		notice("'%s' exited with status %d", argv[0], sr.exit_code);
	(void)argc;
	files[0] = c->raw ? (char *)c->raw : tmp.buf;
	if (stat(files[0], &st) == 0 && st.st_size == 0) {
		/* The library never started in the program. */
		if (find_program(argv[0], &prog) == 0 &&
		    is_static_elf(prog.buf))
			error("'%s' is statically linked: LD_PRELOAD cannot "
			      "interpose its malloc, so no allocation can be "
			      "seen (link it dynamically to trace it)",
			      argv[0]);
		else
			error("'%s' never started the tracer (it is not a "
			      "dynamically linked program, or it clears "
			      "LD_PRELOAD)",
			      argv[0]);
		goto out;
	}
	if (read_traces(&t, files, 1) < 0) {
		heap_trace_release(&t);
		goto out;
	}
	for (i = 0; i + 1 < ended.len; i += 2)
		heap_trace_set_end(&t, ended.v[i], ended.v[i + 1]);
	ret = report(c, &t, argv[0], c->trace);
	heap_trace_release(&t);
	/* Like perf record, Valgrind or a shell: the program's own status,
	 * 128 + the signal that killed it, unless perfops itself failed or
	 * a gate did. */
	if (ret == 0)
		ret = sr.exit_code < 0 ? 128 + sr.signal : sr.exit_code;
out:
	if (tfd >= 0)
		close(tfd);
	if (lfd >= 0)
		close(lfd);
	if (live[0] >= 0)
		close(live[0]);
	if (live[1] >= 0)
		close(live[1]);
	if (made)
		unlink(made);
	free(abs);
	strbuf_release(&tmp);
	strbuf_release(&prog);
	strbuf_release(&sb);
	VEC_RELEASE(&ended);
	return ret;
}

static int cmd_heap_report(struct heap_cli *c, int argc, char **argv)
{
	struct heap_trace t;
	int ret;

	if (argc < 1)
		return cli_usage_error("heap", "report needs a TRACE file");
	if (read_traces(&t, argv, argc) < 0) {
		heap_trace_release(&t);
		return EXIT_FAIL;
	}
	ret = report(c, &t, NULL, NULL);
	heap_trace_release(&t);
	return ret;
}

static int cmd_heap_diff(struct heap_cli *c, char **argv)
{
	struct heap_analyze_opts ao;
	struct heap_trace t[2];
	struct heap_analysis a[2];
	int i, ret = EXIT_FAIL, ok = 0;

	analyze_opts(c, &ao);
	memset(a, 0, sizeof(a));
	for (i = 0; i < 2; i++) {
		if (read_traces(&t[i], &argv[i], 1) < 0 ||
		    heap_analyze(&a[i], &t[i], &ao) < 0)
			break;
		ok = i + 1;
	}
	if (ok == 2) {
		struct heap_report_opts ro = {(size_t)c->top};

		if (report_write(c, &a[0], &a[1], &ro) == 0)
			ret = EXIT_OK;
	}
	/* The pair that failed is initialized too (a is zeroed). */
	for (i = 0; i < 2 && i <= ok; i++) {
		heap_analysis_release(&a[i]);
		heap_trace_release(&t[i]);
	}
	return ret;
}

int cmd_heap(int argc, char **argv)
{
	struct heap_cli c = {
	    .trace = "perfops.heap", .top = 20, .depth = 64, .window = -1};
	const struct opt options[] = {
	    OPT_GROUP("Running a program"),
	    OPT_STRING('o', "output", &c.trace, "FILE",
		       "the profile (default perfops.heap): stacks,\n"
		       "counters and timeline, not events"),
	    OPT_STRING(0, "raw", &c.raw, "FILE",
		       "also keep the event stream in FILE (it\n"
		       "grows with the run; heap report reads it)"),
	    OPT_BOOL(0, "exact", &c.exact,
		     "record every allocation (the default)"),
	    OPT_CALLBACK(0, "sample", &c, "SIZE",
			 "sample allocations, one per SIZE bytes on\n"
			 "average (e.g. 512K): estimates, at a small\n"
			 "cost",
			 sample_cb),
	    OPT_INT(0, "depth", &c.depth, "N",
		    "record at most N frames per stack (default 64)", 1,
		    HEAP_MAX_DEPTH),
	    OPT_BOOL(0, "no-libc-freeres", &c.no_freeres,
		     "leave glibc's own blocks at exit (stdout's\n"
		     "buffer, NSS, locales) as leaks: by default\n"
		     "__libc_freeres frees them, as in Valgrind"),
	    OPT_GROUP("Reports"),
	    OPT_BOOL(0, "json", &c.json,
		     "one JSON document: allocations, frees,\n"
		     "allocated_bytes, peak_bytes, leaked_bytes,\n"
		     "leaked_blocks, temporary, ..., processes,\n"
		     "the tables, size_histogram, timeline"),
	    OPT_STRING(0, "report-file", &c.report_file, "FILE",
		       "write the report to FILE (after a run it goes\n"
		       "to stderr, apart from the program's stdout;\n"
		       "report and diff print on stdout)"),
	    OPT_INT('n', "top", &c.top, "N",
		    "rows per table (default 20; 0 = all)", 0, INT_MAX),
	    OPT_INT(0, "temporary-window", &c.window, "N",
		    "an allocation is temporary when freed with at\n"
		    "most N other heap events (allocations, frees)\n"
		    "in between (default 0, as heaptrack; recorded\n"
		    "in the profile, so given when running)",
		    0, INT_MAX),
	    OPT_STRING(0, "suppressions", &c.suppressions, "FILE",
		       "leaks to ignore: 'leak:PATTERN' lines, as\n"
		       "LeakSanitizer's (PATTERN in a function name)"),
	    OPT_STRING(0, "profile", &c.profile, "FILE",
		       "also write a profile: .pb.gz (pprof with\n"
		       "alloc_space, alloc_objects, inuse_space,\n"
		       "inuse_objects), .folded or .svg (flame graph)\n"
		       "weighted by --weight"),
	    OPT_STRING(0, "timeline", &c.timeline, "FILE",
		       "also write the heap and RSS of the process\n"
		       "with the largest peak over time, an SVG chart\n"
		       "(RSS sampled every 10 ms)"),
	    OPT_CHOICE(0, "weight", &c.weight, "KIND",
		       "bytes (default), count, leaked, peak or\n"
		       "temporary",
		       heap_weight_names),
	    OPT_CALLBACK(0, "fail-if", &c, "EXPR",
			 "exit 4 when EXPR holds, e.g. 'peak>200MB',\n"
			 "'leaked>0' (metrics: allocations, frees,\n"
			 "allocated, peak, leaked, leaked_blocks,\n"
			 "temporary, rss); repeatable",
			 gate_cb),
	    OPT_END(),
	};
	const char *sub = argc > 1 ? argv[1] : NULL;
	int is_report = sub && !strcmp(sub, "report");
	int is_diff = sub && !strcmp(sub, "diff");

	if (is_report || is_diff) {
		argv++;
		argc--;
	}
	/* A run's stdout is the program's. */
	c.report_to = is_report || is_diff ? stdout : stderr;
	argc = parse_options(
	    argc, argv, &doc, options,
	    is_report || is_diff ? 0 : PARSE_OPT_STOP_AT_NON_OPTION);
	if (c.raw && (is_report || is_diff || !strcmp(c.raw, c.trace)))
		return cli_usage_error("heap",
				       "--raw FILE keeps the events of "
				       "a run, in a file other than -o");
	if (c.exact && c.sample > 0)
		return cli_usage_error("heap", "--exact and --sample exclude "
					       "each other");
	if (c.profile && cli_out_format(c.profile) != CLI_OUT_PPROF &&
	    cli_out_format(c.profile) != CLI_OUT_FOLDED &&
	    cli_out_format(c.profile) != CLI_OUT_SVG)
		return cli_usage_error("heap",
				       "cannot tell the format of "
				       "'%s' (use .pb.gz, .folded or "
				       ".svg)",
				       c.profile);
	if ((c.profile && cli_check_output(c.profile) < 0) ||
	    (c.timeline && cli_check_output(c.timeline) < 0) ||
	    (c.report_file && cli_check_output(c.report_file) < 0))
		return EXIT_FAIL;
	if (is_report)
		return cmd_heap_report(&c, argc, argv);
	if (is_diff) {
		if (argc != 2)
			return cli_usage_error("heap",
					       "diff needs two traces, "
					       "OLD and NEW (got %d)",
					       argc);
		return cmd_heap_diff(&c, argv);
	}
	if (argc < 1)
		return cli_usage_error("heap",
				       "needs a COMMAND to run (perfops "
				       "heap -- ./app args)");
	return run(&c, argc, argv);
}
