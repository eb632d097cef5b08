#ifndef PERFOPS_LOOP_H
#define PERFOPS_LOOP_H

#include <stdint.h>

/*
 * A small event loop after redis' ae: one epoll instance, file events with
 * a callback each, and one timer (a timerfd on CLOCK_MONOTONIC, so waits are
 * as fine as nanoseconds, not epoll_wait's milliseconds).  A loop belongs to
 * one thread; nothing here locks.  The loop owns its epoll and timer
 * descriptors; loop_release() closes them (not the watched descriptors).
 */
enum loop_mask {
	LOOP_READ = 1 << 0,
	LOOP_WRITE = 1 << 1,
};

struct loop;
/* mask holds what happened: LOOP_READ, LOOP_WRITE, or both on an error. */
typedef void (*loop_fn)(struct loop *l, int fd, void *data, unsigned mask);

struct loop {
	int epfd, timerfd;
	int64_t timer_at; /* armed deadline, or -1 */
	loop_fn on_timer;
	void *timer_data;
};

/* The monotonic clock in nanoseconds. */
int64_t loop_now(void);

/* Returns 0, or -errno. */
int loop_init(struct loop *l);
void loop_release(struct loop *l);

/* Watch fd for mask (replacing what was watched); data is handed back. */
int loop_watch(struct loop *l, int fd, unsigned mask, void *data);
/* Stop watching fd (before closing it). */
void loop_unwatch(struct loop *l, int fd);

/* Call fn once at the monotonic time at (ns); a new call replaces the old. */
int loop_set_timer(struct loop *l, int64_t at, loop_fn fn, void *data);

/*
 * Wait for events (at most timeout_ms, -1 for no limit) and dispatch them
 * to fn, which gets the data given to loop_watch().  Returns the number of
 * events handled, or -errno.
 */
int loop_run_once(struct loop *l, int timeout_ms, loop_fn fn);

#endif
