/*
 * The tracer's state: start-up, per-thread buffers, records, flushing,
 * fork and the helper thread.
 *
 * Each thread appends records to its own buffer under the buffer's own
 * lock, which only the helper thread (every 100 ms) and the exit path
 * ever contend for: there is no global lock on the hot path.  The only
 * shared write per event is the sequence counter, one atomic add, which
 * orders the events of all threads of a process (a free is numbered
 * before the real free, an allocation after the real malloc, so an
 * address reused by another thread always comes later).  A full buffer
 * is one write(2) to the O_APPEND trace file.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/stat.h>
#include <zstd.h>
#include "heap/preload/pfh.h"

#define PFH_BUF_SIZE (256u << 10)
#define PFH_HDR sizeof(struct heap_chunk_hdr2)
/*
 * With PERFOPS_HEAP_COMPRESS=1, chunks are zstd frames of this level: 2.4
 * times smaller (3.5 bytes an event instead of 8.4), for about 30 ns an
 * event, which doubles the recording's own cost on an allocation-bound
 * program: off by default.  (Level 1: 2.6 times, at half the speed.)
 */
#define PFH_ZSTD_LEVEL (-1)

/*
 * A thread's buffer.  Besides its records it keeps what the chunk header
 * says of them: the smallest and largest key (seq << 1, | 1 for an RSS
 * sample), whether they came in order, whether other records are mixed
 * in.  A forked child starts its buffers without clearing these: they can
 * only widen the range of its first chunk, which a reader tolerates.
 */
struct pfh_buf {
	int lock;
	int dead; /* its thread exited: free for another one */
	uint32_t len;
	uint32_t tid;
	uint64_t seq_base, ptr_base;
	uint64_t kmin, kmax;
	uint32_t nkeys;
	uint8_t unsorted, meta;
	ZSTD_CCtx *zctx;  /* made on the first flush, kept */
	unsigned char *z; /* the compressed chunk (mapped on first use) */
	struct pfh_buf *next;
	unsigned char data[PFH_BUF_SIZE];
};

/*
 * glibc's allocator until the start looks up the next definitions (the
 * same functions, unless another allocator is preloaded or linked in):
 * a free the fast path passes on before the start has a target.
 */
extern void *__libc_malloc(size_t);
extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
struct pfh_real pfh_real = {
    .malloc = __libc_malloc,
    .free = __libc_free,
    .calloc = __libc_calloc,
    .realloc = __libc_realloc,
    .memalign = __libc_memalign,
};
int (*pfh_real_execvp)(const char *, char *const[]);
int (*pfh_real_execv)(const char *, char *const[]);
int (*pfh_real_execvpe)(const char *, char *const[], char *const[]);
int pfh_state;
int pfh_on;
int pfh_mode;
uint64_t pfh_interval = 512 << 10;
unsigned pfh_depth = 64;
PFH_TLS int pfh_guard;
PFH_TLS int pfh_in_init;
PFH_TLS int pfh_initializer;

static PFH_TLS struct pfh_buf *pfh_tbuf;
static struct pfh_buf *pfh_bufs;
static int pfh_reg_lock;
static int pfh_fd = -1;
static int pfh_live = -1;

int pfh_kept_fd(int fd)
{
	return fd >= 0 && (fd == pfh_fd || fd == pfh_live);
}

int pfh_kept_fds(int fds[2])
{
	int n = 0;

	if (pfh_fd >= 0)
		fds[n++] = pfh_fd;
	if (pfh_live >= 0)
		fds[n++] = pfh_live;
	if (n == 2 && fds[0] > fds[1]) {
		int t = fds[0];

		fds[0] = fds[1];
		fds[1] = t;
	}
	return n;
}
/*
 * The one write every thread makes per event: alone on its cache line,
 * so that it does not drag the read-mostly variables around it (the
 * stack tables, the unwinder's mode, the file) from core to core.
 */
static struct {
	uint64_t n;
	char pad[56];
} pfh_seq __attribute__((aligned(64)));
/* The TSC orders events, see pfh_key_now(). */
static int pfh_tsc;
/* Threads given a buffer so far; the TSC is used from the second on. */
static unsigned pfh_nthreads;
static uint64_t pfh_stream;
static pid_t pfh_pid;
static pid_t pfh_helper_pid;
static pid_t pfh_helper_running; /* the pid whose helper task runs */
static int pfh_freeres = 1;
static uint64_t pfh_page_size = 4096;
/* 1 in the process that started the stream; see pfh_check_fork. */
static int pfh_canary_fallback = 1;
static int *pfh_canary = &pfh_canary_fallback;
static int pfh_statm = -1;
static pthread_key_t pfh_key;
static int pfh_compress;
static char pfh_exe[4096];
static unsigned long long pfh_maps_adds = ~0ULL, pfh_maps_subs = ~0ULL;

/* The bootstrap pool: dlsym's calloc before the real one is known. */
static char pfh_boot[64 << 10] __attribute__((aligned(16)));
static size_t pfh_boot_used;

void *pfh_boot_alloc(size_t size)
{
	size_t need = (size + 15) / 16 * 16 + 16;
	size_t off = __atomic_fetch_add(&pfh_boot_used, need, __ATOMIC_RELAXED);

	if (off + need > sizeof(pfh_boot))
		return NULL;
	*(size_t *)(pfh_boot + off) = size;
	/* Its frees and reallocs must take the slow path, which knows it. */
	__atomic_store_n(pfh_filter_slot(pfh_boot + off + 16), 255,
			 __ATOMIC_RELAXED);
	return pfh_boot + off + 16;
}

int pfh_boot_owns(const void *p)
{
	return (const char *)p >= pfh_boot &&
	       (const char *)p < pfh_boot + sizeof(pfh_boot);
}

size_t pfh_boot_size(const void *p)
{
	return *(const size_t *)((const char *)p - 16);
}

void *pfh_map(size_t size)
{
	void *p =
	    (void *)syscall(SYS_mmap, NULL, size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void pfh_lock(int *l)
{
	while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(l, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
}

static void pfh_unlock(int *l)
{
	__atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

static uint64_t pfh_now(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Records: varints into a locked buffer with room for them. */
static inline void pfh_put(struct pfh_buf *b, uint64_t v)
{
	while (v >= 0x80) {
		b->data[b->len++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	b->data[b->len++] = (unsigned char)v;
}

static inline void pfh_put_signed(struct pfh_buf *b, int64_t v)
{
	pfh_put(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static void pfh_put_bytes(struct pfh_buf *b, const void *p, size_t n)
{
	pfh_put(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += (uint32_t)n;
}

static void pfh_write_all(const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		/* Raw: the helper task has no errno of its own. */
		long w = pfh_sys(SYS_write, pfh_fd, (long)c, (long)n, 0);

		if (w == -EINTR)
			continue;
		if (w <= 0)
			return;
		c += w;
		n -= (size_t)w;
	}
}

/* Note the key of an event or RSS sample for the chunk header. */
static inline void pfh_note_key(struct pfh_buf *b, uint64_t k)
{
	if (__builtin_expect(!b->nkeys++, 0)) {
		b->kmin = b->kmax = k;
	} else if (k >= b->kmax) {
		b->kmax = k;
	} else {
		b->unsorted = 1;
		if (k < b->kmin)
			b->kmin = k;
	}
}

/*
 * The records as one zstd frame after h in b->z; 0 when they stay as
 * they are (compression off, failed or no smaller).
 */
static size_t pfh_zstd(struct pfh_buf *b, struct heap_chunk_hdr2 *h)
{
	size_t raw = b->len - PFH_HDR, n;

	if (!pfh_compress)
		return 0;
	if (!b->z)
		b->z = pfh_map(PFH_HDR + ZSTD_COMPRESSBOUND(PFH_BUF_SIZE));
	if (!b->zctx)
		b->zctx = ZSTD_createCCtx(); /* under the guard: not traced */
	if (!b->z || !b->zctx)
		return 0;
	n = ZSTD_compressCCtx(b->zctx, b->z + PFH_HDR,
			      ZSTD_COMPRESSBOUND(PFH_BUF_SIZE),
			      b->data + PFH_HDR, raw, PFH_ZSTD_LEVEL);
	if (ZSTD_isError(n) || n >= raw)
		return 0;
	h->flags |= HEAP_CHUNK_ZSTD;
	h->len = (uint32_t)n;
	memcpy(b->z, h, sizeof(*h));
	return PFH_HDR + n;
}

/*
 * Write b's records as a chunk; compressed when asked and allowed.  The
 * helper task may not compress: zstd allocates its context with malloc,
 * and the task shares another thread's TLS and is no thread glibc knows.
 */
static void pfh_flush_buf(struct pfh_buf *b, int may_compress)
{
	struct heap_chunk_hdr2 h;
	size_t z;

	if (b->len > PFH_HDR && pfh_fd >= 0) {
		memset(&h, 0, sizeof(h));
		h.magic = HEAP_CHUNK_MAGIC2;
		h.len = h.raw_len = b->len - (uint32_t)PFH_HDR;
		h.pid = (uint32_t)pfh_pid;
		h.tid = b->tid;
		h.stream = pfh_stream;
		if (b->nkeys) {
			h.first_seq = b->kmin >> 1;
			h.last_seq = b->kmax >> 1;
			h.flags = HEAP_CHUNK_EVENTS |
				  (b->kmin & 1 ? HEAP_CHUNK_FIRST_RSS : 0) |
				  (b->kmax & 1 ? HEAP_CHUNK_LAST_RSS : 0) |
				  (b->unsorted ? HEAP_CHUNK_UNSORTED : 0);
		}
		if (b->meta)
			h.flags |= HEAP_CHUNK_META;
		z = may_compress ? pfh_zstd(b, &h) : 0;
		if (z) {
			pfh_write_all(b->z, z);
		} else {
			memcpy(b->data, &h, sizeof(h));
			pfh_write_all(b->data, b->len);
		}
	}
	b->len = PFH_HDR;
	b->seq_base = b->ptr_base = 0;
	b->nkeys = 0;
	b->unsorted = b->meta = 0;
}

static void pfh_flush_locked(struct pfh_buf *b)
{
	pfh_flush_buf(b, 1);
}

static void pfh_thread_exit(void *arg)
{
	struct pfh_buf *b = arg;

	pfh_guard = 1;
	pfh_lock(&b->lock);
	pfh_flush_locked(b);
	b->dead = 1;
	pfh_unlock(&b->lock);
	pfh_tbuf = NULL;
}

/* A buffer from the registry (a dead thread's, or a new one). */
static struct pfh_buf *pfh_new_buf(int for_thread)
{
	struct pfh_buf *b;

	pfh_lock(&pfh_reg_lock);
	for (b = pfh_bufs; b; b = b->next)
		if (__atomic_load_n(&b->dead, __ATOMIC_ACQUIRE))
			break;
	if (b) {
		b->dead = 0;
	} else {
		b = pfh_map(sizeof(*b));
		if (b) {
			b->next = pfh_bufs;
			pfh_bufs = b;
		}
	}
	pfh_unlock(&pfh_reg_lock);
	if (!b)
		return NULL;
	b->len = PFH_HDR;
	b->seq_base = b->ptr_base = 0;
	b->nkeys = 0;
	b->unsorted = b->meta = 0;
	b->tid = (uint32_t)syscall(SYS_gettid);
	if (for_thread) {
		pthread_setspecific(pfh_key, b);
		if (__atomic_fetch_add(&pfh_nthreads, 1, __ATOMIC_RELAXED) &&
		    pfh_tsc == 1)
			__atomic_store_n(&pfh_tsc, 2, __ATOMIC_SEQ_CST);
	}
	return b;
}

/* The calling thread's buffer, locked, with room for need bytes. */
static struct pfh_buf *pfh_begin(size_t need)
{
	struct pfh_buf *b = pfh_tbuf;

	if (__builtin_expect(!b, 0)) {
		b = pfh_tbuf = pfh_new_buf(1);
		if (!b)
			return NULL;
	}
	pfh_lock(&b->lock);
	if (b->len + need > PFH_BUF_SIZE)
		pfh_flush_locked(b);
	return b;
}

static void pfh_end(struct pfh_buf *b)
{
	pfh_unlock(&b->lock);
}

/*
 * Where the kernel keeps time by the TSC (it checked that the CPUs' TSCs
 * agree), the TSC orders the events of a process with threads instead of
 * the shared counter: no cache line moves between cores, so threads
 * allocating at once on two cores no longer wait for each other (the
 * counter made a 2-thread exact run 2x slower).  The fence makes the read
 * wait for what came before: an allocation's key is read after the real
 * malloc returned, a free's before the real free, so an address freed by
 * one thread and reused by another still gets the later key.  A single
 * thread keeps the counter, which costs 5 ns where the fenced read costs
 * 15.  pfh_tsc: 0 no TSC, 1 TSC but one thread so far, 2 in use; the
 * switch happens once, when a second thread gets its buffer (before its
 * first key), and every TSC key (a count of cycles since boot, halved) is
 * larger than the counter's.
 */

static inline uint64_t pfh_key_now(void)
{
#if defined(__x86_64__)
	if (pfh_tsc > 1) {
		unsigned lo, hi;

		__asm__ volatile("lfence\n\trdtsc"
				 : "=a"(lo), "=d"(hi)
				 :
				 : "memory");
		return ((uint64_t)hi << 32 | lo) >> 1;
	}
#endif
	return __atomic_load_n(&pfh_seq.n, __ATOMIC_RELAXED);
}

uint64_t pfh_seq_next(void)
{
#if defined(__x86_64__)
	if (pfh_tsc > 1)
		return pfh_key_now();
#endif
	return __atomic_fetch_add(&pfh_seq.n, 1, __ATOMIC_RELAXED) + 1;
}

/* Whether the kernel's clock source is the TSC. */
static void pfh_check_tsc(void)
{
#if defined(__x86_64__)
	char buf[16] = "";
	int fd = open("/sys/devices/system/clocksource/clocksource0/"
		      "current_clocksource",
		      O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	pfh_tsc = n == 4 && !memcmp(buf, "tsc\n", 4);
#endif
}

static void pfh_put_event(struct pfh_buf *b, unsigned tag, unsigned kind,
			  uint64_t seq, const void *p)
{
	pfh_note_key(b, seq << 1);
	b->data[b->len++] = (unsigned char)tag;
	b->data[b->len++] = (unsigned char)kind;
	pfh_put_signed(b, (int64_t)(seq - b->seq_base));
	b->seq_base = seq;
	pfh_put_signed(b, (int64_t)((uintptr_t)p - b->ptr_base));
	b->ptr_base = (uintptr_t)p;
}

void pfh_alloc(unsigned kind, const void *p, size_t size, void *fp)
{
	if (pfh_mode == HEAP_MODE_SAMPLE && !pfh_sample_take(size))
		return;
	pfh_alloc_record(kind, p, size, fp);
}

static void pfh_check_fork(void);
static int pfh_vfork_child(void);
static inline void pfh_check_helper(void);

void pfh_alloc_record(unsigned kind, const void *p, size_t size, void *fp)
{
	struct pfh_buf *b;
	uint32_t stack;
	size_t slack = 0;

	pfh_check_fork();
	pfh_check_helper();
	if (pfh_mode == HEAP_MODE_SAMPLE && !heap_kind_is_map(kind))
		pfh_sampled_add(p);
	stack = pfh_stack_id(fp);
	if (!heap_kind_is_map(kind) && pfh_real.malloc_usable_size) {
		size_t u = pfh_real.malloc_usable_size((void *)p);

		slack = u > size ? u - size : 0;
	}
	b = pfh_begin(64);
	if (!b)
		return;
	pfh_put_event(b, HEAP_REC_ALLOC, kind, pfh_seq_next(), p);
	pfh_put(b, size);
	pfh_put(b, slack);
	pfh_put(b, stack);
	pfh_end(b);
}

void pfh_free_at(unsigned kind, const void *p, size_t size, uint64_t seq)
{
	struct pfh_buf *b;

	pfh_check_fork();
	if (pfh_mode == HEAP_MODE_SAMPLE && !heap_kind_is_map(kind) &&
	    !pfh_sampled_del(p))
		return;
	b = pfh_begin(64);
	if (!b)
		return;
	pfh_put_event(b, HEAP_REC_FREE, kind, seq ? seq : pfh_seq_next(), p);
	pfh_put(b, size);
	pfh_end(b);
}

void pfh_free(unsigned kind, const void *p, size_t size)
{
	pfh_free_at(kind, p, size, 0);
}

void pfh_emit_stack(uint32_t id, const uintptr_t *ips, unsigned n)
{
	struct pfh_buf *b = pfh_begin(16 + (size_t)n * 10);
	uintptr_t prev = 0;
	unsigned i;

	if (!b)
		return;
	b->meta = 1;
	b->data[b->len++] = HEAP_REC_STACK;
	pfh_put(b, id);
	pfh_put(b, n);
	for (i = 0; i < n; i++) {
		pfh_put_signed(b, (int64_t)(ips[i] - prev));
		prev = ips[i];
	}
	pfh_end(b);
}

/* The build-id of a loaded object, from its PT_NOTE segments. */
static size_t pfh_build_id(const struct dl_phdr_info *info,
			   const unsigned char **id)
{
	int i;

	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const unsigned char *p, *end;

		if (ph->p_type != PT_NOTE)
			continue;
		p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
		end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
			size_t name = (nh->n_namesz + 3) & ~3u;
			size_t desc = (nh->n_descsz + 3) & ~3u;

			p += sizeof(*nh);
			if (nh->n_type == NT_GNU_BUILD_ID &&
			    nh->n_namesz == 4 && !memcmp(p, "GNU", 4)) {
				*id = p + name;
				return nh->n_descsz;
			}
			p += name + desc;
		}
	}
	return 0;
}

static int pfh_map_one(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct pfh_buf *b = arg;
	const char *path = info->dlpi_name;
	const unsigned char *id = NULL;
	size_t idlen, plen;
	int i;

	(void)size;
	if (!path || !*path)
		path = pfh_exe;
	if (path[0] != '/')
		return 0; /* the vdso */
	idlen = pfh_build_id(info, &id);
	plen = strnlen(path, 4096);
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;
		uintptr_t pg = start & ~(uintptr_t)4095;

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		if (b->len + plen + idlen + 64 > PFH_BUF_SIZE)
			pfh_flush_locked(b);
		b->meta = 1;
		b->data[b->len++] = HEAP_REC_MAP;
		pfh_put(b, pg);
		pfh_put(b, ph->p_memsz + (start - pg));
		pfh_put(b, ph->p_offset - (start - pg));
		pfh_put_bytes(b, id, idlen);
		pfh_put_bytes(b, path, plen);
	}
	return 0;
}

static int pfh_map_count(struct dl_phdr_info *info, size_t size, void *arg)
{
	unsigned long long *c = arg;

	(void)size;
	c[0] = info->dlpi_adds;
	c[1] = info->dlpi_subs;
	return 1;
}

/* Record the loaded objects when they changed since the last time. */
static void pfh_emit_maps(int force)
{
	unsigned long long c[2] = {0, 0};
	struct pfh_buf *b;

	dl_iterate_phdr(pfh_map_count, c);
	if (!force && c[0] == pfh_maps_adds && c[1] == pfh_maps_subs)
		return;
	pfh_maps_adds = c[0];
	pfh_maps_subs = c[1];
	b = pfh_begin(PFH_BUF_SIZE / 2);
	if (!b)
		return;
	dl_iterate_phdr(pfh_map_one, b);
	pfh_end(b);
}

void pfh_maps_refresh(void)
{
	pfh_emit_maps(0);
}

static void pfh_emit_process(void)
{
	struct pfh_buf *b = pfh_begin(4096 + 64);
	size_t n = strnlen(pfh_exe, 4000);

	if (!b)
		return;
	b->meta = 1;
	b->data[b->len++] = HEAP_REC_PROCESS;
	pfh_put(b, (uint64_t)getppid());
	pfh_put(b, (uint64_t)pfh_mode);
	pfh_put(b, pfh_interval);
	pfh_put(b, pfh_depth);
	pfh_put_bytes(b, pfh_exe, n);
	pfh_flush_locked(b);
	pfh_end(b);
}

static void pfh_flush_every(int may_compress)
{
	struct pfh_buf *b;

	pfh_lock(&pfh_reg_lock);
	for (b = pfh_bufs; b; b = b->next) {
		pfh_lock(&b->lock);
		pfh_flush_buf(b, may_compress);
		pfh_unlock(&b->lock);
	}
	pfh_unlock(&pfh_reg_lock);
}

static void pfh_flush_all(void)
{
	pfh_flush_every(1);
}

/*
 * Append the RSS (from /proc/self/statm) to b, the helper's buffer, or
 * with b NULL to the calling thread's.  The helper task calls it: raw
 * system calls only, no TLS (see pfh_start_helper).
 */
static void pfh_sample_rss(struct pfh_buf *own)
{
	struct timespec ts = {0, 0};
	char buf[128];
	uint64_t rss = 0;
	struct pfh_buf *b;
	uint64_t seq;
	long n, i = 0;

	if (pfh_statm < 0)
		return;
	n = pfh_sys(SYS_pread64, pfh_statm, (long)buf, sizeof(buf), 0);
	/* "size resident shared ...", in pages: the second field. */
	while (i < n && buf[i] != ' ')
		i++;
	if (++i >= n || buf[i] < '0' || buf[i] > '9')
		return;
	for (; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
		rss = rss * 10 + (uint64_t)(buf[i] - '0');
	/* Raw too: glibc's clock_gettime would set errno on a failure. */
	pfh_sys(SYS_clock_gettime, CLOCK_REALTIME, (long)&ts, 0, 0);
	if (own) {
		b = own;
		pfh_lock(&b->lock);
		if (b->len + 64 > PFH_BUF_SIZE)
			pfh_flush_buf(b, 0);
	} else if (!(b = pfh_begin(64))) {
		return;
	}
	seq = pfh_key_now();
	pfh_note_key(b, seq << 1 | 1);
	b->data[b->len++] = HEAP_REC_RSS;
	pfh_put(b, (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec);
	pfh_put(b, seq);
	pfh_put(b, rss * pfh_page_size);
	pfh_end(b);
}

/* 1: the helper task must end (pfh_helper_stop). */
static int pfh_helper_quit;
/* The helper's tid while it runs: set by the kernel before clone
 * returns (not when the task first runs: a stop right after the start
 * would not wait, and a new helper would share the stack of the old),
 * cleared by the kernel when it ends. */
static pid_t pfh_helper_tid;
static struct pfh_buf *pfh_helper_buf;
static char *pfh_helper_stack;
/* The helper ended itself: its credentials were no longer the process's. */
static int pfh_helper_orphaned;

/* The first three numbers after "\nKEY:" in a /proc status text. */
static int pfh_status_ids(const char *buf, long n, const char *key, long ids[3])
{
	size_t klen = strlen(key);
	long i, k;

	for (i = 0; i + (long)klen < n; i++) {
		if (buf[i] != '\n' || memcmp(buf + i + 1, key, klen))
			continue;
		i += 1 + (long)klen;
		for (k = 0; k < 3; k++) {
			while (i < n && (buf[i] == '\t' || buf[i] == ' '))
				i++;
			if (i >= n || buf[i] < '0' || buf[i] > '9')
				return -1;
			for (ids[k] = 0;
			     i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
				ids[k] = ids[k] * 10 + (buf[i] - '0');
		}
		return 0;
	}
	return -1;
}

/*
 * Whether the process's user or group ids (its main thread's, as /proc
 * shows them) are no longer the helper's own.  glibc changes the ids of
 * every thread it knows of (setuid and the like signal each one), and the
 * helper is none of them: a program that drops root would keep one task
 * running as root in its address space.  The set*id functions stop the
 * helper first (hooks.c); this catches the rest (a raw system call).
 */
static int pfh_creds_changed(void)
{
	static const struct {
		long nr;
		const char *key;
	} ids[] = {{SYS_getresuid, "Uid:"}, {SYS_getresgid, "Gid:"}};
	char buf[2048];
	long own[3], proc[3], fd, n;
	unsigned i;

	fd = pfh_sys(SYS_open, (long)"/proc/self/status", O_RDONLY | O_CLOEXEC,
		     0, 0);
	if (fd < 0)
		return 0;
	n = pfh_sys(SYS_read, fd, (long)buf, sizeof(buf), 0);
	pfh_sys(SYS_close, fd, 0, 0, 0);
	if (n <= 0)
		return 0;
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		/* getresuid writes uid_t (32 bits): widen them. */
		pfh_sys(ids[i].nr, (long)&own[0], (long)&own[1], (long)&own[2],
			0);
		if (pfh_status_ids(buf, n, ids[i].key, proc) == 0 &&
		    (proc[0] != (uint32_t)own[0] ||
		     proc[1] != (uint32_t)own[1] ||
		     proc[2] != (uint32_t)own[2]))
			return 1;
	}
	return 0;
}

/*
 * The helper task: the RSS every 10 ms, and every 100 ms a flush of every
 * buffer, so that a process killed with SIGKILL leaves all but its last
 * 100 ms in the file.  It sleeps on pfh_helper_quit, so that a request to
 * end wakes it at once; it ends by returning (the thread's exit).
 */
static int pfh_helper(void *arg)
{
	struct timespec ts = {0, 10 * 1000 * 1000};
	unsigned tick = 0;

	for (;;) {
		pfh_sys(SYS_futex, (long)&pfh_helper_quit,
			FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, (long)&ts);
		if (__atomic_load_n(&pfh_helper_quit, __ATOMIC_ACQUIRE))
			break;
		pfh_sample_rss(arg);
		if (++tick % 10 == 0) {
			pfh_flush_every(0);
			if (pfh_creds_changed()) {
				__atomic_store_n(&pfh_helper_orphaned, 1,
						 __ATOMIC_RELEASE);
				break;
			}
		}
	}
	return 0;
}

#define PFH_HELPER_STACK (64u << 10)

/*
 * Start the helper as a task glibc does not know about: clone(2) with the
 * thread flags but none of pthread_create's bookkeeping.  A pthread would
 * turn glibc's malloc multi-threaded for good (__libc_single_threaded
 * false: an atomic lock around every arena operation), which cost a
 * single-threaded program about 20% of its malloc time even when nothing
 * else was traced.  The task shares the TLS of the thread that made it,
 * so it never calls into glibc nor touches a thread-local: raw system
 * calls, its own buffer, spin locks; it takes no signal; exit_group and
 * exec end it with the process.  It takes the credentials of the thread
 * that starts it.
 */
static void pfh_start_helper(void)
{
	struct pfh_buf *b;
	sigset_t all, old;

	pfh_helper_pid = pfh_pid;
	pfh_page_size = (uint64_t)sysconf(_SC_PAGESIZE);
	b = pfh_new_buf(0);
	if (!pfh_helper_stack)
		pfh_helper_stack = pfh_map(PFH_HELPER_STACK);
	if (!b || !pfh_helper_stack) {
		if (b)
			b->dead = 1;
		return;
	}
	pfh_helper_quit = 0;
	pfh_helper_orphaned = 0;
	pfh_helper_buf = b;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	b->tid = 0; /* the RSS records belong to no thread */
	if (clone(pfh_helper, pfh_helper_stack + PFH_HELPER_STACK,
		  CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
		      CLONE_THREAD | CLONE_SYSVSEM | CLONE_PARENT_SETTID |
		      CLONE_CHILD_CLEARTID,
		  b, &pfh_helper_tid, NULL, &pfh_helper_tid) > 0)
		pfh_helper_running = pfh_pid;
	else
		b->dead = 1;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/*
 * End this process's helper task and wait until it is gone (its tid
 * cleared by the kernel), then write what its buffer holds: before the
 * program changes its credentials, which the task would not follow.
 */
void pfh_helper_stop(void)
{
	struct pfh_buf *b = pfh_helper_buf;
	pid_t tid;

	if (!pfh_on || pfh_vfork_child() || pfh_helper_running != pfh_pid)
		return;
	__atomic_store_n(&pfh_helper_quit, 1, __ATOMIC_RELEASE);
	pfh_sys(SYS_futex, (long)&pfh_helper_quit,
		FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, 0);
	while ((tid = __atomic_load_n(&pfh_helper_tid, __ATOMIC_ACQUIRE)))
		pfh_sys(SYS_futex, (long)&pfh_helper_tid, FUTEX_WAIT, tid, 0);
	pfh_helper_running = 0;
	if (b) {
		pfh_lock(&b->lock);
		pfh_flush_buf(b, 0);
		b->dead = 1;
		pfh_unlock(&b->lock);
	}
}

/* A new helper, with the calling thread's (new) credentials. */
void pfh_helper_restart(void)
{
	if (!pfh_on || pfh_vfork_child() || pfh_helper_running == pfh_pid)
		return;
	pfh_start_helper();
}

/*
 * The helper ended itself (the credentials changed under it by a call
 * no hook sees): a thread of the program starts a new one, with the
 * process's credentials, on its next recorded event.
 */
static inline void pfh_check_helper(void)
{
	if (__builtin_expect(
		__atomic_load_n(&pfh_helper_orphaned, __ATOMIC_ACQUIRE), 0)) {
		while (__atomic_load_n(&pfh_helper_tid, __ATOMIC_ACQUIRE))
			__builtin_ia32_pause();
		pfh_helper_orphaned = 0;
		if (pfh_helper_running == pfh_pid && !pfh_vfork_child()) {
			pfh_helper_running = 0;
			if (pfh_helper_buf)
				pfh_helper_buf->dead = 1;
			pfh_start_helper();
		}
	}
}

static void pfh_new_stream(void)
{
	pfh_pid = (pid_t)syscall(SYS_getpid);
	pfh_stream = pfh_now(CLOCK_REALTIME);
	if (pfh_statm >= 0)
		close(pfh_statm);
	pfh_statm = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	pfh_maps_adds = pfh_maps_subs = ~0ULL;
	pfh_emit_process();
	pfh_emit_maps(1);
	pfh_flush_all();
}

/*
 * Before a fork the buffers are written: the parent may never write them
 * again.  daemon() forks, then its parent leaves by glibc's own _exit,
 * which no hook sees; the child starts with empty buffers, so the
 * parent's events before the fork were lost.
 */
static void pfh_fork_prepare(void)
{
	int guard = pfh_guard;

	pfh_guard = 1;
	pfh_flush_all();
	pfh_guard = guard;
	pfh_lock(&pfh_reg_lock);
}

static void pfh_fork_parent(void)
{
	pfh_unlock(&pfh_reg_lock);
}

/*
 * The child of a fork: a new stream.  The buffers still hold the parent's
 * unwritten events (the parent writes them) and other threads' locks may
 * be held forever: start every buffer empty and unlocked.
 */
static void pfh_fork_child(void)
{
	struct pfh_buf *b;
	int guard = pfh_guard;

	pfh_guard = 1;
	*pfh_canary = 1;
	pfh_reg_lock = 0;
	for (b = pfh_bufs; b; b = b->next) {
		b->lock = 0;
		b->len = PFH_HDR;
		b->seq_base = b->ptr_base = 0;
		if (b != pfh_tbuf)
			b->dead = 1;
	}
	if (pfh_tbuf)
		pfh_tbuf->tid = (uint32_t)syscall(SYS_gettid);
	pfh_unwind_reset();
	pfh_new_stream();
	pfh_helper_tid = 0; /* the parent's */
	pfh_start_helper();
	pfh_guard = guard;
}

/*
 * A child made without the atfork handlers: _Fork, or fork and clone
 * called as system calls.  Its copy of the buffers holds the parent's
 * unwritten events and its stacks are the parent's: were it to go on, its
 * events would be counted in the parent's stream and the parent's twice.
 * The canary lives in a page the kernel wipes in a child that copies
 * the memory (MADV_WIPEONFORK, Linux 4.14), so one load on each recorded
 * event sees it; the child then starts its own stream, as a fork's does.
 */
static void pfh_check_fork(void)
{
	if (__builtin_expect(!*pfh_canary, 0))
		pfh_fork_child();
}

static void pfh_canary_init(void)
{
	int *p = pfh_map(4096);

	if (!p)
		return;
	if (madvise(p, 4096, MADV_WIPEONFORK) < 0) {
		munmap(p, 4096);
		return;
	}
	*p = 1;
	pfh_canary = p;
}

/*
 * Whether the caller is a child that shares the traced process's memory
 * rather than a copy: vfork's (or clone's with CLONE_VM), which may only
 * exec or _exit.  Its buffers are the parent's: it must neither end the
 * parent's stream nor flush it.  (An allocation it makes, which is in the
 * parent's heap, is recorded as the parent's.)
 */
static int pfh_vfork_child(void)
{
	pfh_check_fork();
	return (pid_t)pfh_sys(SYS_getpid, 0, 0, 0, 0) != pfh_pid;
}

void pfh_finish(unsigned reason, int status)
{
	struct pfh_buf *b;

	if (!pfh_on || pfh_vfork_child())
		return;
	pfh_sample_rss(NULL);
	pfh_emit_maps(0);
	b = pfh_begin(64);
	if (b) {
		b->meta = 1;
		b->data[b->len++] = HEAP_REC_END;
		pfh_put(b, reason);
		pfh_put(b, pfh_seq_next());
		pfh_put(b, (uint64_t)(int64_t)status);
		pfh_end(b);
	}
	pfh_flush_all();
}

static void pfh_parse_env(void)
{
	const char *mode = getenv(HEAP_ENV_MODE);
	const char *depth = getenv(HEAP_ENV_DEPTH);
	const char *seed = getenv(HEAP_ENV_SEED);
	const char *compress = getenv(HEAP_ENV_COMPRESS);
	const char *freeres = getenv(HEAP_ENV_FREERES);

	pfh_check_tsc();
	if (seed)
		pfh_seed = strtoull(seed, NULL, 10);
	if (compress && !strcmp(compress, "1"))
		pfh_compress = 1;
	pfh_freeres = !freeres || strcmp(freeres, "0");
	if (mode && !strncmp(mode, "sample:", 7)) {
		unsigned long long v = strtoull(mode + 7, NULL, 10);

		pfh_mode = HEAP_MODE_SAMPLE;
		if (v)
			pfh_interval = v;
	}
	if (depth) {
		unsigned long v = strtoul(depth, NULL, 10);

		if (v >= 1 && v <= HEAP_MAX_DEPTH)
			pfh_depth = (unsigned)v;
	}
}

#define PFH_SYM(name) (__typeof__(pfh_real.name))dlsym(RTLD_NEXT, #name)

void *pfh_next(const char *name)
{
	int g = pfh_guard;
	void *f;

	pfh_guard = 1;
	f = dlsym(RTLD_NEXT, name);
	pfh_guard = g;
	return f;
}

const char *pfh_lib_path(void)
{
	static char path[4096];
	Dl_info info;

	if (path[0])
		return path;
	if (!dladdr((void *)pfh_lib_path, &info) || !info.dli_fname ||
	    info.dli_fname[0] != '/')
		return NULL;
	snprintf(path, sizeof(path), "%s", info.dli_fname);
	return path;
}

/* Whether fd is open, of the given type, and (files) written appending. */
static int pfh_fd_is(long fd, mode_t type)
{
	struct stat st;
	int fl;

	if (fd < 0 || fd > 1 << 20)
		return 0;
	fl = fcntl((int)fd, F_GETFL);
	if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY || fstat((int)fd, &st) < 0 ||
	    (st.st_mode & S_IFMT) != type)
		return 0;
	return type != S_IFREG || (fl & O_APPEND);
}

/*
 * Open the trace.  The command passes its descriptors of it (HEAP_ENV_FD
 * "TRACE:LIVE"), which every traced process inherits, across fork and
 * exec, and keeps (close and its kin spare them): a program that changed
 * its user (setuid, then exec) could no longer open the file by its path.
 * LIVE is the write end of a pipe the command reads until every process
 * that holds it has ended: how it waits for a daemon's grandchild.
 * Without them (a program that closed them with raw system calls) the
 * file is opened by path; when that fails too, the program's stderr says
 * which process is not traced and why, rather than nothing.
 */
static void pfh_open_trace(const char *file)
{
	const char *fds = getenv(HEAP_ENV_FD);
	struct stat a, b;
	long t = -1, l = -1;
	char *end, msg[8192];
	int fd, n;

	if (fds) {
		t = strtol(fds, &end, 10);
		if (*end == ':')
			l = strtol(end + 1, NULL, 10);
	}
	/* The file at the path, when it can be seen, is the same one. */
	if (pfh_fd_is(t, S_IFREG) &&
	    (stat(file, &a) < 0 ||
	     (fstat((int)t, &b) == 0 && a.st_dev == b.st_dev &&
	      a.st_ino == b.st_ino)))
		pfh_fd = (int)t;
	if (pfh_fd >= 0 && pfh_fd_is(l, S_IFIFO))
		pfh_live = (int)l;
	if (pfh_fd >= 0)
		return;
	fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		n = snprintf(msg, sizeof(msg),
			     "perfops heap: pid %d (%s) is not traced: cannot "
			     "open the trace '%s': %s (the descriptor perfops "
			     "passed was closed: this user cannot open it)\n",
			     (int)getpid(), pfh_exe, file, strerror(errno));
		if (n > 0)
			pfh_sys(SYS_write, 2, (long)msg,
				n < (int)sizeof(msg) ? n
						     : (long)sizeof(msg) - 1,
				0);
		return;
	}
	/* Far from the descriptors the program counts on. */
	pfh_fd = fcntl(fd, F_DUPFD_CLOEXEC, 900);
	if (pfh_fd < 0)
		pfh_fd = fd;
	else
		close(fd);
}

void pfh_init(void)
{
	const char *file;
	int expected = 0;
	ssize_t n;

	if (!__atomic_compare_exchange_n(&pfh_state, &expected, 1, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&pfh_state, __ATOMIC_ACQUIRE) != 2)
			__builtin_ia32_pause();
		return;
	}
	pfh_initializer = 1;
	pfh_in_init = 1;
	pfh_real.malloc = PFH_SYM(malloc);
	pfh_real.free = PFH_SYM(free);
	pfh_real.calloc = PFH_SYM(calloc);
	pfh_real.realloc = PFH_SYM(realloc);
	pfh_real.reallocarray = PFH_SYM(reallocarray);
	pfh_real.posix_memalign = PFH_SYM(posix_memalign);
	pfh_real.aligned_alloc = PFH_SYM(aligned_alloc);
	pfh_real.memalign = PFH_SYM(memalign);
	pfh_real.valloc = PFH_SYM(valloc);
	pfh_real.pvalloc = PFH_SYM(pvalloc);
	pfh_real.malloc_usable_size = PFH_SYM(malloc_usable_size);
	pfh_real.mmap = PFH_SYM(mmap);
	pfh_real.munmap = PFH_SYM(munmap);
	pfh_real.mremap = PFH_SYM(mremap);
	pfh_real._exit = PFH_SYM(_exit);
	pfh_real.execve = PFH_SYM(execve);
	pfh_real.close = PFH_SYM(close);
	pfh_real.close_range = PFH_SYM(close_range);
	pfh_real.closefrom = PFH_SYM(closefrom);
	pfh_real_execv = dlsym(RTLD_NEXT, "execv");
	pfh_real_execvp = dlsym(RTLD_NEXT, "execvp");
	pfh_real_execvpe = dlsym(RTLD_NEXT, "execvpe");
	pfh_in_init = 0;

	pfh_guard = 1;
	n = readlink("/proc/self/exe", pfh_exe, sizeof(pfh_exe) - 1);
	pfh_exe[n > 0 ? n : 0] = '\0';
	file = getenv(HEAP_ENV_FILE);
	if (file && *file)
		pfh_open_trace(file);
	if (pfh_fd >= 0) {
		pfh_parse_env();
		pthread_key_create(&pfh_key, pfh_thread_exit);
		pfh_canary_init();
		pthread_atfork(pfh_fork_prepare, pfh_fork_parent,
			       pfh_fork_child);
		pfh_unwind_init();
		if (pfh_mode == HEAP_MODE_SAMPLE)
			pfh_sampled_reset();
		else /* every free is recorded */
			memset(pfh_filter, 1, sizeof(pfh_filter));
		pfh_new_stream();
		pfh_on = 1;
	}
	pfh_guard = 0;
	pfh_initializer = 0;
	__atomic_store_n(&pfh_state, 2, __ATOMIC_RELEASE);
}

__attribute__((constructor)) static void pfh_constructor(void)
{
	pfh_init();
	if (pfh_on && pfh_helper_pid != pfh_pid) {
		pfh_guard = 1;
		pfh_start_helper();
		pfh_guard = 0;
	}
}

/*
 * Whether the calling thread is the process's only one (the helper task
 * aside): /proc/self/status's Threads.
 */
static int pfh_alone(void)
{
	char buf[4096], *t;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	t = strstr(buf, "\nThreads:");
	if (!t)
		return 0;
	return strtol(t + 10, NULL, 10) <= 1 + (pfh_helper_running == pfh_pid);
}

extern void __libc_freeres(void) __attribute__((weak));
/*
 * libstdc++'s __gnu_cxx::__freeres: a program linked with libstdc++
 * allocates its emergency exception pool (71 kB) at start-up, freed only
 * there; Valgrind calls it, or every C++ program would leak the pool.  A
 * weak reference, not dlsym: a failed dlsym allocates dlerror's message.
 */
extern void _ZN9__gnu_cxx9__freeresEv(void) __attribute__((weak));

/*
 * At exit glibc keeps blocks of its own that it never frees (stdout's
 * buffer, NSS modules after getpwnam, a loaded locale, dlerror's
 * message): they would be reported as the program's leaks.  Valgrind
 * calls __libc_freeres at the very end to free them, and so does the
 * library here, in its destructor: after the program's atexit handlers,
 * C++ static destructors and its own destructors, and recording the
 * frees (and libstdc++'s __gnu_cxx::__freeres before it).  When other
 * threads still run, in a copy of the process (pfh_freeres_in_copy);
 * PERFOPS_HEAP_FREERES=0 (--no-libc-freeres) leaves them.
 */
static void pfh_run_freeres(void)
{
	if (_ZN9__gnu_cxx9__freeresEv)
		_ZN9__gnu_cxx9__freeresEv();
	if (__libc_freeres)
		__libc_freeres();
}

#define PFH_COPY_WAIT_MS 2000

/* fork without glibc's handlers and bookkeeping (see below). */
static pid_t pfh_raw_fork(void)
{
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 34)
	return _Fork();
#else
	return (pid_t)syscall(SYS_fork);
#endif
}

/*
 * Other threads still run at exit (xz -T2 leaves its workers to
 * exit_group): freeing glibc's state under them is unsafe, and skipping
 * __libc_freeres left glibc's own blocks (the locale, stdio's buffers)
 * as leaks that memcheck, which frees them, does not report (145 blocks
 * on xz -T2).  A copy of the process has one thread: it runs
 * __libc_freeres there, recording the frees in the process's stream as
 * the process's, and ends; the process's own glibc is left alone.
 *
 * _Fork, not fork: fork's child bookkeeping would hand the stacks of the
 * threads still running to glibc's cache, and __libc_freeres would then
 * free their thread descriptors, which memcheck reports as still in use
 * (the program's atfork handlers would run too).  Nor does the copy take
 * the library's fork path: it stays in the process's stream.  A lock
 * another thread held at the fork (the allocator's, a FILE's) would hang
 * the copy: one that has not ended after 2 s is killed, and glibc's
 * blocks stay reported, as before.
 */
static void pfh_freeres_in_copy(void)
{
	struct pfh_claims *c =
	    (void *)syscall(SYS_mmap, NULL, 4096, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct timespec ms = {0, 1000 * 1000};
	int status = 0, waited = 0, guard = pfh_guard;
	struct pfh_buf *b = pfh_tbuf;
	uint32_t i;
	pid_t pid;

	if (c == MAP_FAILED)
		return;
	pfh_guard = 1;
	pid = pfh_raw_fork();
	if (pid == 0) {
		/* Not a new stream: no fork seen here.  The buffer's events
		 * and locks are the parent's (the helper may have been
		 * writing it). */
		*pfh_canary = 1;
		pfh_reg_lock = 0;
		if (b) {
			b->lock = 0;
			b->len = PFH_HDR;
			b->seq_base = b->ptr_base = 0;
			b->nkeys = 0;
			b->unsorted = b->meta = 0;
		}
		pfh_claims = c;
		pfh_guard = 0;
		pfh_run_freeres();
		pfh_guard = 1;
		if (pfh_tbuf)
			pfh_flush_buf(pfh_tbuf, 0);
		c->seq = __atomic_load_n(&pfh_seq.n, __ATOMIC_RELAXED);
		__atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
		for (;;)
			pfh_sys(SYS_exit_group, 0, 0, 0, 0);
	}
	/* Until it is done (the program may reap it itself, or ignore
	 * SIGCHLD: then only c->done tells). */
	while (pid > 0) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		if (__atomic_load_n(&c->done, __ATOMIC_ACQUIRE)) {
			if (r == 0)
				waitpid(pid, &status, 0);
			break;
		}
		if (++waited > PFH_COPY_WAIT_MS) {
			kill(pid, SIGKILL);
			if (r == 0)
				waitpid(pid, &status, 0);
			break;
		}
		pfh_sys(SYS_nanosleep, (long)&ms, 0, 0, 0);
	}
	/* Its ids and sequence numbers are taken: the process goes on
	 * after them (even when the program reaped the copy itself). */
	if (__atomic_load_n(&c->done, __ATOMIC_ACQUIRE)) {
		for (i = 0; i < c->n && i < PFH_CLAIMS_MAX; i++)
			pfh_stack_reserve(c->slot[i], c->hash[i]);
		if (c->seq > __atomic_load_n(&pfh_seq.n, __ATOMIC_RELAXED))
			__atomic_store_n(&pfh_seq.n, c->seq, __ATOMIC_RELAXED);
	}
	syscall(SYS_munmap, c, 4096);
	pfh_guard = guard;
}

static void pfh_libc_freeres(void)
{
	if (!pfh_freeres || pfh_vfork_child())
		return;
	if (pfh_alone())
		pfh_run_freeres();
	else
		pfh_freeres_in_copy();
}

__attribute__((destructor)) static void pfh_destructor(void)
{
	if (!pfh_on)
		return;
	pfh_libc_freeres();
	pfh_guard = 1;
	pfh_finish(HEAP_END_EXIT, 0);
	pfh_guard = 0;
}
