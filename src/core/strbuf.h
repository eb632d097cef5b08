#ifndef PERFOPS_STRBUF_H
#define PERFOPS_STRBUF_H

#include <stdio.h>
#include <stddef.h>

/*
 * A growable, always NUL-terminated byte buffer (after git's strbuf), with
 * an optional size cap (after curl's dynbuf): a buffer filled from outside
 * input refuses to grow past .max and the add functions return -1, so a
 * hostile input cannot make perfops allocate without bound.  max == 0 means
 * no cap.  The strbuf owns .buf; strbuf_release() frees it.
 */
struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
	size_t max;
};

extern char strbuf_slopbuf[];
#define STRBUF_INIT                                                            \
	{                                                                      \
		strbuf_slopbuf, 0, 0, 0                                        \
	}

void strbuf_init(struct strbuf *sb, size_t hint);
/* Like strbuf_init(), and the buffer will never hold more than max bytes. */
void strbuf_init_capped(struct strbuf *sb, size_t max);
void strbuf_release(struct strbuf *sb);
/* Give the caller the buffer (which it must free()) and reset sb. */
char *strbuf_detach(struct strbuf *sb, size_t *len);

/* Make room for extra more bytes; -1 (nothing changed) past the cap. */
int strbuf_grow(struct strbuf *sb, size_t extra);
static inline void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	sb->buf[0] = '\0';
}
/*
 * Set the length to len bytes and NUL-terminate there: len must not exceed
 * sb->len, or the room made by strbuf_grow() (asserted).
 */
void strbuf_setlen(struct strbuf *sb, size_t len);

/* The add functions return 0, or -1 when the cap would be exceeded. */
int strbuf_add(struct strbuf *sb, const void *data, size_t len);
int strbuf_addstr(struct strbuf *sb, const char *s);
int strbuf_addch(struct strbuf *sb, int c);
static inline int strbuf_addbuf(struct strbuf *sb, const struct strbuf *o)
{
	return strbuf_add(sb, o->buf, o->len);
}
int strbuf_addf(struct strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);

/*
 * Append the text with & < > " ' escaped for XML/HTML, and with what XML
 * cannot hold (invalid UTF-8 bytes, control characters but tab, U+FFFE,
 * U+FFFF) replaced by '?': the one escape of every SVG and HTML writer.
 */
int strbuf_add_xml(struct strbuf *sb, const char *s, size_t len);

/*
 * Read one line (without its '\n') into sb, replacing its content.
 * Returns 0, EOF at the end of input, or -1 when the line exceeds the cap
 * (the rest of that line is then skipped so the next call starts afresh).
 */
int strbuf_getline(struct strbuf *sb, FILE *fp);

/* Read a whole file (or stdin for "-") into sb; reports its own errors. */
int strbuf_read_file(struct strbuf *sb, const char *path);
/* Append what is left to read of an open file (path names it in errors). */
int strbuf_read_fd(struct strbuf *sb, int fd, const char *path);

/* Remove whitespace at both ends. */
void strbuf_trim(struct strbuf *sb);

#endif
