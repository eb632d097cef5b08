#include "core/compat.h"
#include "core/utf8.h"
#include "core/strbuf.h"

size_t utf8_len(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned c = s[0], cp;
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static void add_hex(struct strbuf *sb, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		strbuf_addf(sb, "\\x%02x", (unsigned char)s[i]);
}

void utf8_add_printable(struct strbuf *sb, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, start = 0;

	while (i < len) {
		size_t n = utf8_len(s + i, len - i);
		int bad;

		if (n == 1)
			bad = (u[i] < 0x20 && u[i] != '\t') || u[i] == 0x7f;
		else /* C1 controls are U+0080..U+009F: 0xc2 0x80..0x9f. */
			bad = !n || (u[i] == 0xc2 && u[i + 1] < 0xa0);
		if (!bad) {
			i += n;
			continue;
		}
		strbuf_add(sb, s + start, i - start);
		n = n ? n : 1;
		add_hex(sb, s + i, n);
		i += n;
		start = i;
	}
	strbuf_add(sb, s + start, len - start);
}

void utf8_fput_printable(FILE *fp, const char *s, size_t len)
{
	struct strbuf sb = STRBUF_INIT;

	utf8_add_printable(&sb, s, len);
	fwrite(sb.buf, 1, sb.len, fp);
	strbuf_release(&sb);
}

char *utf8_printable_dup(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	utf8_add_printable(&sb, s, strlen(s));
	return strbuf_detach(&sb, NULL);
}

void utf8_add_codepoint(struct strbuf *sb, unsigned long cp)
{
	char b[4];
	size_t n;

	if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
		cp = 0xfffd;
	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | cp >> 18);
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	strbuf_add(sb, b, n);
}
