#include "core/compat.h"
#include "core/strbuf.h"
#include "db/pglog.h"
#include <jansson.h>

/*
 * jsonlog (PostgreSQL 15+): one object a line with "timestamp", "pid",
 * "session_id", "error_severity", "message", "detail", "statement".  The
 * strings are copied into buf, NUL-separated, and r points into it.
 */
int pglog_json_record(const char *line, size_t len, struct pglog_record *r,
		      struct strbuf *buf)
{
	static const char *const keys[] = {
	    "timestamp", "pid",	   "session_id", "error_severity",
	    "message",	 "detail", "statement",
	};
	size_t off[ARRAY_SIZE(keys)], i;
	json_t *o = json_loadb(line, len, 0, NULL);

	if (!json_is_object(o)) {
		json_decref(o);
		return -1;
	}
	strbuf_reset(buf);
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		json_t *v = json_object_get(o, keys[i]);

		off[i] = (size_t)-1;
		if (json_is_string(v)) {
			off[i] = buf->len;
			strbuf_addstr(buf, json_string_value(v));
			strbuf_addch(buf, '\0');
		} else if (json_is_integer(v)) {
			off[i] = buf->len;
			strbuf_addf(buf, "%lld",
				    (long long)json_integer_value(v));
			strbuf_addch(buf, '\0');
		}
	}
	json_decref(o);
#define FIELD(k) (off[k] == (size_t)-1 ? NULL : buf->buf + off[k])
	r->ts = FIELD(0);
	r->pid = FIELD(1);
	r->session = FIELD(2);
	r->severity = FIELD(3);
	r->message = FIELD(4);
	r->detail = FIELD(5);
	r->statement = FIELD(6);
#undef FIELD
	return 0;
}
