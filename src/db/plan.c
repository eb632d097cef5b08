#include "core/compat.h"
#include "db/plan.h"
#include "db/plan-label.h"
#include "core/error.h"
#include "core/strbuf.h"
#include <math.h>
#include "db/pglog.h"
#include <ctype.h>
#include <sys/mman.h>
#include <unistd.h>

void plan_init(struct plan *p)
{
	memset(p, 0, sizeof(*p));
}

void plan_release(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		plan_node_clear(&p->nodes[i]);
	free(p->nodes);
	plan_init(p);
}

int plan_add_node(struct plan *p, int parent)
{
	struct plan_node *n;

	ALLOC_GROW(p->nodes, p->n + 1, p->alloc);
	n = &p->nodes[p->n];
	memset(n, 0, sizeof(*n));
	n->id = (int)p->n;
	n->parent = parent;
	n->depth = parent < 0 ? 0 : p->nodes[parent].depth + 1;
	if (parent >= 0)
		p->nodes[parent].nchildren++;
	return (int)p->n++;
}

void plan_add_worker(struct plan_node *n, const struct plan_worker *w)
{
	ALLOC_GROW(n->workers, n->nworkers + 1, n->workers_alloc);
	n->workers[n->nworkers++] = *w;
}

void plan_leader_part(const struct plan_node *n, struct plan_worker *out)
{
	double loops = n->loops, rows = n->rows * n->loops;
	double ms = n->actual_total_ms * n->loops;
	size_t i;

	for (i = 0; i < n->nworkers; i++) {
		loops -= n->workers[i].loops;
		rows -= n->workers[i].rows * n->workers[i].loops;
		ms -= n->workers[i].total_ms * n->workers[i].loops;
	}
	memset(out, 0, sizeof(*out));
	out->num = -1;
	/* Rows per loop are rounded as printed: what is left of them is
	 * the leader's only to that precision. */
	if (loops >= 0.5) {
		out->loops = round(loops);
		out->rows = MAX(rows, 0) / out->loops;
		out->total_ms = MAX(ms, 0) / out->loops;
	}
}

int plan_children(const struct plan *p, int i, int *out, int max)
{
	int k = 0;
	size_t j;

	for (j = i + 1; j < p->n && p->nodes[j].depth > p->nodes[i].depth;
	     j++) {
		if (p->nodes[j].parent == i) {
			if (k < max)
				out[k] = (int)j;
			k++;
		}
	}
	return MIN(k, max);
}

double plan_execution_ms(const struct plan *p)
{
	if (p->has_execution)
		return p->execution_ms;
	return p->n ? p->nodes[0].total_ms : 0;
}

static int is_gather(const struct plan_node *n)
{
	return !strcmp(n->type, "Gather") || !strcmp(n->type, "Gather Merge");
}

/* A child whose time is not part of its parent's: an InitPlan or a CTE
 * runs inside the node that first reads its result, except under a
 * Result, which evaluates it itself. */
static int detached_child(const struct plan *p, const struct plan_node *c)
{
	if (c->rel != PLAN_REL_INITPLAN && c->rel != PLAN_REL_CTE)
		return 0;
	return strcmp(p->nodes[c->parent].type, "Result") != 0;
}

/*
 * The processes that ran a Gather's subtree: the workers launched and the
 * leader, unless the leader took no part (parallel_leader_participation
 * off): the subtree's top then shows as many loops per Gather loop as
 * there were workers.
 */
static double gather_processes(const struct plan *p, const struct plan_node *g)
{
	double procs = (g->has_workers ? g->workers_launched : 0) + 1;
	int kids[8], nk, k;

	nk = plan_children(p, g->id, kids, 8);
	for (k = 0; k < nk; k++) {
		const struct plan_node *c = &p->nodes[kids[k]];
		double per;

		if (c->rel == PLAN_REL_INITPLAN || c->rel == PLAN_REL_SUBPLAN ||
		    c->rel == PLAN_REL_CTE || !c->has_actual || g->loops <= 0)
			continue;
		per = floor(c->loops / g->loops + 0.5);
		if (per >= 1 && per < procs)
			procs = per;
		break;
	}
	return procs;
}

static int is_parallel_append(const struct plan_node *n)
{
	return n->parallel && !strcmp(n->type, "Append");
}

/*
 * The processes that ran node n under a Gather, whose own processes (the
 * parent's figure) are par_procs.  VERBOSE names them: each worker with a
 * loop, and the leader when the workers leave it some.  Otherwise a child
 * of a Parallel Append ran in as many processes as it has loops per
 * execution of the Append: one for a non-partial subplan, which a single
 * process runs to its end.  Anything else runs where its parent runs.
 */
static double node_processes(const struct plan *p, const struct plan_node *n,
			     double par_procs)
{
	const struct plan_node *par = &p->nodes[n->parent];

	if (n->nworkers && n->has_actual) {
		struct plan_worker leader;
		double procs = 0;
		size_t i;

		for (i = 0; i < n->nworkers; i++)
			procs += n->workers[i].loops > 0;
		plan_leader_part(n, &leader);
		procs += leader.loops > 0;
		if (procs >= 1)
			return procs;
	}
	if (is_parallel_append(par) && n->has_actual && par->loops > 0 &&
	    n->rel == PLAN_REL_MEMBER) {
		double per = floor(n->loops / (par->loops / par_procs) + 0.5);

		return MIN(MAX(per, 1), par_procs);
	}
	return par_procs;
}

static uint64_t sub0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

static void buf_sub(struct plan_buffers *a, const struct plan_buffers *b)
{
	a->shared_hit = sub0(a->shared_hit, b->shared_hit);
	a->shared_read = sub0(a->shared_read, b->shared_read);
	a->shared_dirtied = sub0(a->shared_dirtied, b->shared_dirtied);
	a->shared_written = sub0(a->shared_written, b->shared_written);
	a->local_hit = sub0(a->local_hit, b->local_hit);
	a->local_read = sub0(a->local_read, b->local_read);
	a->local_dirtied = sub0(a->local_dirtied, b->local_dirtied);
	a->local_written = sub0(a->local_written, b->local_written);
	a->temp_read = sub0(a->temp_read, b->temp_read);
	a->temp_written = sub0(a->temp_written, b->temp_written);
}

static int in_subtree(const struct plan *p, int root, int i)
{
	while (i > root)
		i = p->nodes[i].parent;
	return i == root;
}

/* Whether text mentions the parameter param as a whole token ("$1" is not
 * in "$10"). */
static int mentions(const char *text, const char *param)
{
	size_t len = strlen(param);
	const char *s = text;

	while ((s = strstr(s, param))) {
		char c = s[len];

		if (!(param[len - 1] >= '0' && param[len - 1] <= '9' &&
		      c >= '0' && c <= '9'))
			return 1;
		s += len;
	}
	return 0;
}

/* Whether node n uses the result of the InitPlan ip: "$0" for "InitPlan 1
 * (returns $0,$1)" up to PostgreSQL 16, "(InitPlan 1)" from 17 on. */
static int uses_initplan(const struct plan_node *n, const char *ip)
{
	char name[64];
	const char *r;

	if (!n->conds)
		return 0;
	r = strstr(ip, "returns ");
	if (r) {
		r += 8;
		while (*r == '$') {
			size_t k = 1;

			while (r[k] >= '0' && r[k] <= '9')
				k++;
			if (k > 1 && k < sizeof(name)) {
				memcpy(name, r, k);
				name[k] = '\0';
				if (mentions(n->conds, name))
					return 1;
			}
			r += k;
			while (*r == ',' || *r == ' ')
				r++;
		}
		return 0;
	}
	snprintf(name, sizeof(name), "(%.40s)", ip);
	return strstr(n->conds, name) != NULL;
}

/* Take t ms (and the buffers b) of a detached child from the nodes that
 * read it, in plan order, as far as their own time goes. */
static void take_from_users(struct plan *p, int child)
{
	struct plan_node *c = &p->nodes[child];
	int parent = c->parent, found = 0;
	double left = c->total_ms, cost_left = c->total_cost;
	size_t j;

	for (j = parent; j < p->n; j++) {
		struct plan_node *u = &p->nodes[j];
		double take;

		if (!in_subtree(p, parent, (int)j))
			break;
		if (in_subtree(p, child, (int)j))
			continue;
		if (c->rel == PLAN_REL_CTE) {
			if (!u->cte_name || !c->subplan ||
			    strcmp(u->cte_name, c->subplan + 4))
				continue;
		} else if (!uses_initplan(u, c->subplan ? c->subplan : "")) {
			continue;
		}
		found = 1;
		take = MIN(left, u->exclusive_ms);
		u->exclusive_ms -= take;
		left -= take;
		take = MIN(cost_left, u->exclusive_cost);
		u->exclusive_cost -= take;
		cost_left -= take;
		buf_sub(&u->xbuf, &c->buf);
		if (c->rel != PLAN_REL_CTE)
			break;
	}
	if (!found && c->rel != PLAN_REL_CTE) {
		struct plan_node *u = &p->nodes[parent];

		u->exclusive_ms -= MIN(left, u->exclusive_ms);
		u->exclusive_cost -= MIN(cost_left, u->exclusive_cost);
		buf_sub(&u->xbuf, &c->buf);
	}
}

void plan_compute(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		p->analyzed |= p->nodes[i].has_actual;
		p->has_timing |= p->nodes[i].has_timing;
		p->has_buffers |= p->nodes[i].has_buffers;
	}
	for (i = 0; i < p->n; i++) {
		struct plan_node *n = &p->nodes[i];
		const struct plan_node *par =
		    n->parent >= 0 ? &p->nodes[n->parent] : NULL;
		double div = 1;

		n->under_gather = par && (par->under_gather || is_gather(par));
		if (n->under_gather)
			div = node_processes(p, n,
					     is_gather(par)
						 ? gather_processes(p, par)
						 : par->procs);
		n->procs = div;
		n->cpu_total_ms = n->actual_total_ms * n->loops;
		n->total_ms = n->cpu_total_ms / div;
		n->exclusive_ms = n->total_ms;
		n->exclusive_cost = n->total_cost;
		n->xbuf = n->buf;
	}
	for (i = 1; i < p->n; i++) {
		struct plan_node *c = &p->nodes[i];
		struct plan_node *par = &p->nodes[c->parent];

		if (detached_child(p, c))
			continue;
		/* Processes run a parent's children side by side (a Parallel
		 * Append's subplans, each in its own worker): a child's time
		 * is spread over the parent's processes.  A Gather waits for
		 * its children: their wall-clock time is its own. */
		par->exclusive_ms -= is_gather(par) || c->procs == par->procs
					 ? c->total_ms
					 : c->cpu_total_ms / par->procs;
		par->exclusive_cost -= c->total_cost;
		buf_sub(&par->xbuf, &c->buf);
	}
	for (i = 0; i < p->n; i++) {
		struct plan_node *n = &p->nodes[i];

		n->exclusive_ms = MAX(n->exclusive_ms, 0);
		n->exclusive_cost = MAX(n->exclusive_cost, 0);
	}
	for (i = 1; i < p->n; i++)
		if (detached_child(p, &p->nodes[i]))
			take_from_users(p, (int)i);
	for (i = 0; i < p->n; i++) {
		struct plan_node *n = &p->nodes[i];
		double div =
		    n->total_ms > 0 ? n->cpu_total_ms / n->total_ms : 1;

		n->cpu_exclusive_ms = n->exclusive_ms * div;
	}
}

/* The plain children (no InitPlan, SubPlan nor CTE) a node of this type
 * always has: a join its outer and inner sides, a Sort or a Hash its
 * input. */
static int children_needed(const char *type)
{
	static const char *const two[] = {"Nested Loop", "Hash Join",
					  "Merge Join",	 "Recursive Union",
					  "BitmapAnd",	 "BitmapOr"};
	static const char *const one[] = {
	    "Hash",
	    "Sort",
	    "Incremental Sort",
	    "Limit",
	    "Aggregate",
	    "Gather",
	    "Gather Merge",
	    "Materialize",
	    "Memoize",
	    "Unique",
	    "WindowAgg",
	    "SetOp",
	    "LockRows",
	    "Group",
	    "Subquery Scan",
	    "ProjectSet",
	    "Bitmap Heap Scan",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(two); i++)
		if (!strcmp(type, two[i]))
			return 2;
	for (i = 0; i < ARRAY_SIZE(one); i++)
		if (!strcmp(type, one[i]))
			return 1;
	return 0;
}

static int plain_children(const struct plan *p, int i)
{
	int k = 0;
	size_t j;

	for (j = i + 1; j < p->n && p->nodes[j].depth > p->nodes[i].depth; j++)
		if (p->nodes[j].parent == i &&
		    (p->nodes[j].rel == PLAN_REL_OUTER ||
		     p->nodes[j].rel == PLAN_REL_INNER ||
		     p->nodes[j].rel == PLAN_REL_MEMBER ||
		     p->nodes[j].rel == PLAN_REL_SUBQUERY))
			k++;
	return k;
}

int plan_check_cut(struct plan *p, const char *name, size_t line)
{
	struct strbuf what = STRBUF_INIT;
	const struct plan_node *last;
	int costs = 0, i;
	size_t j;

	if (!p->n)
		return 0;
	last = &p->nodes[p->n - 1];
	for (j = 0; j < p->n; j++)
		costs |= p->nodes[j].has_cost;
	/* A paste stops at its end: only the last node can be short of its
	 * figures, only the nodes on the way to it short of children. */
	if (p->analyzed && !last->has_actual)
		strbuf_addf(&what,
			    "node %d (%s) stops before its actual figures",
			    last->id, last->label);
	else if (costs && !last->has_cost)
		strbuf_addf(&what, "node %d (%s) stops before its cost",
			    last->id, last->label);
	for (i = (int)p->n - 1; !what.len && i >= 0; i = p->nodes[i].parent) {
		const struct plan_node *n = &p->nodes[i];
		int need = children_needed(n->type),
		    have = plain_children(p, i);

		if (have >= need)
			continue;
		if (need == 2 && have == 1)
			strbuf_addf(&what, "node %d (%s) has no inner side",
				    n->id, n->label);
		else
			strbuf_addf(&what, "node %d (%s) has no child%s", n->id,
				    n->label, need == 1 ? "" : "ren");
	}
	/* EXPLAIN ANALYZE ends with its footer: in text "Execution Time"
	 * after "Planning Time" (SUMMARY OFF drops both), in the other
	 * formats a "Triggers" list even without triggers or SUMMARY
	 * (auto_explain's plans, with their "Query Text", have none). */
	if (!what.len && p->analyzed && p->format == PLAN_FMT_TEXT &&
	    p->has_planning && !p->has_execution)
		strbuf_addstr(&what, "Execution Time is missing after Planning "
				     "Time");
	else if (!what.len && p->analyzed && p->format != PLAN_FMT_TEXT &&
		 !p->has_triggers && !p->has_query_text && !p->from_log)
		strbuf_addstr(&what,
			      p->has_planning
				  ? "the footer stops before Triggers and "
				    "Execution Time"
				  : "the footer after the tree (Planning Time, "
				    "Triggers, Execution Time) is missing");
	if (!what.len && p->cut_hint)
		strbuf_addstr(&what, p->cut_hint);
	/* A text plan may end after its tree without a footer: SUMMARY OFF,
	 * or auto_explain's plan copied from a log.  That it was cut there
	 * is only likely. */
	if (!what.len && p->analyzed && p->format == PLAN_FMT_TEXT &&
	    !p->has_execution && !p->has_planning && !p->from_log) {
		warning("%s:%zu: no Execution Time after the plan: it may be "
			"cut short here (EXPLAIN ANALYZE prints one unless "
			"SUMMARY OFF); the root's total stands for it",
			name, line);
		return 0;
	}
	if (!what.len)
		return 0;
	p->truncated = 1;
	error("%s:%zu: the plan is cut short here: %s; what could be read is "
	      "reported",
	      name, line, what.buf);
	strbuf_release(&what);
	return -1;
}

/* The pick-th auto_explain plan of a csvlog or jsonlog, and how many
 * there are. */
struct log_plans {
	struct strbuf text;
	double ms;
	uint64_t lineno, more_line;
	size_t more, count, pick;
};

static int keep_first_plan(const struct pglog_stmt *st, void *data)
{
	struct log_plans *lp = data;

	if (st->kind != PGLOG_PLAN)
		return 0;
	if (++lp->count != lp->pick) {
		if (!lp->more++)
			lp->more_line = st->lineno;
		return 0;
	}
	strbuf_addstr(&lp->text, st->sql);
	lp->ms = st->ms;
	lp->lineno = st->lineno;
	return 0;
}

/* Whether the line at s (up to its newline) holds needle. */
static int strstr_line(const char *s, const char *needle)
{
	const char *nl = strchr(s, '\n');
	size_t l = nl ? (size_t)(nl - s) : strlen(s);

	return memmem(s, l, needle, strlen(needle)) != NULL;
}

/* Whether data is a csvlog ("2026-12-02 10:00:00.123 UTC,...") or a
 * jsonlog ({"timestamp":...,"error_severity":...}) file. */
static int is_csv_or_json_log(const char *data, size_t len)
{
	const char *nl = memchr(data, '\n', len);
	size_t l = nl ? (size_t)(nl - data) : len;

	if (l > 2 && data[0] == '{' &&
	    memmem(data, l, "\"error_severity\"", 16))
		return 1;
	const char *comma = memchr(data, ',', MIN(l, 40));
	const char *c;

	if (!(l > 24 && isdigit((unsigned char)data[0]) && data[4] == '-' &&
	      data[7] == '-' && data[10] == ' ' && data[13] == ':' && comma))
		return 0;
	/* csvlog's first field is the timestamp alone ("... UTC,"), where a
	 * stderr prefix goes on ("... UTC [123] LOG:"). */
	for (c = data; c < comma; c++)
		if (!(isdigit((unsigned char)*c) ||
		      isupper((unsigned char)*c) || strchr(" -:.+", *c)))
			return 0;
	return 1;
}

/*
 * A plan in a csvlog or jsonlog: auto_explain's message holds it, in text
 * or JSON; the first is read (with its duration as the execution time),
 * the others counted.  Returns 1 when data was such a log.
 */
static int parse_log_plan(struct plan_list *l, const char *data, size_t len,
			  const char *name, size_t pick, int *ret)
{
	struct log_plans lp = {.text = STRBUF_INIT, .pick = pick ? pick : 1};
	struct pglog_counts c;
	int fd;

	if (!is_csv_or_json_log(data, len))
		return 0;
	/* The log reader streams from a file descriptor; the plan is in
	 * memory (it may have come on stdin). */
	fd = memfd_create("perfops-plan-log", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return 0;
		}
		off += (size_t)w;
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return 0;
	}
	/* pglog_read_plans_fd() closes fd. */
	if (pglog_read_plans_fd(fd, name, keep_first_plan, &lp, &c) < 0 ||
	    !lp.lineno) {
		*ret =
		    lp.lineno ? -1
		    : lp.count
			? error("%s: the log holds %zu auto_explain plan%s: "
				"--plan %zu is past them",
				name, lp.count, lp.count == 1 ? "" : "s", pick)
			: error("%s: a PostgreSQL log without an "
				"auto_explain plan (set "
				"auto_explain.log_min_duration)",
				name);
		strbuf_release(&lp.text);
		return 1;
	}
	/* A text plan comes after its "Query Text: ..." lines. */
	{
		const char *t = lp.text.buf;

		if (!strncmp(t, "Query Text: ", 12))
			while (*t && strncmp(t, "Plan:", 5) &&
			       !strstr_line(t, "(cost=") &&
			       !strstr_line(t, "(actual ") &&
			       !strstr_line(t, "(never executed)")) {
				const char *nl = strchr(t, '\n');

				t = nl ? nl + 1 : t + strlen(t);
			}
		*ret = plan_parse_text(l, t, strlen(t), name, 0, 1);
	}
	for (size_t i = 0; i < l->n; i++) {
		struct plan *p = &l->v[i];

		p->from_log = 1;
		p->first_line = lp.lineno;
		if (p->n && !p->has_execution) {
			p->execution_ms = lp.ms;
			p->has_execution = 1;
		}
	}
	l->total = lp.count;
	if (lp.more && lp.pick == 1)
		warning("%s:%llu: %zu more auto_explain plan%s in the log from "
			"here; only the first (line %llu) is read: --plan N "
			"reads the N-th",
			name, (unsigned long long)lp.more_line, lp.more,
			lp.more == 1 ? "" : "s", (unsigned long long)lp.lineno);
	strbuf_release(&lp.text);
	return 1;
}

struct plan *plan_list_add(struct plan_list *l)
{
	ALLOC_GROW(l->v, l->n + 1, l->alloc);
	plan_init(&l->v[l->n]);
	return &l->v[l->n++];
}

void plan_list_release(struct plan_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		plan_release(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int plan_parse_list(struct plan_list *l, const char *data, size_t len,
		    const char *name, size_t pick)
{
	size_t i;
	int ret;

	/* The text reader cleans the paste first (a JSON plan may come in
	 * a psql frame too) and hands JSON over to the JSON reader. */
	if (!parse_log_plan(l, data, len, name, pick, &ret))
		ret = plan_parse_text(l, data, len, name, pick, 0);
	if (l->total) {
		/* A log's: picked as it was read. */
		for (i = 0; i < l->n; i++) {
			l->v[i].index = pick ? pick : 1;
			l->v[i].of = l->total;
		}
		return ret;
	}
	l->total = l->n;
	for (i = 0; i < l->n; i++) {
		l->v[i].index = i + 1;
		l->v[i].of = l->n;
	}
	if (!pick || !l->n)
		return ret;
	if (pick > l->n) {
		error("%s holds %zu plan%s: --plan %zu is past them", name,
		      l->n, l->n == 1 ? "" : "s", pick);
		for (i = 0; i < l->n; i++)
			plan_release(&l->v[i]);
		l->n = 0;
		return -1;
	}
	/* Only the plan picked is kept, and only its problems count. */
	for (i = 0; i < l->n; i++)
		if (i != pick - 1)
			plan_release(&l->v[i]);
	l->v[0] = l->v[pick - 1];
	l->n = 1;
	return l->v[0].bad ? -1 : 0;
}

int plan_parse(struct plan *p, const char *data, size_t len, const char *name)
{
	struct plan_list l = {0};
	size_t i;
	int ret = plan_parse_list(&l, data, len, name, 0);

	plan_init(p);
	if (l.n) {
		*p = l.v[0];
		plan_init(&l.v[0]);
	}
	for (i = 0; i < l.n; i++)
		plan_release(&l.v[i]);
	free(l.v);
	return ret;
}
