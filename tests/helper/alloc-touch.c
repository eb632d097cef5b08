/*
 * alloc-touch MB: allocate MB mebibytes, write to every page so that they
 * become resident, and exit.  The peak RSS of a run is then about MB plus
 * the few hundred KiB of the program itself, which the bench e2e tests
 * check perfops reports per run.
 */
#include "core/compat.h"

int main(int argc, char **argv)
{
	size_t mb, i, len;
	volatile char *p;
	char *end;

	if (argc != 2)
		return 2;
	mb = strtoul(argv[1], &end, 10);
	if (*end)
		return 2;
	len = mb << 20;
	p = malloc(len ? len : 1);
	if (!p)
		return 1;
	for (i = 0; i < len; i += 4096)
		p[i] = (char)i;
	return p[len / 2] == 42;
}
