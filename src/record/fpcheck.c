#include "core/compat.h"
#include "record/fpcheck.h"
#include "sym/dso.h"

static const unsigned char endbr64[4] = {0xf3, 0x0f, 0x1e, 0xfa};
/* push %rbp; mov %rsp,%rbp (both encodings of the mov). */
static const unsigned char push_mov[2][4] = {{0x55, 0x48, 0x89, 0xe5},
					     {0x55, 0x48, 0x8b, 0xec}};

static int starts_frame(const unsigned char *code)
{
	return !memcmp(code, push_mov[0], 4) || !memcmp(code, push_mov[1], 4);
}

int fpcheck_dso_keeps_fp(struct dso *d)
{
	const struct symtab *st = &d->syms;
	size_t i, step, looked = 0, framed = 0;

	if (d->state != DSO_OK || !st->nr)
		return 0;
	step = st->nr > 256 ? st->nr / 256 : 1;
	for (i = 0; i < st->nr; i += step) {
		const struct sym_symbol *s = &st->syms[i];
		unsigned char code[8];
		const unsigned char *c = code;

		/* Stubs and tiny leaves say nothing about the build. */
		if (s->size < 16 || dso_read(d, s->start, code, sizeof(code)))
			continue;
		if (!memcmp(c, endbr64, 4))
			c += 4;
		looked++;
		framed += starts_frame(c);
	}
	/*
	 * Built with -fno-omit-frame-pointer nearly every function starts
	 * so; without it, only those that need %rbp for alloca or a
	 * variable-length array, a few percent.
	 */
	return looked && framed * 2 >= looked;
}

int fpcheck_at_edge(struct dso *d, uint64_t vaddr)
{
	unsigned char code[4];

	if (dso_read(d, vaddr, code, sizeof(code)))
		return 0;
	if (!memcmp(code, endbr64, 4) || code[0] == 0x55 /* push %rbp */ ||
	    code[0] == 0xc3 /* ret */)
		return 1;
	return !memcmp(code, push_mov[0] + 1, 3) ||
	       !memcmp(code, push_mov[1] + 1, 3);
}
