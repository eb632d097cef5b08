/*
 * diag-workload MODE SECONDS [ARG]: one performance symptom each, for the
 * `perfops diagnose` tests.  Every mode ends by itself after SECONDS.
 * Rates and periods follow the clock, not the speed the machine lets the
 * helper run at.
 * When DIAG_READY names a file, it is created once the setup is done (the
 * cache is filled, the server listens), so a test can attach with -p.
 *
 *   spin1     a hot loop on one thread
 *   spinall   one spinning thread per online CPU
 *   periodic  0.2 s of spinning every 0.6 s, idle in between
 *   leak      1 MiB more every 50 ms, written and never freed
 *   sudden    idle, then 160 MiB mapped and populated at once at a third
 *             of SECONDS, then idle (1 s at least)
 *   cache MB  MB mebibytes filled at start, then only read now and then
 *   fsync DIR small writes to DIR/diag-fsync.dat, each followed by fsync
 *   mutex     eight threads taking turns on one mutex with work inside
 *   idle N    a listening socket in epoll_wait and four workers waiting on
 *             a condition variable; N extra open files (default 0)
 *   count FILE  the work of one thread per CPU, written to FILE at the end
 *             as rounds per second of wall time and rounds per CPU second
 *             (the throughput bench/diagnose.sh compares with and without
 *             a watcher)
 */
#include "core/compat.h"
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <time.h>

static double deadline;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void ready(void)
{
	const char *path = getenv("DIAG_READY");
	int fd;

	if (path && (fd = open(path, O_WRONLY | O_CREAT, 0644)) >= 0)
		close(fd);
}

static volatile unsigned long sink;

static void spin_until(double end)
{
	unsigned long x = sink;

	while (now() < end) {
		int i;

		for (i = 0; i < 10000; i++)
			x = x * 6364136223846793005UL + 1442695040888963407UL;
	}
	sink = x;
}

static void *spinner(void *arg)
{
	(void)arg;
	spin_until(deadline);
	return NULL;
}

static void sleep_s(double s)
{
	if (s > 0)
		usleep((useconds_t)(s * 1e6));
}

static void touch(char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += 4096)
		p[i] = (char)i;
}

static unsigned long rounds_done;

static void *counter(void *arg)
{
	unsigned long x = 1, n = 0;

	(void)arg;
	while (now() < deadline) {
		int i;

		for (i = 0; i < 10000; i++)
			x = x * 6364136223846793005UL + 1442695040888963407UL;
		n++;
	}
	sink = x;
	__atomic_add_fetch(&rounds_done, n, __ATOMIC_RELAXED);
	return NULL;
}

static int count(double secs, const char *path)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN), i;
	pthread_t t[256];
	struct rusage ru;
	double cpu;
	FILE *fp;

	n = n < 1 ? 1 : n > 256 ? 256 : n;
	for (i = 0; i < n; i++)
		pthread_create(&t[i], NULL, counter, NULL);
	ready();
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	if (!(fp = fopen(path, "w")))
		return 1;
	getrusage(RUSAGE_SELF, &ru);
	cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	      (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	fprintf(fp, "%.0f %.0f\n", (double)rounds_done / secs,
		cpu > 0 ? (double)rounds_done / cpu : 0);
	return fclose(fp) ? 1 : 0;
}

static int spinall(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN), i;
	pthread_t t[256];

	n = n < 1 ? 1 : n > 256 ? 256 : n;
	for (i = 1; i < n; i++)
		pthread_create(&t[i], NULL, spinner, NULL);
	ready();
	spinner(NULL);
	for (i = 1; i < n; i++)
		pthread_join(t[i], NULL);
	return 0;
}

/*
 * periodic and leak keep to a timetable of their own clock: burst k starts
 * at k * 0.6 s, mebibyte k is added at k * 50 ms.  Sleeping a fixed time
 * after the work instead would stretch the period and slow the growth by
 * however late a loaded machine runs them.
 */
static int periodic(void)
{
	double next = now();

	ready();
	while (now() < deadline) {
		spin_until(next + 0.2);
		next += 0.6;
		sleep_s(next - now());
	}
	return 0;
}

static int leak(void)
{
	double next = now();

	ready();
	while (now() < deadline) {
		char *p = malloc(1 << 20);

		if (!p)
			return 1;
		touch(p, 1 << 20);
		next += 0.05;
		sleep_s(next - now());
	}
	return 0;
}

static int sudden(double secs)
{
	char *p;

	ready();
	sleep_s(secs / 3);
	/* One call that brings in every page: the rise is as sudden as the
	 * kernel makes it, not spread over a page-fault loop that a loaded
	 * machine runs slowly. */
	p = mmap(NULL, (size_t)160 << 20, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	/* Held to the end, and 1 s at least: a watch that ends with the
	 * helper sees the whole rise. */
	sleep_s(MAX(deadline - now(), 1.0));
	return p[4096] == 7;
}

static int cache(long mb)
{
	size_t len = (size_t)mb << 20, i;
	char *p = malloc(len ? len : 1);
	unsigned long sum = 0;

	if (!p)
		return 1;
	touch(p, len);
	ready();
	while (now() < deadline) {
		for (i = 0; i < len; i += 1 << 20)
			sum += (unsigned char)p[i];
		sleep_s(0.2);
	}
	sink = sum;
	return 0;
}

static int fsync_writer(const char *dir)
{
	char path[4096], buf[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/diag-fsync.dat", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	memset(buf, 'x', sizeof(buf));
	ready();
	while (now() < deadline) {
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf) ||
		    fsync(fd) < 0) {
			perror(path);
			return 1;
		}
	}
	close(fd);
	unlink(path);
	return 0;
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long shared_counter;

static void *contender(void *arg)
{
	(void)arg;
	while (now() < deadline) {
		unsigned long x = 0;
		int i;

		pthread_mutex_lock(&lock);
		/* The work happens under the lock: the others queue. */
		for (i = 0; i < 2000; i++)
			x = x * 6364136223846793005UL + (unsigned long)i;
		shared_counter += x;
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

static int mutex_pool(void)
{
	pthread_t t[8];
	int i;

	for (i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, contender, NULL);
	ready();
	for (i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	return 0;
}

static pthread_mutex_t idle_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t idle_cond = PTHREAD_COND_INITIALIZER;

static void *idle_worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&idle_lock);
	while (now() < deadline) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&idle_cond, &idle_lock, &ts);
	}
	pthread_mutex_unlock(&idle_lock);
	return NULL;
}

static int idle_server(long extra_fds)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	struct epoll_event ev = {.events = EPOLLIN}, out;
	pthread_t t[4];
	int s, ep, i;
	long k;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(s, 16) < 0 || (ep = epoll_create1(0)) < 0 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev) < 0) {
		perror("listen");
		return 1;
	}
	for (k = 0; k < extra_fds; k++)
		if (open("/dev/null", O_RDONLY) < 0) {
			perror("/dev/null");
			return 1;
		}
	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, idle_worker, NULL);
	ready();
	while (now() < deadline)
		epoll_wait(ep, &out, 1, 200);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode;
	double secs;

	if (argc < 3) {
		fprintf(stderr, "usage: diag-workload MODE SECONDS [ARG]\n");
		return 2;
	}
	mode = argv[1];
	secs = strtod(argv[2], NULL);
	deadline = now() + secs;
	if (!strcmp(mode, "spin1")) {
		ready();
		spinner(NULL);
		return 0;
	}
	if (!strcmp(mode, "spinall"))
		return spinall();
	if (!strcmp(mode, "periodic"))
		return periodic();
	if (!strcmp(mode, "leak"))
		return leak();
	if (!strcmp(mode, "sudden"))
		return sudden(secs);
	if (!strcmp(mode, "cache"))
		return cache(argc > 3 ? strtol(argv[3], NULL, 10) : 300);
	if (!strcmp(mode, "fsync"))
		return fsync_writer(argc > 3 ? argv[3] : ".");
	if (!strcmp(mode, "mutex"))
		return mutex_pool();
	if (!strcmp(mode, "idle"))
		return idle_server(argc > 3 ? strtol(argv[3], NULL, 10) : 0);
	if (!strcmp(mode, "count") && argc > 3)
		return count(secs, argv[3]);
	fprintf(stderr, "diag-workload: unknown mode '%s'\n", mode);
	return 2;
}
