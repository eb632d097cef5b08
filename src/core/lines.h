#ifndef PERFOPS_LINES_H
#define PERFOPS_LINES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Consumed pages of a mapped file are given back in steps this large. */
#define LINES_DROP_STEP (1u << 20)

/*
 * Reading text input line by line in bounded memory: the file is read in
 * large chunks and lines are handed out as pointers into the chunk (valid
 * until the next call), so a 1 GB input needs a few MB.  A line longer
 * than the cap is an error, not an allocation.  Works on a file, stdin or
 * a buffer in memory.  The reader owns its buffer; lines_close() frees it.
 */
struct lines {
	int fd; /* -1 when reading from memory */
	int own_fd;
	char *buf;	 /* owned chunk buffer (NULL when reading memory) */
	const char *mem; /* the data: buf, or the caller's buffer */
	size_t cap, start, end;
	size_t max_line;
	uint64_t lineno; /* number of the line last returned, from 1 */
	uint64_t bytes;	 /* bytes consumed so far */
	int eof;
	const char *name;
	/* A regular file is mapped rather than read (no copy); consumed
	 * pages are dropped as we go so memory stays bounded. */
	void *map;
	size_t map_size, dropped, populated;
	int own_map;
};

/* Open path ("-" = stdin); reports its own errors. */
int lines_open(struct lines *lr, const char *path);
/* Read from data/len, which must outlive the reader. */
void lines_open_mem(struct lines *lr, const char *data, size_t len,
		    const char *name);
/*
 * The next line without its newline, in line and len.  Returns 1, 0 at the end
 * of the input, or -1 (reported) on a read error or a line over the cap.
 */
int lines_next_slow(struct lines *lr, const char **line, size_t *len);

/* Inline for the common case, a whole line in the buffer or mapping:
 * collapse calls it for every line of its input. */
/*
 * Consume the next line, n bytes and a newline, which the caller found
 * itself in lr->mem + lr->start (reading no further than lr->end), as
 * lines_next() would.  Returns 0, consuming nothing, when that line must
 * be read with lines_next() instead: it reaches past the stretch of a
 * mapped file kept in memory, or it is over the cap.
 */
static inline int lines_take(struct lines *lr, size_t n)
{
	if ((lr->map &&
	     lr->start + n + 1 >= lr->dropped + 2 * LINES_DROP_STEP) ||
	    n > lr->max_line)
		return 0;
	lr->start += n + 1;
	lr->bytes += n + 1;
	lr->lineno++;
	/* The input streams in from memory: ask for it a kilobyte ahead of
	 * the reader, as the hardware's own prefetch stops at page ends.
	 * Only a hint, which never faults, past the end of the data too. */
	__builtin_prefetch(lr->mem + lr->start + 1024);
	return 1;
}

static inline int lines_next(struct lines *lr, const char **line, size_t *len)
{
	const char *p = lr->mem + lr->start;
	const char *nl = memchr(p, '\n', lr->end - lr->start);

	if (!nl || !lines_take(lr, (size_t)(nl - p)))
		return lines_next_slow(lr, line, len);
	*line = p;
	*len = (size_t)(nl - p);
	return 1;
}
/*
 * Make at least want bytes (or all that is left, or the line cap)
 * available from the current position without consuming them, for format
 * detection; the buffer grows as needed.  Returns
 * the number of bytes in *data, or -1 on a read error.
 */
long lines_peek(struct lines *lr, size_t want, const char **data);
/*
 * Whether the line last returned was the last of the input and had no
 * newline: the mark of a truncated file.
 */
static inline int lines_unterminated(const struct lines *lr)
{
	return lr->eof && lr->start == lr->end && lr->end &&
	       lr->mem[lr->end - 1] != '\n';
}
void lines_close(struct lines *lr);
/*
 * A reader over bytes [from, to) of a mapped or in-memory reader, for
 * parsing parts of one input in parallel.  It borrows the parent's data
 * (which must stay open) and counts its lines from 1.
 */
void lines_sub(struct lines *sub, const struct lines *parent, size_t from,
	       size_t to);

#endif
