#include "core/compat.h"
#include "sym/maps.h"

void maps_init(struct sym_maps *m)
{
	memset(m, 0, sizeof(*m));
}

void maps_release(struct sym_maps *m)
{
	size_t i;

	for (i = 0; i < m->nr; i++)
		free(m->v[i].path);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

static void push(struct sym_maps *m, const struct sym_map *x)
{
	ALLOC_GROW(m->v, m->nr + 1, m->alloc);
	m->v[m->nr++] = *x;
}

void maps_insert(struct sym_maps *m, uint64_t start, uint64_t end,
		 uint64_t pgoff, const char *path)
{
	struct sym_maps out = {NULL, 0, 0};
	struct sym_map nm = {start, end, pgoff, xstrdup(path), NULL, 0};
	size_t i;
	int placed = 0;

	if (end <= start) {
		free(nm.path);
		return;
	}
	/* Rebuild in order: keep what lies outside [start, end). */
	for (i = 0; i < m->nr; i++) {
		struct sym_map *o = &m->v[i];

		if (!placed && o->start >= start) {
			push(&out, &nm);
			placed = 1;
		}
		if (o->end <= start || o->start >= end) {
			if (!placed && o->start >= end) {
				push(&out, &nm);
				placed = 1;
			}
			push(&out, o);
			continue;
		}
		if (o->start < start) {
			struct sym_map left = *o;

			left.end = start;
			left.path = xstrdup(o->path);
			left.reported = 0;
			push(&out, &left);
		}
		if (o->end > end) {
			struct sym_map right = *o;

			if (!placed) {
				push(&out, &nm);
				placed = 1;
			}
			right.pgoff += end - o->start;
			right.start = end;
			right.path = xstrdup(o->path);
			right.reported = 0;
			push(&out, &right);
		}
		free(o->path);
	}
	if (!placed)
		push(&out, &nm);
	free(m->v);
	*m = out;
}

struct sym_map *maps_find(const struct sym_maps *m, uint64_t addr)
{
	size_t lo = 0, hi = m->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->v[mid].end <= addr)
			lo = mid + 1;
		else if (m->v[mid].start > addr)
			hi = mid;
		else
			return &m->v[mid];
	}
	return NULL;
}

void maps_copy(struct sym_maps *dst, const struct sym_maps *src)
{
	size_t i;

	maps_release(dst);
	for (i = 0; i < src->nr; i++) {
		struct sym_map x = src->v[i];

		x.path = xstrdup(x.path);
		x.reported = 0;
		push(dst, &x);
	}
}

int maps_parse_line(struct sym_maps *m, const char *line)
{
	unsigned long long start, end, pgoff;
	char perms[8];
	int n = 0;
	const char *path;

	if (sscanf(line, "%llx-%llx %7s %llx %*s %*s%n", &start, &end, perms,
		   &pgoff, &n) != 4 ||
	    !n)
		return -1;
	if (strlen(perms) < 3 || perms[2] != 'x')
		return 0;
	path = line + n;
	while (*path == ' ' || *path == '\t')
		path++;
	/*
	 * Anonymous code (a JIT's) has no name here, "//anon" in the
	 * kernel's MMAP2 records: the same mapping read either way must be
	 * the same in the profile.
	 */
	if (!*path || *path == '\n')
		path = "//anon";
	maps_insert(m, start, end, pgoff, path);
	return 1;
}
