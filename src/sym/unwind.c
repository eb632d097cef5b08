#include "core/compat.h"
#include "sym/sym.h"
#include <elfutils/libdwfl.h>

/*
 * DWARF unwinding of a sampled user stack with elfutils' CFI unwinder,
 * the way perf's unwind-libdw.c does it but with one Dwfl per process
 * kept for the whole recording (perf builds one per sample): modules are
 * reported as the process maps them, and the thread callbacks read the
 * registers and stack bytes of the sample being unwound.
 */
struct unwind_sample {
	struct symbolizer *sy;
	struct sym_proc *proc;
	int tid;
	const uint64_t *regs;
	const unsigned char *stack;
	size_t stack_size;
	uint64_t sp;
	uint64_t *ips;
	size_t n, max;
	int given; /* next_thread already returned the thread */
};

struct unwind_proc {
	Dwfl *dwfl;
	int attached;
	/* Files already reported: libdw refuses a second, overlapping one. */
	const struct dso **reported;
	size_t nreported, reported_alloc;
	struct unwind_sample *cur;
};

void unwind_proc_free(void *u);
void unwind_proc_free(void *u)
{
	struct unwind_proc *up = u;

	if (!up)
		return;
	if (up->dwfl)
		dwfl_end(up->dwfl);
	free(up->reported);
	free(up);
}

/* perf's x86_64 register indexes, in the order the sample carries them. */
enum { R_AX, R_BX, R_CX, R_DX, R_SI, R_DI, R_BP, R_SP, R_IP, R_R8 };

static pid_t next_thread(Dwfl *dwfl UNUSED, void *dwfl_arg, void **thread_argp)
{
	struct unwind_proc *up = dwfl_arg;

	if (up->cur->given)
		return 0;
	up->cur->given = 1;
	*thread_argp = up->cur;
	return up->cur->tid;
}

static bool get_thread(Dwfl *dwfl UNUSED, pid_t tid, void *dwfl_arg,
		       void **thread_argp)
{
	struct unwind_proc *up = dwfl_arg;

	if (tid != up->cur->tid)
		return false;
	*thread_argp = up->cur;
	return true;
}

static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result,
			void *dwfl_arg)
{
	struct unwind_sample *s = ((struct unwind_proc *)dwfl_arg)->cur;
	struct sym_loc loc;

	if (addr >= s->sp && addr + 8 <= s->sp + s->stack_size) {
		memcpy(result, s->stack + (addr - s->sp), 8);
		return true;
	}
	/* Not on the copied stack: constant data of a mapped file. */
	(void)dwfl;
	if (sym_locate(s->sy, s->proc->pid, addr, &loc) || !loc.dso)
		return false;
	return dso_read(loc.dso, loc.vaddr, result, 8) == 0;
}

static bool set_initial_registers(Dwfl_Thread *thread, void *thread_arg)
{
	struct unwind_sample *s = thread_arg;
	const uint64_t *r = s->regs;
	/* DWARF numbering: rax rdx rcx rbx rsi rdi rbp rsp r8..r15 rip. */
	Dwarf_Word dw[17] = {
	    r[R_AX],	 r[R_DX],     r[R_CX],	   r[R_BX],	r[R_SI],
	    r[R_DI],	 r[R_BP],     r[R_SP],	   r[R_R8],	r[R_R8 + 1],
	    r[R_R8 + 2], r[R_R8 + 3], r[R_R8 + 4], r[R_R8 + 5], r[R_R8 + 6],
	    r[R_R8 + 7], r[R_IP],
	};

	return dwfl_thread_state_registers(thread, 0, 17, dw);
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
    .next_thread = next_thread,
    .get_thread = get_thread,
    .memory_read = memory_read,
    .set_initial_registers = set_initial_registers,
};

static const Dwfl_Callbacks proc_callbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
};

static int frame_cb(Dwfl_Frame *state, void *arg)
{
	struct unwind_sample *s = arg;
	Dwarf_Addr pc;
	bool activation;

	if (!dwfl_frame_pc(state, &pc, &activation))
		return DWARF_CB_ABORT;
	s->ips[s->n++] = pc;
	return s->n < s->max ? DWARF_CB_OK : DWARF_CB_ABORT;
}

/* Tell libdw about mappings it has not seen: one module per file. */
static void report_maps(struct symbolizer *sy, struct sym_proc *p,
			struct unwind_proc *up)
{
	size_t i, k;
	int began = 0, fd;

	for (i = 0; i < p->maps.nr; i++) {
		struct sym_map *m = &p->maps.v[i];
		struct sym_loc loc;
		uint64_t bias;

		if (m->reported)
			continue;
		m->reported = 1;
		if (sym_locate(sy, p->pid, m->start, &loc) || !loc.dso ||
		    loc.dso->state != DSO_OK || loc.dso->image)
			continue;
		for (k = 0; k < up->nreported; k++)
			if (up->reported[k] == loc.dso)
				break;
		if (k < up->nreported)
			continue;
		ALLOC_GROW(up->reported, up->nreported + 1, up->reported_alloc);
		up->reported[up->nreported++] = loc.dso;
		if (!began) {
			dwfl_report_begin_add(up->dwfl);
			began = 1;
		}
		/*
		 * The load bias of the code (see dso_map_bias()): one off by
		 * a page finds the CFI of another function, in every file
		 * lld linked (Rust, clang toolchains).  The file is handed
		 * over open: its open_path may lead
		 * through /proc/PID/root of another process, which may have
		 * ended (a forked and exec'd child unwinds with the files
		 * its predecessors opened).  libdw takes over the fd.
		 */
		if (dso_map_bias(loc.dso, m->start, m->end - m->start, m->pgoff,
				 &bias) < 0)
			bias = m->start - m->pgoff;
		fd = loc.dso->fd >= 0 ? fcntl(loc.dso->fd, F_DUPFD_CLOEXEC, 0)
				      : -1;
		if (!dwfl_report_elf(up->dwfl, loc.dso->name,
				     loc.dso->open_path, fd, bias, true) &&
		    fd >= 0)
			close(fd);
	}
	if (began)
		dwfl_report_end(up->dwfl, NULL, NULL);
}

size_t sym_unwind(struct symbolizer *sy, int pid, int tid, const uint64_t *regs,
		  const unsigned char *stack, size_t stack_size, uint64_t *ips,
		  size_t max)
{
	struct sym_proc *p = sym_proc(sy, pid);
	struct unwind_proc *up = p->unwind;
	struct unwind_sample s = {sy,	      p,   tid, regs, stack, stack_size,
				  regs[R_SP], ips, 0,	max,  0};

	if (!regs || !max)
		return 0;
	if (!up) {
		up = p->unwind = xcalloc(1, sizeof(*up));
		up->dwfl = dwfl_begin(&proc_callbacks);
	}
	if (!up->dwfl)
		return 0;
	report_maps(sy, p, up);
	if (!up->attached) {
		/* libdw picks the architecture from the first module. */
		if (!dwfl_attach_state(up->dwfl, NULL, pid, &thread_callbacks,
				       up))
			return 0;
		up->attached = 1;
	}
	up->cur = &s;
	/* A failure part way still leaves the frames found so far. */
	dwfl_getthread_frames(up->dwfl, tid, frame_cb, &s);
	up->cur = NULL;
	return s.n;
}
