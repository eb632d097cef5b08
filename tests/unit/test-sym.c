/*
 * The symbolizer against the helper programs of tests/helper (symtest.c,
 * its stripped copy, its IBT variant, symtest-cxx.cc), checked against
 * binutils' view of the same files: nm, nm -C, objdump, addr2line,
 * readelf.
 */
#include "core/compat.h"
#include "core/strbuf.h"
#include "sym/demangle.h"
#include "sym/dso.h"
#include "sym/sym.h"
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <elf.h>
#include <sys/wait.h>

#define HELPER(name) PERFOPS_HELPER_DIR "/" name

/* The lines a shell command prints; skips the test if it cannot run. */
static char **lines_of(const char *cmd, size_t *nr)
{
	struct strbuf sb = STRBUF_INIT;
	char **v = NULL;
	size_t alloc = 0;
	FILE *fp = popen(cmd, "r");

	*nr = 0;
	if (!fp)
		cr_skip_test("cannot run %s", cmd);
	while (strbuf_getline(&sb, fp) == 0) {
		ALLOC_GROW(v, *nr + 1, alloc);
		v[(*nr)++] = xstrdup(sb.buf);
	}
	strbuf_release(&sb);
	if (pclose(fp) != 0 || !*nr)
		cr_skip_test("%s failed (binutils missing?)", cmd);
	return v;
}

static void free_lines(char **v, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(v[i]);
	free(v);
}

static struct dso *open_helper(const char *name)
{
	struct dso *d;

	if (access(name, R_OK))
		cr_skip_test("%s was not built", name);
	d = dso_open(name, name);
	cr_assert_eq(d->state, DSO_OK, "%s is readable", name);
	return d;
}

/* The address (and size) nm gives a symbol of the unstripped helper. */
static uint64_t nm_addr(const char *file, const char *sym, uint64_t *size)
{
	char cmd[512], name[256];
	unsigned long long a, s;
	size_t nr, i;
	char **v;
	uint64_t ret = 0;

	snprintf(cmd, sizeof(cmd), "nm -S --defined-only '%s'", file);
	v = lines_of(cmd, &nr);
	for (i = 0; i < nr; i++) {
		char type;

		/* nm -S prints no size column for a symbol of size 0. */
		s = 0;
		if ((sscanf(v[i], "%llx %llx %c %255s", &a, &s, &type, name) ==
			 4 ||
		     sscanf(v[i], "%llx %c %255s", &a, &type, name) == 3) &&
		    !strcmp(name, sym)) {
			ret = a;
			if (size)
				*size = s;
		}
	}
	free_lines(v, nr);
	cr_assert_neq(ret, 0, "nm finds %s in %s", sym, file);
	return ret;
}

/* The functions of symtest.c that are compiled out of line. */
static const char *const fns[] = {"sym_hot_one", "sym_hot_two", "sym_outer",
				  "sym_plt_loop", "main"};

static const char *name_at(struct dso *d, uint64_t vaddr)
{
	struct dso_frame f[8];
	size_t n = dso_frames(d, vaddr, 0, 0, f, 8);

	return n ? f[n - 1].name : NULL;
}

Test(sym, symbols_are_where_nm_puts_them)
{
	struct dso *d = open_helper(HELPER("perfops-symtest"));
	size_t i;

	cr_assert_not(d->stripped);
	for (i = 0; i < ARRAY_SIZE(fns); i++) {
		uint64_t size,
		    a = nm_addr(HELPER("perfops-symtest"), fns[i], &size);

		cr_assert_str_eq(name_at(d, a), fns[i]);
		cr_assert_str_eq(name_at(d, a + size - 1), fns[i]);
	}
	dso_free(d);
}

/* Every "ADDR <f@plt>:" of objdump -d must be named f@plt, end to end. */
static void check_plt(const char *file)
{
	struct dso *d = open_helper(file);
	char cmd[512], name[256];
	size_t nr, i, found = 0;
	char **v;

	snprintf(cmd, sizeof(cmd), "objdump -d -C --no-show-raw-insn '%s'",
		 file);
	v = lines_of(cmd, &nr);
	for (i = 0; i < nr; i++) {
		unsigned long long a;
		char want[300];
		const char *got;
		size_t len;

		if (sscanf(v[i], "%llx <%255[^>]>:", &a, name) != 2)
			continue;
		len = strlen(name);
		if (len < 5 || strcmp(name + len - 4, "@plt"))
			continue;
		snprintf(want, sizeof(want), "%s", name);
		got = name_at(d, a);
		cr_assert(got && !strcmp(got, want), "%s at %#llx: got %s",
			  want, a, got ? got : "(none)");
		/* The whole stub, not only its first byte. */
		got = name_at(d, a + 7);
		cr_assert(got && !strcmp(got, want), "%s at %#llx+7: got %s",
			  want, a, got ? got : "(none)");
		found++;
	}
	cr_assert_geq(found, 2, "objdump lists the strlen and atoi stubs");
	free_lines(v, nr);
	dso_free(d);
}

Test(sym, plt_stubs_are_named_like_objdump)
{
	check_plt(HELPER("perfops-symtest"));
}

Test(sym, plt_sec_stubs_are_named_like_objdump)
{
	check_plt(HELPER("perfops-symtest-ibt"));
}

/* No symbol covers .plt's first entry: _init (size 0) must not take it. */
Test(sym, size_zero_symbol_stops_at_its_section)
{
	struct dso *d = open_helper(HELPER("perfops-symtest"));
	unsigned long long a = 0;
	const char *got;
	size_t nr, i;
	char **v = lines_of("readelf -SW '" HELPER("perfops-symtest") "'", &nr);

	for (i = 0; i < nr; i++) {
		const char *p = strstr(v[i], " .plt ");

		if (p)
			sscanf(p, " .plt PROGBITS %llx", &a);
	}
	free_lines(v, nr);
	cr_assert_neq(a, 0, "readelf shows .plt");
	got = name_at(d, a);
	cr_assert(!got || strcmp(got, "_init"), ".plt's header is not _init");
	dso_free(d);
}

/*
 * sym_asm_nosize has no size; the function after it has no symbol in
 * perfops-symtest-unnamed: its FDE names it, not the symbol before.
 */
Test(sym, size_zero_symbol_stops_at_the_next_fde)
{
	struct dso *d = open_helper(HELPER("perfops-symtest-unnamed"));
	uint64_t size,
	    a = nm_addr(HELPER("perfops-symtest"), "sym_asm_next", &size),
	    z = nm_addr(HELPER("perfops-symtest"), "sym_asm_nosize", NULL);
	char want[128];

	snprintf(want, sizeof(want), "perfops-symtest-unnamed+%#" PRIx64, a);
	cr_assert_str_eq(name_at(d, z), "sym_asm_nosize");
	cr_assert_str_eq(name_at(d, a), want);
	cr_assert_str_eq(name_at(d, a + size - 1), want);
	dso_free(d);
}

/*
 * Labels (STT_NOTYPE in code) name the code only they cover, as perf
 * names ld.so's _start; a label inside a function with a size does not
 * take that function's samples.
 */
Test(sym, labels_name_code_no_function_covers)
{
	struct dso *d = open_helper(HELPER("perfops-symtest"));
	uint64_t size,
	    l = nm_addr(HELPER("perfops-symtest"), "sym_asm_label", NULL),
	    f = nm_addr(HELPER("perfops-symtest"), "sym_asm_sized", &size),
	    in = nm_addr(HELPER("perfops-symtest"), "sym_asm_inner", NULL);

	cr_assert_str_eq(name_at(d, l), "sym_asm_label");
	cr_assert_str_eq(name_at(d, l + 1), "sym_asm_label");
	cr_assert(in > f && in < f + size, "nm puts the label inside");
	cr_assert_str_eq(name_at(d, in), "sym_asm_sized");
	cr_assert_str_eq(name_at(d, f + size - 1), "sym_asm_sized");
	dso_free(d);
}

/*
 * Of the names of one function, the public one, as perf and nm users
 * know it (read, not glibc's local __GI___libc_read): an exported name
 * over a local one, then the one with fewer leading underscores.
 */
Test(sym, aliases_are_named_by_their_public_name)
{
	struct dso *d = open_helper(HELPER("perfops-symtest"));
	uint64_t a = nm_addr(HELPER("perfops-symtest"), "sym_alias_pub", NULL);

	cr_assert_eq(
	    nm_addr(HELPER("perfops-symtest"), "__sym_alias_hidden", NULL), a);
	cr_assert_str_eq(name_at(d, a), "sym_alias_pub");
	dso_free(d);
}

/* The name this process's libc gives the function dlsym() finds. */
static void check_libc_name(const char *fn)
{
	uint64_t addr = (uint64_t)(uintptr_t)dlsym(RTLD_DEFAULT, fn);
	struct symbolizer sy;
	struct dso_frame f[4];
	struct sym_loc loc;
	size_t n;

	cr_assert_neq(addr, 0, "dlsym finds %s", fn);
	sym_init(&sy, SYM_NO_INLINE);
	cr_assert_eq(sym_proc_read_maps(&sy, getpid()), 0);
	cr_assert_eq(sym_locate(&sy, getpid(), addr, &loc), 0);
	n = sym_frames(&sy, getpid(), &loc, addr, f, 4);
	cr_assert_gt(n, 0);
	cr_assert_str_eq(f[n - 1].name, fn);
	sym_release(&sy);
}

/*
 * glibc's read has local names (__GI___libc_read, __libc_read) beside
 * read and __read; free has a compatibility alias of an old version
 * (cfree@GLIBC_2.2.5), which .dynsym lists without its version.
 */
Test(sym, libc_functions_are_named_by_their_public_name)
{
	check_libc_name("read");
	check_libc_name("free");
}

/*
 * lld places code a page past its file offset: the load bias of a
 * mapping of it puts every code address where the link-time address
 * says, whether the mapping starts before the code segment (in the page
 * it shares with the segment before) or inside it.
 */
Test(sym, map_bias_of_code_lld_placed_past_its_offset)
{
	struct dso *d = open_helper(HELPER("perfops-cases-lld"));
	uint64_t start = 0x7f0000000000, off, vaddr, bias, pgoff;
	unsigned i, x = d->nload;

	for (i = 0; i < d->nload; i++)
		if (d->load[i].flags & PF_X)
			x = i;
	cr_assert_lt(x, d->nload, "a code segment");
	cr_assert_neq(d->load[x].vaddr, d->load[x].offset,
		      "lld did not place code at its offset");
	for (pgoff = d->load[x].offset & ~0xfffull;
	     pgoff < d->load[x].offset + d->load[x].filesz; pgoff += 0x1000) {
		cr_assert_eq(dso_map_bias(d, start, 0x2000, pgoff, &bias), 0);
		/* An offset of code in the mapping. */
		off = (pgoff > d->load[x].offset ? pgoff : d->load[x].offset) +
		      0x10;
		cr_assert_eq(dso_offset_to_vaddr(d, off, &vaddr), 0);
		cr_assert_eq(start + (off - pgoff), bias + vaddr,
			     "pgoff %#" PRIx64, pgoff);
	}
	dso_free(d);
}

Test(sym, build_id_matches_readelf)
{
	struct dso *d = open_helper(HELPER("perfops-symtest"));
	struct dso *s = open_helper(HELPER("perfops-symtest-stripped"));
	char want[64] = "";
	size_t nr, i;
	char **v = lines_of("readelf -n '" HELPER("perfops-symtest") "'", &nr);

	for (i = 0; i < nr; i++) {
		const char *p = strstr(v[i], "Build ID: ");

		if (p)
			sscanf(p + 10, "%63s", want);
	}
	free_lines(v, nr);
	cr_assert_eq(strlen(want), 40, "readelf shows a SHA-1 build-id");
	cr_assert_str_eq(d->build_id, want);
	cr_assert_str_eq(s->build_id, want, "the stripped copy keeps it");
	dso_free(d);
	dso_free(s);
}

/* addr2line -i gives the inline chain of an address inside sym_outer. */
static void check_inline(const char *file)
{
	struct dso *d = open_helper(file);
	uint64_t size, a = nm_addr(file, "sym_outer", &size), x;
	struct dso_frame f[8];
	size_t n = 0;

	/* clang gives some addresses line 0 (addr2line: "?"): skip them. */
	for (x = a; x < a + size; x++) {
		n = dso_frames(d, x, 1, 1, f, 8);
		if (n == 2 && f[0].line && f[1].line)
			break;
	}
	cr_assert_eq(n, 2, "an address of sym_outer is in inlined code");
	cr_assert_str_eq(f[0].name, "sym_inlined");
	cr_assert(f[0].inlined);
	cr_assert_str_eq(f[1].name, "sym_outer");
	{
		char cmd[512];
		char **v;
		size_t nr;
		unsigned l0 = 0, l1 = 0;

		snprintf(cmd, sizeof(cmd), "addr2line -f -i -e '%s' %#" PRIx64,
			 file, x);
		v = lines_of(cmd, &nr);
		cr_assert_eq(nr, 4, "addr2line: two frames");
		cr_assert_str_eq(v[0], "sym_inlined");
		cr_assert_str_eq(v[2], "sym_outer");
		cr_assert_eq(sscanf(strrchr(v[1], ':'), ":%u", &l0), 1);
		cr_assert_eq(sscanf(strrchr(v[3], ':'), ":%u", &l1), 1);
		cr_assert_eq(f[0].line, l0, "line in the inlined function");
		cr_assert_eq(f[1].line, l1, "line of the call");
		cr_assert(strstr(v[1], f[0].file), "%s in %s", f[0].file, v[1]);
		free_lines(v, nr);
	}
	dso_free(d);
}

Test(sym, inline_frames_match_addr2line)
{
	check_inline(HELPER("perfops-symtest"));
}

/*
 * At the addresses of the nr ranges [r[2i], r[2i+1]) (each step-th one),
 * the whole chain of inline frames addr2line -i gives, innermost first;
 * returns how many addresses were two inline frames deep.
 */
static size_t check_chains(const char *file, struct dso *d, const uint64_t *r,
			   size_t nranges, unsigned step)
{
	struct strbuf cmd = STRBUF_INIT;
	size_t nr, i, k = 0, deep = 0;
	uint64_t x;
	char **v;

	strbuf_addf(&cmd, "addr2line -a -f -i -e '%s'", file);
	for (i = 0; i < nranges; i++)
		for (x = r[2 * i]; x < r[2 * i + 1]; x += step)
			strbuf_addf(&cmd, " %#" PRIx64, x);
	v = lines_of(cmd.buf, &nr);
	strbuf_release(&cmd);
	cr_assert_gt(nr, 0, "addr2line gave nothing");
	/* "0xADDR" then a name line and a file:line line per frame. */
	for (i = 0; i < nr; i = k) {
		struct dso_frame f[8];
		const char *want[8];
		size_t n, m = 0, j;

		cr_assert_eq(sscanf(v[i], "%" SCNx64, &x), 1, "%s", v[i]);
		for (k = i + 1; k + 1 < nr && strncmp(v[k], "0x", 2); k += 2)
			if (m < 8)
				want[m++] = v[k];
		if (!strcmp(want[0], "??"))
			continue;
		n = dso_frames(d, x, 1, 0, f, 8);
		cr_assert_eq(n, m, "%#" PRIx64 ": %zu frames, addr2line %zu", x,
			     n, m);
		for (j = 0; j < m; j++)
			cr_assert_str_eq(f[j].name, want[j], "%#" PRIx64, x);
		deep += m == 3;
	}
	free_lines(v, nr);
	return deep;
}

/*
 * Code inlined into code inlined in turn: at every address of sym_outer2,
 * the whole chain of functions addr2line -i gives, innermost first.
 */
Test(sym, nested_inline_frames_match_addr2line)
{
	const char *file = HELPER("perfops-symtest");
	struct dso *d = open_helper(file);
	uint64_t size, r[2];

	r[0] = nm_addr(file, "sym_outer2", &size);
	r[1] = r[0] + size;
	cr_assert_gt(check_chains(file, d, r, 1, 1), 0,
		     "some addresses are two inline frames deep");
	dso_free(d);
}

/*
 * One large compile unit (CPython's ceval.c is one): hundreds of
 * functions, each with two levels of inlined calls and lexical blocks,
 * symbolized at addresses spread over the whole unit.  Each CU's scopes
 * are read once and searched; the chains must still be addr2line's.
 */
Test(sym, inline_frames_of_a_large_compile_unit)
{
	char dir[] = "/tmp/perfops-symcu-XXXXXX";
	struct strbuf src = STRBUF_INIT, cmd = STRBUF_INIT, bin = STRBUF_INIT;
	uint64_t r[2 * 400];
	size_t nr, k, nbig = 0;
	struct dso *d;
	char **v;
	FILE *fp;
	int i;

	cr_assert_not_null(mkdtemp(dir));
	strbuf_addf(&src, "%s/big.c", dir);
	strbuf_addf(&bin, "%s/big", dir);
	fp = fopen(src.buf, "w");
	cr_assert_not_null(fp);
	fputs("volatile int sink;\n", fp);
	for (i = 0; i < 400; i++)
		fprintf(fp,
			"static inline __attribute__((always_inline)) int "
			"in%d(int x) { int r = x * %d; if (x & 1) { int t = "
			"x ^ r; sink = t; r += t; } return r; }\n"
			"static inline __attribute__((always_inline)) int "
			"mid%d(int x) { sink = x; return in%d(x + 1) + 3; }\n"
			"__attribute__((noinline)) int big%d(int x) { "
			"sink = mid%d(x) + %d; return sink; }\n",
			i, i + 3, i, i, i, i, i);
	fputs("int main(void) { return big0(1) & big399(2); }\n", fp);
	fclose(fp);
	if (system("cc --version >/dev/null 2>&1"))
		cr_skip_test("no C compiler");
	strbuf_addf(&cmd, "cc -O2 -g -o '%s' '%s'", bin.buf, src.buf);
	cr_assert_eq(system(cmd.buf), 0, "%s", cmd.buf);
	d = dso_open(bin.buf, bin.buf);
	cr_assert_not_null(d);
	/* Every function's own bytes (addr2line also names the padding
	 * after a function, which has no symbol). */
	strbuf_reset(&cmd);
	strbuf_addf(&cmd, "nm -S --defined-only '%s'", bin.buf);
	v = lines_of(cmd.buf, &nr);
	for (k = 0; k < nr; k++) {
		unsigned long long a, s;

		if (sscanf(v[k], "%llx %llx %*c big%d", &a, &s, &i) == 3 &&
		    i >= 0 && i < 400 && nbig < 400) {
			r[2 * nbig] = a;
			r[2 * nbig++ + 1] = a + s;
		}
	}
	free_lines(v, nr);
	cr_assert_eq(nbig, 400, "nm finds the 400 functions");
	cr_assert_gt(check_chains(bin.buf, d, r, nbig, 3), 100,
		     "many addresses are two inline frames deep");
	dso_free(d);
	strbuf_reset(&cmd);
	strbuf_addf(&cmd, "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd.buf), 0);
	strbuf_release(&cmd);
	strbuf_release(&src);
	strbuf_release(&bin);
}

/* clang and rustc write no .debug_aranges: lines and inline frames stay. */
Test(sym, inline_frames_without_aranges)
{
	check_inline(HELPER("perfops-symtest-noaranges"));
}

/*
 * In the stripped copy each function is named by its FDE: the start nm
 * gives it in the unstripped file, from its first to its last byte.
 */
Test(sym, stripped_functions_are_named_by_their_fde)
{
	struct dso *d = open_helper(HELPER("perfops-symtest-stripped"));
	size_t i;

	cr_assert(d->stripped);
	for (i = 0; i < ARRAY_SIZE(fns); i++) {
		uint64_t size,
		    a = nm_addr(HELPER("perfops-symtest"), fns[i], &size);
		struct dso_frame f[4];
		char want[128];

		snprintf(want, sizeof(want),
			 "perfops-symtest-stripped+%#" PRIx64, a);
		cr_assert_eq(dso_frames(d, a, 1, 1, f, 4), 1);
		cr_assert_str_eq(f[0].name, want, "%s", fns[i]);
		cr_assert(f[0].unnamed);
		cr_assert_eq(dso_frames(d, a + size - 1, 1, 1, f, 4), 1);
		cr_assert_str_eq(f[0].name, want, "%s's last byte", fns[i]);
	}
	dso_free(d);
}

/* A binary deleted while it runs keeps its plain name in FDE names. */
Test(sym, deleted_file_is_named_without_the_kernels_note)
{
	const char *file = HELPER("perfops-symtest-stripped");
	struct dso *d;
	uint64_t a = nm_addr(HELPER("perfops-symtest"), "sym_hot_one", NULL);
	char want[128];

	if (access(file, R_OK))
		cr_skip_test("%s was not built", file);
	d = dso_open("/opt/app/prog (deleted)", file);
	snprintf(want, sizeof(want), "prog+%#" PRIx64, a);
	cr_assert_str_eq(name_at(d, a), want);
	dso_free(d);
}

/*
 * Every C++ function is named as nm -C names it, less the return type and
 * the parameter list, as perf names it: nm's "int twice<int>(int)" is
 * our "twice<int>".
 */
Test(sym, cxx_names_are_demangled_like_nm)
{
	struct dso *d = open_helper(HELPER("perfops-symtest-cxx"));
	size_t nr, nrc, i, checked = 0;
	char **raw = lines_of(
	    "nm --no-sort --defined-only '" HELPER("perfops-symtest-cxx") "'",
	    &nr);
	char **dem = lines_of("nm -C --no-sort --defined-only '" HELPER(
				  "perfops-symtest-cxx") "'",
			      &nrc);
	int spin = 0;

	cr_assert_eq(nr, nrc);
	for (i = 0; i < nr; i++) {
		unsigned long long a, b;
		char type, mangled[512];
		const char *want, *got, *at;
		size_t j;
		int alias = 0;

		if (sscanf(raw[i], "%llx %c %511s", &a, &type, mangled) != 3 ||
		    (type != 'T' && type != 't') || strncmp(mangled, "_Z", 2))
			continue;
		/* Aliases (C1/C2 constructors) share an address: one wins. */
		for (j = 0; j < nr; j++)
			if (j != i && sscanf(raw[j], "%llx", &b) == 1 && b == a)
				alias = 1;
		if (alias)
			continue;
		want = dem[i] + 19; /* "ADDRESS T " */
		got = name_at(d, a);
		cr_assert(got, "%s: no name (nm -C %s)", mangled, want);
		at = strstr(want, got);
		cr_assert(at && (at == want || at[-1] == ' ') &&
			      at[strlen(got)] == '(',
			  "%s: got %s, nm -C %s", mangled, got, want);
		spin |= !strcmp(got, "geo::Shape::spin");
		checked++;
	}
	cr_assert_geq(checked, 4);
	cr_assert(spin, "geo::Shape::spin is among them");
	free_lines(raw, nr);
	free_lines(dem, nrc);
	dso_free(d);
}

/* After an exec, the first file mapped is the program, ld.so comes next. */
/* The name of JIT code at addr in process pid, or NULL. */
static const char *late_jit_name(struct symbolizer *sy, int pid, uint64_t addr)
{
	struct sym_loc loc;
	struct dso_frame f[2];

	memset(&loc, 0, sizeof(loc));
	return sym_frames(sy, pid, &loc, addr, f, 2) == 1 ? f[0].name : NULL;
}

/*
 * The recording symbolizes after the events (a worker drains the ring
 * buffers first): a JIT that wrote an entry to its perf map and exited
 * before that entry was looked up is still named, from the map opened
 * while it ran.
 */
Test(sym, perf_map_entries_written_before_exit_are_read_after)
{
	struct symbolizer sy;
	char path[64], c = 0;
	int go[2], ready[2], status;
	pid_t pid;

	cr_assert_eq(pipe(go), 0);
	cr_assert_eq(pipe(ready), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (!pid) {
		FILE *fp;

		snprintf(path, sizeof(path), "/tmp/perf-%d.map", getpid());
		fp = fopen(path, "w");
		if (!fp)
			_exit(1);
		fprintf(fp, "7f0000001000 100 jit_first\n");
		fflush(fp);
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(1);
		fprintf(fp, "7f0000002000 100 jit_late\n");
		fclose(fp);
		_exit(0);
	}
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", pid);
	cr_assert_eq(read(ready[0], &c, 1), 1);
	sym_init(&sy, 0);
	cr_assert_str_eq(late_jit_name(&sy, pid, 0x7f0000001010), "jit_first");
	cr_assert_eq(write(go[1], "g", 1), 1);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && !WEXITSTATUS(status));
	cr_assert_str_eq(late_jit_name(&sy, pid, 0x7f0000002010), "jit_late",
			 "named after the process exited");
	sym_release(&sy);
	unlink(path);
}

Test(sym, the_program_is_the_first_file_mapped_after_exec)
{
	struct symbolizer sy;
	struct sym_map *m;

	sym_init(&sy, 0);
	sym_mmap(&sy, 42, 0x7f0000000000, 0x1000, 0, "/usr/lib/old.so");
	sym_exec(&sy, 42);
	cr_assert_null(sym_exe_map(&sy, 42));
	sym_mmap(&sy, 42, 0x555555555000, 0x2000, 0x1000, "/usr/bin/prog");
	sym_mmap(&sy, 42, 0x7f0000001000, 0x20000, 0x1000,
		 "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
	m = sym_exe_map(&sy, 42);
	cr_assert_not_null(m);
	cr_assert_str_eq(m->path, "/usr/bin/prog");
	cr_assert_eq(m->start, 0x555555555000);
	/* A forked child runs the same program. */
	sym_fork(&sy, 42, 43);
	cr_assert_str_eq(sym_exe_map(&sy, 43)->path, "/usr/bin/prog");
	sym_release(&sy);
}

__attribute__((noinline)) int sym_locate_target(int x);
__attribute__((noinline)) int sym_locate_target(int x)
{
	return x * 7 + 1;
}

/*
 * This very process: its program is /proc/self/exe, and an address of
 * one of its functions keeps the process address next to the link-time
 * one nm gives.
 */
Test(sym, locate_keeps_the_process_address)
{
	uint64_t addr = (uint64_t)(uintptr_t)&sym_locate_target;
	struct symbolizer sy;
	struct dso_frame f[4];
	struct sym_loc loc;
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct sym_map *m;

	cr_assert_gt(n, 0);
	exe[n] = '\0';
	sym_init(&sy, SYM_NO_INLINE);
	cr_assert_eq(sym_proc_read_maps(&sy, getpid()), 0);
	m = sym_exe_map(&sy, getpid());
	cr_assert_not_null(m);
	cr_assert_str_eq(m->path, exe);
	cr_assert_eq(sym_locate(&sy, getpid(), addr, &loc), 0);
	cr_assert_eq(loc.addr, addr);
	cr_assert(loc.map->start <= addr && addr < loc.map->end);
	cr_assert_eq(loc.vaddr, nm_addr(exe, "sym_locate_target", NULL));
	cr_assert_eq(sym_frames(&sy, getpid(), &loc, addr, f, 4), 1);
	cr_assert_str_eq(f[0].name, "sym_locate_target");
	(void)sym_locate_target(1);
	sym_release(&sy);
}

Test(sym, demangle_cxx_and_both_rust_schemes)
{
	static const char *const cases[][2] = {
	    /* As perf names them: no parameters, return type or clone. */
	    {"_ZN3geo5Shape4spinEi", "geo::Shape::spin"},
	    {"_ZN3geo5Shape4spinEi@plt", "geo::Shape::spin@plt"},
	    {"_Z5twiceIiET_S0_.cold", "twice<int>"},
	    /* Parameters inside template arguments stay, as in perf. */
	    {"_ZSt13__adjust_heapIN9__gnu_cxx17__normal_iteratorIPlSt6vectorIl"
	     "SaIlEEEEllNS0_5__ops15_Iter_comp_iterIZN3app6Worker3runEiEUlllE_"
	     "EEEvT_T0_SE_T1_T2_.isra.0",
	     "std::__adjust_heap<__gnu_cxx::__normal_iterator<long*, "
	     "std::vector<long, std::allocator<long> > >, long, long, "
	     "__gnu_cxx::__ops::_Iter_comp_iter<app::Worker::run(int)::"
	     "{lambda(long, long)#1}> >"},
	    {"_ZN12_GLOBAL__N_13fooEv", "(anonymous namespace)::foo"},
	    /* Rust legacy: the hash goes, as perf and rustfilt do. */
	    {"_ZN5names8spin_hot17h562f4b2c1873e9e5E", "names::spin_hot"},
	    /* Rust v0. */
	    {"_RNvNtCsjrHSEGnQ3l9_3std2rt19lang_start_internal",
	     "std::rt::lang_start_internal"},
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char *got = sym_demangle(cases[i][0]);

		cr_assert(got && !strcmp(got, cases[i][1]), "%s: got %s",
			  cases[i][0], got ? got : "(null)");
		free(got);
	}
	cr_assert_null(sym_demangle("main"));
	cr_assert_null(sym_demangle("_Zgarbage"));
	cr_assert_null(sym_demangle("_R"));
}

/* Every FDE readelf lists is found, from its first to its last byte. */
static void check_fdes(const char *file)
{
	struct dso *d = open_helper(file);
	char cmd[512];
	size_t nr, i, n = 0;
	char **v;

	/* readelf exits 1 over libc's odd entries but lists them all. */
	snprintf(cmd, sizeof(cmd),
		 "readelf --debug-dump=frames '%s' 2>/dev/null || true", file);
	v = lines_of(cmd, &nr);
	for (i = 0; i < nr; i++) {
		const char *p = strstr(v[i], " FDE cie=");
		unsigned long long a, b;
		uint64_t s, e;

		if (!p || !(p = strstr(p, "pc=")) ||
		    sscanf(p, "pc=%llx..%llx", &a, &b) != 2 || a == b)
			continue;
		cr_assert_eq(ehframe_find(d, a, &s, &e), 0, "%#llx", a);
		cr_assert(s == a && e == b,
			  "%#llx..%#llx: got %#" PRIx64 "..%#" PRIx64, a, b, s,
			  e);
		cr_assert_eq(ehframe_find(d, b - 1, &s, &e), 0);
		cr_assert(s == a && e == b);
		n++;
	}
	cr_assert_geq(n, 5, "readelf lists FDEs in %s", file);
	free_lines(v, nr);
	dso_free(d);
}

Test(sym, fde_ranges_match_readelf)
{
	check_fdes(HELPER("perfops-symtest-stripped"));
}

/* The C library this test runs with, as /proc/self/maps names it. */
static void libc_path(char *path, size_t size)
{
	size_t nr, i;
	char **v = lines_of("cat /proc/self/maps", &nr);

	path[0] = '\0';
	for (i = 0; i < nr && !path[0]; i++) {
		const char *p = strchr(v[i], '/');

		if (p && strstr(p, "/libc.so"))
			snprintf(path, size, "%s", p);
	}
	free_lines(v, nr);
	if (!path[0])
		cr_skip_test("no libc.so mapped");
}

/* Thousands of FDEs, hand-written assembly among them. */
Test(sym, libc_fde_ranges_match_readelf)
{
	char path[PATH_MAX];

	libc_path(path, sizeof(path));
	check_fdes(path);
}

/* libc calls its own IFUNCs through the PLT: "*ABS*+0x9f550@plt". */
Test(sym, libc_plt_stubs_are_named_like_objdump)
{
	char path[PATH_MAX];

	libc_path(path, sizeof(path));
	check_plt(path);
}

/*
 * The JIT name of addr in this process, through /tmp/perf-PID.map as
 * it is at the time of the call (a fresh symbolizer each time).
 */
static const char *jit_name(uint64_t addr, char *buf, size_t size)
{
	struct symbolizer sy;
	struct dso_frame f[2];
	struct sym_loc loc;
	size_t n;

	sym_init(&sy, 0);
	sym_mmap(&sy, getpid(), 0x7f0000100000, 0x10000, 0, "//anon");
	cr_assert_eq(sym_locate(&sy, getpid(), addr, &loc), 0);
	n = sym_frames(&sy, getpid(), &loc, addr, f, 2);
	snprintf(buf, size, "%s", n ? f[0].name : "(none)");
	sym_release(&sy);
	return buf;
}

/*
 * /tmp is everyone's: a perf map that is a symlink (to any file root can
 * read) or that belongs to another user is not read.
 */
Test(sym, perf_map_is_read_only_when_safe)
{
	char map[64], other[64], buf[64];
	FILE *fp;

	snprintf(map, sizeof(map), "/tmp/perf-%d.map", (int)getpid());
	snprintf(other, sizeof(other), "/tmp/perfops-test-%d.map",
		 (int)getpid());
	fp = fopen(map, "w");
	cr_assert_not_null(fp);
	fputs("7f0000100000 100 jit_fn\n", fp);
	fclose(fp);
	cr_assert_str_eq(jit_name(0x7f0000100010, buf, sizeof(buf)), "jit_fn");
	rename(map, other);
	cr_assert_eq(symlink(other, map), 0);
	cr_assert_str_eq(jit_name(0x7f0000100010, buf, sizeof(buf)), "(none)",
			 "a symlink is not followed");
	unlink(map);
	cr_assert_eq(link(other, map), 0);
	cr_assert_str_eq(jit_name(0x7f0000100010, buf, sizeof(buf)), "(none)",
			 "a hard link is not read");
	unlink(other);
	if (!geteuid()) {
		cr_assert_eq(chown(map, 54321, 54321), 0);
		cr_assert_str_eq(jit_name(0x7f0000100010, buf, sizeof(buf)),
				 "(none)", "another user's map is not read");
	}
	unlink(map);
}
