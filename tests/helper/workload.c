/*
 * A workload with known hot spots for the `perfops record` tests: built
 * with frame pointers and without inlining of the functions below, so a
 * profile of it has a known shape.
 *
 *   perfops-workload [cpu|qsort|threads|all] [SECONDS] [ROUNDS]
 *
 * With ROUNDS the main loop does exactly that many rounds (a fixed amount
 * of work, for overhead benchmarks) instead of running SECONDS.  With
 * WL_START_FILE set, the main loop waits until that file exists (a test
 * attaches first, then lets it run).
 *
 * cpu:     hot_a, hot_b and hot_c take 60%, 30% and 10% of the CPU.
 * qsort:   main -> sort_loop -> qsort (libc, no frame pointers) ->
 *          compare_ints, the path only a DWARF unwind gets right.
 * threads: the cpu loop, plus a thread "wl-sleeper" blocked on a futex
 *          (futex_sleep) and a forked child "wl-child" spinning in
 *          child_spin.  With WL_SLEEPER_FILE set, the sleeper's lifetime
 *          in seconds (its own clock, from its start to its end) is
 *          written there: on a busy machine the last cpu round and the
 *          child run late, and the sleeper lives that much longer.
 * all:     cpu and qsort alternating, with the sleeper and the child.
 * late:    sleeps 1 s, then starts a thread "wl-late" spinning in late_spin:
 *          a thread born after `perfops record -p` attached.
 * inline:  inl_outer spinning in inl_inner, which the compiler inlines
 *          into it: only DWARF's inline records name inl_inner.
 * deep:    recurse spin 3000 deep, spinning in deep_leaf: every stack is
 *          deeper than kernel.perf_event_max_stack (127 by default).
 * jit:     (x86-64) a loop of machine code in an anonymous executable
 *          page, named "jit_hot_loop" in /tmp/perf-PID.map as a JIT
 *          would name it; only the perf map can name it.
 * jitlate: the same code, run for SECONDS/2 before the perf map names it
 *          "jit_late_loop" (a JIT names code after it first ran), then
 *          SECONDS/2 more.
 * jitcall: (x86-64) jit_call_mode calls a JIT trampoline ("jit_tramp" in
 *          the perf map: push %rbp; mov %rsp,%rbp; call *%rdi), as
 *          Python's -X perf makes them, which calls back jit_callee
 *          spinning in C: a DWARF unwind meets code without CFI midway.
 */
#include "core/compat.h"
#include <linux/futex.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
/* noclone: a specialized copy would get another symbol name. */
#define NOINLINE __attribute__((noinline, noclone))
#endif

static volatile unsigned long sink;
static volatile int stop;
static int futex_word;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Storing through a call makes the hot functions non-leaf: GCC 12 omits
 * the frame of a leaf function even with -mno-omit-leaf-frame-pointer,
 * which would hide their callers from a frame-pointer walk.
 */
NOINLINE void keep(unsigned long x)
{
	sink = x;
}

/* Each hot function spins on its own so it is the leaf of its samples. */
NOINLINE void hot_a(unsigned long n)
{
	unsigned long i, x = sink;

	for (i = 0; i < n; i++)
		x = x * 6364136223846793005ul + 1442695040888963407ul;
	keep(x);
}

NOINLINE void hot_b(unsigned long n)
{
	unsigned long i, x = sink;

	for (i = 0; i < n; i++)
		x = x * 6364136223846793005ul + 1442695040888963407ul;
	keep(x);
}

NOINLINE void hot_c(unsigned long n)
{
	unsigned long i, x = sink;

	for (i = 0; i < n; i++)
		x = x * 6364136223846793005ul + 1442695040888963407ul;
	keep(x);
}

/*
 * About 100 ms a round, a hundred sampling periods: a round of about one
 * period would sample every round at the same phase (a stroboscope), and
 * the shares would depend on that phase rather than on the work.
 */
NOINLINE void cpu_round(void)
{
	hot_a(60000000);
	hot_b(30000000);
	hot_c(10000000);
}

NOINLINE int compare_ints(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	unsigned long i, s = 0;

	/* Make the comparator, not qsort itself, the hot part. */
	for (i = 0; i < 20; i++)
		s += (unsigned long)(x ^ (int)i);
	sink += s;
	return (x > y) - (x < y);
}

NOINLINE void sort_round(int *v, size_t n)
{
	size_t i;
	unsigned seed = 12345;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		v[i] = (int)(seed >> 8);
	}
	qsort(v, n, sizeof(*v), compare_ints);
}

NOINLINE void futex_sleep(void)
{
	struct timespec ts = {0, 100 * 1000 * 1000};

	/* Nobody wakes the word: each wait ends by its timeout. */
	syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
}

static double sleeper_life;

static void *sleeper(void *arg)
{
	double born = now();

	(void)arg;
	prctl(PR_SET_NAME, "wl-sleeper");
	while (!stop)
		futex_sleep();
	sleeper_life = now() - born;
	return NULL;
}

static void write_sleeper_life(void)
{
	const char *path = getenv("WL_SLEEPER_FILE");
	FILE *f;

	if (!path || !(f = fopen(path, "w")))
		return;
	fprintf(f, "%.6f\n", sleeper_life);
	fclose(f);
}

NOINLINE void child_spin(double until)
{
	while (now() < until)
		hot_c(100000);
}

static void run(const char *mode, double seconds, long rounds)
{
	const char *gate = getenv("WL_START_FILE");

	/* Until a profiler has attached, with nothing to sample. */
	while (gate && access(gate, F_OK) < 0)
		usleep(10000);
	double until = now() + seconds;
	int use_cpu = !strcmp(mode, "cpu") || !strcmp(mode, "threads") ||
		      !strcmp(mode, "all");
	int use_sort = !strcmp(mode, "qsort") || !strcmp(mode, "all");
	static int v[4096];

	int fixed = rounds > 0;

	while (fixed ? rounds-- > 0 : now() < until) {
		int k;

		if (use_cpu)
			cpu_round();
		/* Beside a 100 ms cpu round, enough sorting to show. */
		for (k = 0; use_sort && k < (use_cpu ? 100 : 1); k++)
			sort_round(v, ARRAY_SIZE(v));
	}
}

NOINLINE void late_spin(double until)
{
	while (now() < until)
		hot_b(100000);
}

/* Inlined even under -fno-inline: always_inline overrides it. */
static inline __attribute__((always_inline)) unsigned long
inl_inner(unsigned long x, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		x = x * 6364136223846793005ul + 1442695040888963407ul;
	return x;
}

NOINLINE void inl_outer(double until)
{
	unsigned long x = sink;

	while (now() < until)
		x = inl_inner(x, 1000000);
	keep(x);
}

static void *late_thread(void *arg)
{
	prctl(PR_SET_NAME, "wl-late");
	late_spin(now() + *(double *)arg);
	return NULL;
}

NOINLINE void deep_leaf(double until)
{
	while (now() < until)
		hot_c(100000);
}

/* Not a tail call: the addition after it keeps every frame. */
NOINLINE unsigned long recurse(int n, double until)
{
	unsigned long r;

	if (n <= 0) {
		deep_leaf(until);
		return sink;
	}
	r = recurse(n - 1, until);
	__asm__ volatile("" : "+r"(r));
	return r + (unsigned long)n;
}

static int late(double seconds)
{
	struct timespec one = {1, 0};
	pthread_t th;

	nanosleep(&one, NULL);
	if (pthread_create(&th, NULL, late_thread, &seconds))
		return 1;
	pthread_join(th, NULL);
	return 0;
}

#if defined(__x86_64__)
/* Machine code copied into an anonymous executable mapping, or NULL. */
static void *jit_copy(const unsigned char *code, size_t len)
{
	void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (page == MAP_FAILED)
		return NULL;
	memcpy(page, code, len);
	return page;
}

/* Name code in /tmp/perf-PID.map (into path) as a JIT does; -1 on error. */
static int jit_name(void *page, size_t len, const char *name, char *path,
		    size_t size)
{
	FILE *map;

	snprintf(path, size, "/tmp/perf-%d.map", (int)getpid());
	map = fopen(path, "w");
	if (!map)
		return -1;
	fprintf(map, "%lx %zx %s\n", (unsigned long)page, len, name);
	return fclose(map) ? -1 : 0;
}
#endif

/*
 * Generated code as a JIT makes it: copied into an anonymous executable
 * mapping, with its name only in /tmp/perf-PID.map, written when the code
 * has run for `unnamed` seconds (0: before it first runs).
 */
static int jit(double seconds, double unnamed, const char *name)
{
#if defined(__x86_64__)
	/* xor %rax,%rax; 1: inc %rax; cmp $0x1000000,%rax; jne 1b; ret */
	static const unsigned char code[] = {0x48, 0x31, 0xc0, 0x48, 0xff,
					     0xc0, 0x48, 0x3d, 0x00, 0x00,
					     0x00, 0x01, 0x75, 0xf5, 0xc3};
	double named_at = now() + unnamed, until = now() + seconds;
	char path[64];
	void (*fn)(void);
	void *page = jit_copy(code, sizeof(code));

	if (!page)
		return 1;
	fn = (void (*)(void))page;
	while (now() < named_at)
		fn();
	if (jit_name(page, sizeof(code), name, path, sizeof(path)) < 0)
		return 1;
	while (now() < until)
		fn();
	unlink(path);
	return 0;
#else
	(void)seconds;
	(void)unnamed;
	(void)name;
	fprintf(stderr, "perfops-workload: jit needs x86-64\n");
	return 3;
#endif
}

static double jit_call_until;

NOINLINE void jit_callee(void)
{
	while (now() < jit_call_until)
		hot_a(100000);
}

NOINLINE int jit_call_mode(double seconds)
{
#if defined(__x86_64__)
	/* push %rbp; mov %rsp,%rbp; call *%rdi; pop %rbp; ret */
	static const unsigned char code[] = {0x55, 0x48, 0x89, 0xe5,
					     0xff, 0xd7, 0x5d, 0xc3};
	void (*tramp)(void (*)(void));
	char path[64];
	void *page = jit_copy(code, sizeof(code));

	if (!page ||
	    jit_name(page, sizeof(code), "jit_tramp", path, sizeof(path)) < 0)
		return 1;
	tramp = (void (*)(void (*)(void)))page;
	jit_call_until = now() + seconds;
	tramp(jit_callee);
	unlink(path);
	return 0;
#else
	(void)seconds;
	fprintf(stderr, "perfops-workload: jitcall needs x86-64\n");
	return 3;
#endif
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "cpu";
	double seconds = argc > 2 ? strtod(argv[2], NULL) : 2;
	long rounds = argc > 3 ? strtol(argv[3], NULL, 10) : 0;
	int extras = !strcmp(mode, "threads") || !strcmp(mode, "all");
	pthread_t th;
	pid_t child = -1;

	if (!strcmp(mode, "jit"))
		return jit(seconds > 0 ? seconds : 2, 0, "jit_hot_loop");
	if (!strcmp(mode, "jitlate"))
		return jit(seconds > 0 ? seconds : 2,
			   seconds > 0 ? seconds / 2 : 1, "jit_late_loop");
	if (!strcmp(mode, "jitcall"))
		return jit_call_mode(seconds > 0 ? seconds : 2);
	if (!strcmp(mode, "late"))
		return late(seconds > 0 ? seconds : 2);
	if (!strcmp(mode, "deep")) {
		keep(recurse(3000, now() + (seconds > 0 ? seconds : 2)));
		return 0;
	}
	if (!strcmp(mode, "inline")) {
		inl_outer(now() + (seconds > 0 ? seconds : 2));
		return 0;
	}
	if (strcmp(mode, "cpu") && strcmp(mode, "qsort") &&
	    strcmp(mode, "threads") && strcmp(mode, "all")) {
		fprintf(stderr, "usage: perfops-workload "
				"[cpu|qsort|threads|all|late|inline|deep|jit|"
				"jitlate|jitcall] [SECONDS]\n");
		return 2;
	}
	if (!(seconds > 0))
		seconds = 2;
	if (extras) {
		if (pthread_create(&th, NULL, sleeper, NULL))
			return 1;
		child = fork();
		if (child == 0) {
			prctl(PR_SET_NAME, "wl-child");
			child_spin(now() + seconds);
			_exit(0);
		}
	}
	run(mode, seconds, rounds);
	if (extras) {
		stop = 1;
		pthread_join(th, NULL);
		write_sleeper_life();
		if (child > 0)
			waitpid(child, NULL, 0);
	}
	printf("%lu\n", sink & 1);
	return 0;
}
