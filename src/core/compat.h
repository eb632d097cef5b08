#ifndef PERFOPS_COMPAT_H
#define PERFOPS_COMPAT_H

/*
 * Every perfops .c file includes this first: the system headers the code
 * base relies on, a few helpers every module uses, and banned.h last so the
 * banned functions cannot sneak back in through a later include.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define UNUSED __attribute__((unused))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* Allocation that cannot fail: out of memory aborts with a message. */
void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
/* Like xcalloc(), zeroed by writing: for a table that is read before it
 * is written, where calloc()'s fresh pages would fault twice (the shared
 * zero page, then the copy) and, with threads, shoot down every CPU's
 * TLB. */
void *xcalloc_written(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Size arithmetic that aborts on overflow instead of wrapping. */
size_t st_mult(size_t a, size_t b);
size_t st_add(size_t a, size_t b);

/*
 * Grow the array x (with nr used and alloc allocated elements) so that it
 * holds at least n elements, like git's ALLOC_GROW.
 */
#define ALLOC_GROW(x, n, alloc)                                                \
	do {                                                                   \
		if ((n) > (alloc)) {                                           \
			size_t grow_ = (alloc) < 8 ? 16 : (alloc)*2;           \
			if (grow_ < (size_t)(n))                               \
				grow_ = (n);                                   \
			(x) = xrealloc((x), st_mult(sizeof(*(x)), grow_));     \
			(alloc) = grow_;                                       \
		}                                                              \
	} while (0)

/*
 * Binary search: the first i in [0, n) for which the expression below
 * (of i) is false, n when none is, where below holds for a prefix of the
 * range (std::partition_point).  With "v[i].key < k" it is the first
 * element not below k; with "v[i].key <= k", one past the last at or
 * below k.
 */
#define PARTITION_POINT(n, i, below)                                           \
	({                                                                     \
		size_t lo_ = 0, hi_ = (n);                                     \
		while (lo_ < hi_) {                                            \
			size_t i = lo_ + (hi_ - lo_) / 2;                      \
			if (below)                                             \
				lo_ = i + 1;                                   \
			else                                                   \
				hi_ = i;                                       \
		}                                                              \
		lo_;                                                           \
	})

#include "core/banned.h"

#endif
