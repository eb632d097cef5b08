#include "core/compat.h"
#include "sym/symtab.h"
#include <criterion/criterion.h>

Test(symtab, find_respects_sizes_and_gaps)
{
	struct symtab st;

	symtab_init(&st);
	symtab_add(&st, 0x2000, 0x10, "b", 1);
	symtab_add(&st, 0x1000, 0x100, "a", 1);
	symtab_add(&st, 0x3000, 0, "c", 1);
	symtab_sort(&st);
	cr_assert_null(symtab_find(&st, 0xfff, 0));
	cr_assert_str_eq(symtab_find(&st, 0x1000, 0)->name, "a");
	cr_assert_str_eq(symtab_find(&st, 0x10ff, 0)->name, "a");
	/* Past a's size and before b: no symbol covers it. */
	cr_assert_null(symtab_find(&st, 0x1100, 0));
	cr_assert_str_eq(symtab_find(&st, 0x200f, 0)->name, "b");
	cr_assert_null(symtab_find(&st, 0x2010, 0));
	/* A symbol without size runs to the next one, within max_gap. */
	cr_assert_str_eq(symtab_find(&st, 0x3fff, 0)->name, "c");
	cr_assert_null(symtab_find(&st, 0x5000, 0x1000));
	symtab_release(&st);
}

Test(symtab, duplicates_keep_the_sized_symbol)
{
	struct symtab st;

	symtab_init(&st);
	symtab_add(&st, 0x1000, 0, "alias", 5);
	symtab_add(&st, 0x1000, 0x20, "real", 4);
	symtab_sort(&st);
	cr_assert_eq(st.nr, 1);
	cr_assert_str_eq(symtab_find(&st, 0x1010, 0)->name, "real");
	symtab_release(&st);
}

Test(symtab, kallsyms_functions_only)
{
	static const char text[] = "ffffffff81000000 T _text\n"
				   "ffffffff81000100 t do_thing\n"
				   "ffffffff81000200 D some_data\n"
				   "ffffffffc0000000 t mod_fn\t[nf_conntrack]\n"
				   "garbage line\n";
	struct symtab st;
	int zero;

	symtab_init(&st);
	cr_assert_eq(symtab_parse_kallsyms(&st, text, strlen(text), &zero), 3);
	cr_assert_eq(zero, 0);
	symtab_sort(&st);
	cr_assert_str_eq(symtab_find(&st, 0xffffffff81000150, 0)->name,
			 "do_thing");
	/* The data symbol was skipped, so do_thing runs up to _text's next. */
	cr_assert_str_eq(symtab_find(&st, 0xffffffff81000250, 0)->name,
			 "do_thing");
	cr_assert_str_eq(symtab_find(&st, 0xffffffffc0000010, 0)->name,
			 "mod_fn");
	symtab_release(&st);
}

Test(symtab, kallsyms_hidden_by_kptr_restrict)
{
	static const char text[] = "0000000000000000 T _text\n"
				   "0000000000000000 t do_thing\n";
	struct symtab st;
	int zero;

	symtab_init(&st);
	cr_assert_eq(symtab_parse_kallsyms(&st, text, strlen(text), &zero), 2);
	cr_assert_eq(zero, 1);
	symtab_release(&st);
}

Test(symtab, perf_map)
{
	static const char text[] =
	    "7f0000001000 40 LazyCompile:*fib /app.js:3\n"
	    "bad\n"
	    "7f0000002000 0 zero-size\n"
	    "7f0000003000 10 Py::main\n";
	struct symtab st;

	symtab_init(&st);
	cr_assert_eq(symtab_parse_perfmap(&st, text, strlen(text)), 2);
	symtab_sort(&st);
	cr_assert_str_eq(symtab_find(&st, 0x7f000000103f, 0)->name,
			 "LazyCompile:*fib /app.js:3");
	cr_assert_null(symtab_find(&st, 0x7f0000001040, 0));
	cr_assert_str_eq(symtab_find(&st, 0x7f0000003000, 0)->name, "Py::main");
	symtab_release(&st);
}

/*
 * A file without function symbols (`record -- true` sees ld.so's stub
 * mappings) sorts an empty table: qsort() must not be handed its NULL
 * array (UBSan: "null pointer passed as argument 1").
 */
Test(symtab, empty_table_sorts_and_finds_nothing)
{
	struct symtab st;

	symtab_init(&st);
	symtab_sort(&st);
	cr_assert_eq(st.nr, 0);
	cr_assert_null(symtab_find(&st, 0x1000, 0));
	symtab_release(&st);
}

/* A size-0 symbol (_init in .init) does not run on into .plt. */
Test(symtab, size_zero_symbol_ends_at_its_bound)
{
	struct symtab st;

	symtab_init(&st);
	symtab_add(&st, 0x1000, 0, "_init", 5)->end = 0x101b;
	symtab_add(&st, 0x1100, 0, "open_ended", 10);
	symtab_add(&st, 0x2000, 0x10, "next", 4);
	symtab_sort(&st);
	cr_assert_str_eq(symtab_find(&st, 0x101a, 0)->name, "_init");
	cr_assert_null(symtab_find(&st, 0x101b, 0));
	cr_assert_null(symtab_find(&st, 0x1030, 1 << 20));
	cr_assert_str_eq(symtab_find(&st, 0x1fff, 0)->name, "open_ended");
	symtab_release(&st);
}
