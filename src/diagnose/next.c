#include "core/compat.h"
#include "diagnose/diagnose.h"
#include <math.h>

/* Append one word to the command (argv and its shell-quoted text). */
static void add_word(char ***argv, size_t *n, char *buf, size_t size,
		     const char *w)
{
	size_t len = strlen(buf);
	int plain = *w != '\0';
	const char *p;

	for (p = w; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("-_./=:,+@%", *p))
			plain = 0;
	if (len && len + 1 < size)
		buf[len++] = ' ';
	if (plain) {
		snprintf(buf + len, size - len, "%s", w);
	} else {
		/* 'it'\''s': single quotes, each quote closed and escaped. */
		if (len + 1 < size)
			buf[len++] = '\'';
		for (p = w; *p && len + 5 < size; p++) {
			if (*p == '\'') {
				memcpy(buf + len, "'\\''", 4);
				len += 4;
			} else {
				buf[len++] = *p;
			}
		}
		if (len + 1 < size)
			buf[len++] = '\'';
		buf[MIN(len, size - 1)] = '\0';
	}
	if (argv) {
		*argv = xrealloc(*argv, (*n + 2) * sizeof(**argv));
		(*argv)[*n] = xstrdup(w);
		(*argv)[*n + 1] = NULL;
	}
	(*n)++;
}

#define W(w) add_word(argv_out, &n, buf, size, (w))

/* The target of a record: -p PID, -a, or -- CMD when diagnose started the
 * command (a process watched by -p is attached to, never started again:
 * its command line would start a second server on the same port). */
static void add_target(const struct diag_target *t, char ***argv_out,
		       size_t *np, char *buf, size_t size, int cmd_ok)
{
	size_t n = *np;
	char pid[24];

	if (!t->pid) {
		W("-a");
	} else if (t->argv && cmd_ok && t->started) {
		char *const *a;

		W("--");
		for (a = t->argv; *a; a++)
			W(*a);
	} else {
		snprintf(pid, sizeof(pid), "%d", t->pid);
		W("-p");
		W(pid);
	}
	*np = n;
}

size_t diag_next(const struct diag_finding *f, const struct diag_target *t,
		 char *buf, size_t size, char ***argv_out)
{
	size_t n = 0;
	char dur[32];
	/* As long as the watch that found it, 5 s at least. */
	double d = ceil(MAX(5.0, t->duration));

	buf[0] = '\0';
	if (argv_out)
		*argv_out = NULL;
	switch (f->id) {
	case DIAG_CPU_PERIODIC:
		/* Three periods at least, so the bursts show. */
		d = MAX(d, ceil(3 * f->period));
		/* fallthrough */
	case DIAG_CPU_ONE_CORE:
	case DIAG_CPU_ALL_CORES:
	case DIAG_SYSTEM_CPU_SATURATED:
		W("perfops");
		W("record");
		if (f->id == DIAG_CPU_ALL_CORES)
			W("--per-thread");
		if (!t->pid || f->id == DIAG_SYSTEM_CPU_SATURATED) {
			W("-a");
			d = 10;
		}
		snprintf(dur, sizeof(dur), "%g", d);
		W("--duration");
		W(dur);
		W("-o");
		W(f->id == DIAG_SYSTEM_CPU_SATURATED ? "perfops-system.svg"
						     : "perfops-cpu.svg");
		if (t->pid && f->id != DIAG_SYSTEM_CPU_SATURATED)
			add_target(t, argv_out, &n, buf, size, 1);
		break;
	case DIAG_IO_BOUND:
	case DIAG_LOCK_CONTENTION:
		W("perfops");
		W("record");
		W("--off-cpu");
		snprintf(dur, sizeof(dur), "%g", d);
		W("--duration");
		W(dur);
		W("-o");
		W("perfops-offcpu.svg");
		add_target(t, argv_out, &n, buf, size, 1);
		break;
	case DIAG_MEMORY_GROWING:
	case DIAG_MEMORY_SUDDEN:
	case DIAG_MEMORY_STABLE_HIGH:
		/* The heap is traced from the start: of a command diagnose
		 * started, started again.  A process watched by -p is not
		 * restarted behind its owner's back (a second server on the
		 * same port): the guide says how. */
		if (t->pid && t->argv && t->started) {
			char *const *a;

			W("perfops");
			W("heap");
			W("--");
			for (a = t->argv; *a; a++)
				W(*a);
			break;
		}
		/* Nor has the whole machine a heap to trace. */
		W("perfops");
		W("guide");
		W(diag_id_name(f->id));
		break;
	case DIAG_LATENCY_SPIKES:
		/* The open loop at half the measured rate: the spikes show
		 * in the distribution without coordinated omission. */
		if (f->url[0] && f->rps > 0) {
			char rate[32];

			snprintf(rate, sizeof(rate), "%.0f",
				 MAX(1.0, floor(f->rps / 2)));
			W("perfops");
			W("load");
			W("--rate");
			W(rate);
			W("--duration");
			W("30s");
			W(f->url);
			break;
		}
		/* fallthrough */
	case DIAG_SLOW_ALL_ENDPOINTS:
	case DIAG_SLOW_ONE_ENDPOINT:
	case DIAG_THROUGHPUT_CPU_BOUND:
	case DIAG_THROUGHPUT_IO_BOUND:
		/* Where the time goes while it is slow: on its CPUs, or off
		 * them (waiting) as the evidence said. */
		if (t->pid) {
			W("perfops");
			W("record");
			if (f->offcpu)
				W("--off-cpu");
			W("--duration");
			W("20");
			W("-o");
			W(f->offcpu ? "perfops-offcpu.svg" : "perfops-cpu.svg");
			add_target(t, argv_out, &n, buf, size, 0);
			break;
		}
		/* fallthrough */
	default:
		W("perfops");
		W("guide");
		W(diag_id_name(f->id));
		break;
	}
	return n;
}
