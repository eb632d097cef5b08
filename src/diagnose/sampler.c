#include "core/compat.h"
#include "core/error.h"
#include "diagnose/diagnose.h"
#include "sys/procfs.h"
#include "sys/spawn.h"

/*
 * The sampler keeps the previous readings of every counter so that each
 * sample holds rates over its own interval.  Threads are matched by TID
 * (sorted, binary search); a thread born since the last sample counts
 * from zero.  The process tree is rescanned four times a second (a walk
 * of /proc: our cost, not the process's).  smaps_rollup and the fd table
 * are read once a second: they are the only readings that take a lock
 * the watched process also takes.
 */
struct proc_seen {
	pid_t pid;
	uint64_t start, own, children; /* clock ticks */
};

struct diag_sampler {
	pid_t pid;
	struct diag_series *out;
	struct proc_thread *prev, *cur;
	size_t nprev, aprev, ncur, acur;
	pid_t *procs;
	size_t nprocs, aprocs;
	uint64_t root_start;
	double t0, last_t, slow_t, tree_t;
	int have_prev;
	int gone; /* a started command that was over before the first look */
	/* process tree totals at the previous sample */
	uint64_t minflt, majflt, read_bytes, write_bytes, sysc;
	uint64_t pss;
	int nfds;
	long fd_limit;
	struct sys_counters sys;
	/* The processes read at the previous sample, for the CPU time of
	 * children that ended between two scans (see reaped_cpu()). */
	struct proc_seen *seen, *seen_new;
	size_t nseen, aseen, nseen_new, aseen_new;
	uint64_t debt; /* ticks of ended children not yet reaped */
	double debt_t; /* when the debt was last added to */
};

/* Swap two buffers (this sample's become the next one's previous). */
#define SWAP(a, b)                                                             \
	do {                                                                   \
		__typeof__(a) swap_ = (a);                                     \
		(a) = (b);                                                     \
		(b) = swap_;                                                   \
	} while (0)

#define SLOW_EVERY 1.0 /* seconds between the costlier readings */
/* Between scans for child processes: a shell's children show up early. */
#define TREE_EVERY 0.25

void diag_series_release(struct diag_series *s)
{
	free(s->s);
	s->s = NULL;
	s->n = s->alloc = 0;
}

static int cmp_tid(const void *a, const void *b)
{
	const struct proc_thread *x = a, *y = b;

	return (x->tid > y->tid) - (x->tid < y->tid);
}

static const struct proc_thread *find_prev(const struct diag_sampler *s,
					   pid_t tid)
{
	struct proc_thread key = {.tid = tid};

	if (!s->nprev)
		return NULL;
	return bsearch(&key, s->prev, s->nprev, sizeof(key), cmp_tid);
}

static int access_denied(pid_t pid, const char *file)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		char c;
		int denied = read(fd, &c, 1) < 0 && errno == EACCES;

		close(fd);
		return denied;
	}
	return errno == EACCES;
}

struct diag_sampler *diag_sampler_new(pid_t pid, struct diag_series *out,
				      int started)
{
	struct diag_sampler *s = xcalloc(1, sizeof(*s));
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	struct sys_counters sys;

	s->pid = pid;
	s->out = out;
	out->ncpus = n > 0 ? (int)n : 1;
	out->system = pid == 0;
	out->timed_states = 1;
	out->pid = pid;
	if (!procfs_read_system(&sys))
		out->mem_total = sys.mem_total;
	if (pid > 0) {
		struct proc_counters pc;
		int e = procfs_read_process(pid, &pc, 0);

		if (e == -ENOENT && started) {
			s->gone = 1;
		} else if (e < 0) {
			free(s);
			if (e == -ENOENT)
				error("no process %d (has it exited?)", pid);
			else
				error_code(e, "cannot read /proc/%d", pid);
			return NULL;
		}
		s->root_start = pc.start_ticks;
		if (!s->gone && !pc.io_ok && access_denied(pid, "io"))
			warning("cannot read /proc/%d/io (another user's "
				"process?): its I/O figures will be 0; run as "
				"its user or root",
				pid);
	}
	s->t0 = sys_now();
	s->slow_t = -SLOW_EVERY;
	s->tree_t = -TREE_EVERY;
	return s;
}

void diag_sampler_free(struct diag_sampler *s)
{
	if (!s)
		return;
	free(s->prev);
	free(s->cur);
	free(s->procs);
	free(s->seen);
	free(s->seen_new);
	free(s);
}

static double rate(uint64_t now, uint64_t before, double dt)
{
	return dt > 0 && now > before ? (double)(now - before) / dt : 0;
}

/* Wait channels of a thread waiting for the network or for events. */
static int is_net_wait(const char *wchan)
{
	static const char *const marks[] = {"epoll", "poll", "select", "sock",
					    "tcp",   "inet", "unix_",  "skb"};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(marks); i++)
		if (strstr(wchan, marks[i]))
			return 1;
	return 0;
}

/* Per-thread deltas and states into d; cur holds this sample's threads. */
static void add_threads(struct diag_sampler *s, struct diag_sample *d)
{
	double top = -1, dt, r_cpu, r_wait;
	size_t i;

	qsort(s->cur, s->ncur, sizeof(*s->cur), cmp_tid);
	d->nthreads = (int)s->ncur;
	for (i = 0; i < s->ncur; i++) {
		struct proc_thread *t = &s->cur[i];
		const struct proc_thread *p = find_prev(s, t->tid);
		uint64_t run = t->run_ns, wait = t->wait_ns;

		/* Woken from a futex but not yet run counts as the futex:
		 * a lock handed over, waiting for a CPU. */
		int futex = !strncmp(t->wchan, "futex", 5) &&
			    (t->state == 'R' || t->state == 'S');
		char was = p ? p->blocked : 0;
		double off;

		/* How it blocks: as seen now, or as last seen blocked. */
		t->blocked = t->state != 'R' ? t->state : futex ? 'S' : was;

		if (futex)
			d->st_futex++;
		else if (t->state == 'R')
			d->st_run++;
		else if (t->state == 'D') {
			d->st_disk++;
			if (t->wchan[0])
				snprintf(d->disk_wchan, sizeof(d->disk_wchan),
					 "%s", t->wchan);
		} else if (is_net_wait(t->wchan)) {
			d->st_net++;
		} else {
			d->st_sleep++;
		}
		if (d->dt <= 0)
			continue;
		/* A thread new since the last sample counts from zero.  Its
		 * own interval is between its own two readings: reading
		 * many threads on a busy machine takes a while. */
		dt = d->dt;
		if (p) {
			run -= MIN(p->run_ns, run);
			wait -= MIN(p->wait_ns, wait);
			if (t->when > p->when)
				dt = t->when - p->when;
		}
		/* A thread runs or waits on one CPU at most: more is the
		 * skew of reading its counters late (our own process is
		 * preempted too on a busy machine). */
		r_cpu = MIN(1.0, (double)run / 1e9 / dt);
		r_wait = MIN(1.0 - r_cpu, (double)wait / 1e9 / dt);
		d->cpu += r_cpu;
		d->wait += r_wait;
		/* Its time off a CPU, in D when it blocked in D at both ends
		 * of the interval, half of it when at one end only. */
		off = 1.0 - r_cpu - r_wait;
		if (p && was != t->blocked)
			d->t_disk +=
			    off * 0.5 * ((was == 'D') + (t->blocked == 'D'));
		else if (t->blocked == 'D')
			d->t_disk += off;
		if (r_cpu + r_wait >= 0.5)
			d->busy_threads++;
		if (r_cpu + r_wait > top) {
			top = r_cpu + r_wait;
			d->top_tid = t->tid;
			d->top_running = t->state == 'R' && !futex;
			d->top_cpu = r_cpu;
		}
		if (p) {
			d->vcsw += rate(t->vcsw, p->vcsw, dt);
			d->ivcsw += rate(t->ivcsw, p->ivcsw, dt);
		}
	}
	d->top_demand = top > 0 ? top : 0;
}

static const struct proc_seen *find_seen(const struct proc_seen *v, size_t n,
					 const struct proc_seen *p)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].pid == p->pid && v[i].start == p->start)
			return &v[i];
	return NULL;
}

/*
 * CPUs' worth of time used by child processes that ended between two
 * scans of the tree: their parents' cutime + cstime grew by more than the
 * time of the watched processes that ended (counted already, thread by
 * thread, up to their last sample).  An ended child not reaped yet (a
 * zombie) is owed for a second.  Swaps seen_new into seen.
 */
static double reaped_cpu(struct diag_sampler *s, double dt)
{
	static long tck;
	uint64_t grew = 0, extra = 0;
	size_t i;

	if (!tck)
		tck = sysconf(_SC_CLK_TCK) > 0 ? sysconf(_SC_CLK_TCK) : 100;
	for (i = 0; s->have_prev && i < s->nseen_new; i++) {
		const struct proc_seen *was =
		    find_seen(s->seen, s->nseen, &s->seen_new[i]);

		if (was && s->seen_new[i].children > was->children)
			grew += s->seen_new[i].children - was->children;
	}
	for (i = 0; s->have_prev && i < s->nseen; i++) {
		if (!find_seen(s->seen_new, s->nseen_new, &s->seen[i])) {
			s->debt += s->seen[i].own + s->seen[i].children;
			s->debt_t = s->last_t;
		}
	}
	if (s->last_t - s->debt_t > 1.0)
		s->debt = 0;
	if (grew > s->debt)
		extra = grew - s->debt;
	s->debt -= MIN(s->debt, grew);
	SWAP(s->seen, s->seen_new);
	SWAP(s->aseen, s->aseen_new);
	s->nseen = s->nseen_new;
	s->nseen_new = 0;
	return dt > 0 ? (double)extra / (double)tck / dt : 0;
}

static void add_process(struct diag_sampler *s, struct diag_sample *d, int slow)
{
	uint64_t minflt = 0, majflt = 0, rb = 0, wb = 0, sysc = 0, pss = 0;
	size_t i;

	d->nprocs = (int)s->nprocs;
	d->nfds = s->nfds;
	d->fd_limit = s->fd_limit;
	for (i = 0; i < s->nprocs; i++) {
		struct proc_counters pc;
		unsigned fl = slow ? PROCFS_PSS : 0;

		if (slow && i == 0)
			fl |= PROCFS_FDS;
		if (procfs_read_process(s->procs[i], &pc, fl) < 0)
			continue;
		minflt += pc.minflt;
		majflt += pc.majflt;
		rb += pc.read_bytes;
		wb += pc.write_bytes;
		sysc += pc.syscr + pc.syscw;
		d->rss += pc.rss;
		pss += pc.pss;
		if (slow && i == 0) {
			d->nfds = s->nfds = pc.nfds;
			d->fd_limit = s->fd_limit = pc.fd_limit;
		}
		ALLOC_GROW(s->seen_new, s->nseen_new + 1, s->aseen_new);
		s->seen_new[s->nseen_new++] =
		    (struct proc_seen){s->procs[i], pc.start_ticks,
				       pc.cpu_ticks, pc.children_ticks};
	}
	d->cpu += reaped_cpu(s, d->dt);
	if (slow)
		s->pss = pss;
	d->pss = s->pss;
	if (s->have_prev) {
		d->minflt = rate(minflt, s->minflt, d->dt);
		d->majflt = rate(majflt, s->majflt, d->dt);
		d->read_bps = rate(rb, s->read_bytes, d->dt);
		d->write_bps = rate(wb, s->write_bytes, d->dt);
		d->syscalls = rate(sysc, s->sysc, d->dt);
	}
	s->minflt = minflt;
	s->majflt = majflt;
	s->read_bytes = rb;
	s->write_bytes = wb;
	s->sysc = sysc;
}

static double psi_rate(const struct proc_psi *now, const struct proc_psi *was,
		       int full, double dt)
{
	uint64_t a = full ? now->full_us : now->some_us;
	uint64_t b = full ? was->full_us : was->some_us;

	if (!now->ok || !was->ok || dt <= 0 || a < b)
		return 0;
	return MIN(100.0, (double)(a - b) / 1e4 / dt);
}

static void add_system(struct diag_sampler *s, struct diag_sample *d,
		       const struct sys_counters *now)
{
	const struct sys_counters *was = &s->sys;
	uint64_t total = 0, idle, iowait, steal;
	int i;

	d->load1 = now->load[0];
	d->procs_running = now->procs_running;
	d->procs_blocked = now->procs_blocked;
	d->mem_avail = now->mem_avail;
	if (!s->have_prev)
		return;
	for (i = 0; i < 8; i++)
		total += now->cpu[i] - MIN(was->cpu[i], now->cpu[i]);
	idle = now->cpu[3] - MIN(was->cpu[3], now->cpu[3]);
	iowait = now->cpu[4] - MIN(was->cpu[4], now->cpu[4]);
	steal = now->cpu[7] - MIN(was->cpu[7], now->cpu[7]);
	if (total) {
		d->sys_busy = 1.0 - (double)(idle + iowait) / (double)total;
		d->sys_iowait = (double)iowait / (double)total;
		d->sys_steal = (double)steal / (double)total;
	}
	d->psi_cpu = psi_rate(&now->psi_cpu, &was->psi_cpu, 0, d->dt);
	d->psi_mem = psi_rate(&now->psi_mem, &was->psi_mem, 0, d->dt);
	d->psi_mem_full = psi_rate(&now->psi_mem, &was->psi_mem, 1, d->dt);
	d->psi_io = psi_rate(&now->psi_io, &was->psi_io, 0, d->dt);
	d->psi_io_full = psi_rate(&now->psi_io, &was->psi_io, 1, d->dt);
}

/* In system mode the "process" is the machine: CPUs busy, memory in use,
 * tasks running and blocked. */
static void system_as_process(const struct diag_series *ser,
			      struct diag_sample *d)
{
	d->cpu = d->sys_busy * ser->ncpus;
	d->top_demand = 0;
	d->rss =
	    ser->mem_total > d->mem_avail ? ser->mem_total - d->mem_avail : 0;
	d->st_run = d->procs_running;
	d->st_disk = d->procs_blocked;
	d->t_disk = d->procs_blocked;
}

int diag_sampler_sample(struct diag_sampler *s)
{
	struct diag_series *ser = s->out;
	struct diag_sample d;
	struct sys_counters sys;
	double now = sys_now();
	int slow = now - s->slow_t >= SLOW_EVERY, e;
	size_t i;

	memset(&d, 0, sizeof(d));
	d.t = now - s->t0;
	d.dt = s->have_prev ? now - s->last_t : 0;
	d.nfds = -1;
	d.fd_limit = -1;
	if (s->gone)
		return -ENOENT;
	if (s->pid > 0) {
		struct proc_counters pc;

		/* A PID reused by another process is the end of ours. */
		e = procfs_read_process(s->pid, &pc, 0);
		if (e < 0 || pc.start_ticks != s->root_start)
			return -ENOENT;
		if (now - s->tree_t >= TREE_EVERY || !s->nprocs) {
			s->tree_t = now;
			s->nprocs = 0;
			ALLOC_GROW(s->procs, 1, s->aprocs);
			s->procs[s->nprocs++] = s->pid;
			procfs_descendants(s->pid, &s->procs, &s->nprocs,
					   &s->aprocs);
		}
		s->ncur = 0;
		for (i = 0; i < s->nprocs; i++)
			procfs_read_threads(s->procs[i], &s->cur, &s->ncur,
					    &s->acur);
		add_threads(s, &d);
		add_process(s, &d, slow);
	}
	if (!procfs_read_system(&sys)) {
		add_system(s, &d, &sys);
		s->sys = sys;
	}
	if (s->pid == 0)
		system_as_process(ser, &d);
	if (slow)
		s->slow_t = now;
	ALLOC_GROW(ser->s, ser->n + 1, ser->alloc);
	ser->s[ser->n++] = d;
	/* This sample's threads are the next one's previous. */
	SWAP(s->prev, s->cur);
	SWAP(s->aprev, s->acur);
	s->nprev = s->ncur;
	s->have_prev = 1;
	s->last_t = now;
	return 0;
}
