#include "core/compat.h"
#include "sym/dso.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "sym/cuindex.h"
#include "sym/demangle.h"
#include "sym/plt.h"
#include <elfutils/libdwfl.h>
#include <dwarf.h>
#include <gelf.h>
#include <libelf.h>

static void elf_setup(void)
{
	static int done;

	if (!done) {
		elf_version(EV_CURRENT);
		done = 1;
	}
}

static int build_id_of(Elf *elf, char out[41])
{
	Elf_Scn *scn = NULL;

	out[0] = '\0';
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;
		size_t off = 0, noff, doff;
		GElf_Nhdr nh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		while ((off = gelf_getnote(data, off, &nh, &noff, &doff)) > 0) {
			const unsigned char *d =
			    (const unsigned char *)data->d_buf + doff;
			size_t i, n = MIN(nh.n_descsz, 20);

			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
			    memcmp((char *)data->d_buf + noff, "GNU", 4))
				continue;
			for (i = 0; i < n; i++)
				snprintf(out + 2 * i, 3, "%02x", d[i]);
			return 0;
		}
	}
	return -1;
}

int dso_read_build_id(const char *path, char out[41])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = -1;
	Elf *elf;

	out[0] = '\0';
	if (fd < 0)
		return -1;
	elf_setup();
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (elf) {
		ret = build_id_of(elf, out);
		elf_end(elf);
	}
	close(fd);
	return ret;
}

/*
 * The end of the section a symbol is defined in, 0 when unknown: a
 * symbol without size (_init, hand-written assembly) covers no address
 * past its section.
 */
static uint64_t section_end(Elf *elf, size_t shndx)
{
	Elf_Scn *scn;
	GElf_Shdr sh;

	if (shndx == SHN_UNDEF || shndx >= SHN_LORESERVE)
		return 0;
	scn = elf_getscn(elf, shndx);
	if (!scn || !gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC))
		return 0;
	return sh.sh_addr + sh.sh_size;
}

/*
 * Whether a symbol without a type is a label that starts code, as perf
 * takes it: hand-written assembly often declares no type (ld.so's
 * _start, the root frame of every process before main).  Assembler
 * locals (".L", annobin's ".annobin_") and symbols outside code (_end,
 * __bss_start) are not.
 */
static int is_code_label(Elf *elf, const GElf_Sym *sym, const char *name)
{
	int vis = GELF_ST_VISIBILITY(sym->st_other);
	Elf_Scn *scn;
	GElf_Shdr sh;

	if (name[0] == '.' || name[0] == '$' || vis == STV_HIDDEN ||
	    vis == STV_INTERNAL || sym->st_shndx >= SHN_LORESERVE)
		return 0;
	scn = elf_getscn(elf, sym->st_shndx);
	return scn && gelf_getshdr(scn, &sh) && (sh.sh_flags & SHF_EXECINSTR) &&
	       (sh.sh_flags & SHF_ALLOC);
}

/* Global or weak and visible outside its file (not glibc's __GI_ names). */
static int is_exported(const GElf_Sym *sym)
{
	int vis = GELF_ST_VISIBILITY(sym->st_other);

	return GELF_ST_BIND(sym->st_info) != STB_LOCAL && vis != STV_HIDDEN &&
	       vis != STV_INTERNAL;
}

/*
 * The symbol versions of .dynsym (.gnu.version), or NULL: its names carry
 * no "@VERSION", and a hidden version marks a compatibility alias
 * (cfree@GLIBC_2.2.5 of free).
 */
static Elf_Data *dynsym_versions(Elf *elf, size_t dynsym_index)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_GNU_versym &&
		    sh.sh_link == dynsym_index)
			return elf_getdata(scn, NULL);
	return NULL;
}

static int is_compat_version(Elf_Data *versions, size_t i)
{
	GElf_Versym v;

	return versions && gelf_getversym(versions, (int)i, &v) &&
	       (v & 0x8000) /* VERSYM_HIDDEN */;
}

/* Add the function symbols of the section of type want; returns how many. */
static size_t add_symbols(struct dso *d, Elf *elf, Elf64_Word want)
{
	Elf_Scn *scn = NULL;
	size_t n = 0;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data, *versions;
		size_t i, count;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != want ||
		    !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		versions = want == SHT_DYNSYM
			       ? dynsym_versions(elf, elf_ndxscn(scn))
			       : NULL;
		/* What was read, not what a damaged header claims. */
		count = data->d_size / sh.sh_entsize;
		for (i = 0; i < count; i++) {
			struct sym_symbol *s;
			GElf_Sym sym;
			const char *name, *ver;
			int type;

			if (!gelf_getsym(data, (int)i, &sym))
				continue;
			type = GELF_ST_TYPE(sym.st_info);
			if ((type != STT_FUNC && type != STT_GNU_IFUNC &&
			     type != STT_NOTYPE) ||
			    sym.st_shndx == SHN_UNDEF || !sym.st_value)
				continue;
			name = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (!name || !*name)
				continue;
			if (type == STT_NOTYPE &&
			    !is_code_label(elf, &sym, name))
				continue;
			/*
			 * A default version ("__libc_start_main@@GLIBC_2.34")
			 * is the name callers use; another version (@) is a
			 * compatibility alias, and ranks as a local name.
			 */
			ver = strstr(name, "@@");
			s = symtab_add(
			    &d->syms, sym.st_value, sym.st_size, name,
			    ver ? (size_t)(ver - name) : strlen(name));
			s->elf_rank = is_exported(&sym) &&
					      (ver || !strchr(name, '@')) &&
					      !is_compat_version(versions, i)
					  ? 2
					  : 1;
			if (!sym.st_size)
				s->end = section_end(elf, sym.st_shndx);
			n++;
		}
	}
	return n;
}

static int has_section(Elf *elf, Elf64_Word type)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == type)
			return 1;
	return 0;
}

/* The .gnu_debuglink file name, or NULL. */
static const char *debuglink_of(Elf *elf)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name || strcmp(name, ".gnu_debuglink"))
			continue;
		data = elf_getdata(scn, NULL);
		if (data && data->d_size > 1 &&
		    memchr(data->d_buf, '\0', data->d_size))
			return data->d_buf;
	}
	return NULL;
}

/*
 * A path as the traced process sees it: without the "/proc/PID/root"
 * prefix through which its files are opened.
 */
static const char *process_path(const char *path)
{
	const char *p = path;

	if (strncmp(p, "/proc/", 6))
		return path;
	p += 6;
	if (!isdigit((unsigned char)*p))
		return path;
	while (isdigit((unsigned char)*p))
		p++;
	return !strncmp(p, "/root/", 6) ? p + 5 : path;
}

/* Load .symtab from a separate debug file; 0 when it had one. */
static int load_debug_file(struct dso *d, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = -1;
	char bid[41];
	Elf *elf;

	if (fd < 0)
		return -1;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	/*
	 * A debug file of another build would give wrong names.  Say which
	 * file was refused: "stripped, install the -dbg package" alone
	 * would send the user to install what is there already.
	 */
	if (elf && d->build_id[0] && !build_id_of(elf, bid) &&
	    strcmp(bid, d->build_id)) {
		warning("ignoring '%s': the debug file of another build "
			"(build-id %s, not %s as '%s')",
			process_path(path), bid, d->build_id, d->name);
	} else if (elf &&
		   (!d->build_id[0] ||
		    (!build_id_of(elf, bid) && !strcmp(bid, d->build_id))) &&
		   has_section(elf, SHT_SYMTAB) &&
		   add_symbols(d, elf, SHT_SYMTAB)) {
		d->debug_path = xstrdup(path);
		ret = 0;
	}
	if (elf)
		elf_end(elf);
	close(fd);
	return ret;
}

static void find_debug_symbols(struct dso *d, Elf *elf)
{
	struct strbuf sb = STRBUF_INIT;
	const char *link = debuglink_of(elf);

	if (d->build_id[0]) {
		strbuf_addf(&sb, "/usr/lib/debug/.build-id/%.2s/%s.debug",
			    d->build_id, d->build_id + 2);
		if (!load_debug_file(d, sb.buf))
			goto out;
	}
	if (link) {
		const char *slash = strrchr(d->open_path, '/');
		int dirlen = slash ? (int)(slash - d->open_path) : 0;
		const char *dir = d->open_path;
		const char *fmt[] = {"%.*s/%s", "%.*s/.debug/%s",
				     "/usr/lib/debug%.*s/%s"};
		size_t i;

		for (i = 0; i < ARRAY_SIZE(fmt); i++) {
			strbuf_reset(&sb);
			strbuf_addf(&sb, fmt[i], dirlen, dir, link);
			if (strcmp(sb.buf, d->open_path) &&
			    !load_debug_file(d, sb.buf))
				goto out;
		}
	}
	d->stripped = 1;
out:
	strbuf_release(&sb);
}

static int load_elf(struct dso *d, Elf *elf)
{
	GElf_Ehdr eh;
	size_t i, nph;

	if (elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh) ||
	    elf_getphdrnum(elf, &nph))
		return -1;
	d->is_dyn = eh.e_type == ET_DYN;
	for (i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph))
			continue;
		if (ph.p_type == PT_GNU_EH_FRAME) {
			d->eh.hdr = ph.p_vaddr;
			d->eh.hdr_size = ph.p_filesz;
		}
		if (ph.p_type != PT_LOAD || d->nload == ARRAY_SIZE(d->load))
			continue;
		d->load[d->nload].offset = ph.p_offset;
		d->load[d->nload].vaddr = ph.p_vaddr;
		d->load[d->nload].filesz = ph.p_filesz;
		d->load[d->nload].flags = ph.p_flags;
		d->nload++;
	}
	build_id_of(elf, d->build_id);
	if (has_section(elf, SHT_SYMTAB))
		add_symbols(d, elf, SHT_SYMTAB);
	else if (!d->image)
		find_debug_symbols(d, elf);
	add_symbols(d, elf, SHT_DYNSYM);
	plt_add_symbols(&d->syms, elf);
	symtab_sort(&d->syms);
	return 0;
}

static struct dso *dso_new(const char *name, const char *open_path)
{
	struct dso *d = xcalloc(1, sizeof(*d));

	d->name = xstrdup(name);
	d->open_path = xstrdup(open_path);
	d->fd = -1;
	symtab_init(&d->syms);
	symtab_init(&d->fdes);
	return d;
}

struct dso *dso_open(const char *name, const char *open_path)
{
	struct dso *d = dso_new(name, open_path);
	Elf *elf = NULL;

	elf_setup();
	d->fd = open(open_path, O_RDONLY | O_CLOEXEC);
	if (d->fd >= 0)
		elf = elf_begin(d->fd, ELF_C_READ_MMAP, NULL);
	if (!elf || load_elf(d, elf) < 0)
		d->state = DSO_UNREADABLE;
	if (elf)
		elf_end(elf);
	return d;
}

struct dso *dso_open_memory(const char *name, const void *image, size_t size)
{
	struct dso *d = dso_new(name, name);
	Elf *elf;

	elf_setup();
	d->image = xmalloc(size);
	memcpy(d->image, image, size);
	d->image_size = size;
	elf = elf_memory((char *)d->image, size);
	if (!elf || load_elf(d, elf) < 0)
		d->state = DSO_UNREADABLE;
	if (elf)
		elf_end(elf);
	return d;
}

void dso_free(struct dso *d)
{
	if (!d)
		return;
	if (d->dwfl)
		dwfl_end(d->dwfl);
	cu_index_free(d->cus);
	if (d->fd >= 0)
		close(d->fd);
	symtab_release(&d->syms);
	symtab_release(&d->fdes);
	ehframe_release(&d->eh);
	free(d->name);
	free(d->open_path);
	free(d->debug_path);
	free(d->image);
	free(d);
}

int dso_offset_to_vaddr(const struct dso *d, uint64_t offset, uint64_t *vaddr)
{
	unsigned i;

	for (i = 0; i < d->nload; i++) {
		const struct dso_load *l = &d->load[i];

		if (offset >= l->offset && offset < l->offset + l->filesz) {
			*vaddr = offset - l->offset + l->vaddr;
			return 0;
		}
	}
	return -1;
}

int dso_map_bias(const struct dso *d, uint64_t start, uint64_t len,
		 uint64_t pgoff, uint64_t *bias)
{
	const struct dso_load *found = NULL;
	unsigned i;

	for (i = 0; i < d->nload; i++) {
		const struct dso_load *l = &d->load[i];

		/* The mapping may start inside the segment (a split one). */
		if (l->offset >= pgoff + len || l->offset + l->filesz <= pgoff)
			continue;
		if (!found || ((l->flags & PF_X) && !(found->flags & PF_X)))
			found = l;
	}
	if (!found)
		return -1;
	*bias = start + (found->offset - pgoff) - found->vaddr;
	return 0;
}

int dso_read(struct dso *d, uint64_t vaddr, void *buf, size_t len)
{
	unsigned i;

	for (i = 0; i < d->nload; i++) {
		const struct dso_load *l = &d->load[i];
		uint64_t off;

		if (vaddr < l->vaddr || vaddr + len > l->vaddr + l->filesz)
			continue;
		off = vaddr - l->vaddr + l->offset;
		if (d->image) {
			if (off + len > d->image_size)
				return -1;
			memcpy(buf, d->image + off, len);
			return 0;
		}
		if (d->fd < 0)
			return -1;
		return pread(d->fd, buf, len, (off_t)off) == (ssize_t)len ? 0
									  : -1;
	}
	return -1;
}

static const Dwfl_Callbacks offline_callbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = dwfl_offline_section_address,
};

/* Set up libdw for the file; the module's bias maps link-time addresses. */
static Dwfl_Module *dwarf_module(struct dso *d)
{
	if (d->dwarf_tried)
		return d->module;
	d->dwarf_tried = 1;
	if (d->image || d->state != DSO_OK)
		return NULL;
	d->dwfl = dwfl_begin(&offline_callbacks);
	if (!d->dwfl)
		return NULL;
	d->module = dwfl_report_offline(d->dwfl, d->name, d->open_path, -1);
	dwfl_report_end(d->dwfl, NULL, NULL);
	return d->module;
}

static const char *basename_of(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* A demangled copy of name owned by the dso, or name itself. */
static const char *demangled(struct dso *d, const char *name)
{
	char *dm = sym_demangle(name);
	const char *s;

	if (!dm)
		return name;
	s = arena_strdup(&d->syms.names, dm);
	free(dm);
	return s;
}

/* The symbol's name, demangled on first use (most are never shown). */
static const char *symbol_name(struct dso *d, const struct sym_symbol *cs)
{
	struct sym_symbol *s = &d->syms.syms[cs - d->syms.syms];

	if (!s->demangled) {
		s->name = demangled(d, s->name);
		s->demangled = 1;
	}
	return s->name;
}

/*
 * The name of an inlined function: its linkage name demangled, as the
 * symbol of an out-of-line copy reads ("ns::f(int)", "crate::m::f"), else
 * its plain name (C).
 */
static const char *die_name(struct dso *d, Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *s;

	s = dwarf_formstring(
	    dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
	if (!s)
		s = dwarf_formstring(
		    dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr));
	if (s)
		return demangled(d, s);
	return dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &attr));
}

/*
 * Name code no symbol covers by the function its .eh_frame FDE says it is
 * in, "file+0xSTART" with the FDE's link-time start (what addr2line and
 * objdump take): every function the compiler emitted has an FDE, so a
 * stripped file still gets one row per function.  The names are kept in
 * d->fdes.  Returns NULL when no FDE covers vaddr.
 */
static const struct sym_symbol *fde_symbol(struct dso *d, uint64_t vaddr)
{
	const struct sym_symbol *s = symtab_find(&d->fdes, vaddr, 0);
	struct strbuf sb = STRBUF_INIT;
	uint64_t start, end;

	if (s)
		return s;
	if (ehframe_find(d, vaddr, &start, &end) < 0)
		return NULL;
	strbuf_addstr(&sb, basename_of(d->name));
	/* A file deleted while mapped: its name, not the kernel's note. */
	if (sb.len > 10 && !strcmp(sb.buf + sb.len - 10, " (deleted)"))
		strbuf_setlen(&sb, sb.len - 10);
	strbuf_addf(&sb, "+%#" PRIx64, start);
	symtab_add(&d->fdes, start, end - start, sb.buf, sb.len);
	strbuf_release(&sb);
	symtab_sort(&d->fdes);
	return symtab_find(&d->fdes, vaddr, 0);
}

/* The name of file number idx of the CU, or NULL. */
static const char *cu_file(Dwarf_Die *cu, Dwarf_Word idx)
{
	Dwarf_Files *files;
	size_t nfiles;

	if (dwarf_getsrcfiles(cu, &files, &nfiles) || idx >= nfiles)
		return NULL;
	return dwarf_filesrc(files, idx, NULL, NULL);
}

size_t dso_frames(struct dso *d, uint64_t vaddr, int inline_frames, int lines,
		  struct dso_frame *out, size_t max)
{
	const struct sym_symbol *s = symtab_find(&d->syms, vaddr, 1 << 20);
	Dwfl_Module *mod;
	GElf_Addr bias = 0;
	Dwarf_Addr addr, cubias;
	Dwarf_Die cubuf, *cu, *scopes = NULL;
	const char *file = NULL, *name;
	unsigned line = 0;
	size_t n = 0;
	int i, nscopes, unnamed = 0;

	if (!max)
		return 0;
	/*
	 * A symbol without size runs up to the next one, unless an FDE that
	 * starts after it says a function without a symbol came between.
	 */
	if (s && !s->size) {
		uint64_t start, end;

		if (!ehframe_find(d, vaddr, &start, &end) && start > s->start)
			s = NULL;
	}
	if (!s) {
		s = fde_symbol(d, vaddr);
		unnamed = 1;
	}
	if (!s)
		return 0;
	name = unnamed ? s->name : symbol_name(d, s);
	mod = (lines || inline_frames) ? dwarf_module(d) : NULL;
	if (!mod || !dwfl_module_getelf(mod, &bias)) {
		out[0] = (struct dso_frame){name, NULL, 0, 0, unnamed};
		return 1;
	}
	addr = vaddr + bias;
	cu = cu_index_find((struct cu_index **)&d->cus, mod, addr, &cubias,
			   &cubuf);
	if (lines && cu) {
		Dwarf_Line *l = dwarf_getsrc_die(cu, addr - cubias);
		int ln = 0;

		if (l) {
			file = dwarf_linesrc(l, NULL, NULL);
			dwarf_lineno(l, &ln);
		}
		line = ln > 0 ? (unsigned)ln : 0;
	}
	/* The scopes holding the address, innermost first: for an inlined
	 * call, the chain of inlined subroutines up to the function they
	 * were inlined into. */
	nscopes = inline_frames && cu
		      ? cu_index_scopes((struct cu_index **)&d->cus, cu,
					addr - cubias, &scopes)
		      : 0;
	/*
	 * scopes[] runs from the innermost scope out; each inlined
	 * subroutine is a frame whose caller line is its DW_AT_call_line.
	 */
	for (i = 0; i < nscopes && n + 1 < max; i++) {
		Dwarf_Attribute attr;
		Dwarf_Word cf = 0, cl = 0;
		const char *iname;

		if (dwarf_tag(&scopes[i]) != DW_TAG_inlined_subroutine)
			continue;
		iname = die_name(d, &scopes[i]);
		out[n++] = (struct dso_frame){iname ? iname : "[inlined]", file,
					      line, 1, 0};
		dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_file, &attr),
				&cf);
		dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_line, &attr),
				&cl);
		file = lines ? cu_file(cu, cf) : NULL;
		line = lines ? (unsigned)cl : 0;
	}
	free(scopes);
	out[n++] = (struct dso_frame){name, file, line, 0, unnamed};
	return n;
}
