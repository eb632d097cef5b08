#include "core/compat.h"
#include "core/json.h"
#include "core/utf8.h"
#include <math.h>

void json_init(struct json_writer *w, FILE *fp, int pretty)
{
	memset(w, 0, sizeof(*w));
	w->fp = fp;
	w->pretty = pretty;
	w->first[0] = 1;
}

static void indent(struct json_writer *w)
{
	int i;

	if (!w->pretty)
		return;
	putc('\n', w->fp);
	for (i = 0; i < w->depth; i++)
		fputs("  ", w->fp);
}

/* Emit the separator a new value needs at the current position. */
static void before_value(struct json_writer *w)
{
	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	if (w->depth > 0) {
		if (!w->first[w->depth])
			putc(',', w->fp);
		indent(w);
	}
	w->first[w->depth] = 0;
}

static void open_container(struct json_writer *w, int c)
{
	before_value(w);
	putc(c, w->fp);
	/* Documents nest a few levels; deeper is a writer bug. */
	assert(w->depth < JSON_MAX_DEPTH - 1);
	if (w->depth < JSON_MAX_DEPTH - 1)
		w->depth++;
	w->first[w->depth] = 1;
}

static void close_container(struct json_writer *w, int c)
{
	int empty = w->first[w->depth];

	/* Every end matches a begin, and no key is left without a value. */
	assert(w->depth > 0 && !w->after_key);
	if (w->depth > 0)
		w->depth--;
	if (!empty)
		indent(w);
	putc(c, w->fp);
}

void json_begin_object(struct json_writer *w)
{
	open_container(w, '{');
}

void json_end_object(struct json_writer *w)
{
	close_container(w, '}');
}

void json_begin_array(struct json_writer *w)
{
	open_container(w, '[');
}

void json_end_array(struct json_writer *w)
{
	close_container(w, ']');
}

void json_write_escaped(FILE *fp, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	putc('"', fp);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		size_t n;

		/* JSON is UTF-8: a byte that does not start a valid character
		 * becomes U+FFFD, as in Go's and Python's encoders. */
		if (c >= 0x80) {
			n = utf8_len(s + i, len - i);
			if (!n) {
				fputs("\\ufffd", fp);
				continue;
			}
			fwrite(s + i, 1, n, fp);
			i += n - 1;
			continue;
		}
		switch (c) {
		case '"':
			fputs("\\\"", fp);
			break;
		case '\\':
			fputs("\\\\", fp);
			break;
		case '\n':
			fputs("\\n", fp);
			break;
		case '\r':
			fputs("\\r", fp);
			break;
		case '\t':
			fputs("\\t", fp);
			break;
		case '\b':
			fputs("\\b", fp);
			break;
		case '\f':
			fputs("\\f", fp);
			break;
		default:
			/* "</" is escaped so JSON embedded in HTML cannot close
			 * a <script> element. */
			if (c < 0x20 || (c == '/' && i && s[i - 1] == '<')) {
				fputs("\\u00", fp);
				putc(hex[c >> 4], fp);
				putc(hex[c & 15], fp);
			} else {
				putc(c, fp);
			}
		}
	}
	putc('"', fp);
}

void json_key(struct json_writer *w, const char *key)
{
	before_value(w);
	json_write_escaped(w->fp, key, strlen(key));
	putc(':', w->fp);
	if (w->pretty)
		putc(' ', w->fp);
	w->after_key = 1;
}

void json_stringn(struct json_writer *w, const char *s, size_t len)
{
	before_value(w);
	json_write_escaped(w->fp, s, len);
}

void json_string(struct json_writer *w, const char *s)
{
	if (!s) {
		json_null(w);
		return;
	}
	json_stringn(w, s, strlen(s));
}

void json_int(struct json_writer *w, int64_t v)
{
	before_value(w);
	fprintf(w->fp, "%" PRId64, v);
}

void json_uint(struct json_writer *w, uint64_t v)
{
	before_value(w);
	fprintf(w->fp, "%" PRIu64, v);
}

void json_double(struct json_writer *w, double v)
{
	char buf[32];
	int prec;

	if (!isfinite(v)) {
		json_null(w);
		return;
	}
	before_value(w);
	/* The shortest %.*g that round-trips keeps files small and exact. */
	for (prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	fputs(buf, w->fp);
}

void json_bool(struct json_writer *w, int v)
{
	before_value(w);
	fputs(v ? "true" : "false", w->fp);
}

void json_null(struct json_writer *w)
{
	before_value(w);
	fputs("null", w->fp);
}
