#include "core/compat.h"
#include "record/record.h"
#include "record/session.h"
#include "core/error.h"
#include "core/hash.h"
#include "sys/proc.h"
#include "sys/spawn.h"
#include <poll.h>
#include <pthread.h>
#include <signal.h>

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig UNUSED)
{
	interrupted = 1;
}

struct rings {
	struct perf_ring *v;
	size_t nr, alloc;
	int *extra_fds; /* off-CPU events writing into a ring */
	size_t nextra, extra_alloc;
};

static int event_config(const char *name, struct perf_event_attr *a, int *clock)
{
	static const struct {
		const char *name;
		uint32_t type;
		uint64_t config;
		int clock;
	} ev[] = {
	    {"cpu-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK, 1},
	    {"task-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK, 1},
	    {"page-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, 0},
	    {"cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, 0},
	    {"instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS, 0},
	    {"cache-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES, 0},
	    {"branch-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES,
	     0},
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
	long paranoid =
	    perf_read_long("/proc/sys/kernel/perf_event_paranoid", 2);

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
				   "/proc/sys/kernel/perf_event_paranoid", 2));
	}
	if (err == -EPERM && perf_event_open_fd(a, pid, cpu, -1) >= 0) {
		/* The event opens but its buffer cannot be locked. */
		s->st->env_error = 1;
		return error("cannot lock even one page of ring buffer: the "
			     "mlock budget (kernel.perf_event_mlock_kb = %ld "
			     "KiB) is used up; raise it with 'sysctl "
			     "kernel.perf_event_mlock_kb=2048' or run as root",
			     perf_read_long(
				 "/proc/sys/kernel/perf_event_mlock_kb", 516));
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
	if (s->o->user_only) {
		/*
		 * A context switch happens in the kernel: excluding the
		 * kernel would exclude every switch.  Only the kernel part
		 * of the call chain is left out.
		 */
		a.exclude_kernel = 0;
		a.exclude_callchain_kernel = 1;
	}
	fd = perf_ring_add(ring, &a, pid, cpu);
	if ((fd == -EACCES || fd == -EPERM) && base->exclude_kernel) {
		/* Not allowed to sample in the kernel: nothing to lose. */
		a.exclude_kernel = 1;
		fd = perf_ring_add(ring, &a, pid, cpu);
	}
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
		if (s->o->off_cpu &&
		    add_offcpu(s, r, &r->v[percpu[cpu]], a, tid, cpu) < 0)
			return -1;
		opened++;
	}
	return opened ? 0 : -1;
}

/*
 * Reading and processing are two threads: the loop that empties the ring
 * buffers only copies the records out (a batch per pass over the rings),
 * and a worker orders, unwinds and symbolizes them.  However long an
 * unwind, the load of a file's symbols or a first look at /proc takes,
 * the rings keep being emptied, so no sample is lost to it.
 */
struct batch_item {
	uint64_t time;
	size_t off;
};

struct batch {
	unsigned char *buf;
	size_t len, alloc;
	struct batch_item *items;
	size_t nr, items_alloc;
	uint64_t read_at; /* CLOCK_MONOTONIC ns when the pass began */
	struct batch *next;
};

struct worker {
	struct rec_session *s;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct batch *head, *tail; /* read, not processed yet */
	size_t queued;		   /* bytes in those batches */
	int done;		   /* no batch will follow */
	int ordered;		   /* record times are CLOCK_MONOTONIC */
	struct batch pending;	   /* too recent to process yet */
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

static void batch_push(struct batch *b, const void *rec, size_t size,
		       uint64_t time)
{
	ALLOC_GROW(b->buf, b->len + size, b->alloc);
	ALLOC_GROW(b->items, b->nr + 1, b->items_alloc);
	b->items[b->nr].time = time;
	b->items[b->nr].off = b->len;
	b->nr++;
	memcpy(b->buf + b->len, rec, size);
	b->len += size;
}

struct reader {
	struct rec_session *s;
	struct batch *b;
};

/*
 * Copy one record out of a ring.  A sample's copy of the user stack is
 * cut to what the kernel could copy (its dyn_size): the rest of the
 * --stack-size bytes holds nothing, and at 16 KiB a sample it would be
 * most of the memory held until the worker gets to it.  The stack is the
 * last field of perfops' samples.
 */
static void batch_add(const struct perf_event_header *h, void *ctx)
{
	struct reader *rd = ctx;
	struct rec_session *s = rd->s;
	struct perf_sample ps;
	struct perf_event_header nh;
	uint64_t keep, dyn;
	size_t head_len;
	unsigned char *at;

	if (h->type != PERF_RECORD_SAMPLE ||
	    !(s->sample_type & PERF_SAMPLE_STACK_USER) ||
	    perf_sample_parse(h, s->sample_type, s->regs_mask, &ps) < 0 ||
	    !ps.stack) {
		batch_push(rd->b, h, h->size, record_time(s, h));
		return;
	}
	/* Up to the stack's size field included, then the used bytes. */
	head_len = (size_t)(ps.stack - (const unsigned char *)h);
	dyn = ps.stack_size;
	keep = (dyn + 7) & ~7ull;
	nh = *h;
	/* A size of 0 has no data and no dyn_size after it. */
	nh.size = (uint16_t)(head_len + (keep ? keep + 8 : 0));
	batch_push(rd->b, &nh, sizeof(nh), ps.time);
	ALLOC_GROW(rd->b->buf, rd->b->len + nh.size, rd->b->alloc);
	at = rd->b->buf + rd->b->len;
	memcpy(at, (const unsigned char *)h + sizeof(nh),
	       head_len - sizeof(nh));
	memcpy(at + head_len - sizeof(nh) - 8, &keep, 8);
	if (keep) {
		memcpy(at + head_len - sizeof(nh), ps.stack, dyn);
		memset(at + head_len - sizeof(nh) + dyn, 0, keep - dyn);
		memcpy(at + head_len - sizeof(nh) + keep, &dyn, 8);
	}
	rd->b->len += nh.size - sizeof(nh);
}

static int cmp_item(const void *x, const void *y)
{
	const struct batch_item *a = x, *b = y;

	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	return a->off < b->off ? -1 : a->off > b->off;
}

static void batch_free(struct batch *b)
{
	free(b->buf);
	free(b->items);
	free(b);
}

/*
 * Process, in time order, the records of b and those kept from earlier
 * passes that are older than limit; keep the others.  Records are read
 * one ring after the other, so a record stamped just before a pass began
 * may still be on its way into a ring: only records older than the start
 * of the pass that read b (less a margin) are all in.  An
 * MMAP2 or an exec's COMM on one CPU is then always seen before the
 * samples that follow it on another.
 */
static void worker_process(struct worker *w, struct batch *b, uint64_t limit)
{
	struct batch *p = &w->pending, keep;
	size_t i;

	if (b)
		for (i = 0; i < b->nr; i++) {
			const struct perf_event_header *h =
			    (const void *)(b->buf + b->items[i].off);

			batch_push(p, h, h->size, b->items[i].time);
		}
	if (p->nr)
		qsort(p->items, p->nr, sizeof(*p->items), cmp_item);
	memset(&keep, 0, sizeof(keep));
	for (i = 0; i < p->nr; i++) {
		const struct perf_event_header *h =
		    (const void *)(p->buf + p->items[i].off);

		if (p->items[i].time >= limit)
			batch_push(&keep, h, h->size, p->items[i].time);
		else
			rec_process(w->s, h);
	}
	free(p->buf);
	free(p->items);
	*p = keep;
}

/* Records read but not processed yet, at most. */
#define QUEUE_MAX_BYTES (512u << 20)

/* The margin for records stamped but not yet in their ring. */
#define ORDER_MARGIN_NS 10000000ull

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	for (;;) {
		struct batch *b;

		pthread_mutex_lock(&w->mu);
		while (!w->head && !w->done)
			pthread_cond_wait(&w->cv, &w->mu);
		b = w->head;
		if (b) {
			w->head = b->next;
			if (!w->head)
				w->tail = NULL;
			w->queued -= b->len;
			pthread_cond_signal(&w->cv);
		}
		pthread_mutex_unlock(&w->mu);
		if (!b)
			break;
		worker_process(w, b,
			       !w->ordered ? UINT64_MAX
			       : b->read_at > ORDER_MARGIN_NS
				   ? b->read_at - ORDER_MARGIN_NS
				   : 0);
		batch_free(b);
	}
	/* The rings are empty and closed: everything left is complete. */
	worker_process(w, NULL, UINT64_MAX);
	return NULL;
}

static int worker_start(struct worker *w, struct rec_session *s, int ordered)
{
	sigset_t all, old;
	int err;

	memset(w, 0, sizeof(*w));
	w->s = s;
	w->ordered = ordered;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	/* Signals are the reading thread's business (SIGINT ends the
	 * recording there); the worker is created with them blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(&w->th, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->cv);
		return error("cannot start the symbolizing thread: %s",
			     strerror(err));
	}
	return 0;
}

static void worker_stop(struct worker *w)
{
	pthread_mutex_lock(&w->mu);
	w->done = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->th, NULL);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w->pending.buf);
	free(w->pending.items);
}

/* Copy every record out of every ring and hand them to the worker. */
static void drain(struct rec_session *s, struct rings *r, struct worker *w)
{
	struct reader rd = {s, xcalloc(1, sizeof(struct batch))};
	size_t i;

	rd.b->read_at = sys_now_ns();
	for (i = 0; i < r->nr; i++)
		perf_ring_read(&r->v[i], batch_add, &rd);
	if (!rd.b->nr) {
		batch_free(rd.b);
		return;
	}
	pthread_mutex_lock(&w->mu);
	/*
	 * A worker that cannot keep up must not take all the memory: past
	 * the cap the reader waits, the rings fill and the kernel counts
	 * what it drops (reported as lost samples).
	 */
	while (w->queued > QUEUE_MAX_BYTES)
		pthread_cond_wait(&w->cv, &w->mu);
	if (w->tail)
		w->tail->next = rd.b;
	else
		w->head = rd.b;
	w->tail = rd.b;
	w->queued += rd.b->len;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

/* Open per-thread events on every task of a running process. */
static int attach_pid(struct rec_session *s, struct rings *r, int *percpu,
		      struct perf_event_attr *a, int pid, unsigned pages)
{
	char what[64], comm[sizeof(((struct rec_thread *)0)->comm)];
	int *tids = NULL, ntids, n = 0, err, i;

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
	ntids = proc_tasks(pid, &tids);
	if (ntids < 0)
		return error_code(ntids, "cannot list the threads of %d", pid);
	err = sym_proc_read_maps(&s->sy, pid);
	if (err < 0) {
		free(tids);
		s->st->env_error = err == -EACCES || err == -EPERM;
		return error_code(err, "cannot read /proc/%d/maps", pid);
	}
	for (i = 0; i < ntids; i++) {
		snprintf(what, sizeof(what), "thread %d of process %d", tids[i],
			 pid);
		/* Threads that end while we attach are no error. */
		if (attach_thread(s, r, percpu, a, tids[i], pages, what) < 0) {
			if (kill(tids[i], 0) < 0 && errno == ESRCH)
				continue;
			free(tids);
			return -1;
		}
		proc_comm(pid, tids[i], comm, sizeof(comm));
		rec_thread_set(s, pid, tids[i], comm);
		n++;
	}
	free(tids);
	return n ? 0 : error("process %d has no threads left", pid);
}

static void setup_attr(struct rec_session *s, struct perf_event_attr *a)
{
	const struct record_opts *o = s->o;

	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP |
			 PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU |
			 PERF_SAMPLE_PERIOD | PERF_SAMPLE_CALLCHAIN;
	if (o->unwind != RECORD_UNWIND_FP) {
		a->sample_type |=
		    PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
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
	struct rings r = {NULL, 0, 0, NULL, 0, 0};
	struct worker w;
	int worker_on = 0;
	struct perf_event_attr a;
	struct sigaction sa, old_int, old_term;
	struct pollfd *pfd = NULL;
	struct spawn_held held = {-1, -1, -1};
	pid_t child = 0;
	int ret = -1, status = 0, child_done = 0;
	double start, stop_at;
	struct timespec wall;
	size_t i;

	memset(&s, 0, sizeof(s));
	s.o = o;
	s.p = p;
	s.st = st;
	profile_release(p);
	profile_init(p, o->off_cpu ? 4 : 2);
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
	if (o->off_cpu) {
		/* pprof viewers pick one type: keep blocked time apart. */
		profile_set_type(p, REC_OFFCPU, "offcpu", "nanoseconds");
		profile_set_type(p, REC_WALL, "wall", "nanoseconds");
		p->main_value = REC_WALL;
	}
	p->period_ns = o->freq ? 1000000000ull / o->freq : 0;

	if (o->argv) {
		struct spawn_opts so = {.argv = o->argv,
					.stdin_fd = -1,
					.stdout_fd = -1,
					.stderr_fd = -1,
					.drain_fd = -1};
		int err = spawn_hold(&so, &held);

		if (err < 0) {
			error_code(err, "cannot start '%s'", o->argv[0]);
			goto out;
		}
		child = held.pid;
	}
	if (open_all(&s, &r, &a, child) < 0)
		goto out;
	/*
	 * Read /proc/kallsyms now rather than at the first kernel sample:
	 * the symbols of a short-lived process must be read while it is
	 * still there, not after a stall of the worker behind it.
	 */
	if (!a.exclude_kernel)
		sym_kernel(&s.sy, 0);
	if (worker_start(&w, &s, a.use_clockid) < 0)
		goto out;
	worker_on = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	interrupted = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	clock_gettime(CLOCK_REALTIME, &wall);
	p->time_ns = (uint64_t)wall.tv_sec * 1000000000ull + wall.tv_nsec;
	start = sys_now();
	stop_at = o->duration > 0 ? start + o->duration : 0;
	if (!child)
		for (i = 0; i < r.nr; i++)
			perf_ring_enable(&r.v[i]);
	if (child) {
		/* Let the command exec; an exec error comes back here. */
		int err = spawn_go(&held);

		if (err < 0) {
			error("cannot run '%s': %s", o->argv[0],
			      strerror(-err));
			child = 0;
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
		drain(&s, &r, &w);
		if (interrupted) {
			st->interrupted = 1;
			break;
		}
		if (stop_at && sys_now() >= stop_at)
			break;
		if (child && spawn_reap(child, &status)) {
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
	st->seconds = sys_now() - start;
	drain(&s, &r, &w);
	ret = 0;
restore:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
out:
	if (held.go_fd >= 0) {
		/* Never released: the command must not run unrecorded. */
		spawn_abort(&held);
		child = 0;
	}
	if (child > 0 && !child_done) {
		/* Like perf record: the command ends with the recording. */
		spawn_stop(child, &status);
	}
	st->target_ended = child_done;
	if (child > 0)
		st->target_status = spawn_exit_status(status);
	p->duration_ns = (uint64_t)(st->seconds * 1e9);
	for (i = 0; i < r.nextra; i++)
		close(r.extra_fds[i]);
	for (i = 0; i < r.nr; i++)
		perf_ring_close(&r.v[i]);
	free(r.v);
	free(r.extra_fds);
	free(pfd);
	if (worker_on)
		worker_stop(&w);
	rec_process_finish(&s);
	free(s.offcpu_ids);
	rec_process_release(&s);
	sym_report_stripped(&s.sy);
	sym_release(&s.sy);
	return ret;
}
