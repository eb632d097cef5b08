#ifndef PERFOPS_JSON_H
#define PERFOPS_JSON_H

#include <stdint.h>
#include <stdio.h>

/*
 * A streaming JSON writer: it writes straight to a FILE, inserting commas
 * and (when pretty) newlines and indentation itself, and escapes every
 * string, so outside text (symbol names, URLs, SQL) cannot break the
 * document.  The writer owns nothing; the caller owns the FILE.
 */
#define JSON_MAX_DEPTH 64

struct json_writer {
	FILE *fp;
	int pretty;
	int depth;
	int after_key;
	unsigned char first[JSON_MAX_DEPTH];
};

void json_init(struct json_writer *w, FILE *fp, int pretty);
void json_begin_object(struct json_writer *w);
void json_end_object(struct json_writer *w);
void json_begin_array(struct json_writer *w);
void json_end_array(struct json_writer *w);
void json_key(struct json_writer *w, const char *key);
void json_string(struct json_writer *w, const char *s);
void json_stringn(struct json_writer *w, const char *s, size_t len);
void json_int(struct json_writer *w, int64_t v);
void json_uint(struct json_writer *w, uint64_t v);
/* Shortest text that reads back to the same double; NaN and inf -> null. */
void json_double(struct json_writer *w, double v);
void json_bool(struct json_writer *w, int v);
void json_null(struct json_writer *w);

/* Write s as a quoted, escaped JSON string to fp (no separators). */
void json_write_escaped(FILE *fp, const char *s, size_t len);

/* A key and its value in one call: json_key() then the json_T(). */
static inline void json_kv_uint(struct json_writer *w, const char *key,
				uint64_t v)
{
	json_key(w, key);
	json_uint(w, v);
}
static inline void json_kv_int(struct json_writer *w, const char *key,
			       int64_t v)
{
	json_key(w, key);
	json_int(w, v);
}
static inline void json_kv_double(struct json_writer *w, const char *key,
				  double v)
{
	json_key(w, key);
	json_double(w, v);
}
/* s NULL writes null. */
static inline void json_kv_string(struct json_writer *w, const char *key,
				  const char *s)
{
	json_key(w, key);
	json_string(w, s);
}
static inline void json_kv_bool(struct json_writer *w, const char *key, int v)
{
	json_key(w, key);
	json_bool(w, v);
}

#endif
