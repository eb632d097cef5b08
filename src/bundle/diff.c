#include "core/compat.h"
#include "bundle/bundle.h"
#include "core/error.h"
#include "core/utf8.h"
#include <jansson.h>

/*
 * `perfops bundle diff OLD NEW`: what grew and shrank between two builds,
 * by asset, package and source.  Each side is a build (analyzed here) or
 * the --json report of one.  Assets are matched by their path below the
 * side's own argument (dist-old/main.js and dist/main.js are both
 * "main.js"), packages by their install path, sources by path.
 */

int bundle_load_json(struct bundle *b, const char *path)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr), *a, *p;
	size_t i;

	if (!root)
		return error("%s: %s (line %d)", path, jerr.text, jerr.line);
	if (!json_is_array(json_object_get(root, "assets"))) {
		json_decref(root);
		return error(
		    "'%s' is not a report of perfops bundle --json (no "
		    "\"assets\")",
		    path);
	}
	json_array_foreach(json_object_get(root, "assets"), i, a)
	{
		const char *ap = json_string_value(json_object_get(a, "path"));
		struct bundle_asset *as;
		const char *k;
		json_t *v;

		if (!ap)
			continue;
		as = bundle_new_asset(b, ap);
		as->from = "perfops report";
		as->bytes =
		    (uint64_t)json_integer_value(json_object_get(a, "bytes"));
		as->gzip =
		    (uint64_t)json_integer_value(json_object_get(a, "gzip"));
		as->brotli =
		    (uint64_t)json_integer_value(json_object_get(a, "brotli"));
		as->has_brotli = json_is_integer(json_object_get(a, "brotli"));
		json_object_foreach(json_object_get(a, "sources"), k, v)
		    bundle_entry(as, k)
			->bytes += (uint64_t)json_integer_value(v);
	}
	json_array_foreach(json_object_get(root, "packages"), i, p)
	{
		struct bundle_pkg pk = {0};
		const char *n = json_string_value(json_object_get(p, "name"));
		const char *r = json_string_value(json_object_get(p, "path"));
		const char *v =
		    json_string_value(json_object_get(p, "version"));

		if (!n || !r)
			continue;
		pk.name = xstrdup(n);
		pk.root = xstrdup(r);
		pk.version = xstrdup(v ? v : "");
		pk.bytes =
		    (uint64_t)json_integer_value(json_object_get(p, "bytes"));
		VEC_PUSH(&b->pkgs, pk);
	}
	json_decref(root);
	return 0;
}

struct row {
	const char *key;
	const char *old_label, *new_label; /* versions for packages */
	int64_t old, new;
	int in_old, in_new;
};

struct rows {
	struct row *v;
	size_t len, alloc;
	struct intern keys;
};

static struct row *row(struct rows *r, const char *key)
{
	int added;
	uint32_t id = intern_add(&r->keys, key, strlen(key), &added);

	if (added) {
		struct row x = {0};

		x.key = r->keys.keys[id].s;
		VEC_PUSH(r, x);
	}
	return &r->v[id];
}

static int delta_desc(const void *x, const void *y)
{
	const struct row *a = x, *b = y;
	int64_t da = llabs(a->new - a->old), db = llabs(b->new - b->old);

	if (da != db)
		return da < db ? 1 : -1;
	return strcmp(a->key, b->key);
}

/*
 * The directory a side's asset paths are taken below: its argument when
 * every asset lies under it (a build directory), else the assets' common
 * directory (a --json report, or one asset).  Returns its length with the
 * '/'.
 */
static size_t side_base(const struct bundle *b, const char *arg)
{
	size_t i, n = strlen(arg), common = 0;
	int all = n > 0;

	for (i = 0; i < b->assets.len; i++) {
		const char *p = b->assets.v[i].path;

		if (strncmp(p, arg, n) || p[n] != '/')
			all = 0;
	}
	if (all)
		return n + 1;
	for (i = 0; i < b->assets.len; i++) {
		const char *p = b->assets.v[i].path, *slash = strrchr(p, '/');
		size_t d = slash ? (size_t)(slash - p) + 1 : 0, k;

		if (!i) {
			common = d;
			continue;
		}
		for (k = 0;
		     k < common && k < d && p[k] == b->assets.v[0].path[k]; k++)
			;
		while (k > 0 && b->assets.v[0].path[k - 1] != '/')
			k--;
		common = k;
	}
	return common;
}

static void collect(struct rows *assets, struct rows *pkgs, struct rows *srcs,
		    const struct bundle *b, const char *arg, int side)
{
	size_t i, j, base = side_base(b, arg);

	for (i = 0; i < b->assets.len; i++) {
		const struct bundle_asset *a = &b->assets.v[i];
		const char *k = a->path + base;
		struct row *r = row(assets, k);

		*(side ? &r->new : &r->old) += (int64_t)a->bytes;
		*(side ? &r->in_new : &r->in_old) = 1;
		for (j = 0; j < a->ent.len; j++) {
			struct row *s = row(srcs, a->ent.v[j].path);

			*(side ? &s->new : &s->old) +=
			    (int64_t)a->ent.v[j].bytes;
			*(side ? &s->in_new : &s->in_old) = 1;
		}
	}
	for (i = 0; i < b->pkgs.len; i++) {
		const struct bundle_pkg *p = &b->pkgs.v[i];
		struct strbuf key = STRBUF_INIT;
		struct row *r;

		/* The [ignored] group has no install path. */
		if (!strcmp(p->name, p->root))
			strbuf_addstr(&key, p->name);
		else
			strbuf_addf(&key, "%s (%s)", p->name, p->root);
		r = row(pkgs, key.buf);
		*(side ? &r->new : &r->old) += (int64_t)p->bytes;
		*(side ? &r->in_new : &r->in_old) = 1;
		*(side ? &r->new_label : &r->old_label) = p->version;
		strbuf_release(&key);
	}
}

static void print_table(FILE *fp, const char *title, struct rows *r, size_t top,
			int md)
{
	size_t i, shown = 0, changed = 0;
	int64_t told = 0, tnew = 0;

	qsort(r->v, r->len, sizeof(*r->v), delta_desc);
	for (i = 0; i < r->len; i++) {
		told += r->v[i].old;
		tnew += r->v[i].new;
		changed += r->v[i].old != r->v[i].new ||
			   r->v[i].in_old != r->v[i].in_new;
	}
	if (md)
		fprintf(fp,
			"\n### %s\n\n| | old | new | change "
			"|\n|---|---:|---:|---:|\n",
			title);
	else
		fprintf(fp, "\n%s:\n  %-56s %10s %10s %10s\n", title, "", "OLD",
			"NEW", "CHANGE");
	for (i = 0; i < r->len && shown < top; i++) {
		const struct row *x = &r->v[i];
		struct strbuf name = STRBUF_INIT;
		char pct[32] = "";

		if (x->old == x->new && x->in_old == x->in_new)
			continue;
		shown++;
		if (x->old)
			snprintf(pct, sizeof(pct), " (%+.1f%%)",
				 100.0 * (x->new - x->old) / x->old);
		utf8_add_printable(&name, x->key, strlen(x->key));
		if (x->old_label && x->new_label &&
		    strcmp(x->old_label, x->new_label))
			strbuf_addf(&name, " %s -> %s", x->old_label,
				    x->new_label);
		if (!md && !x->in_old)
			strbuf_addstr(&name, " (added)");
		if (!md && !x->in_new)
			strbuf_addstr(&name, " (removed)");
		if (md) {
			/* A pipe in a name would end the cell. */
			char *c;

			for (c = name.buf; *c; c++)
				if (*c == '|')
					*c = '/';
			fprintf(fp, "| `%s`%s | %lld | %lld | %+lld%s |\n",
				name.buf,
				!x->in_old   ? " *(added)*"
				: !x->in_new ? " *(removed)*"
					     : "",
				(long long)x->old, (long long)x->new,
				(long long)(x->new - x->old), pct);
		} else {
			fprintf(fp, "  %-56s %10lld %10lld %+10lld%s\n",
				name.buf, (long long)x->old, (long long)x->new,
				(long long)(x->new - x->old), pct);
		}
		strbuf_release(&name);
	}
	if (changed > shown)
		fprintf(fp,
			md ? "| ... %zu more | | | |\n"
			   : "  ... %zu more changed\n",
			changed - shown);
	if (md)
		fprintf(fp, "| **total** | %lld | %lld | %+lld |\n",
			(long long)told, (long long)tnew,
			(long long)(tnew - told));
	else
		fprintf(fp, "  %-56s %10lld %10lld %+10lld\n", "total",
			(long long)told, (long long)tnew,
			(long long)(tnew - told));
}

/* The assets' brotli sizes, when every asset of both sides has one. */
static int collect_brotli(struct rows *r, const struct bundle *b,
			  const char *arg, int side)
{
	size_t i, base = side_base(b, arg);

	for (i = 0; i < b->assets.len; i++)
		if (!b->assets.v[i].has_brotli)
			return 0;
	for (i = 0; i < b->assets.len; i++) {
		const struct bundle_asset *a = &b->assets.v[i];
		struct row *x = row(r, a->path + base);

		*(side ? &x->new : &x->old) += (int64_t)a->brotli;
		*(side ? &x->in_new : &x->in_old) = 1;
	}
	return 1;
}

static void release_rows(struct rows *r)
{
	VEC_RELEASE(r);
	intern_release(&r->keys);
}

void bundle_write_diff(const struct bundle *old, const char *old_arg,
		       const struct bundle *new, const char *new_arg,
		       int markdown, FILE *fp)
{
	struct rows assets = {0}, pkgs = {0}, srcs = {0}, br = {0};

	intern_init(&assets.keys);
	intern_init(&pkgs.keys);
	intern_init(&srcs.keys);
	intern_init(&br.keys);
	collect(&assets, &pkgs, &srcs, old, old_arg, 0);
	collect(&assets, &pkgs, &srcs, new, new_arg, 1);
	if (markdown)
		fprintf(fp, "## Bundle size: `%s` → `%s` (bytes)\n", old_arg,
			new_arg);
	else
		fprintf(fp, "%s -> %s (bytes)\n", old_arg, new_arg);
	print_table(fp, "Assets", &assets, 50, markdown);
	if (collect_brotli(&br, old, old_arg, 0) &&
	    collect_brotli(&br, new, new_arg, 1))
		print_table(fp, "Assets, brotli -11 (what is downloaded)", &br,
			    50, markdown);
	print_table(fp, "Packages", &pkgs, 30, markdown);
	print_table(fp, "Sources", &srcs, 30, markdown);
	release_rows(&assets);
	release_rows(&pkgs);
	release_rows(&srcs);
	release_rows(&br);
}
