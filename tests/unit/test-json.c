#include "core/compat.h"
#include "core/json.h"
#include <criterion/criterion.h>

static char *buf;
static size_t len;

static FILE *mem(void)
{
	return open_memstream(&buf, &len);
}

Test(json, compact_document)
{
	struct json_writer w;
	FILE *fp = mem();

	json_init(&w, fp, 0);
	json_begin_object(&w);
	json_key(&w, "name");
	json_string(&w, "a\"b\\c\n</script>");
	json_key(&w, "n");
	json_int(&w, -42);
	json_key(&w, "list");
	json_begin_array(&w);
	json_double(&w, 0.1);
	json_double(&w, 1e300 * 1e300);
	json_bool(&w, 1);
	json_uint(&w, 18446744073709551615ull);
	json_end_array(&w);
	json_key(&w, "empty");
	json_begin_object(&w);
	json_end_object(&w);
	json_end_object(&w);
	fclose(fp);
	cr_assert_str_eq(buf, "{\"name\":\"a\\\"b\\\\c\\n<\\u002fscript>\","
			      "\"n\":-42,\"list\":[0.1,null,true,"
			      "18446744073709551615],\"empty\":{}}");
	free(buf);
}

Test(json, pretty_document)
{
	struct json_writer w;
	FILE *fp = mem();

	json_init(&w, fp, 1);
	json_begin_object(&w);
	json_key(&w, "a");
	json_begin_array(&w);
	json_int(&w, 1);
	json_int(&w, 2);
	json_end_array(&w);
	json_end_object(&w);
	fclose(fp);
	cr_assert_str_eq(buf, "{\n  \"a\": [\n    1,\n    2\n  ]\n}");
	free(buf);
}

Test(json, doubles_round_trip)
{
	struct json_writer w;
	FILE *fp = mem();
	double v = 0.1 + 0.2;

	json_init(&w, fp, 0);
	json_double(&w, v);
	fclose(fp);
	cr_assert_eq(strtod(buf, NULL), v);
	cr_assert_str_eq(buf, "0.30000000000000004");
	free(buf);
}

Test(json, invalid_utf8_becomes_replacement_character)
{
	struct json_writer w;
	FILE *fp = mem();
	/* Valid 2-, 3- and 4-byte characters pass; a stray byte, a cut
	 * sequence, an overlong '/' and a surrogate do not. */
	const char in[] = "\xc3\xa9\xe2\x82\xac\xf0\x9f\x94\xa5|\xff|\xe2\x82|"
			  "\xc0\xaf|\xed\xa0\x80|\x01";

	json_init(&w, fp, 0);
	json_string(&w, in);
	fclose(fp);
	cr_assert_str_eq(buf, "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x94\xa5|\\ufffd|"
			      "\\ufffd\\ufffd|\\ufffd\\ufffd|"
			      "\\ufffd\\ufffd\\ufffd|\\u0001\"");
	free(buf);
}
