#include "core/compat.h"
#include "profile/pb.h"
#include "core/strbuf.h"

int pb_read_varint(struct pb_reader *r, uint64_t *v)
{
	uint64_t x = 0;
	unsigned shift;

	for (shift = 0; shift < 70; shift += 7) {
		unsigned char b;

		if (r->p >= r->end)
			return -1;
		b = *r->p++;
		/* The tenth byte may only carry the top bit of 64. */
		if (shift == 63 && b > 1)
			return -1;
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return -1;
}

int pb_next(struct pb_reader *r, struct pb_field *f)
{
	uint64_t key, len;

	if (r->p >= r->end)
		return 0;
	if (pb_read_varint(r, &key) < 0)
		return -1;
	if (key >> 3 == 0 || key >> 3 > UINT32_MAX)
		return -1;
	f->num = (uint32_t)(key >> 3);
	f->wire = (unsigned)(key & 7);
	f->v = 0;
	f->data = NULL;
	f->len = 0;
	switch (f->wire) {
	case PB_VARINT:
		return pb_read_varint(r, &f->v) < 0 ? -1 : 1;
	case PB_FIXED64:
		if (r->end - r->p < 8)
			return -1;
		memcpy(&f->v, r->p, 8); /* little-endian hosts only */
		r->p += 8;
		return 1;
	case PB_FIXED32: {
		uint32_t v32;

		if (r->end - r->p < 4)
			return -1;
		memcpy(&v32, r->p, 4);
		f->v = v32;
		r->p += 4;
		return 1;
	}
	case PB_LEN:
		if (pb_read_varint(r, &len) < 0 ||
		    len > (uint64_t)(r->end - r->p))
			return -1;
		f->data = (const char *)r->p;
		f->len = (size_t)len;
		r->p += len;
		return 1;
	default:
		/* Groups (3, 4) are deprecated and unused by pprof. */
		return -1;
	}
}

int pb_each_uint(const struct pb_field *f, int (*fn)(void *ctx, uint64_t v),
		 void *ctx)
{
	struct pb_reader r;
	uint64_t v;

	if (f->wire == PB_VARINT)
		return fn(ctx, f->v);
	if (f->wire != PB_LEN)
		return -1;
	pb_reader_init(&r, f->data, f->len);
	while (r.p < r.end) {
		if (pb_read_varint(&r, &v) < 0 || fn(ctx, v) < 0)
			return -1;
	}
	return 0;
}

void pb_add_varint(struct strbuf *sb, uint64_t v)
{
	unsigned char b[10];
	size_t n = 0;

	while (v >= 0x80) {
		b[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	b[n++] = (unsigned char)v;
	strbuf_add(sb, b, n);
}

void pb_add_tag(struct strbuf *sb, uint32_t field, enum pb_wire wire)
{
	pb_add_varint(sb, (uint64_t)field << 3 | wire);
}

void pb_add_uint(struct strbuf *sb, uint32_t field, uint64_t v)
{
	if (!v)
		return;
	pb_add_tag(sb, field, PB_VARINT);
	pb_add_varint(sb, v);
}

void pb_add_bytes(struct strbuf *sb, uint32_t field, const void *data,
		  size_t len)
{
	pb_add_tag(sb, field, PB_LEN);
	pb_add_varint(sb, len);
	strbuf_add(sb, data, len);
}

void pb_add_packed(struct strbuf *sb, uint32_t field, const uint64_t *v,
		   size_t n)
{
	size_t i, total = 0;

	if (!n)
		return;
	for (i = 0; i < n; i++) {
		uint64_t x = v[i];
		size_t k = 1;

		while (x >= 0x80) {
			x >>= 7;
			k++;
		}
		total += k;
	}
	pb_add_tag(sb, field, PB_LEN);
	pb_add_varint(sb, total);
	for (i = 0; i < n; i++)
		pb_add_varint(sb, v[i]);
}
