#include "core/compat.h"
#include "core/base64.h"
#include "core/strbuf.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_encode(struct strbuf *out, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i;

	if (strbuf_grow(out, (len + 2) / 3 * 4) < 0)
		return -1;
	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v =
		    (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		char q[4] = {alphabet[v >> 18], alphabet[(v >> 12) & 63],
			     alphabet[(v >> 6) & 63], alphabet[v & 63]};

		strbuf_add(out, q, 4);
	}
	if (i < len) {
		uint32_t v = (uint32_t)p[i] << 16;
		char q[4];

		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		q[0] = alphabet[v >> 18];
		q[1] = alphabet[(v >> 12) & 63];
		q[2] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
		q[3] = '=';
		strbuf_add(out, q, 4);
	}
	return 0;
}

static int digit(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

int base64_decode(struct strbuf *out, const char *s, size_t len)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t i;

	while (len && s[len - 1] == '=')
		len--;
	for (i = 0; i < len; i++) {
		int d = digit((unsigned char)s[i]);

		if (d < 0)
			return -1;
		acc = acc << 6 | (uint32_t)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (strbuf_addch(out, (int)((acc >> bits) & 0xff)) < 0)
				return -1;
		}
	}
	return 0;
}
