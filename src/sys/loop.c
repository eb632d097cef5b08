#include "core/compat.h"
#include "sys/loop.h"
#include "sys/spawn.h"
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>

/* The loop's times are sys_now_ns(), the one monotonic clock. */
int64_t loop_now(void)
{
	return (int64_t)sys_now_ns();
}

int loop_init(struct loop *l)
{
	struct epoll_event ev = {.events = EPOLLIN};

	l->timer_at = -1;
	l->on_timer = NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		l->timerfd = -1;
		return -errno;
	}
	l->timerfd =
	    timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (l->timerfd < 0) {
		int e = -errno;

		close(l->epfd);
		l->epfd = -1;
		return e;
	}
	/* The timer is told apart from file events by a NULL data pointer. */
	ev.data.ptr = NULL;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->timerfd, &ev) < 0) {
		int e = -errno;

		close(l->timerfd);
		close(l->epfd);
		l->timerfd = l->epfd = -1;
		return e;
	}
	return 0;
}

void loop_release(struct loop *l)
{
	if (l->timerfd >= 0)
		close(l->timerfd);
	if (l->epfd >= 0)
		close(l->epfd);
	l->timerfd = l->epfd = -1;
}

int loop_watch(struct loop *l, int fd, unsigned mask, void *data)
{
	struct epoll_event ev = {0};

	ev.events = (mask & LOOP_READ ? EPOLLIN : 0) |
		    (mask & LOOP_WRITE ? EPOLLOUT : 0);
	ev.data.ptr = data;
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) == 0)
		return 0;
	if (errno != ENOENT)
		return -errno;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	return 0;
}

void loop_unwatch(struct loop *l, int fd)
{
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
}

int loop_set_timer(struct loop *l, int64_t at, loop_fn fn, void *data)
{
	struct itimerspec its = {0};

	l->on_timer = fn;
	l->timer_data = data;
	if (at == l->timer_at)
		return 0;
	/* 0 would disarm the timer: a deadline in the past fires at once. */
	if (at < 1)
		at = 1;
	its.it_value.tv_sec = at / 1000000000;
	its.it_value.tv_nsec = at % 1000000000;
	if (timerfd_settime(l->timerfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		return -errno;
	l->timer_at = at;
	return 0;
}

int loop_run_once(struct loop *l, int timeout_ms, loop_fn fn)
{
	struct epoll_event evs[256];
	int n, i;

	n = epoll_wait(l->epfd, evs, ARRAY_SIZE(evs), timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (i = 0; i < n; i++) {
		unsigned mask = 0;

		if (!evs[i].data.ptr) {
			uint64_t ticks;

			if (read(l->timerfd, &ticks, sizeof(ticks)) < 0 &&
			    errno == EAGAIN)
				continue;
			l->timer_at = -1;
			if (l->on_timer)
				l->on_timer(l, l->timerfd, l->timer_data, 0);
			continue;
		}
		if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
			mask |= LOOP_READ;
		if (evs[i].events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
			mask |= LOOP_WRITE;
		fn(l, -1, evs[i].data.ptr, mask);
	}
	return n;
}
