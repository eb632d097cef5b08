#include "core/compat.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "db/plan-label.h"
#include "db/plan.h"
#include <jansson.h>

/*
 * EXPLAIN (FORMAT JSON): [{"Plan": {...}, "Planning Time": x, "Execution
 * Time": y, "Triggers": [...]}], read with jansson.  Each node is an
 * object with "Node Type" and its children in "Plans".
 */

static const char *str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static char *dup_str(json_t *o, const char *key)
{
	const char *s = str(o, key);

	return s ? xstrdup(s) : NULL;
}

/* A number, or def when the key is absent or no number. */
static double dbl(json_t *o, const char *key, double def)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : def;
}

static int has(json_t *o, const char *key)
{
	return json_object_get(o, key) != NULL;
}

static uint64_t blocks(json_t *o, const char *key)
{
	double v = dbl(o, key, 0);

	return plan_u64(v);
}

static void add_cond(struct strbuf *sb, json_t *o, const char *key)
{
	const char *s = str(o, key);

	if (!s)
		return;
	if (sb->len)
		strbuf_addch(sb, '\n');
	strbuf_addstr(sb, s);
}

/* Sort Key and Group Key are arrays of expressions. */
static char *join_array(json_t *a)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	json_t *v;

	if (!json_is_array(a))
		return NULL;
	json_array_foreach(a, i, v)
	{
		if (!json_is_string(v))
			continue;
		if (sb.len)
			strbuf_addstr(&sb, ", ");
		strbuf_addstr(&sb, json_string_value(v));
	}
	return strbuf_detach(&sb, NULL);
}

/* Whether an Incremental Sort's group info or a worker spilled. */
static int any_disk(json_t *o)
{
	const char *k;
	json_t *v;
	size_t i;

	if (json_is_array(o)) {
		json_array_foreach(o, i, v) if (any_disk(v)) return 1;
		return 0;
	}
	if (!json_is_object(o))
		return 0;
	json_object_foreach(o, k, v)
	{
		if (!strcmp(k, "Sort Space Disk"))
			return 1;
		if (!strcmp(k, "Sort Space Type") && json_is_string(v) &&
		    !strcmp(json_string_value(v), "Disk"))
			return 1;
		if (!strcmp(k, "Sort Method") && json_is_string(v) &&
		    !strncmp(json_string_value(v), "external", 8))
			return 1;
		if ((json_is_object(v) || json_is_array(v)) && any_disk(v))
			return 1;
	}
	return 0;
}

/* The label the text format would print for this node. */
static char *make_label(json_t *o, const char *type)
{
	struct strbuf sb = STRBUF_INIT;
	const char *strategy = str(o, "Strategy");
	const char *partial = str(o, "Partial Mode");
	const char *join = str(o, "Join Type");
	const char *rel = str(o, "Relation Name");
	const char *alias = str(o, "Alias");
	const char *idx = str(o, "Index Name");
	const char *on = rel;

	if (json_is_true(json_object_get(o, "Parallel Aware")))
		strbuf_addstr(&sb, "Parallel ");
	if (!strcmp(type, "Aggregate")) {
		if (partial && strcmp(partial, "Simple"))
			strbuf_addf(&sb, "%s ", partial);
		if (strategy && !strcmp(strategy, "Hashed"))
			strbuf_addstr(&sb, "HashAggregate");
		else if (strategy && !strcmp(strategy, "Sorted"))
			strbuf_addstr(&sb, "GroupAggregate");
		else if (strategy && !strcmp(strategy, "Mixed"))
			strbuf_addstr(&sb, "MixedAggregate");
		else
			strbuf_addstr(&sb, "Aggregate");
	} else if (!strcmp(type, "SetOp")) {
		strbuf_addstr(&sb, strategy && !strcmp(strategy, "Hashed")
				       ? "HashSetOp"
				       : "SetOp");
		if (str(o, "Command"))
			strbuf_addf(&sb, " %s", str(o, "Command"));
	} else if (!strcmp(type, "ModifyTable") && str(o, "Operation")) {
		strbuf_addstr(&sb, str(o, "Operation"));
	} else if (join && strcmp(join, "Inner") &&
		   (!strcmp(type, "Hash Join") ||
		    !strcmp(type, "Merge Join"))) {
		strbuf_addf(&sb, "%.*s %s Join", type[0] == 'H' ? 4 : 5, type,
			    join);
	} else if (join && strcmp(join, "Inner") &&
		   !strcmp(type, "Nested Loop")) {
		strbuf_addf(&sb, "Nested Loop %s Join", join);
	} else if (!strcmp(type, "Custom Scan") &&
		   str(o, "Custom Plan Provider")) {
		strbuf_addf(&sb, "Custom Scan (%s)",
			    str(o, "Custom Plan Provider"));
	} else {
		strbuf_addstr(&sb, type);
		if (str(o, "Scan Direction") &&
		    !strcmp(str(o, "Scan Direction"), "Backward"))
			strbuf_addstr(&sb, " Backward");
	}
	if (!strcmp(type, "Bitmap Index Scan")) {
		on = idx;
		alias = NULL;
	} else if (idx) {
		strbuf_addf(&sb, " using %s", idx);
	}
	if (!on)
		on = str(o, "CTE Name");
	if (!on)
		on = str(o, "Function Name");
	if (!on && alias &&
	    (!strcmp(type, "Subquery Scan") || !strcmp(type, "Values Scan") ||
	     !strcmp(type, "Table Function Scan") ||
	     !strcmp(type, "Named Tuplestore Scan"))) {
		on = alias;
		alias = NULL;
	}
	if (on) {
		strbuf_addf(&sb, " on %s", on);
		if (alias && strcmp(alias, on))
			strbuf_addf(&sb, " %s", alias);
	}
	return strbuf_detach(&sb, NULL);
}

static enum plan_rel relationship(json_t *o)
{
	const char *r = str(o, "Parent Relationship");
	const char *sub = str(o, "Subplan Name");

	if (!r)
		return PLAN_REL_NONE;
	if (!strcmp(r, "Outer"))
		return PLAN_REL_OUTER;
	if (!strcmp(r, "Inner"))
		return PLAN_REL_INNER;
	if (!strcmp(r, "Member"))
		return PLAN_REL_MEMBER;
	if (!strcmp(r, "Subquery"))
		return PLAN_REL_SUBQUERY;
	if (!strcmp(r, "InitPlan"))
		return sub && !strncmp(sub, "CTE ", 4) ? PLAN_REL_CTE
						       : PLAN_REL_INITPLAN;
	if (!strcmp(r, "SubPlan"))
		return PLAN_REL_SUBPLAN;
	return PLAN_REL_OUTER;
}

static int read_node(struct plan *p, json_t *o, int parent, struct strbuf *path,
		     const char *name)
{
	static const char *const conds[] = {
	    "Filter",	  "Index Cond",	 "Recheck Cond",    "Hash Cond",
	    "Merge Cond", "Join Filter", "One-Time Filter", "TID Cond",
	    "Order By",	  "Cache Key",	 "Run Condition",   NULL,
	};
	struct strbuf cb = STRBUF_INIT;
	struct plan_node *n;
	const char *type = str(o, "Node Type");
	json_t *kids, *kid;
	size_t i, plen;
	int k, ret = 0;

	if (!json_is_object(o) || !type)
		return error("%s: %s has no \"Node Type\"", name, path->buf);
	k = plan_add_node(p, parent);
	n = &p->nodes[k];
	n->rel = parent < 0 ? PLAN_REL_NONE : relationship(o);
	if (parent >= 0 && n->rel == PLAN_REL_NONE)
		n->rel = PLAN_REL_OUTER;
	n->label = make_label(o, type);
	{
		int par;
		const char *bare = plan_bare_type(type, strlen(type), &par);

		n->type = xstrdup(bare ? bare : type);
	}
	n->parallel = json_is_true(json_object_get(o, "Parallel Aware"));
	n->relation = dup_str(o, "Relation Name");
	n->alias = dup_str(o, "Alias");
	/* JSON names the alias even when the query gave none (it is then
	 * the table's name); text prints it only when it differs: the same
	 * plan reads the same either way. */
	if (n->alias && n->relation && !strcmp(n->alias, n->relation)) {
		free(n->alias);
		n->alias = NULL;
	}
	n->index_name = dup_str(o, "Index Name");
	n->subplan = dup_str(o, "Subplan Name");
	n->cte_name = dup_str(o, "CTE Name");
	n->filter = dup_str(o, "Filter");
	n->sort_key = join_array(json_object_get(o, "Sort Key"));
	for (i = 0; conds[i]; i++)
		add_cond(&cb, o, conds[i]);
	n->conds = cb.len ? strbuf_detach(&cb, NULL) : NULL;
	strbuf_release(&cb);
	n->has_cost = has(o, "Total Cost");
	n->startup_cost = dbl(o, "Startup Cost", 0);
	n->total_cost = dbl(o, "Total Cost", 0);
	n->plan_rows = dbl(o, "Plan Rows", 0);
	n->has_actual = has(o, "Actual Loops");
	n->loops = dbl(o, "Actual Loops", 0);
	n->never_executed = n->has_actual && n->loops == 0;
	n->has_timing = has(o, "Actual Total Time");
	n->actual_startup_ms = dbl(o, "Actual Startup Time", 0);
	n->actual_total_ms = dbl(o, "Actual Total Time", 0);
	n->rows = dbl(o, "Actual Rows", 0);
	n->removed_filter = dbl(o, "Rows Removed by Filter", 0);
	n->removed_join_filter = dbl(o, "Rows Removed by Join Filter", 0);
	n->removed_recheck = dbl(o, "Rows Removed by Index Recheck", 0);
	n->has_buffers = has(o, "Shared Hit Blocks");
	n->buf.shared_hit = blocks(o, "Shared Hit Blocks");
	n->buf.shared_read = blocks(o, "Shared Read Blocks");
	n->buf.shared_dirtied = blocks(o, "Shared Dirtied Blocks");
	n->buf.shared_written = blocks(o, "Shared Written Blocks");
	n->buf.local_hit = blocks(o, "Local Hit Blocks");
	n->buf.local_read = blocks(o, "Local Read Blocks");
	n->buf.local_dirtied = blocks(o, "Local Dirtied Blocks");
	n->buf.local_written = blocks(o, "Local Written Blocks");
	n->buf.temp_read = blocks(o, "Temp Read Blocks");
	n->buf.temp_written = blocks(o, "Temp Written Blocks");
	n->sort_method = dup_str(o, "Sort Method");
	n->sort_space_kb = dbl(o, "Sort Space Used", 0);
	n->sort_disk = any_disk(o);
	n->hash_batches =
	    plan_int(dbl(o, "Hash Batches", dbl(o, "HashAgg Batches", 0)));
	n->hash_batches_orig =
	    plan_int(dbl(o, "Original Hash Batches", (double)n->hash_batches));
	n->disk_usage_kb = dbl(o, "Disk Usage", 0);
	n->has_workers =
	    has(o, "Workers Planned") || has(o, "Workers Launched");
	n->workers_planned = plan_int(dbl(o, "Workers Planned", 0));
	n->workers_launched = plan_int(dbl(o, "Workers Launched", 0));

	{
		json_t *ws = json_object_get(o, "Workers"), *wo;

		/* Only VERBOSE gives a worker its actual figures; without
		 * it, "Workers" holds a sort's or a hash's details. */
		json_array_foreach(ws, i, wo)
		{
			struct plan_worker w = {0};

			if (!has(wo, "Actual Loops"))
				continue;
			w.num = plan_int(dbl(wo, "Worker Number", 0));
			w.startup_ms = dbl(wo, "Actual Startup Time", 0);
			w.total_ms = dbl(wo, "Actual Total Time", 0);
			w.rows = dbl(wo, "Actual Rows", 0);
			w.loops = dbl(wo, "Actual Loops", 0);
			plan_add_worker(n, &w);
		}
	}
	kids = json_object_get(o, "Plans");
	if (kids && !json_is_array(kids))
		return error("%s: %s.Plans is not an array", name, path->buf);
	plen = path->len;
	json_array_foreach(kids, i, kid)
	{
		strbuf_setlen(path, plen);
		strbuf_addf(path, ".Plans[%zu]", i);
		if (read_node(p, kid, k, path, name) < 0)
			ret = -1;
	}
	strbuf_setlen(path, plen);
	return ret;
}

/*
 * A JSON text cut short (a paste that stopped mid-way): into out, its
 * longest prefix that ends after a whole value, or right after a '[', and
 * the brackets that close what is open there.  Returns 0 when the text
 * holds no such point (or is whole).  The brackets open at that point are
 * still open at the end: any closing since is a later such point.
 */
static int json_close_cut(const char *s, size_t len, struct strbuf *out)
{
	char *stack = xmalloc(len + 1);
	size_t i = 0, depth = 0, safe = 0, safe_depth = 0;
	int want_key = 0;

	while (i < len) {
		char c = s[i];

		if (c == '{' || c == '[') {
			stack[depth++] = c;
			want_key = c == '{';
			if (c == '[')
				safe = i + 1, safe_depth = depth;
			i++;
		} else if (c == '}' || c == ']') {
			if (!depth)
				break;
			depth--;
			want_key = 0;
			if (!depth)
				break; /* whole: not cut */
			safe = ++i, safe_depth = depth;
		} else if (c == '"') {
			size_t k = i + 1;

			while (k < len && s[k] != '"' && s[k] != '\n')
				k += s[k] == '\\' ? 2 : 1;
			if (k >= len || s[k] != '"')
				break;
			i = k + 1;
			if (want_key)
				want_key = 0; /* a key: its value is to come */
			else if (depth)
				safe = i, safe_depth = depth;
		} else if (c == ',') {
			want_key = depth && stack[depth - 1] == '{';
			i++;
		} else if (strchr("-0123456789tfn", c)) {
			size_t k = i;

			while (k < len &&
			       strchr("-+.0123456789eEtruefalsn", s[k]))
				k++;
			/* A number at the very end may have lost digits. */
			if (k >= len)
				break;
			i = k;
			if (depth)
				safe = i, safe_depth = depth;
		} else {
			i++; /* blanks, ':' */
		}
	}
	if (!safe) {
		free(stack);
		return 0;
	}
	strbuf_add(out, s, safe);
	while (safe_depth)
		strbuf_addch(out, stack[--safe_depth] == '{' ? '}' : ']');
	free(stack);
	return 1;
}

/* One plan's document ({"Plan": ..., "Planning Time": ...}) into p. */
static int read_plan(struct plan *p, json_t *top, const char *name)
{
	struct strbuf path = STRBUF_INIT;
	json_t *plan, *trig, *t;
	size_t i;
	int ret = 0;

	p->format = PLAN_FMT_JSON;
	if (json_is_object(top) && json_object_get(top, "Plan")) {
		plan = json_object_get(top, "Plan");
	} else if (json_is_object(top) && str(top, "Node Type")) {
		plan = top;
	} else {
		return error("%s: no \"Plan\" in this JSON (expected the "
			     "output of EXPLAIN (FORMAT JSON))",
			     name);
	}
	strbuf_addstr(&path, "Plan");
	if (read_node(p, plan, -1, &path, name) < 0)
		ret = -1;
	strbuf_release(&path);
	if (has(top, "Planning Time")) {
		p->has_planning = 1;
		p->planning_ms = dbl(top, "Planning Time", 0);
	}
	if (has(top, "Execution Time")) {
		p->has_execution = 1;
		p->execution_ms = dbl(top, "Execution Time", 0);
	}
	p->jit_ms = dbl(json_object_get(json_object_get(top, "JIT"), "Timing"),
			"Total", 0);
	p->has_triggers = has(top, "Triggers");
	p->has_query_text = has(top, "Query Text");
	trig = json_object_get(top, "Triggers");
	json_array_foreach(trig, i, t) p->trigger_ms += dbl(t, "Time", 0);
	if (!p->n)
		return -1;
	plan_compute(p);
	return ret;
}

/* Where the k-th element of the array that s starts with begins (its
 * offset), for the line a plan of several starts on; len when unknown. */
static size_t element_start(const char *s, size_t len, size_t k)
{
	size_t i, depth = 0, seen = 0;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '"') {
			for (i++; i < len && s[i] != '"'; i++)
				i += s[i] == '\\';
		} else if (c == '[' || c == '{') {
			if (depth++ == 1 && seen++ == k)
				return i;
		} else if (c == ']' || c == '}') {
			if (!depth || !--depth)
				break;
		}
	}
	return len;
}

static size_t count_lines(const char *s, size_t len)
{
	size_t n = 0;
	const char *e = s + len;

	while ((s = memchr(s, '\n', (size_t)(e - s)))) {
		n++;
		s++;
	}
	return n;
}

int plan_parse_json(struct plan_list *l, const char *json, size_t len,
		    const char *name, const size_t *lineno, size_t nlines)
{
	size_t off = 0, base = 0, counted = 0;
	int ret = 0;

	/* Documents one after another (a paste of several), each an array
	 * of plans (EXPLAIN's) or one plan. */
	for (;;) {
		struct strbuf fixed = STRBUF_INIT;
		const char *cut = NULL;
		json_error_t err;
		json_t *root;
		size_t i, k;

		off += strspn(json + off, " \t\r\n");
		/* After a plan, only another plan is read: what else a paste
		 * holds after it is left, as it always was. */
		if (off >= len ||
		    (l->n && json[off] != '[' && json[off] != '{'))
			break;
		base += count_lines(json + counted, off - counted);
		counted = off;
		root = json_loadb(json + off, len - off, JSON_DISABLE_EOF_CHECK,
				  &err);
		/* An error on the last line is a paste cut short: what it
		 * holds is read with its brackets closed, and
		 * plan_check_cut() names the cut. */
		if (!root && err.line > 0 &&
		    base + (size_t)err.line >= nlines &&
		    json_close_cut(json + off, len - off, &fixed)) {
			root = json_loadb(fixed.buf, fixed.len,
					  JSON_DISABLE_EOF_CHECK, NULL);
			cut = "the JSON stops before its closing brackets";
			err.position = (int)(len - off);
		}
		strbuf_release(&fixed);
		if (!root) {
			size_t line =
			    err.line > 0 ? base + (size_t)err.line : 0;

			if (lineno && line >= 1 && line <= nlines)
				line = lineno[line - 1];
			return error("%s:%zu: invalid JSON plan: %s", name,
				     line, err.text);
		}
		k = json_is_array(root) ? json_array_size(root) : 1;
		for (i = 0; i < k; i++) {
			struct plan *p = plan_list_add(l);

			size_t at =
			    k > 1 ? element_start(json + off, len - off, i) : 0;
			size_t ln =
			    base +
			    (at < len - off ? count_lines(json + off, at) : 0);

			p->first_line =
			    lineno && ln < nlines ? lineno[ln] : ln + 1;
			if (cut && i == k - 1)
				p->cut_hint = cut;
			if (read_plan(p,
				      json_is_array(root)
					  ? json_array_get(root, i)
					  : root,
				      name) < 0) {
				p->bad = 1;
				ret = -1;
			}
			/* No plan at all: the rest is no plan either. */
			if (!p->n) {
				plan_release(p);
				l->n--;
				k = 0;
				err.position = 0;
			}
		}
		json_decref(root);
		/* On success jansson says how far it read. */
		if (err.position <= 0)
			break;
		off += (size_t)err.position;
	}
	return ret;
}
