#include "core/compat.h"
#include "heap/trace.h"
#include "core/error.h"
#include "core/strbuf.h"

struct cursor {
	const unsigned char *p, *end;
	const char *name;
	size_t base; /* file offset of p at the start of the chunk */
	const unsigned char *chunk;
};

static int bad(const struct cursor *c, const char *what)
{
	return error("%s: malformed heap trace at byte %zu: %s", c->name,
		     c->base + (size_t)(c->p - c->chunk), what);
}

static int get_u(struct cursor *c, uint64_t *v)
{
	unsigned shift = 0;

	*v = 0;
	while (c->p < c->end) {
		unsigned char b = *c->p++;

		if (shift > 63 || (shift == 63 && (b & 0x7e)))
			return bad(c, "a number is too long");
		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return 0;
		shift += 7;
	}
	return bad(c, "a record is cut short");
}

static int get_s(struct cursor *c, int64_t *v)
{
	uint64_t u;

	if (get_u(c, &u) < 0)
		return -1;
	*v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
	return 0;
}

static int get_byte(struct cursor *c, unsigned *v)
{
	if (c->p >= c->end)
		return bad(c, "a record is cut short");
	*v = *c->p++;
	return 0;
}

static int get_bytes(struct cursor *c, const unsigned char **s, size_t *n)
{
	uint64_t len;

	if (get_u(c, &len) < 0)
		return -1;
	if (len > (uint64_t)(c->end - c->p))
		return bad(c, "a string runs past its chunk");
	*s = c->p;
	*n = (size_t)len;
	c->p += len;
	return 0;
}

static char *hex(const unsigned char *s, size_t n)
{
	char *out = xmalloc(n * 2 + 1);
	size_t i;

	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", s[i]);
	out[2 * n] = '\0';
	return out;
}

void heap_trace_init(struct heap_trace *t)
{
	memset(t, 0, sizeof(*t));
}

static void stream_free(struct heap_stream *s)
{
	size_t i;

	free(s->exe);
	for (i = 0; i < s->maps.len; i++) {
		free(s->maps.v[i].path);
		free(s->maps.v[i].build_id);
	}
	VEC_RELEASE(&s->events);
	VEC_RELEASE(&s->maps);
	VEC_RELEASE(&s->rss);
	VEC_RELEASE(&s->frames);
	VEC_RELEASE(&s->stack_off);
	VEC_RELEASE(&s->stack_n);
	free(s);
}

void heap_trace_release(struct heap_trace *t)
{
	size_t i;

	for (i = 0; i < t->nstreams; i++)
		stream_free(t->streams[i]);
	free(t->streams);
	memset(t, 0, sizeof(*t));
}

static struct heap_stream *stream_get(struct heap_trace *t, uint32_t pid,
				      uint64_t id)
{
	struct heap_stream *s;
	size_t i;

	for (i = t->nstreams; i-- > 0;)
		if (t->streams[i]->pid == (int)pid && t->streams[i]->id == id)
			return t->streams[i];
	s = xcalloc(1, sizeof(*s));
	s->pid = (int)pid;
	s->id = id;
	s->ppid = -1;
	s->exe = xstrdup("?");
	ALLOC_GROW(t->streams, t->nstreams + 1, t->streams_alloc);
	t->streams[t->nstreams++] = s;
	return s;
}

/* The library numbers stacks by slot of its table (1 << 20 slots). */
#define MAX_STACK_ID ((1u << 20) + 1)

static int rec_stack(struct cursor *c, struct heap_stream *s)
{
	uint64_t id, n, i;
	uint64_t prev = 0;

	if (get_u(c, &id) < 0 || get_u(c, &n) < 0)
		return -1;
	if (!id || id >= MAX_STACK_ID || n > HEAP_MAX_DEPTH)
		return bad(c, "a stack id or depth is out of range");
	if (s->stack_n.len <= id) {
		size_t n0 = s->stack_n.len;

		VEC_GROW(&s->stack_n, id + 1);
		VEC_GROW(&s->stack_off, id + 1);
		memset(s->stack_n.v + n0, 0, (id + 1 - n0) * sizeof(uint16_t));
		memset(s->stack_off.v + n0, 0,
		       (id + 1 - n0) * sizeof(uint32_t));
		s->stack_n.len = s->stack_off.len = id + 1;
	}
	s->stack_off.v[id] = (uint32_t)s->frames.len;
	for (i = 0; i < n; i++) {
		int64_t d;

		if (get_s(c, &d) < 0)
			return -1;
		prev += (uint64_t)d;
		VEC_PUSH(&s->frames, prev);
	}
	s->stack_n.v[id] = (uint16_t)n;
	return 0;
}

static int rec_map(struct cursor *c, struct heap_stream *s)
{
	struct heap_map m;
	const unsigned char *id = NULL, *path = NULL;
	size_t idlen = 0, plen = 0;

	if (get_u(c, &m.start) < 0 || get_u(c, &m.len) < 0 ||
	    get_u(c, &m.pgoff) < 0 || get_bytes(c, &id, &idlen) < 0 ||
	    get_bytes(c, &path, &plen) < 0)
		return -1;
	m.path = xstrndup((const char *)path, plen);
	m.build_id = hex(id, idlen);
	VEC_PUSH(&s->maps, m);
	return 0;
}

static int rec_process(struct cursor *c, struct heap_stream *s)
{
	uint64_t ppid, mode, interval, depth;
	const unsigned char *exe = NULL;
	size_t n = 0;

	if (get_u(c, &ppid) < 0 || get_u(c, &mode) < 0 ||
	    get_u(c, &interval) < 0 || get_u(c, &depth) < 0 ||
	    get_bytes(c, &exe, &n) < 0)
		return -1;
	if (mode > HEAP_MODE_SAMPLE || (mode == HEAP_MODE_SAMPLE && !interval))
		return bad(c, "unknown tracing mode");
	s->ppid = (int)ppid;
	s->mode = (int)mode;
	s->interval = interval;
	free(s->exe);
	s->exe = xstrndup((const char *)exe, n);
	return 0;
}

static int parse_chunk(struct cursor *c, struct heap_stream *s)
{
	uint64_t seq = 0, ptr = 0;

	while (c->p < c->end) {
		unsigned tag, kind = 0;
		struct heap_event e;
		uint64_t u, slack, stack, a, b;
		int64_t d;

		if (get_byte(c, &tag) < 0)
			return -1;
		switch (tag) {
		case HEAP_REC_ALLOC:
		case HEAP_REC_FREE:
			memset(&e, 0, sizeof(e));
			if (get_byte(c, &kind) < 0)
				return -1;
			if (kind >= HEAP_KIND_NR)
				return bad(c, "unknown allocation kind");
			if (get_s(c, &d) < 0)
				return -1;
			seq += (uint64_t)d;
			if (get_s(c, &d) < 0)
				return -1;
			ptr += (uint64_t)d;
			if (get_u(c, &u) < 0)
				return -1;
			e.seq = seq;
			e.ptr = ptr;
			e.size = u;
			e.kind = (uint8_t)kind;
			e.alloc = tag == HEAP_REC_ALLOC;
			if (e.alloc) {
				if (get_u(c, &slack) < 0 ||
				    get_u(c, &stack) < 0)
					return -1;
				if (stack >= MAX_STACK_ID)
					return bad(c, "a stack id is out of "
						      "range");
				e.slack = (uint32_t)MIN(slack, UINT32_MAX);
				e.stack = (uint32_t)stack;
			}
			VEC_PUSH(&s->events, e);
			break;
		case HEAP_REC_STACK:
			if (rec_stack(c, s) < 0)
				return -1;
			break;
		case HEAP_REC_MAP:
			if (rec_map(c, s) < 0)
				return -1;
			break;
		case HEAP_REC_PROCESS:
			if (rec_process(c, s) < 0)
				return -1;
			break;
		case HEAP_REC_RSS: {
			struct heap_rss r;

			if (get_u(c, &r.time_ns) < 0 || get_u(c, &r.seq) < 0 ||
			    get_u(c, &r.rss) < 0)
				return -1;
			VEC_PUSH(&s->rss, r);
			break;
		}
		case HEAP_REC_END:
			if (get_u(c, &a) < 0 || get_u(c, &b) < 0 ||
			    get_u(c, &u) < 0)
				return -1;
			if (b >= s->end_seq) {
				s->end_reason = (int)MIN(a, 255);
				s->end_seq = b;
				s->end_status = (int64_t)u;
			}
			break;
		default:
			c->p--;
			return bad(c, "unknown record");
		}
	}
	return 0;
}

/* A sorted run of events (one thread's chunks) in a k-way merge. */
struct run {
	size_t at, end;
};

static uint64_t run_seq(const struct heap_event *ev, const struct run *r)
{
	return ev[r->at].seq;
}

static void sift_down(const struct heap_event *ev, struct run *h, size_t n,
		      size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		struct run t;

		if (l < n && run_seq(ev, &h[l]) < run_seq(ev, &h[m]))
			m = l;
		if (l + 1 < n && run_seq(ev, &h[l + 1]) < run_seq(ev, &h[m]))
			m = l + 1;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/*
 * Order a stream's events by seq.  Each thread's events arrive in order,
 * so the array is a concatenation of sorted runs: one k-way merge (a heap
 * of runs) copies every event once, where a general sort would move them
 * log n times.
 */
static void sort_events(struct heap_stream *s)
{
	struct heap_event *ev = s->events.v, *out;
	struct run *h = NULL;
	size_t n = s->events.len, nruns = 0, alloc = 0, i, start = 0, k = 0;

	for (i = 1; i <= n; i++)
		if (i == n || ev[i].seq < ev[i - 1].seq) {
			ALLOC_GROW(h, nruns + 1, alloc);
			h[nruns].at = start;
			h[nruns++].end = i;
			start = i;
		}
	if (nruns <= 1) {
		free(h);
		return;
	}
	for (i = nruns / 2; i-- > 0;)
		sift_down(ev, h, nruns, i);
	out = xmalloc(st_mult(n, sizeof(*out)));
	while (nruns) {
		out[k++] = ev[h[0].at++];
		if (h[0].at == h[0].end)
			h[0] = h[--nruns];
		sift_down(ev, h, nruns, 0);
	}
	free(ev);
	free(h);
	s->events.v = out;
	s->events.alloc = n;
}

int heap_trace_parse(struct heap_trace *t, const char *name,
		     const unsigned char *data, size_t len)
{
	size_t off = 0, first = t->nstreams, i;
	struct heap_chunk_hdr h;
	struct cursor c;

	c.name = name;
	if (len < sizeof(h) || memcmp(data, "PFH1", 4)) {
		if (!len)
			return error("%s: empty heap trace (the program "
				     "never started, or nothing was traced)",
				     name);
		return error("%s: not a perfops heap trace (it does not "
			     "start with PFH1)",
			     name);
	}
	while (off < len) {
		if (len - off < sizeof(h)) {
			t->torn += len - off;
			break;
		}
		memcpy(&h, data + off, sizeof(h));
		if (h.magic != HEAP_CHUNK_MAGIC) {
			c.base = off;
			c.chunk = c.p = data + off;
			return bad(&c, "not a chunk header");
		}
		if (h.len > len - off - sizeof(h)) {
			t->torn += len - off;
			break;
		}
		c.base = off + sizeof(h);
		c.chunk = c.p = data + off + sizeof(h);
		c.end = c.p + h.len;
		if (parse_chunk(&c, stream_get(t, h.pid, h.stream)) < 0)
			return -1;
		off += sizeof(h) + h.len;
	}
	for (i = first; i < t->nstreams; i++)
		sort_events(t->streams[i]);
	return 0;
}

int heap_trace_read(struct heap_trace *t, const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	int ret;

	if (strbuf_read_file(&sb, path) < 0)
		return -1;
	ret = heap_trace_parse(t, path, (const unsigned char *)sb.buf, sb.len);
	strbuf_release(&sb);
	return ret;
}

const uint64_t *heap_stream_stack(const struct heap_stream *s, uint32_t id,
				  size_t *n)
{
	if (id >= s->stack_n.len || !s->stack_n.v[id]) {
		*n = 0;
		return NULL;
	}
	*n = s->stack_n.v[id];
	return s->frames.v + s->stack_off.v[id];
}
