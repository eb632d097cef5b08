#ifndef PERFOPS_SYM_MAPS_H
#define PERFOPS_SYM_MAPS_H

#include <stddef.h>
#include <stdint.h>

struct dso;

/*
 * The executable mappings of one process, sorted by address and never
 * overlapping: a new mapping (an MMAP2 record, a line of /proc/PID/maps)
 * cuts away whatever it covers, as mmap() itself does.  The table owns
 * the path copies, not the dsos (the symbolizer's cache owns those).
 */
struct sym_map {
	uint64_t start, end, pgoff;
	char *path;
	struct dso *dso; /* NULL until first used */
	int reported;	 /* told to the unwinder */
};

struct sym_maps {
	struct sym_map *v;
	size_t nr, alloc;
};

void maps_init(struct sym_maps *m);
void maps_release(struct sym_maps *m);
/* Add [start, end) mapped from path at file offset pgoff. */
void maps_insert(struct sym_maps *m, uint64_t start, uint64_t end,
		 uint64_t pgoff, const char *path);
/* The mapping that contains addr, or NULL. */
struct sym_map *maps_find(const struct sym_maps *m, uint64_t addr);
/* Make dst a copy of src (a fork). */
void maps_copy(struct sym_maps *dst, const struct sym_maps *src);
/*
 * Parse one /proc/PID/maps line; adds it when it is executable (an
 * anonymous one as "//anon", as MMAP2 records name it).  Returns 1 when
 * added, 0 when skipped, -1 when malformed.
 */
int maps_parse_line(struct sym_maps *m, const char *line);

#endif
