#include "core/compat.h"
#include <sys/wait.h>
#include "heap/trace.h"
#include <sys/mman.h>
#include <zstd.h>
#include "core/error.h"
#include "core/strbuf.h"
#include "heap/aggregate.h"

/* A chunk being decoded: where, and its delta bases. */
struct cursor {
	const unsigned char *p, *end;
	const char *name;
	size_t base; /* file offset of p at the start of the chunk */
	const unsigned char *chunk;
	uint64_t seq, ptr;
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
	VEC_RELEASE(&s->chunks);
	VEC_RELEASE(&s->maps);
	VEC_RELEASE(&s->frames);
	VEC_RELEASE(&s->stack_off);
	VEC_RELEASE(&s->stack_n);
	heap_agg_free(s->agg);
	free(s);
}

void heap_trace_release(struct heap_trace *t)
{
	size_t i;

	for (i = 0; i < t->nstreams; i++)
		stream_free(t->streams[i]);
	free(t->streams);
	for (i = 0; i < t->nfiles; i++) {
		struct heap_trace_file *f = &t->files[i];

		if (f->mapped)
			munmap((void *)f->data, f->len);
		free(f->own);
		free(f->name);
	}
	free(t->files);
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

/*
 * The records other than events: kept in s by the first pass, only
 * stepped over (s NULL) by the second.
 */
static int rec_stack(struct cursor *c, struct heap_stream *s)
{
	uint64_t id, n, i;
	uint64_t prev = 0;

	if (get_u(c, &id) < 0 || get_u(c, &n) < 0)
		return -1;
	if (!id || id >= MAX_STACK_ID || n > HEAP_MAX_DEPTH)
		return bad(c, "a stack id or depth is out of range");
	if (!s) {
		int64_t d;

		for (i = 0; i < n; i++)
			if (get_s(c, &d) < 0)
				return -1;
		return 0;
	}
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
	if (!s)
		return 0;
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
	if (!s)
		return 0;
	s->ppid = (int)ppid;
	s->mode = (int)mode;
	s->interval = interval;
	free(s->exe);
	s->exe = xstrndup((const char *)exe, n);
	return 0;
}

static int rec_end(struct cursor *c, struct heap_stream *s)
{
	uint64_t reason, seq, status;

	if (get_u(c, &reason) < 0 || get_u(c, &seq) < 0 ||
	    get_u(c, &status) < 0)
		return -1;
	if (s && seq >= s->end_seq) {
		s->end_reason = (int)MIN(reason, 255);
		s->end_seq = seq;
		s->end_status = (int64_t)status;
	}
	return 0;
}

static int rec_event(struct cursor *c, unsigned tag, struct heap_event *e)
{
	unsigned kind = 0;
	uint64_t u, slack, stack;
	int64_t d;

	memset(e, 0, sizeof(*e));
	if (get_byte(c, &kind) < 0)
		return -1;
	if (kind >= HEAP_KIND_NR)
		return bad(c, "unknown allocation kind");
	if (get_s(c, &d) < 0)
		return -1;
	c->seq += (uint64_t)d;
	if (get_s(c, &d) < 0)
		return -1;
	c->ptr += (uint64_t)d;
	if (get_u(c, &u) < 0)
		return -1;
	e->seq = c->seq;
	e->ptr = c->ptr;
	e->size = u;
	e->kind = (uint8_t)kind;
	e->alloc = tag == HEAP_REC_ALLOC;
	if (e->alloc) {
		if (get_u(c, &slack) < 0 || get_u(c, &stack) < 0)
			return -1;
		if (stack >= MAX_STACK_ID)
			return bad(c, "a stack id is out of range");
		e->slack = (uint32_t)MIN(slack, UINT32_MAX);
		e->stack = (uint32_t)stack;
	}
	return 0;
}

/*
 * The next event or RSS sample of a chunk into *e (1), or 0 at its end.
 * The other records go to s (the first pass) or are stepped over (s
 * NULL, the second).
 */
static int next_record(struct cursor *c, struct heap_stream *s,
		       struct heap_event *e)
{
	while (c->p < c->end) {
		unsigned tag;
		int r;

		if (get_byte(c, &tag) < 0)
			return -1;
		switch (tag) {
		case HEAP_REC_ALLOC:
		case HEAP_REC_FREE:
			return rec_event(c, tag, e) < 0 ? -1 : 1;
		case HEAP_REC_RSS:
			memset(e, 0, sizeof(*e));
			if (get_u(c, &e->time_ns) < 0 ||
			    get_u(c, &e->seq) < 0 || get_u(c, &e->size) < 0)
				return -1;
			e->rss = 1;
			return 1;
		case HEAP_REC_STACK:
			r = rec_stack(c, s);
			break;
		case HEAP_REC_MAP:
			r = rec_map(c, s);
			break;
		case HEAP_REC_PROCESS:
			r = rec_process(c, s);
			break;
		case HEAP_REC_END:
			r = rec_end(c, s);
			break;
		default:
			c->p--;
			return bad(c, "unknown record");
		}
		if (r < 0)
			return -1;
	}
	return 0;
}

/* Events are ordered by seq; an RSS sample follows the event of its seq. */
static int key_lt(uint64_t seq_a, unsigned rss_a, uint64_t seq_b,
		  unsigned rss_b)
{
	return seq_a < seq_b || (seq_a == seq_b && rss_a < rss_b);
}

static int ev_lt(const struct heap_event *a, const struct heap_event *b)
{
	return key_lt(a->seq, a->rss, b->seq, b->rss);
}

static void cursor_start(struct cursor *c, const char *name,
			 const unsigned char *data, size_t off, size_t len)
{
	c->name = name;
	c->base = off;
	c->chunk = c->p = data;
	c->end = data + len;
	c->seq = c->ptr = 0;
}

/* Give back the pages of [p, p + n) of a file mapping: they are read. */
static void drop_pages(const unsigned char *p, size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	uintptr_t a = (uintptr_t)p & ~(uintptr_t)(pg - 1);
	uintptr_t b = ((uintptr_t)p + n + pg - 1) & ~(uintptr_t)(pg - 1);

	/* A page another chunk still reads is read again from the file. */
	madvise((void *)a, b - a, MADV_DONTNEED);
}

/*
 * The records of a chunk as stored: data itself, or (zstd) a buffer
 * decompressed into *own, which the caller frees.
 */
static const unsigned char *chunk_records(const struct heap_chunk_ref *ref,
					  const char *name, unsigned char **own)
{
	size_t n;

	*own = NULL;
	if (!ref->zstd)
		return ref->data;
	*own = xmalloc(ref->raw_len + 1);
	n = ZSTD_decompress(*own, ref->raw_len, ref->data, ref->len);
	if (ZSTD_isError(n) || n != ref->raw_len) {
		error(
		    "%s: malformed heap trace at byte %zu: a compressed chunk "
		    "does not decompress (%s)",
		    name, ref->off,
		    ZSTD_isError(n) ? ZSTD_getErrorName(n) : "wrong length");
		free(*own);
		*own = NULL;
		return NULL;
	}
	return *own;
}

/*
 * The first pass over a chunk that is decoded (a PFH1 chunk, or one with
 * records other than events): its records checked, its range indexed.
 */
static int index_chunk(struct heap_trace *t, struct heap_stream *s,
		       struct heap_chunk_ref *ref)
{
	const char *name = t->files[ref->file].name;
	struct heap_event e, prev;
	unsigned char *own;
	const unsigned char *rec = chunk_records(ref, name, &own);
	struct cursor c;
	uint64_t n = 0;
	int r;

	if (!rec)
		return -1;
	cursor_start(&c, name, rec, ref->off, ref->raw_len);
	ref->sorted = 1;
	ref->checked = 1;
	while ((r = next_record(&c, s, &e)) > 0) {
		if (!n ||
		    key_lt(e.seq, e.rss, ref->first_seq, ref->first_rss)) {
			ref->first_seq = e.seq;
			ref->first_rss = e.rss;
		}
		if (!n || key_lt(ref->last_seq, ref->last_rss, e.seq, e.rss)) {
			ref->last_seq = e.seq;
			ref->last_rss = e.rss;
		}
		if (n && ev_lt(&e, &prev))
			ref->sorted = 0;
		prev = e;
		n++;
	}
	free(own);
	if (r < 0)
		return -1;
	if (n)
		VEC_PUSH(&s->chunks, *ref);
	return 0;
}

/*
 * One chunk's header (PFH1 or PFH2) at data + off into *ref, its pid,
 * stream and flags out (a PFH1 chunk is decoded: HEAP_CHUNK_META).  0, or
 * 1 when the chunk is torn (cut by the end of the file), or -1 when it is
 * no chunk.
 */
static int chunk_header(const char *name, const unsigned char *data, size_t len,
			size_t off, struct heap_chunk_ref *ref, uint32_t *pid,
			uint64_t *stream, unsigned *flags)
{
	struct heap_chunk_hdr2 h;
	size_t hlen = sizeof(struct heap_chunk_hdr);
	uint32_t magic;

	if (len - off < hlen)
		return 1;
	memcpy(&magic, data + off, 4);
	if (magic == HEAP_CHUNK_MAGIC2)
		hlen = sizeof(h);
	else if (magic != HEAP_CHUNK_MAGIC)
		return error("%s: malformed heap trace at byte %zu: not a "
			     "chunk header",
			     name, off);
	if (len - off < hlen)
		return 1;
	memset(&h, 0, sizeof(h));
	memcpy(&h, data + off, hlen);
	if (h.len > len - off - hlen)
		return 1;
	if (magic == HEAP_CHUNK_MAGIC) {
		h.raw_len = h.len;
		h.flags = HEAP_CHUNK_META;
	} else if (h.raw_len > HEAP_CHUNK_MAX ||
		   (!(h.flags & HEAP_CHUNK_ZSTD) && h.raw_len != h.len)) {
		return error("%s: malformed heap trace at byte %zu: a chunk "
			     "length is out of range",
			     name, off);
	}
	memset(ref, 0, sizeof(*ref));
	ref->data = data + off + hlen;
	ref->len = h.len;
	ref->raw_len = h.raw_len;
	ref->off = off + hlen;
	ref->zstd = !!(h.flags & HEAP_CHUNK_ZSTD);
	ref->first_seq = h.first_seq;
	ref->last_seq = h.last_seq;
	ref->first_rss = !!(h.flags & HEAP_CHUNK_FIRST_RSS);
	ref->last_rss = !!(h.flags & HEAP_CHUNK_LAST_RSS);
	ref->sorted = !(h.flags & HEAP_CHUNK_UNSORTED);
	*pid = h.pid;
	*stream = h.stream;
	*flags = h.flags;
	return 0;
}

static int parse(struct heap_trace *t, const unsigned char *data, size_t len)
{
	const char *name = t->files[t->nfiles - 1].name;
	int mapped = t->files[t->nfiles - 1].mapped;
	size_t off = 0, dropped = 0;

	if (heap_agg_is(data, len))
		return heap_agg_parse(t, data, len);
	if (len < sizeof(struct heap_chunk_hdr) ||
	    (memcmp(data, "PFH1", 4) && memcmp(data, "PFH2", 4))) {
		if (!len)
			return error("%s: empty heap trace (the program "
				     "never started, or nothing was traced)",
				     name);
		return error("%s: not a perfops heap trace (it does not "
			     "start with PFH1, PFH2 or PFHA)",
			     name);
	}
	while (off < len) {
		struct heap_chunk_ref ref;
		struct heap_stream *s;
		uint32_t pid = 0;
		uint64_t stream = 0;
		unsigned flags = 0;
		int r = chunk_header(name, data, len, off, &ref, &pid, &stream,
				     &flags);

		if (r < 0)
			return -1;
		if (r) {
			t->torn += len - off;
			break;
		}
		ref.file = (uint32_t)(t->nfiles - 1);
		s = stream_get(t, pid, stream);
		/* A chunk of events only is indexed by its header. */
		if (flags & HEAP_CHUNK_META) {
			if (index_chunk(t, s, &ref) < 0)
				return -1;
		} else if (flags & HEAP_CHUNK_EVENTS) {
			VEC_PUSH(&s->chunks, ref);
		}
		off = ref.off + ref.len;
		/* What is indexed is read again chunk by chunk later. */
		if (mapped && off - dropped >= (4u << 20)) {
			drop_pages(data + dropped, off - dropped);
			dropped = off;
		}
	}
	if (mapped && off > dropped)
		drop_pages(data + dropped, off - dropped);
	return 0;
}

static struct heap_trace_file *add_file(struct heap_trace *t, const char *name)
{
	struct heap_trace_file *f;

	ALLOC_GROW(t->files, t->nfiles + 1, t->files_alloc);
	f = &t->files[t->nfiles++];
	memset(f, 0, sizeof(*f));
	f->name = xstrdup(name);
	return f;
}

int heap_trace_parse(struct heap_trace *t, const char *name,
		     const unsigned char *data, size_t len)
{
	struct heap_trace_file *f = add_file(t, name);

	f->data = data;
	f->len = len;
	return parse(t, data, len);
}

int heap_trace_read(struct heap_trace *t, const char *path)
{
	struct heap_trace_file *f;
	struct stat st;
	int stdin_ = !strcmp(path, "-");
	int fd = stdin_ ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	void *p;

	if (fd < 0)
		return error_errno("cannot open '%s'", path);
	f = add_file(t, path);
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd,
			 0);
		if (p != MAP_FAILED) {
			f->data = p;
			f->len = (size_t)st.st_size;
			f->mapped = 1;
			madvise(p, f->len, MADV_SEQUENTIAL);
		}
	}
	if (!f->mapped) {
		/* A pipe or an empty file: read it in. */
		struct strbuf sb = STRBUF_INIT;

		if (strbuf_read_fd(&sb, fd, path) < 0) {
			strbuf_release(&sb);
			if (!stdin_)
				close(fd);
			return -1;
		}
		f->len = sb.len;
		f->data = f->own = (unsigned char *)strbuf_detach(&sb, NULL);
	}
	if (!stdin_)
		close(fd);
	return parse(t, f->data, f->len);
}

void heap_trace_set_end(struct heap_trace *t, int pid, int status)
{
	size_t i;

	for (i = t->nstreams; i-- > 0;) {
		struct heap_stream *s = t->streams[i];

		if (s->pid != pid)
			continue;
		if (s->end_reason || s->agg)
			return;
		if (status == -1) {
			s->end_reason = HEAP_END_RUNNING;
		} else if (WIFSIGNALED(status)) {
			s->end_reason = HEAP_END_SIGNAL;
			s->end_status = WTERMSIG(status);
		} else if (WIFEXITED(status)) {
			s->end_reason = HEAP_END__EXIT;
			s->end_status = WEXITSTATUS(status);
		}
		return;
	}
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

/*
 * The second pass.  An open chunk is a cursor into the mapping; a chunk
 * whose records are out of order (a signal handler that allocates in the
 * middle of a realloc can do that) is decoded and sorted whole instead.
 */
struct ocur {
	struct cursor c;
	size_t chunk; /* index in the stream's chunks */
	const struct heap_chunk_ref *ref;
	struct heap_event e;   /* the next event */
	struct heap_event *ev; /* a sorted copy, or NULL */
	size_t at, n;
	unsigned char *raw; /* the decompressed records, or NULL */
	size_t held;	    /* bytes of raw and ev */
};

/* Chunks read to their end, whose pages were given back. */
struct done {
	VEC(size_t) v;
	size_t bytes;
};

struct heap_events {
	const struct heap_trace *t;
	const struct heap_stream *s;
	size_t *order; /* chunks by their first key */
	size_t next;   /* the next chunk of order to open */
	struct ocur *h;
	size_t nh, alloc;
	struct done done, old;
	size_t held; /* bytes the open chunks hold (decompressed, sorted) */
};

/*
 * What the open chunks may hold by default: a real trace has about one
 * open chunk per thread (256 KB decompressed), so this is a thousand
 * threads' worth and more; a damaged or hostile trace whose chunks all
 * claim the same range would otherwise be decompressed whole.
 */
#define HELD_MAX ((size_t)1 << 30)

static const struct heap_stream *sort_stream;

static int by_first(const void *x, const void *y)
{
	const struct heap_chunk_ref *a =
	    &sort_stream->chunks.v[*(const size_t *)x];
	const struct heap_chunk_ref *b =
	    &sort_stream->chunks.v[*(const size_t *)y];

	if (key_lt(a->first_seq, a->first_rss, b->first_seq, b->first_rss))
		return -1;
	if (key_lt(b->first_seq, b->first_rss, a->first_seq, a->first_rss))
		return 1;
	return *(const size_t *)x < *(const size_t *)y ? -1 : 1;
}

struct heap_events *heap_events_open(const struct heap_trace *t, size_t si)
{
	struct heap_events *it = xcalloc(1, sizeof(*it));
	const struct heap_stream *s = t->streams[si];
	size_t i;

	it->t = t;
	it->s = s;
	it->order = xmalloc(st_mult(s->chunks.len, sizeof(size_t)) + 1);
	for (i = 0; i < s->chunks.len; i++)
		it->order[i] = i;
	sort_stream = s;
	qsort(it->order, s->chunks.len, sizeof(size_t), by_first);
	return it;
}

void heap_events_close(struct heap_events *it)
{
	size_t i;

	if (!it)
		return;
	for (i = 0; i < it->nh; i++) {
		free(it->h[i].ev);
		free(it->h[i].raw);
	}
	VEC_RELEASE(&it->done.v);
	VEC_RELEASE(&it->old.v);
	free(it->h);
	free(it->order);
	free(it);
}

static int ocur_lt(const struct ocur *a, const struct ocur *b)
{
	if (ev_lt(&a->e, &b->e))
		return 1;
	if (ev_lt(&b->e, &a->e))
		return 0;
	return a->chunk < b->chunk;
}

static void sift_down(struct ocur *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		struct ocur t;

		if (l < n && ocur_lt(&h[l], &h[m]))
			m = l;
		if (l + 1 < n && ocur_lt(&h[l + 1], &h[m]))
			m = l + 1;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static void sift_up(struct ocur *h, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		struct ocur t;

		if (!ocur_lt(&h[i], &h[p]))
			return;
		t = h[i];
		h[i] = h[p];
		h[p] = t;
		i = p;
	}
}

/* The cursor's next event into o->e: 1, or 0 when the chunk is done. */
/*
 * Whether an event of a chunk indexed by its header alone lies in the
 * range the header gave (after prev, when it said the chunk is sorted):
 * else the merge would be out of order.
 */
static int in_range(struct ocur *o, const struct heap_event *e,
		    const struct heap_event *prev)
{
	const struct heap_chunk_ref *ref = o->ref;

	if (ref->checked)
		return 0;
	if (key_lt(e->seq, e->rss, ref->first_seq, ref->first_rss) ||
	    key_lt(ref->last_seq, ref->last_rss, e->seq, e->rss) ||
	    (prev && ev_lt(e, prev)))
		return bad(&o->c, "an event lies outside its chunk's range");
	return 0;
}

static int ocur_advance(struct ocur *o, int first)
{
	struct heap_event prev = o->e;
	int r;

	if (o->ev) {
		if (o->at == o->n)
			return 0;
		o->e = o->ev[o->at++];
		return 1;
	}
	r = next_record(&o->c, NULL, &o->e);
	if (r > 0 && in_range(o, &o->e, first ? NULL : &prev) < 0)
		return -1;
	return r;
}

struct tagged {
	struct heap_event e;
	size_t i;
};

static int by_key(const void *x, const void *y)
{
	const struct tagged *a = x, *b = y;

	if (ev_lt(&a->e, &b->e))
		return -1;
	if (ev_lt(&b->e, &a->e))
		return 1;
	return a->i < b->i ? -1 : 1;
}

/* Decode a chunk out of order whole and sort it (stable). */
static int sort_chunk(struct ocur *o)
{
	VEC(struct tagged) v = VEC_INIT;
	struct tagged x;
	size_t i;
	int r;

	while ((r = next_record(&o->c, NULL, &x.e)) > 0) {
		if (in_range(o, &x.e, NULL) < 0) {
			r = -1;
			break;
		}
		x.i = v.len;
		VEC_PUSH(&v, x);
	}
	if (r < 0) {
		VEC_RELEASE(&v);
		return -1;
	}
	qsort(v.v, v.len, sizeof(*v.v), by_key);
	o->ev = xmalloc(st_mult(v.len, sizeof(*o->ev)) + 1);
	for (i = 0; i < v.len; i++)
		o->ev[i] = v.v[i].e;
	o->n = v.len;
	o->at = 0;
	VEC_RELEASE(&v);
	return 0;
}

static void drop_chunk(struct heap_events *it, size_t chunk)
{
	const struct heap_chunk_ref *ref = &it->s->chunks.v[chunk];

	if (it->t->files[ref->file].mapped)
		drop_pages(ref->data, ref->len);
}

/*
 * A chunk read to its end gives its pages back, and again a few
 * megabytes later: the kernel maps the cached pages around a fault
 * (fault-around), so opening the next chunk in the file maps the end of
 * this one back in.
 */
static void chunk_done(struct heap_events *it, const struct ocur *o)
{
	struct done t;
	size_t i;

	free(o->ev);
	free(o->raw);
	it->held -= o->held;
	drop_chunk(it, o->chunk);
	VEC_PUSH(&it->done.v, o->chunk);
	it->done.bytes += it->s->chunks.v[o->chunk].len;
	if (it->done.bytes < (4u << 20))
		return;
	for (i = 0; i < it->old.v.len; i++)
		drop_chunk(it, it->old.v.v[i]);
	t = it->old;
	it->old = it->done;
	it->done = t;
	it->done.v.len = it->done.bytes = 0;
}

/* Open the next chunk in order of first key; -1 when it fails to decode. */
static int open_next(struct heap_events *it)
{
	const struct heap_chunk_ref *ref;
	const unsigned char *rec;
	const char *name;
	struct ocur o;
	int r;

	memset(&o, 0, sizeof(o));
	o.chunk = it->order[it->next++];
	o.ref = ref = &it->s->chunks.v[o.chunk];
	name = it->t->files[ref->file].name;
	rec = chunk_records(ref, name, &o.raw);
	if (!rec)
		return -1;
	cursor_start(&o.c, name, rec, ref->off, ref->raw_len);
	r = ref->sorted ? 0 : sort_chunk(&o);
	if (r == 0)
		r = ocur_advance(&o, 1);
	o.held = (o.raw ? ref->raw_len : 0) + o.n * sizeof(*o.ev);
	it->held += o.held;
	if (r <= 0) {
		/* Nothing in it after all (a header said otherwise). */
		chunk_done(it, &o);
		return r;
	}
	if (it->held > (it->t->held_max ? it->t->held_max : HELD_MAX)) {
		chunk_done(it, &o);
		return error("%s: malformed heap trace at byte %zu: %zu "
			     "chunks overlap in sequence numbers",
			     name, ref->off, it->nh + 1);
	}
	ALLOC_GROW(it->h, it->nh + 1, it->alloc);
	it->h[it->nh] = o;
	sift_up(it->h, it->nh++);
	return 0;
}

int heap_events_next(struct heap_events *it, struct heap_event *e)
{
	const struct heap_stream *s = it->s;
	int r;

	/* A chunk that may hold an event before the smallest open one is
	 * opened first; the others wait, so few are open at once. */
	while (it->next < s->chunks.len) {
		const struct heap_chunk_ref *ref =
		    &s->chunks.v[it->order[it->next]];

		if (it->nh && key_lt(it->h[0].e.seq, it->h[0].e.rss,
				     ref->first_seq, ref->first_rss))
			break;
		if (open_next(it) < 0)
			return -1;
	}
	if (!it->nh)
		return 0;
	*e = it->h[0].e;
	r = ocur_advance(&it->h[0], 0);
	if (r < 0)
		return -1;
	if (!r) {
		chunk_done(it, &it->h[0]);
		it->h[0] = it->h[--it->nh];
	}
	sift_down(it->h, it->nh, 0);
	return 1;
}
