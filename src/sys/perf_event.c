#include "core/compat.h"
#include "sys/perf_event.h"
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

int perf_event_open_fd(struct perf_event_attr *attr, pid_t pid, int cpu,
		       int group_fd)
{
	long fd = syscall(SYS_perf_event_open, attr, pid, cpu, group_fd,
			  PERF_FLAG_FD_CLOEXEC);

	return fd < 0 ? -errno : (int)fd;
}

int perf_ring_open(struct perf_ring *r, struct perf_event_attr *attr, pid_t pid,
		   int cpu, unsigned *pages)
{
	long psz = sysconf(_SC_PAGESIZE);
	unsigned n = 1;
	int fd, err = -ENOMEM;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	fd = perf_event_open_fd(attr, pid, cpu, -1);
	if (fd < 0)
		return fd;
	/* The kernel wants a power of two of data pages. */
	while (n * 2 <= *pages)
		n *= 2;
	for (; n >= 1; n /= 2) {
		void *p = mmap(NULL, (size_t)(n + 1) * psz,
			       PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

		if (p != MAP_FAILED) {
			r->fd = fd;
			r->base = p;
			r->data_size = (size_t)n * psz;
			r->cpu = cpu;
			r->tid = pid;
			*pages = n;
			return 0;
		}
		err = -errno;
		if (err != -EPERM && err != -ENOMEM)
			break;
	}
	close(fd);
	return err;
}

int perf_ring_add(struct perf_ring *r, struct perf_event_attr *attr, pid_t pid,
		  int cpu)
{
	int fd = perf_event_open_fd(attr, pid, cpu, -1);

	if (fd < 0)
		return fd;
	if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, r->fd) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int perf_ring_enable(struct perf_ring *r)
{
	return ioctl(r->fd, PERF_EVENT_IOC_ENABLE, 0) < 0 ? -errno : 0;
}

int perf_ring_disable(struct perf_ring *r)
{
	return ioctl(r->fd, PERF_EVENT_IOC_DISABLE, 0) < 0 ? -errno : 0;
}

uint64_t perf_event_id(int fd)
{
	uint64_t id = 0;

	if (ioctl(fd, PERF_EVENT_IOC_ID, &id) < 0)
		return 0;
	return id;
}

size_t perf_ring_read(struct perf_ring *r, perf_record_fn fn, void *ctx)
{
	struct perf_event_mmap_page *meta = r->base;
	unsigned char *data;
	uint64_t head, tail;
	size_t n = 0, mask = r->data_size - 1;

	if (!r->base)
		return 0;
	data = (unsigned char *)r->base + meta->data_offset;
	if (!meta->data_offset)
		data = (unsigned char *)r->base + sysconf(_SC_PAGESIZE);
	/* Pairs with the kernel's store-release of data_head. */
	head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
	tail = meta->data_tail;
	while (tail + sizeof(struct perf_event_header) <= head) {
		size_t off = tail & mask;
		struct perf_event_header *h = (void *)(data + off);
		struct perf_event_header hcopy;
		size_t size;

		if (off + sizeof(hcopy) > r->data_size) {
			size_t first = r->data_size - off;

			memcpy(&hcopy, data + off, first);
			memcpy((char *)&hcopy + first, data,
			       sizeof(hcopy) - first);
			h = &hcopy;
		}
		size = h->size;
		if (size < sizeof(*h) || tail + size > head)
			break;
		if (off + size > r->data_size) {
			size_t first = r->data_size - off;

			if (r->copy_size < size) {
				free(r->copy);
				r->copy = xmalloc(size);
				r->copy_size = size;
			}
			memcpy(r->copy, data + off, first);
			memcpy(r->copy + first, data, size - first);
			h = (void *)r->copy;
		} else {
			h = (void *)(data + off);
		}
		fn(h, ctx);
		tail += size;
		n++;
	}
	/* Tell the kernel the space is free only after we are done with it. */
	__atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
	return n;
}

void perf_ring_close(struct perf_ring *r)
{
	if (r->base)
		munmap(r->base, r->data_size + sysconf(_SC_PAGESIZE));
	if (r->fd >= 0)
		close(r->fd);
	free(r->copy);
	r->base = NULL;
	r->copy = NULL;
	r->fd = -1;
}

/* Bounds-checked reader over a record body. */
struct cursor {
	const unsigned char *p, *end;
};

static int take(struct cursor *c, void *out, size_t n)
{
	if ((size_t)(c->end - c->p) < n)
		return -1;
	if (out)
		memcpy(out, c->p, n);
	c->p += n;
	return 0;
}

int perf_sample_parse(const struct perf_event_header *h, uint64_t type,
		      uint64_t regs_mask, struct perf_sample *s)
{
	struct cursor c = {(const unsigned char *)(h + 1),
			   (const unsigned char *)h + h->size};
	uint32_t pt[2];

	memset(s, 0, sizeof(*s));
	if ((type & PERF_SAMPLE_IDENTIFIER) && take(&c, &s->id, 8))
		return -1;
	if ((type & PERF_SAMPLE_IP) && take(&c, &s->ip, 8))
		return -1;
	if (type & PERF_SAMPLE_TID) {
		if (take(&c, pt, 8))
			return -1;
		s->pid = pt[0];
		s->tid = pt[1];
	}
	if ((type & PERF_SAMPLE_TIME) && take(&c, &s->time, 8))
		return -1;
	if ((type & PERF_SAMPLE_CPU)) {
		if (take(&c, pt, 8))
			return -1;
		s->cpu = pt[0];
	}
	if ((type & PERF_SAMPLE_PERIOD) && take(&c, &s->period, 8))
		return -1;
	if (type & PERF_SAMPLE_CALLCHAIN) {
		if (take(&c, &s->nr, 8) || s->nr > 65536)
			return -1;
		s->ips = (const uint64_t *)c.p;
		if (take(&c, NULL, s->nr * 8))
			return -1;
	}
	if (type & PERF_SAMPLE_REGS_USER) {
		if (take(&c, &s->regs_abi, 8))
			return -1;
		if (s->regs_abi) {
			s->regs = (const uint64_t *)c.p;
			if (take(&c, NULL,
				 8 * (size_t)__builtin_popcountll(regs_mask)))
				return -1;
		}
	}
	if (type & PERF_SAMPLE_STACK_USER) {
		uint64_t size, dyn = 0;

		if (take(&c, &size, 8))
			return -1;
		s->stack = c.p;
		if (take(&c, NULL, size))
			return -1;
		if (size && take(&c, &dyn, 8))
			return -1;
		/* dyn_size is what the kernel could copy, at most size. */
		s->stack_size = dyn < size ? dyn : size;
	}
	return 0;
}

int perf_record_id(const struct perf_event_header *h, uint64_t type,
		   uint32_t *tid, uint64_t *time)
{
	const unsigned char *end = (const unsigned char *)h + h->size;
	size_t n = 0;

	/* The trailer sits at the end of the record, in this order. */
	n += !!(type & PERF_SAMPLE_TID) + !!(type & PERF_SAMPLE_TIME) +
	     !!(type & PERF_SAMPLE_CPU) + !!(type & PERF_SAMPLE_IDENTIFIER);
	if (h->size < sizeof(*h) + n * 8)
		return -1;
	end -= n * 8;
	if (type & PERF_SAMPLE_TID) {
		uint32_t pt[2];

		memcpy(pt, end, 8);
		*tid = pt[1];
		end += 8;
	}
	if (type & PERF_SAMPLE_TIME)
		memcpy(time, end, 8);
	return 0;
}

long perf_read_long(const char *path, long def)
{
	char buf[64];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return def;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return def;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}
