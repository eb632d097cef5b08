/*
 * Sampled mode: byte-weighted Poisson sampling, as jemalloc, tcmalloc and
 * Go do.  Each thread counts down an exponentially distributed number of
 * bytes (mean pfh_interval); the allocation that crosses zero is sampled,
 * so an allocation of s bytes is sampled with probability
 * 1 - exp(-s / interval), and the reader weighs it by 1/p.
 *
 * The frees that matter are those of sampled blocks: their addresses are
 * kept in a lock-free open-addressing set (deleted entries become
 * tombstones), looked up on every free.
 */
#include <math.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "heap/preload/pfh.h"

#define PFH_SET_SLOTS (1u << 20)
#define PFH_TOMB ((uintptr_t)1)

static uintptr_t *pfh_set;
/*
 * A counting filter in front of the set: most frees are of blocks never
 * sampled, and one byte of a 64 kB table (which stays in cache) says so
 * without touching the 8 MB set.  Static, so that the free fast path
 * reads it without loading a pointer first: all zero while nothing is
 * traced, all set in exact mode (every free is recorded), and a
 * saturated 255 for the bootstrap pool's blocks, which only the slow
 * path knows how to free.
 */
unsigned char pfh_filter[PFH_FILTER_SLOTS];
PFH_TLS int64_t pfh_countdown;
static PFH_TLS uint64_t pfh_rng;
static PFH_TLS int pfh_countdown_set;
/* PERFOPS_HEAP_SEED: each thread's generator starts from the seed and the
 * thread's rank, so a run of the same program repeats its samples. */
uint64_t pfh_seed;
static unsigned pfh_threads_seeded;

static uint64_t pfh_random(void)
{
	uint64_t x = pfh_rng;

	if (!x && pfh_seed) {
		unsigned rank = __atomic_fetch_add(&pfh_threads_seeded, 1,
						   __ATOMIC_RELAXED);

		x = pfh_seed * 0x9e3779b97f4a7c15ull + rank + 1;
	}
	if (!x) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		x = (uint64_t)ts.tv_nsec ^
		    ((uint64_t)syscall(SYS_gettid) << 32) ^
		    0x9e3779b97f4a7c15ull;
	}
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	pfh_rng = x;
	return x;
}

static int64_t pfh_next_interval(void)
{
	/* u in (0, 1]: 53 random bits. */
	double u = ((double)(pfh_random() >> 11) + 1.0) / 9007199254740992.0;
	double v = -log(u) * (double)pfh_interval;

	return v < 1.0 ? 1 : (int64_t)v;
}

int pfh_sample_take(size_t size)
{
	if (__builtin_expect(!pfh_countdown_set, 0)) {
		/* A new thread: its first interval starts now. */
		pfh_countdown_set = 1;
		pfh_countdown = pfh_next_interval();
	}
	pfh_countdown -= (int64_t)size;
	if (pfh_countdown > 0)
		return 0;
	/* The exponential is memoryless: a fresh draw from here is the
	 * next sample point, whatever this allocation's size. */
	pfh_countdown = pfh_next_interval();
	return 1;
}

static uint32_t pfh_set_hash(const void *p)
{
	return (uint32_t)(((uintptr_t)p * 0x9e3779b97f4a7c15ull) >> 40) &
	       (PFH_SET_SLOTS - 1);
}

void pfh_sampled_reset(void)
{
	if (!pfh_set)
		pfh_set = pfh_map(sizeof(*pfh_set) * PFH_SET_SLOTS);
}

int pfh_sampled_add(const void *p)
{
	uint32_t i = pfh_set_hash(p), n;

	if (!pfh_set)
		return 0;
	for (n = 0; n < 4096; n++, i = (i + 1) & (PFH_SET_SLOTS - 1)) {
		uintptr_t cur = __atomic_load_n(&pfh_set[i], __ATOMIC_RELAXED);

		if ((cur == 0 || cur == PFH_TOMB) &&
		    __atomic_compare_exchange_n(&pfh_set[i], &cur, (uintptr_t)p,
						0, __ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED)) {
			/* A saturated counter stays set for good. */
			unsigned char *f = pfh_filter_slot(p);
			unsigned char c = __atomic_load_n(f, __ATOMIC_RELAXED);

			while (c != 255 &&
			       !__atomic_compare_exchange_n(f, &c, c + 1, 0,
							    __ATOMIC_RELAXED,
							    __ATOMIC_RELAXED))
				;
			return 1;
		}
	}
	return 0;
}

int pfh_sampled_del(const void *p)
{
	uint32_t i = pfh_set_hash(p), n;
	uintptr_t *set = __atomic_load_n(&pfh_set, __ATOMIC_ACQUIRE);

	if (!set || !pfh_maybe_sampled(p))
		return 0;
	for (n = 0; n < 4096; n++, i = (i + 1) & (PFH_SET_SLOTS - 1)) {
		uintptr_t cur = __atomic_load_n(&set[i], __ATOMIC_RELAXED);
		unsigned char *f, c;

		if (cur == 0)
			return 0;
		if (cur != (uintptr_t)p)
			continue;
		if (!__atomic_compare_exchange_n(&set[i], &cur, PFH_TOMB, 0,
						 __ATOMIC_ACQ_REL,
						 __ATOMIC_RELAXED))
			return 0;
		/* A saturated counter stays set for good. */
		f = pfh_filter_slot(p);
		c = __atomic_load_n(f, __ATOMIC_RELAXED);
		while (c != 255 && c &&
		       !__atomic_compare_exchange_n(
			   f, &c, c - 1, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			;
		return 1;
	}
	return 0;
}
