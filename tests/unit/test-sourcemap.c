#include "core/compat.h"
#include "bundle/budget.h"
#include "bundle/bundle.h"
#include "bundle/sourcemap.h"
#include "core/error.h"
#include "core/strbuf.h"
#include <criterion/criterion.h>

static int32_t vlq1(const char *s, int *rc, size_t *stop)
{
	const char *p = s;
	int32_t v = 0;

	*rc = vlq_decode(&p, s + strlen(s), &v, NULL);
	*stop = p - s;
	return v;
}

Test(vlq, decodes_signs_and_continuations)
{
	static const struct {
		const char *s;
		int32_t v;
	} cases[] = {
	    {"A", 0},
	    {"C", 1},
	    {"D", -1},
	    {"2H", 123},
	    {"gB", 16},
	    {"gkh9B", 1000000},
	    {"+/////D", INT32_MAX},
	    {"//////D", -INT32_MAX},
	};
	size_t i, stop;
	int rc;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		int32_t v = vlq1(cases[i].s, &rc, &stop);

		cr_assert_eq(rc, 0, "%s", cases[i].s);
		cr_assert_eq(v, cases[i].v, "%s: %d", cases[i].s, v);
		cr_assert_eq(stop, strlen(cases[i].s));
	}
}

Test(vlq, rejects_bad_characters_overflow_and_cut_values)
{
	const char *why = NULL, *s = "gg!", *p = s;
	int32_t v;
	size_t stop;
	int rc;

	cr_assert_eq(vlq_decode(&p, s + 3, &v, &why), -1);
	cr_assert_eq(p - s, 2, "stops at the bad character");
	cr_assert_str_eq(why, "bad character");
	vlq1("ggggggE", &rc, &stop); /* 2^31 */
	cr_assert_eq(rc, -1);
	cr_assert_eq(stop, 6, "points at the digit that overflows");
	vlq1("hgggggE", &rc, &stop); /* -2^31 */
	cr_assert_eq(rc, -1);
	vlq1("gggggggggggggggggA", &rc, &stop); /* endless zero digits */
	cr_assert_eq(rc, -1);
	vlq1("g", &rc, &stop); /* continuation, then the end */
	cr_assert_eq(rc, -1);
	cr_assert_eq(stop, 1);
	vlq1("=", &rc, &stop);
	cr_assert_eq(rc, -1);
}

Test(mappings, decodes_lines_deltas_and_1_field_segments)
{
	struct sourcemap sm = SOURCEMAP_INIT;
	/* line 0: col 0 src 0, col 4 (no source), col 6 src 1;
	 * line 1 empty; line 2: col 2 src 0. */
	const char *m = "AAAA,I,ECAA;;EDAA";

	cr_assert_eq(
	    sourcemap_decode_mappings(&sm, m, strlen(m), 0, 0, 0, 2, "t"), 0);
	cr_assert_eq(sm.nseg, 4);
	cr_assert_eq(sm.seg[0].line, 0);
	cr_assert_eq(sm.seg[0].src, 0);
	cr_assert_eq(sm.seg[1].col, 4);
	cr_assert_eq(sm.seg[1].src, SM_NO_SOURCE);
	cr_assert_eq(sm.seg[2].col, 6);
	cr_assert_eq(sm.seg[2].src, 1);
	cr_assert_eq(sm.seg[3].line, 2);
	cr_assert_eq(sm.seg[3].col, 2, "columns reset on each line");
	cr_assert_eq(sm.seg[3].src, 0);
	sourcemap_release(&sm);
}

Test(mappings, bad_vlq_keeps_what_came_before)
{
	struct sourcemap sm = SOURCEMAP_INIT;
	const char *m = "AAAA;CAAA,C!AA";

	error_set_quiet(1);
	cr_assert_eq(
	    sourcemap_decode_mappings(&sm, m, strlen(m), 0, 0, 0, 1, "t"), -1);
	cr_assert_eq(sm.nseg, 2);
	/* 2 and 3 fields, a source index out of range, a negative column. */
	cr_assert_eq(sourcemap_decode_mappings(&sm, "AA", 2, 0, 0, 0, 1, "t"),
		     -1);
	cr_assert_eq(sourcemap_decode_mappings(&sm, "AAA", 3, 0, 0, 0, 1, "t"),
		     -1);
	cr_assert_eq(sourcemap_decode_mappings(&sm, "ACAA", 4, 0, 0, 0, 1, "t"),
		     -1);
	cr_assert_eq(sourcemap_decode_mappings(&sm, "D", 1, 0, 0, 0, 1, "t"),
		     -1);
	cr_assert_eq(
	    sourcemap_decode_mappings(&sm, "AAAAAA", 6, 0, 0, 0, 1, "t"), -1);
	sourcemap_release(&sm);
}

/* Attribute code by a map given as JSON; returns the asset. */
static struct bundle_asset *attribute(const char *code, const char *json)
{
	static struct bundle_asset a;
	struct sourcemap sm = SOURCEMAP_INIT;
	struct sm_comment c;
	int has_c;

	memset(&a, 0, sizeof(a));
	intern_init(&a.names);
	a.code = xstrdup(code);
	a.len = a.bytes = strlen(code);
	cr_assert_eq(sourcemap_parse(&sm, json, strlen(json), "t"), 0);
	has_c = sourcemap_find_comment(a.code, a.len, &c);
	bundle_attribute(&a, &sm, has_c ? &c : NULL, 0);
	sourcemap_release(&sm);
	return &a;
}

static uint64_t bytes_of(struct bundle_asset *a, const char *path)
{
	uint32_t id = intern_find(&a->names, path, strlen(path));

	return id == INTERN_NONE ? 0 : a->ent.v[id].bytes;
}

static uint64_t sum(struct bundle_asset *a)
{
	uint64_t s = 0;
	size_t i;

	for (i = 0; i < a->ent.len; i++)
		s += a->ent.v[i].bytes;
	return s;
}

Test(attribution, covers_to_the_next_mapping_and_the_line_end)
{
	/* "  ab;cd\n" + comment: [unmapped] 2, a.js "ab;" 3, b.js "cd" 2. */
	struct bundle_asset *a =
	    attribute("  ab;cd\n//# sourceMappingURL=x.map\n",
		      "{\"version\":3,\"sources\":[\"a.js\",\"./lib/../b.js\"],"
		      "\"names\":[],\"mappings\":\"EAAA,GCAA\"}");

	cr_assert_eq(bytes_of(a, "[unmapped]"), 2);
	cr_assert_eq(bytes_of(a, "a.js"), 3);
	cr_assert_eq(bytes_of(a, "b.js"), 2, "the source path is normalized");
	cr_assert_eq(bytes_of(a, "[sourceMappingURL]"), 26);
	cr_assert_eq(bytes_of(a, "[EOLs]"), 2);
	cr_assert_eq(sum(a), a->bytes);
}

Test(attribution, utf16_columns_become_utf8_bytes)
{
	/* "é😀x" then mappings at UTF-16 columns 0 (a), 3 (b): é is one
	 * unit and 2 bytes, 😀 two units and 4 bytes, so a has 6 bytes. */
	struct bundle_asset *a =
	    attribute("\xc3\xa9\xf0\x9f\x98\x80xyz",
		      "{\"version\":3,\"sources\":[\"a\",\"b\"],\"names\":[],"
		      "\"mappings\":\"AAAA,GCAA\"}");

	cr_assert_eq(bytes_of(a, "a"), 6);
	cr_assert_eq(bytes_of(a, "b"), 3);
	cr_assert_eq(sum(a), a->bytes);
}

Test(attribution, a_column_inside_a_surrogate_pair_keeps_the_character)
{
	/* Column 1 falls between the two halves of 😀: the character goes
	 * whole to the mapping before. */
	struct bundle_asset *a =
	    attribute("\xf0\x9f\x98\x80z",
		      "{\"version\":3,\"sources\":[\"a\",\"b\"],\"names\":[],"
		      "\"mappings\":\"AAAA,CCAA\"}");

	cr_assert_eq(bytes_of(a, "a"), 4);
	cr_assert_eq(bytes_of(a, "b"), 1);
}

Test(attribution, mappings_past_the_end_of_a_line_are_clamped)
{
	/* "abc": a at 0, b at column 3 (the end), c at column 40 (past it);
	 * then a line below the file's last. */
	struct bundle_asset *a = attribute(
	    "abc\ndef",
	    "{\"version\":3,\"sources\":[\"a\",\"b\",\"c\"],\"names\":[],"
	    "\"mappings\":\"AAAA,GCAA,qCCAA;AFAA;AAAA\"}");

	cr_assert_eq(bytes_of(a, "a"), 3 + 3);
	cr_assert_eq(bytes_of(a, "b"), 0);
	cr_assert_eq(bytes_of(a, "c"), 0);
	cr_assert_eq(a->past_end, 1, "only column 40 is past the end");
	cr_assert_eq(a->first_past_line, 1);
	cr_assert_eq(a->first_past_col, 40);
	cr_assert_eq(a->beyond, 1);
	cr_assert_eq(sum(a), a->bytes);
}

Test(attribution, index_maps_offset_their_sections)
{
	struct bundle_asset *a = attribute(
	    "aaaa\nbbbbcccc",
	    "{\"version\":3,\"sections\":["
	    "{\"offset\":{\"line\":0,\"column\":0},\"map\":{\"version\":3,"
	    "\"sources\":[\"one\"],\"names\":[],\"mappings\":\"AAAA\"}},"
	    "{\"offset\":{\"line\":1,\"column\":4},\"map\":{\"version\":3,"
	    "\"sourceRoot\":\"webpack://app/./src\",\"sources\":[\"two\"],"
	    "\"names\":[],\"mappings\":\"AAAA\"}}]}");

	cr_assert_eq(bytes_of(a, "one"), 4);
	cr_assert_eq(bytes_of(a, "[unmapped]"), 4, "bbbb: before section 2");
	cr_assert_eq(bytes_of(a, "src/two"), 4,
		     "sourceRoot joined, webpack://app/ stripped");
}

static void add_xs(struct strbuf *sb, size_t n)
{
	while (n--)
		strbuf_addch(sb, 'x');
}

static void parse_ok(struct sourcemap *sm, const char *json)
{
	cr_assert_eq(sourcemap_parse(sm, json, strlen(json), "t"), 0);
}

Test(sourcemap, ignore_list_per_section_and_its_old_name)
{
	struct sourcemap sm = SOURCEMAP_INIT;

	/* Section 1 by the standard key, section 2 by the old one: the
	 * indices are each section's own. */
	parse_ok(&sm, "{\"version\":3,\"sections\":["
		      "{\"offset\":{\"line\":0,\"column\":0},\"map\":{"
		      "\"version\":3,\"ignoreList\":[1],"
		      "\"sources\":[\"a\",\"b\"],\"mappings\":\"AAAA\"}},"
		      "{\"offset\":{\"line\":1,\"column\":0},\"map\":{"
		      "\"version\":3,\"sources\":[\"c\",\"d\"],"
		      "\"mappings\":\"AAAA\",\"x_google_ignoreList\":[0]}}]}");
	cr_assert_eq(sm.nsources, 4);
	cr_assert_eq(sm.ignored[0] + 2 * sm.ignored[1] + 4 * sm.ignored[2] +
			 8 * sm.ignored[3],
		     2 + 4, "b of section 1 and c of section 2");
	sourcemap_release(&sm);

	/* Both keys: the standard one wins, as in Chrome DevTools. */
	parse_ok(&sm, "{\"version\":3,\"x_google_ignoreList\":[0],"
		      "\"ignoreList\":[2],\"sources\":[\"a\",\"b\",\"c\"],"
		      "\"mappings\":\"\"}");
	cr_assert(!sm.ignored[0] && !sm.ignored[1] && sm.ignored[2]);
	sourcemap_release(&sm);
}

Test(sourcemap, bad_ignore_list_items_are_left_out)
{
	struct sourcemap sm = SOURCEMAP_INIT;

	error_set_quiet(1);
	parse_ok(&sm,
		 "{\"version\":3,\"sources\":[\"a\",\"b\"],"
		 "\"ignoreList\":[7,-1,\"1\",1.5,null,0],\"mappings\":\"\"}");
	cr_assert(sm.ignored[0] && !sm.ignored[1]);
	sourcemap_release(&sm);
	/* Not an array: a warning, the map is still read. */
	parse_ok(&sm, "{\"version\":3,\"ignoreList\":{\"0\":1},"
		      "\"sources\":[\"a\"],\"mappings\":\"AAAA\"}");
	cr_assert(!sm.ignored[0]);
	cr_assert_eq(sm.nseg, 1);
	sourcemap_release(&sm);
}

Test(diff, names_that_differ_only_in_a_content_hash)
{
	/* webpack's hex, esbuild's base32 (digits or none), rollup's
	 * base64url with a '-' inside. */
	cr_assert(
	    bundle_names_differ_by_hash("main.3f2a1c.js", "main.9b8e77.js"));
	cr_assert(bundle_names_differ_by_hash("index-GSI4QWDU.js",
					      "index-WSLDQETM.js"));
	cr_assert(bundle_names_differ_by_hash("assets/index-C4-ZkEA3x.js",
					      "assets/index-C4-Ab12x9.js"));
	cr_assert(bundle_names_differ_by_hash("assets/index-AbCd-xY1.js",
					      "assets/index-AbCd-Q72.js"));
	cr_assert(bundle_names_differ_by_hash("js/app.3f2a1c9d.chunk.js",
					      "js/app.3f2a1c9e.chunk.js"));
	/* Words, another length, another stem, another folder, no change. */
	cr_assert(!bundle_names_differ_by_hash("header.js", "footer.js"));
	cr_assert(
	    !bundle_names_differ_by_hash("main.3f2a1c.js", "main.3f2a1c7.js"));
	cr_assert(!bundle_names_differ_by_hash("main-GSI4QWDU.js",
					       "menu-WSLDQETM.js"));
	cr_assert(!bundle_names_differ_by_hash("index-GSI4QWDU.js",
					       "other-UND2NG2W.js"));
	cr_assert(
	    !bundle_names_differ_by_hash("a/x-GSI4QWDU.js", "b/x-WSLDQETM.js"));
	cr_assert(
	    !bundle_names_differ_by_hash("main.3f2a1c.js", "main.3f2a1c.js"));
	cr_assert(!bundle_names_differ_by_hash("v1.2.3.js", "v1.2.4.js"));
}

Test(sourcemap, strings_with_escapes_and_control_bytes_at_every_offset)
{
	size_t at;

	error_set_quiet(1);
	/* The fast scan reads 8 bytes at a time: an escape or a bad byte at
	 * each offset of the first words is still seen. */
	for (at = 0; at < 20; at++) {
		struct sourcemap sm = SOURCEMAP_INIT;
		struct strbuf json = STRBUF_INIT, want = STRBUF_INIT;

		strbuf_addstr(&json, "{\"version\":3,\"sources\":[\"");
		add_xs(&json, at);
		strbuf_addstr(&json, "\\u0041y\"],\"mappings\":\"AAAA\"}");
		add_xs(&want, at);
		strbuf_addstr(&want, "Ay");
		cr_assert_eq(sourcemap_parse(&sm, json.buf, json.len, "t"), 0);
		cr_assert_str_eq(sm.sources[0], want.buf, "escape at %zu", at);
		sourcemap_release(&sm);
		/* A raw tab in a string is not JSON. */
		strbuf_reset(&json);
		strbuf_addstr(&json, "{\"version\":3,\"sources\":[\"");
		add_xs(&json, at);
		strbuf_addstr(&json, "\ty\"],\"mappings\":\"AAAA\"}");
		cr_assert_eq(sourcemap_parse(&sm, json.buf, json.len, "t"), -1,
			     "control byte at %zu", at);
		sourcemap_release(&sm);
		strbuf_release(&json);
		strbuf_release(&want);
	}
}

Test(sourcemap, the_last_comment_of_a_long_file_in_or_before_its_tail)
{
	struct strbuf code = STRBUF_INIT;
	struct sm_comment c;

	/* Only near the start, then 100 kB of code: found all the same. */
	strbuf_addstr(&code, "a()\n//# sourceMappingURL=first.map\n");
	add_xs(&code, 100000);
	cr_assert_eq(sourcemap_find_comment(code.buf, code.len, &c), 1);
	cr_assert_eq(c.url_len, 9);
	cr_assert(!memcmp(c.url, "first.map", 9));
	/* And one at the end: the last wins. */
	strbuf_addstr(&code, "\n//# sourceMappingURL=last.map\n");
	cr_assert_eq(sourcemap_find_comment(code.buf, code.len, &c), 1);
	cr_assert(!memcmp(c.url, "last.map", 8));
	/* A key at the end that is no comment: the first one still counts. */
	strbuf_addstr(&code, "var s = 'sourceMappingURL=x';\n");
	cr_assert_eq(sourcemap_find_comment(code.buf, code.len, &c), 1);
	cr_assert(!memcmp(c.url, "last.map", 8));
	strbuf_release(&code);
}

Test(sourcemap, files_mapped_or_read)
{
	struct sm_file f = SM_FILE_INIT;
	char path[] = "/tmp/perfops-smfile-XXXXXX";
	int fd = mkstemp(path);

	cr_assert(fd >= 0);
	/* Empty: read, not mapped. */
	cr_assert_eq(sm_file_read(&f, path), 0);
	cr_assert_eq(f.len, 0);
	sm_file_release(&f);
	cr_assert_eq(write(fd, "abc", 3), 3);
	cr_assert_eq(sm_file_read(&f, path), 0);
	cr_assert_eq(f.len, 3);
	cr_assert(f.mapped);
	cr_assert(!memcmp(f.buf, "abc", 3));
	sm_file_release(&f);
	close(fd);
	unlink(path);
	error_set_quiet(1);
	cr_assert_eq(sm_file_read(&f, path), -1);
}

Test(sourcemap, source_paths_from_urls)
{
	static const char *const cases[][3] = {
	    {NULL, "webpack:///./src/a.js", "src/a.js"},
	    {NULL, "webpack://my-app/./node_modules/x/i.js",
	     "node_modules/x/i.js"},
	    {"webpack://app/", "./src/b.js", "src/b.js"},
	    {NULL, "file:///home/u/app/src/c.js", "/home/u/app/src/c.js"},
	    {"../lib", "d.js", "../lib/d.js"},
	    {"/root/", "/abs.js", "/abs.js"},
	    /* URLs resolve as browsers and source-map 0.7 (WHATWG URL) do:
	     * dot segments folded, never above the root, "%2e" is a dot,
	     * scheme and host of http(s) lowercased, default port dropped,
	     * query and fragment left alone. */
	    {"https://example.com/src/../lib/", "a.js",
	     "https://example.com/lib/a.js"},
	    {NULL, "https://cdn.example/x/../y.js", "https://cdn.example/y.js"},
	    {"https://example.com/../a/./b/", "../c.js",
	     "https://example.com/a/c.js"},
	    {"https://example.com", "x/../y.js", "https://example.com/y.js"},
	    {"HTTPS://Example.COM:443/a/b/", "../c.js?q=/../1#h/..",
	     "https://example.com/a/c.js?q=/../1#h/.."},
	    {"http://h:8080/a/", "%2e%2E/b.js", "http://h:8080/b.js"},
	    {"https://e.com/a/b/", "..", "https://e.com/a/"},
	    {"https://e.com/a//b/", "./c.js", "https://e.com/a//b/c.js"},
	    {"//cdn.example/a/../", "b.js", "//cdn.example/b.js"},
	    {"ng://App/x/../", "y.ts", "ng://App/y.ts"},
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char *p = sourcemap_source_path(cases[i][0], cases[i][1]);

		cr_assert_str_eq(p, cases[i][2], "%s: %s", cases[i][1], p);
		free(p);
	}
}

Test(attribution, no_source_segments_and_crlf)
{
	struct bundle_asset *a = attribute(
	    "ab\r\ncd", "{\"version\":3,\"sources\":[\"s\"],\"names\":[],"
			"\"mappings\":\"AAAA,C;A\"}");

	cr_assert_eq(bytes_of(a, "s"), 1);
	cr_assert_eq(bytes_of(a, "[no source]"), 1 + 2);
	cr_assert_eq(bytes_of(a, "[EOLs]"), 2);
}

Test(sourcemap, truncated_json_and_bad_maps_are_errors)
{
	struct sourcemap sm = SOURCEMAP_INIT;
	const char *t = "{\"version\":3,\"sources\":[\"a\"],\"mappi";

	error_set_quiet(1);
	cr_assert_eq(sourcemap_parse(&sm, t, strlen(t), "t"), -1);
	cr_assert_eq(sourcemap_parse(&sm, "[]", 2, "t"), -1);
	cr_assert_eq(sourcemap_parse(&sm, "{\"version\":2}", 13, "t"), -1);
	sourcemap_release(&sm);
}

Test(sourcemap, finds_the_last_comment_js_and_css)
{
	struct sm_comment c;
	const char *js = "x//# sourceMappingURL=old.map\n"
			 "y;\n//# sourceMappingURL=new.map  \n";
	const char *css = "a{}\n/*# sourceMappingURL=s.css.map */\n";
	const char *str = "var s = '//# sourceMappingURL=no.map';\n";

	cr_assert_eq(sourcemap_find_comment(js, strlen(js), &c), 1);
	cr_assert_eq(c.url_len, 7);
	cr_assert_eq(strncmp(c.url, "new.map", 7), 0);
	cr_assert_eq(c.end - c.start, strlen("//# sourceMappingURL=new.map"));
	cr_assert_eq(sourcemap_find_comment(css, strlen(css), &c), 1);
	cr_assert_eq(strncmp(c.url, "s.css.map", c.url_len), 0);
	cr_assert_eq(c.end - c.start,
		     strlen("/*# sourceMappingURL=s.css.map */"));
	cr_assert_eq(sourcemap_find_comment(str, strlen(str), &c), 0,
		     "not a comment that ends its line");
}

Test(sourcemap, normalizes_paths)
{
	static const char *const cases[][2] = {
	    {"./src/a.js", "src/a.js"},
	    {"../node_modules/x/./y.js", "../node_modules/x/y.js"},
	    {"a/b/../../c", "c"},
	    {"../../a", "../../a"},
	    {"/abs//p/./q", "/abs/p/q"},
	    {"a/..", "."},
	    {"", ""},
	    {"./", "."},
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char *p = xstrdup(cases[i][0]);

		sourcemap_normalize_path(p);
		cr_assert_str_eq(p, cases[i][1], "%s", cases[i][0]);
		free(p);
	}
}

Test(package, names_and_versions_from_paths)
{
	static const struct {
		const char *path, *name, *version, *root;
	} cases[] = {
	    {"../node_modules/lodash/lodash.js", "lodash", "",
	     "../node_modules/lodash"},
	    {"node_modules/@babel/runtime/helpers/x.js", "@babel/runtime", "",
	     "node_modules/@babel/runtime"},
	    {"node_modules/debug/node_modules/ms/index.js", "ms", "",
	     "node_modules/debug/node_modules/ms"},
	    {"node_modules/.pnpm/lodash@4.17.21/node_modules/lodash/a.js",
	     "lodash", "4.17.21",
	     "node_modules/.pnpm/lodash@4.17.21/node_modules/lodash"},
	    {"node_modules/.pnpm/@scope+x@1.2.3_react@18.2.0/"
	     "node_modules/@scope/x/i.js",
	     "@scope/x", "1.2.3",
	     "node_modules/.pnpm/@scope+x@1.2.3_react@18.2.0/"
	     "node_modules/@scope/x"},
	    {".yarn/cache/lodash-npm-4.17.21-6382451519-eb835a2e51.zip/"
	     "node_modules/lodash/lodash.js",
	     "lodash", "4.17.21",
	     ".yarn/cache/lodash-npm-4.17.21-6382451519-eb835a2e51.zip/"
	     "node_modules/lodash"},
	    {".yarn/cache/x-npm-1.0.0-beta.2-0123456789-abcdef0123.zip/"
	     "node_modules/x/i.js",
	     "x", "1.0.0-beta.2",
	     ".yarn/cache/x-npm-1.0.0-beta.2-0123456789-abcdef0123.zip/"
	     "node_modules/x"},
	};
	size_t i, root, off, len;
	char *v;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		cr_assert_eq(
		    bundle_package_of(cases[i].path, &root, &off, &len, &v), 1,
		    "%s", cases[i].path);
		cr_assert_eq(len, strlen(cases[i].name), "%s", cases[i].path);
		cr_assert_eq(strncmp(cases[i].path + off, cases[i].name, len),
			     0, "%s", cases[i].path);
		cr_assert_str_eq(v, cases[i].version, "%s", cases[i].path);
		cr_assert_eq(root, strlen(cases[i].root), "%s", cases[i].path);
		free(v);
	}
	cr_assert_eq(bundle_package_of("src/index.js", &root, &off, &len, &v),
		     0);
	cr_assert_eq(
	    bundle_package_of("node_modules/.pnpm/x", &root, &off, &len, &v),
	    0);
	cr_assert_eq(
	    bundle_package_of("node_modules/file.js", &root, &off, &len, &v),
	    0);
	cr_assert_eq(
	    bundle_package_of("my_node_modules/x/y.js", &root, &off, &len, &v),
	    0);
}

Test(package, es_module_builds_from_package_json)
{
	static const struct {
		const char *json, *where;
		int rc;
	} cases[] = {
	    {"{\"main\":\"lodash.js\"}", NULL, 0},
	    {"{\"main\":\"m.js\",\"jsnext:main\":\"d/m.js\"}", NULL, 0},
	    {"{\"module\":\"es/i.js\",\"type\":\"module\"}",
	     "\"module\": \"es/i.js\"", 1},
	    {"{\"exports\":{\".\":{\"import\":{\"types\":\"./i.d.mts\","
	     "\"default\":\"./i.mjs\"},\"require\":\"./i.cjs\"}}}",
	     "\"exports\" condition \"import\": \"./i.mjs\"", 1},
	    {"{\"exports\":{\"node\":{\"module\":\"./m.js\"},"
	     "\"default\":\"./c.js\"}}",
	     "\"exports\" condition \"module\": \"./m.js\"", 1},
	    {"{\"exports\":[\"./i.mjs\"]}", "\"exports\" \"./i.mjs\"", 1},
	    {"{\"exports\":{\"require\":\"./i.mjs\",\"default\":\"./i.js\"}}",
	     NULL, 0},
	    {"{\"exports\":\"./i.js\",\"type\":\"module\"}",
	     "\"type\": \"module\"", 1},
	    {"{\"type\":\"commonjs\"}", NULL, 0},
	    {"{\"exports\":{\".\":\"./i.js\",\"./x\":{\"import\":\"./"
	     "x.mjs\"}}}",
	     NULL, 0},
	    {"[1]", NULL, -1},
	    {"{\"module\":", NULL, -1},
	};
	size_t i;
	char *w;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		cr_assert_eq(bundle_package_esm(cases[i].json, &w), cases[i].rc,
			     "%s", cases[i].json);
		if (cases[i].where)
			cr_assert_str_eq(w, cases[i].where, "%s",
					 cases[i].json);
		else
			cr_assert_null(w, "%s", cases[i].json);
		free(w);
	}
}

Test(budget, limits_in_si_and_iec_units)
{
	static const struct {
		const char *s;
		uint64_t v;
	} ok[] = {
	    {"170kB", 170000},
	    {"170 kB", 170000},
	    {"1.5 MB", 1500000},
	    {"10 KiB", 10240},
	    {"2MiB", 2097152},
	    {"512", 512},
	    {"512 B", 512},
	    {"0.5kB", 500},
	    {"1 GB", 1000000000},
	    {"1.25 KiB", 1280},
	    /* Units in any case, as size-limit's bytes-iec reads them. */
	    {"10 kb", 10000},
	    {"1 kib", 1024},
	    {"2 mib", 2097152},
	    {"1TB", 1000000000000ULL},
	};
	static const char *const bad[] = {
	    "", "kB", "-1kB", "10 kbit", "10 XB", "1e400", "10kB extra", "nan"};
	size_t i;
	uint64_t v;

	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		cr_assert_eq(budget_parse_limit(ok[i].s, &v), 0, "%s", ok[i].s);
		cr_assert_eq(v, ok[i].v, "%s: %llu", ok[i].s,
			     (unsigned long long)v);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		cr_assert_eq(budget_parse_limit(bad[i], &v), -1, "%s", bad[i]);
}

Test(budget, arguments)
{
	struct budgets bs = VEC_INIT;

	error_set_quiet(1);
	cr_assert_eq(budgets_add_arg(&bs, "main.js:170kB"), 0);
	cr_assert_eq(budgets_add_arg(&bs, "dist/*.css:2 KiB:gzip"), 0);
	cr_assert_eq(budgets_add_arg(&bs, "a:b.js:1kB:raw"), 0);
	cr_assert_eq(bs.len, 3);
	cr_assert_str_eq(bs.v[0].patterns[0], "main.js");
	cr_assert_eq(bs.v[0].limit, 170000);
	cr_assert_eq(bs.v[0].size, BUDGET_BROTLI, "brotli by default");
	cr_assert_str_eq(bs.v[1].patterns[0], "dist/*.css");
	cr_assert_eq(bs.v[1].limit, 2048);
	cr_assert_eq(bs.v[1].size, BUDGET_GZIP);
	cr_assert_str_eq(bs.v[2].patterns[0], "a:b.js");
	cr_assert_eq(bs.v[2].size, BUDGET_RAW);
	cr_assert_eq(budgets_add_arg(&bs, "main.js"), -1);
	cr_assert_eq(budgets_add_arg(&bs, ":1kB"), -1);
	cr_assert_eq(budgets_add_arg(&bs, "main.js:lots"), -1);
	cr_assert_eq(bs.len, 3);
	budgets_release(&bs);
}

Test(stats, concatenated_modules_reasons_children_and_chains)
{
	/* webpack's shapes: a concatenated module named "+ 2 modules" with
	 * its inner modules, reasons naming the container, a child
	 * compilation, chunk modules, and a "source" that is skipped. */
	const char *s =
	    "{\"modules\":[{\"name\":\"./src/index.js + 2 modules\","
	    "\"size\":10,\"reasons\":[{\"moduleName\":null,\"type\":"
	    "\"entry\"}],\"source\":\"x\\\"y\",\"modules\":[{\"name\":"
	    "\"./src/index.js\",\"size\":4,\"reasons\":[]},{\"name\":"
	    "\"./src/a.js\",\"size\":6,\"reasons\":[{\"moduleName\":"
	    "\"./src/index.js\",\"type\":\"harmony import\"}]}]},"
	    "{\"name\":\"./node_modules/p/i.js\",\"size\":7,\"reasons\":"
	    "[{\"moduleName\":\"./src/a.js\",\"type\":\"cjs require\"},"
	    "{\"moduleName\":\"./src/index.js + 2 modules\",\"type\":"
	    "\"harmony import\"}]}],\"children\":[{\"modules\":[{\"name\":"
	    "\"./x.js\",\"size\":1}]}],\"chunks\":[{\"id\":1,\"modules\":"
	    "[{\"name\":\"./node_modules/q/j.js\",\"size\":3}]}]}";
	struct bundle_graph g;
	struct idvec chain = {0};
	uint32_t id;

	graph_init(&g);
	cr_assert_eq(graph_parse_webpack_stats(&g, s, strlen(s), "t"), 0);
	id = intern_find(&g.names, "src/index.js", 12);
	cr_assert_neq(id, INTERN_NONE, "the container is its root module");
	cr_assert(g.mods.v[id].entry);
	cr_assert_eq(g.mods.v[id].size, 4, "its own size, not the container's");
	id = intern_find(&g.names, "src/a.js", 8);
	cr_assert_eq(g.mods.v[id].size, 6);
	cr_assert_neq(intern_find(&g.names, "x.js", 4), INTERN_NONE,
		      "child compilations are read");
	id = intern_find(&g.names, "node_modules/q/j.js", 19);
	cr_assert_eq(g.mods.v[id].size, 3, "chunk modules are read");
	cr_assert_eq(graph_chain_to(&g, "../node_modules/p", &chain), 2,
		     "the shortest chain: index > p, not index > a > p");
	cr_assert_str_eq(graph_name(&g, chain.v[0]), "src/index.js");
	cr_assert_str_eq(graph_name(&g, chain.v[1]), "node_modules/p/i.js");
	cr_assert_eq(graph_chain_to(&g, "node_modules/q", &chain), 0,
		     "q is imported by nothing: no chain");
	free(chain.v);
	graph_release(&g);
}

Test(stats, modules_in_no_output_have_no_size)
{
	/* webpack 5: a concatenated module's inner modules are listed again
	 * at the top as orphans (counted once, inside it); a module
	 * tree-shaken away whole is an orphan in no chunk, or (webpack 4)
	 * has "chunks": [] at the top.  Inside a concatenated module,
	 * "chunks": [] is how webpack lists every inner module. */
	const char *s =
	    "{\"modules\":[{\"name\":\"./src/i.js + 1 modules\",\"size\":9,"
	    "\"orphan\":false,\"chunks\":[792],\"modules\":[{\"name\":"
	    "\"./src/i.js\",\"size\":4,\"orphan\":false,\"chunks\":[]},"
	    "{\"name\":\"./src/a.js\",\"size\":5,\"chunks\":[]}]},"
	    "{\"name\":\"./src/a.js\",\"size\":5,\"orphan\":true,"
	    "\"chunks\":[]},"
	    "{\"name\":\"./src/gone.js\",\"size\":84,\"orphan\":true,"
	    "\"chunks\":[],\"reasons\":[{\"moduleName\":\"./src/i.js\"}]},"
	    "{\"name\":\"./src/old.js\",\"size\":7,\"chunks\":[]},"
	    "{\"name\":\"./src/kept.js\",\"size\":3,\"chunks\":[\"main\"]}]}";
	static const struct {
		const char *name;
		uint64_t size;
		int has_size;
	} want[] = {{"src/i.js", 4, 1},
		    {"src/a.js", 5, 1},
		    {"src/gone.js", 0, 0},
		    {"src/old.js", 0, 0},
		    {"src/kept.js", 3, 1}};
	struct bundle_graph g;
	size_t i;

	graph_init(&g);
	cr_assert_eq(graph_parse_webpack_stats(&g, s, strlen(s), "t"), 0);
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		uint32_t id =
		    intern_find(&g.names, want[i].name, strlen(want[i].name));

		cr_assert_neq(id, INTERN_NONE, "%s", want[i].name);
		cr_assert_eq(g.mods.v[id].has_size, want[i].has_size, "%s",
			     want[i].name);
		cr_assert_eq(g.mods.v[id].size, want[i].size, "%s",
			     want[i].name);
	}
	graph_release(&g);
}

Test(stats, truncated_stats_keep_what_was_read)
{
	const char *s = "{\"modules\":[{\"name\":\"./a.js\",\"size\":1},"
			"{\"name\":\"./b.js\",\"si";
	struct bundle_graph g;

	error_set_quiet(1);
	graph_init(&g);
	cr_assert_eq(graph_parse_webpack_stats(&g, s, strlen(s), "t"), -1);
	cr_assert_neq(intern_find(&g.names, "a.js", 4), INTERN_NONE);
	graph_release(&g);
}
