#include "core/compat.h"
#include "core/progress.h"
#include "core/strbuf.h"
#include "core/utf8.h"
#include <time.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int progress_enabled(void)
{
	return isatty(2) && !getenv("PERFOPS_NO_PROGRESS");
}

void progress_set_title(struct progress *p, const char *title)
{
	struct strbuf sb = STRBUF_INIT;

	/* Titles quote file and command names: escape what a terminal runs
	 * (the cut may split an escape, which then shows as plain text). */
	utf8_add_printable(&sb, title, strlen(title));
	snprintf(p->title, sizeof(p->title), "%s", sb.buf);
	strbuf_release(&sb);
}

void progress_start(struct progress *p, const char *title, uint64_t total)
{
	memset(p, 0, sizeof(*p));
	progress_set_title(p, title);
	p->total = total;
	p->active = progress_enabled();
	p->start = p->last_draw = now();
}

static void draw(struct progress *p, double t)
{
	double elapsed = t - p->start;

	if (p->total) {
		double frac = (double)p->done / (double)p->total;
		double left = frac > 0 ? elapsed / frac - elapsed : 0;

		fprintf(stderr, "\r\033[K%s: %3.0f%% (%.0fs left)", p->title,
			frac * 100, left);
	} else {
		fprintf(stderr, "\r\033[K%s: %" PRIu64 " (%.0fs)", p->title,
			p->done, elapsed);
	}
	p->drawn = 1;
	p->last_draw = t;
}

void progress_update(struct progress *p, uint64_t done)
{
	double t;

	p->done = done;
	if (!p->active)
		return;
	t = now();
	/* Nothing is drawn for work that finishes within half a second. */
	if (t - p->last_draw < 0.1 || t - p->start < 0.5)
		return;
	draw(p, t);
}

void progress_stop(struct progress *p)
{
	if (p->active && p->drawn)
		fputs("\r\033[K", stderr);
	p->active = 0;
}
