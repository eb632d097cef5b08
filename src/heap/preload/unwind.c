/*
 * Stacks: walked by frame pointers where the code keeps them and by
 * libunwind (DWARF CFI) where it does not, deduplicated in a lock-free
 * table shared by the process's threads.
 *
 * Whether a return address is in a function with a frame pointer is
 * decided once per address (its function starts with push %rbp; mov
 * %rsp,%rbp, after an optional endbr64) and cached in a lock-free table:
 * a program built with -fno-omit-frame-pointer costs two loads per frame;
 * a frame without one (Debian's libc and libstdc++, most -O2 code) costs
 * one libunwind step, after which the walk goes back to frame pointers.
 * PERFOPS_HEAP_UNWIND=fp or dwarf forces one method, for measurement.
 */
#define UNW_LOCAL_ONLY
#include <errno.h>
#include <libunwind.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>
#include <ucontext.h>
#include "heap/preload/pfh.h"

#define PFH_SLOTS (1u << 20)
#define PFH_FRAMES_CAP (32u << 20)
#define PFH_CLS_SLOTS (1u << 16)

/*
 * What the per-address cache knows about a return address: its function
 * keeps a frame pointer (FP); or a step rule learned from libunwind (the
 * caller's sp is sp + k, its return address is at sp + k - 8, its %rbp was
 * saved at sp + bpo or is still in %rbp), trusted once two walks agreed;
 * or a frame whose size varies (alloca), which libunwind walks each time;
 * or the outermost frame (_start), where the walk ends.
 */
enum { PFH_CLS_FP = 1, PFH_CLS_RULE = 2, PFH_CLS_DYNAMIC = 3, PFH_CLS_END = 4 };
enum { PFH_UNWIND_AUTO, PFH_UNWIND_FP, PFH_UNWIND_DWARF };

struct pfh_cls_entry {
	uint64_t pc;
	uint64_t val; /* cls | trusted << 3 | k/8 << 8 | (bpo + 1) << 32 */
};

struct pfh_slot {
	uint64_t hash;
	uint32_t off;
	uint16_t n;
	uint16_t ready; /* 1 frames valid, 2 abandoned */
};

static struct pfh_slot *pfh_slots;
static uintptr_t *pfh_frames;
static uint64_t pfh_frames_used;
static struct pfh_cls_entry *pfh_cls;
static int pfh_unwind_mode;
static PFH_TLS uintptr_t pfh_stack_hi;
static PFH_TLS int pfh_stack_known;

static void pfh_tables(void)
{
	pfh_slots = pfh_map(sizeof(*pfh_slots) * PFH_SLOTS);
	pfh_frames = pfh_map(sizeof(*pfh_frames) * PFH_FRAMES_CAP);
	pfh_cls = pfh_map(sizeof(*pfh_cls) * PFH_CLS_SLOTS);
	pfh_frames_used = 0;
}

void pfh_unwind_init(void)
{
	const char *m = getenv(HEAP_ENV_UNWIND);

	if (m && !strcmp(m, "fp"))
		pfh_unwind_mode = PFH_UNWIND_FP;
	else if (m && !strcmp(m, "dwarf"))
		pfh_unwind_mode = PFH_UNWIND_DWARF;
	unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
	pfh_tables();
}

/* A forked child numbers its own stacks: its stream defines them anew. */
void pfh_unwind_reset(void)
{
	munmap(pfh_slots, sizeof(*pfh_slots) * PFH_SLOTS);
	munmap(pfh_frames, sizeof(*pfh_frames) * PFH_FRAMES_CAP);
	munmap(pfh_cls, sizeof(*pfh_cls) * PFH_CLS_SLOTS);
	pfh_tables();
}

/* Whether pc can be a return address in user space (x86-64: below the
 * canonical hole); a walk that reads anything else has gone astray. */
static inline int pfh_user_pc(uintptr_t pc)
{
	return pc > 4096 && pc < ((uintptr_t)1 << 47);
}

static void pfh_context(unw_context_t *uc, uintptr_t pc, uintptr_t sp,
			uintptr_t bp)
{
	memset(uc, 0, sizeof(*uc));
	/* pc is a return address: its caller's CFI row is the one at the
	 * call, pc - 1, and so is its function when the call was last. */
	uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(pc - 1);
	uc->uc_mcontext.gregs[REG_RSP] = (greg_t)sp;
	uc->uc_mcontext.gregs[REG_RBP] = (greg_t)bp;
}

/* Whether the function holding pc starts with push %rbp; mov %rsp,%rbp. */
static int pfh_has_fp(uintptr_t pc, uintptr_t sp, uintptr_t bp)
{
	static const unsigned char endbr[] = {0xf3, 0x0f, 0x1e, 0xfa};
	static const unsigned char prologue[] = {0x55, 0x48, 0x89, 0xe5};
	unw_context_t uc;
	unw_cursor_t c;
	unw_proc_info_t pi;
	unsigned char code[8];
	const unsigned char *f;
	struct iovec local, remote;
	ssize_t n;
	int saved;

	pfh_context(&uc, pc, sp, bp);
	if (unw_init_local(&c, &uc) < 0 || unw_get_proc_info(&c, &pi) < 0 ||
	    !pi.start_ip)
		return 1; /* no CFI: frame pointers are all there is */
	/* Only the start of the function holding pc is read. */
	if (pi.start_ip > pc - 1 || pc - 1 - pi.start_ip > (16u << 20))
		return 0;
	/*
	 * A walk gone astray (make and other programs built without frame
	 * pointers keep data in %rbp) brings a pc in no mapping, for which
	 * libunwind may still give a start: read it through the kernel,
	 * which says EFAULT where a load would crash the program.
	 */
	local.iov_base = code;
	local.iov_len = sizeof(code);
	remote.iov_base = (void *)pi.start_ip;
	remote.iov_len = sizeof(code);
	saved = errno;
	n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	errno = saved;
	if (n != (ssize_t)sizeof(code))
		return 1; /* no code: the frame pointer step checks %rbp */
	f = code;
	if (!memcmp(f, endbr, sizeof(endbr)))
		f += sizeof(endbr);
	return !memcmp(f, prologue, sizeof(prologue));
}

/* One libunwind step; *bpo is where %rbp was saved (sp-relative), -1
 * when the caller's %rbp is still in the register. */
static int pfh_step_cfi(uintptr_t *pc, uintptr_t *sp, uintptr_t *bp,
			int64_t *bpo)
{
	unw_context_t uc;
	unw_cursor_t c;
	unw_word_t ip, nsp, nbp;
	unw_save_loc_t loc;

	pfh_context(&uc, *pc, *sp, *bp);
	if (unw_init_local(&c, &uc) < 0 || unw_step(&c) <= 0)
		return 0;
	if (unw_get_reg(&c, UNW_REG_IP, &ip) < 0 ||
	    unw_get_reg(&c, UNW_REG_SP, &nsp) < 0 ||
	    unw_get_reg(&c, UNW_X86_64_RBP, &nbp) < 0)
		return 0;
	/* A register the frame did not save is "saved" in the context we
	 * made: only a slot inside the frame counts. */
	*bpo = -1;
	if (unw_get_save_loc(&c, UNW_X86_64_RBP, &loc) == 0 &&
	    loc.type == UNW_SLT_MEMORY && loc.u.addr >= *sp && loc.u.addr < nsp)
		*bpo = (int64_t)(loc.u.addr - *sp);
	*pc = ip;
	*sp = nsp;
	*bp = nbp;
	return 1;
}

static struct pfh_cls_entry *pfh_cls_slot(uintptr_t pc, int claim)
{
	uint64_t h = (pc * 0x9e3779b97f4a7c15ull) >> 48;
	unsigned i;

	for (i = 0; i < 8; i++) {
		struct pfh_cls_entry *e =
		    &pfh_cls[(h + i) & (PFH_CLS_SLOTS - 1)];
		uint64_t cur = __atomic_load_n(&e->pc, __ATOMIC_ACQUIRE);

		if (cur == pc)
			return e;
		if (!cur && claim) {
			if (__atomic_compare_exchange_n(&e->pc, &cur, pc, 0,
							__ATOMIC_ACQ_REL,
							__ATOMIC_ACQUIRE))
				return e;
			if (cur == pc)
				return e;
		}
	}
	return NULL;
}

static uint64_t pfh_rule(int cls, int trusted, int64_t k, int64_t bpo)
{
	return (uint64_t)cls | (uint64_t)trusted << 3 |
	       ((uint64_t)(k / 8) & 0xffffff) << 8 |
	       (uint64_t)(uint32_t)(bpo + 1) << 32;
}

/*
 * One step up from the frame of pc: by frame pointer, by the learned
 * rule, or by libunwind (learning the rule).  0 at the end of the stack.
 */
static int pfh_step(uintptr_t *pc, uintptr_t *sp, uintptr_t *bp)
{
	struct pfh_cls_entry *e = NULL;
	uint64_t val = 0;
	uintptr_t opc = *pc, osp = *sp, obp = *bp;
	int64_t bpo, k;
	int cls;

	if (pfh_unwind_mode == PFH_UNWIND_FP) {
		cls = PFH_CLS_FP;
	} else if (pfh_unwind_mode == PFH_UNWIND_DWARF) {
		cls = PFH_CLS_DYNAMIC;
	} else {
		e = pfh_cls_slot(opc, 1);
		val = e ? __atomic_load_n(&e->val, __ATOMIC_ACQUIRE) : 0;
		if (!val) {
			cls = pfh_has_fp(opc, osp, obp) ? PFH_CLS_FP
							: PFH_CLS_RULE;
			if (e && cls == PFH_CLS_FP)
				__atomic_store_n(&e->val, cls,
						 __ATOMIC_RELEASE);
		} else {
			cls = (int)(val & 7);
		}
	}
	if (cls == PFH_CLS_FP) {
		uintptr_t *f = (uintptr_t *)obp;

		if (obp < osp || (obp & 7) ||
		    (pfh_stack_hi && obp + 16 > pfh_stack_hi) ||
		    (!pfh_stack_hi && obp - osp > (64u << 20)))
			return 0;
		*pc = f[1];
		*sp = obp + 16;
		*bp = f[0];
		return 1;
	}
	if (cls == PFH_CLS_END)
		return 0;
	if (cls == PFH_CLS_RULE && (val & 8)) {
		k = (int64_t)((val >> 8) & 0xffffff) * 8;
		bpo = (int64_t)(uint32_t)(val >> 32) - 1;
		if (k < 16 || bpo >= k ||
		    (pfh_stack_hi && osp + k > pfh_stack_hi))
			return 0;
		*sp = osp + k;
		*pc = *(uintptr_t *)(*sp - 8);
		*bp = bpo >= 0 ? *(uintptr_t *)(osp + bpo) : obp;
		if (pfh_user_pc(*pc))
			return 1;
		/* The rule does not hold here (a frame of varying size):
		 * libunwind walks this address from now on. */
		__atomic_store_n(&e->val, PFH_CLS_DYNAMIC, __ATOMIC_RELEASE);
		*pc = opc;
		*sp = osp;
		*bp = obp;
	}
	if (!pfh_step_cfi(pc, sp, bp, &bpo)) {
		if (cls == PFH_CLS_RULE && e)
			__atomic_store_n(&e->val, PFH_CLS_END,
					 __ATOMIC_RELEASE);
		return 0;
	}
	if (cls != PFH_CLS_RULE || !e)
		return 1;
	/* Learn, or confirm, the rule of this return address. */
	k = (int64_t)(*sp - osp);
	if (k < 16 || (k & 7) || k / 8 > 0xffffff || bpo > INT32_MAX - 1 ||
	    *(uintptr_t *)(*sp - 8) != *pc) {
		__atomic_store_n(&e->val, PFH_CLS_DYNAMIC, __ATOMIC_RELEASE);
		return 1;
	}
	if (!val)
		__atomic_store_n(&e->val, pfh_rule(PFH_CLS_RULE, 0, k, bpo),
				 __ATOMIC_RELEASE);
	else
		__atomic_store_n(&e->val,
				 val == pfh_rule(PFH_CLS_RULE, 0, k, bpo)
				     ? pfh_rule(PFH_CLS_RULE, 1, k, bpo)
				     : PFH_CLS_DYNAMIC,
				 __ATOMIC_RELEASE);
	return 1;
}

static void pfh_learn_stack(void)
{
	pthread_attr_t a;
	void *lo;
	size_t size;

	pfh_stack_known = 1;
	if (pthread_getattr_np(pthread_self(), &a))
		return;
	if (!pthread_attr_getstack(&a, &lo, &size))
		pfh_stack_hi = (uintptr_t)lo + size;
	pthread_attr_destroy(&a);
}

/*
 * The return addresses above the interposed function whose frame is fp
 * (compiled with frame pointers: [fp] is its caller's %rbp, [fp+8] the
 * return address), innermost first.
 */
static unsigned pfh_backtrace(void *fp, uintptr_t *ips, unsigned max)
{
	uintptr_t *f = fp;
	uintptr_t pc = f[1], bp = f[0], sp = (uintptr_t)(f + 2);
	unsigned n = 0;

	if (!pfh_stack_known)
		pfh_learn_stack();
	while (n < max && pfh_user_pc(pc)) {
		ips[n++] = pc;
		if (!pfh_step(&pc, &sp, &bp))
			break;
	}
	return n;
}

static uint64_t pfh_hash(const uintptr_t *ips, unsigned n)
{
	uint64_t h = 0xcbf29ce484222325ull ^ n;
	unsigned i;

	for (i = 0; i < n; i++) {
		h ^= ips[i];
		h *= 0x100000001b3ull;
		h ^= h >> 29;
	}
	return h | 1;
}

struct pfh_claims *pfh_claims;

void pfh_stack_reserve(uint32_t slot, uint64_t hash)
{
	struct pfh_slot *s;
	uint64_t zero = 0;

	if (!pfh_slots || slot >= PFH_SLOTS)
		return;
	s = &pfh_slots[slot];
	/* Abandoned: a stack of the same hash probes on past it. */
	if (__atomic_compare_exchange_n(&s->hash, &zero, hash, 0,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		__atomic_store_n(&s->ready, 2, __ATOMIC_RELEASE);
}

uint32_t pfh_stack_id(void *fp)
{
	uintptr_t ips[HEAP_MAX_DEPTH];
	unsigned n = pfh_backtrace(fp, ips, pfh_depth), probes;
	uint64_t h = pfh_hash(ips, n);
	uint32_t i = (uint32_t)(h >> 20) & (PFH_SLOTS - 1);

	if (!pfh_slots || !pfh_frames)
		return 0;
	for (probes = 0; probes < 256;
	     probes++, i = (i + 1) & (PFH_SLOTS - 1)) {
		struct pfh_slot *s = &pfh_slots[i];
		uint64_t cur = __atomic_load_n(&s->hash, __ATOMIC_ACQUIRE);
		unsigned spin;

		if (!cur) {
			uint64_t zero = 0, off;

			if (!__atomic_compare_exchange_n(&s->hash, &zero, h, 0,
							 __ATOMIC_ACQ_REL,
							 __ATOMIC_ACQUIRE)) {
				cur = zero;
				goto compare;
			}
			off = __atomic_fetch_add(&pfh_frames_used, n,
						 __ATOMIC_RELAXED);
			if (off + n > PFH_FRAMES_CAP) {
				__atomic_store_n(&s->ready, 2,
						 __ATOMIC_RELEASE);
				return 0;
			}
			memcpy(pfh_frames + off, ips, n * sizeof(*ips));
			s->off = (uint32_t)off;
			s->n = (uint16_t)n;
			__atomic_store_n(&s->ready, 1, __ATOMIC_RELEASE);
			pfh_emit_stack(i + 1, ips, n);
			if (pfh_claims && pfh_claims->n < PFH_CLAIMS_MAX) {
				pfh_claims->slot[pfh_claims->n] = i;
				pfh_claims->hash[pfh_claims->n++] = h;
			}
			/* A new stack may come from a library dlopen'ed
			 * since the last look (and dlclose'd before the
			 * helper's next one). */
			pfh_maps_refresh();
			return i + 1;
		}
	compare:
		if (cur != h)
			continue;
		/* Another thread may still be filling it in; a slot left
		 * half-made by a fork is given up after a while. */
		for (spin = 0; spin < (1u << 16); spin++)
			if (__atomic_load_n(&s->ready, __ATOMIC_ACQUIRE))
				break;
		if (__atomic_load_n(&s->ready, __ATOMIC_ACQUIRE) == 1 &&
		    s->n == n &&
		    !memcmp(pfh_frames + s->off, ips, n * sizeof(*ips)))
			return i + 1;
	}
	return 0;
}
