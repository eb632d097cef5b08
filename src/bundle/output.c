#include "core/compat.h"
#include "bundle/bundle.h"
#include "bundle/budget.h"
#include "core/json.h"
#include "core/utf8.h"

/* Seconds to download bytes at kbit kilobits per second (bundlephobia's
 * slow 3G: 400, 4G: 7000). */
static double download_s(uint64_t bytes, double kbit)
{
	return bytes * 8.0 / (kbit * 1000.0);
}

/* What goes over the wire: brotli when computed, else gzip, else raw. */
static uint64_t wire_bytes(const struct bundle *b, const struct bundle_asset *a)
{
	if (b->sizes & BUNDLE_BROTLI)
		return a->brotli;
	if (b->sizes & BUNDLE_GZIP)
		return a->gzip;
	return a->bytes;
}

/* Shares of compressed sizes need each source's own bytes: only a source
 * map gives them. */
static int has_estimates(const struct bundle_asset *a)
{
	return a->code && !strcmp(a->from, "source map");
}

static int all_estimates(const struct bundle *b)
{
	size_t i;

	for (i = 0; i < b->assets.len; i++)
		if (!has_estimates(&b->assets.v[i]))
			return 0;
	return 1;
}

/* An asset's bytes by origin: its own code, third-party code (a package
 * under node_modules, or a source the map's ignoreList names) and the
 * special keys ([unmapped], ...). */
struct origin_split {
	uint64_t own, third, special;
};

static struct origin_split split_origin(const struct bundle_asset *a)
{
	struct origin_split o = {0, 0, 0};
	size_t i;

	for (i = 0; i < a->ent.len; i++) {
		const struct bundle_entry *e = &a->ent.v[i];

		if (e->ignored || e->pkg >= 0)
			o.third += e->bytes;
		else if (e->path[0] == '[')
			o.special += e->bytes;
		else
			o.own += e->bytes;
	}
	return o;
}

static const struct bundle_asset *sort_a;

static int ent_desc(const void *x, const void *y)
{
	const struct bundle_entry *a = &sort_a->ent.v[*(const size_t *)x],
				  *b = &sort_a->ent.v[*(const size_t *)y];

	if (a->bytes != b->bytes)
		return a->bytes < b->bytes ? 1 : -1;
	return strcmp(a->path, b->path);
}

/* a's entries by bytes, largest first (caller frees). */
static size_t *sorted_entries(const struct bundle_asset *a)
{
	size_t *ix = xmalloc((a->ent.len + 1) * sizeof(*ix)), i;

	for (i = 0; i < a->ent.len; i++)
		ix[i] = i;
	sort_a = a;
	qsort(ix, a->ent.len, sizeof(*ix), ent_desc);
	return ix;
}

static const struct bundle *sort_b;

static int pkg_desc(const void *x, const void *y)
{
	const struct bundle_pkg *a = &sort_b->pkgs.v[*(const size_t *)x],
				*b = &sort_b->pkgs.v[*(const size_t *)y];

	if (a->bytes != b->bytes)
		return a->bytes < b->bytes ? 1 : -1;
	return strcmp(a->root, b->root);
}

static size_t *sorted_pkgs(const struct bundle *b)
{
	size_t *ix = xmalloc((b->pkgs.len + 1) * sizeof(*ix)), i;

	for (i = 0; i < b->pkgs.len; i++)
		ix[i] = i;
	sort_b = b;
	qsort(ix, b->pkgs.len, sizeof(*ix), pkg_desc);
	return ix;
}

/* The width of a name column: at least min, or the longest of the names
 * as printed (in bytes, as put() pads them) so that the columns after it
 * stay aligned. */
static int name_width(int min, const char *const *names, size_t n)
{
	size_t i;
	int w = min;

	for (i = 0; i < n; i++) {
		struct strbuf sb = STRBUF_INIT;

		utf8_add_printable(&sb, names[i], strlen(names[i]));
		if ((int)sb.len > w)
			w = (int)sb.len;
		strbuf_release(&sb);
	}
	return w;
}

static void put(FILE *fp, const char *s, int width)
{
	struct strbuf sb = STRBUF_INIT;

	utf8_add_printable(&sb, s, strlen(s));
	fprintf(fp, "%-*s", width, sb.buf);
	strbuf_release(&sb);
}

static void size_cols(FILE *fp, const struct bundle *b, uint64_t raw, double gz,
		      double br, int est)
{
	char buf[40];

	fprintf(fp, " %10llu", (unsigned long long)raw);
	if (b->sizes & BUNDLE_GZIP) {
		if (est == 2)
			snprintf(buf, sizeof(buf), "-");
		else
			snprintf(buf, sizeof(buf), "%s%.0f", est ? "~" : "",
				 gz);
		fprintf(fp, " %10s", buf);
	}
	if (b->sizes & BUNDLE_BROTLI) {
		if (est == 2)
			snprintf(buf, sizeof(buf), "-");
		else
			snprintf(buf, sizeof(buf), "%s%.0f", est ? "~" : "",
				 br);
		fprintf(fp, " %10s", buf);
	}
}

static void size_head(FILE *fp, const struct bundle *b, const char *first,
		      int width)
{
	fprintf(fp, "%-*s %10s", width, first, "BYTES");
	if (b->sizes & BUNDLE_GZIP)
		fprintf(fp, " %10s", "GZIP");
	if (b->sizes & BUNDLE_BROTLI)
		fprintf(fp, " %10s", "BROTLI");
}

/* PREFIX name@version: entry > ... > module, one line. */
static void put_why(FILE *fp, const struct bundle_pkg *p, const char *prefix)
{
	const char *c = p->why;

	fprintf(fp, "%s%s@%s: ", prefix, p->name,
		*p->version ? p->version : "?");
	for (;;) {
		const char *nl = strchr(c, '\n');
		size_t n = nl ? (size_t)(nl - c) : strlen(c);

		utf8_fput_printable(fp, c, n);
		if (!nl)
			break;
		fputs(" > ", fp);
		c = nl + 1;
	}
	fputc('\n', fp);
}

/* The directory of a source path ("." for none). */
static size_t dir_len(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? (size_t)(slash - path) : 0;
}

struct dir_total {
	const char *name;
	uint64_t bytes;
};

static int dir_desc(const void *x, const void *y)
{
	const struct dir_total *a = x, *b = y;

	if (a->bytes != b->bytes)
		return a->bytes < b->bytes ? 1 : -1;
	return strcmp(a->name, b->name);
}

#define TOP_DIRS 10

/* Bytes by source directory over every asset, largest first. */
static void write_dirs_text(const struct bundle *b, FILE *fp)
{
	struct intern dirs;
	struct {
		struct dir_total *v;
		size_t len, alloc;
	} t = VEC_INIT;
	const char *names[TOP_DIRS] = {0};
	size_t i, j;
	int width;

	intern_init(&dirs);
	for (i = 0; i < b->assets.len; i++) {
		const struct bundle_asset *a = &b->assets.v[i];

		for (j = 0; j < a->ent.len; j++) {
			const struct bundle_entry *e = &a->ent.v[j];
			size_t n = dir_len(e->path);
			int added;
			uint32_t id;

			if (e->path[0] == '[')
				continue;
			id = intern_add(&dirs, n ? e->path : ".", n ? n : 1,
					&added);
			if (added) {
				struct dir_total d = {NULL, 0};

				VEC_PUSH(&t, d);
			}
			t.v[id].bytes += e->bytes;
		}
	}
	for (i = 0; i < t.len; i++)
		t.v[i].name = dirs.keys[i].s;
	if (t.len) /* qsort(NULL, 0, ...) is undefined */
		qsort(t.v, t.len, sizeof(*t.v), dir_desc);
	for (i = 0; i < t.len && i < TOP_DIRS; i++)
		names[i] = t.v[i].name;
	width = name_width(52, names, i);
	if (t.len)
		fprintf(fp, "\n%-*s %10s\n", width + 2, "DIRECTORY", "BYTES");
	for (i = 0; i < t.len && i < TOP_DIRS; i++) {
		fputs("  ", fp);
		put(fp, t.v[i].name, width);
		fprintf(fp, " %10llu\n", (unsigned long long)t.v[i].bytes);
	}
	if (t.len > TOP_DIRS)
		fprintf(fp, "  ... %zu more (--json lists them per asset)\n",
			t.len - TOP_DIRS);
	VEC_RELEASE(&t);
	intern_release(&dirs);
}

#define TOP_SOURCES 15

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * part / whole : 0;
}

/* One line: own code against third-party code, and which sources the
 * map's ignoreList names. */
static void write_origin_text(const struct bundle_asset *a, FILE *fp)
{
	struct origin_split o = split_origin(a);
	uint64_t ign = 0;
	size_t i, n = 0;

	if (!a->ent.len)
		return;
	for (i = 0; i < a->ent.len; i++)
		if (a->ent.v[i].ignored) {
			ign += a->ent.v[i].bytes;
			n++;
		}
	fprintf(fp,
		"  own code %llu bytes (%.1f%%), third-party %llu bytes "
		"(%.1f%%), not from a source %llu bytes (%.1f%%)\n",
		(unsigned long long)o.own, pct(o.own, a->bytes),
		(unsigned long long)o.third, pct(o.third, a->bytes),
		(unsigned long long)o.special, pct(o.special, a->bytes));
	if (n)
		fprintf(fp,
			"  the map's ignoreList names %zu source%s of %llu "
			"bytes as third-party (counted above)\n",
			n, n == 1 ? "" : "s", (unsigned long long)ign);
}

void bundle_write_text(const struct bundle *b, FILE *fp)
{
	size_t i, j, *ix;
	const char *names[TOP_SOURCES] = {0};
	int width;

	{
		const char **paths =
		    xmalloc((b->assets.len + 1) * sizeof(*paths));

		for (i = 0; i < b->assets.len; i++)
			paths[i] = b->assets.v[i].path;
		width = name_width(40, paths, b->assets.len);
		free(paths);
	}
	size_head(fp, b, "ASSET", width);
	fprintf(fp, " %9s %8s\n", "SLOW-3G", "4G");
	for (i = 0; i < b->assets.len; i++) {
		const struct bundle_asset *a = &b->assets.v[i];
		uint64_t w = wire_bytes(b, a);

		put(fp, a->path, width);
		size_cols(fp, b, a->bytes, a->gzip, a->brotli, 0);
		fprintf(fp, " %8.2fs %7.2fs\n", download_s(w, 400),
			download_s(w, 7000));
	}
	for (i = 0; i < b->assets.len; i++) {
		const struct bundle_asset *a = &b->assets.v[i];

		fprintf(fp, "\n%s: sources%s\n", a->path,
			b->sizes ? " (~ compressed sizes are estimated)" : "");
		ix = sorted_entries(a);
		for (j = 0; j < a->ent.len && j < TOP_SOURCES; j++)
			names[j] = a->ent.v[ix[j]].path;
		width = name_width(52, names, j);
		for (j = 0; j < a->ent.len && j < TOP_SOURCES; j++) {
			const struct bundle_entry *e = &a->ent.v[ix[j]];

			fputs("  ", fp);
			put(fp, e->path, width);
			size_cols(fp, b, e->bytes, e->gzip, e->brotli,
				  has_estimates(a) ? 1 : 2);
			fprintf(fp, " %5.1f%%%s\n", pct(e->bytes, a->bytes),
				e->ignored ? "  (ignoreList)" : "");
		}
		if (a->ent.len > TOP_SOURCES)
			fprintf(fp, "  ... %zu more (--json lists them all)\n",
				a->ent.len - TOP_SOURCES);
		free(ix);
		write_origin_text(a, fp);
	}
	write_dirs_text(b, fp);
	if (b->pkgs.len) {
		fputc('\n', fp);
		size_head(fp, b, "PACKAGE", 42);
		fputs("  PATH\n", fp);
		ix = sorted_pkgs(b);
		for (i = 0; i < b->pkgs.len; i++) {
			const struct bundle_pkg *p = &b->pkgs.v[ix[i]];
			struct strbuf sb = STRBUF_INIT;

			if (p->ignored)
				strbuf_addstr(&sb, p->name);
			else
				strbuf_addf(&sb, "%s@%s", p->name,
					    *p->version ? p->version : "?");
			put(fp, sb.buf, 42);
			size_cols(fp, b, p->bytes, p->gzip, p->brotli,
				  all_estimates(b) ? 1 : 2);
			fputs("  ", fp);
			if (p->ignored)
				fputs("(sources in a map's ignoreList)", fp);
			else
				utf8_fput_printable(fp, p->root,
						    strlen(p->root));
			fputc('\n', fp);
			strbuf_release(&sb);
		}
		free(ix);
	}
	if (b->graph.mods.len) {
		fputs("\nWhy included (the shortest import chain from an "
		      "entry):\n",
		      fp);
		ix = sorted_pkgs(b);
		for (i = 0; i < b->pkgs.len; i++)
			if (b->pkgs.v[ix[i]].why)
				put_why(fp, &b->pkgs.v[ix[i]], "  ");
		free(ix);
	}
	if (b->dups.len) {
		fputs("\nDuplicates (saving = all copies - the largest):\n",
		      fp);
		for (i = 0; i < b->dups.len; i++) {
			const struct bundle_dup *d = &b->dups.v[i];

			fputs("  ", fp);
			put(fp, d->name, 30);
			fprintf(fp, " saving %llu bytes:",
				(unsigned long long)d->saving);
			for (j = 0; j < d->pkgs.len; j++) {
				const struct bundle_pkg *p =
				    &b->pkgs.v[d->pkgs.v[j]];

				fprintf(fp, " %s (%llu at ",
					*p->version ? p->version : "?",
					(unsigned long long)p->bytes);
				utf8_fput_printable(fp, p->root,
						    strlen(p->root));
				fputc(')', fp);
			}
			fputc('\n', fp);
			for (j = 0; j < d->pkgs.len; j++) {
				const struct bundle_pkg *p =
				    &b->pkgs.v[d->pkgs.v[j]];
				if (p->why)
					put_why(fp, p, "    why ");
			}
		}
	}
	if (b->findings.len) {
		fputs("\nFindings:\n", fp);
		for (i = 0; i < b->findings.len; i++) {
			const struct bundle_finding *f = &b->findings.v[i];

			fprintf(fp, "  [%s] ", bundle_finding_name(f->kind));
			utf8_fput_printable(fp, f->message, strlen(f->message));
			fputc('\n', fp);
		}
	}
}

static void json_size(struct json_writer *w, const struct bundle *b,
		      unsigned which, double v)
{
	if (which && (b->sizes & which))
		json_uint(w, (uint64_t)(v + 0.5));
	else
		json_null(w);
}

/* own_bytes, third_party_bytes, and "ignored": the sources the map's
 * ignoreList names, in the order of ix. */
static void write_origin_json(struct json_writer *w,
			      const struct bundle_asset *a, const size_t *ix)
{
	struct origin_split o = split_origin(a);
	size_t j;

	json_kv_uint(w, "own_bytes", o.own);
	json_kv_uint(w, "third_party_bytes", o.third);
	json_key(w, "ignored");
	json_begin_array(w);
	for (j = 0; j < a->ent.len; j++)
		if (a->ent.v[ix[j]].ignored)
			json_string(w, a->ent.v[ix[j]].path);
	json_end_array(w);
}

static void write_asset_json(struct json_writer *w, const struct bundle *b,
			     const struct bundle_asset *a)
{
	size_t j, *ix = sorted_entries(a);
	struct intern dirs;
	VEC(uint64_t) dbytes = VEC_INIT;
	uint64_t wb = wire_bytes(b, a);

	json_begin_object(w);
	json_kv_string(w, "path", a->path);
	json_key(w, "map");
	if (a->map_path)
		json_string(w, a->map_path);
	else
		json_null(w);
	json_kv_uint(w, "bytes", a->bytes);
	json_kv_string(w, "from", a->from);
	json_key(w, "gzip");
	json_size(w, b, a->code ? BUNDLE_GZIP : 0, a->gzip);
	json_key(w, "brotli");
	json_size(w, b, a->code ? BUNDLE_BROTLI : 0, a->brotli);
	json_key(w, "download_seconds");
	json_begin_object(w);
	json_kv_double(w, "slow_3g", download_s(wb, 400));
	json_kv_double(w, "4g", download_s(wb, 7000));
	json_end_object(w);
	json_key(w, "sources");
	json_begin_object(w);
	for (j = 0; j < a->ent.len; j++) {
		json_key(w, a->ent.v[ix[j]].path);
		json_uint(w, a->ent.v[ix[j]].bytes);
	}
	json_end_object(w);
	write_origin_json(w, a, ix);
	if (b->sizes && has_estimates(a)) {
		json_key(w, "sources_estimated");
		json_begin_object(w);
		for (j = 0; j < a->ent.len; j++) {
			const struct bundle_entry *e = &a->ent.v[ix[j]];

			json_key(w, e->path);
			json_begin_object(w);
			if (b->sizes & BUNDLE_GZIP) {
				json_kv_uint(w, "gzip",
					     (uint64_t)(e->gzip + 0.5));
			}
			if (b->sizes & BUNDLE_BROTLI) {
				json_kv_uint(w, "brotli",
					     (uint64_t)(e->brotli + 0.5));
			}
			json_end_object(w);
		}
		json_end_object(w);
	}
	intern_init(&dirs);
	for (j = 0; j < a->ent.len; j++) {
		const struct bundle_entry *e = &a->ent.v[ix[j]];
		size_t n =
		    e->path[0] == '[' ? strlen(e->path) : dir_len(e->path);
		int added;
		uint32_t id =
		    intern_add(&dirs, n ? e->path : ".", n ? n : 1, &added);

		if (added)
			VEC_PUSH(&dbytes, 0);
		dbytes.v[id] += e->bytes;
	}
	json_key(w, "directories");
	json_begin_object(w);
	for (j = 0; j < dbytes.len; j++) {
		json_key(w, dirs.keys[j].s);
		json_uint(w, dbytes.v[j]);
	}
	json_end_object(w);
	intern_release(&dirs);
	VEC_RELEASE(&dbytes);
	json_end_object(w);
	free(ix);
}

/* A chain stored as lines, as a JSON array. */
static void write_chain(struct json_writer *w, const char *why)
{
	json_begin_array(w);
	while (*why) {
		const char *nl = strchr(why, '\n');
		size_t n = nl ? (size_t)(nl - why) : strlen(why);

		json_stringn(w, why, n);
		why += n + (nl ? 1 : 0);
	}
	json_end_array(w);
}

void bundle_write_findings_json(const struct bundle *b, struct json_writer *w)
{
	size_t i, j;

	json_key(w, "findings");
	json_begin_array(w);
	for (i = 0; i < b->findings.len; i++) {
		const struct bundle_finding *f = &b->findings.v[i];

		json_begin_object(w);
		json_kv_string(w, "kind", bundle_finding_name(f->kind));
		json_kv_string(w, "message", f->message);
		json_kv_uint(w, "bytes", f->bytes);
		if (f->kind == FIND_UNUSED_CSS) {
			json_key(w, "rules");
			json_begin_array(w);
			for (j = 0; j < f->rules.len; j++) {
				json_begin_object(w);
				json_kv_string(w, "selector",
					       f->rules.v[j].selector);
				json_kv_uint(w, "offset", f->rules.v[j].offset);
				json_kv_uint(w, "bytes", f->rules.v[j].bytes);
				json_end_object(w);
			}
			json_end_array(w);
		}
		json_end_object(w);
	}
	json_end_array(w);
}

void bundle_write_json(const struct bundle *b, const struct budgets *bs,
		       FILE *fp)
{
	struct json_writer w;
	size_t i, j, *ix;

	json_init(&w, fp, 1);
	json_begin_object(&w);
	json_key(&w, "assets");
	json_begin_array(&w);
	for (i = 0; i < b->assets.len; i++)
		write_asset_json(&w, b, &b->assets.v[i]);
	json_end_array(&w);
	json_key(&w, "packages");
	json_begin_array(&w);
	ix = sorted_pkgs(b);
	for (i = 0; i < b->pkgs.len; i++) {
		const struct bundle_pkg *p = &b->pkgs.v[ix[i]];

		json_begin_object(&w);
		json_kv_string(&w, "name", p->name);
		json_kv_string(&w, "version", p->version);
		json_kv_string(&w, "path", p->root);
		json_kv_uint(&w, "bytes", p->bytes);
		json_key(&w, "gzip_estimated");
		json_size(&w, b, all_estimates(b) ? BUNDLE_GZIP : 0, p->gzip);
		json_key(&w, "brotli_estimated");
		json_size(&w, b, all_estimates(b) ? BUNDLE_BROTLI : 0,
			  p->brotli);
		if (p->why) {
			json_key(&w, "why");
			write_chain(&w, p->why);
		}
		json_end_object(&w);
	}
	free(ix);
	json_end_array(&w);
	json_key(&w, "duplicates");
	json_begin_array(&w);
	for (i = 0; i < b->dups.len; i++) {
		const struct bundle_dup *d = &b->dups.v[i];

		json_begin_object(&w);
		json_kv_string(&w, "name", d->name);
		json_key(&w, "versions");
		json_begin_array(&w);
		for (j = 0; j < d->pkgs.len; j++)
			json_string(&w, b->pkgs.v[d->pkgs.v[j]].version);
		json_end_array(&w);
		json_key(&w, "paths");
		json_begin_array(&w);
		for (j = 0; j < d->pkgs.len; j++)
			json_string(&w, b->pkgs.v[d->pkgs.v[j]].root);
		json_end_array(&w);
		json_key(&w, "why");
		json_begin_array(&w);
		for (j = 0; j < d->pkgs.len; j++) {
			const char *why = b->pkgs.v[d->pkgs.v[j]].why;

			if (why)
				write_chain(&w, why);
			else
				json_null(&w);
		}
		json_end_array(&w);
		json_kv_uint(&w, "saving", d->saving);
		json_end_object(&w);
	}
	json_end_array(&w);
	bundle_write_findings_json(b, &w);
	if (bs && bs->len) {
		json_key(&w, "budgets");
		budgets_write_json(bs, &w);
	}
	json_end_object(&w);
	fputc('\n', fp);
}

void budgets_write_json(const struct budgets *bs, struct json_writer *w)
{
	size_t i;

	json_begin_array(w);
	for (i = 0; i < bs->len; i++) {
		const struct budget *bd = &bs->v[i];

		json_begin_object(w);
		json_kv_string(w, "name", bd->name);
		json_kv_string(w, "from", bd->origin);
		json_kv_string(w, "size", budget_size_names[bd->size]);
		if (bd->no_limit) {
			json_key(w, "limit");
			json_null(w);
		} else {
			json_kv_uint(w, "limit", bd->limit);
		}
		json_kv_uint(w, "actual", bd->actual);
		json_kv_bool(w, "over", bd->matched && bd->actual > bd->limit);
		if (bd->nignore)
			json_kv_uint(w, "ignored", bd->ignored);
		json_end_object(w);
	}
	json_end_array(w);
}
