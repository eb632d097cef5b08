#include "core/compat.h"
#include "core/strbuf.h"
#include "core/utf8.h"
#include "core/error.h"

/* A shared empty string so that an unused strbuf never needs malloc(). */
char strbuf_slopbuf[1];

void strbuf_init(struct strbuf *sb, size_t hint)
{
	sb->buf = strbuf_slopbuf;
	sb->len = sb->alloc = sb->max = 0;
	if (hint)
		strbuf_grow(sb, hint);
}

void strbuf_init_capped(struct strbuf *sb, size_t max)
{
	strbuf_init(sb, 0);
	sb->max = max;
}

void strbuf_release(struct strbuf *sb)
{
	if (sb->alloc)
		free(sb->buf);
	sb->buf = strbuf_slopbuf;
	sb->len = sb->alloc = 0;
}

char *strbuf_detach(struct strbuf *sb, size_t *len)
{
	char *r;

	if (!sb->alloc)
		strbuf_grow(sb, 0);
	r = sb->buf;
	if (len)
		*len = sb->len;
	sb->buf = strbuf_slopbuf;
	sb->len = sb->alloc = 0;
	return r;
}

int strbuf_grow(struct strbuf *sb, size_t extra)
{
	size_t need = st_add(st_add(sb->len, extra), 1);
	int fresh = !sb->alloc;

	if (sb->max && need - 1 > sb->max)
		return -1;
	if (need <= sb->alloc)
		return 0;
	if (fresh)
		sb->buf = NULL;
	ALLOC_GROW(sb->buf, need, sb->alloc);
	if (fresh)
		sb->buf[0] = '\0';
	return 0;
}

void strbuf_setlen(struct strbuf *sb, size_t len)
{
	/* The shared empty buffer can only stay empty; a real one keeps
	 * room for its NUL. */
	assert(sb->alloc ? len < sb->alloc : len == 0);
	assert(!sb->max || len <= sb->max);
	if (!sb->alloc)
		return;
	sb->len = len;
	sb->buf[len] = '\0';
}

int strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	if (strbuf_grow(sb, len) < 0)
		return -1;
	memcpy(sb->buf + sb->len, data, len);
	strbuf_setlen(sb, sb->len + len);
	return 0;
}

int strbuf_addstr(struct strbuf *sb, const char *s)
{
	return strbuf_add(sb, s, strlen(s));
}

int strbuf_addch(struct strbuf *sb, int c)
{
	if (strbuf_grow(sb, 1) < 0)
		return -1;
	sb->buf[sb->len++] = (char)c;
	sb->buf[sb->len] = '\0';
	return 0;
}

int strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	if (strbuf_grow(sb, 64) < 0)
		return -1;
	va_copy(cp, ap);
	n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, cp);
	va_end(cp);
	if (n < 0)
		return -1;
	if ((size_t)n >= sb->alloc - sb->len) {
		if (strbuf_grow(sb, (size_t)n) < 0) {
			sb->buf[sb->len] = '\0';
			return -1;
		}
		n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, ap);
	}
	strbuf_setlen(sb, sb->len + (size_t)n);
	return 0;
}

int strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
	return r;
}

/* What XML 1.0 cannot hold even as a character reference. */
static int xml_forbidden(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	if (n == 1)
		return *u < 0x20 && *u != '\t';
	/* U+FFFE and U+FFFF: ef bf be, ef bf bf. */
	return n == 3 && u[0] == 0xef && u[1] == 0xbf && u[2] >= 0xbe;
}

int strbuf_add_xml(struct strbuf *sb, const char *s, size_t len)
{
	size_t i = 0, start = 0;

	while (i < len) {
		size_t n = utf8_len(s + i, len - i);
		const char *rep;

		switch (s[i]) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&apos;";
			break;
		default:
			/* One bad byte makes the whole document unreadable to
			 * an XML parser: bad bytes become '?'. */
			if (!n || xml_forbidden(s + i, n)) {
				rep = "?";
				n = n ? n : 1;
				break;
			}
			i += n;
			continue;
		}
		if (strbuf_add(sb, s + start, i - start) < 0 ||
		    strbuf_addstr(sb, rep) < 0)
			return -1;
		i += n;
		start = i;
	}
	return strbuf_add(sb, s + start, len - start);
}

int strbuf_getline(struct strbuf *sb, FILE *fp)
{
	int c, over = 0;

	strbuf_reset(sb);
	while ((c = getc_unlocked(fp)) != EOF && c != '\n') {
		if (!over && strbuf_addch(sb, c) < 0)
			over = 1;
	}
	if (over)
		return -1;
	if (c == EOF && !sb->len)
		return EOF;
	return 0;
}

int strbuf_read_file(struct strbuf *sb, const char *path)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	int ret;

	if (fd < 0)
		return error_errno("cannot open '%s'", path);
	ret = strbuf_read_fd(sb, fd, path);
	if (fd)
		close(fd);
	return ret;
}

int strbuf_read_fd(struct strbuf *sb, int fd, const char *path)
{
	int ret = 0;

	for (;;) {
		ssize_t n;

		if (strbuf_grow(sb, 65536) < 0) {
			ret = error("'%s' is larger than the %zu bytes allowed",
				    path, sb->max);
			break;
		}
		n = read(fd, sb->buf + sb->len, sb->alloc - sb->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = error_errno("cannot read '%s'", path);
			break;
		}
		if (n == 0)
			break;
		strbuf_setlen(sb, sb->len + (size_t)n);
	}
	return ret;
}

void strbuf_trim(struct strbuf *sb)
{
	size_t b = 0, e = sb->len;

	while (b < e && isspace((unsigned char)sb->buf[b]))
		b++;
	while (e > b && isspace((unsigned char)sb->buf[e - 1]))
		e--;
	if (!sb->alloc)
		return;
	memmove(sb->buf, sb->buf + b, e - b);
	strbuf_setlen(sb, e - b);
}
