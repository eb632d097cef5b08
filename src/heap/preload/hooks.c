/*
 * The functions libperfops-heap.so interposes: the only symbols it
 * exports.  Each forwards to the next definition (glibc's, or another
 * allocator's) and records what happened, guarded against the tracer's
 * own allocations.  A free is recorded before the real free, so that the
 * address cannot be handed out again and recorded in between; a realloc
 * is recorded only when it succeeds, as a free of the old block and an
 * allocation of the new one.
 */
/* mmap must define the symbol mmap (mmap64 is its alias), not be
 * redirected to mmap64 by the build's large-file setting. */
#undef _FILE_OFFSET_BITS
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "heap/preload/pfh.h"

#define PFH_EXPORT __attribute__((visibility("default")))
#define pfh_unlikely(x) __builtin_expect(!!(x), 0)

extern PFH_TLS int pfh_in_init, pfh_initializer;

/* The path of this library (dladdr), NULL if unknown. */
const char *pfh_lib_path(void);
/* The next definition of a function (dlsym RTLD_NEXT, guarded). */
void *pfh_next(const char *name);

/* Start the tracer on the first call; 1 when this call must be served
 * from the bootstrap pool (dlsym's own allocations during the start). */
static inline int pfh_enter(void)
{
	if (pfh_unlikely(__atomic_load_n(&pfh_state, __ATOMIC_ACQUIRE) != 2)) {
		if (pfh_in_init)
			return 1;
		/* The starting thread's own calls after dlsym go to the
		 * real functions, untraced. */
		if (pfh_initializer)
			return 0;
		pfh_init();
	}
	return 0;
}

static inline int pfh_trace(void)
{
	return pfh_on && !pfh_guard;
}

/*
 * The fast path of an allocation: size bytes off the thread's countdown,
 * which stays positive for as long as nothing needs doing (sampled mode,
 * between samples; or no tracing at all).  One initial-exec TLS load,
 * a subtraction and a store: no lock, no atomic, no sequence number.
 * Everything else (a new thread, the start, exact mode, a sample) sees a
 * countdown <= size and takes the slow path.  (The tracer's own calls
 * count down too; one that crosses zero is left unrecorded in the slow
 * path, and the next call of the program is sampled.)
 */
static inline int pfh_fast(size_t size)
{
	int64_t c = pfh_countdown - (int64_t)size;

	if (__builtin_expect(c > 0, 1)) {
		pfh_countdown = c;
		return 1;
	}
	return 0;
}

/* The fast path of a free: p cannot be a block that must be recorded
 * (sampled mode: one byte of the filter of sampled blocks). */
static inline int pfh_free_fast(const void *p)
{
	return !pfh_maybe_sampled(p);
}

/*
 * The slow path after an allocation (or a failed one, p NULL): count it,
 * and record it when exact mode or the sampler wants it.  fp is the
 * interposed function's frame (its caller's frame follows).
 */
static __attribute__((noinline)) void pfh_after(unsigned kind, const void *p,
						size_t size, void *fp)
{
	if (pfh_guard)
		return;
	if (!pfh_on) {
		/* Not traced: this thread never leaves the fast path. */
		pfh_countdown = INT64_MAX;
		return;
	}
	if (pfh_mode == HEAP_MODE_SAMPLE && !pfh_sample_take(size))
		return;
	if (!p)
		return;
	pfh_guard = 1;
	pfh_alloc_record(kind, p, size, fp);
	pfh_guard = 0;
}

#define PFH_FP __builtin_frame_address(0)

/*
 * The real allocator's call past the fast path, with the guard up: what
 * it does inside is the allocator's, not the program's.  jemalloc (or
 * any allocator preloaded after this library) maps its memory with mmap
 * through the PLT, as glibc's malloc maps its own unseen; recording that
 * mmap inside the allocator counted it twice (heap and mmap) and made the
 * tracer allocate under the allocator's lock: a deadlock.
 */
#define PFH_INSIDE(call)                                                       \
	({                                                                     \
		int pfh_g_ = pfh_guard;                                        \
		__typeof__(call) pfh_r_;                                       \
                                                                               \
		pfh_guard = 1;                                                 \
		pfh_r_ = (call);                                               \
		pfh_guard = pfh_g_;                                            \
		pfh_r_;                                                        \
	})

PFH_EXPORT void *malloc(size_t size)
{
	void *p;

	if (pfh_fast(size))
		return pfh_real.malloc(size);
	if (pfh_enter())
		return pfh_boot_alloc(size);
	p = PFH_INSIDE(pfh_real.malloc(size));
	pfh_after(HEAP_KIND_MALLOC, p, size, PFH_FP);
	return p;
}

static __attribute__((noinline)) void pfh_free_slow(void *p)
{
	int g;

	if (!p || pfh_boot_owns(p))
		return;
	if (pfh_enter())
		return;
	if (pfh_trace()) {
		pfh_guard = 1;
		pfh_free(HEAP_KIND_FREE, p, 0);
		pfh_guard = 0;
	}
	g = pfh_guard;
	pfh_guard = 1; /* as PFH_INSIDE: jemalloc's free may munmap */
	pfh_real.free(p);
	pfh_guard = g;
}

PFH_EXPORT void free(void *p)
{
	if (pfh_free_fast(p)) {
		pfh_real.free(p);
		return;
	}
	pfh_free_slow(p);
}

PFH_EXPORT void *calloc(size_t n, size_t size)
{
	size_t total;
	void *p;

	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	if (pfh_fast(total))
		return pfh_real.calloc(n, size);
	if (pfh_enter())
		return pfh_boot_alloc(total); /* static: already zero */
	p = PFH_INSIDE(pfh_real.calloc(n, size));
	pfh_after(HEAP_KIND_CALLOC, p, total, PFH_FP);
	return p;
}

/* The bytes of a bootstrap block, moved to the real heap on realloc. */
extern size_t pfh_boot_size(const void *p);

/*
 * realloc and reallocarray past their fast path: old may be a recorded
 * block (its free is recorded, with a sequence number taken before the
 * real call), and the new block is counted as an allocation.
 */
static __attribute__((noinline)) void *
pfh_realloc_slow(unsigned kind, void *old, size_t n, size_t size, void *fp)
{
	size_t total = n * size;
	uint64_t seq = 0;
	void *q;

	if (old && pfh_boot_owns(old)) {
		size_t b = pfh_boot_size(old);

		q = malloc(total);
		if (q)
			memcpy(q, old, b < total ? b : total);
		return q;
	}
	if (pfh_enter())
		return pfh_boot_alloc(total);
	if (old && pfh_trace() &&
	    (pfh_mode != HEAP_MODE_SAMPLE || pfh_maybe_sampled(old)))
		seq = pfh_seq_next();
	if (kind == HEAP_KIND_REALLOC)
		q = PFH_INSIDE(pfh_real.realloc(old, size));
	else if (pfh_real.reallocarray)
		q = PFH_INSIDE(pfh_real.reallocarray(old, n, size));
	else
		q = PFH_INSIDE(pfh_real.realloc(old, total));
	if (seq && (q || total == 0)) {
		pfh_guard = 1;
		pfh_free_at(kind, old, 0, seq);
		pfh_guard = 0;
	}
	if (q || total)
		pfh_after(kind, q, total, fp);
	return q;
}

PFH_EXPORT void *realloc(void *old, size_t size)
{
	if (pfh_free_fast(old) && pfh_fast(size))
		return pfh_real.realloc(old, size);
	return pfh_realloc_slow(HEAP_KIND_REALLOC, old, 1, size, PFH_FP);
}

PFH_EXPORT void *reallocarray(void *old, size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	if (pfh_free_fast(old) && pfh_fast(total) && pfh_real.reallocarray)
		return pfh_real.reallocarray(old, n, size);
	return pfh_realloc_slow(HEAP_KIND_REALLOCARRAY, old, n, size, PFH_FP);
}

PFH_EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
	int r;

	if (pfh_fast(size))
		return pfh_real.posix_memalign(out, align, size);
	if (pfh_enter())
		return ENOMEM;
	r = PFH_INSIDE(pfh_real.posix_memalign(out, align, size));
	pfh_after(HEAP_KIND_POSIX_MEMALIGN, r == 0 ? *out : NULL, size, PFH_FP);
	return r;
}

/* The aligned allocators with their alignment first. */
#define PFH_ALIGNED(name, kind)                                                \
	PFH_EXPORT void *name(size_t align, size_t size)                       \
	{                                                                      \
		void *p;                                                       \
                                                                               \
		if (pfh_fast(size))                                            \
			return pfh_real.name(align, size);                     \
		if (pfh_enter())                                               \
			return NULL;                                           \
		p = PFH_INSIDE(pfh_real.name(align, size));                    \
		pfh_after(kind, p, size, PFH_FP);                              \
		return p;                                                      \
	}

PFH_ALIGNED(aligned_alloc, HEAP_KIND_ALIGNED_ALLOC)
PFH_ALIGNED(memalign, HEAP_KIND_MEMALIGN)

PFH_EXPORT void *valloc(size_t size)
{
	void *p;

	if (pfh_fast(size))
		return pfh_real.valloc(size);
	if (pfh_enter())
		return NULL;
	p = PFH_INSIDE(pfh_real.valloc(size));
	pfh_after(HEAP_KIND_VALLOC, p, size, PFH_FP);
	return p;
}

PFH_EXPORT void *pvalloc(size_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	/* pvalloc hands out whole pages: that is what the program got. */
	size_t got = size ? (size + page - 1) / page * page : page;
	void *p;

	if (pfh_fast(got))
		return pfh_real.pvalloc(size);
	if (pfh_enter())
		return NULL;
	p = PFH_INSIDE(pfh_real.pvalloc(size));
	pfh_after(HEAP_KIND_PVALLOC, p, got, PFH_FP);
	return p;
}

PFH_EXPORT size_t malloc_usable_size(void *p)
{
	if (p && pfh_boot_owns(p))
		return pfh_boot_size(p);
	if (pfh_enter())
		return 0;
	return pfh_real.malloc_usable_size(p);
}

PFH_EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd,
		      off_t off)
{
	void *p;

	if (pfh_fast(len))
		return pfh_real.mmap(addr, len, prot, flags, fd, off);
	if (pfh_enter())
		return MAP_FAILED;
	p = pfh_real.mmap(addr, len, prot, flags, fd, off);
	pfh_after(HEAP_KIND_MMAP, p == MAP_FAILED ? NULL : p, len, PFH_FP);
	return p;
}

PFH_EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd,
			off_t off) __attribute__((alias("mmap")));

PFH_EXPORT int munmap(void *addr, size_t len)
{
	if (pfh_enter())
		return -1;
	if (pfh_trace()) {
		pfh_guard = 1;
		pfh_free(HEAP_KIND_MUNMAP, addr, len);
		pfh_guard = 0;
	}
	return pfh_real.munmap(addr, len);
}

PFH_EXPORT void *mremap(void *old, size_t old_len, size_t len, int flags, ...)
{
	void *fixed = NULL, *q;
	uint64_t seq = 0;
	va_list ap;

	if (flags & MREMAP_FIXED) {
		va_start(ap, flags);
		fixed = va_arg(ap, void *);
		va_end(ap);
	}
	if (pfh_enter())
		return MAP_FAILED;
	if (pfh_trace())
		seq = pfh_seq_next();
	q = pfh_real.mremap(old, old_len, len, flags, fixed);
	if (q != MAP_FAILED && pfh_trace()) {
		pfh_guard = 1;
		pfh_free_at(HEAP_KIND_MREMAP, old, old_len, seq);
		pfh_alloc(HEAP_KIND_MREMAP, q, len, __builtin_frame_address(0));
		pfh_guard = 0;
	}
	return q;
}

/*
 * The trace's descriptors are the library's: a program that closes every
 * descriptor above stderr (a daemon, a sanitizing launcher) with close in
 * a loop, close_range or closefrom would lose its trace.  Closing one
 * fails with EBADF, as under Valgrind; the ranges skip them (and leave
 * them without close-on-exec: the exec'd program writes to them too).
 */
PFH_EXPORT int close(int fd)
{
	if (pfh_kept_fd(fd)) {
		errno = EBADF;
		return -1;
	}
	if (pfh_real.close)
		return pfh_real.close(fd);
	return (int)syscall(SYS_close, fd);
}

static int pfh_close_range(unsigned first, unsigned last, int flags)
{
	if (pfh_real.close_range)
		return pfh_real.close_range(first, last, flags);
	return (int)syscall(SYS_close_range, first, last, flags);
}

/* close_range over [first, last] but the library's descriptors. */
static int pfh_close_range_kept(unsigned first, unsigned last, int flags)
{
	int fds[2], n = pfh_kept_fds(fds), i, r = 0;

	for (i = 0; i < n && r == 0; i++) {
		unsigned fd = (unsigned)fds[i];

		if (fd < first || fd > last)
			continue;
		if (fd > first)
			r = pfh_close_range(first, fd - 1, flags);
		if (fd == last)
			return r;
		first = fd + 1;
	}
	return r ? r : pfh_close_range(first, last, flags);
}

PFH_EXPORT int close_range(unsigned first, unsigned last, int flags)
{
	return pfh_close_range_kept(first, last, flags);
}

PFH_EXPORT void closefrom(int low)
{
	int fds[2], n = pfh_kept_fds(fds);

	if (n && fds[n - 1] >= low) {
		pfh_close_range_kept((unsigned)low, ~0U, 0);
		return;
	}
	if (pfh_real.closefrom)
		pfh_real.closefrom(low);
	else
		pfh_close_range((unsigned)low, ~0U, 0);
}

/*
 * A change of credentials: glibc applies it to every thread it knows of,
 * which the helper task is not, so it would go on with the old ones (as
 * root in a program that dropped root).  It is ended first and started
 * again after, from the calling thread, with the new ones.
 */
#define PFH_SETID(name, params, args)                                          \
	PFH_EXPORT int name params                                             \
	{                                                                      \
		static int(*real) params;                                      \
		int pfh_r_, pfh_e_;                                            \
                                                                               \
		if (!real)                                                     \
			real = (int(*) params)pfh_next(#name);                 \
		if (!real) {                                                   \
			errno = ENOSYS;                                        \
			return -1;                                             \
		}                                                              \
		pfh_helper_stop();                                             \
		pfh_r_ = real args;                                            \
		pfh_e_ = errno;                                                \
		pfh_helper_restart();                                          \
		errno = pfh_e_;                                                \
		return pfh_r_;                                                 \
	}

PFH_SETID(setuid, (uid_t u), (u))
PFH_SETID(setgid, (gid_t g), (g))
PFH_SETID(seteuid, (uid_t u), (u))
PFH_SETID(setegid, (gid_t g), (g))
PFH_SETID(setreuid, (uid_t r, uid_t e), (r, e))
PFH_SETID(setregid, (gid_t r, gid_t e), (r, e))
PFH_SETID(setresuid, (uid_t r, uid_t e, uid_t s), (r, e, s))
PFH_SETID(setresgid, (gid_t r, gid_t e, gid_t s), (r, e, s))
PFH_SETID(setgroups, (size_t n, const gid_t *l), (n, l))

/*
 * How the stream ends.  exit() and a return from main reach the library's
 * destructor; _exit skips it, and an exec replaces the program, so both
 * flush here first.
 */
PFH_EXPORT void _exit(int status)
{
	pfh_enter();
	if (pfh_on) {
		/* The guard is cleared again: a vfork child shares the TLS
		 * of its parent's thread, which goes on. */
		pfh_guard = 1;
		pfh_finish(HEAP_END__EXIT, status);
		pfh_guard = 0;
	}
	if (pfh_real._exit)
		pfh_real._exit(status);
	for (;;)
		syscall(SYS_exit_group, status);
}

PFH_EXPORT void _Exit(int status) __attribute__((alias("_exit")));

static void pfh_before_exec(void)
{
	pfh_enter();
	if (pfh_on) {
		pfh_guard = 1;
		pfh_finish(HEAP_END_EXEC, 0);
		pfh_guard = 0;
	}
}

/*
 * An exec with an environment of its own (env -i, a sanitizing shell)
 * would drop the tracer: put LD_PRELOAD and PERFOPS_HEAP_* back in.
 * Returns envp itself when nothing is missing.
 */
#define PFH_ENV_MAX 6
static size_t pfh_env_need(char *const envp[])
{
	size_t n = 0;

	while (envp && envp[n])
		n++;
	return n + PFH_ENV_MAX + 2;
}

static int pfh_env_has(char *const envp[], const char *key, size_t len)
{
	size_t i;

	for (i = 0; envp && envp[i]; i++)
		if (!strncmp(envp[i], key, len) && envp[i][len] == '=')
			return 1;
	return 0;
}

static char *const *pfh_env_fill(char *const envp[], char **out, char *buf,
				 size_t bufsize)
{
	static const char *const keys[] = {HEAP_ENV_FILE,   HEAP_ENV_FD,
					   HEAP_ENV_MODE,   HEAP_ENV_DEPTH,
					   HEAP_ENV_UNWIND, HEAP_ENV_FREERES};
	const char *lib = pfh_lib_path();
	size_t n = 0, i, used = 0;
	int preload = 0;

	if (!pfh_on || !lib)
		return envp;
	for (i = 0; envp && envp[i]; i++) {
		if (!strncmp(envp[i], "LD_PRELOAD=", 11)) {
			preload = 1;
			if (!strstr(envp[i], "libperfops-heap.so")) {
				int w = snprintf(buf + used, bufsize - used,
						 "LD_PRELOAD=%s:%s", lib,
						 envp[i] + 11);

				if (w > 0 && (size_t)w < bufsize - used) {
					out[n++] = buf + used;
					used += (size_t)w + 1;
					continue;
				}
			}
		}
		out[n++] = envp[i];
	}
	if (!preload) {
		int w =
		    snprintf(buf + used, bufsize - used, "LD_PRELOAD=%s", lib);

		if (w > 0 && (size_t)w < bufsize - used) {
			out[n++] = buf + used;
			used += (size_t)w + 1;
		}
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = getenv(keys[i]);
		size_t len = strlen(keys[i]);
		int w;

		if (!v || pfh_env_has(envp, keys[i], len))
			continue;
		w = snprintf(buf + used, bufsize - used, "%s=%s", keys[i], v);
		if (w > 0 && (size_t)w < bufsize - used) {
			out[n++] = buf + used;
			used += (size_t)w + 1;
		}
	}
	out[n] = NULL;
	return out;
}

#define PFH_ENV_BUF 8192
#define PFH_WITH_ENV(envp, fixed)                                              \
	char **fixed##_a =                                                     \
	    __builtin_alloca(pfh_env_need(envp) * sizeof(char *));             \
	char *fixed##_b = __builtin_alloca(PFH_ENV_BUF);                       \
	char *const *fixed =                                                   \
	    pfh_env_fill(envp, fixed##_a, fixed##_b, PFH_ENV_BUF)

PFH_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	pfh_before_exec();
	{
		PFH_WITH_ENV(envp, env);
		return pfh_real.execve(path, argv, env);
	}
}

extern int (*pfh_real_execvp)(const char *, char *const[]);
extern int (*pfh_real_execv)(const char *, char *const[]);
extern int (*pfh_real_execvpe)(const char *, char *const[], char *const[]);

PFH_EXPORT int execv(const char *path, char *const argv[])
{
	pfh_before_exec();
	return pfh_real_execv(path, argv);
}

PFH_EXPORT int execvp(const char *file, char *const argv[])
{
	pfh_before_exec();
	return pfh_real_execvp(file, argv);
}

PFH_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	pfh_before_exec();
	{
		PFH_WITH_ENV(envp, env);
		return pfh_real_execvpe(file, argv, env);
	}
}

/* The variadic forms: glibc's call its execve internally, past the
 * interposed one, so they are caught here and passed on as arrays. */
#define PFH_VA_ARGV(first, ap, argv)                                           \
	do {                                                                   \
		size_t n_ = 1;                                                 \
		va_list c_;                                                    \
		va_copy(c_, ap);                                               \
		while (va_arg(c_, char *))                                     \
			n_++;                                                  \
		va_end(c_);                                                    \
		argv = __builtin_alloca((n_ + 1) * sizeof(char *));            \
		argv[0] = (char *)(first);                                     \
		for (n_ = 1; (argv[n_] = va_arg(ap, char *)); n_++)            \
			;                                                      \
	} while (0)

PFH_EXPORT int execl(const char *path, const char *arg, ...)
{
	char **argv;
	va_list ap;

	va_start(ap, arg);
	PFH_VA_ARGV(arg, ap, argv);
	va_end(ap);
	return execv(path, argv);
}

PFH_EXPORT int execlp(const char *file, const char *arg, ...)
{
	char **argv;
	va_list ap;

	va_start(ap, arg);
	PFH_VA_ARGV(arg, ap, argv);
	va_end(ap);
	return execvp(file, argv);
}

PFH_EXPORT int execle(const char *path, const char *arg, ...)
{
	char **argv, **envp = NULL;
	va_list ap;

	va_start(ap, arg);
	PFH_VA_ARGV(arg, ap, argv);
	envp = va_arg(ap, char **);
	va_end(ap);
	return execve(path, argv, envp);
}
