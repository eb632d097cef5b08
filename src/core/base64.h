#ifndef PERFOPS_BASE64_H
#define PERFOPS_BASE64_H

#include <stddef.h>

struct strbuf;

/* Standard base64 (RFC 4648, with '=' padding), appended to out. */
int base64_encode(struct strbuf *out, const void *data, size_t len);
/*
 * Decode base64 (standard or URL-safe alphabet, padding optional, no
 * whitespace) and append the bytes to out.  Returns 0, or -1 at the first
 * invalid character (out then holds what came before it).
 */
int base64_decode(struct strbuf *out, const char *s, size_t len);

#endif
