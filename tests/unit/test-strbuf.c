#include "core/compat.h"
#include "core/strbuf.h"
#include <criterion/criterion.h>
#include <signal.h>

Test(strbuf, add_and_format)
{
	struct strbuf sb = STRBUF_INIT;

	cr_assert_str_eq(sb.buf, "");
	strbuf_addstr(&sb, "abc");
	strbuf_addch(&sb, '-');
	strbuf_addf(&sb, "%d/%s", 42, "x");
	cr_assert_str_eq(sb.buf, "abc-42/x");
	cr_assert_eq(sb.len, 8);
	strbuf_setlen(&sb, 3);
	cr_assert_str_eq(sb.buf, "abc");
	strbuf_release(&sb);
	cr_assert_eq(sb.len, 0);
}

Test(strbuf, long_format_grows)
{
	struct strbuf sb = STRBUF_INIT;
	char big[5000];

	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cr_assert_eq(strbuf_addf(&sb, "<%s>", big), 0);
	cr_assert_eq(sb.len, sizeof(big) + 1);
	cr_assert_eq(sb.buf[0], '<');
	cr_assert_eq(sb.buf[sb.len - 1], '>');
	strbuf_release(&sb);
}

Test(strbuf, cap_refuses_growth)
{
	struct strbuf sb;

	strbuf_init_capped(&sb, 8);
	cr_assert_eq(strbuf_addstr(&sb, "12345678"), 0);
	cr_assert_eq(strbuf_addch(&sb, '9'), -1);
	cr_assert_eq(strbuf_addf(&sb, "%s", "more"), -1);
	cr_assert_str_eq(sb.buf, "12345678");
	strbuf_release(&sb);
}

Test(strbuf, xml_escape)
{
	struct strbuf sb = STRBUF_INIT;
	const char *in = "<script>alert('x&y')</script>\"";

	strbuf_add_xml(&sb, in, strlen(in));
	cr_assert_str_eq(sb.buf, "&lt;script&gt;alert(&apos;x&amp;y&apos;)"
				 "&lt;/script&gt;&quot;");
	strbuf_release(&sb);
}

Test(strbuf, getline_with_cap)
{
	char text[] = "short\nthis line is too long for the cap\nend";
	FILE *fp = fmemopen(text, strlen(text), "r");
	struct strbuf sb;

	strbuf_init_capped(&sb, 10);
	cr_assert_eq(strbuf_getline(&sb, fp), 0);
	cr_assert_str_eq(sb.buf, "short");
	cr_assert_eq(strbuf_getline(&sb, fp), -1);
	cr_assert_eq(strbuf_getline(&sb, fp), 0);
	cr_assert_str_eq(sb.buf, "end");
	cr_assert_eq(strbuf_getline(&sb, fp), EOF);
	fclose(fp);
	strbuf_release(&sb);
}

Test(strbuf, trim_and_detach)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len;
	char *s;

	strbuf_addstr(&sb, "  \t hello world \n");
	strbuf_trim(&sb);
	cr_assert_str_eq(sb.buf, "hello world");
	s = strbuf_detach(&sb, &len);
	cr_assert_eq(len, 11);
	cr_assert_str_eq(s, "hello world");
	cr_assert_eq(sb.len, 0);
	free(s);
}

Test(strbuf, xml_replaces_what_xml_cannot_hold)
{
	struct strbuf sb = STRBUF_INIT;
	/* é and € stay; a stray byte, a cut sequence, U+FFFF, ESC and a
	 * C0 control become '?'; a tab stays. */
	const char in[] = "\xc3\xa9\xe2\x82\xac|\xff|\xe2\x82|\xef\xbf\xbf|"
			  "\x1b[2J|\t|&";

	strbuf_add_xml(&sb, in, strlen(in));
	cr_assert_str_eq(sb.buf, "\xc3\xa9\xe2\x82\xac|?|??|?|?[2J|\t|&amp;");
	strbuf_release(&sb);
}

#ifndef NDEBUG
/* The invariants are asserted in the developer and sanitizer builds. */
Test(strbuf, setlen_past_the_room_asserts, .signal = SIGABRT)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, "abc");
	strbuf_setlen(&sb, sb.alloc);
}
#endif
