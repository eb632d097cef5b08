#include "core/compat.h"
#include "core/json.h"
#include "diagnose/diagnose.h"
#include <math.h>

#define MIB (1024.0 * 1024.0)

/* Averages and extremes of the watch for the summary. */
struct summary {
	double cpu, wait, top, vcsw, ivcsw, minflt, majflt, rbps, wbps;
	double cpu_seconds; /* the sum of cpu x dt */
	double busy, iowait, steal, load;
	double st_run, st_disk, st_futex, st_net, st_sleep;
	uint64_t rss_first, rss_last, rss_max, pss;
	int threads, procs, nfds;
	long fd_limit;
	size_t n;
};

static void summarize(const struct diag_series *s, struct summary *m)
{
	size_t i;

	memset(m, 0, sizeof(*m));
	m->nfds = -1;
	m->fd_limit = -1;
	for (i = 0; i < s->n; i++) {
		const struct diag_sample *d = &s->s[i];

		m->rss_max = MAX(m->rss_max, d->rss);
		m->threads = MAX(m->threads, d->nthreads);
		m->procs = MAX(m->procs, d->nprocs);
		if (d->pss)
			m->pss = d->pss;
		if (d->nfds >= 0) {
			m->nfds = d->nfds;
			m->fd_limit = d->fd_limit;
		}
		m->load = d->load1;
		if (d->dt <= 0)
			continue;
		m->cpu += d->cpu;
		m->cpu_seconds += d->cpu * d->dt;
		m->wait += d->wait;
		m->top = MAX(m->top, d->top_demand);
		m->vcsw += d->vcsw;
		m->st_run += d->st_run;
		m->st_disk += d->st_disk;
		m->st_futex += d->st_futex;
		m->st_net += d->st_net;
		m->st_sleep += d->st_sleep;
		m->ivcsw += d->ivcsw;
		m->minflt += d->minflt;
		m->majflt += d->majflt;
		m->rbps += d->read_bps;
		m->wbps += d->write_bps;
		m->busy += d->sys_busy;
		m->iowait += d->sys_iowait;
		m->steal += d->sys_steal;
		m->n++;
	}
	if (m->n) {
		double k = 1.0 / (double)m->n;

		m->cpu *= k, m->wait *= k, m->vcsw *= k, m->ivcsw *= k;
		m->minflt *= k, m->majflt *= k, m->rbps *= k, m->wbps *= k;
		m->busy *= k, m->iowait *= k, m->steal *= k;
		m->st_run *= k, m->st_disk *= k, m->st_futex *= k;
		m->st_net *= k, m->st_sleep *= k;
	}
	if (s->n) {
		m->rss_first = s->s[0].rss;
		m->rss_last = s->s[s->n - 1].rss;
	}
}

static void sparks(const struct diag_series *s, char *cpu, char *rss,
		   size_t size)
{
	double *a = xmalloc((s->n + 1) * sizeof(*a));
	double *b = xmalloc((s->n + 1) * sizeof(*b));
	size_t i, n = 0;

	for (i = 0; i < s->n; i++) {
		if (s->s[i].dt <= 0)
			continue;
		a[n] = s->s[i].cpu + s->s[i].wait;
		b[n++] = (double)s->s[i].rss;
	}
	diag_sparkline(a, n, 40, s->system ? s->ncpus : 1, cpu, size);
	diag_sparkline(b, n, 40, 0, rss, size);
	free(a);
	free(b);
}

void diag_print_text(FILE *fp, const struct diag_series *s,
		     const struct diag_result *r, const struct diag_target *t)
{
	struct summary m;
	char cpu[256], rss[256], next[1024];
	size_t i;

	summarize(s, &m);
	sparks(s, cpu, rss, sizeof(cpu));
	if (t->pid) {
		char how[80] = "";

		/* A command that fails at once is seen here, not in its
		 * figures (a sample or none). */
		if (t->exited && t->signal > 0)
			snprintf(how, sizeof(how),
				 " (until signal %d, %s, ended it)", t->signal,
				 strsignal(t->signal));
		else if (t->exited && t->exit_status > 0)
			snprintf(how, sizeof(how),
				 " (until it exited with status %d)",
				 t->exit_status);
		else if (t->exited)
			snprintf(how, sizeof(how), " (until it exited)");
		fprintf(fp, "Watched PID %d (%s) for %.1f s%s: %zu samples.\n",
			t->pid, t->comm, t->duration, how, s->n);
	} else
		fprintf(fp, "Watched the machine for %.1f s: %zu samples.\n",
			t->duration, s->n);
	if (t->pid) {
		fprintf(fp,
			"  CPU      %.2f of %d CPUs, busiest thread %.2f, "
			"waiting for a CPU %.2f  %s\n",
			m.cpu, s->ncpus, m.top, m.wait, cpu);
		fprintf(fp, "  memory   RSS %.1f -> %.1f MiB (peak %.1f)",
			(double)m.rss_first / MIB, (double)m.rss_last / MIB,
			(double)m.rss_max / MIB);
		if (m.pss)
			fprintf(fp, ", PSS %.1f MiB", (double)m.pss / MIB);
		fprintf(fp, "  %s\n", rss);
		fprintf(fp,
			"  tasks    %d thread%s in %d process%s; %.0f "
			"voluntary, %.0f involuntary switches/s\n",
			m.threads, m.threads == 1 ? "" : "s", m.procs,
			m.procs == 1 ? "" : "es", m.vcsw, m.ivcsw);
		fprintf(fp,
			"  states   on average %.1f runnable, %.1f in D state, "
			"%.1f on a futex, %.1f on network/events, %.1f asleep "
			"otherwise\n",
			m.st_run, m.st_disk, m.st_futex, m.st_net, m.st_sleep);
		fprintf(fp,
			"  I/O      read %.1f MiB/s, write %.1f MiB/s; faults "
			"%.0f minor, %.0f major /s",
			m.rbps / MIB, m.wbps / MIB, m.minflt, m.majflt);
		if (m.nfds >= 0)
			fprintf(fp, "; %d fds (limit %ld)", m.nfds, m.fd_limit);
		fputc('\n', fp);
	} else {
		fprintf(fp, "  CPU      %.0f%% busy  %s\n", 100 * m.busy, cpu);
		fprintf(fp, "  memory   in use %.1f -> %.1f MiB  %s\n",
			(double)m.rss_first / MIB, (double)m.rss_last / MIB,
			rss);
	}
	fprintf(fp,
		"  machine  %d CPUs %.0f%% busy, iowait %.0f%%, steal %.0f%%, "
		"load %.2f\n",
		s->ncpus, 100 * m.busy, 100 * m.iowait, 100 * m.steal, m.load);
	if (t->load) {
		const struct diag_load *l = t->load;

		if (l->rate > 0)
			fprintf(fp, "  load     open loop at %g req/s:\n",
				l->rate);
		else
			fprintf(fp, "  load     closed loop, %d connections:\n",
				l->connections);
		for (i = 0; i < l->n; i++) {
			const struct diag_url *u = &l->u[i];

			fprintf(fp,
				"    %s  idle p50 %.3g ms; loaded p50 %.3g ms, "
				"p99 %.3g ms, %.0f req/s, %lld errors; CPU "
				"%.2f\n",
				u->url, u->idle_p50, u->p50, u->p99, u->rps,
				(long long)u->errors, u->cpu);
		}
	}
	if (!r->n && s->n < 3) {
		fprintf(fp,
			"\nNo finding: %zu samples are too few to tell (watch "
			"longer, or sample more often with --interval).\n",
			s->n);
		return;
	}
	if (!r->n) {
		fprintf(fp, "\nNo finding: %s looks healthy.\n",
			t->pid ? "the process" : "the machine");
		return;
	}
	fprintf(fp, "\nFindings, most likely first (the machine last):\n");
	for (i = 0; i < r->n; i++) {
		const struct diag_finding *f = &r->f[i];

		diag_next(f, t, next, sizeof(next), NULL);
		fprintf(fp, "%zu. %s (confidence %.2f)\n", i + 1,
			diag_id_name(f->id), f->confidence);
		fprintf(fp, "   evidence: %s\n", f->evidence);
		fprintf(fp, "   next:     %s\n", next);
		fprintf(fp, "   guide:    perfops guide %s\n",
			diag_id_name(f->id));
	}
}

/* A figure rounded to digits decimals: the noise beyond is no news. */
static void json_round(struct json_writer *w, double v, int digits)
{
	double k = pow(10, digits);

	json_double(w, round(v * k) / k);
}

static void kv_round(struct json_writer *w, const char *key, double v,
		     int digits)
{
	json_key(w, key);
	json_round(w, v, digits);
}

void diag_print_json(FILE *fp, const struct diag_series *s,
		     const struct diag_result *r, const struct diag_target *t)
{
	struct json_writer w;
	struct summary m;
	char next[1024];
	size_t i;

	summarize(s, &m);
	json_init(&w, fp, 1);
	json_begin_object(&w);
	json_key(&w, "target");
	json_begin_object(&w);
	kv_round(&w, "pid", t->pid, 0);
	if (t->pid) {
		json_kv_string(&w, "comm", t->comm);
	}
	kv_round(&w, "duration", t->duration, 3);
	json_kv_bool(&w, "exited", t->exited);
	if (t->exited && t->exit_status >= 0)
		kv_round(&w, "exit_status", t->exit_status, 0);
	if (t->exited && t->signal > 0)
		kv_round(&w, "signal", t->signal, 0);
	if (t->started && t->command_cpu >= 0)
		kv_round(&w, "command_cpu_seconds", t->command_cpu, 3);
	kv_round(&w, "samples", (double)s->n, 0);
	kv_round(&w, "ncpus", s->ncpus, 0);
	json_end_object(&w);
	json_key(&w, "summary");
	json_begin_object(&w);
	kv_round(&w, "cpu", m.cpu, 3);
	kv_round(&w, "cpu_seconds", m.cpu_seconds, 3);
	kv_round(&w, "cpu_wait", m.wait, 3);
	kv_round(&w, "busiest_thread", m.top, 3);
	kv_round(&w, "rss_first", (double)m.rss_first, 0);
	kv_round(&w, "rss_last", (double)m.rss_last, 0);
	kv_round(&w, "rss_peak", (double)m.rss_max, 0);
	kv_round(&w, "pss", (double)m.pss, 0);
	kv_round(&w, "threads", m.threads, 0);
	kv_round(&w, "processes", m.procs, 0);
	json_key(&w, "thread_states");
	json_begin_object(&w);
	kv_round(&w, "runnable", m.st_run, 2);
	kv_round(&w, "disk", m.st_disk, 2);
	kv_round(&w, "futex", m.st_futex, 2);
	kv_round(&w, "network", m.st_net, 2);
	kv_round(&w, "other", m.st_sleep, 2);
	json_end_object(&w);
	kv_round(&w, "voluntary_switches_per_s", m.vcsw, 0);
	kv_round(&w, "involuntary_switches_per_s", m.ivcsw, 0);
	kv_round(&w, "major_faults_per_s", m.majflt, 0);
	kv_round(&w, "read_bytes_per_s", m.rbps, 0);
	kv_round(&w, "write_bytes_per_s", m.wbps, 0);
	kv_round(&w, "system_busy", m.busy, 3);
	kv_round(&w, "system_iowait", m.iowait, 3);
	json_end_object(&w);
	if (t->load) {
		json_key(&w, "load");
		json_begin_array(&w);
		for (i = 0; i < t->load->n; i++) {
			const struct diag_url *u = &t->load->u[i];

			json_begin_object(&w);
			json_kv_string(&w, "url", u->url);
			kv_round(&w, "idle_p50_ms", u->idle_p50, 3);
			kv_round(&w, "p50_ms", u->p50, 3);
			kv_round(&w, "p99_ms", u->p99, 3);
			kv_round(&w, "rps", u->rps, 1);
			kv_round(&w, "requests", (double)u->requests, 0);
			kv_round(&w, "errors", (double)u->errors, 0);
			kv_round(&w, "cpu", u->cpu, 3);
			kv_round(&w, "busiest_thread", u->top, 3);
			json_end_object(&w);
		}
		json_end_array(&w);
	}
	json_key(&w, "findings");
	json_begin_array(&w);
	for (i = 0; i < r->n; i++) {
		const struct diag_finding *f = &r->f[i];

		diag_next(f, t, next, sizeof(next), NULL);
		json_begin_object(&w);
		json_kv_string(&w, "id", diag_id_name(f->id));
		kv_round(&w, "confidence", f->confidence, 2);
		json_kv_string(&w, "evidence", f->evidence);
		json_kv_string(&w, "next", next);
		if (f->id == DIAG_CPU_PERIODIC)
			kv_round(&w, "period", f->period, 3);
		json_kv_string(&w, "guide", diag_id_name(f->id));
		json_end_object(&w);
	}
	json_end_array(&w);
	json_end_object(&w);
	fputc('\n', fp);
}
