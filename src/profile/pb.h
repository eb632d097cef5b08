#ifndef PERFOPS_PB_H
#define PERFOPS_PB_H

#include <stddef.h>
#include <stdint.h>

/*
 * The protobuf wire format, as much of it as pprof needs: varints, length
 * delimited fields and skipping the fixed-size ones.  Written by hand
 * because profile.proto is five small messages and a protobuf library
 * (with its code generator) would be the biggest dependency of perfops.
 *
 * The reader works on a borrowed byte range and checks every length
 * against it, so garbage input gives -1, never a read out of bounds.
 * The encoder appends to a strbuf the caller owns.
 */
enum pb_wire {
	PB_VARINT = 0,
	PB_FIXED64 = 1,
	PB_LEN = 2,
	PB_FIXED32 = 5,
};

struct pb_reader {
	const unsigned char *p, *end;
};

struct pb_field {
	uint32_t num;	  /* field number */
	unsigned wire;	  /* enum pb_wire */
	uint64_t v;	  /* the value of VARINT and FIXED fields */
	const char *data; /* the bytes of a LEN field */
	size_t len;
};

static inline void pb_reader_init(struct pb_reader *r, const void *data,
				  size_t len)
{
	r->p = data;
	r->end = r->p + len;
}

/* Decode one varint (at most 10 bytes); 0, or -1 when malformed. */
int pb_read_varint(struct pb_reader *r, uint64_t *v);
/*
 * Read the next field.  Returns 1 with *f filled, 0 at the end of the
 * range, -1 on malformed input (a bad wire type, field number 0, a length
 * past the end, a truncated varint).
 */
int pb_next(struct pb_reader *r, struct pb_field *f);

/*
 * The values of a repeated integer field, which an encoder may write
 * packed (one LEN field) or not (one VARINT per value).  Calls fn for each
 * value; returns 0, or -1 when f has another wire type or bad bytes.
 */
int pb_each_uint(const struct pb_field *f, int (*fn)(void *ctx, uint64_t v),
		 void *ctx);

struct strbuf;
void pb_add_varint(struct strbuf *sb, uint64_t v);
void pb_add_tag(struct strbuf *sb, uint32_t field, enum pb_wire wire);
/* A VARINT field; omitted when v is 0 (the proto3 default). */
void pb_add_uint(struct strbuf *sb, uint32_t field, uint64_t v);
/* A LEN field (a string, bytes or an embedded message), always written. */
void pb_add_bytes(struct strbuf *sb, uint32_t field, const void *data,
		  size_t len);
/* A packed repeated integer field; omitted when n is 0. */
void pb_add_packed(struct strbuf *sb, uint32_t field, const uint64_t *v,
		   size_t n);

#endif
