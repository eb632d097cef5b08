#include "core/compat.h"
#include "core/strbuf.h"
#include "core/utf8.h"
#include <criterion/criterion.h>

Test(utf8, len_of_valid_and_invalid_sequences)
{
	cr_assert_eq(utf8_len("a", 1), 1);
	cr_assert_eq(utf8_len("\x1b", 1), 1);
	cr_assert_eq(utf8_len("\xc3\xa9", 2), 2);
	cr_assert_eq(utf8_len("\xe2\x82\xac", 3), 3);
	cr_assert_eq(utf8_len("\xf0\x9f\x94\xa5", 4), 4);
	cr_assert_eq(utf8_len("\xe2\x82\xac", 2), 0, "cut by len");
	cr_assert_eq(utf8_len("\xff", 1), 0);
	cr_assert_eq(utf8_len("\x80", 1), 0, "a stray continuation byte");
	cr_assert_eq(utf8_len("\xc0\xaf", 2), 0, "an overlong '/'");
	cr_assert_eq(utf8_len("\xe0\x80\xaf", 3), 0, "an overlong '/'");
	cr_assert_eq(utf8_len("\xed\xa0\x80", 3), 0, "a surrogate");
	cr_assert_eq(utf8_len("\xf4\x90\x80\x80", 4), 0, "past U+10FFFF");
	cr_assert_eq(utf8_len("\xc3(", 2), 0, "a bad continuation");
}

Test(utf8, printable_escapes_what_a_terminal_acts_on)
{
	struct strbuf sb = STRBUF_INIT;
	/* An OSC title, a clear screen, DEL, the 8-bit CSI (U+009B), a bad
	 * byte; a tab, é and U+00A0 stay as they are. */
	const char in[] = "\x1b]0;pwned\x07|\x1b[2J|\x7f|\xc2\x9b|\xff|\t|"
			  "\xc3\xa9\xc2\xa0";
	char *dup;

	utf8_add_printable(&sb, in, strlen(in));
	cr_assert_str_eq(sb.buf, "\\x1b]0;pwned\\x07|\\x1b[2J|\\x7f|\\xc2\\x9b|"
				 "\\xff|\t|\xc3\xa9\xc2\xa0");
	dup = utf8_printable_dup("plain text");
	cr_assert_str_eq(dup, "plain text");
	free(dup);
	strbuf_release(&sb);
}
