#include "core/compat.h"
#include "core/base64.h"
#include "core/error.h"
#include "core/vec.h"
#include "load/targets.h"
#include <jansson.h>

/* {"method": "GET", "url": "...", "header": {"Name": ["v", ...]},
 *  "body": "<base64>"}, as vegeta writes and reads it. */
int load_targets_add_json(struct load_targets *ts, const char *line,
			  const char *path, size_t lineno)
{
	VEC(char *) hdrs = VEC_INIT;
	struct strbuf body = STRBUF_INIT, sb = STRBUF_INIT;
	json_error_t jerr;
	json_t *o = json_loads(line, 0, &jerr), *m, *u, *h, *b;
	const char *name;
	json_t *vals;
	size_t i;
	int ret = -1;

	if (!o || !json_is_object(o)) {
		error("%s:%zu: not a JSON object%s%s", path, lineno,
		      o ? "" : ": ", o ? "" : jerr.text);
		goto out;
	}
	m = json_object_get(o, "method");
	u = json_object_get(o, "url");
	h = json_object_get(o, "header");
	b = json_object_get(o, "body");
	if (!json_is_string(u)) {
		error("%s:%zu: \"url\" must be a string", path, lineno);
		goto out;
	}
	if (m && !json_is_string(m)) {
		error("%s:%zu: \"method\" must be a string", path, lineno);
		goto out;
	}
	if (h && !json_is_object(h)) {
		error("%s:%zu: \"header\" must be an object of arrays", path,
		      lineno);
		goto out;
	}
	json_object_foreach(h, name, vals)
	{
		json_t *v;
		size_t k;

		if (!json_is_array(vals)) {
			error("%s:%zu: header '%s' must be an array of "
			      "strings",
			      path, lineno, name);
			goto out;
		}
		json_array_foreach(vals, k, v)
		{
			if (!json_is_string(v)) {
				error("%s:%zu: header '%s' must be an array "
				      "of strings",
				      path, lineno, name);
				goto out;
			}
			strbuf_reset(&sb);
			strbuf_addf(&sb, "%s: %s", name, json_string_value(v));
			if (strpbrk(sb.buf, "\r\n")) {
				error("%s:%zu: header '%s' holds a line break",
				      path, lineno, name);
				goto out;
			}
			VEC_PUSH(&hdrs, xstrdup(sb.buf));
		}
	}
	if (b &&
	    (!json_is_string(b) || base64_decode(&body, json_string_value(b),
						 json_string_length(b)) < 0)) {
		error("%s:%zu: \"body\" must be base64", path, lineno);
		goto out;
	}
	if (load_targets_add(ts, m ? json_string_value(m) : "GET",
			     json_string_value(u), (const char *const *)hdrs.v,
			     hdrs.len, b ? body.buf : NULL, body.len) < 0) {
		error("%s:%zu: in the target above", path, lineno);
		goto out;
	}
	ret = 0;
out:
	for (i = 0; i < hdrs.len; i++)
		free(hdrs.v[i]);
	VEC_RELEASE(&hdrs);
	strbuf_release(&body);
	strbuf_release(&sb);
	json_decref(o);
	return ret;
}
