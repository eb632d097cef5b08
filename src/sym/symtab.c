#include "core/compat.h"
#include "sym/symtab.h"

void symtab_init(struct symtab *st)
{
	memset(st, 0, sizeof(*st));
	arena_init(&st->names, 64 * 1024);
}

void symtab_release(struct symtab *st)
{
	free(st->syms);
	arena_release(&st->names);
	memset(st, 0, sizeof(*st));
}

struct sym_symbol *symtab_add(struct symtab *st, uint64_t start, uint64_t size,
			      const char *name, size_t len)
{
	struct sym_symbol *s;

	ALLOC_GROW(st->syms, st->nr + 1, st->alloc);
	s = &st->syms[st->nr++];
	memset(s, 0, sizeof(*s));
	s->start = start;
	s->size = size;
	s->name = arena_strndup(&st->names, name, len);
	st->sorted = 0;
	return s;
}

static size_t leading_underscores(const char *name)
{
	return strspn(name, "_");
}

/* Which of two ELF aliases names their function; <0: x. */
static int cmp_alias(const struct sym_symbol *x, const struct sym_symbol *y)
{
	size_t ux, uy, lx, ly;
	int vx, vy;

	if (x->elf_rank != y->elf_rank)
		return x->elf_rank > y->elf_rank ? -1 : 1;
	ux = leading_underscores(x->name);
	uy = leading_underscores(y->name);
	if (ux != uy)
		return ux < uy ? -1 : 1;
	vx = !!strchr(x->name, '@');
	vy = !!strchr(y->name, '@');
	if (vx != vy)
		return vx - vy;
	lx = strlen(x->name);
	ly = strlen(y->name);
	if (lx != ly)
		return lx > ly ? -1 : 1;
	return 0;
}

static int cmp_sym(const void *a, const void *b)
{
	const struct sym_symbol *x = a, *y = b;
	int c;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	/* Sized symbols first, then the public name, then the order they
	 * were added in. */
	if (!x->size != !y->size)
		return x->size ? -1 : 1;
	if (x->elf_rank && y->elf_rank && (c = cmp_alias(x, y)))
		return c;
	return x < y ? -1 : x > y;
}

void symtab_sort(struct symtab *st)
{
	uint64_t sized_end = 0;
	size_t i, j;

	if (st->sorted)
		return;
	/* An empty table has no array: qsort() must not see NULL. */
	if (st->nr > 1)
		qsort(st->syms, st->nr, sizeof(*st->syms), cmp_sym);
	for (i = j = 0; i < st->nr; i++) {
		const struct sym_symbol *s = &st->syms[i];

		if (j && st->syms[j - 1].start == s->start)
			continue;
		/*
		 * A symbol without size inside one with a size (a label in
		 * assembly) would take the rest of that function's samples.
		 */
		if (!s->size && s->start < sized_end)
			continue;
		if (s->size && s->start + s->size > sized_end)
			sized_end = s->start + s->size;
		st->syms[j++] = *s;
	}
	st->nr = j;
	st->sorted = 1;
}

const struct sym_symbol *symtab_find(const struct symtab *st, uint64_t addr,
				     uint64_t max_gap)
{
	size_t lo, hi = st->nr;
	const struct sym_symbol *s;

	/* Find the first symbol starting above addr. */
	lo = PARTITION_POINT(hi, mid, st->syms[mid].start <= addr);
	if (!lo)
		return NULL;
	s = &st->syms[lo - 1];
	if (s->size)
		return addr - s->start < s->size ? s : NULL;
	if (s->end && addr >= s->end)
		return NULL;
	if (max_gap && addr - s->start > max_gap)
		return NULL;
	return s;
}

/* Parse a hex number; returns the end or NULL if there were no digits. */
static const char *parse_hex(const char *p, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	const char *start = p;

	for (; p < end && isxdigit((unsigned char)*p); p++) {
		int c = (unsigned char)*p;

		v = v * 16 +
		    (unsigned)(isdigit(c) ? c - '0' : (c | 32) - 'a' + 10);
	}
	*out = v;
	return p == start ? NULL : p;
}

size_t symtab_parse_kallsyms(struct symtab *st, const char *text, size_t len,
			     int *zero_addrs)
{
	const char *p = text, *end = text + len;
	size_t n = 0, nonzero = 0;

	while (p < end) {
		const char *eol = memchr(p, '\n', end - p), *name, *q;
		uint64_t addr;
		char type;

		if (!eol)
			eol = end;
		q = parse_hex(p, eol, &addr);
		if (!q || q + 3 > eol || q[0] != ' ' || q[2] != ' ')
			goto next;
		type = q[1];
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			goto next;
		name = q + 3;
		/* Module symbols end with "\t[module]"; keep the name only. */
		for (q = name; q < eol && *q != '\t' && *q != ' '; q++)
			;
		if (q == name)
			goto next;
		if (addr)
			nonzero++;
		symtab_add(st, addr, 0, name, (size_t)(q - name));
		n++;
	next:
		p = eol + 1;
	}
	*zero_addrs = n && !nonzero;
	return n;
}

size_t symtab_parse_perfmap(struct symtab *st, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	size_t n = 0;

	while (p < end) {
		const char *eol = memchr(p, '\n', end - p), *q;
		uint64_t start, size;

		if (!eol)
			eol = end;
		q = parse_hex(p, eol, &start);
		if (!q || q >= eol || *q != ' ')
			goto next;
		q = parse_hex(q + 1, eol, &size);
		if (!q || q >= eol || *q != ' ' || !size)
			goto next;
		q++;
		/* The name is the rest of the line (it may hold spaces). */
		symtab_add(st, start, size, q, (size_t)(eol - q));
		n++;
	next:
		p = eol + 1;
	}
	return n;
}
