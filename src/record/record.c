#include "core/compat.h"
#include "record/record.h"
#include "record/session.h"
#include "core/error.h"
#include "core/hash.h"
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig UNUSED)
{
	interrupted = 1;
}

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct rings {
	struct perf_ring *v;
	size_t nr, alloc;
	int *extra_fds; /* off-CPU events writing into a ring */
	size_t nextra, extra_alloc;
};

static int event_config(const char *name, struct perf_event_attr *a,
			int *clock)
{
	static const struct {
		const char *name;
		uint32_t type;
		uint64_t config;
		int clock;
	} ev[] = {
		{ "cpu-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK, 1 },
		{ "task-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK,
		  1 },
		{ "page-faults", PERF_TYPE_SOFTWARE,
		  PERF_COUNT_SW_PAGE_FAULTS, 0 },
		{ "cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, 0 },
		{ "instructions", PERF_TYPE_HARDWARE,
		  PERF_COUNT_HW_INSTRUCTIONS, 0 },
		{ "cache-misses", PERF_TYPE_HARDWARE,
		  PERF_COUNT_HW_CACHE_MISSES, 0 },
		{ "branch-misses", PERF_TYPE_HARDWARE,
		  PERF_COUNT_HW_BRANCH_MISSES, 0 },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ev); i++) {
		if (strcmp(ev[i].name, name))
			continue;
		a->type = ev[i].type;
		a->config = ev[i].config;
		*clock = ev[i].clock;
		return 0;
	}
	return -1;
}

/* Explain a failed perf_event_open(); sets env_error. */
static int open_error(struct record_stats *st, int err, const char *what)
{
	long paranoid = perf_read_long("/proc/sys/kernel/perf_event_paranoid",
				       2);

	st->env_error = 1;
	switch (-err) {
	case EACCES:
	case EPERM:
		if (geteuid() && paranoid > 0)
			return error("perf_event_open refused for %s: "
				     "kernel.perf_event_paranoid is %ld; run "
				     "as root or 'sysctl "
				     "kernel.perf_event_paranoid=1' "
				     "(-1 for -a)",
				     what, paranoid);
		return error("perf_event_open is blocked for %s (%s) "
			     "although kernel.perf_event_paranoid is %ld: a "
			     "seccomp filter or container policy forbids it; "
			     "run the container with CAP_PERFMON/--privileged "
			     "or a seccomp profile that allows perf_event_open",
			     what, strerror(-err), paranoid);
	case ENOSYS:
		return error("perf_event_open is not available (ENOSYS): the "
			     "kernel lacks CONFIG_PERF_EVENTS or a seccomp "
			     "filter hides the system call");
	case ESRCH:
		st->env_error = 0;
		return error("no such process: %s", what);
	case ENOENT:
	case EOPNOTSUPP:
	case ENODEV:
		return error("the event is not supported on this machine (%s)",
			     strerror(-err));
	default:
		return error("perf_event_open for %s failed: %s", what,
			     strerror(-err));
	}
}

static int ncpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);

	return n > 0 ? (int)n : 1;
}

/* Map a ring or explain why it failed (the mlock budget above all). */
static int open_ring(struct rec_session *s, struct rings *r,
		     struct perf_event_attr *a, pid_t pid, int cpu,
		     unsigned pages, const char *what)
{
	struct perf_ring ring;
	unsigned got = pages;
	int err;
	char buf[64];

	err = perf_ring_open(&ring, a, pid, cpu, &got);
	if (err == -EINVAL && a->use_clockid) {
		/* Kernels before 4.1 know no clockid. */
		a->use_clockid = 0;
		got = pages;
		err = perf_ring_open(&ring, a, pid, cpu, &got);
	}
	if (err < 0 && (a->type != PERF_TYPE_SOFTWARE) && err != -ESRCH &&
	    err != -EACCES && err != -EPERM)
		return open_error(s->st, err, what);
	if ((err == -EACCES || err == -EPERM) && !a->exclude_kernel &&
	    geteuid()) {
		/* Unprivileged users may still sample their own user code. */
		a->exclude_kernel = 1;
		got = pages;
		err = perf_ring_open(&ring, a, pid, cpu, &got);
		if (!err)
			notice("kernel frames are not allowed "
			       "(kernel.perf_event_paranoid=%ld): recording "
			       "user space only",
			       perf_read_long(
				       "/proc/sys/kernel/perf_event_paranoid",
				       2));
	}
	if (err == -EPERM && perf_event_open_fd(a, pid, cpu, -1) >= 0) {
		/* The event opens but its buffer cannot be locked. */
		s->st->env_error = 1;
		return error("cannot lock even one page of ring buffer: the "
			     "mlock budget (kernel.perf_event_mlock_kb = %ld "
			     "KiB) is used up; raise it with 'sysctl "
			     "kernel.perf_event_mlock_kb=2048' or run as root",
			     perf_read_long(
				     "/proc/sys/kernel/perf_event_mlock_kb",
				     516));
	}
	if (err < 0)
		return open_error(s->st, err, what);
	if (got < pages && !s->st->ring_pages) {
		snprintf(buf, sizeof(buf), "%u", got);
		warning("ring buffer cut to %s pages (of %u) by the mlock "
			"budget (kernel.perf_event_mlock_kb); samples may be "
			"lost",
			buf, pages);
	}
	if (!s->st->ring_pages || got < s->st->ring_pages)
		s->st->ring_pages = got;
	ALLOC_GROW(r->v, r->nr + 1, r->alloc);
	r->v[r->nr++] = ring;
	return 0;
}

static int add_offcpu(struct rec_session *s, struct rings *r,
		      struct perf_ring *ring, struct perf_event_attr *base,
		      pid_t pid, int cpu)
{
	struct perf_event_attr a = *base;
	int fd;

	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_CONTEXT_SWITCHES;
	a.freq = 0;
	a.sample_period = 1;
	a.mmap = a.mmap2 = a.comm = a.task = a.context_switch = 0;
	a.comm_exec = 0;
	a.watermark = 0;
	a.wakeup_events = 0;
	fd = perf_ring_add(ring, &a, pid, cpu);
	if (fd < 0)
		return open_error(s->st, fd, "the context-switch event");
	/* Every CPU's (or thread's) event has its own id, and a sample
	 * says which one it came from. */
	ALLOC_GROW(s->offcpu_ids, s->noffcpu + 1, s->offcpu_alloc);
	s->offcpu_ids[s->noffcpu++] = perf_event_id(fd);
	ALLOC_GROW(r->extra_fds, r->nextra + 1, r->extra_alloc);
	r->extra_fds[r->nextra++] = fd;
	return 0;
}

static int open_events(struct rec_session *s, struct rings *r,
		       struct perf_event_attr *a, pid_t pid, int cpu,
		       unsigned pages, const char *what)
{
	if (open_ring(s, r, a, pid, cpu, pages, what) < 0)
		return -1;
	if (s->o->off_cpu &&
	    add_offcpu(s, r, &r->v[r->nr - 1], a, pid, cpu) < 0)
		return -1;
	return 0;
}

/*
 * Attach to one thread on every CPU.  The events are inherited, so the
 * threads and children it starts later are recorded too, as perf record
 * -p does; the kernel maps no buffer for an inherited per-thread event,
 * so each CPU has one ring (percpu[cpu], -1 until the first thread opens
 * it) that every attached thread's event on that CPU writes into.
 */
static int attach_thread(struct rec_session *s, struct rings *r, int *percpu,
			 struct perf_event_attr *a, int tid, unsigned pages,
			 const char *what)
{
	int cpu, opened = 0;

	for (cpu = 0; cpu < ncpus(); cpu++) {
		int fd;

		if (percpu[cpu] < 0) {
			if (open_events(s, r, a, tid, cpu, pages, what) < 0) {
				/* An offline CPU is no reason to give up. */
				if (cpu && !s->st->env_error)
					continue;
				return -1;
			}
			percpu[cpu] = (int)r->nr - 1;
			opened++;
			continue;
		}
		fd = perf_ring_add(&r->v[percpu[cpu]], a, tid, cpu);
		if (fd < 0)
			return open_error(s->st, fd, what);
		ALLOC_GROW(r->extra_fds, r->nextra + 1, r->extra_alloc);
		r->extra_fds[r->nextra++] = fd;
		if (s->o->off_cpu && add_offcpu(s, r, &r->v[percpu[cpu]], a,
						tid, cpu) < 0)
			return -1;
		opened++;
	}
	return opened ? 0 : -1;
}

/* One record copied out of a ring, ordered by time before processing. */
struct batch_item {
	uint64_t time;
	size_t off;
};

struct batch {
	unsigned char *buf;
	size_t len, alloc;
	struct batch_item *items;
	size_t nr, items_alloc;
	struct rec_session *s;
};

static uint64_t record_time(struct rec_session *s,
			    const struct perf_event_header *h)
{
	uint64_t time = 0;
	uint32_t tid;

	if (h->type == PERF_RECORD_SAMPLE) {
		struct perf_sample ps;

		if (perf_sample_parse(h, s->sample_type, s->regs_mask, &ps) ==
		    0)
			time = ps.time;
	} else {
		perf_record_id(h, s->sample_type, &tid, &time);
	}
	return time;
}

static void batch_add(const struct perf_event_header *h, void *ctx)
{
	struct batch *b = ctx;

	ALLOC_GROW(b->buf, b->len + h->size, b->alloc);
	ALLOC_GROW(b->items, b->nr + 1, b->items_alloc);
	b->items[b->nr].time = record_time(b->s, h);
	b->items[b->nr].off = b->len;
	b->nr++;
	memcpy(b->buf + b->len, h, h->size);
	b->len += h->size;
}

static int cmp_item(const void *x, const void *y)
{
	const struct batch_item *a = x, *b = y;

	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	return a->off < b->off ? -1 : a->off > b->off;
}

/*
 * Read every ring, then process the records in time order: an MMAP2 on
 * one CPU must be seen before the samples that run the new code on
 * another.
 */
static void drain(struct rec_session *s, struct rings *r, struct batch *b)
{
	size_t i;

	b->len = b->nr = 0;
	for (i = 0; i < r->nr; i++)
		perf_ring_read(&r->v[i], batch_add, b);
	qsort(b->items, b->nr, sizeof(*b->items), cmp_item);
	for (i = 0; i < b->nr; i++)
		rec_process(s, (const void *)(b->buf + b->items[i].off));
}

/* Start the command stopped before exec; *go releases it. */
static pid_t launch(char **argv, int *go, int *errpipe)
{
	int p[2], e[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0 || pipe2(e, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		char c;
		int err;

		close(p[1]);
		close(e[0]);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		if (read(p[0], &c, 1) != 1)
			_exit(127);
		execvp(argv[0], argv);
		err = errno;
		if (write(e[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(127);
	}
	close(p[0]);
	close(e[1]);
	*go = p[1];
	*errpipe = e[0];
	return pid;
}

/* Open per-thread events on every task of a running process. */
static int attach_pid(struct rec_session *s, struct rings *r, int *percpu,
		      struct perf_event_attr *a, int pid, unsigned pages)
{
	char path[64], what[64];
	struct dirent *de;
	DIR *dir;
	int n = 0, err;

	if (kill(pid, 0) < 0) {
		if (errno == EPERM) {
			s->st->env_error = 1;
			return error("permission denied on process %d (it "
				     "belongs to another user): run as root "
				     "or as its owner",
				     pid);
		}
		return error("no such process: %d", pid);
	}
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return error_errno("cannot list the threads of %d", pid);
	err = sym_proc_read_maps(&s->sy, pid);
	if (err < 0) {
		closedir(dir);
		s->st->env_error = err == -EACCES || err == -EPERM;
		return error_code(err, "cannot read /proc/%d/maps", pid);
	}
	while ((de = readdir(dir))) {
		int tid = (int)strtol(de->d_name, NULL, 10);

		if (tid <= 0)
			continue;
		snprintf(what, sizeof(what), "thread %d of process %d", tid,
			 pid);
		/* Threads that end while we attach are no error. */
		if (attach_thread(s, r, percpu, a, tid, pages, what) < 0) {
			if (kill(tid, 0) < 0 && errno == ESRCH)
				continue;
			closedir(dir);
			return -1;
		}
		rec_thread_set(s, pid, tid, "");
		n++;
	}
	closedir(dir);
	{
		size_t i;

		/* Fill the comms now that the threads are known. */
		for (i = 0; i < s->nthreads; i++) {
			struct rec_thread *t = s->threads[i];
			char c[64];
			int fd;
			ssize_t k;

			if (t->pid != pid || t->comm[0])
				continue;
			snprintf(c, sizeof(c), "/proc/%d/task/%d/comm", pid,
				 t->tid);
			fd = open(c, O_RDONLY | O_CLOEXEC);
			k = fd >= 0 ? read(fd, t->comm, sizeof(t->comm) - 1)
				    : -1;
			if (fd >= 0)
				close(fd);
			t->comm[k > 0 ? k : 0] = '\0';
			t->comm[strcspn(t->comm, "\n")] = '\0';
		}
	}
	return n ? 0 : error("process %d has no threads left", pid);
}

static void setup_attr(struct rec_session *s, struct perf_event_attr *a)
{
	const struct record_opts *o = s->o;

	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP |
			 PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
			 PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD |
			 PERF_SAMPLE_CALLCHAIN;
	if (o->unwind != RECORD_UNWIND_FP) {
		a->sample_type |= PERF_SAMPLE_REGS_USER |
				  PERF_SAMPLE_STACK_USER;
		a->sample_regs_user = SYM_REGS_MASK;
		a->sample_stack_user = o->stack_size & ~7u;
		if (o->unwind == RECORD_UNWIND_DWARF)
			a->exclude_callchain_user = 1;
	}
	a->freq = 1;
	a->sample_freq = o->freq;
	a->sample_id_all = 1;
	a->mmap = 1;
	a->mmap2 = 1;
	a->comm = 1;
	a->comm_exec = 1;
	a->task = 1;
	a->exclude_kernel = o->user_only;
	a->exclude_hv = 1;
	a->context_switch = o->off_cpu;
	a->use_clockid = 1;
	a->clockid = CLOCK_MONOTONIC;
	a->watermark = 1;
	s->sample_type = a->sample_type;
	s->regs_mask = a->sample_regs_user;
}

static int open_all(struct rec_session *s, struct rings *r,
		    struct perf_event_attr *a, pid_t child)
{
	const struct record_opts *o = s->o;
	unsigned pages = o->unwind == RECORD_UNWIND_FP ? 128 : 1024;
	int cpu, *percpu, ret = 0;
	size_t i;
	char what[64];

	a->wakeup_watermark = (uint32_t)(pages * 4096 / 4);
	if (child > 0 || o->system_wide) {
		a->inherit = child > 0;
		a->disabled = child > 0;
		a->enable_on_exec = child > 0;
		snprintf(what, sizeof(what), "%s",
			 child > 0 ? "the command" : "the whole system (-a)");
		for (cpu = 0; cpu < ncpus(); cpu++) {
			int err = open_events(s, r, a, child > 0 ? child : -1,
					      cpu, pages, what);

			/* An offline CPU is no reason to give up. */
			if (err < 0 && cpu && !s->st->env_error)
				continue;
			if (err < 0)
				return -1;
		}
		return 0;
	}
	a->inherit = 1;
	percpu = xmalloc(st_mult((size_t)ncpus(), sizeof(*percpu)));
	for (cpu = 0; cpu < ncpus(); cpu++)
		percpu[cpu] = -1;
	for (i = 0; i < o->npids && !ret; i++)
		ret = attach_pid(s, r, percpu, a, o->pids[i], pages);
	free(percpu);
	return ret;
}

static int targets_alive(const struct record_opts *o)
{
	size_t i;
	int alive = 0;

	for (i = 0; i < o->npids; i++)
		alive += kill(o->pids[i], 0) == 0 || errno == EPERM;
	return alive == (int)o->npids;
}

int record_run(const struct record_opts *o, struct profile *p,
	       struct record_stats *st)
{
	struct rec_session s;
	struct rings r = { NULL, 0, 0, NULL, 0, 0 };
	struct batch b;
	struct perf_event_attr a;
	struct sigaction sa, old_int, old_term;
	struct pollfd *pfd = NULL;
	pid_t child = 0;
	int go = -1, errpipe = -1, ret = -1, status = 0, child_done = 0;
	double start, stop_at;
	struct timespec wall;
	size_t i;

	memset(&s, 0, sizeof(s));
	memset(&b, 0, sizeof(b));
	b.s = &s;
	s.o = o;
	s.p = p;
	s.st = st;
	/* The kernel cuts every callchain at this many frames. */
	st->max_stack = (unsigned)perf_read_long(
		"/proc/sys/kernel/perf_event_max_stack", 127);
	sym_init(&s.sy, o->no_inline ? SYM_NO_INLINE : 0);
	rec_process_init(&s);
	setup_attr(&s, &a);
	st->event = o->event ? o->event : "cpu-clock";
	if (event_config(st->event, &a, &s.clock_event) < 0) {
		error("unknown event '%s' (try cpu-clock, task-clock, "
		      "page-faults, cycles, instructions)",
		      st->event);
		goto out;
	}
	if (a.type == PERF_TYPE_HARDWARE) {
		int fd = perf_event_open_fd(&a, 0, -1, -1);

		if (fd >= 0) {
			close(fd);
		} else if (fd == -ENOENT || fd == -EOPNOTSUPP ||
			   fd == -ENODEV) {
			notice("no hardware PMU on this machine (a virtual "
			       "machine?): %s falls back to cpu-clock",
			       st->event);
			st->event = "cpu-clock";
			event_config(st->event, &a, &s.clock_event);
		}
	}
	profile_set_type(p, 0, "samples", "count");
	if (s.clock_event)
		profile_set_type(p, 1, "cpu", "nanoseconds");
	else
		profile_set_type(p, 1, "events", "count");
	p->main_value = 1;
	p->period_ns = o->freq ? 1000000000ull / o->freq : 0;

	if (o->argv) {
		child = launch(o->argv, &go, &errpipe);
		if (child < 0) {
			error_code(child, "cannot start '%s'", o->argv[0]);
			child = 0;
			goto out;
		}
	}
	if (open_all(&s, &r, &a, child) < 0)
		goto out;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	interrupted = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	clock_gettime(CLOCK_REALTIME, &wall);
	p->time_ns = (uint64_t)wall.tv_sec * 1000000000ull + wall.tv_nsec;
	start = now_mono();
	stop_at = o->duration > 0 ? start + o->duration : 0;
	if (!child)
		for (i = 0; i < r.nr; i++)
			perf_ring_enable(&r.v[i]);
	if (child) {
		int err = 0;

		/* Let the command exec; an exec error comes back on errpipe. */
		if (write(go, "x", 1) != 1) {
			error_errno("cannot start '%s'", o->argv[0]);
			goto restore;
		}
		close(go);
		go = -1;
		if (read(errpipe, &err, sizeof(err)) == sizeof(err)) {
			error("cannot run '%s': %s", o->argv[0],
			      strerror(err));
			goto restore;
		}
	}
	pfd = xcalloc(r.nr ? r.nr : 1, sizeof(*pfd));
	for (i = 0; i < r.nr; i++) {
		pfd[i].fd = r.v[i].fd;
		pfd[i].events = POLLIN;
	}
	for (;;) {
		poll(pfd, r.nr, 20);
		drain(&s, &r, &b);
		if (interrupted) {
			st->interrupted = 1;
			break;
		}
		if (stop_at && now_mono() >= stop_at)
			break;
		if (child && waitpid(child, &status, WNOHANG) == child) {
			child_done = 1;
			break;
		}
		if (o->npids && !targets_alive(o)) {
			st->target_exited = 1;
			break;
		}
	}
	for (i = 0; i < r.nr; i++)
		perf_ring_disable(&r.v[i]);
	st->seconds = now_mono() - start;
	drain(&s, &r, &b);
	ret = 0;
restore:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
out:
	if (child > 0 && !child_done) {
		/* Like perf record: the command ends with the recording. */
		if (waitpid(child, &status, WNOHANG) != child) {
			kill(child, SIGTERM);
			waitpid(child, &status, 0);
		}
	}
	if (child > 0)
		st->target_status = WIFEXITED(status)
					    ? WEXITSTATUS(status)
					    : 128 + WTERMSIG(status);
	p->duration_ns = (uint64_t)(st->seconds * 1e9);
	if (go >= 0)
		close(go);
	if (errpipe >= 0)
		close(errpipe);
	for (i = 0; i < r.nextra; i++)
		close(r.extra_fds[i]);
	for (i = 0; i < r.nr; i++)
		perf_ring_close(&r.v[i]);
	free(r.v);
	free(r.extra_fds);
	free(pfd);
	free(b.buf);
	free(b.items);
	rec_process_finish(&s);
	free(s.offcpu_ids);
	rec_process_release(&s);
	sym_report_stripped(&s.sy);
	sym_release(&s.sy);
	return ret;
}

