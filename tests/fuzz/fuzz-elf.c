/*
 * libFuzzer target: the ELF reading of the symbolizer (symbols, PLT
 * stubs, .eh_frame_hdr and FDEs) on an image in memory.  perfops often
 * runs as root over programs it did not build: a hostile binary must not
 * crash or hang it.  The seeds (corpus/elf/) are a 3 KB shared object
 * with symbols, PLT stubs, a build-id and .eh_frame_hdr, and its stripped
 * copy, from three functions where one calls the next through the PLT:
 *   gcc -Os -fPIC -shared -nostdlib -Wl,-N -Wl,--build-id -Wl,-z,norelro
 *   strip -o tiny-stripped.so tiny.so
 */
#include "core/compat.h"
#include "sym/dso.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void probe(struct dso *d, uint64_t addr)
{
	struct dso_frame f[8];
	size_t n = dso_frames(d, addr, 1, 1, f, ARRAY_SIZE(f)), i;

	for (i = 0; i < n; i++)
		if (!f[i].name || !*f[i].name)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dso *d = dso_open_memory("fuzz.so", data, size);
	size_t i;

	for (i = 0; i < d->nload; i++) {
		const struct dso_load *l = &d->load[i];

		probe(d, l->vaddr);
		probe(d, l->vaddr + l->filesz / 2);
		probe(d, l->vaddr + l->filesz - 1);
	}
	for (i = 0; i < d->syms.nr && i < 64; i++)
		probe(d, d->syms.syms[i].start + 1);
	dso_free(d);
	return 0;
}
