/*
 * Programs with a known allocation pattern for the `perfops heap` tests.
 * Every figure a test checks follows from the arguments:
 *
 *   leak N SIZE        N blocks of SIZE leaked (plus N freed ones)
 *   peak               live 10 x 100000, free them, then 4 x 200000 live
 *                      with 1000 x 10 freed in between: peak 1000000
 *   temp N             N temporary malloc/free pairs, then N blocks of 16
 *                      held and freed: N + 1 temporary (the last held
 *                      block has no allocation after it either)
 *   fork N SIZE        parent and child each leak N blocks of SIZE
 *   exec N SIZE        leak N blocks of SIZE, then exec "leak N SIZE*2"
 *   _fork N SIZE       leak N blocks of SIZE, then a child made by _Fork
 *                      (no atfork handlers) leaks N blocks of SIZE*2
 *   _forkexec N SIZE   the same, and the child then execs
 *                      "leak N SIZE*3"
 *   vfork N SIZE       leak N blocks of SIZE, then a vfork child execs
 *                      "leak N SIZE*2"; then leak N blocks of SIZE more
 *   vforkfail N SIZE   the same, but the child's exec fails (_exit 127)
 *   execenv N SIZE     the same with an environment of one variable
 *   dlopen             dlopen libz, leak the state of a deflateInit (one
 *                      block from deflateInit2_), dlclose, exit at once
 *   threads T N        T threads, each N malloc/free and 10 leaked of 64
 *   handoff N          one thread allocates N blocks of 32..2079 bytes and
 *                      passes each to another, which frees it: every
 *                      address is freed by one thread and soon reused by
 *                      the other, nothing leaks, the peak is at most 65
 *                      blocks (the ring's 64 and the one being handed)
 *   all                each allocation function once, all freed, and an
 *                      mmap of 1 MiB unmapped
 *   sleep N SIZE       leak N blocks of SIZE, then sleep (for SIGKILL)
 *   churn N            N allocations of sizes 1..4096 (fixed seed), every
 *                      other one freed at once: allocation-heavy
 *   libc               fill glibc's own once-per-process caches (NSS by
 *                      getpwuid, a locale, stdout's buffer, a dlopen
 *                      error) and free all it allocated itself: what is
 *                      left at exit is glibc's
 *   libcthread         the same with a thread still running at exit
 *   pthread_exit       the main thread calls pthread_exit; another
 *                      thread leaks one block of 100, then returns
 *   single             leak one block of 100, then print 1 if glibc still
 *                      holds the process single-threaded (its malloc
 *                      then takes no lock), else 0
 *   closefds N SIZE    leak N blocks of SIZE, close every descriptor
 *                      above stderr (close in a loop, close_range,
 *                      closefrom, as daemons do), leak N blocks more
 *   daemon N SIZE [MS [SIG]]
 *                      leak N blocks of SIZE, daemon(): the parent leaves
 *                      by glibc's own _exit, the child (after MS ms) leaks
 *                      N blocks of SIZE*2 (or kills itself with SIG)
 *   setuid UID N SIZE [close]
 *                      leak N blocks of SIZE, become user UID (setgid,
 *                      setgroups, setuid: as root), exec "leak N SIZE*2"
 *                      (with close: after closing every descriptor above
 *                      stderr by the system call, which no hook sees)
 *   dropcheck UID HOW  become user UID (HOW: libc, setresuid; raw, the
 *                      system call, which changes the calling thread
 *                      only), then print "tasks T root R": the tasks of
 *                      the process and those still with a uid 0, after
 *                      300 ms and an allocation
 */
#include <dirent.h>
#include <dlfcn.h>
#include <grp.h>
#include <sys/syscall.h>
#include <locale.h>
#include <pwd.h>
#include <malloc.h>
#include <zlib.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/single_threaded.h>
#include <sys/wait.h>
#include <unistd.h>

static void *volatile sink;

__attribute__((noinline)) static void *leak_one(size_t size)
{
	void *p = malloc(size);

	memset(p, 1, size);
	return p;
}

__attribute__((noinline)) static void do_leak(long n, size_t size)
{
	long i;

	for (i = 0; i < n; i++) {
		void *p;

		sink = leak_one(size);
		p = malloc(size);
		sink = p; /* keeps the compiler from dropping the pair */
		free(p);
	}
}

__attribute__((noinline)) static void do_peak(void)
{
	void *a[10], *b[4], *c[1000];
	int i;

	for (i = 0; i < 10; i++)
		a[i] = malloc(100000);
	for (i = 0; i < 10; i++)
		free(a[i]);
	for (i = 0; i < 1000; i++)
		c[i] = malloc(10);
	for (i = 0; i < 1000; i++)
		free(c[i]);
	for (i = 0; i < 4; i++)
		b[i] = malloc(200000);
	for (i = 0; i < 4; i++)
		free(b[i]);
}

__attribute__((noinline)) static void do_temp(long n)
{
	void **held = malloc((size_t)n * sizeof(*held));
	long i;

	for (i = 0; i < n; i++) {
		char *p = malloc(32);

		p[0] = 1;
		sink = p;
		free(p);
	}
	for (i = 0; i < n; i++)
		held[i] = malloc(16);
	for (i = 0; i < n; i++)
		free(held[i]);
	free(held);
}

static long nper;

__attribute__((noinline)) static void *thread_main(void *arg)
{
	long i;

	/* A sink of the thread's own: a shared one would bounce its cache
	 * line between the threads and time that, not malloc. */
	void *volatile own;

	(void)arg;
	for (i = 0; i < nper; i++) {
		void *p = malloc((size_t)(i % 512) + 1);

		own = p;
		free(p);
	}
	(void)own;
	for (i = 0; i < 10; i++)
		sink = leak_one(64);
	return NULL;
}

static void *leak_later(void *arg)
{
	usleep(100000);
	sink = leak_one(100);
	return arg;
}

static void *sleeper(void *arg)
{
	for (;;)
		pause();
	return arg;
}

__attribute__((noinline)) static void do_threads(int t, long n)
{
	pthread_t th[64];
	int i;

	nper = n;
	for (i = 0; i < t && i < 64; i++)
		pthread_create(&th[i], NULL, thread_main, NULL);
	for (i = 0; i < t && i < 64; i++)
		pthread_join(th[i], NULL);
}

/* A ring of 64 blocks from a producer to a consumer (one each). */
static void *ring[64];
static unsigned long ring_head, ring_tail;

static void *consumer_main(void *arg)
{
	long n = *(long *)arg, i;

	for (i = 0; i < n; i++) {
		void *p;

		while (__atomic_load_n(&ring_tail, __ATOMIC_ACQUIRE) ==
		       ring_head)
			;
		p = ring[ring_head % 64];
		__atomic_store_n(&ring_head, ring_head + 1, __ATOMIC_RELEASE);
		free(p);
	}
	return NULL;
}

__attribute__((noinline)) static void do_handoff(long n)
{
	pthread_t th;
	long i;

	pthread_create(&th, NULL, consumer_main, &n);
	for (i = 0; i < n; i++) {
		char *p = malloc(32 + (size_t)(i * 7919 % 2048));

		p[0] = 1;
		while (ring_tail -
			   __atomic_load_n(&ring_head, __ATOMIC_ACQUIRE) >=
		       64)
			;
		ring[ring_tail % 64] = p;
		__atomic_store_n(&ring_tail, ring_tail + 1, __ATOMIC_RELEASE);
	}
	pthread_join(th, NULL);
}

__attribute__((noinline)) static void do_all(void)
{
	void *p;
	long page = sysconf(_SC_PAGESIZE);

	p = malloc(10);
	sink = p;
	free(p);
	p = calloc(10, 10);
	p = realloc(p, 1000);
	p = reallocarray(p, 20, 100);
	free(p);
	if (posix_memalign(&p, 64, 100) == 0)
		free(p);
	p = aligned_alloc(64, 128);
	sink = (void *)malloc_usable_size(p);
	free(p);
	p = memalign(64, 100);
	free(p);
	p = valloc(100);
	free(p);
	p = pvalloc(100);
	free(p);
	p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	p = mremap(p, 1 << 20, 2 << 20, MREMAP_MAYMOVE);
	munmap(p, 2 << 20);
	(void)page;
}

__attribute__((noinline)) static void do_churn(long n)
{
	uint64_t x = 88172645463325252ull;
	long i;

	for (i = 0; i < n; i++) {
		void *p;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p = malloc(x % 4096 + 1);
		if (i & 1)
			free(p);
		else
			free((void *)sink), sink = p;
	}
	free((void *)sink);
	sink = NULL;
}

/* "tasks T root R": the process's tasks, and those with a uid 0. */
static void print_tasks(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int tasks = 0, root = 0;

	while (d && (e = readdir(d))) {
		char path[300], line[256];
		FILE *fp;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/status",
			 e->d_name);
		fp = fopen(path, "r");
		if (!fp)
			continue;
		tasks++;
		while (fgets(line, sizeof(line), fp))
			if (!strncmp(line, "Uid:", 4)) {
				unsigned u[4] = {1, 1, 1, 1};

				sscanf(line + 4, "%u %u %u %u", &u[0], &u[1],
				       &u[2], &u[3]);
				root += !u[0] || !u[1] || !u[2] || !u[3];
			}
		fclose(fp);
	}
	if (d)
		closedir(d);
	printf("tasks %d root %d\n", tasks, root);
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";
	long a = argc > 2 ? atol(argv[2]) : 0, b = argc > 3 ? atol(argv[3]) : 0;

	if (!strcmp(m, "leak")) {
		do_leak(a, (size_t)b);
	} else if (!strcmp(m, "peak")) {
		do_peak();
	} else if (!strcmp(m, "temp")) {
		do_temp(a);
	} else if (!strcmp(m, "fork")) {
		pid_t pid;

		do_leak(a, (size_t)b);
		fflush(NULL);
		pid = fork();
		if (pid == 0) {
			do_leak(a, (size_t)b);
			exit(0);
		}
		waitpid(pid, NULL, 0);
	} else if (!strcmp(m, "_fork") || !strcmp(m, "_forkexec")) {
		char n[32], s[32];
		pid_t pid;

		do_leak(a, (size_t)b);
		fflush(NULL);
		snprintf(n, sizeof(n), "%ld", a);
		snprintf(s, sizeof(s), "%ld", b * 3);
		pid = _Fork();
		if (pid == 0) {
			do_leak(a, (size_t)b * 2);
			if (!strcmp(m, "_forkexec"))
				execl("/proc/self/exe", argv[0], "leak", n, s,
				      (char *)NULL);
			exit(0);
		}
		waitpid(pid, NULL, 0);
	} else if (!strcmp(m, "vfork") || !strcmp(m, "vforkfail")) {
		char n[32], s[32];
		char *args[] = {argv[0], "leak", n, s, NULL};
		pid_t pid;

		do_leak(a, (size_t)b);
		snprintf(n, sizeof(n), "%ld", a);
		snprintf(s, sizeof(s), "%ld", b * 2);
		pid = vfork();
		if (pid == 0) {
			execv(strcmp(m, "vfork") ? "/nonexistent"
						 : "/proc/self/exe",
			      args);
			_exit(127);
		}
		waitpid(pid, NULL, 0);
		do_leak(a, (size_t)b);
	} else if (!strcmp(m, "exec")) {
		char n[32], s[32];

		do_leak(a, (size_t)b);
		snprintf(n, sizeof(n), "%ld", a);
		snprintf(s, sizeof(s), "%ld", b * 2);
		execl("/proc/self/exe", argv[0], "leak", n, s, (char *)NULL);
		return 127;
	} else if (!strcmp(m, "execenv")) {
		char n[32], sz[32];
		char *const env[] = {"ONLY=1", NULL};

		do_leak(a, (size_t)b);
		snprintf(n, sizeof(n), "%ld", a);
		snprintf(sz, sizeof(sz), "%ld", b * 2);
		execle("/proc/self/exe", argv[0], "leak", n, sz, (char *)NULL,
		       env);
		return 127;
	} else if (!strcmp(m, "dlopen")) {
		void *z = dlopen("libz.so.1", RTLD_NOW);
		int (*init)(z_stream *, int, const char *, int);
		static z_stream zs;

		if (!z)
			return 3;
		init = (int (*)(z_stream *, int, const char *, int))dlsym(
		    z, "deflateInit_");
		if (!init ||
		    init(&zs, 6, ZLIB_VERSION, (int)sizeof(zs)) != Z_OK)
			return 3;
		dlclose(z);
	} else if (!strcmp(m, "threads")) {
		do_threads((int)a, b);
	} else if (!strcmp(m, "handoff")) {
		do_handoff(a);
	} else if (!strcmp(m, "all")) {
		do_all();
	} else if (!strcmp(m, "sleep")) {
		do_leak(a, (size_t)b);
		for (;;)
			pause();
	} else if (!strcmp(m, "churn")) {
		do_churn(a);
	} else if (!strcmp(m, "libc") || !strcmp(m, "libcthread")) {
		struct passwd *pw;
		pthread_t t;

		if (!strcmp(m, "libcthread"))
			pthread_create(&t, NULL, sleeper, NULL);
		pw = getpwuid(getuid());
		setlocale(LC_ALL, "C.UTF-8");
		printf("%s\n", pw ? pw->pw_name : "?");
		if (!dlopen("libperfops-no-such-library.so", RTLD_NOW))
			printf("%s\n", dlerror());
	} else if (!strcmp(m, "pthread_exit")) {
		pthread_t t;

		pthread_create(&t, NULL, leak_later, NULL);
		pthread_exit(NULL);
	} else if (!strcmp(m, "closefds")) {
		do_leak(a, (size_t)b);
		for (int fd = 3; fd < 4096; fd++)
			close(fd);
		close_range(3, ~0U, 0);
		closefrom(3);
		do_leak(a, (size_t)b);
	} else if (!strcmp(m, "daemon")) {
		do_leak(a, (size_t)b);
		if (daemon(1, 1) < 0)
			return 1;
		if (argc > 4)
			usleep((useconds_t)atol(argv[4]) * 1000);
		if (argc > 5)
			raise(atoi(argv[5]));
		do_leak(a, (size_t)b * 2);
	} else if (!strcmp(m, "setuid") && argc > 4) {
		char n[32], sz[32];
		uid_t uid = (uid_t)a;

		do_leak(b, (size_t)atol(argv[4]));
		snprintf(n, sizeof(n), "%ld", b);
		snprintf(sz, sizeof(sz), "%ld", atol(argv[4]) * 2);
		if (argc > 5 && !strcmp(argv[5], "close"))
			syscall(SYS_close_range, 3, ~0U, 0);
		if (setgroups(0, NULL) < 0 || setgid((gid_t)uid) < 0 ||
		    setuid(uid) < 0) {
			perror("setuid");
			return 1;
		}
		execl("/proc/self/exe", argv[0], "leak", n, sz, (char *)NULL);
		perror("exec");
		return 127;
	} else if (!strcmp(m, "dropcheck") && argc > 3) {
		uid_t uid = (uid_t)a;
		int r = !strcmp(argv[3], "raw")
			    ? (int)syscall(SYS_setresuid, uid, uid, uid)
			    : setresuid(uid, uid, uid);

		if (r < 0) {
			perror("setresuid");
			return 1;
		}
		usleep(300 * 1000);
		free(leak_one(100));
		usleep(300 * 1000);
		print_tasks();
	} else if (!strcmp(m, "single")) {
		sink = leak_one(100);
		printf("%d\n", (int)__libc_single_threaded);
	} else {
		fprintf(stderr, "usage: heap-workload leak|peak|temp|fork|exec|"
				"threads|all|sleep|churn|single|_fork|\n"
				"_forkexec|vfork|vforkfail|libc|libcthread|\n"
				"pthread_exit|closefds|daemon ARGS\n");
		return 2;
	}
	return 0;
}
