#include "core/compat.h"
#include "db/plan-label.h"
#include "db/plan.h"

/* The "Node Type" values of explain.c, PostgreSQL 12 to 18. */
static const char *const node_types[] = {
    "Result",
    "ProjectSet",
    "ModifyTable",
    "Append",
    "Merge Append",
    "Recursive Union",
    "BitmapAnd",
    "BitmapOr",
    "Nested Loop",
    "Merge Join",
    "Hash Join",
    "Seq Scan",
    "Sample Scan",
    "Gather",
    "Gather Merge",
    "Index Scan",
    "Index Only Scan",
    "Bitmap Index Scan",
    "Bitmap Heap Scan",
    "Tid Scan",
    "Tid Range Scan",
    "Subquery Scan",
    "Function Scan",
    "Table Function Scan",
    "Values Scan",
    "CTE Scan",
    "Named Tuplestore Scan",
    "WorkTable Scan",
    "Foreign Scan",
    "Custom Scan",
    "Materialize",
    "Memoize",
    "Sort",
    "Incremental Sort",
    "Group",
    "Aggregate",
    "WindowAgg",
    "Unique",
    "SetOp",
    "LockRows",
    "Limit",
    "Hash",
    NULL,
};

static const char *const relation_types[] = {
    "Seq Scan",
    "Sample Scan",
    "Index Scan",
    "Index Only Scan",
    "Bitmap Heap Scan",
    "Tid Scan",
    "Tid Range Scan",
    "Foreign Scan",
    "ModifyTable",
    "Custom Scan",
    NULL,
};

void plan_node_clear(struct plan_node *n)
{
	free(n->type);
	free(n->label);
	free(n->relation);
	free(n->alias);
	free(n->index_name);
	free(n->subplan);
	free(n->cte_name);
	free(n->filter);
	free(n->sort_key);
	free(n->conds);
	free(n->sort_method);
	free(n->workers);
	memset(n, 0, sizeof(*n));
}

int plan_type_has_relation(const char *type)
{
	int i;

	for (i = 0; relation_types[i]; i++)
		if (!strcmp(type, relation_types[i]))
			return 1;
	return 0;
}

static int eq(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && !memcmp(s, lit, len);
}

static int begins(const char *s, size_t len, const char *lit)
{
	size_t n = strlen(lit);

	return len >= n && !memcmp(s, lit, n);
}

static int ends(const char *s, size_t len, const char *lit)
{
	size_t n = strlen(lit);

	return len >= n && !memcmp(s + len - n, lit, n);
}

const char *plan_bare_type(const char *s, size_t len, int *parallel)
{
	int i;

	*parallel = 0;
	if (begins(s, len, "Parallel ")) {
		*parallel = 1;
		s += 9;
		len -= 9;
	}
	if (begins(s, len, "Partial ") || begins(s, len, "Finalize ")) {
		size_t k = s[0] == 'P' ? 8 : 9;

		s += k;
		len -= k;
	}
	if (eq(s, len, "Aggregate") || eq(s, len, "HashAggregate") ||
	    eq(s, len, "GroupAggregate") || eq(s, len, "MixedAggregate"))
		return "Aggregate";
	if (begins(s, len, "SetOp ") || begins(s, len, "HashSetOp "))
		return "SetOp";
	if (eq(s, len, "Insert") || eq(s, len, "Update") ||
	    eq(s, len, "Delete") || eq(s, len, "Merge"))
		return "ModifyTable";
	if (begins(s, len, "Foreign "))
		return "Foreign Scan";
	if (begins(s, len, "Custom Scan"))
		return "Custom Scan";
	if (begins(s, len, "Nested Loop"))
		return "Nested Loop";
	if (begins(s, len, "Hash ") && ends(s, len, " Join"))
		return "Hash Join";
	if (begins(s, len, "Merge ") && ends(s, len, " Join"))
		return "Merge Join";
	if (ends(s, len, " Backward"))
		len -= 9;
	for (i = 0; node_types[i]; i++)
		if (eq(s, len, node_types[i]))
			return node_types[i];
	return NULL;
}

/* One identifier at *s, perhaps quoted and schema-qualified; returns the
 * last part, unquoted, and advances past it. */
static char *ident(const char **s, const char *end)
{
	char *last = NULL;

	for (;;) {
		const char *p = *s;
		char *part;

		if (p < end && *p == '"') {
			size_t o = 0;

			part = xmalloc(end - p + 1);
			for (p++; p < end; p++) {
				if (*p == '"') {
					if (p + 1 < end && p[1] == '"') {
						part[o++] = '"';
						p++;
						continue;
					}
					p++;
					break;
				}
				part[o++] = *p;
			}
			part[o] = '\0';
		} else {
			const char *q = p;

			while (q < end && *q != ' ' && *q != '.')
				q++;
			part = xstrndup(p, q - p);
			p = q;
		}
		free(last);
		last = part;
		*s = p;
		if (p < end && *p == '.') {
			(*s)++;
			continue;
		}
		return last;
	}
}

int plan_label_parse(struct plan_node *n, const char *s, size_t len)
{
	const char *end = s + len, *on = NULL, *using = NULL, *q;
	const char *type;
	size_t name_len;
	int parallel;

	n->label = xstrndup(s, len);
	/* " using " and " on " outside a "Custom Scan (...)" provider name
	 * and quoted identifiers. */
	for (q = s; q < end; q++) {
		if (*q == '"')
			break;
		if (!using && !on && q + 7 <= end && !memcmp(q, " using ", 7))
			using = q;
		if (!on && q + 4 <= end && !memcmp(q, " on ", 4)) {
			on = q;
			break;
		}
	}
	name_len = (size_t)((using ? using : on ? on : end) - s);
	type = plan_bare_type(s, name_len, &parallel);
	n->parallel = parallel;
	if (type) {
		n->type = xstrdup(type);
	} else {
		const char *t = s;

		if (parallel)
			t += 9;
		n->type = xstrndup(t, name_len - (t - s));
	}
	if (using) {
		q = using + 7;
		n->index_name = ident(&q, on ? on : end);
	}
	if (on) {
		char *first, *second = NULL;

		q = on + 4;
		first = ident(&q, end);
		q += strspn(q, " ");
		if (q < end)
			second = ident(&q, end);
		if (!strcmp(n->type, "Bitmap Index Scan")) {
			n->index_name = first;
			free(second);
		} else if (plan_type_has_relation(n->type)) {
			n->relation = first;
			n->alias = second;
		} else if (!strcmp(n->type, "CTE Scan") ||
			   !strcmp(n->type, "WorkTable Scan")) {
			n->cte_name = first;
			n->alias = second ? second : xstrdup(first);
		} else {
			n->alias = second ? second : first;
			if (second)
				free(first);
		}
	}
	return type != NULL;
}
