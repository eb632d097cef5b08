#ifndef PERFOPS_HDRCODEC_H
#define PERFOPS_HDRCODEC_H

#include <stddef.h>

struct hist;
struct strbuf;

/*
 * HdrHistogram's V2 compressed encoding, as base64 text ("HISTFAA..."), the
 * form histograms take in an interval log (.hlog): a 40-byte big-endian
 * header (cookie 0x1c849303|0x10, payload length, normalizing index offset,
 * significant figures, lowest and highest trackable values, conversion
 * ratio), the counts as ZigZag LEB128 with runs of zeros as negative
 * numbers, all deflated by zlib behind cookie 0x1c849304|0x10 and the
 * compressed length.
 */

/* Append the encoding of h to out; -1 when zlib fails (reported). */
int hdrcodec_encode(const struct hist *h, struct strbuf *out);

/*
 * Decode len bytes of base64 into h, which is set up with the encoded
 * parameters.  Returns 0, or -1 with a message in err (h released).
 */
int hdrcodec_decode(struct hist *h, const char *b64, size_t len,
		    struct strbuf *err);

#endif
