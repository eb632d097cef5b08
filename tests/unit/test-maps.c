#include "core/compat.h"
#include "sym/maps.h"
#include <criterion/criterion.h>

Test(maps, insert_find_and_overlap)
{
	struct sym_maps m;
	struct sym_map *x;

	maps_init(&m);
	maps_insert(&m, 0x1000, 0x5000, 0, "/a");
	maps_insert(&m, 0x8000, 0x9000, 0x2000, "/b");
	cr_assert_eq(m.nr, 2);
	cr_assert_str_eq(maps_find(&m, 0x1000)->path, "/a");
	cr_assert_str_eq(maps_find(&m, 0x4fff)->path, "/a");
	cr_assert_null(maps_find(&m, 0x5000));
	cr_assert_null(maps_find(&m, 0xfff));
	/* A new mapping in the middle of /a splits it, as mmap() does. */
	maps_insert(&m, 0x2000, 0x3000, 0x7000, "/c");
	cr_assert_eq(m.nr, 4);
	cr_assert_str_eq(maps_find(&m, 0x1fff)->path, "/a");
	x = maps_find(&m, 0x2500);
	cr_assert_str_eq(x->path, "/c");
	cr_assert_eq(x->pgoff, 0x7000);
	x = maps_find(&m, 0x3000);
	cr_assert_str_eq(x->path, "/a");
	/* The right part keeps its file offset. */
	cr_assert_eq(x->pgoff, 0x2000);
	/* Covering several mappings replaces them all. */
	maps_insert(&m, 0x0, 0x10000, 0, "/d");
	cr_assert_eq(m.nr, 1);
	cr_assert_str_eq(maps_find(&m, 0x8500)->path, "/d");
	maps_release(&m);
}

Test(maps, parse_proc_maps_lines)
{
	struct sym_maps m;

	maps_init(&m);
	cr_assert_eq(maps_parse_line(&m, "55d0c0a00000-55d0c0a01000 r--p "
					 "00000000 08:01 123 /usr/bin/x"),
		     0);
	cr_assert_eq(maps_parse_line(&m, "55d0c0a01000-55d0c0a05000 r-xp "
					 "00001000 08:01 123 /usr/bin/x"),
		     1);
	cr_assert_eq(maps_parse_line(&m, "7ffd1000-7ffd3000 r-xp 00000000 "
					 "00:00 0                  [vdso]"),
		     1);
	cr_assert_eq(maps_parse_line(&m, "nonsense"), -1);
	cr_assert_eq(m.nr, 2);
	/* Anonymous code (a JIT's) has the name the kernel's events give it. */
	cr_assert_eq(maps_parse_line(&m, "7f0000000000-7f0000001000 r-xp "
					 "00000000 00:00 0 "),
		     1);
	cr_assert_str_eq(maps_find(&m, 0x7f0000000010)->path, "//anon");
	cr_assert_eq(maps_find(&m, 0x55d0c0a02000)->pgoff, 0x1000);
	cr_assert_str_eq(maps_find(&m, 0x7ffd1000)->path, "[vdso]");
	maps_release(&m);
}
