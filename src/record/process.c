#include "core/compat.h"
#include "record/session.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "record/fpcheck.h"
#include "sys/proc.h"
#include <linux/perf_event.h>

#define MAX_FRAMES 256

void rec_process_init(struct rec_session *s)
{
	intern_init(&s->loc_keys);
	intern_init(&s->fp_dsos);
	s->ips = xmalloc(MAX_FRAMES * 2 * sizeof(*s->ips));
	s->unknown_frame = profile_frame(s->p, "[unknown]", 9);
	s->offcpu_frame = profile_frame(s->p, "[off-cpu]", 9);
	profile_frame_info(s->p, s->offcpu_frame)->kind = FRAME_SYNTHETIC;
}

void rec_process_release(struct rec_session *s)
{
	size_t i;

	for (i = 0; i < s->nthreads; i++) {
		free(s->threads[i]->out_frames);
		free(s->threads[i]);
	}
	free(s->threads);
	free(s->root_known);
	intern_release(&s->loc_keys);
	intern_release(&s->fp_dsos);
	free(s->fp_keeps);
	free(s->loc_flags);
	free(s->loc_retry);
	free(s->loc_start);
	free(s->loc_len);
	free(s->pool);
	free(s->stack);
	free(s->ips);
}

static size_t thread_index(struct rec_session *s, int tid, int *found)
{
	size_t lo, hi = s->nthreads;

	lo = PARTITION_POINT(hi, mid, s->threads[mid]->tid < tid);
	*found = lo < s->nthreads && s->threads[lo]->tid == tid;
	return lo;
}

static struct rec_thread *thread_get(struct rec_session *s, int pid, int tid)
{
	int found;
	size_t i = thread_index(s, tid, &found);
	struct rec_thread *t;

	if (found) {
		t = s->threads[i];
		if (pid && t->pid != pid)
			t->pid = pid;
		return t;
	}
	t = xcalloc(1, sizeof(*t));
	t->pid = pid;
	t->tid = tid;
	if (proc_comm(pid, tid, t->comm, sizeof(t->comm)) < 0)
		snprintf(t->comm, sizeof(t->comm), ":%d", tid);
	ALLOC_GROW(s->threads, s->nthreads + 1, s->threads_alloc);
	memmove(s->threads + i + 1, s->threads + i,
		(s->nthreads - i) * sizeof(*s->threads));
	s->threads[i] = t;
	s->nthreads++;
	return t;
}

void rec_thread_set(struct rec_session *s, int pid, int tid, const char *comm)
{
	struct rec_thread *t = thread_get(s, pid, tid);

	snprintf(t->comm, sizeof(t->comm), "%s", comm);
	t->profile_thread = 0;
}

static void push_frame(struct rec_session *s, size_t *n, uint32_t f)
{
	ALLOC_GROW(s->stack, *n + 1, s->stack_alloc);
	s->stack[(*n)++] = f;
}

/* Anonymous memory (JIT code) has no file, so no file offset either. */
static uint32_t loc_mapping(struct profile *p, const struct sym_loc *loc)
{
	const char *name = loc->dso ? loc->dso->name : loc->map->path;

	return profile_mapping(
	    p, loc->map->start, loc->map->end, loc->dso ? loc->map->pgoff : 0,
	    name,
	    loc->dso && loc->dso->build_id[0] ? loc->dso->build_id : NULL);
}

/* Register the frame's details the first time its name is seen. */
static void frame_details(struct rec_session *s, uint32_t f, int kind,
			  const struct sym_loc *loc, const struct dso_frame *df)
{
	struct profile_frame_info *fi = profile_frame_info(s->p, f);
	struct profile *p = s->p;

	if (fi->dso || fi->kind)
		return;
	fi->kind = (uint8_t)kind;
	if (df && df->file) {
		fi->file =
		    intern_add(&p->strings, df->file, strlen(df->file), NULL);
		fi->line = df->line;
	}
	if (loc && loc->map) {
		const char *name = loc->dso ? loc->dso->name : loc->map->path;

		fi->dso = intern_add(&p->strings, name, strlen(name), NULL);
		fi->mapping = loc_mapping(p, loc);
		/* The process address, inside the mapping: what a pprof
		 * reader re-symbolizes with the file. */
		fi->address = loc->addr;
	}
}

/* pprof takes its first mapping for the main binary: register it first. */
static void exe_mapping_first(struct rec_session *s, int pid)
{
	struct sym_map *m = sym_exe_map(&s->sy, pid);
	struct sym_loc loc;

	if (m && !sym_locate(&s->sy, pid, m->start, &loc))
		loc_mapping(s->p, &loc);
}

/*
 * What a frame-pointer walk can trust at a located address: whether the
 * file keeps frame pointers (asked once per file), and whether the frame
 * of the function is set up at that instruction (only matters for the
 * leaf, the one address that is not a return address).
 */
static unsigned loc_fp_flags(struct rec_session *s, const struct sym_loc *loc)
{
	unsigned flags = 0;
	uint32_t id;
	int added;

	/* JIT code has no file; DWARF could not unwind it anyway. */
	if (!loc->dso)
		return 0;
	id = intern_add(&s->fp_dsos, &loc->dso, sizeof(loc->dso), &added);
	if (added) {
		ALLOC_GROW(s->fp_keeps, (size_t)id + 1, s->fp_keeps_alloc);
		s->fp_keeps[id] = (unsigned char)fpcheck_dso_keeps_fp(loc->dso);
	}
	if (!s->fp_keeps[id])
		flags |= LOC_NO_FP;
	else if (loc->dso->state == DSO_OK &&
		 fpcheck_at_edge(loc->dso, loc->vaddr))
		flags |= LOC_FP_EDGE;
	return flags;
}

/*
 * Symbolize a located address into a new run of the pool for cache entry
 * id; returns how many frames the symbols gave (0: the run holds one
 * "[file]" frame).
 */
static size_t loc_fill(struct rec_session *s, uint32_t id, int pid,
		       const struct sym_loc *loc, uint64_t ip)
{
	struct dso_frame df[16];
	size_t i, k;

	if (s->p->nmappings == 1)
		exe_mapping_first(s, pid);
	k = sym_frames(&s->sy, pid, loc, ip, df, ARRAY_SIZE(df));
	s->loc_start[id] = (uint32_t)s->npool;
	s->loc_len[id] = (uint32_t)(k ? k : 1);
	ALLOC_GROW(s->pool, s->npool + s->loc_len[id], s->pool_alloc);
	if (!k) {
		struct strbuf sb = STRBUF_INIT;
		uint32_t f;

		strbuf_addf(&sb, "[%s]", sym_basename(loc->map->path));
		f = profile_frame(s->p, sb.buf, sb.len);
		frame_details(s, f, FRAME_USER, loc, NULL);
		s->pool[s->npool++] = f;
		strbuf_release(&sb);
	}
	for (i = 0; i < k; i++) {
		uint32_t f =
		    profile_frame(s->p, df[i].name, strlen(df[i].name));
		int kind = df[i].inlined ? FRAME_INLINE
			   : loc->dso	 ? FRAME_USER
					 : FRAME_JIT;

		frame_details(s, f, kind, loc, &df[i]);
		s->pool[s->npool++] = f;
	}
	return k;
}

/* How often an unnamed address in anonymous memory is looked up again. */
#define JIT_RETRY_NS 50000000ull

/*
 * The frames of one user address, innermost first, cached per
 * (file, link-time address) so each address is symbolized once.  An
 * address in anonymous memory that no perf map names yet is tried again
 * (at most every JIT_RETRY_NS of recording time): a JIT writes the map
 * entry of its code after the code first ran.
 */
static int user_frames(struct rec_session *s, int pid, uint64_t ip, size_t *n,
		       unsigned *flags)
{
	struct sym_loc loc;
	struct {
		uint64_t dso, addr;
		int pid;
		int pad;
	} key;
	uint32_t id;
	size_t i;
	int added;

	memset(&key, 0, sizeof(key));
	*flags = 0;
	if (sym_locate(&s->sy, pid, ip, &loc) < 0) {
		push_frame(s, n, s->unknown_frame);
		return -1;
	}
	key.dso = (uintptr_t)loc.dso;
	key.addr = loc.dso ? loc.vaddr : ip;
	key.pid = loc.dso ? 0 : pid;
	id = intern_add(&s->loc_keys, &key, sizeof(key), &added);
	if (added) {
		if (id >= s->loc_alloc) {
			ALLOC_GROW(s->loc_start, (size_t)id + 1, s->loc_alloc);
			s->loc_len = xrealloc(
			    s->loc_len, s->loc_alloc * sizeof(*s->loc_len));
			s->loc_flags = xrealloc(
			    s->loc_flags, s->loc_alloc * sizeof(*s->loc_flags));
			s->loc_retry = xrealloc(
			    s->loc_retry, s->loc_alloc * sizeof(*s->loc_retry));
		}
		s->loc_flags[id] = (unsigned char)loc_fp_flags(s, &loc);
		s->loc_retry[id] = 0;
		if (!loc_fill(s, id, pid, &loc, ip) && !loc.dso) {
			s->loc_flags[id] |= LOC_JIT_MISS;
			s->loc_retry[id] = s->last_time + JIT_RETRY_NS;
		}
	} else if ((s->loc_flags[id] & LOC_JIT_MISS) &&
		   s->last_time >= s->loc_retry[id]) {
		if (loc_fill(s, id, pid, &loc, ip))
			s->loc_flags[id] &= (unsigned char)~LOC_JIT_MISS;
		else
			s->loc_retry[id] = s->last_time + JIT_RETRY_NS;
	}
	for (i = 0; i < s->loc_len[id]; i++)
		push_frame(s, n, s->pool[s->loc_start[id] + i]);
	*flags = s->loc_flags[id];
	return 0;
}

static void kernel_frame(struct rec_session *s, uint64_t ip, size_t *n)
{
	const char *name = sym_kernel(&s->sy, ip);
	uint32_t f;

	if (s->sy.kptr_hidden && !s->kptr_warned) {
		s->kptr_warned = 1;
		warning("kernel addresses read as 0 in /proc/kallsyms "
			"(kernel.kptr_restrict=%ld): kernel frames show as "
			"[kernel.kallsyms]; run as root or 'sysctl "
			"kernel.kptr_restrict=0'",
			perf_read_long("/proc/sys/kernel/kptr_restrict", -1));
	}
	if (!name)
		name = "[kernel.kallsyms]";
	f = profile_frame(s->p, name, strlen(name));
	if (!profile_frame_info(s->p, f)->kind) {
		struct profile_frame_info *fi = profile_frame_info(s->p, f);

		fi->kind = FRAME_KERNEL;
		fi->dso =
		    intern_add(&s->p->strings, "[kernel.kallsyms]", 17, NULL);
		fi->address = ip;
	}
	push_frame(s, n, f);
}

/* Whether frame f is a root frame, remembered per frame id. */
static int is_root(struct rec_session *s, uint32_t f)
{
	if (f >= s->root_alloc) {
		size_t old = s->root_alloc;

		ALLOC_GROW(s->root_known, (size_t)f + 1, s->root_alloc);
		memset(s->root_known + old, 0, s->root_alloc - old);
	}
	if (!s->root_known[f])
		s->root_known[f] =
		    profile_is_root_frame(profile_frame_name(s->p, f)) ? 2 : 1;
	return s->root_known[f] == 2;
}

static int reaches_root(struct rec_session *s, size_t from, size_t n)
{
	return n > from && is_root(s, s->stack[n - 1]);
}

/*
 * Symbolize user addresses (leaf first) onto the stack being built.
 * Returns whether a frame-pointer walk that gave them may have skipped a
 * caller: some address before the root frame is in code that does not
 * keep frame pointers, or the leaf is where its frame is not set up.
 */
static int add_user(struct rec_session *s, int pid, const uint64_t *ips,
		    size_t nr, size_t *n)
{
	int suspect = 0, rooted = 0;
	size_t i;

	/*
	 * Return addresses point after the call: look up the call itself.
	 * An address in no mapping means the walk went astray (a frame
	 * without frame pointer, a thread not yet started, the 0 that ends
	 * a chain): stop there rather than add a tail of garbage frames,
	 * and add no made-up "[unknown]" caller either.  Only a sampled pc
	 * in no mapping is a real unknown frame.
	 */
	for (i = 0; i < nr; i++) {
		unsigned fl;

		if (user_frames(s, pid, i ? ips[i] - 1 : ips[i], n, &fl) < 0) {
			if (i)
				(*n)--;
			break;
		}
		if (rooted || i + 1 == nr)
			continue;
		if (is_root(s, s->stack[*n - 1]))
			rooted = 1;
		else if ((fl & LOC_NO_FP) || (!i && (fl & LOC_FP_EDGE)))
			suspect = 1;
	}
	return suspect;
}

/*
 * Build the stack of a sample, leaf first, in s->stack; returns its
 * depth.  Kernel frames come from the kernel's callchain; user frames from
 * the frame-pointer chain or the DWARF unwind of the copied stack.
 */
static size_t sample_stack(struct rec_session *s, const struct perf_sample *ps)
{
	const uint64_t *user = NULL;
	size_t i, n = 0, nuser = 0, from, nips = 0;
	uint64_t ctx = 0;
	int fp_suspect = 0;
	int want_dwarf =
	    s->o->unwind != RECORD_UNWIND_FP && ps->regs && ps->stack_size;

	for (i = 0; i < ps->nr; i++) {
		uint64_t ip = ps->ips[i];

		if (perf_callchain_is_context(ip)) {
			ctx = ip;
			if (ctx == PERF_CONTEXT_USER) {
				user = ps->ips + i + 1;
				break;
			}
			continue;
		}
		if (ctx == PERF_CONTEXT_KERNEL)
			kernel_frame(s, ip, &n);
	}
	if (user)
		for (nuser = 0; user + nuser < ps->ips + ps->nr &&
				!perf_callchain_is_context(user[nuser]);
		     nuser++)
			;
	from = n;
	if (s->o->unwind != RECORD_UNWIND_DWARF && nuser) {
		fp_suspect = add_user(s, ps->pid, user, nuser, &n);
		if (reaches_root(s, from, n) && !fp_suspect)
			want_dwarf = 0;
	}
	if (want_dwarf) {
		size_t k =
		    sym_unwind(&s->sy, ps->pid, ps->tid, ps->regs, ps->stack,
			       ps->stack_size, s->ips, MAX_FRAMES);
		size_t fp_n = n;

		if (k) {
			n = from;
			add_user(s, ps->pid, s->ips, k, &n);
			/*
			 * Keep the frame-pointer chain when it was better
			 * and cannot have skipped a frame: a wrong stack is
			 * worse than a short one.
			 */
			if (!reaches_root(s, from, n) && fp_n > n &&
			    !fp_suspect) {
				n = from;
				add_user(s, ps->pid, user, nuser, &n);
			} else {
				s->st->dwarf_used++;
			}
		}
	}
	/*
	 * End at the first root frame from the leaf, however the frames were
	 * found: a DWARF unwind goes on past __libc_start_call_main to
	 * _start where a frame-pointer chain stops, and the same function
	 * should not sit at two depths of one flame graph.
	 */
	for (i = from; i + 1 < n; i++) {
		if (is_root(s, s->stack[i])) {
			n = i + 1;
			break;
		}
	}
	if (n > from || nuser) {
		s->st->with_user++;
		if (!reaches_root(s, from, n)) {
			size_t k;

			s->st->broken++;
			for (k = 0; k < ps->nr; k++)
				nips += !perf_callchain_is_context(ps->ips[k]);
			if (s->st->max_stack && nips >= s->st->max_stack)
				s->st->max_stack_hit++;
		}
	}
	return n;
}

static uint32_t thread_root(struct rec_session *s, struct rec_thread *t)
{
	struct strbuf sb = STRBUF_INIT;
	uint32_t f;
	char *c;

	strbuf_addstr(&sb, t->comm);
	for (c = sb.buf; *c; c++)
		if (*c == ' ')
			*c = '_';
	if (s->o->per_thread)
		strbuf_addf(&sb, "-%d/%d", t->pid, t->tid);
	f = profile_frame(s->p, sb.buf, sb.len);
	profile_frame_info(s->p, f)->kind = FRAME_SYNTHETIC;
	strbuf_release(&sb);
	return f;
}

/* Add the leaf-first stack in s->stack[0..n) with the thread's root. */
static void add_stack(struct rec_session *s, struct rec_thread *t,
		      const uint32_t *leaf_first, size_t n, int offcpu,
		      double count, double ns)
{
	uint32_t *root_first = xmalloc((n + 2) * sizeof(*root_first));
	/* The model holds whole counts and nanoseconds. */
	int64_t whole = (int64_t)(count + 0.5), wns = (int64_t)(ns + 0.5);
	int64_t v[PROFILE_MAX_VALUES] = {whole, offcpu ? 0 : wns, 0, 0};
	size_t i, k = 0;

	if (s->p->nvalues > REC_WALL) {
		v[REC_OFFCPU] = offcpu ? wns : 0;
		v[REC_WALL] = wns;
	}

	if (!t->profile_thread)
		t->profile_thread =
		    profile_thread(s->p, t->pid, t->tid, t->comm);
	root_first[k++] = thread_root(s, t);
	if (offcpu)
		root_first[k++] = s->offcpu_frame;
	for (i = n; i > 0; i--)
		root_first[k++] = leaf_first[i - 1];
	profile_add(s->p, t->profile_thread, root_first, k, v);
	free(root_first);
}

static int is_offcpu_event(const struct rec_session *s, uint64_t id)
{
	size_t i;

	for (i = 0; i < s->noffcpu; i++)
		if (s->offcpu_ids[i] == id)
			return 1;
	return 0;
}

static void on_sample(struct rec_session *s, const struct perf_event_header *h)
{
	struct perf_sample ps;
	struct rec_thread *t;
	size_t n;

	if (perf_sample_parse(h, s->sample_type, s->regs_mask, &ps) < 0)
		return;
	if (ps.time > s->last_time)
		s->last_time = ps.time;
	t = thread_get(s, (int)ps.pid, (int)ps.tid);
	if (is_offcpu_event(s, ps.id)) {
		/* The broken-stack share is about CPU samples only. */
		struct record_stats saved = *s->st;

		n = sample_stack(s, &ps);
		s->st->with_user = saved.with_user;
		s->st->broken = saved.broken;
		s->st->dwarf_used = saved.dwarf_used;
		/* Switch-out: keep the stack until the thread runs again. */
		ALLOC_GROW(t->out_frames, n, t->out_alloc);
		memcpy(t->out_frames, s->stack, n * sizeof(*s->stack));
		t->out_len = n;
		t->out_time = ps.time;
		t->pending = 1;
		return;
	}
	n = sample_stack(s, &ps);
	s->st->samples++;
	add_stack(s, t, s->stack, n, 0, 1,
		  s->clock_event ? (double)ps.period
				 : 1e9 / (s->o->freq ? s->o->freq : 1));
}

/* A blocked interval of t ends at time: its stack gets the time. */
static void close_offcpu(struct rec_session *s, struct rec_thread *t,
			 uint64_t time)
{
	if (!t->pending || time < t->out_time)
		return;
	t->pending = 0;
	s->st->offcpu_switches++;
	s->st->offcpu_ns += (double)(time - t->out_time);
	add_stack(s, t, t->out_frames, t->out_len, 1, 0,
		  (double)(time - t->out_time));
}

void rec_process_finish(struct rec_session *s)
{
	size_t i;

	for (i = 0; i < s->nthreads; i++)
		close_offcpu(s, s->threads[i], s->last_time);
}

static void on_switch(struct rec_session *s, const struct perf_event_header *h)
{
	struct rec_thread *t;
	uint64_t time = 0;
	uint32_t tid = 0;
	int found;
	size_t i;

	if (perf_record_id(h, s->sample_type, &tid, &time) < 0)
		return;
	if (time > s->last_time)
		s->last_time = time;
	if (h->misc & PERF_RECORD_MISC_SWITCH_OUT)
		return;
	i = thread_index(s, (int)tid, &found);
	if (!found)
		return;
	t = s->threads[i];
	close_offcpu(s, t, time);
}

struct mmap2_body {
	uint32_t pid, tid;
	uint64_t addr, len, pgoff;
	uint32_t maj, min;
	uint64_t ino, ino_generation;
	uint32_t prot, flags;
	char filename[];
};

struct comm_body {
	uint32_t pid, tid;
	char comm[];
};

struct fork_body {
	uint32_t pid, ppid, tid, ptid;
	uint64_t time;
};

void rec_process(struct rec_session *s, const struct perf_event_header *h)
{
	const void *body = h + 1;

	switch (h->type) {
	case PERF_RECORD_SAMPLE:
		on_sample(s, h);
		break;
	case PERF_RECORD_MMAP2: {
		const struct mmap2_body *m = body;

		if (h->size < sizeof(*h) + sizeof(*m) + 1 ||
		    m->pid == (uint32_t)-1 || !(m->prot & 4 /* PROT_EXEC */))
			break;
		if (!memchr(m->filename, '\0',
			    h->size - sizeof(*h) - sizeof(*m)))
			break;
		sym_mmap(&s->sy, (int)m->pid, m->addr, m->len, m->pgoff,
			 m->filename);
		break;
	}
	case PERF_RECORD_COMM: {
		const struct comm_body *c = body;

		if (h->size < sizeof(*h) + sizeof(*c) + 1 ||
		    !memchr(c->comm, '\0', h->size - sizeof(*h) - sizeof(*c)))
			break;
		if (h->misc & PERF_RECORD_MISC_COMM_EXEC)
			sym_exec(&s->sy, (int)c->pid);
		rec_thread_set(s, (int)c->pid, (int)c->tid, c->comm);
		break;
	}
	case PERF_RECORD_FORK: {
		const struct fork_body *f = body;
		struct rec_thread *parent, *child;

		if (h->size < sizeof(*h) + sizeof(*f))
			break;
		if (f->pid != f->ppid)
			sym_fork(&s->sy, (int)f->ppid, (int)f->pid);
		parent = thread_get(s, (int)f->ppid, (int)f->ptid);
		child = thread_get(s, (int)f->pid, (int)f->tid);
		memcpy(child->comm, parent->comm, sizeof(child->comm));
		child->profile_thread = 0;
		break;
	}
	case PERF_RECORD_EXIT: {
		const struct fork_body *f = body;
		int found;
		size_t i;

		/* A thread that dies blocked ends its interval here. */
		if (h->size < sizeof(*h) + sizeof(*f))
			break;
		if (f->time > s->last_time)
			s->last_time = f->time;
		i = thread_index(s, (int)f->tid, &found);
		if (found)
			close_offcpu(s, s->threads[i], f->time);
		break;
	}
	case PERF_RECORD_LOST: {
		uint64_t lost[2];

		/* lost[0] is the id of the event whose records were lost. */
		if (h->size >= sizeof(*h) + sizeof(lost)) {
			memcpy(lost, body, sizeof(lost));
			if (is_offcpu_event(s, lost[0]))
				s->st->lost_switches += lost[1];
			else
				s->st->lost += lost[1];
		}
		break;
	}
	case PERF_RECORD_THROTTLE:
		s->st->throttled++;
		break;
	case PERF_RECORD_SWITCH:
		on_switch(s, h);
		break;
	default:
		break;
	}
}
