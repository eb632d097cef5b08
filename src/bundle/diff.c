#include "core/compat.h"
#include "bundle/bundle.h"
#include "core/error.h"
#include "core/utf8.h"
#include <ctype.h>
#include <jansson.h>

/*
 * `perfops bundle diff OLD NEW`: what grew and shrank between two builds,
 * by asset, package and source.  Each side is a build (analyzed here) or
 * the --json report of one.  Assets are matched by their path below the
 * side's own argument (dist-old/main.js and dist/main.js are both
 * "main.js"), or, when their names differ only in a content hash
 * (main.3f2a1c.js and main.9b8e77.js), paired across the rename; packages
 * by their install path, sources by path.
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

/* A content hash: 6 or more base64url characters (hex and base32 are
 * subsets) with a digit or a capital letter, which a word in a file name
 * ("header", "vendor") has not. */
static int hash_like(const char *s, size_t n)
{
	size_t i;
	int mark = 0;

	if (n < 6)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (isdigit(c) || isupper(c))
			mark = 1;
		else if (!islower(c) && c != '_' && c != '-')
			return 0;
	}
	return mark;
}

/* A '-' may be inside a base64url hash or separate a name from it: of the
 * '-'-separated pieces of a[start..end), each that differs from b's must
 * have a digit, a capital or a '_' (index-GSI4QWDU and other-UND2NG2W are
 * two names, not two hashes). */
static int no_word_changed(const char *a, const char *b, size_t start,
			   size_t end)
{
	size_t p = start, q, k;

	while (p < end) {
		int mark = 0;

		for (q = p; q < end && a[q] != '-'; q++)
			;
		if (memcmp(a + p, b + p, q - p)) {
			for (k = p; k < q; k++)
				if (isdigit((unsigned char)a[k]) ||
				    isupper((unsigned char)a[k]) || a[k] == '_')
					mark = 1;
			if (!mark)
				return 0;
		}
		p = q + 1;
	}
	return 1;
}

int bundle_names_differ_by_hash(const char *a, const char *b)
{
	size_t n = strlen(a), i, j, start, end;

	/* One bundler's hashes have one length. */
	if (n != strlen(b) || !strcmp(a, b))
		return 0;
	for (i = 0; a[i] == b[i]; i++)
		;
	for (j = n; a[j - 1] == b[j - 1]; j--)
		;
	/* Out to the whole segment: back to a '.', '/' or '-' before it
	 * (past a '-' inside a base64url hash while it is short), on to the
	 * next '.' or '/'. */
	for (end = j; end < n && a[end] != '.' && a[end] != '/'; end++)
		;
	for (start = i; start > 0 && a[start - 1] != '.' && a[start - 1] != '/';
	     start--)
		if (a[start - 1] == '-' && end - start >= 6)
			break;
	return hash_like(a + start, end - start) &&
	       hash_like(b + start, end - start) &&
	       no_word_changed(a, b, start, end) &&
	       no_word_changed(b, a, start, end);
}

struct side_keys {
	char **v; /* per asset: its key in the asset rows */
	int *paired;
	size_t npaired;
};

/* How much of old's and new's sources the two assets share, in bytes. */
static uint64_t shared_bytes(const struct bundle_asset *o,
			     const struct bundle_asset *n)
{
	uint64_t s = 0;
	size_t k;

	for (k = 0; k < o->ent.len; k++) {
		const struct bundle_entry *e = &o->ent.v[k];
		uint32_t id;

		if (e->path[0] == '[')
			continue;
		id = intern_find(&n->names, e->path, strlen(e->path));
		if (id != INTERN_NONE)
			s += MIN(e->bytes, n->ent.v[id].bytes);
	}
	return s;
}

struct cand {
	size_t o, n;
	uint64_t score;
};

static int cand_desc(const void *x, const void *y)
{
	const struct cand *a = x, *b = y;

	if (a->score != b->score)
		return a->score < b->score ? 1 : -1;
	return a->o != b->o ? (a->o < b->o ? -1 : 1)
			    : (a->n < b->n ? -1 : (a->n > b->n));
}

/*
 * The asset keys of both sides: the path below the side's base, and for
 * an old and a new asset found only on their own side whose names differ
 * only in a content hash, "OLD -> NEW" on both.  Several candidates (chunk-
 * HASH.js) pair by the source bytes they share, most first; a pair that
 * shares none is taken only when neither has another candidate.
 */
static void pair_assets(const struct bundle *old, const char *old_arg,
			const struct bundle *new, const char *new_arg,
			struct side_keys *ok, struct side_keys *nk)
{
	size_t ob = side_base(old, old_arg), nb = side_base(new, new_arg);
	size_t i, j, *ocount, *ncount;
	struct intern okeys, nkeys;
	struct {
		struct cand *v;
		size_t len, alloc;
	} c = VEC_INIT;

	intern_init(&okeys);
	intern_init(&nkeys);
	ok->v = xcalloc(old->assets.len + 1, sizeof(char *));
	nk->v = xcalloc(new->assets.len + 1, sizeof(char *));
	ok->paired = xcalloc(old->assets.len + 1, sizeof(int));
	nk->paired = xcalloc(new->assets.len + 1, sizeof(int));
	ok->npaired = nk->npaired = 0;
	for (i = 0; i < old->assets.len; i++) {
		ok->v[i] = xstrdup(old->assets.v[i].path + ob);
		intern_add(&okeys, ok->v[i], strlen(ok->v[i]), NULL);
	}
	for (i = 0; i < new->assets.len; i++) {
		nk->v[i] = xstrdup(new->assets.v[i].path + nb);
		intern_add(&nkeys, nk->v[i], strlen(nk->v[i]), NULL);
	}
	ocount = xcalloc(old->assets.len + 1, sizeof(size_t));
	ncount = xcalloc(new->assets.len + 1, sizeof(size_t));
	for (i = 0; i < old->assets.len; i++) {
		if (intern_find(&nkeys, ok->v[i], strlen(ok->v[i])) !=
		    INTERN_NONE)
			continue;
		for (j = 0; j < new->assets.len; j++) {
			struct cand x = {i, j, 0};

			if (intern_find(&okeys, nk->v[j], strlen(nk->v[j])) !=
				INTERN_NONE ||
			    !bundle_names_differ_by_hash(ok->v[i], nk->v[j]))
				continue;
			x.score =
			    shared_bytes(&old->assets.v[i], &new->assets.v[j]);
			VEC_PUSH(&c, x);
			ocount[i]++;
			ncount[j]++;
		}
	}
	if (c.len) /* qsort(NULL, 0, ...) is undefined */
		qsort(c.v, c.len, sizeof(*c.v), cand_desc);
	for (i = 0; i < c.len; i++) {
		const struct cand *x = &c.v[i];
		struct strbuf key = STRBUF_INIT;

		if (ok->paired[x->o] || nk->paired[x->n] ||
		    (!x->score && (ocount[x->o] > 1 || ncount[x->n] > 1)))
			continue;
		strbuf_addf(&key, "%s -> %s", ok->v[x->o], nk->v[x->n]);
		free(ok->v[x->o]);
		free(nk->v[x->n]);
		ok->v[x->o] = xstrdup(key.buf);
		nk->v[x->n] = strbuf_detach(&key, NULL);
		ok->paired[x->o] = nk->paired[x->n] = 1;
		ok->npaired++;
		nk->npaired++;
	}
	VEC_RELEASE(&c);
	free(ocount);
	free(ncount);
	intern_release(&okeys);
	intern_release(&nkeys);
}

static void release_keys(struct side_keys *k, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(k->v[i]);
	free(k->v);
	free(k->paired);
}

static void collect(struct rows *assets, struct rows *pkgs, struct rows *srcs,
		    const struct bundle *b, const struct side_keys *keys,
		    int side)
{
	size_t i, j;

	for (i = 0; i < b->assets.len; i++) {
		const struct bundle_asset *a = &b->assets.v[i];
		struct row *r = row(assets, keys->v[i]);

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

	if (r->len) /* qsort(NULL, 0, ...) is undefined */
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
			  const struct side_keys *keys, int side)
{
	size_t i;

	for (i = 0; i < b->assets.len; i++)
		if (!b->assets.v[i].has_brotli)
			return 0;
	for (i = 0; i < b->assets.len; i++) {
		const struct bundle_asset *a = &b->assets.v[i];
		struct row *x = row(r, keys->v[i]);

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
	struct side_keys ok, nk;

	intern_init(&assets.keys);
	intern_init(&pkgs.keys);
	intern_init(&srcs.keys);
	intern_init(&br.keys);
	pair_assets(old, old_arg, new, new_arg, &ok, &nk);
	collect(&assets, &pkgs, &srcs, old, &ok, 0);
	collect(&assets, &pkgs, &srcs, new, &nk, 1);
	if (markdown)
		fprintf(fp, "## Bundle size: `%s` → `%s` (bytes)\n", old_arg,
			new_arg);
	else
		fprintf(fp, "%s -> %s (bytes)\n", old_arg, new_arg);
	print_table(fp, "Assets", &assets, 50, markdown);
	if (ok.npaired)
		fprintf(fp,
			markdown
			    ? "\n*%zu asset%s paired across a content-hash "
			      "rename (`OLD -> NEW`: the names differ "
			      "only in the hash).*\n"
			    : "  (%zu asset%s paired across a content-hash "
			      "rename, OLD -> NEW: the names differ only "
			      "in the hash)\n",
			ok.npaired, ok.npaired == 1 ? "" : "s");
	if (collect_brotli(&br, old, &ok, 0) &&
	    collect_brotli(&br, new, &nk, 1))
		print_table(fp, "Assets, brotli -11 (what is downloaded)", &br,
			    50, markdown);
	print_table(fp, "Packages", &pkgs, 30, markdown);
	print_table(fp, "Sources", &srcs, 30, markdown);
	release_rows(&assets);
	release_rows(&pkgs);
	release_rows(&srcs);
	release_rows(&br);
	release_keys(&ok, old->assets.len);
	release_keys(&nk, new->assets.len);
}
