#include "core/compat.h"
#include "core/lines.h"
#include "core/error.h"
#include <sys/mman.h>

#define LINES_CHUNK (4u << 20)
#define LINES_MAX_LINE (64u << 20)

static int try_map(struct lines *lr)
{
	struct stat st;
	void *m;

	if (fstat(lr->fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uint64_t)st.st_size > SIZE_MAX)
		return -1;
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, lr->fd, 0);
	if (m == MAP_FAILED)
		return -1;
	madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
	lr->map = m;
	lr->own_map = 1;
	lr->map_size = (size_t)st.st_size;
	lr->mem = m;
	lr->end = lr->map_size;
	lr->eof = 1;
	lr->max_line = LINES_MAX_LINE;
	return 0;
}

/* Give back the pages of a mapped file that were read already. */
static void drop_consumed(struct lines *lr)
{
	size_t upto = lr->start & ~(size_t)(LINES_DROP_STEP - 1);

	if (upto > lr->dropped) {
		madvise((char *)lr->map + lr->dropped, upto - lr->dropped,
			MADV_DONTNEED);
		lr->dropped = upto;
	}
}

/*
 * Map the pages of the stretch up to the next drop in one call, rather
 * than fault them in 16 at a time: each fault is an exception, costly in
 * a virtual machine.  Only a hint: without MADV_POPULATE_READ (Linux
 * 5.14) the pages fault in as before.
 */
static void populate_ahead(struct lines *lr)
{
#ifdef MADV_POPULATE_READ
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t from = MAX(lr->populated, lr->start & ~(page - 1));
	size_t upto = MIN(lr->end, lr->dropped + 2 * LINES_DROP_STEP);

	if (upto <= from)
		return;
	madvise((char *)lr->map + from, upto - from, MADV_POPULATE_READ);
	lr->populated = upto;
#else
	(void)lr;
#endif
}

int lines_open(struct lines *lr, const char *path)
{
	memset(lr, 0, sizeof(*lr));
	lr->name = path;
	if (!strcmp(path, "-")) {
		lr->fd = 0;
		lr->name = "<stdin>";
	} else {
		lr->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (lr->fd < 0)
			return error_errno("cannot open '%s'", path);
		lr->own_fd = 1;
		posix_fadvise(lr->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
		if (try_map(lr) == 0)
			return 0;
	}
	lr->cap = LINES_CHUNK;
	lr->buf = xmalloc(lr->cap);
	lr->mem = lr->buf;
	lr->max_line = LINES_MAX_LINE;
	return 0;
}

void lines_open_mem(struct lines *lr, const char *data, size_t len,
		    const char *name)
{
	memset(lr, 0, sizeof(*lr));
	lr->fd = -1;
	lr->mem = data;
	lr->end = len;
	lr->eof = 1;
	lr->name = name;
	lr->max_line = SIZE_MAX;
}

void lines_sub(struct lines *sub, const struct lines *parent, size_t from,
	       size_t to)
{
	lines_open_mem(sub, parent->mem, to, parent->name);
	sub->start = from;
	sub->max_line = parent->max_line;
	if (parent->map) {
		/* Drop only pages at or after the part's own start. */
		sub->map = parent->map;
		sub->map_size = parent->map_size;
		sub->dropped = (from + LINES_DROP_STEP - 1) &
			       ~(size_t)(LINES_DROP_STEP - 1);
	}
}

void lines_close(struct lines *lr)
{
	if (lr->map && lr->own_map)
		munmap(lr->map, lr->map_size);
	if (lr->own_fd)
		close(lr->fd);
	free(lr->buf);
	memset(lr, 0, sizeof(*lr));
	lr->fd = -1;
}

/* Move the unread tail to the front and read more behind it. */
static int fill(struct lines *lr)
{
	ssize_t n;

	if (lr->eof)
		return 0;
	if (lr->start) {
		memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
		lr->end -= lr->start;
		lr->start = 0;
	}
	if (lr->end == lr->cap) {
		if (lr->cap >= lr->max_line)
			return error("%s: line %" PRIu64
				     " is longer than %zu MB; is this a "
				     "text file?",
				     lr->name, lr->lineno + 1,
				     lr->max_line >> 20);
		lr->cap *= 2;
		lr->buf = xrealloc(lr->buf, lr->cap);
		lr->mem = lr->buf;
	}
	do
		n = read(lr->fd, lr->buf + lr->end, lr->cap - lr->end);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return error_errno("cannot read '%s'", lr->name);
	if (n == 0)
		lr->eof = 1;
	lr->end += (size_t)n;
	return 1;
}

int lines_next_slow(struct lines *lr, const char **line, size_t *len)
{
	for (;;) {
		const char *p = lr->mem + lr->start;
		size_t avail = lr->end - lr->start;
		const char *nl = memchr(p, '\n', avail);

		if (nl) {
			*line = p;
			*len = (size_t)(nl - p);
			if (unlikely(*len > lr->max_line))
				return error("%s: line %" PRIu64
					     " is longer than %zu MB; is this "
					     "a text file?",
					     lr->name, lr->lineno + 1,
					     lr->max_line >> 20);
			lr->start += *len + 1;
			lr->bytes += *len + 1;
			lr->lineno++;
			if (lr->map &&
			    lr->start >= lr->dropped + 2 * LINES_DROP_STEP) {
				drop_consumed(lr);
				populate_ahead(lr);
			}
			return 1;
		}
		if (lr->eof) {
			if (!avail)
				return 0;
			/* The last line has no '\n'. */
			*line = p;
			*len = avail;
			lr->start = lr->end;
			lr->bytes += avail;
			lr->lineno++;
			return 1;
		}
		if (fill(lr) < 0)
			return -1;
	}
}

long lines_peek(struct lines *lr, size_t want, const char **data)
{
	/* fill() grows the buffer up to the line cap. */
	while (lr->end - lr->start < want && !lr->eof) {
		if (lr->fd >= 0 && lr->end == lr->cap && lr->start == 0 &&
		    lr->cap >= lr->max_line)
			break;
		if (fill(lr) < 0)
			return -1;
	}
	*data = lr->mem + lr->start;
	return (long)(lr->end - lr->start);
}
