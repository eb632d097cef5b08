#include "core/compat.h"
#include "load/hdrcodec.h"
#include "core/base64.h"
#include "core/error.h"
#include "core/hist.h"
#include "core/strbuf.h"
#include <zlib.h>

#define V2_ENCODING_COOKIE (0x1c849303 | 0x10)
#define V2_COMPRESSION_COOKIE (0x1c849304 | 0x10)
#define HEADER_SIZE 40
/* An encoded histogram is refused past this size once inflated (1 us..1 h
 * at 5 figures needs under 8 MiB even uncompressed). */
#define MAX_INFLATED (64u << 20)

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const unsigned char *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

/* ZigZag, then LEB128 of at most 9 bytes (the ninth holds 8 bits). */
static void put_zigzag(struct strbuf *sb, int64_t signed_value)
{
	uint64_t v =
	    ((uint64_t)signed_value << 1) ^ (uint64_t)(signed_value >> 63);
	int k;

	for (k = 0; k < 8; k++) {
		if (!(v >> (7 * (k + 1)))) {
			strbuf_addch(sb, (int)(v >> (7 * k)));
			return;
		}
		strbuf_addch(sb, (int)(((v >> (7 * k)) & 0x7f) | 0x80));
	}
	strbuf_addch(sb, (int)(v >> 56));
}

/* Returns the bytes used, 0 when the input ends inside a number. */
static size_t get_zigzag(const unsigned char *p, size_t len, int64_t *out)
{
	uint64_t v = 0;
	size_t k;

	for (k = 0; k < 9 && k < len; k++) {
		if (k == 8) {
			v |= (uint64_t)p[k] << 56;
			break;
		}
		v |= (uint64_t)(p[k] & 0x7f) << (7 * k);
		if (!(p[k] & 0x80))
			break;
	}
	if (k == len)
		return 0;
	*out = (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
	return k + 1;
}

int hdrcodec_encode(const struct hist *h, struct strbuf *out)
{
	struct strbuf raw = STRBUF_INIT;
	unsigned char hdr[HEADER_SIZE];
	unsigned char *z;
	uLongf zlen;
	int32_t i = 0, limit;
	double ratio = 1.0;
	uint64_t ratio_bits;
	int ret = -1;

	limit = h->total_count ? 0 : 1;
	if (h->total_count) {
		int64_t v, c;
		int32_t j = 0;

		/* One past the index of the largest recorded value. */
		while (hist_next(h, &j, &v, &c))
			limit = j;
	}
	strbuf_add(&raw, hdr, HEADER_SIZE);
	while (i < limit) {
		int64_t zeros = 0;

		while (i < limit && !h->counts[i]) {
			zeros++;
			i++;
		}
		if (zeros) {
			put_zigzag(&raw, -zeros);
			continue;
		}
		put_zigzag(&raw, h->counts[i++]);
	}
	memcpy(&ratio_bits, &ratio, sizeof(ratio));
	put32(hdr, V2_ENCODING_COOKIE);
	put32(hdr + 4, (uint32_t)(raw.len - HEADER_SIZE));
	put32(hdr + 8, 0);
	put32(hdr + 12, (uint32_t)h->sigfigs);
	put64(hdr + 16, (uint64_t)h->lowest);
	put64(hdr + 24, (uint64_t)h->highest);
	put64(hdr + 32, ratio_bits);
	memcpy(raw.buf, hdr, HEADER_SIZE);

	zlen = compressBound(raw.len);
	z = xmalloc(8 + zlen);
	if (compress2(z + 8, &zlen, (const Bytef *)raw.buf, raw.len, 6) !=
	    Z_OK) {
		error("cannot compress a histogram");
		goto out;
	}
	put32(z, V2_COMPRESSION_COOKIE);
	put32(z + 4, (uint32_t)zlen);
	ret = base64_encode(out, z, 8 + zlen);
out:
	free(z);
	strbuf_release(&raw);
	return ret;
}

/* Inflate the zlib stream of a compressed histogram, within a cap. */
static int inflate_capped(const unsigned char *in, size_t len,
			  struct strbuf *out)
{
	unsigned char buf[16384];
	z_stream zs;
	int zr;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK)
		return -1;
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)len;
	do {
		zs.next_out = buf;
		zs.avail_out = sizeof(buf);
		zr = inflate(&zs, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END)
			break;
		strbuf_add(out, buf, sizeof(buf) - zs.avail_out);
		if (out->len > MAX_INFLATED) {
			zr = Z_MEM_ERROR;
			break;
		}
	} while (zr != Z_STREAM_END && (zs.avail_in || !zs.avail_out));
	inflateEnd(&zs);
	return zr == Z_STREAM_END ? 0 : -1;
}

static int decode_counts(struct hist *h, const unsigned char *p, size_t len,
			 struct strbuf *err)
{
	int32_t i = 0;
	size_t off = 0;

	while (off < len) {
		int64_t v;
		size_t n = get_zigzag(p + off, len - off, &v);

		if (!n) {
			strbuf_addstr(err, "a count is cut off");
			return -1;
		}
		off += n;
		if (v < 0) {
			if (v < -(int64_t)(h->counts_len - i)) {
				strbuf_addstr(err, "counts run past the "
						   "histogram's range");
				return -1;
			}
			i += (int32_t)-v;
			continue;
		}
		if (i >= h->counts_len) {
			strbuf_addstr(err, "counts run past the histogram's "
					   "range");
			return -1;
		}
		h->counts[i++] = v;
	}
	return 0;
}

/* Set total, min and max from the counts, as HdrHistogram's decoder does. */
static void recount(struct hist *h)
{
	int32_t i = 0;
	int64_t v, c;

	h->total_count = 0;
	while (hist_next(h, &i, &v, &c)) {
		if (!h->total_count)
			h->min_value = hist_lowest_equivalent(h, v);
		h->max_value = v;
		h->total_count += c;
	}
}

int hdrcodec_decode(struct hist *h, const char *b64, size_t len,
		    struct strbuf *err)
{
	struct strbuf bin = STRBUF_INIT, raw = STRBUF_INIT;
	const unsigned char *p;
	uint32_t zlen, plen;
	int ret = -1;

	memset(h, 0, sizeof(*h));
	if (base64_decode(&bin, b64, len) < 0) {
		strbuf_addstr(err, "not base64");
		goto out;
	}
	p = (const unsigned char *)bin.buf;
	if (bin.len < 8 ||
	    (get32(p) & ~0xf0u) != (V2_COMPRESSION_COOKIE & ~0xf0u)) {
		strbuf_addstr(err, "not a compressed HdrHistogram (its blob "
				   "should start with HISTFAA)");
		goto out;
	}
	zlen = get32(p + 4);
	if (zlen > bin.len - 8 || inflate_capped(p + 8, zlen, &raw) < 0) {
		strbuf_addstr(err, "its compressed data is damaged or cut off");
		goto out;
	}
	p = (const unsigned char *)raw.buf;
	if (raw.len < HEADER_SIZE || get32(p) != V2_ENCODING_COOKIE) {
		strbuf_addstr(err, "not a V2 HdrHistogram encoding (V0 and V1 "
				   "logs are not supported)");
		goto out;
	}
	plen = get32(p + 4);
	/* The normalizing index offset (bytes 8..11) is ignored, as
	 * HdrHistogram_c ignores it: only Java's shifted double histograms set
	 * it meaningfully, and hdr-histogram-js writes 1 there. */
	if (plen > raw.len - HEADER_SIZE) {
		strbuf_addstr(err, "its header does not match its payload");
		goto out;
	}
	if (hist_init(h, (int64_t)get64(p + 16), (int64_t)get64(p + 24),
		      (int)get32(p + 12)) < 0) {
		strbuf_addstr(err, "its range or significant figures are "
				   "invalid");
		goto out;
	}
	if (decode_counts(h, p + HEADER_SIZE, plen, err) < 0) {
		hist_release(h);
		goto out;
	}
	recount(h);
	ret = 0;
out:
	strbuf_release(&bin);
	strbuf_release(&raw);
	return ret;
}
