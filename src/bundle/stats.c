#include "core/compat.h"
#include "bundle/graph.h"
#include "core/error.h"
#include "core/strbuf.h"
#include <fcntl.h>
#include <yajl/yajl_parse.h>

/*
 * webpack's stats.json read as a stream of tokens: a stack of frames says
 * where each token is (the root or a child compilation, its modules or a
 * chunk's, one module, its reasons, or something skipped), so memory holds
 * one module at a time whatever the size of the file (modules' "source"
 * strings, which make stats files huge, are skipped as they pass).
 */
enum frame {
	F_ROOT,	   /* a compilation: the root or one of "children" */
	F_LIST,	   /* an array of compilations ("children") */
	F_MODS,	   /* "modules": an array of modules */
	F_MOD,	   /* one module */
	F_REASONS, /* its "reasons" */
	F_REASON,
	F_CHUNKS, /* "chunks": an array of chunks, which may hold modules */
	F_CHUNK,
	F_MODCHUNKS, /* a module's "chunks": the ids of those it is in */
	F_SKIP,
};

#define MAX_FRAMES 64
#define MAX_MOD_DEPTH 8

struct mod_rec {
	struct strbuf name;
	double size;
	int has_size, entry, has_inner;
	/* webpack 5's "orphan": true, or "chunks": [] at the top level: the
	 * module was built but is in no output (tree-shaken away whole, or
	 * counted inside a concatenated module's "modules"). */
	int orphan, has_chunks, nchunks;
	struct strbuf importers; /* NUL-separated moduleName values */
	struct strbuf reason_name, reason_type;
};

struct stats_ctx {
	struct bundle_graph *g;
	enum frame stack[MAX_FRAMES];
	int depth;	/* frames in use */
	int skip_depth; /* containers opened inside a skipped value */
	char key[32];	/* the pending key of the top map, cut */
	struct mod_rec mods[MAX_MOD_DEPTH];
	int mod_depth;
	uint64_t nmodules;
};

static enum frame top(struct stats_ctx *c)
{
	return c->stack[c->depth - 1];
}

/* "./src/index.js + 5 modules": webpack's concatenated module, named for
 * its root module. */
static size_t base_len(const char *s, size_t n)
{
	const char *plus = memmem(s, n, " + ", 3);

	if (plus && n > 8 && !memcmp(s + n - 8, " modules", 8))
		return plus - s;
	if (plus && n > 7 && !memcmp(s + n - 7, " module", 7))
		return plus - s;
	return n;
}

static void commit_module(struct stats_ctx *c, struct mod_rec *m)
{
	struct bundle_graph *g = c->g;
	uint32_t id;
	const char *p, *end;

	if (!m->name.len)
		return;
	id = graph_module(g, m->name.buf, base_len(m->name.buf, m->name.len));
	if (m->entry)
		g->mods.v[id].entry = 1;
	/* A concatenated module's size is its inner modules'; a module in
	 * no output has none to count. */
	if (m->has_size && !m->orphan &&
	    !(c->mod_depth == 1 && m->has_chunks && !m->nchunks) &&
	    !(m->has_inner &&
	      base_len(m->name.buf, m->name.len) < m->name.len)) {
		struct graph_module *gm = &g->mods.v[id];

		if (!gm->has_size || (uint64_t)m->size > gm->size)
			gm->size = (uint64_t)m->size;
		gm->has_size = 1;
	}
	p = m->importers.buf;
	end = p + m->importers.len;
	while (p < end) {
		size_t n = strlen(p);
		uint32_t from = graph_module(g, p, base_len(p, n));

		graph_edge(g, from, id);
		p += n + 1;
	}
	c->nmodules++;
}

static void reset_rec(struct mod_rec *m)
{
	strbuf_reset(&m->name);
	strbuf_reset(&m->importers);
	strbuf_reset(&m->reason_name);
	strbuf_reset(&m->reason_type);
	m->size = 0;
	m->has_size = m->entry = m->has_inner = 0;
	m->orphan = m->has_chunks = m->nchunks = 0;
}

static struct mod_rec *cur(struct stats_ctx *c)
{
	return &c->mods[c->mod_depth - 1];
}

static int push(struct stats_ctx *c, enum frame f)
{
	if (c->skip_depth || c->depth == MAX_FRAMES) {
		c->skip_depth++;
		return 1;
	}
	c->stack[c->depth++] = f;
	return 1;
}

/* The frame a container opens, from where it is and the key before it. */
static enum frame child_frame(struct stats_ctx *c, int is_map)
{
	enum frame t = top(c);
	const char *k = c->key;

	switch (t) {
	case F_ROOT:
		if (!is_map && !strcmp(k, "modules"))
			return F_MODS;
		if (!is_map && !strcmp(k, "children"))
			return F_LIST;
		if (!is_map && !strcmp(k, "chunks"))
			return F_CHUNKS;
		return F_SKIP;
	case F_LIST:
		return is_map ? F_ROOT : F_SKIP;
	case F_MODS:
		return is_map && c->mod_depth < MAX_MOD_DEPTH ? F_MOD : F_SKIP;
	case F_MOD:
		if (!is_map && !strcmp(k, "reasons"))
			return F_REASONS;
		if (!is_map && !strcmp(k, "modules")) {
			cur(c)->has_inner = 1;
			return F_MODS;
		}
		if (!is_map && !strcmp(k, "chunks")) {
			cur(c)->has_chunks = 1;
			return F_MODCHUNKS;
		}
		return F_SKIP;
	case F_REASONS:
		return is_map ? F_REASON : F_SKIP;
	case F_CHUNKS:
		return is_map ? F_CHUNK : F_SKIP;
	case F_CHUNK:
		return !is_map && !strcmp(k, "modules") ? F_MODS : F_SKIP;
	default:
		return F_SKIP;
	}
}

static int open_container(struct stats_ctx *c, int is_map)
{
	enum frame f;

	if (c->skip_depth)
		return push(c, F_SKIP);
	if (!c->depth)
		return push(c, is_map ? F_ROOT : F_SKIP);
	f = child_frame(c, is_map);
	if (f == F_MOD)
		reset_rec(&c->mods[c->mod_depth++]);
	c->key[0] = '\0';
	return push(c, f);
}

static int close_container(void *ctx)
{
	struct stats_ctx *c = ctx;
	enum frame f;

	if (c->skip_depth) {
		c->skip_depth--;
		return 1;
	}
	f = c->stack[--c->depth];
	if (f == F_MOD) {
		commit_module(c, cur(c));
		c->mod_depth--;
	} else if (f == F_REASON) {
		struct mod_rec *m = cur(c);

		if (!strcmp(m->reason_type.buf, "entry"))
			m->entry = 1;
		else if (m->reason_name.len)
			strbuf_add(&m->importers, m->reason_name.buf,
				   m->reason_name.len + 1);
		strbuf_reset(&m->reason_name);
		strbuf_reset(&m->reason_type);
	}
	c->key[0] = '\0';
	return 1;
}

static int on_start_map(void *ctx)
{
	return open_container(ctx, 1);
}

static int on_start_array(void *ctx)
{
	return open_container(ctx, 0);
}

static int on_key(void *ctx, const unsigned char *k, size_t n)
{
	struct stats_ctx *c = ctx;

	if (c->skip_depth)
		return 1;
	n = MIN(n, sizeof(c->key) - 1);
	memcpy(c->key, k, n);
	c->key[n] = '\0';
	return 1;
}

static int on_string(void *ctx, const unsigned char *s, size_t n)
{
	struct stats_ctx *c = ctx;

	if (c->skip_depth || !c->depth)
		return 1;
	if (top(c) == F_MODCHUNKS) {
		cur(c)->nchunks++;
	} else if (top(c) == F_MOD && !strcmp(c->key, "name")) {
		strbuf_reset(&cur(c)->name);
		strbuf_add(&cur(c)->name, s, n);
	} else if (top(c) == F_REASON && !strcmp(c->key, "moduleName")) {
		strbuf_reset(&cur(c)->reason_name);
		/* A NUL inside would cut the name: keep what comes before. */
		strbuf_add(&cur(c)->reason_name, s,
			   strnlen((const char *)s, n));
	} else if (top(c) == F_REASON && !strcmp(c->key, "type")) {
		strbuf_reset(&cur(c)->reason_type);
		strbuf_add(&cur(c)->reason_type, s, n);
	}
	return 1;
}

static int on_number(void *ctx, const char *s, size_t n)
{
	struct stats_ctx *c = ctx;

	if (!c->skip_depth && c->depth && top(c) == F_MODCHUNKS)
		cur(c)->nchunks++;
	if (!c->skip_depth && c->depth && top(c) == F_MOD &&
	    !strcmp(c->key, "size")) {
		char buf[64];
		double v;

		n = MIN(n, sizeof(buf) - 1);
		memcpy(buf, s, n);
		buf[n] = '\0';
		v = strtod(buf, NULL);
		if (v >= 0 && v < 1e18) {
			cur(c)->size = v;
			cur(c)->has_size = 1;
		}
	}
	return 1;
}

static int on_scalar(void *ctx)
{
	(void)ctx;
	return 1;
}

static int on_bool(void *ctx, int b)
{
	struct stats_ctx *c = ctx;

	if (!c->skip_depth && c->depth && top(c) == F_MOD &&
	    !strcmp(c->key, "orphan"))
		cur(c)->orphan = b;
	return 1;
}

static const yajl_callbacks callbacks = {
    .yajl_null = on_scalar,
    .yajl_boolean = on_bool,
    .yajl_number = on_number,
    .yajl_string = on_string,
    .yajl_start_map = on_start_map,
    .yajl_map_key = on_key,
    .yajl_end_map = close_container,
    .yajl_start_array = on_start_array,
    .yajl_end_array = close_container,
};

struct stats_parser {
	struct stats_ctx c;
	yajl_handle h;
	uint64_t offset;
};

static void parser_init(struct stats_parser *p, struct bundle_graph *g)
{
	int i;

	memset(p, 0, sizeof(*p));
	p->c.g = g;
	for (i = 0; i < MAX_MOD_DEPTH; i++) {
		strbuf_init(&p->c.mods[i].name, 0);
		strbuf_init(&p->c.mods[i].importers, 0);
		strbuf_init(&p->c.mods[i].reason_name, 0);
		strbuf_init(&p->c.mods[i].reason_type, 0);
	}
	p->h = yajl_alloc(&callbacks, NULL, &p->c);
	g->source = "webpack stats";
}

static void parser_release(struct stats_parser *p)
{
	int i;

	for (i = 0; i < MAX_MOD_DEPTH; i++) {
		strbuf_release(&p->c.mods[i].name);
		strbuf_release(&p->c.mods[i].importers);
		strbuf_release(&p->c.mods[i].reason_name);
		strbuf_release(&p->c.mods[i].reason_type);
	}
	yajl_free(p->h);
}

/* Feed a chunk, or finish when len == 0; reports errors. */
static int parser_feed(struct stats_parser *p, const char *buf, size_t len,
		       const char *name)
{
	yajl_status st = len ? yajl_parse(p->h, (const unsigned char *)buf, len)
			     : yajl_complete_parse(p->h);

	if (st != yajl_status_ok) {
		size_t at = len ? yajl_get_bytes_consumed(p->h) : 0;
		unsigned char *msg = yajl_get_error(p->h, 0, NULL, 0);

		error("%s: %s JSON at byte %llu: %s (read %llu modules before "
		      "it)",
		      name, len ? "invalid" : "truncated",
		      (unsigned long long)(p->offset + at), (const char *)msg,
		      (unsigned long long)p->c.nmodules);
		yajl_free_error(p->h, msg);
		return -1;
	}
	p->offset += len;
	return 0;
}

int graph_parse_webpack_stats(struct bundle_graph *g, const char *data,
			      size_t len, const char *name)
{
	struct stats_parser p;
	int ret;

	parser_init(&p, g);
	ret = parser_feed(&p, data, len, name);
	if (!ret)
		ret = parser_feed(&p, NULL, 0, name);
	parser_release(&p);
	return ret;
}

int graph_read_webpack_stats(struct bundle_graph *g, const char *path)
{
	struct stats_parser p;
	char *buf = xmalloc(1 << 20);
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = 0;

	if (fd < 0) {
		free(buf);
		return error_errno("cannot open '%s'", path);
	}
	parser_init(&p, g);
	for (;;) {
		ssize_t n = read(fd, buf, 1 << 20);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = error_errno("cannot read '%s'", path);
			break;
		}
		if (parser_feed(&p, buf, (size_t)n, path) < 0) {
			ret = -1;
			break;
		}
		if (!n)
			break;
	}
	if (!ret && !p.c.nmodules)
		ret = error("'%s' lists no modules: write the stats with "
			    "modules (webpack --json, or stats: {modules: "
			    "true, reasons: true})",
			    path);
	close(fd);
	parser_release(&p);
	free(buf);
	return ret;
}
