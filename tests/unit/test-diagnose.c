#include "core/compat.h"
#include "core/error.h"
#include "diagnose/diagnose.h"
#include "sys/procfs.h"
#include <criterion/criterion.h>
#include <math.h>

#define NEAR(a, b, tol)                                                        \
	cr_assert(fabs((a) - (b)) <= (tol), "%.12g != %.12g", (double)(a),     \
		  (double)(b))
#define MIB (1024.0 * 1024.0)

/* Trend fit */

Test(diagnose, fit_recovers_an_exact_line)
{
	double x[] = {0, 1, 2, 3, 4}, y[] = {3, 5, 7, 9, 11};
	struct diag_fit f;

	cr_assert_eq(diag_fit_line(x, y, 5, &f), 0);
	NEAR(f.a, 3, 1e-12);
	NEAR(f.b, 2, 1e-12);
	NEAR(f.r2, 1, 1e-12);
}

Test(diagnose, fit_r2_by_hand)
{
	/* x 0..3, y 0,2,1,3: mean 1.5 each; sxx 5, sxy 4, syy 5; b = 0.8,
	 * a = 1.5 - 0.8 * 1.5 = 0.3, r2 = 16 / 25 = 0.64. */
	double x[] = {0, 1, 2, 3}, y[] = {0, 2, 1, 3};
	struct diag_fit f;

	cr_assert_eq(diag_fit_line(x, y, 4, &f), 0);
	NEAR(f.b, 0.8, 1e-12);
	NEAR(f.a, 0.3, 1e-12);
	NEAR(f.r2, 0.64, 1e-12);
}

Test(diagnose, fit_of_a_constant_has_no_r2)
{
	double x[] = {0, 1, 2}, y[] = {4, 4, 4};
	struct diag_fit f;

	cr_assert_eq(diag_fit_line(x, y, 3, &f), 0);
	NEAR(f.b, 0, 0);
	cr_assert(isnan(f.r2));
	cr_assert_eq(diag_fit_line(x, y, 1, &f), -1);
}

/* Periodicity */

Test(diagnose, period_of_a_sine)
{
	double y[60], acf, p;
	int i;

	for (i = 0; i < 60; i++)
		y[i] = sin(2 * M_PI * i / 10.0);
	p = diag_period(y, 60, &acf);
	NEAR(p, 10, 0.2);
	cr_assert(acf > 0.9, "acf %g", acf);
}

Test(diagnose, period_of_bursts)
{
	/* 2 samples busy out of 6, as the periodic helper. */
	double y[36], acf, p;
	int i;

	for (i = 0; i < 36; i++)
		y[i] = i % 6 < 2 ? 1.0 : 0.02;
	p = diag_period(y, 36, &acf);
	NEAR(p, 6, 0.3);
	cr_assert(acf > 0.9);
}

Test(diagnose, no_period_in_noise_a_constant_or_a_ramp)
{
	double y[40], acf;
	unsigned x = 12345;
	int i;

	for (i = 0; i < 40; i++) {
		x = x * 1103515245u + 12345u;
		y[i] = 1.0 + (double)(x >> 16 & 0xff) / 2550.0;
	}
	cr_assert(diag_period(y, 40, &acf) == 0 || acf < 0.4,
		  "noise gave acf %g", acf);
	for (i = 0; i < 40; i++)
		y[i] = 1;
	cr_assert_eq(diag_period(y, 40, &acf), 0);
	for (i = 0; i < 40; i++)
		y[i] = i;
	cr_assert(diag_period(y, 40, &acf) == 0 || acf < 0.4);
	cr_assert_eq(diag_period(y, 5, &acf), 0, "too short");
}

/* Rules on synthetic series: n samples 0.1 s apart, the first a baseline. */

static struct diag_series series;

static struct diag_sample *mk(size_t n, int ncpus)
{
	size_t i;

	memset(&series, 0, sizeof(series));
	series.s = xcalloc(n, sizeof(*series.s));
	series.n = series.alloc = n;
	series.ncpus = ncpus;
	series.mem_total = 24ull << 30;
	for (i = 0; i < n; i++) {
		series.s[i].t = 0.1 * (double)i;
		series.s[i].dt = i ? 0.1 : 0;
		series.s[i].nthreads = 1;
		series.s[i].nprocs = 1;
		series.s[i].nfds = -1;
		series.s[i].fd_limit = -1;
		series.s[i].rss = 10 << 20;
		series.s[i].st_sleep = 1;
	}
	return series.s;
}

static int holds(enum diag_id id, struct diag_finding *f)
{
	struct diag_thresholds th;
	int r;

	diag_thresholds_init(&th);
	r = diag_rule(id, &series, &th, f);
	if (r) {
		cr_assert_eq(f->id, id);
		cr_assert(f->confidence > 0 && f->confidence <= 1, "%g",
			  f->confidence);
		cr_assert(f->evidence[0]);
	}
	return r;
}

static void fini(void)
{
	diag_series_release(&series);
}

TestSuite(rules, .fini = fini);

Test(rules, one_core)
{
	struct diag_sample *s = mk(30, 4);
	struct diag_finding f;
	size_t i;

	for (i = 0; i < 30; i++) {
		s[i].cpu = 0.6;
		s[i].wait = 0.4;
		s[i].top_demand = 0.99;
		s[i].top_tid = 42;
		s[i].top_running = 1;
		s[i].top_cpu = 0.6;
		s[i].st_run = 1;
	}
	cr_assert(holds(DIAG_CPU_ONE_CORE, &f));
	cr_assert(strstr(f.evidence, "TID 42"), "%s", f.evidence);
	cr_assert(!holds(DIAG_CPU_ALL_CORES, &f));
	/* The same demand from a thread seen in D state at most samples: on
	 * a busy machine a blocking thread can stay queued (counted as
	 * waiting for a CPU) after it blocked. */
	for (i = 0; i < 30; i++)
		s[i].top_running = i % 3 == 0;
	cr_assert(!holds(DIAG_CPU_ONE_CORE, &f));
	/* Seen runnable, but it used 3% of a CPU where 6 runnable tasks on
	 * 4 CPUs leave each 67%: it blocks and is queued after each wakeup
	 * (an fsync writer on a busy machine), it does not compute. */
	for (i = 0; i < 30; i++) {
		s[i].top_running = 1;
		s[i].top_cpu = 0.03;
		s[i].procs_running = 6;
	}
	cr_assert(!holds(DIAG_CPU_ONE_CORE, &f));
	for (i = 0; i < 30; i++)
		s[i].top_cpu = 0.3;
	cr_assert(holds(DIAG_CPU_ONE_CORE, &f), "a fair share of a busy box");
	for (i = 0; i < 30; i++)
		s[i].top_demand = 0.3;
	cr_assert(!holds(DIAG_CPU_ONE_CORE, &f));
}

Test(rules, all_cores_is_demand_not_use)
{
	struct diag_sample *s = mk(30, 2);
	struct diag_finding f;
	size_t i;

	/* A busy machine grants 0.4 CPU of the 1.9 wanted. */
	for (i = 0; i < 30; i++) {
		s[i].cpu = 0.4;
		s[i].wait = 1.5;
		s[i].top_demand = 0.95;
		s[i].busy_threads = 2;
		s[i].nthreads = 2;
		s[i].st_run = 2;
		s[i].top_running = 1;
		s[i].top_cpu = 0.2;
		s[i].procs_running = 6;
	}
	cr_assert(holds(DIAG_CPU_ALL_CORES, &f));
	cr_assert(!holds(DIAG_CPU_ONE_CORE, &f), "one finding for it");
	/* With 8 CPUs for 6 runnable tasks each thread gets a whole one. */
	series.ncpus = 8;
	for (i = 0; i < 30; i++) {
		s[i].cpu = 1.9;
		s[i].wait = 0;
		s[i].top_cpu = 0.95;
	}
	cr_assert(!holds(DIAG_CPU_ALL_CORES, &f), "1.9 of 8 CPUs is not all");
	cr_assert(holds(DIAG_CPU_ONE_CORE, &f));
}

Test(rules, periodic_with_its_period)
{
	struct diag_sample *s = mk(31, 2);
	struct diag_finding f;
	size_t i;

	for (i = 0; i < 31; i++)
		s[i].cpu = i % 6 < 2 ? 1.0 : 0.0;
	cr_assert(holds(DIAG_CPU_PERIODIC, &f));
	NEAR(f.period, 0.6, 0.05);
	for (i = 0; i < 31; i++)
		s[i].cpu = 1.0 + 0.01 * (double)(i % 6 < 2);
	cr_assert(!holds(DIAG_CPU_PERIODIC, &f), "a swing of 0.01 CPU");
}

/*
 * On a loaded machine the sampler is late now and then: here 0.2 s bursts
 * every 0.6 s sampled every 0.1 s, but with two gaps of 0.7 s and 0.6 s
 * (as a t-diagnose run at load 4 recorded), each gap's sample the average
 * over it.  The period is in seconds, not in samples times the mean gap
 * (which made it 0.84 s).
 */
Test(rules, periodic_period_survives_late_samples)
{
	static const double t[] = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9,
				   1.0, 1.1, 1.2, 1.9, 2.0, 2.1, 2.2, 2.3, 2.9,
				   3.0, 3.1, 3.2, 3.3, 3.4, 3.5, 3.6, 3.7, 3.8,
				   3.9, 4.0, 4.1, 4.2, 4.3, 4.4, 4.5, 4.6, 4.7};
	size_t n = ARRAY_SIZE(t) + 1, i;
	struct diag_sample *s = mk(n, 2);
	struct diag_finding f;

	for (i = 1; i < n; i++) {
		double a, b, busy = 0, x;

		s[i].t = t[i - 1];
		s[i].dt = t[i - 1] - (i > 1 ? t[i - 2] : 0);
		a = s[i].t - s[i].dt;
		b = s[i].t;
		/* busy in [0.6k, 0.6k + 0.2): the CPU seconds of [a, b) */
		for (x = a; x < b - 1e-9; x += 0.01)
			busy += fmod(x + 0.005, 0.6) < 0.2 ? 0.01 : 0;
		s[i].cpu = busy / s[i].dt;
	}
	cr_assert(holds(DIAG_CPU_PERIODIC, &f));
	NEAR(f.period, 0.6, 0.06);
}

Test(rules, memory_growing_and_not_a_sawtooth)
{
	struct diag_sample *s = mk(26, 2);
	struct diag_finding f;
	size_t i;

	for (i = 0; i < 26; i++)
		s[i].rss = (uint64_t)((10 + 20 * s[i].t) * MIB);
	cr_assert(holds(DIAG_MEMORY_GROWING, &f));
	cr_assert(strstr(f.evidence, "20.00 MiB/s"), "%s", f.evidence);
	cr_assert(strstr(f.evidence, "R^2 1.000"), "%s", f.evidence);
	cr_assert(!holds(DIAG_MEMORY_SUDDEN, &f));
	/* A fast leak gains more than 32 MiB a second, but steadily. */
	for (i = 0; i < 26; i++)
		s[i].rss = (uint64_t)((10 + 50 * s[i].t) * MIB);
	cr_assert(holds(DIAG_MEMORY_GROWING, &f));
	cr_assert(!holds(DIAG_MEMORY_SUDDEN, &f));
	/* A table copied to a larger one, the old one freed: each fall is
	 * regained and passed; it still grows without being freed. */
	for (i = 0; i < 26; i++)
		s[i].rss =
		    (uint64_t)((10 + 20 * s[i].t - (i % 8 == 7 ? 10 : 0)) *
			       MIB);
	cr_assert(holds(DIAG_MEMORY_GROWING, &f));
	cr_assert(strstr(f.evidence, "every large fall was regained "
				     "(largest fall 8.0 MiB"),
		  "%s", f.evidence);
	/* A fall at the end that is not regained is memory given back. */
	s[25].rss = s[24].rss - (uint64_t)(12 * MIB);
	cr_assert(!holds(DIAG_MEMORY_GROWING, &f));
	/* Grows and is freed back: a working buffer, not a leak. */
	for (i = 0; i < 26; i++)
		s[i].rss = (uint64_t)((10 + 4 * (double)(i % 8)) * MIB);
	cr_assert(!holds(DIAG_MEMORY_GROWING, &f));
}

Test(rules, memory_sudden_is_one_step)
{
	struct diag_sample *s = mk(26, 2);
	struct diag_finding f;
	size_t i;

	for (i = 0; i < 26; i++)
		s[i].rss = (uint64_t)((i < 12 ? 2 : 162) * MIB);
	cr_assert(holds(DIAG_MEMORY_SUDDEN, &f));
	cr_assert(strstr(f.evidence, "jumped by 160.0 MiB"), "%s", f.evidence);
	cr_assert(!holds(DIAG_MEMORY_GROWING, &f), "a step is no leak");
	for (i = 0; i < 26; i++)
		s[i].rss = (uint64_t)((i < 12 ? 2 : 20) * MIB);
	cr_assert(!holds(DIAG_MEMORY_SUDDEN, &f), "18 MiB is below 32 MiB");
	/* Sampled every 2 s (--interval 2s), the jump is between two
	 * samples further apart than the 1 s window. */
	for (i = 0; i < 26; i++) {
		s[i].t = 2.0 * (double)i;
		s[i].dt = i ? 2.0 : 0;
		s[i].rss = (uint64_t)((i < 12 ? 2 : 162) * MIB);
	}
	cr_assert(holds(DIAG_MEMORY_SUDDEN, &f));
	cr_assert(strstr(f.evidence, "within 3.0 s"), "%s", f.evidence);
}

Test(rules, memory_stable_high)
{
	struct diag_sample *s = mk(20, 2);
	struct diag_finding f;
	size_t i;

	for (i = 0; i < 20; i++)
		s[i].rss = (uint64_t)((300 + (double)(i % 2)) * MIB);
	cr_assert(holds(DIAG_MEMORY_STABLE_HIGH, &f));
	cr_assert(!holds(DIAG_MEMORY_GROWING, &f));
	for (i = 0; i < 20; i++)
		s[i].rss = (uint64_t)(100 * MIB);
	cr_assert(!holds(DIAG_MEMORY_STABLE_HIGH, &f), "100 MiB is not high");
	/* 10% of a 512 MiB machine is high. */
	series.mem_total = 512ull << 20;
	cr_assert(holds(DIAG_MEMORY_STABLE_HIGH, &f));
}

Test(rules, io_bound_from_d_state)
{
	struct diag_sample *s = mk(20, 2);
	struct diag_finding f;
	size_t i;

	for (i = 0; i < 20; i++) {
		s[i].st_sleep = 0;
		s[i].st_disk = i % 4 != 0;
		s[i].st_run = i % 4 == 0;
		s[i].write_bps = 2 * MIB;
		snprintf(s[i].disk_wchan, sizeof(s[i].disk_wchan),
			 "jbd2_log_wait_commit");
	}
	cr_assert(holds(DIAG_IO_BOUND, &f));
	cr_assert(strstr(f.evidence, "jbd2_log_wait_commit"), "%s", f.evidence);
	cr_assert(strstr(f.evidence, "writes 2.0 MiB/s"), "%s", f.evidence);
	for (i = 0; i < 20; i++) {
		s[i].st_disk = i % 10 == 0;
		s[i].st_run = 1;
	}
	cr_assert(!holds(DIAG_IO_BOUND, &f), "mostly running");
}

/* The series of a CI failure: an fsync writer beside another disk writer
 * was caught in D at 5 of 26 instants (its fsyncs are short and many), so
 * the counts said "mostly running"; its time off a CPU, all of it blocked
 * in D, says 0.6 of its time.  Measured time decides where it exists. */
Test(rules, io_bound_from_time_blocked)
{
	struct diag_sample *s = mk(26, 2);
	struct diag_finding f;
	size_t i;

	for (i = 0; i < 26; i++) {
		s[i].st_sleep = 0;
		s[i].st_disk = i % 5 == 0;
		s[i].st_run = i % 5 != 0;
		s[i].cpu = 0.3;
		s[i].wait = 0.1;
		s[i].t_disk = 0.6;
	}
	cr_assert(!holds(DIAG_IO_BOUND, &f), "instants only: missed");
	series.timed_states = 1;
	cr_assert(holds(DIAG_IO_BOUND, &f));
	cr_assert(strstr(f.evidence, " 67% of the time"), "%s", f.evidence);
	cr_assert(strstr(f.evidence, "0.60 threads on average"), "%s",
		  f.evidence);
	/* Queued for a CPU 85% of the time on a saturated machine: of the
	 * rest, the disk still has most. */
	for (i = 0; i < 26; i++) {
		s[i].cpu = 0.03;
		s[i].wait = 0.85;
		s[i].t_disk = 0.09;
	}
	cr_assert(holds(DIAG_IO_BOUND, &f), "queued, but bound by the disk");
	/* An idle server that touches the disk now and then is not. */
	for (i = 0; i < 26; i++) {
		s[i].cpu = 0.01;
		s[i].wait = 0;
		s[i].t_disk = 0.05;
	}
	cr_assert(!holds(DIAG_IO_BOUND, &f), "idle, 5%% in D");
}

Test(rules, lock_contention_not_an_idle_pool)
{
	struct diag_sample *s = mk(20, 2);
	struct diag_finding f;
	size_t i;

	for (i = 0; i < 20; i++) {
		s[i].nthreads = 8;
		s[i].st_futex = 6;
		s[i].st_run = 2;
		s[i].st_sleep = 0;
		s[i].vcsw = 3000;
		s[i].cpu = 1;
		s[i].wait = 1.5;
	}
	cr_assert(holds(DIAG_LOCK_CONTENTION, &f));
	cr_assert(!holds(DIAG_CPU_ALL_CORES, &f),
		  "lock waiters woken on a busy machine are not spinning");
	/* A machine so busy that handovers are rare still shows it. */
	for (i = 0; i < 20; i++)
		s[i].vcsw = 150;
	cr_assert(holds(DIAG_LOCK_CONTENTION, &f));
	/* The same threads waiting for work that does not come. */
	for (i = 0; i < 20; i++) {
		s[i].st_futex = 8;
		s[i].st_run = 0;
		s[i].vcsw = 8;
		s[i].cpu = s[i].wait = 0;
	}
	cr_assert(!holds(DIAG_LOCK_CONTENTION, &f));
}

Test(rules, saturation_only_when_the_process_waits)
{
	struct diag_sample *s = mk(20, 2);
	struct diag_finding f;
	size_t i;

	for (i = 0; i < 20; i++) {
		s[i].sys_busy = 0.99;
		s[i].load1 = 6;
		s[i].cpu = 0.5;
		s[i].wait = 0.5;
	}
	cr_assert(holds(DIAG_SYSTEM_CPU_SATURATED, &f));
	cr_assert(strstr(f.evidence, "waited for a CPU 50%"), "%s", f.evidence);
	for (i = 0; i < 20; i++)
		s[i].cpu = s[i].wait = 0;
	cr_assert(!holds(DIAG_SYSTEM_CPU_SATURATED, &f), "an idle process");
	series.system = 1;
	cr_assert(holds(DIAG_SYSTEM_CPU_SATURATED, &f), "the machine itself");
}

Test(rules, resource_exhaustion_from_fds_and_pressure)
{
	struct diag_sample *s = mk(20, 2);
	struct diag_finding f;
	size_t i;

	for (i = 0; i < 20; i++) {
		s[i].nfds = 60;
		s[i].fd_limit = 64;
	}
	cr_assert(holds(DIAG_RESOURCE_EXHAUSTION, &f));
	cr_assert(strstr(f.evidence, "60 open files of a limit of 64 (94%)"),
		  "%s", f.evidence);
	for (i = 0; i < 20; i++) {
		s[i].nfds = 10;
		s[i].psi_mem_full = 30;
	}
	cr_assert(!holds(DIAG_RESOURCE_EXHAUSTION, &f),
		  "memory stalls elsewhere, no major fault here");
	for (i = 0; i < 20; i++)
		s[i].majflt = 200;
	cr_assert(holds(DIAG_RESOURCE_EXHAUSTION, &f));
}

/*
 * On a quiet machine an fsync loop is the only task that waits for the
 * disk, and PSI counts "all tasks stalled on I/O" on the CPU where it waits
 * for as long as it waits (46% of the time here): that is the process's own
 * io_bound, not a machine short of I/O.  Only the stall shared with other
 * tasks blocked on I/O (procs_blocked beyond its own) is the machine's.
 */
Test(rules, io_pressure_of_the_process_alone_is_not_exhaustion)
{
	struct diag_sample *s = mk(20, 2);
	struct diag_finding f;
	size_t i;

	series.timed_states = 1;
	for (i = 1; i < 20; i++) {
		s[i].st_disk = 1;
		s[i].st_sleep = 0;
		s[i].t_disk = 0.46;
		s[i].cpu = 0.04;
		s[i].procs_blocked = s[i].st_disk;
		s[i].psi_io = 46;
		s[i].psi_io_full = 46;
	}
	cr_assert(holds(DIAG_IO_BOUND, &f), "its own fsyncs");
	cr_assert(!holds(DIAG_RESOURCE_EXHAUSTION, &f),
		  "its own stall is no exhaustion: %s", f.evidence);
	/* Three other tasks blocked on I/O beside it: the disk is short for
	 * the machine, and the process feels it. */
	for (i = 1; i < 20; i++)
		s[i].procs_blocked = s[i].st_disk + 3;
	cr_assert(holds(DIAG_RESOURCE_EXHAUSTION, &f));
	cr_assert(strstr(f.evidence, "all tasks stalled on I/O 46% of the "
				     "time (PSI), 3.0 other tasks blocked on "
				     "I/O beside its own on average"),
		  "%s", f.evidence);
	series.system = 1;
	for (i = 1; i < 20; i++)
		s[i].procs_blocked = s[i].st_disk = 1;
	cr_assert(holds(DIAG_RESOURCE_EXHAUSTION, &f), "the machine itself");
}

Test(rules, healthy_and_ranked)
{
	struct diag_sample *s = mk(30, 2);
	struct diag_thresholds th;
	struct diag_result r;
	size_t i;

	diag_thresholds_init(&th);
	diag_classify(&series, &th, &r);
	cr_assert_eq(r.n, 0, "an idle process has no finding");
	for (i = 0; i < 30; i++) {
		s[i].top_demand = 1;
		s[i].top_running = 1;
		s[i].top_cpu = 0.5;
		s[i].st_run = 1;
		s[i].cpu = 0.5;
		s[i].wait = 0.5;
		s[i].sys_busy = 1;
		s[i].load1 = 5;
		s[i].rss = (uint64_t)((10 + 20 * s[i].t) * MIB);
	}
	diag_classify(&series, &th, &r);
	cr_assert_eq(r.n, 3);
	for (i = 1; i < r.n; i++)
		cr_assert(r.f[i - 1].confidence >= r.f[i].confidence);
	cr_assert_eq(r.f[r.n - 1].id, DIAG_SYSTEM_CPU_SATURATED,
		     "the machine ranks below the process's own findings");
}

/* Next steps and ids */

Test(diagnose, next_is_a_filled_in_command)
{
	char *argv[] = {"./app", "it's", "a b", NULL}, buf[512], **words;
	struct diag_target t = {.pid = 1234, .duration = 10};
	struct diag_finding f = {.id = DIAG_CPU_ONE_CORE};
	size_t n, i;

	diag_next(&f, &t, buf, sizeof(buf), NULL);
	cr_assert_str_eq(buf, "perfops record --duration 10 -o "
			      "perfops-cpu.svg -p 1234");
	f.id = DIAG_LOCK_CONTENTION;
	diag_next(&f, &t, buf, sizeof(buf), NULL);
	cr_assert_str_eq(buf, "perfops record --off-cpu --duration 10 -o "
			      "perfops-offcpu.svg -p 1234");
	t.argv = argv;
	f.id = DIAG_MEMORY_GROWING;
	diag_next(&f, &t, buf, sizeof(buf), NULL);
	cr_assert_str_eq(buf, "perfops guide memory_growing",
			 "-p: the process is not started again under heap");
	t.started = 1;
	n = diag_next(&f, &t, buf, sizeof(buf), &words);
	cr_assert_str_eq(buf, "perfops heap -- ./app 'it'\\''s' 'a b'");
	cr_assert_eq(n, 6);
	cr_assert_str_eq(words[4], "it's");
	cr_assert_null(words[6]);
	for (i = 0; i < n; i++)
		free(words[i]);
	free(words);
	f.id = DIAG_RESOURCE_EXHAUSTION;
	diag_next(&f, &t, buf, sizeof(buf), NULL);
	cr_assert_str_eq(buf, "perfops guide resource_exhaustion");
	t.started = 0;
	/* Watched by -p, its command line known: a record attaches to the
	 * process (starting it again would start a second postmaster, a
	 * second nginx, on the same port and files). */
	f.id = DIAG_CPU_ALL_CORES;
	diag_next(&f, &t, buf, sizeof(buf), NULL);
	cr_assert_str_eq(buf, "perfops record --per-thread --duration 10 -o "
			      "perfops-cpu.svg -p 1234");
	f.id = DIAG_IO_BOUND;
	diag_next(&f, &t, buf, sizeof(buf), NULL);
	cr_assert_str_eq(buf, "perfops record --off-cpu --duration 10 -o "
			      "perfops-offcpu.svg -p 1234");
	/* Started by diagnose (-- CMD): it is started again. */
	t.started = 1;
	diag_next(&f, &t, buf, sizeof(buf), NULL);
	cr_assert_str_eq(buf, "perfops record --off-cpu --duration 10 -o "
			      "perfops-offcpu.svg -- ./app 'it'\\''s' 'a b'");
}

/* A CPU line goes from zero to one CPU at least (all of them for the
 * machine): a process or machine busy all along is a full bar, not the
 * bottom one that reads as idle, and a steady trickle is no full bar. */
Test(diagnose, sparkline_of_cpu_from_zero)
{
	double busy[] = {2, 2, 2}, ramp[] = {0, 1, 2}, near[] = {0.98, 1, 0.98};
	double trickle[] = {0.05, 0.05}, flat[] = {5, 5};
	char buf[64];

	diag_sparkline(busy, 3, 40, 2, buf, sizeof(buf));
	cr_assert_str_eq(buf, "███");
	diag_sparkline(ramp, 3, 40, 2, buf, sizeof(buf));
	cr_assert_str_eq(buf, "▁▄█");
	diag_sparkline(near, 3, 40, 1, buf, sizeof(buf));
	cr_assert_str_eq(buf, "███", "2%% of noise is no swing");
	diag_sparkline(trickle, 2, 40, 1, buf, sizeof(buf));
	cr_assert_str_eq(buf, "▁▁", "5%% of a CPU is near the bottom");
	/* RSS: its own range, the shape of the growth. */
	diag_sparkline(ramp, 3, 2, 0, buf, sizeof(buf));
	cr_assert_str_eq(buf, "▁█");
	diag_sparkline(flat, 2, 40, 0, buf, sizeof(buf));
	cr_assert_str_eq(buf, "▁▁");
}

Test(diagnose, ids_round_trip)
{
	int i;

	for (i = 0; i < DIAG_NIDS; i++)
		cr_assert_eq(diag_id_from_name(diag_id_name(i)), i);
	cr_assert_eq(diag_id_from_name("healthy"), -1);
}

Test(diagnose, psi_lines)
{
	struct proc_psi p = {0};

	cr_assert_eq(procfs_parse_psi_line("some avg10=1.50 avg60=0.20 "
					   "avg300=0.00 total=123456",
					   &p),
		     0);
	cr_assert_eq(procfs_parse_psi_line("full avg10=0.25 avg60=0.00 "
					   "avg300=0.00 total=99",
					   &p),
		     0);
	NEAR(p.some10, 1.5, 1e-12);
	NEAR(p.full10, 0.25, 1e-12);
	cr_assert_eq(p.some_us, 123456);
	cr_assert_eq(p.full_us, 99);
	cr_assert_eq(procfs_parse_psi_line("half avg10=1", &p), -1);
}

/* Series recorded with `perfops diagnose --series` from the helpers of
 * tests/helper/diag-workload.c on a busy 2-CPU machine (load 7-10): the
 * whole set of findings of each, the machine's saturation included. */

/* tests/data/diagnose/NAME.tsv into s. */
static void read_recorded(const char *name, struct diag_series *s)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/tests/data/diagnose/%s.tsv",
		 PERFOPS_SRCDIR, name);
	cr_assert_eq(diag_series_read(path, s), 0, "%s", path);
}

static void expect_recorded(const char *name, const char *const *want)
{
	struct diag_series s;
	struct diag_thresholds th;
	struct diag_result r;
	size_t i, n = 0;

	read_recorded(name, &s);
	cr_assert(s.n > 10 && s.ncpus == 2, "%s: %zu samples", name, s.n);
	diag_thresholds_init(&th);
	diag_classify(&s, &th, &r);
	while (want[n])
		n++;
	for (i = 0; i < r.n; i++) {
		size_t j;
		int found = 0;

		for (j = 0; j < n; j++)
			found |= !strcmp(want[j], diag_id_name(r.f[i].id));
		cr_assert(found, "%s: unexpected %s (%s)", name,
			  diag_id_name(r.f[i].id), r.f[i].evidence);
	}
	cr_assert_eq(r.n, n, "%s: %zu findings, want %zu", name, r.n, n);
	diag_series_release(&s);
}

#define RECORDED(name, ...)                                                    \
	Test(recorded, name)                                                   \
	{                                                                      \
		static const char *const want[] = {__VA_ARGS__};               \
		expect_recorded(#name, want);                                  \
	}

RECORDED(spin1, "cpu_one_core", "system_cpu_saturated", NULL)
RECORDED(spinall, "cpu_all_cores", "system_cpu_saturated", NULL)
RECORDED(periodic, "cpu_periodic", "system_cpu_saturated", NULL)
RECORDED(leak, "memory_growing", NULL)
/* python3 growing a dict forever: 2 MiB to 2.1 GiB in 6 s, falling back by
 * up to 298 MiB each time the table is copied to a larger one and the old
 * one freed, and past its peak again a moment later. */
RECORDED(dict, "cpu_one_core", "memory_growing", "system_cpu_saturated", NULL)
RECORDED(sudden, "memory_sudden", NULL)
RECORDED(cache, "memory_stable_high", NULL)
RECORDED(fsync, "io_bound", "system_cpu_saturated", NULL)
RECORDED(mutex, "lock_contention", "system_cpu_saturated", NULL)
/* The fsync writer at load 10: runnable at 19 of 25 samples, but running
 * 3% of that; the disk is still what it waits for when it is not queued. */
RECORDED(fsync_busy, "io_bound", "system_cpu_saturated", NULL)
/* Recorded with the blocked time measured (t_disk): the fsync writer
 * at load 9 (queued for a CPU 85% of the time), and beside two dd
 * writers filling the disk (all tasks stalled on I/O 21% of the time),
 * where it was seen in D at few instants. */
RECORDED(fsync_cpuload, "io_bound", "system_cpu_saturated", NULL)
RECORDED(fsync_ioload, "io_bound", "resource_exhaustion", NULL)
/* The mutex helper under stress-ng --cpu 2 (load 9): it ran at 0.16 CPU
 * and switched 63 times a second, 440 times per CPU-second it ran. */
RECORDED(mutex_busy, "lock_contention", "system_cpu_saturated", NULL)
RECORDED(fds, "resource_exhaustion", NULL)
RECORDED(postgres, "cpu_all_cores", "memory_growing", "system_cpu_saturated",
	 NULL)
RECORDED(idle, NULL)

/* The postmaster under pgbench -c 8, watched by -p: 14 processes that all
 * map shared_buffers.  Their RSS summed went from 267 to 620 MiB, each
 * shared page counted once per backend that touched it; their PSS, the
 * memory they hold, from 66 to 102 MiB.  The memory rules read the PSS. */
/* One rule on a recorded series: 1 and f filled when it holds. */
static int recorded_rule(const char *name, enum diag_id id,
			 struct diag_finding *f)
{
	struct diag_series s;
	struct diag_thresholds th;
	int r;

	read_recorded(name, &s);
	diag_thresholds_init(&th);
	r = diag_rule(id, &s, &th, f);
	diag_series_release(&s);
	return r;
}

Test(recorded, postgres_tree_memory_is_its_pss)
{
	struct diag_finding f;

	cr_assert(recorded_rule("postgres", DIAG_MEMORY_GROWING, &f));
	cr_assert(strstr(f.evidence, "PSS of its processes (shared pages "
				     "shared out) grew from 66.0 MiB to 101.9 "
				     "MiB in 7.0 s"),
		  "%s", f.evidence);
	cr_assert(!recorded_rule("postgres", DIAG_MEMORY_SUDDEN, &f), "%s",
		  f.evidence);
}

/* The fsync writer queued for a CPU 85% of the time: blocked in D 0.07 of
 * the wall time, which the 0.2 floor is not over; the evidence names the
 * figure that passed it, over the time it was not queued. */
Test(recorded, io_bound_names_the_figure_its_floor_is_over)
{
	struct diag_finding f;

	cr_assert(recorded_rule("fsync_cpuload", DIAG_IO_BOUND, &f));
	cr_assert(strstr(f.evidence, "0.07 threads on average (0.47 over the "
				     "time not queued for a CPU)"),
		  "%s", f.evidence);
}

Test(recorded, the_process_before_the_machine)
{
	char path[4096];
	struct diag_series s;
	struct diag_thresholds th;
	struct diag_result r;

	snprintf(path, sizeof(path), "%s/tests/data/diagnose/mutex.tsv",
		 PERFOPS_SRCDIR);
	cr_assert_eq(diag_series_read(path, &s), 0);
	diag_thresholds_init(&th);
	diag_classify(&s, &th, &r);
	cr_assert_eq(r.n, 2);
	cr_assert_eq(r.f[0].id, DIAG_LOCK_CONTENTION);
	cr_assert_eq(r.f[1].id, DIAG_SYSTEM_CPU_SATURATED);
	cr_assert(r.f[1].confidence > r.f[0].confidence,
		  "even when the machine's saturation is surer");
	diag_series_release(&s);
}

Test(recorded, period_and_slope_of_the_recordings)
{
	char path[4096];
	struct diag_series s;
	struct diag_thresholds th;
	struct diag_finding f;

	diag_thresholds_init(&th);
	snprintf(path, sizeof(path), "%s/tests/data/diagnose/periodic.tsv",
		 PERFOPS_SRCDIR);
	cr_assert_eq(diag_series_read(path, &s), 0);
	cr_assert(diag_rule(DIAG_CPU_PERIODIC, &s, &th, &f));
	/* The helper spins 0.2 s and sleeps 0.4 s. */
	NEAR(f.period, 0.6, 0.08);
	diag_series_release(&s);
	snprintf(path, sizeof(path), "%s/tests/data/diagnose/leak.tsv",
		 PERFOPS_SRCDIR);
	cr_assert_eq(diag_series_read(path, &s), 0);
	cr_assert(diag_rule(DIAG_MEMORY_GROWING, &s, &th, &f));
	{
		/* 1 MiB every 50 ms plus the time to write it: a little
		 * under 20 MiB/s. */
		double x[64], y[64];
		struct diag_fit fit;
		size_t i;

		cr_assert(s.n <= 64);
		for (i = 0; i < s.n; i++) {
			x[i] = s.s[i].t;
			y[i] = (double)s.s[i].rss / MIB;
		}
		diag_fit_line(x, y, s.n, &fit);
		cr_assert(fit.b > 15 && fit.b <= 20.5, "slope %g", fit.b);
		cr_assert(fit.r2 > 0.99, "r2 %g", fit.r2);
	}
	diag_series_release(&s);
}

Test(recorded, a_series_written_reads_back)
{
	struct diag_sample *d = mk(5, 2);
	char path[] = "/tmp/perfops-series-XXXXXX";
	struct diag_series back;
	int fd = mkstemp(path);
	FILE *fp = fdopen(fd, "w");

	d[3].rss = 123456789012ull;
	d[3].cpu = 1.25;
	d[4].st_futex = 7;
	d[2].fd_limit = 1048576;
	series.pid = 4321;
	cr_assert_eq(diag_series_write(fp, &series), 0);
	fclose(fp);
	cr_assert_eq(diag_series_read(path, &back), 0);
	unlink(path);
	cr_assert_eq(back.n, 5);
	cr_assert_eq(back.pid, 4321);
	cr_assert_eq(back.mem_total, series.mem_total);
	cr_assert_eq(back.s[3].rss, 123456789012ull);
	NEAR(back.s[3].cpu, 1.25, 0);
	NEAR(back.s[4].t, 0.4, 1e-9);
	cr_assert_eq(back.s[4].st_futex, 7);
	cr_assert_eq(back.s[2].fd_limit, 1048576);
	diag_series_release(&back);
	diag_series_release(&series);
}

Test(recorded, a_bad_series_is_refused)
{
	char path[] = "/tmp/perfops-series-XXXXXX";
	struct diag_series back;
	int fd = mkstemp(path);
	FILE *fp = fdopen(fd, "w");

	fputs("# perfops diagnose series 1 ncpus=2 mem_total=1 system=0 "
	      "pid=1\nt\tcpu\n0\t0\n0.1\tx\n",
	      fp);
	fclose(fp);
	error_set_quiet(1);
	cr_assert_eq(diag_series_read(path, &back), -1);
	cr_assert_eq(back.n, 0);
	unlink(path);
}

/* The latency and throughput branch, on synthetic load figures. */

/* A URL: idle p50, loaded p50 and p99 (ms), req/s, process CPU. */
static struct diag_url url(const char *u, double idle, double p50, double p99,
			   double rps, double cpu)
{
	struct diag_url x = {.url = u,
			     .idle_p50 = idle,
			     .p50 = p50,
			     .p99 = p99,
			     .rps = rps,
			     .requests = 1000,
			     .cpu = cpu,
			     .top = cpu};

	return x;
}

static int load_holds(enum diag_id id, struct diag_url *u, size_t n,
		      struct diag_finding *f)
{
	struct diag_load l = {.u = u, .n = n, .connections = 8, .ncpus = 4};
	struct diag_thresholds th;

	diag_thresholds_init(&th);
	return diag_load_rule(id, &l, &th, f);
}

Test(load_rules, slow_one_endpoint_names_it)
{
	struct diag_url u[3] = {url("/a", 0.2, 0.3, 1, 5000, 0.3),
				url("/b", 40, 41, 45, 190, 0.1),
				url("/c", 0.5, 0.6, 2, 4000, 0.3)};
	struct diag_finding f;

	cr_assert(load_holds(DIAG_SLOW_ONE_ENDPOINT, u, 3, &f));
	cr_assert_str_eq(f.url, "/b");
	cr_assert(strstr(f.evidence, "80.0 x the next slowest (/c"), "%s",
		  f.evidence);
	cr_assert(f.offcpu, "0.1 CPU: it waits");
	cr_assert(!load_holds(DIAG_SLOW_ALL_ENDPOINTS, u, 3, &f));
	/* 5x but only 2 ms apart: no finding (the gap matters). */
	u[1].idle_p50 = 2.5;
	cr_assert(!load_holds(DIAG_SLOW_ONE_ENDPOINT, u, 3, &f));
	/* One URL alone has no others to be slower than. */
	u[1].idle_p50 = 40;
	cr_assert(!load_holds(DIAG_SLOW_ONE_ENDPOINT, &u[1], 1, &f));
	/* A URL that failed is not compared. */
	u[0].errors = 900;
	u[2].errors = 600;
	cr_assert(!load_holds(DIAG_SLOW_ONE_ENDPOINT, u, 3, &f));
}

Test(load_rules, slow_all_endpoints_against_the_threshold)
{
	struct diag_url u[2] = {url("/a", 150, 150, 170, 50, 0.2),
				url("/b", 300, 310, 330, 25, 0.2)};
	struct diag_finding f;

	cr_assert(load_holds(DIAG_SLOW_ALL_ENDPOINTS, u, 2, &f));
	cr_assert_str_eq(f.url, "/b", "the slowest");
	cr_assert(strstr(f.evidence, "/a: idle p50 150 ms"), "%s", f.evidence);
	cr_assert(!load_holds(DIAG_SLOW_ONE_ENDPOINT, u, 2, &f),
		  "2x is not much slower");
	u[0].idle_p50 = 90;
	cr_assert(!load_holds(DIAG_SLOW_ALL_ENDPOINTS, u, 2, &f));
}

Test(load_rules, spikes_need_a_far_p99_and_enough_requests)
{
	struct diag_url u = url("/", 0.1, 0.2, 290, 200, 0.01);
	struct diag_finding f;

	cr_assert(load_holds(DIAG_LATENCY_SPIKES, &u, 1, &f));
	cr_assert(strstr(f.evidence, "p99 1450.0 x p50"), "%s", f.evidence);
	cr_assert(!load_holds(DIAG_THROUGHPUT_IO_BOUND, &u, 1, &f),
		  "p50 does not queue");
	u.requests = 50;
	cr_assert(!load_holds(DIAG_LATENCY_SPIKES, &u, 1, &f),
		  "50 responses have no p99");
	u.requests = 1000;
	u.p99 = 20; /* 100x, but only 20 ms */
	cr_assert(!load_holds(DIAG_LATENCY_SPIKES, &u, 1, &f));
	u = url("/", 10, 30, 200, 100, 0.5); /* 6.7x: steady slowness */
	cr_assert(!load_holds(DIAG_LATENCY_SPIKES, &u, 1, &f));
}

Test(load_rules, ceiling_cpu_or_io_from_the_process_cpu)
{
	struct diag_url u = url("/", 3, 48, 60, 330, 0.97);
	struct diag_finding f;
	char buf[256];
	struct diag_target t = {.pid = 42, .duration = 2};

	cr_assert(load_holds(DIAG_THROUGHPUT_CPU_BOUND, &u, 1, &f));
	cr_assert(!f.offcpu);
	diag_next(&f, &t, buf, sizeof(buf), NULL);
	cr_assert_str_eq(buf, "perfops record --duration 20 -o "
			      "perfops-cpu.svg -p 42");
	cr_assert(!load_holds(DIAG_THROUGHPUT_IO_BOUND, &u, 1, &f));
	u.cpu = u.top = 0.02;
	cr_assert(load_holds(DIAG_THROUGHPUT_IO_BOUND, &u, 1, &f));
	cr_assert(!load_holds(DIAG_THROUGHPUT_CPU_BOUND, &u, 1, &f));
	/* One thread saturated is CPU-bound even when the process sums
	 * to less (others idle). */
	u.top = 0.9;
	cr_assert(load_holds(DIAG_THROUGHPUT_CPU_BOUND, &u, 1, &f));
	/* Latency that does not grow under load is no ceiling. */
	u = url("/", 3, 4, 6, 2000, 0.02);
	cr_assert(!load_holds(DIAG_THROUGHPUT_IO_BOUND, &u, 1, &f));
	/* 4x, but 3 ms: a fast server that queues a little. */
	u = url("/", 1, 4, 6, 2000, 0.02);
	cr_assert(!load_holds(DIAG_THROUGHPUT_IO_BOUND, &u, 1, &f));
}

Test(load_rules, spikes_next_is_an_open_loop_and_ranked)
{
	struct diag_url u[2] = {url("http://h/a", 0.1, 0.2, 290, 301, 0.01),
				url("http://h/b", 40, 41, 45, 190, 0.01)};
	struct diag_load l = {.u = u, .n = 2, .connections = 8, .ncpus = 2};
	struct diag_thresholds th;
	struct diag_result r = {.n = 0};
	struct diag_target t = {.pid = 42};
	char buf[256];
	size_t i;

	diag_thresholds_init(&th);
	diag_classify_load(&l, &th, &r);
	cr_assert_eq(r.n, 2);
	for (i = 0; i < r.n; i++)
		if (r.f[i].id == DIAG_LATENCY_SPIKES) {
			diag_next(&r.f[i], &t, buf, sizeof(buf), NULL);
			cr_assert_str_eq(buf, "perfops load --rate 150 "
					      "--duration 30s http://h/a");
		}
	cr_assert(r.f[0].confidence >= r.f[1].confidence);
}

Test(load_rules, cpu_over_the_loaded_window_only)
{
	struct diag_sample smp[6] = {{0}};
	struct diag_series s = {.s = smp, .n = 6, .ncpus = 2};
	struct diag_url u = {.t0 = 0.25, .t1 = 0.55};
	size_t i;

	for (i = 0; i < 6; i++) {
		smp[i].t = 0.1 * (double)i;
		smp[i].dt = i ? 0.1 : 0;
		/* Busy from 0.4 to 0.5 only. */
		smp[i].cpu = i == 5 ? 0.9 : 0.1;
		smp[i].wait = 0.05;
		smp[i].top_demand = smp[i].cpu;
	}
	/* Intervals within [0.25, 0.55]: (0.3,0.4] and (0.4,0.5]; the
	 * median of 0.15 and 0.95. */
	diag_url_cpu(&s, &u);
	NEAR(u.cpu, 0.55, 1e-9);
	u.t0 = 0.35;
	diag_url_cpu(&s, &u);
	NEAR(u.cpu, 0.95, 1e-9);
	NEAR(u.top, 0.9, 1e-9);
}
