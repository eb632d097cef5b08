#include "core/compat.h"
#include "profile/speedscope.h"
#include "core/error.h"
#include "core/json.h"
#include "core/strbuf.h"

static const char *unit_name(const struct profile *p)
{
	const char *u = p->unit[p->main_value < p->nvalues ? p->main_value : 0];

	if (!strcmp(u, "nanoseconds") || !strcmp(u, "bytes"))
		return u;
	return "none";
}

static void frames(struct json_writer *w, const struct profile *p)
{
	size_t n = intern_count(&p->frames), i;

	json_key(w, "shared");
	json_begin_object(w);
	json_key(w, "frames");
	json_begin_array(w);
	for (i = 0; i < n; i++) {
		const struct profile_frame_info *fi =
		    profile_frame_info_get(p, (uint32_t)i);

		json_begin_object(w);
		json_key(w, "name");
		json_stringn(w, profile_frame_name(p, (uint32_t)i),
			     profile_frame_len(p, (uint32_t)i));
		if (fi && fi->file && fi->file < intern_count(&p->strings)) {
			json_key(w, "file");
			json_stringn(w, intern_str(&p->strings, fi->file),
				     intern_len(&p->strings, fi->file));
			if (fi->line) {
				json_kv_uint(w, "line", fi->line);
			}
		}
		json_end_object(w);
	}
	json_end_array(w);
	json_end_object(w);
}

/* One "sampled" profile of the stacks of one thread (all when all). */
static void one_profile(struct json_writer *w, const struct profile *p,
			const uint32_t *order, uint32_t thread, int all,
			const char *name)
{
	size_t n = profile_nstacks(p), i, j;
	unsigned mv = p->main_value < p->nvalues ? p->main_value : 0;
	int64_t end = 0;

	for (i = 0; i < n; i++)
		if (all || profile_stack_thread(p, order[i]) == thread)
			end += profile_value(p, order[i], mv);
	json_begin_object(w);
	json_kv_string(w, "type", "sampled");
	json_kv_string(w, "name", name);
	json_kv_string(w, "unit", unit_name(p));
	json_kv_int(w, "startValue", 0);
	json_kv_int(w, "endValue", end);
	json_key(w, "samples");
	json_begin_array(w);
	for (i = 0; i < n; i++) {
		size_t depth;
		const uint32_t *f = profile_stack(p, order[i], &depth);

		if (!all && profile_stack_thread(p, order[i]) != thread)
			continue;
		json_begin_array(w);
		j = !all && profile_is_thread_root(p, order[i]) ? 1 : 0;
		for (; j < depth; j++)
			json_uint(w, f[j]);
		json_end_array(w);
	}
	json_end_array(w);
	json_key(w, "weights");
	json_begin_array(w);
	for (i = 0; i < n; i++)
		if (all || profile_stack_thread(p, order[i]) == thread)
			json_int(w, profile_value(p, order[i], mv));
	json_end_array(w);
	json_end_object(w);
}

int speedscope_write(const struct profile *p, const char *name, FILE *fp)
{
	size_t n = profile_nstacks(p), i;
	uint32_t *order = profile_sorted_stacks(p);
	unsigned char *seen = xcalloc(p->nthreads + 1, 1);
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;
	int threads = 0;

	for (i = 0; i < n; i++) {
		uint32_t t = profile_stack_thread(p, order[i]);

		if (t < p->nthreads)
			seen[t] = 1;
		threads |= t != 0;
	}
	json_init(&w, fp, 0);
	json_begin_object(&w);
	json_kv_string(&w, "$schema",
		       "https://www.speedscope.app/file-format-schema.json");
	frames(&w, p);
	json_key(&w, "profiles");
	json_begin_array(&w);
	if (!threads) {
		one_profile(&w, p, order, 0, 1, name);
	} else {
		/* Threads in the order they were registered; stacks
		 * without a thread, if any, come first. */
		for (i = 0; i < p->nthreads; i++) {
			if (!seen[i])
				continue;
			strbuf_reset(&sb);
			if (i)
				profile_thread_name(p, (uint32_t)i, &sb);
			else
				strbuf_addstr(&sb, "(no thread)");
			one_profile(&w, p, order, (uint32_t)i, 0, sb.buf);
		}
	}
	json_end_array(&w);
	json_kv_string(&w, "name", name);
	json_kv_string(&w, "exporter", "perfops");
	json_end_object(&w);
	fputc('\n', fp);
	strbuf_release(&sb);
	free(seen);
	free(order);
	if (ferror(fp))
		return error_errno("cannot write speedscope profile");
	return 0;
}
