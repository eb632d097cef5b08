#include "core/compat.h"
#include "sym/plt.h"
#include "core/strbuf.h"
#include <gelf.h>

/* A GOT slot and the function whose address the dynamic linker puts in it. */
struct plt_slot {
	uint64_t got;
	const char *name;
};

struct plt_rels {
	struct plt_slot *v;
	size_t nr, alloc;
	struct arena names; /* the "*ABS*+0x..." names made up here */
	/* The names of .rela.plt in order, for the lazy entries' index. */
	const char **byindex;
	size_t nindex, index_alloc;
};

static Elf_Scn *section_named(Elf *elf, const char *want, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *name;

		if (!gelf_getshdr(scn, sh))
			continue;
		name = elf_strptr(elf, shstrndx, sh->sh_name);
		if (name && !strcmp(name, want))
			return scn;
	}
	return NULL;
}

/* Collect the JUMP_SLOT and GLOB_DAT relocations of one section. */
static void read_rels(Elf *elf, const char *secname, int index,
		      struct plt_rels *r)
{
	GElf_Shdr sh, symsh;
	Elf_Scn *scn = section_named(elf, secname, &sh), *symscn;
	Elf_Data *data, *syms;
	size_t i, count;

	if (!scn || sh.sh_type != SHT_RELA || !sh.sh_entsize)
		return;
	symscn = elf_getscn(elf, sh.sh_link);
	data = elf_getdata(scn, NULL);
	if (!symscn || !gelf_getshdr(symscn, &symsh) || !data)
		return;
	syms = elf_getdata(symscn, NULL);
	count = data->d_size / sh.sh_entsize;
	for (i = 0; i < count; i++) {
		const char *name = NULL;
		GElf_Rela rela;
		GElf_Sym sym;
		unsigned type;

		if (!gelf_getrela(data, (int)i, &rela))
			break;
		type = (unsigned)GELF_R_TYPE(rela.r_info);
		if (syms && GELF_R_SYM(rela.r_info) &&
		    gelf_getsym(syms, (int)GELF_R_SYM(rela.r_info), &sym))
			name = elf_strptr(elf, symsh.sh_link, sym.st_name);
		if (name && !*name)
			name = NULL;
		/*
		 * An IFUNC called from inside its own library: no symbol,
		 * the slot gets the resolver's result; objdump and perf name
		 * the stub after the resolver's address.
		 */
		if (type == R_X86_64_IRELATIVE) {
			char buf[64];

			snprintf(buf, sizeof(buf), "*ABS*+%#" PRIx64,
				 (uint64_t)rela.r_addend);
			name = arena_strdup(&r->names, buf);
			type = R_X86_64_JUMP_SLOT;
		}
		if (index) {
			ALLOC_GROW(r->byindex, r->nindex + 1, r->index_alloc);
			r->byindex[r->nindex++] = name;
		}
		if (!name ||
		    (type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT))
			continue;
		ALLOC_GROW(r->v, r->nr + 1, r->alloc);
		r->v[r->nr].got = rela.r_offset;
		r->v[r->nr].name = name;
		r->nr++;
	}
}

static int cmp_slot(const void *a, const void *b)
{
	const struct plt_slot *x = a, *y = b;

	return x->got < y->got ? -1 : x->got > y->got;
}

/* The function of a GOT slot (r->v sorted by address), or NULL. */
static const char *slot_name(const struct plt_rels *r, uint64_t got)
{
	struct plt_slot key = {got, NULL};
	const struct plt_slot *s;

	s = bsearch(&key, r->v, r->nr, sizeof(*r->v), cmp_slot);
	return s ? s->name : NULL;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/*
 * The function a stub at addr leads to.  The stubs are, with or without
 * endbr64 (f3 0f 1e fa) and the bnd prefix (f2):
 *   jmp *GOT(%rip)                   ff 25 rel32         (.plt, .plt.sec,
 *                                                          .plt.got)
 *   push $index; jmp .plt            68 imm32 e9/f2 e9   (lazy .plt entry)
 */
static const char *stub_target(const struct plt_rels *r, uint64_t addr,
			       const unsigned char *b, size_t len)
{
	static const size_t jmp_at[] = {0, 1, 4, 5};
	size_t i, p;

	for (i = 0; i < ARRAY_SIZE(jmp_at); i++) {
		const char *name;

		p = jmp_at[i];
		if (p + 6 > len || b[p] != 0xff || b[p + 1] != 0x25)
			continue;
		name = slot_name(r, addr + p + 6 + (int32_t)le32(b + p + 2));
		if (name)
			return name;
	}
	p = len >= 4 && !memcmp(b, "\xf3\x0f\x1e\xfa", 4) ? 4 : 0;
	if (p + 5 <= len && b[p] == 0x68 && le32(b + p + 1) < r->nindex)
		return r->byindex[le32(b + p + 1)];
	return NULL;
}

static size_t add_stubs(struct symtab *st, Elf *elf, const char *secname,
			const struct plt_rels *r, struct strbuf *name)
{
	GElf_Shdr sh;
	Elf_Scn *scn = section_named(elf, secname, &sh);
	Elf_Data *data;
	uint64_t off, ent;
	size_t n = 0;

	if (!scn || sh.sh_type != SHT_PROGBITS)
		return 0;
	data = elf_getdata(scn, NULL);
	if (!data || !data->d_buf || data->d_size < sh.sh_size)
		return 0;
	ent = sh.sh_entsize >= 8 && sh.sh_entsize <= 32 ? sh.sh_entsize : 16;
	for (off = 0; off + ent <= sh.sh_size; off += ent) {
		const char *fn = stub_target(
		    r, sh.sh_addr + off,
		    (const unsigned char *)data->d_buf + off, (size_t)ent);

		if (!fn)
			continue;
		strbuf_reset(name);
		strbuf_addf(name, "%s@plt", fn);
		symtab_add(st, sh.sh_addr + off, ent, name->buf, name->len);
		n++;
	}
	return n;
}

size_t plt_add_symbols(struct symtab *st, Elf *elf)
{
	static const char *const stubs[] = {".plt", ".plt.sec", ".plt.got"};
	struct plt_rels r;
	struct strbuf name = STRBUF_INIT;
	GElf_Ehdr eh;
	size_t i, n = 0;

	if (!gelf_getehdr(elf, &eh) || eh.e_machine != EM_X86_64)
		return 0;
	memset(&r, 0, sizeof(r));
	arena_init(&r.names, 4096);
	read_rels(elf, ".rela.plt", 1, &r);
	read_rels(elf, ".rela.dyn", 0, &r);
	if (r.nr > 1)
		qsort(r.v, r.nr, sizeof(*r.v), cmp_slot);
	if (r.nr)
		for (i = 0; i < ARRAY_SIZE(stubs); i++)
			n += add_stubs(st, elf, stubs[i], &r, &name);
	free(r.v);
	free(r.byindex);
	arena_release(&r.names);
	strbuf_release(&name);
	return n;
}
