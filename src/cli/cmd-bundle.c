#include "core/compat.h"
#include "bundle/budget.h"
#include "bundle/bundle.h"
#include "cli/cli.h"
#include "cli/parse-options.h"
#include "core/atomic.h"
#include "core/error.h"
#include <sys/stat.h>

static const struct cli_doc doc = {
    .name = "bundle",
    .synopsis =
	"[options] DIR | ASSET [MAP] | ASSET...\n"
	"   or: perfops bundle [options] --stats STATS.json | --metafile "
	"META.json [DIR...]\n"
	"   or: perfops bundle diff [--markdown] OLD NEW\n",
    .description =
	"What the bytes of front-end bundles come from.  Every .js, .mjs,\n"
	".cjs and .css file under DIR (or each ASSET) is read with its source\n"
	"map (the last sourceMappingURL comment, an inline data: URL, or\n"
	"ASSET.map) and each byte is credited to one source, exactly: per\n"
	"generated line a mapping covers its column to the next mapping's,\n"
	"the last one to the end of the line (columns are UTF-16 units,\n"
	"converted to UTF-8 bytes); bytes no mapping covers are [unmapped],\n"
	"the comment [sourceMappingURL], line ends [EOLs], and 1-field\n"
	"mappings [no source], so an asset's sources sum to its size.\n"
	"Sources are grouped by package (the last node_modules/ segment,\n"
	"pnpm and yarn layouts; version from its package.json) and\n"
	"directory; the sources a map's ignoreList (or x_google_ignoreList)\n"
	"names are third-party too: outside node_modules they form the\n"
	"package [ignored], and each asset says how many of its bytes are\n"
	"its own code.  gzip -9 and brotli -11 (22-bit window) sizes of every\n"
	"asset are exact; a source's or package's compressed size is an\n"
	"estimate (the asset's, shared out by each source's own compressed\n"
	"size) and marked ~.  Download times are for slow 3G (400 kbit/s)\n"
	"and 4G (7000 kbit/s).  Then duplicate packages (one name at several\n"
	"versions or install paths, with the bytes a dedupe saves) and\n"
	"findings: moment, full-lodash, barrel-import, inline-data-uri,\n"
	"embedded-font, duplicate, unminified, sourcemap-shipped,\n"
	"no-code-splitting, cjs-tree-shaking, unused-css (CSS rules whose\n"
	"classes and ids no script, script source or .html page under DIR\n"
	"mentions: a static scan, so class names built at run time are\n"
	"missed).\n"
	"\n"
	"`perfops bundle diff OLD NEW` compares two builds (directories or\n"
	"assets, or reports of --json) by asset, package and source: what\n"
	"grew and shrank, largest changes first; --markdown for a pull\n"
	"request comment.  Assets whose names differ only in a content hash\n"
	"(main.3f2a1c.js, main.9b8e77.js) are paired and shown OLD -> NEW.\n",
    .epilogue =
	"Exit status: 0 ok; 1 a map that cannot be read or does not match its\n"
	"asset (what could be attributed is still reported, the rest is\n"
	"[unmapped]), or no asset, or a budget that matches none; 2 usage\n"
	"error; 4 a size budget is over (the table of budgets follows the\n"
	"report, and one line on stderr says which and by how much).\n"
	"\n"
	"Examples:\n"
	"  perfops bundle dist/\n"
	"  perfops bundle dist/app.js dist/app.js.map --json > sizes.json\n"
	"  perfops bundle --sizes raw dist/\n"
	"  perfops bundle --budget 'main.js:170kB' dist/\n"

	"  perfops bundle --stats stats.json dist/   # and why each package\n"
	"  esbuild --metafile=meta.json ... && perfops bundle --metafile "
	"meta.json\n",
};

static const char *const size_choices[] = {"all", "raw", "gzip", "brotli",
					   NULL};

static int add_budget(const struct opt *opt, const char *arg, int unset)
{
	(void)unset;
	return budgets_add_arg(opt->value, arg);
}

/* "diff" is the subcommand unless a file or directory has that name. */
static int argc_is_path(const char *s)
{
	return access(s, F_OK) == 0;
}

static int is_map_name(const char *s)
{
	size_t n = strlen(s);

	return n > 4 && !strcmp(s + n - 4, ".map");
}

static int write_html(const struct bundle *b, const char *path)
{
	struct atomic_file af;

	if (atomic_open(&af, path) < 0)
		return -1;
	bundle_write_html(b, af.fp);
	return atomic_commit(&af);
}

/* One line on stderr: which budgets are over, by how much. */
static void report_over(const struct budgets *bs)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, n = 0;

	for (i = 0; i < bs->len; i++) {
		const struct budget *bd = &bs->v[i];

		if (!bd->matched || bd->actual <= bd->limit)
			continue;
		strbuf_addf(&sb, "%s'%s' %s %.2f kB > %.2f kB (+%.2f kB)",
			    n++ ? ", " : "", bd->name,
			    budget_size_names[bd->size], bd->actual / 1000.0,
			    bd->limit / 1000.0,
			    (bd->actual - bd->limit) / 1000.0);
	}
	error("%zu size budget%s over: %s", n, n == 1 ? "" : "s", sb.buf);
	strbuf_release(&sb);
}

/*
 * Add the positional arguments: ASSET MAP, or directories and assets.
 * Returns the worst bundle_add_*() result, or -3 after a usage error.
 */
static int add_inputs(struct bundle *b, int argc, char **argv)
{
	struct stat st;
	int r = 0, ri, i;

	if (argc == 2 && is_map_name(argv[1]) && !is_map_name(argv[0]))
		return bundle_add_asset(b, argv[0], argv[1]);
	for (i = 0; i < argc; i++) {
		if (is_map_name(argv[i])) {
			cli_usage_error("bundle",
					"'%s': a map goes after its asset, as "
					"the only other argument",
					argv[i]);
			return -3;
		}
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			ri = bundle_add_dir(b, argv[i]);
		else
			ri = bundle_add_asset(b, argv[i], NULL);
		if (ri < r)
			r = ri;
	}
	return r;
}

/* One side of bundle diff: a --json report, or a build analyzed here. */
static int load_side(struct bundle *b, char *arg, unsigned sizes, int threads)
{
	size_t n = strlen(arg);
	int r;

	bundle_init(b);
	if (n > 5 && !strcmp(arg + n - 5, ".json"))
		return bundle_load_json(b, arg);
	/* Whole assets only: diff shows no per-source estimates. */
	b->sizes = sizes & BUNDLE_BROTLI;
	b->no_estimates = 1;
	b->threads = threads;
	r = add_inputs(b, 1, &arg);
	if (b->sizes)
		bundle_compress(b);
	bundle_analyze(b);
	return r < 0 ? -1 : 0;
}

static int bundle_diff(char *old_arg, char *new_arg, int markdown,
		       const char *out, unsigned sizes, int threads)
{
	struct bundle old, new;
	struct atomic_file af;
	int ret = EXIT_OK;

	if (load_side(&old, old_arg, sizes, threads) < 0 || !old.assets.len)
		ret = EXIT_FAIL;
	if (load_side(&new, new_arg, sizes, threads) < 0 || !new.assets.len)
		ret = EXIT_FAIL;
	if (old.assets.len && new.assets.len) {
		if (atomic_open(&af, out) < 0) {
			ret = EXIT_FAIL;
		} else {
			bundle_write_diff(&old, old_arg, &new, new_arg,
					  markdown, af.fp);
			if (atomic_commit(&af) < 0)
				ret = EXIT_FAIL;
		}
	}
	bundle_release(&old);
	bundle_release(&new);
	return ret;
}

int cmd_bundle(int argc, char **argv)
{
	struct bundle b;
	struct budgets budgets = VEC_INIT;
	int nover = 0;
	const char *out = "-", *stats = NULL, *metafile = NULL, *html = NULL;
	int json = 0, sizes = 0, threads = 0, ret = EXIT_OK, r = 0, ri, i;
	int markdown = 0;
	const struct opt options[] = {
	    OPT_BOOL(0, "json", &json,
		     "one JSON document: assets [{path, map, bytes,\n"
		     "gzip, brotli, download_seconds, sources\n"
		     "{path: bytes}, sources_estimated, directories,\n"
		     "own_bytes, third_party_bytes, ignored [paths]}],\n"
		     "packages [{name, version, path, bytes, ...}],\n"
		     "duplicates [{name, versions, paths, saving}],\n"
		     "findings [{kind, message, bytes; unused-css:\n"
		     "rules [{selector, offset, bytes}]}]"),
	    OPT_CHOICE(0, "sizes", &sizes, "WHICH",
		       "all (default), raw, gzip or brotli: the\n"
		       "compressed sizes to compute (brotli -11 of\n"
		       "a multi-MB asset takes seconds)",
		       size_choices),
	    OPT_CALLBACK(0, "budget", &budgets, "PATTERN:LIMIT[:SIZE]",
			 "fail (exit 4) when the assets matching PATTERN\n"
			 "(a path or glob, or a file name) are over LIMIT\n"
			 "(170kB, 1.5 MB, 100 KiB; kB = 1000 B, KiB = 1024\n"
			 "B) in SIZE: brotli (default), gzip or raw;\n"
			 "repeatable; package.json's \"size-limit\", else\n"
			 ".size-limit.json, in the current directory is\n"
			 "enforced too (its \"ignore\" cuts those packages'\n"
			 "bytes out; \"import\" and other keys for a\n"
			 "rebuild are refused)",
			 add_budget),
	    OPT_STRING(0, "stats", &stats, "FILE",
		       "webpack's stats.json (read as a stream, any\n"
		       "size): module stat sizes, and who imports\n"
		       "each package (the shortest chain from the\n"
		       "entry); alone, or with the emitted assets"),
	    OPT_STRING(0, "metafile", &metafile, "FILE",
		       "esbuild's metafile: the same; alone, its\n"
		       "outputs with esbuild's bytes per input"),
	    OPT_BOOL(0, "markdown", &markdown,
		     "bundle diff: Markdown tables, for a pull\n"
		     "request comment"),
	    OPT_INT('j', "threads", &threads, "N",
		    "compress on N threads (default: one per CPU)", 0, 1024),
	    OPT_STRING(0, "html", &html, "FILE",
		       "also write FILE: one self-contained page with a\n"
		       "zoomable treemap (asset > package > directory >\n"
		       "source; raw, gzip or brotli) and the findings"),
	    OPT_STRING('o', "output", &out, "FILE",
		       "write to FILE (atomically) instead of stdout"),
	    OPT_END(),
	};
	struct atomic_file af;

	argc = parse_options(argc, argv, &doc, options, 0);
	if (argc >= 1 && !strcmp(argv[0], "diff") &&
	    (argc == 3 || !argc_is_path(argv[0]))) {
		if (argc != 3)
			return cli_usage_error("bundle",
					       "diff takes OLD and NEW (builds "
					       "or --json reports)");
		if (cli_check_output(out) < 0)
			return EXIT_FAIL;
		return bundle_diff(
		    argv[1], argv[2], markdown, out,
		    sizes == 0 || sizes == 3 ? BUNDLE_BROTLI : 0,
		    threads ? threads : (int)sysconf(_SC_NPROCESSORS_ONLN));
	}
	if (argc < 1 && !stats && !metafile)
		return cli_usage_error(
		    "bundle", "give a directory, an asset, --stats or "
			      "--metafile (see 'perfops help bundle')");
	if (cli_check_output(out) < 0 || (html && cli_check_output(html) < 0) ||
	    budgets_load_size_limit(&budgets, ".") < 0) {
		budgets_release(&budgets);
		return EXIT_FAIL;
	}
	bundle_init(&b);
	/* Paths in stats and metafiles are relative to the bundler's
	 * working directory, taken to be the current one. */
	if (stats && graph_read_webpack_stats(&b.graph, stats) < 0)
		r = -1;
	if (metafile && graph_read_esbuild_metafile(&b.graph, argc ? NULL : &b,
						    metafile) < 0)
		r = -1;
	if (!argc && stats && !metafile && b.graph.mods.len)
		bundle_add_graph_asset(&b, stats);
	b.sizes = sizes == 0   ? BUNDLE_GZIP | BUNDLE_BROTLI
		  : sizes == 1 ? 0
		  : sizes == 2 ? BUNDLE_GZIP
			       : BUNDLE_BROTLI;
	b.sizes |= budgets_sizes(&budgets);
	b.threads = threads ? threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
	b.keep_ranges = budgets_need_ranges(&budgets);
	ri = add_inputs(&b, argc, argv);
	if (ri == -3) {
		bundle_release(&b);
		budgets_release(&budgets);
		return EXIT_USAGE;
	}
	if (ri < r)
		r = ri;
	if (!b.assets.len) {
		bundle_release(&b);
		budgets_release(&budgets);
		return EXIT_FAIL;
	}
	if (r < 0)
		ret = EXIT_FAIL;
	/* Assets known only from stats or a metafile have no bytes here to
	 * compress: no compressed columns unless one has. */
	for (i = 0; i < (int)b.assets.len && !b.assets.v[i].code; i++)
		;
	if (i == (int)b.assets.len)
		b.sizes = 0;
	if (b.sizes)
		bundle_compress(&b);
	bundle_analyze(&b);
	if (budgets.len) {
		nover = budgets_check(&budgets, &b);
		if (nover < 0)
			ret = EXIT_FAIL;
	}
	if (atomic_open(&af, out) < 0) {
		bundle_release(&b);
		budgets_release(&budgets);
		return EXIT_FAIL;
	}
	if (json) {
		bundle_write_json(&b, &budgets, af.fp);
	} else {
		bundle_write_text(&b, af.fp);
		if (budgets.len) {
			fputc('\n', af.fp);
			budgets_write_text(&budgets, af.fp);
		}
	}
	if (atomic_commit(&af) < 0)
		ret = EXIT_FAIL;
	if (html && write_html(&b, html) < 0)
		ret = EXIT_FAIL;
	if (nover > 0) {
		report_over(&budgets);
		if (ret == EXIT_OK)
			ret = EXIT_THRESHOLD;
	}
	bundle_release(&b);
	budgets_release(&budgets);
	return ret;
}
