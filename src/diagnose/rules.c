#include "core/compat.h"
#include "core/stats.h"
#include "diagnose/diagnose.h"
#include <math.h>

/*
 * The rules of the decision tree.  Each looks at the whole series and
 * decides from figures only (never from a program's name); the figures
 * that decided go into the evidence, and the confidence grows with the
 * margin by which they pass the threshold.
 */

static const char *const id_names[DIAG_NIDS] = {
    [DIAG_CPU_ONE_CORE] = "cpu_one_core",
    [DIAG_CPU_ALL_CORES] = "cpu_all_cores",
    [DIAG_CPU_PERIODIC] = "cpu_periodic",
    [DIAG_MEMORY_GROWING] = "memory_growing",
    [DIAG_MEMORY_SUDDEN] = "memory_sudden",
    [DIAG_MEMORY_STABLE_HIGH] = "memory_stable_high",
    [DIAG_IO_BOUND] = "io_bound",
    [DIAG_LOCK_CONTENTION] = "lock_contention",
    [DIAG_SYSTEM_CPU_SATURATED] = "system_cpu_saturated",
    [DIAG_RESOURCE_EXHAUSTION] = "resource_exhaustion",
    [DIAG_SLOW_ALL_ENDPOINTS] = "slow_all_endpoints",
    [DIAG_SLOW_ONE_ENDPOINT] = "slow_one_endpoint",
    [DIAG_LATENCY_SPIKES] = "latency_spikes",
    [DIAG_THROUGHPUT_CPU_BOUND] = "throughput_cpu_bound",
    [DIAG_THROUGHPUT_IO_BOUND] = "throughput_io_bound",
};

const char *diag_id_name(enum diag_id id)
{
	return id < DIAG_NIDS ? id_names[id] : "unknown";
}

int diag_id_from_name(const char *name)
{
	int i;

	for (i = 0; i < DIAG_NIDS; i++)
		if (!strcmp(id_names[i], name))
			return i;
	return -1;
}

#define MIB (1024.0 * 1024.0)

void diag_thresholds_init(struct diag_thresholds *th)
{
	th->one_core = 0.8;
	th->all_cores_gap = 0.5;
	th->seen_running = 0.6;
	th->fair_share = 0.3;
	th->periodic_acf = 0.4;
	th->periodic_swing = 0.3;
	th->grow_r2 = 0.8;
	th->grow_min = 8 << 20;
	th->sudden_min = 32 << 20;
	th->sudden_window = 1.0;
	th->high_mem = 0;
	th->io_share = 0.3;
	th->lock_futex = 0.3;
	th->lock_vcsw = 100; /* per CPU-second the process used */
	th->lock_demand = 0.5;
	th->sat_busy = 0.9;
	th->sat_wait = 0.2;
	th->fd_ratio = 0.8;
	th->psi_full = 10;
	th->slow_ms = 100;
	th->slow_one_ratio = 5;
	th->slow_one_gap = 10;
	th->spike_ratio = 10;
	th->spike_gap = 50;
	th->queue_ratio = 3;
	th->queue_gap = 5;
	th->busy_cpu = 0.8;
}

/* 0 below lo, 1 above hi, linear between. */
double diag_ramp(double x, double lo, double hi)
{
	if (x <= lo)
		return 0;
	if (x >= hi)
		return 1;
	return (x - lo) / (hi - lo);
}

/* A confidence between base and 1 that grows with the margin. */
double diag_conf(double base, double x, double lo, double hi)
{
	return base + (1 - base) * diag_ramp(x, lo, hi);
}

/* Loops over the samples with an interval start at 1: the first sample
 * is the baseline. */

static size_t nintervals(const struct diag_series *s)
{
	return s->n ? s->n - 1 : 0;
}

/* The median over the intervals of the field at offset off (a double). */
static double median_of(const struct diag_series *s, size_t off)
{
	double *v = xmalloc((s->n + 1) * sizeof(*v)), m;
	size_t i, n = 0;

	for (i = 1; i < s->n; i++) {
		v[n++] = *(const double *)((const char *)&s->s[i] + off);
	}
	m = n ? stats_median(v, n) : 0;
	free(v);
	return m;
}

static double mean_of(const struct diag_series *s, size_t off)
{
	double sum = 0;
	size_t i, n = 0;

	for (i = 1; i < s->n; i++) {
		sum += *(const double *)((const char *)&s->s[i] + off);
		n++;
	}
	return n ? sum / (double)n : 0;
}

#define MEDIAN(s, field) median_of((s), offsetof(struct diag_sample, field))
#define MEAN(s, field) mean_of((s), offsetof(struct diag_sample, field))

/* The demand of the process: CPUs it used plus CPUs it waited for. */
static double *demand_series(const struct diag_series *s, size_t *n)
{
	double *v = xmalloc((s->n + 1) * sizeof(*v));
	size_t i;

	*n = 0;
	for (i = 1; i < s->n; i++) {
		v[(*n)++] = s->s[i].cpu + s->s[i].wait;
	}
	return v;
}

/*
 * The demand on a uniform time grid of step *step (the median sampling
 * interval): each cell the time-weighted mean of the samples that overlap
 * it.  A sampler that runs late on a busy machine leaves long intervals;
 * counted as one sample each they would stretch every lag, and a period
 * measured in samples would come out too long.
 */
static double *uniform_demand(const struct diag_series *s, size_t *n,
			      double *step)
{
	double *dts = xmalloc((s->n + 1) * sizeof(*dts)), *v, h, t0, t1;
	size_t i, k, m = 0, cells;

	*n = 0;
	*step = 0;
	for (i = 1; i < s->n; i++)
		if (s->s[i].dt > 0)
			dts[m++] = s->s[i].dt;
	h = m ? stats_median(dts, m) : 0;
	free(dts);
	if (h <= 0)
		return xmalloc(sizeof(*v));
	t0 = s->s[1].t - s->s[1].dt;
	t1 = s->s[s->n - 1].t;
	cells = (size_t)((t1 - t0) / h + 1e-9);
	v = xcalloc(cells + 1, sizeof(*v));
	for (i = 1, k = 0; k < cells && i < s->n; k++) {
		double a = t0 + h * (double)k, b = a + h;

		/* The samples overlapping [a, b), each for its share. */
		while (i < s->n && s->s[i].t <= a)
			i++;
		for (size_t j = i; j < s->n; j++) {
			double lo = MAX(a, s->s[j].t - s->s[j].dt);
			double hi = MIN(b, s->s[j].t);

			if (hi > lo)
				v[k] += (s->s[j].cpu + s->s[j].wait) *
					(hi - lo) / h;
			if (s->s[j].t >= b)
				break;
		}
	}
	*n = cells;
	*step = h;
	return v;
}

static double median_demand(const struct diag_series *s)
{
	size_t n;
	double *v = demand_series(s, &n), m = n ? stats_median(v, n) : 0;

	free(v);
	return m;
}

static int all_cores_threshold_met(const struct diag_series *s,
				   const struct diag_thresholds *th,
				   double *need)
{
	*need = MAX(1.5, (double)s->ncpus - th->all_cores_gap);
	return !s->system && median_demand(s) >= *need;
}

/*
 * Whether what was measured as demand was mostly spent on a CPU, as far as
 * the machine allowed: a CPU-bound thread gets about its fair share of a
 * busy machine (CPUs over runnable tasks), while a thread that blocks
 * often runs a few microseconds per wakeup and spends the rest of its
 * "demand" queued (the scheduler may count a blocked thread as queued).
 */
static int got_fair_share(const struct diag_series *s,
			  const struct diag_thresholds *th, double used,
			  double demand, double *fair)
{
	double running = 0;
	size_t i;

	for (i = 1; i < s->n; i++)
		running += s->s[i].procs_running;
	running = s->n > 1 ? running / (double)(s->n - 1) : 0;
	*fair = running > s->ncpus ? (double)s->ncpus / running : 1.0;
	return demand > 0 && used / demand >= th->fair_share * *fair;
}

static int rule_one_core(const struct diag_series *s,
			 const struct diag_thresholds *th,
			 struct diag_finding *f)
{
	double top = MEDIAN(s, top_demand), cpu = MEDIAN(s, cpu), need, fair;
	pid_t tid = 0;
	size_t i, running = 0, n = 0;

	if (s->system || top < th->one_core ||
	    all_cores_threshold_met(s, th, &need))
		return 0;
	/* Run-queue wait can count a thread that blocks as runnable (the
	 * scheduler may keep it queued a while): it must also be seen
	 * running or runnable at most samples. */
	for (i = 1; i < s->n; i++) {
		tid = s->s[i].top_tid;
		running += s->s[i].top_running;
		n++;
	}
	if ((double)running < th->seen_running * (double)n ||
	    !got_fair_share(s, th, MEAN(s, top_cpu), MEAN(s, top_demand),
			    &fair))
		return 0;
	f->confidence = diag_conf(0.6, top, th->one_core, 0.98);
	snprintf(f->evidence, sizeof(f->evidence),
		 "its busiest thread (TID %d) was on a CPU or runnable %.0f%% "
		 "of the time (median); the process used %.2f of %d CPUs: "
		 "one thread is CPU-bound",
		 tid, 100 * MIN(top, 1.0), cpu, s->ncpus);
	return 1;
}

static int rule_lock(const struct diag_series *s,
		     const struct diag_thresholds *th, struct diag_finding *f);

static int rule_all_cores(const struct diag_series *s,
			  const struct diag_thresholds *th,
			  struct diag_finding *f)
{
	double need, d, cpu = MEDIAN(s, cpu), busy = 0, running = 0, fair;
	int procs = 0, threads = 0;
	size_t i, n = 0;
	struct diag_finding lock;

	/* Threads that queue on a lock are runnable at each handover: on a
	 * busy machine they look like demand, but the lock is the cause. */
	if (!all_cores_threshold_met(s, th, &need) || rule_lock(s, th, &lock))
		return 0;
	d = median_demand(s);
	for (i = 1; i < s->n; i++) {
		running += s->s[i].st_run;
		busy += s->s[i].busy_threads;
		procs = MAX(procs, s->s[i].nprocs);
		threads = MAX(threads, s->s[i].nthreads);
		n++;
	}
	busy /= (double)n;
	/* Demand must be seen too: threads running or runnable at the
	 * samples (see rule_one_core). */
	if (running / (double)n < th->seen_running * (need - 0.5) ||
	    !got_fair_share(s, th, MEAN(s, cpu), d, &fair))
		return 0;
	f->confidence = diag_conf(0.6, d, need, (double)s->ncpus);
	snprintf(f->evidence, sizeof(f->evidence),
		 "it wanted %.2f CPUs of %d (used %.2f, waited for a CPU the "
		 "rest), with %.1f threads busy on average out of %d threads "
		 "in %d process%s: every core is taken",
		 d, s->ncpus, cpu, busy, threads, procs,
		 procs == 1 ? "" : "es");
	return 1;
}

static int rule_periodic(const struct diag_series *s,
			 const struct diag_thresholds *th,
			 struct diag_finding *f)
{
	size_t n;
	double dt, *v = uniform_demand(s, &n, &dt), acf, lag, p10, p90;
	int ret = 0;

	if (n < 8)
		goto out;
	lag = diag_period(v, n, &acf);
	if (lag <= 0 || acf < th->periodic_acf)
		goto out;
	stats_sort(v, n);
	p10 = stats_percentile_sorted(v, n, 10);
	p90 = stats_percentile_sorted(v, n, 90);
	if (p90 - p10 < th->periodic_swing)
		goto out;
	f->period = lag * dt;
	f->confidence = diag_conf(0.5, acf, th->periodic_acf, 0.9);
	snprintf(f->evidence, sizeof(f->evidence),
		 "%s demand swings between %.2f and %.2f CPUs every %.2f s "
		 "(autocorrelation %.2f at that lag, %.1f periods seen)",
		 s->system ? "the machine's CPU" : "its CPU", p10, p90,
		 f->period, acf, (double)n / lag);
	ret = 1;
out:
	free(v);
	return ret;
}

/* The memory figures the memory rules share. */
struct mem_shape {
	double first, last, lo, hi;
	double jump;	     /* largest rise within the sudden window */
	double jump_at;	     /* when it ended, seconds */
	double drop;	     /* largest fall from an earlier peak */
	double kept;	     /* largest fall never regained: no later
			      * sample passes the peak it fell from */
	double window;	     /* the sudden window used, seconds */
	struct diag_fit fit; /* bytes over seconds */
	size_t n;
};

/*
 * The memory of a tree of several processes is their PSS: their RSS
 * counts each shared page once per process that touched it (PostgreSQL's
 * backends each map shared_buffers: 14 of them "grew" from 267 to 620 MiB
 * while PSS went from 66 to 102 MiB).  PSS is read once a second; one
 * process (or a series without PSS, or the machine) keeps its RSS.
 */
static int mem_is_pss(const struct diag_series *s)
{
	int procs = 0;
	size_t i;

	if (s->system)
		return 0;
	for (i = 0; i < s->n; i++) {
		if (!s->s[i].pss)
			return 0;
		procs = MAX(procs, s->s[i].nprocs);
	}
	return procs > 1;
}

static void mem_shape(const struct diag_series *s, double window,
		      struct mem_shape *m)
{
	double *x = xmalloc((s->n + 1) * sizeof(*x));
	double *y = xmalloc((s->n + 1) * sizeof(*y)), peak = 0, later;
	int pss = mem_is_pss(s);
	size_t i, j;

	memset(m, 0, sizeof(*m));
	m->lo = INFINITY;
	/* Samples further apart than the window still see a jump between
	 * two of them. */
	window = MAX(window, 1.5 * MEDIAN(s, dt));
	m->window = window;
	for (i = 0; i < s->n; i++) {
		x[i] = s->s[i].t;
		y[i] = (double)(pss ? s->s[i].pss : s->s[i].rss);
		m->lo = MIN(m->lo, y[i]);
		m->hi = MAX(m->hi, y[i]);
		peak = MAX(peak, y[i]);
		m->drop = MAX(m->drop, peak - y[i]);
		for (j = i;
		     j-- > 0 && s->s[i].t - s->s[j].t <= window + 1e-9;) {
			if (y[i] - y[j] > m->jump) {
				m->jump = y[i] - y[j];
				m->jump_at = x[i];
			}
		}
	}
	m->n = s->n;
	if (s->n) {
		m->first = y[0];
		m->last = y[s->n - 1];
	}
	/* From the end: the highest later sample tells whether the fall
	 * from the peak before it was regained. */
	for (i = 0, peak = 0; i < s->n; i++)
		x[i] = peak = MAX(peak, y[i]); /* the peak up to i */
	for (i = s->n, later = -1; i-- > 0;) {
		if (later < x[i])
			m->kept = MAX(m->kept, x[i] - y[i]);
		later = MAX(later, y[i]);
	}
	for (i = 0; i < s->n; i++)
		x[i] = s->s[i].t;
	diag_fit_line(x, y, s->n, &m->fit);
	free(x);
	free(y);
}

static const char *mem_word(const struct diag_series *s)
{
	if (s->system)
		return "memory in use";
	return mem_is_pss(s) ? "PSS of its processes (shared pages shared out)"
			     : "RSS";
}

static int is_sudden(const struct mem_shape *m,
		     const struct diag_thresholds *th)
{
	double rise = m->hi - m->lo;

	return m->jump >= (double)th->sudden_min && rise > 0 &&
	       m->jump >= 0.5 * rise;
}

static int rule_growing(const struct diag_series *s,
			const struct diag_thresholds *th,
			struct diag_finding *f)
{
	struct mem_shape m;
	double growth, span;

	if (s->n < 5)
		return 0;
	mem_shape(s, th->sudden_window, &m);
	growth = m.last - m.first;
	span = s->s[s->n - 1].t - s->s[0].t;
	if (is_sudden(&m, th) || growth < (double)th->grow_min ||
	    growth < 0.05 * m.first || isnan(m.fit.r2) ||
	    m.fit.r2 < th->grow_r2 || m.kept > 0.1 * growth)
		return 0;
	/* A fall that is regained and passed is memory moved, not given
	 * back: a table copied to a larger one and the old one freed (a
	 * dict, a vector doubling), or a collection that frees less than
	 * what keeps piling up. */
	f->confidence = diag_conf(0.6, m.fit.r2, th->grow_r2, 0.99);
	snprintf(f->evidence, sizeof(f->evidence),
		 "%s grew from %.1f MiB to %.1f MiB in %.1f s, %.2f MiB/s by "
		 "a least-squares fit (R^2 %.3f), and %s (largest fall %.1f "
		 "MiB%s): it grows without being freed",
		 mem_word(s), m.first / MIB, m.last / MIB, span, m.fit.b / MIB,
		 m.fit.r2,
		 m.drop > 0.1 * growth ? "every large fall was regained"
				       : "never fell back",
		 m.drop / MIB,
		 m.drop > 0.1 * growth ? ", its peak passed again later" : "");
	return 1;
}

static int rule_sudden(const struct diag_series *s,
		       const struct diag_thresholds *th, struct diag_finding *f)
{
	struct mem_shape m;

	if (s->n < 2)
		return 0;
	mem_shape(s, th->sudden_window, &m);
	if (!is_sudden(&m, th))
		return 0;
	f->confidence = diag_conf(0.6, m.jump / (m.hi - m.lo), 0.5, 0.9);
	snprintf(f->evidence, sizeof(f->evidence),
		 "%s jumped by %.1f MiB within %.1f s (at %.1f s), %.0f%% of "
		 "its whole rise from %.1f MiB to %.1f MiB: one large "
		 "allocation",
		 mem_word(s), m.jump / MIB, m.window, m.jump_at,
		 100 * m.jump / (m.hi - m.lo), m.lo / MIB, m.hi / MIB);
	return 1;
}

static uint64_t high_mem(const struct diag_series *s,
			 const struct diag_thresholds *th)
{
	uint64_t tenth = s->mem_total / 10;

	if (th->high_mem)
		return th->high_mem;
	if (s->system)
		return s->mem_total * 8 / 10;
	return tenth && tenth < (256u << 20) ? tenth : 256u << 20;
}

static int rule_stable_high(const struct diag_series *s,
			    const struct diag_thresholds *th,
			    struct diag_finding *f)
{
	struct mem_shape m;
	uint64_t high = high_mem(s, th);
	double pss = 0;
	char pss_text[48] = "";

	if (s->n < 2)
		return 0;
	mem_shape(s, th->sudden_window, &m);
	if (m.lo < (double)high || m.hi - m.lo > 0.05 * m.hi)
		return 0;
	pss = (double)s->s[s->n - 1].pss;
	if (pss > 0)
		snprintf(pss_text, sizeof(pss_text), "; PSS %.1f MiB",
			 pss / MIB);
	f->confidence = diag_conf(0.5, m.lo / (double)high, 1, 4);
	snprintf(f->evidence, sizeof(f->evidence),
		 "%s stayed between %.1f and %.1f MiB (above the %.0f MiB "
		 "threshold, within 5%%)%s: high but stable, often a cache "
		 "or preloaded data; check it against the expected working "
		 "set",
		 mem_word(s), m.lo / MIB, m.hi / MIB, (double)high / MIB,
		 pss_text);
	return 1;
}

static int rule_io(const struct diag_series *s,
		   const struct diag_thresholds *th, struct diag_finding *f)
{
	double disk = 0, run = 0, cpu = 0, wait = 0, share, mean_d, need;
	double iowait, own;
	size_t i, n = 0;

	for (i = 1; i < s->n; i++) {
		disk += s->s[i].st_disk;
		run += s->s[i].st_run;
		cpu += s->s[i].cpu;
		wait += s->s[i].wait;
		n++;
	}
	if (!n)
		return 0;
	mean_d = disk / (double)n;
	iowait = MEAN(s, sys_iowait);
	if (s->system) {
		if (iowait < 0.2 && MEAN(s, psi_io) < 20)
			return 0;
		f->confidence = diag_conf(0.5, iowait, 0.2, 0.5);
		snprintf(f->evidence, sizeof(f->evidence),
			 "iowait %.0f%% of CPU time, %.1f tasks blocked on "
			 "I/O on average, I/O pressure %.0f%%",
			 100 * iowait, mean_d, MEAN(s, psi_io));
		return 1;
	}
	/* A runnable thread either computes or waits for a CPU; only the
	 * computing part competes with the disk for "what it is bound by"
	 * (on a busy machine an fsync writer is queued after every wakeup,
	 * which is system_cpu_saturated's business).  The time blocked in
	 * D is measured where the series has it: a thread that blocks for
	 * microseconds at a time is rarely caught in D at the instant of a
	 * sample, least of all when the disk is busy with other work. */
	if (s->timed_states) {
		disk = 0;
		for (i = 1; i < s->n; i++)
			disk += s->s[i].t_disk;
		/* Time queued for a CPU is the machine's doing
		 * (system_cpu_saturated); what is left is the threads' own,
		 * and the disk must be a fifth of that. */
		mean_d = disk / (double)n;
		own = mean_d / (1 - MIN(0.9, wait / (double)n));
		run = cpu;
	} else {
		own = mean_d;
		if (cpu + wait > 0)
			run *= cpu / (cpu + wait);
	}
	share = disk + run > 0 ? disk / (disk + run) : 0;
	if (share < th->io_share || own < 0.2 ||
	    all_cores_threshold_met(s, th, &need))
		return 0;
	{
		const char *wchan = "";

		for (i = 1; i < s->n; i++) {
			if (s->s[i].disk_wchan[0])
				wchan = s->s[i].disk_wchan;
		}
		f->confidence = diag_conf(0.6, share, th->io_share, 0.8);
		snprintf(f->evidence, sizeof(f->evidence),
			 "threads were in D state (waiting for I/O%s%s) "
			 "%.0f%% of the time they were computing or waiting "
			 "for I/O, %.2f threads on average (%.2f over the time "
			 "not queued for a CPU); storage reads "
			 "%.1f MiB/s, "
			 "writes %.1f MiB/s, %.0f read/write calls/s, %.0f "
			 "major faults/s; CPU %.2f of %d",
			 *wchan ? " in " : "", wchan, 100 * share, mean_d, own,
			 MEAN(s, read_bps) / MIB, MEAN(s, write_bps) / MIB,
			 MEAN(s, syscalls), MEAN(s, majflt), MEDIAN(s, cpu),
			 s->ncpus);
	}
	return 1;
}

static int rule_lock(const struct diag_series *s,
		     const struct diag_thresholds *th, struct diag_finding *f)
{
	double futex = 0, awake = 0, share, vcsw, switches = 0, used = 0;
	double per_cpu;
	int threads = 0;
	size_t i, n = 0;

	if (s->system)
		return 0;
	for (i = 1; i < s->n; i++) {
		const struct diag_sample *d = &s->s[i];

		futex += d->st_futex;
		awake += d->st_futex + d->st_run + d->st_disk;
		threads = MAX(threads, d->nthreads);
		switches += d->vcsw * d->dt;
		used += d->cpu * d->dt;
		n++;
	}
	vcsw = MEDIAN(s, vcsw);
	share = awake > 0 ? futex / awake : 0;
	/* A lock is handed over as often as its holders get to run: per
	 * second, a busy machine that runs the process a fifth of the time
	 * divides the switches by five (eight threads on one mutex: 840
	 * switches/s at 0.8 CPU, 63/s at 0.16 CPU at load 9).  Per
	 * CPU-second used, they are about the same (1500 and 440). */
	per_cpu = used > 0 ? switches / used : 0;
	/* An idle pool also sleeps on futexes: contention is when the
	 * process works and its threads keep blocking and waking. */
	if (!n || threads < 2 || share < th->lock_futex ||
	    per_cpu < th->lock_vcsw || median_demand(s) < th->lock_demand)
		return 0;
	f->confidence =
	    0.5 * diag_conf(0.6, share, th->lock_futex, 0.8) +
	    0.5 * diag_conf(0.6, per_cpu, th->lock_vcsw, 20 * th->lock_vcsw);
	snprintf(f->evidence, sizeof(f->evidence),
		 "%.1f of %d threads on average were on a futex, asleep or "
		 "just woken (a "
		 "lock or condition: %.0f%% of the threads not idle "
		 "elsewhere) while the process switched voluntarily %.0f "
		 "times/s (%.0f per CPU-second it ran); CPU %.2f of %d: "
		 "threads wait for each other",
		 futex / (double)n, threads, 100 * share, vcsw, per_cpu,
		 MEDIAN(s, cpu), s->ncpus);
	return 1;
}

static int rule_saturated(const struct diag_series *s,
			  const struct diag_thresholds *th,
			  struct diag_finding *f)
{
	double busy = MEDIAN(s, sys_busy), load = MEAN(s, load1);
	double cpu = MEAN(s, cpu), wait = MEAN(s, wait);
	double steal = MEAN(s, sys_steal), share;

	if (busy < th->sat_busy)
		return 0;
	if (s->system) {
		if (load < s->ncpus)
			return 0;
		f->confidence = diag_conf(0.6, load / s->ncpus, 1, 3);
		snprintf(f->evidence, sizeof(f->evidence),
			 "the CPUs were %.0f%% busy (median), load average "
			 "%.1f on %d CPUs, steal %.0f%%, CPU pressure %.0f%%",
			 100 * busy, load, s->ncpus, 100 * steal,
			 MEAN(s, psi_cpu));
		return 1;
	}
	/* A busy machine matters to this process only if it waits. */
	share = cpu + wait > 0 ? wait / (cpu + wait) : 0;
	if (share < th->sat_wait || cpu + wait < 0.2)
		return 0;
	f->confidence = diag_conf(0.5, share, th->sat_wait, 0.6);
	snprintf(f->evidence, sizeof(f->evidence),
		 "the machine's CPUs were %.0f%% busy (median; load %.1f on "
		 "%d CPUs, steal %.0f%%) and this process waited for a CPU "
		 "%.0f%% of the time it was runnable (%.2f CPUs' worth)",
		 100 * busy, load, s->ncpus, 100 * steal, 100 * share, wait);
	return 1;
}

/*
 * The part of the full I/O stall (PSI) that is the machine's rather than
 * the watched process's own.  PSI counts a CPU stalled when every task on
 * it waits for I/O; on a quiet machine a process that alone waits for the
 * disk (an fsync loop) stalls its CPU "fully" for as long as it waits,
 * which io_bound already says.  Each interval's stall is shared among the
 * tasks blocked on I/O (procs_blocked, the tasks PSI counts) in proportion:
 * the process's own are those seen in D or as many as its time blocked in
 * D amounts to (rounded up: a thread blocked at all may be the one counted),
 * the others' part is the machine's.  *others gets their mean number.
 */
static double io_stall_shared(const struct diag_series *s, double *others)
{
	double shared = 0, sum = 0;
	size_t i, n = 0;

	for (i = 1; i < s->n; i++) {
		const struct diag_sample *d = &s->s[i];
		int own = MAX(d->st_disk, (int)ceil(d->t_disk - 1e-9));
		int other = d->procs_blocked > own ? d->procs_blocked - own : 0;

		/* Nothing of its own blocked: the stall is all the others'. */
		shared += d->psi_io_full *
			  (own ? (double)other / (double)(other + own) : 1.0);
		sum += other;
		n++;
	}
	*others = n ? sum / (double)n : 0;
	return n ? shared / (double)n : 0;
}

static int rule_exhaustion(const struct diag_series *s,
			   const struct diag_thresholds *th,
			   struct diag_finding *f)
{
	const struct diag_sample *last = s->n ? &s->s[s->n - 1] : NULL;
	double mem_full = MEAN(s, psi_mem_full), io_full = MEAN(s, psi_io_full);
	double majflt = MEAN(s, majflt), ratio = 0;
	int nfds = -1, disk = 0;
	long limit = -1;
	size_t i, len = 0;
	double c = 0;

	if (!last)
		return 0;
	for (i = 0; i < s->n; i++) {
		if (s->s[i].nfds >= 0 && s->s[i].fd_limit > 0 &&
		    (double)s->s[i].nfds / (double)s->s[i].fd_limit >= ratio) {
			nfds = s->s[i].nfds;
			limit = s->s[i].fd_limit;
			ratio = (double)nfds / (double)limit;
		}
	}
	f->evidence[0] = '\0';
	if (nfds >= 0 && ratio >= th->fd_ratio) {
		c = MAX(c, diag_conf(0.6, ratio, th->fd_ratio, 1));
		len += (size_t)snprintf(f->evidence + len,
					sizeof(f->evidence) - len,
					"%d open files of a limit of %ld "
					"(%.0f%%)",
					nfds, limit, 100 * ratio);
	}
	/* System-wide stalls count for a process only when it feels them:
	 * major faults for memory, D state for I/O. */
	if (mem_full >= th->psi_full && (s->system || majflt >= 10)) {
		c = MAX(c, diag_conf(0.5, mem_full, th->psi_full, 50));
		len += (size_t)snprintf(f->evidence + len,
					sizeof(f->evidence) - len,
					"%sall tasks stalled on memory %.0f%% "
					"of the time (PSI), %.0f major "
					"faults/s",
					len ? "; " : "", mem_full, majflt);
	}
	for (i = 0; i < s->n; i++)
		disk |= s->s[i].st_disk > 0 || s->s[i].t_disk > 0;
	if (s->system && io_full >= th->psi_full) {
		c = MAX(c, diag_conf(0.5, io_full, th->psi_full, 50));
		len += (size_t)snprintf(f->evidence + len,
					sizeof(f->evidence) - len,
					"%sall tasks stalled on I/O %.0f%% of "
					"the time (PSI)",
					len ? "; " : "", io_full);
	} else if (!s->system && disk && io_full >= th->psi_full) {
		double others, shared = io_stall_shared(s, &others);

		if (shared >= th->psi_full) {
			c = MAX(c, diag_conf(0.5, shared, th->psi_full, 50));
			len += (size_t)snprintf(
			    f->evidence + len, sizeof(f->evidence) - len,
			    "%sall tasks stalled on I/O %.0f%% of the time "
			    "(PSI), %.1f other tasks blocked on I/O beside "
			    "its own on average (their part of the stall "
			    "%.0f%%)",
			    len ? "; " : "", io_full, others, shared);
		}
	}
	if (!len || len >= sizeof(f->evidence))
		return len != 0;
	f->confidence = c;
	return 1;
}

typedef int (*rule_fn)(const struct diag_series *,
		       const struct diag_thresholds *, struct diag_finding *);

static const rule_fn rules[DIAG_NIDS] = {
    [DIAG_CPU_ONE_CORE] = rule_one_core,
    [DIAG_CPU_ALL_CORES] = rule_all_cores,
    [DIAG_CPU_PERIODIC] = rule_periodic,
    [DIAG_MEMORY_GROWING] = rule_growing,
    [DIAG_MEMORY_SUDDEN] = rule_sudden,
    [DIAG_MEMORY_STABLE_HIGH] = rule_stable_high,
    [DIAG_IO_BOUND] = rule_io,
    [DIAG_LOCK_CONTENTION] = rule_lock,
    [DIAG_SYSTEM_CPU_SATURATED] = rule_saturated,
    [DIAG_RESOURCE_EXHAUSTION] = rule_exhaustion,
};

int diag_rule(enum diag_id id, const struct diag_series *s,
	      const struct diag_thresholds *th, struct diag_finding *f)
{
	memset(f, 0, sizeof(*f));
	f->id = id;
	if (id >= DIAG_NIDS || !rules[id] || nintervals(s) < 2)
		return 0;
	return rules[id](s, th, f);
}

/*
 * The machine's saturation comes after the process's own findings: those
 * are what its owner can fix, and on a busy machine every process that
 * runs at all waits for a CPU.
 */
int diag_cmp_finding(const void *a, const void *b)
{
	const struct diag_finding *x = a, *y = b;
	int xm = x->id == DIAG_SYSTEM_CPU_SATURATED;
	int ym = y->id == DIAG_SYSTEM_CPU_SATURATED;

	if (xm != ym)
		return xm - ym;
	if (x->confidence != y->confidence)
		return x->confidence < y->confidence ? 1 : -1;
	return (int)x->id - (int)y->id;
}

void diag_classify(const struct diag_series *s,
		   const struct diag_thresholds *th, struct diag_result *r)
{
	int id;

	r->n = 0;
	for (id = 0; id < DIAG_NIDS; id++)
		if (diag_rule((enum diag_id)id, s, th, &r->f[r->n]))
			r->n++;
	qsort(r->f, r->n, sizeof(r->f[0]), diag_cmp_finding);
}
