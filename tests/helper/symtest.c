/*
 * A program with known symbols for the symbolizer's tests (src/sym/):
 * two out-of-line hot functions, a function inlined into another (DWARF
 * inline records), calls into libc through the PLT, a GNU build-id, and a
 * stripped copy built from it (perfops-symtest-stripped).
 *
 *   perfops-symtest [spin|plt|libc] [SECONDS]
 *
 * spin: sym_hot_one and sym_hot_two take about 2/3 and 1/3 of the CPU.
 * plt:  sym_plt_loop calls libc's strlen and atoi through their PLT
 *       stubs in a tight loop, so samples land in .plt.
 * libc: memset of a large buffer for the first half, so the first
 *       samples are in libc, then spin.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
/* noclone: a specialized copy would get another symbol name. */
#define NOINLINE __attribute__((noinline, noclone))
#endif

volatile unsigned long sym_sink;
const char *volatile sym_text = "12";

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

NOINLINE void sym_hot_one(unsigned long n)
{
	unsigned long i, x = sym_sink;

	for (i = 0; i < n; i++)
		x = x * 6364136223846793005ul + 1442695040888963407ul;
	sym_sink = x;
}

NOINLINE void sym_hot_two(unsigned long n)
{
	unsigned long i, x = sym_sink;

	for (i = 0; i < n; i++)
		x = x * 2862933555777941757ul + 3037000493ul;
	sym_sink = x;
}

/* Inlined even under -fno-inline: always_inline overrides it. */
static inline __attribute__((always_inline)) unsigned long
sym_inlined(unsigned long x)
{
	unsigned long i;

	for (i = 0; i < 1000; i++)
		x = x * 6364136223846793005ul + 1442695040888963407ul;
	return x;
}

NOINLINE void sym_outer(unsigned long n)
{
	unsigned long i, x = sym_sink;

	for (i = 0; i < n; i++)
		x = sym_inlined(x) ^ i;
	sym_sink = x;
}

/* Inlined code that calls inlined code: two inline frames deep. */
static inline __attribute__((always_inline)) unsigned long
sym_inlined_outer(unsigned long x)
{
	unsigned long i;

	for (i = 0; i < 3; i++)
		x = sym_inlined(x) * 3 + i;
	return x;
}

NOINLINE void sym_outer2(unsigned long n)
{
	unsigned long i, x = sym_sink;

	for (i = 0; i < n; i++)
		x = sym_inlined_outer(x) ^ i;
	sym_sink = x;
}

/*
 * One function under several names, as glibc exports read(): a static
 * name, a hidden alias (local once linked, like glibc's __GI_ names), an
 * internal global name with underscores and the public one.
 */
NOINLINE static void sym_alias_impl(void)
{
	sym_sink++;
}
extern void __sym_alias_hidden(void)
    __attribute__((alias("sym_alias_impl"), visibility("hidden")));
extern void __sym_alias_pub(void) __attribute__((alias("sym_alias_impl")));
extern void sym_alias_pub(void) __attribute__((alias("sym_alias_impl")));

/*
 * Hand-written code: sym_asm_nosize has no size (no .size directive, as
 * in much assembly), and the function after it loses its symbol in
 * perfops-symtest-unnamed (objcopy --strip-symbol), so only its FDE
 * tells that the code there is not sym_asm_nosize's.
 */
__asm__(".text\n"
	".globl sym_asm_nosize\n"
	".type sym_asm_nosize, @function\n"
	"sym_asm_nosize:\n"
	".cfi_startproc\n"
	"nop\n"
	"ret\n"
	".cfi_endproc\n"
	".globl sym_asm_next\n"
	".type sym_asm_next, @function\n"
	"sym_asm_next:\n"
	".cfi_startproc\n"
	"nop\n"
	"nop\n"
	"nop\n"
	"ret\n"
	".cfi_endproc\n"
	".size sym_asm_next, .-sym_asm_next\n");

/*
 * Assembly as ld.so's entry point is written: sym_asm_label is a bare
 * label (STT_NOTYPE, no size, no CFI), the root frame of every process
 * before main.  sym_asm_inner is a label inside a function that has a
 * size: the samples there are sym_asm_sized's.
 */
__asm__(".text\n"
	".globl sym_asm_label\n"
	"sym_asm_label:\n"
	"nop\n"
	"nop\n"
	"ret\n"
	".globl sym_asm_sized\n"
	".type sym_asm_sized, @function\n"
	"sym_asm_sized:\n"
	".cfi_startproc\n"
	"nop\n"
	".globl sym_asm_inner\n"
	"sym_asm_inner:\n"
	"nop\n"
	"ret\n"
	".cfi_endproc\n"
	".size sym_asm_sized, .-sym_asm_sized\n");

NOINLINE void sym_plt_loop(unsigned long n)
{
	unsigned long i, x = 0;

	for (i = 0; i < n; i++)
		x += strlen(sym_text) + (unsigned long)atoi(sym_text);
	sym_sink = x;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "spin";
	double end = now() + (argc > 2 ? atof(argv[2]) : 1.0);
	int plt = !strcmp(mode, "plt");

	if (!plt && strcmp(mode, "spin") && strcmp(mode, "libc")) {
		fprintf(stderr,
			"usage: perfops-symtest [spin|plt|libc] [SECONDS]\n");
		return 2;
	}
	if (!strcmp(mode, "libc")) {
		static char buf[1 << 20];
		double half = now() + (end - now()) / 2;

		while (now() < half) {
			memset(buf, (int)sym_sink, sizeof(buf));
			sym_sink += (unsigned char)buf[sym_sink % sizeof(buf)];
		}
	}
	sym_alias_pub();
	while (now() < end) {
		if (plt) {
			sym_plt_loop(100000);
			continue;
		}
		sym_hot_one(2000000);
		sym_hot_two(1000000);
		sym_outer(10);
	}
	return 0;
}
