#ifndef PERFOPS_PROGRESS_H
#define PERFOPS_PROGRESS_H

#include <stdint.h>

/*
 * A live progress line on stderr, drawn only when stderr is a terminal
 * (and PERFOPS_NO_PROGRESS is unset), redrawn at most ten times a second,
 * and erased by progress_stop() so that it never ends up in logs.
 */
struct progress {
	char title[64];
	uint64_t total; /* 0 when unknown */
	uint64_t done;
	double start, last_draw;
	int active;
	int drawn;
};

void progress_start(struct progress *p, const char *title, uint64_t total);
void progress_update(struct progress *p, uint64_t done);
/* Replace the title (for example "run 3/10") without redrawing at once. */
void progress_set_title(struct progress *p, const char *title);
void progress_stop(struct progress *p);
/* Whether progress lines are drawn at all (for callers that format their own).
 */
int progress_enabled(void);

#endif
