#include "core/compat.h"
#include "db/findings.h"
#include "core/strbuf.h"
#include "db/plan.h"
#include <ctype.h>
#include <math.h>

const char *plan_finding_kind_name(enum plan_finding_kind k)
{
	static const char *const names[] = {
	    [PF_SLOW_NODE] = "slow_node",
	    [PF_SEQ_SCAN_FILTER] = "seq_scan_filter",
	    [PF_MISESTIMATE] = "misestimate",
	    [PF_SORT_SPILL] = "sort_spill",
	    [PF_HASH_SPILL] = "hash_spill",
	    [PF_NESTED_LOOP] = "nested_loop",
	    [PF_WORKERS_SHORT] = "workers_short",
	    [PF_LOW_CACHE_HIT] = "low_cache_hit",
	};

	return names[k];
}

const char *plan_severity_name(enum plan_severity s)
{
	return s == PF_HIGH ? "high" : s == PF_MEDIUM ? "medium" : "low";
}

void plan_findings_release(struct plan_findings *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		free(f->v[i].message);
		free(f->v[i].fix);
	}
	free(f->v);
	memset(f, 0, sizeof(*f));
}

static void add(struct plan_findings *f, enum plan_finding_kind kind, int node,
		enum plan_severity sev, double value, struct strbuf *msg,
		struct strbuf *fix)
{
	struct plan_finding *x;

	ALLOC_GROW(f->v, f->n + 1, f->alloc);
	x = &f->v[f->n++];
	x->kind = kind;
	x->node = node;
	x->severity = sev;
	x->value = value;
	x->message = strbuf_detach(msg, NULL);
	x->fix = strbuf_detach(fix, NULL);
}

/* Uppercase words of the deparsed expression and the names of subplans
 * are no columns. */
static int is_keyword(const char *w, size_t n)
{
	static const char *const words[] = {
	    "SubPlan", "InitPlan", "hashed", "alternatives", "returns", "or",
	    "and",     "not",	   "true",   "false",	     "null",	NULL,
	};
	size_t i;
	int upper = 1;

	for (i = 0; i < n; i++)
		if (!(isupper((unsigned char)w[i]) || w[i] == '_'))
			upper = 0;
	if (upper)
		return 1;
	for (i = 0; words[i]; i++)
		if (strlen(words[i]) == n && !strncmp(w, words[i], n))
			return 1;
	return 0;
}

/* Skip a cast's type name after "::": "text", "character varying",
 * "timestamp without time zone", "integer[]". */
static const char *skip_type(const char *s)
{
	static const char *const more[] = {
	    " varying",	       " precision", " without time zone",
	    " with time zone", NULL,
	};
	int i;

	if (*s == '"') {
		s = strchr(s + 1, '"');
		return s ? s + 1 : "";
	}
	while (isalnum((unsigned char)*s) || *s == '_' || *s == '.')
		s++;
	for (i = 0; more[i]; i++)
		if (!strncmp(s, more[i], strlen(more[i])))
			s += strlen(more[i]);
	if (*s == '(') {
		const char *e = strchr(s, ')');

		if (e)
			s = e + 1;
	}
	while (!strncmp(s, "[]", 2))
		s += 2;
	return s;
}

/* After a column: is the next operator "="? (past ')' and casts) */
static int compared_by_equality(const char *s)
{
	for (;;) {
		s += strspn(s, " )");
		if (!strncmp(s, "::", 2)) {
			s = skip_type(s + 2);
			continue;
		}
		break;
	}
	return s[0] == '=' && s[1] != '>';
}

/*
 * Append name as SQL writes it: bare when PostgreSQL would read it back
 * the same (lower case, digits, '_', no keyword that needs quotes), else
 * in double quotes ("Order", "customerId"), as quote_ident() does.
 */
static void sql_ident(struct strbuf *out, const char *name)
{
	/* PostgreSQL's reserved and type/function-name keywords: the ones
	 * no table or column name can be without quotes. */
	static const char *const kw[] = {
	    "all",
	    "analyse",
	    "analyze",
	    "and",
	    "any",
	    "array",
	    "as",
	    "asc",
	    "asymmetric",
	    "authorization",
	    "binary",
	    "both",
	    "case",
	    "cast",
	    "check",
	    "collate",
	    "collation",
	    "column",
	    "concurrently",
	    "constraint",
	    "create",
	    "cross",
	    "current_catalog",
	    "current_date",
	    "current_role",
	    "current_schema",
	    "current_time",
	    "current_timestamp",
	    "current_user",
	    "default",
	    "deferrable",
	    "desc",
	    "distinct",
	    "do",
	    "else",
	    "end",
	    "except",
	    "false",
	    "fetch",
	    "for",
	    "foreign",
	    "freeze",
	    "from",
	    "full",
	    "grant",
	    "group",
	    "having",
	    "ilike",
	    "in",
	    "initially",
	    "inner",
	    "intersect",
	    "into",
	    "is",
	    "isnull",
	    "join",
	    "lateral",
	    "leading",
	    "left",
	    "like",
	    "limit",
	    "localtime",
	    "localtimestamp",
	    "natural",
	    "not",
	    "notnull",
	    "null",
	    "offset",
	    "on",
	    "only",
	    "or",
	    "order",
	    "outer",
	    "overlaps",
	    "placing",
	    "primary",
	    "references",
	    "returning",
	    "right",
	    "select",
	    "session_user",
	    "similar",
	    "some",
	    "symmetric",
	    "table",
	    "tablesample",
	    "then",
	    "to",
	    "trailing",
	    "true",
	    "union",
	    "unique",
	    "user",
	    "using",
	    "variadic",
	    "verbose",
	    "when",
	    "where",
	    "window",
	    "with",
	    NULL,
	};
	const char *c;
	int bare = (*name >= 'a' && *name <= 'z') || *name == '_', i;

	for (c = name; *c && bare; c++)
		bare = (*c >= 'a' && *c <= 'z') || isdigit((unsigned char)*c) ||
		       *c == '_' || *c == '$';
	for (i = 0; bare && kw[i]; i++)
		bare = strcmp(name, kw[i]) != 0;
	if (bare) {
		strbuf_addstr(out, name);
		return;
	}
	strbuf_addch(out, '"');
	for (c = name; *c; c++) {
		if (*c == '"')
			strbuf_addch(out, '"');
		strbuf_addch(out, *c);
	}
	strbuf_addch(out, '"');
}

/* A statistics object's name for the relation and the columns: their
 * names joined by '_', quoted if need be. */
static void stats_name(struct strbuf *out, const char *rel,
		       const char *const *cols, int n)
{
	struct strbuf raw = STRBUF_INIT;
	int i;

	strbuf_addstr(&raw, rel);
	for (i = 0; i < n; i++)
		strbuf_addf(&raw, "_%s", cols[i]);
	sql_ident(out, raw.buf);
	strbuf_release(&raw);
}

struct col {
	char *name;
	int eq;
};

/* The name in w..e, its "" turned into ". */
static char *unquote(const char *w, const char *e)
{
	struct strbuf sb = STRBUF_INIT;

	for (; w < e; w++) {
		strbuf_addch(&sb, *w);
		if (*w == '"' && w + 1 < e && w[1] == '"')
			w++;
	}
	return strbuf_detach(&sb, NULL);
}

/* plan_filter_columns(), and the bare names (the caller frees them) into
 * names[max]. */
static int filter_columns(const char *cond, struct strbuf *out,
			  const char **names, int max)
{
	struct col cols[16];
	int n = 0, i, k, total = 0;
	const char *s = cond;

	while (*s) {
		const char *w, *e;
		char *name;

		if (*s == '\'') {
			for (s++; *s; s++) {
				if (*s == '\'' && s[1] == '\'')
					s++;
				else if (*s == '\'')
					break;
			}
			if (*s)
				s++;
			continue;
		}
		if (!strncmp(s, "::", 2)) {
			s = skip_type(s + 2);
			continue;
		}
		if (*s == '$' || isdigit((unsigned char)*s)) {
			s++;
			while (isalnum((unsigned char)*s) || *s == '.' ||
			       *s == '_')
				s++;
			continue;
		}
		if (!(isalpha((unsigned char)*s) || *s == '_' || *s == '"')) {
			s++;
			continue;
		}
		/* An identifier, perhaps qualified: keep its last part. */
		for (;;) {
			if (*s == '"') {
				/* "" inside is a quote of the name. */
				w = s + 1;
				for (e = w; *e && !(*e == '"' && e[1] != '"');
				     e++)
					if (*e == '"')
						e++;
				s = *e ? e + 1 : e;
			} else {
				w = s;
				while (isalnum((unsigned char)*s) ||
				       *s == '_' || *s == '$')
					s++;
				e = s;
			}
			if (*s == '.' && (isalpha((unsigned char)s[1]) ||
					  s[1] == '_' || s[1] == '"')) {
				s++;
				continue;
			}
			break;
		}
		if (*s == '(' || *s == ':' || is_keyword(w, e - w))
			continue; /* a function, a label, a keyword */
		{
			const char *t = s + strspn(s, " ");

			if (*t == '(')
				continue; /* "ANY (" and the like */
		}
		name = unquote(w, e);
		for (k = 0; k < n; k++)
			if (!strcmp(cols[k].name, name))
				break;
		if (k < n) {
			cols[k].eq |= compared_by_equality(s);
			free(name);
		} else if (n < (int)ARRAY_SIZE(cols)) {
			cols[n].name = name;
			cols[n].eq = compared_by_equality(s);
			n++;
		} else {
			free(name);
		}
	}
	/* Equality columns lead an index, ranges follow. */
	for (k = 1; k >= 0; k--) {
		for (i = 0; i < n; i++) {
			if (cols[i].eq != k)
				continue;
			if (total)
				strbuf_addstr(out, ", ");
			sql_ident(out, cols[i].name);
			if (total < max)
				names[total] = xstrdup(cols[i].name);
			total++;
		}
	}
	for (i = 0; i < n; i++)
		free(cols[i].name);
	return total;
}

int plan_filter_columns(const char *cond, struct strbuf *out)
{
	return filter_columns(cond, out, NULL, 0);
}

static const char *label(const struct plan_node *n)
{
	return n->label ? n->label : n->type;
}

/* The share of the rows read that the node's Filter removed (loops
 * included); 0 when it read none. */
static double filter_waste(const struct plan_node *n)
{
	double removed = n->removed_filter * n->loops;
	double returned = n->rows * n->loops;

	return removed + returned > 0 ? removed / (removed + returned) : 0;
}

static void slow_node(const struct plan *p, double exec,
		      struct plan_findings *f)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		const struct plan_node *n = &p->nodes[i];
		struct strbuf msg = STRBUF_INIT, fix = STRBUF_INIT;
		double share = exec > 0 ? n->exclusive_ms / exec : 0;
		enum plan_severity sev;

		if (!n->has_timing || share <= PF_SLOW_SHARE)
			continue;
		sev = share > PF_SLOW_SHARE_HIGH      ? PF_HIGH
		      : share >= PF_SLOW_SHARE_MEDIUM ? PF_MEDIUM
						      : PF_LOW;
		strbuf_addf(&msg,
			    "%s takes %.1f%% of the execution time (%.3f of "
			    "%.3f ms in the node itself)",
			    label(n), 100 * share, n->exclusive_ms, exec);
		if (!strcmp(n->type, "Seq Scan") && n->filter &&
		    filter_waste(n) > PF_FILTER_WASTE)
			strbuf_addstr(&fix,
				      "Full table scan (often bad for "
				      "large tables): Add index on filter "
				      "columns");
		else if (!strcmp(n->type, "Seq Scan") && n->filter)
			/* An index finds few rows fast; this filter keeps
			 * most of them. */
			strbuf_addf(&fix,
				    "Full table scan (often bad for large "
				    "tables): the filter keeps %.0f%% of the "
				    "rows, so an index on it would not help; "
				    "rewrite query to read less (a WHERE an "
				    "index can serve)",
				    100 * (1 - filter_waste(n)));
		else if (!strcmp(n->type, "Seq Scan"))
			strbuf_addstr(&fix, "Full table scan (often bad for "
					    "large tables): the whole table is "
					    "read; rewrite query to read less "
					    "(a WHERE an index can serve)");
		else if (!strcmp(n->type, "Sort") ||
			 !strcmp(n->type, "Incremental Sort"))
			strbuf_addstr(&fix, "Check if index can provide order: "
					    "Add index matching ORDER BY");
		else if (!strcmp(n->type, "Index Scan") ||
			 !strcmp(n->type, "Index Only Scan") ||
			 !strcmp(n->type, "Bitmap Heap Scan") ||
			 !strcmp(n->type, "Bitmap Index Scan"))
			/* The seed's "add index" would send the user after
			 * an index the node has. */
			strbuf_addstr(&fix,
				      "Reads through an index already: "
				      "another index will not help; read "
				      "fewer rows (a more selective "
				      "condition, a LIMIT), or cover the "
				      "columns it returns (INCLUDE) so that "
				      "it skips the table");
		else if (!strcmp(n->type, "ModifyTable"))
			strbuf_addstr(&fix,
				      "Writes the rows, each of the table's "
				      "indexes and its triggers: another "
				      "index makes it slower; write fewer "
				      "rows per statement, drop indexes "
				      "nothing reads, check its triggers "
				      "and foreign keys");
		else if (!strcmp(n->type, "Nested Loop"))
			strbuf_addstr(&fix, "OK for small inner table, bad for "
					    "large joins: Add index on join "
					    "column, consider Hash Join");
		else
			strbuf_addstr(&fix,
				      "Missing index, suboptimal join "
				      "order, full table scan: add index, "
				      "rewrite query");
		add(f, PF_SLOW_NODE, n->id, sev, share, &msg, &fix);
	}
}

/* Actual over planned rows per loop, or 0 when either is 0. */
static double row_ratio(const struct plan_node *n)
{
	if (!n->has_actual || n->never_executed || n->loops <= 0 ||
	    n->rows <= 0 || n->plan_rows <= 0)
		return 0;
	return n->rows / n->plan_rows;
}

/*
 * A wrong estimate carries up the tree: a Sort over a misestimated scan
 * is off by as much.  Only the node where it starts is reported: one
 * whose children are not off in the same direction by at least half as
 * much.
 */
static int inherited_misestimate(const struct plan *p, int i, double ratio)
{
	int kids[64], nk, k;

	nk = plan_children(p, i, kids, 64);
	for (k = 0; k < nk; k++) {
		double c = row_ratio(&p->nodes[kids[k]]);

		if (c <= 0)
			continue;
		if (ratio > 1 && c >= PF_MISESTIMATE_FACTOR && c * 2 >= ratio)
			return 1;
		if (ratio < 1 && 1 / c >= PF_MISESTIMATE_FACTOR &&
		    c <= 2 * ratio)
			return 1;
	}
	return 0;
}

/* Whether node n consumes its whole input before it returns a row: what
 * it reads is read in full whatever stops reading it. */
static int reads_all_first(const struct plan_node *n)
{
	return !strcmp(n->type, "Sort") || !strcmp(n->type, "Hash") ||
	       (!strcmp(n->type, "Aggregate") &&
		!strstr(n->label, "GroupAggregate")) ||
	       (!strcmp(n->type, "SetOp") && strstr(n->label, "HashSetOp"));
}

/*
 * Whether node i stopped early: a Limit that got its count stops reading
 * its input, and the nodes that stream into it stop too, short of the
 * planner's rows, which are for a whole run.  Such an overestimate is the
 * LIMIT at work, not the statistics.
 */
static int cut_short(const struct plan *p, int i)
{
	while (p->nodes[i].parent >= 0) {
		const struct plan_node *par = &p->nodes[p->nodes[i].parent];

		if (p->nodes[i].rel == PLAN_REL_INITPLAN ||
		    p->nodes[i].rel == PLAN_REL_SUBPLAN ||
		    p->nodes[i].rel == PLAN_REL_CTE || reads_all_first(par))
			return 0;
		if (!strcmp(par->type, "Limit"))
			return par->has_actual &&
			       par->rows * par->loops >= par->plan_rows;
		i = par->id;
	}
	return 0;
}

static void misestimate(const struct plan *p, struct plan_findings *f)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		const struct plan_node *n = &p->nodes[i];
		struct strbuf msg = STRBUF_INIT, fix = STRBUF_INIT;
		struct strbuf cols = STRBUF_INIT;
		const char *names[16];
		int ncols = 0, k;
		double factor;
		enum plan_severity sev;

		if (!n->has_actual || n->never_executed || n->loops <= 0 ||
		    n->rows <= 0 || n->plan_rows <= 0)
			continue; /* 0 on either side: no ratio */
		factor = n->rows > n->plan_rows ? n->rows / n->plan_rows
						: n->plan_rows / n->rows;
		if (factor < PF_MISESTIMATE_FACTOR ||
		    inherited_misestimate(p, (int)i, row_ratio(n)) ||
		    (n->rows < n->plan_rows && cut_short(p, (int)i)))
			continue;
		sev = factor > 1000  ? PF_HIGH
		      : factor > 100 ? PF_MEDIUM
				     : PF_LOW;
		strbuf_addf(&msg,
			    "%s returned %.15g rows per loop where the planner "
			    "expected %.15g: %s by %.0fx",
			    label(n), n->rows, n->plan_rows,
			    n->rows > n->plan_rows ? "underestimated"
						   : "overestimated",
			    factor);
		strbuf_addstr(&fix, "Actual rows vs planned (estimate "
				    "accuracy): refresh statistics");
		if (n->relation) {
			strbuf_addstr(&fix, " (ANALYZE ");
			sql_ident(&fix, n->relation);
			strbuf_addch(&fix, ')');
		}
		if (n->relation && n->filter &&
		    (ncols = filter_columns(n->filter, &cols, names,
					    ARRAY_SIZE(names))) >= 2) {
			struct strbuf rel = STRBUF_INIT;

			sql_ident(&rel, n->relation);
			strbuf_addstr(&fix, "; the filter's columns may be "
					    "correlated: CREATE STATISTICS ");
			stats_name(&fix, n->relation, names,
				   MIN(ncols, (int)ARRAY_SIZE(names)));
			strbuf_addf(&fix,
				    " (dependencies) ON %s FROM %s; ANALYZE "
				    "%s;",
				    cols.buf, rel.buf, rel.buf);
			strbuf_release(&rel);
		} else
			strbuf_addstr(&fix,
				      ", or raise the column's "
				      "statistics target (ALTER TABLE ... "
				      "ALTER COLUMN ... SET STATISTICS)");
		for (k = 0; k < MIN(ncols, (int)ARRAY_SIZE(names)); k++)
			free((char *)names[k]);
		strbuf_release(&cols);
		add(f, PF_MISESTIMATE, n->id, sev, factor, &msg, &fix);
	}
}

static void seq_scan_filter(const struct plan *p, struct plan_findings *f)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		const struct plan_node *n = &p->nodes[i];
		struct strbuf msg = STRBUF_INIT, fix = STRBUF_INIT;
		struct strbuf cols = STRBUF_INIT;
		double removed = n->removed_filter * n->loops;
		double returned = n->rows * n->loops, waste;

		if (strcmp(n->type, "Seq Scan") || !n->filter || !n->has_actual)
			continue;
		if (removed + returned < PF_LARGE_TABLE_ROWS)
			continue;
		waste = filter_waste(n);
		if (waste <= PF_FILTER_WASTE)
			continue;
		strbuf_addf(&msg,
			    "%s reads %.0f rows and removes %.0f of them "
			    "(%.1f%%) with Filter: %s",
			    label(n), removed + returned, removed, 100 * waste,
			    n->filter);
		strbuf_addstr(&fix, "Add index on filter columns");
		if (n->relation && plan_filter_columns(n->filter, &cols)) {
			strbuf_addstr(&fix, ": CREATE INDEX ON ");
			sql_ident(&fix, n->relation);
			strbuf_addf(&fix, " (%s);", cols.buf);
		}
		strbuf_release(&cols);
		add(f, PF_SEQ_SCAN_FILTER, n->id,
		    waste > PF_FILTER_WASTE_SEVERE ? PF_HIGH : PF_MEDIUM, waste,
		    &msg, &fix);
	}
}

/* A work_mem that holds what spilled: twice the disk size (rows take
 * more room in memory than in a sorted run), a power of two in MB. */
static unsigned suggest_mb(double kb)
{
	unsigned mb = 4;

	while (mb < 1u << 20 && mb * 1024.0 < 2 * kb)
		mb *= 2;
	return mb;
}

static void spills(const struct plan *p, struct plan_findings *f)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		const struct plan_node *n = &p->nodes[i];
		struct strbuf msg = STRBUF_INIT, fix = STRBUF_INIT;
		int sort = !strcmp(n->type, "Sort") ||
			   !strcmp(n->type, "Incremental Sort");

		if (sort && (n->sort_disk || n->xbuf.temp_written)) {
			double kb = n->sort_space_kb;

			/* Disk: is the leader's; temp blocks are 8kB. */
			if (!(n->sort_disk && kb > 0))
				kb = n->xbuf.temp_written * 8.0;
			strbuf_addf(&msg, "%s spilled to disk", label(n));
			if (n->sort_method)
				strbuf_addf(&msg, " (Sort Method: %s",
					    n->sort_method);
			if (n->sort_method && n->sort_disk && n->sort_space_kb)
				strbuf_addf(&msg, ", Disk: %.0fkB",
					    n->sort_space_kb);
			if (n->sort_method)
				strbuf_addch(&msg, ')');
			if (n->xbuf.temp_written)
				strbuf_addf(
				    &msg, ", %llu temp blocks written",
				    (unsigned long long)n->xbuf.temp_written);
			strbuf_addstr(&fix, "Check if index can provide order: "
					    "Add index matching ORDER BY");
			if (n->sort_key)
				strbuf_addf(&fix, " (%s)", n->sort_key);
			strbuf_addf(&fix,
				    "; or raise work_mem for this query: SET "
				    "work_mem = '%uMB'",
				    suggest_mb(kb));
			add(f, PF_SORT_SPILL, n->id, PF_MEDIUM, kb, &msg, &fix);
			continue;
		}
		if ((!strcmp(n->type, "Hash") &&
		     (n->hash_batches > 1 ||
		      n->hash_batches > n->hash_batches_orig)) ||
		    (!strcmp(n->type, "Aggregate") &&
		     (n->disk_usage_kb > 0 || n->hash_batches > 1))) {
			long b = MAX(n->hash_batches, 1);

			strbuf_addf(&msg, "%s spilled to disk: %ld batches",
				    label(n), b);
			if (n->hash_batches > n->hash_batches_orig &&
			    n->hash_batches_orig > 0)
				strbuf_addf(&msg, " (planned %ld)",
					    n->hash_batches_orig);
			if (n->disk_usage_kb > 0)
				strbuf_addf(&msg, ", Disk Usage: %.0fkB",
					    n->disk_usage_kb);
			strbuf_addf(&fix,
				    "Raise work_mem (or hash_mem_multiplier) "
				    "about %ld-fold so the hash table fits in "
				    "memory in one batch",
				    b);
			add(f, PF_HASH_SPILL, n->id, PF_MEDIUM, (double)b, &msg,
			    &fix);
			continue;
		}
		strbuf_release(&msg);
		strbuf_release(&fix);
	}
}

static void nested_loops(const struct plan *p, double exec,
			 struct plan_findings *f)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		const struct plan_node *n = &p->nodes[i];
		struct strbuf msg = STRBUF_INIT, fix = STRBUF_INIT;
		const struct plan_node *inner = NULL;
		int kids[64], nk, k;
		double share;

		if (strcmp(n->type, "Nested Loop") || !n->has_actual)
			continue;
		nk = plan_children(p, (int)i, kids, 64);
		for (k = 0; k < nk; k++)
			if (p->nodes[kids[k]].rel == PLAN_REL_INNER)
				inner = &p->nodes[kids[k]];
		share = exec > 0 ? n->total_ms / exec : 0;
		if (!inner || inner->loops < PF_NESTED_LOOPS ||
		    share < PF_NESTED_SHARE || !n->has_timing)
			continue;
		strbuf_addf(&msg,
			    "%s runs its inner side (%s) %.0f times and takes "
			    "%.1f%% of the execution time: the in-database N+1",
			    label(n), label(inner), inner->loops, 100 * share);
		strbuf_addstr(&fix, "OK for small inner table, bad for large "
				    "joins: Add index on join column, consider "
				    "Hash Join");
		if (!strcmp(inner->type, "Seq Scan") && inner->relation &&
		    inner->filter) {
			struct strbuf cols = STRBUF_INIT;

			if (plan_filter_columns(inner->filter, &cols)) {
				strbuf_addstr(&fix, " (CREATE INDEX ON ");
				sql_ident(&fix, inner->relation);
				strbuf_addf(&fix, " (%s);)", cols.buf);
			}
			strbuf_release(&cols);
		}
		add(f, PF_NESTED_LOOP, n->id, PF_MEDIUM, inner->loops, &msg,
		    &fix);
	}
}

static void workers(const struct plan *p, struct plan_findings *f)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		const struct plan_node *n = &p->nodes[i];
		struct strbuf msg = STRBUF_INIT, fix = STRBUF_INIT;

		if (!n->has_workers || !n->has_actual ||
		    n->workers_launched >= n->workers_planned)
			continue;
		strbuf_addf(&msg,
			    "%s launched %d of the %d workers planned: the "
			    "work ran on %d process%s instead of %d",
			    label(n), n->workers_launched, n->workers_planned,
			    n->workers_launched + 1,
			    n->workers_launched ? "es" : "",
			    n->workers_planned + 1);
		strbuf_addstr(&fix, "Parallelism gone wrong: the worker pool "
				    "was exhausted; raise max_parallel_workers "
				    "and max_worker_processes, or run fewer "
				    "parallel queries at once");
		add(f, PF_WORKERS_SHORT, n->id, PF_MEDIUM,
		    n->workers_planned - n->workers_launched, &msg, &fix);
	}
}

static void cache(const struct plan *p, struct plan_findings *f)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		const struct plan_node *n = &p->nodes[i];
		struct strbuf msg = STRBUF_INIT, fix = STRBUF_INIT;
		uint64_t hit = n->xbuf.shared_hit, rd = n->xbuf.shared_read;
		double ratio;

		if (!n->has_buffers || hit + rd < PF_CACHE_MIN_BLOCKS)
			continue;
		ratio = (double)hit / (double)(hit + rd);
		if (ratio >= PF_CACHE_HIT)
			continue;
		strbuf_addf(&msg,
			    "%s read %llu of its %llu shared blocks from disk "
			    "or the OS cache (hit ratio %.1f%%)",
			    label(n), (unsigned long long)rd,
			    (unsigned long long)(hit + rd), 100 * ratio);
		strbuf_addstr(&fix, "Shared hit (cache) vs read (disk I/O): "
				    "read fewer pages (an index, narrower "
				    "rows), or raise shared_buffers if the "
				    "working set fits in memory");
		add(f, PF_LOW_CACHE_HIT, n->id, PF_LOW, ratio, &msg, &fix);
	}
}

static int by_severity(const void *a, const void *b)
{
	const struct plan_finding *x = a, *y = b;

	if (x->severity != y->severity)
		return y->severity - x->severity;
	if (x->node != y->node)
		return x->node - y->node;
	return (int)x->kind - (int)y->kind;
}

void plan_find(const struct plan *p, struct plan_findings *out)
{
	double exec = plan_execution_ms(p);

	memset(out, 0, sizeof(*out));
	if (!p->n)
		return;
	slow_node(p, exec, out);
	seq_scan_filter(p, out);
	misestimate(p, out);
	spills(p, out);
	nested_loops(p, exec, out);
	workers(p, out);
	cache(p, out);
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), by_severity);
}
