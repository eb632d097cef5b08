#include "core/compat.h"
#include "cli/cli.h"
#include "cli/parse-options.h"
#include "diagnose/guide.h"

static const struct cli_doc doc = {
    .name = "guide",
    .synopsis = "[SYMPTOM | patterns | gotchas]\n",
    .description =
	"The performance decision tree, browsable in the terminal: which\n"
	"symptom you see, what it usually is, the perfops command that looks\n"
	"next and the pattern that usually fixes it.  Without an argument it\n"
	"lists the tree with the id of each leaf; SYMPTOM is such an id (the\n"
	"ids `perfops diagnose` prints) or a word that picks out some of them\n"
	"(\"memory\", \"lock\").  `patterns` lists the optimization patterns "
	"and\n"
	"when each helps, `gotchas` what usually misleads.\n",
    .epilogue =
	"Exit status: 0 ok; 2 no entry matches SYMPTOM (the list is in\n"
	"`perfops guide`).\n"
	"\n"
	"Examples:\n"
	"  perfops guide\n"
	"  perfops guide lock_contention\n"
	"  perfops guide memory\n"
	"  perfops guide gotchas\n",
};

/* Entries whose id or title holds word; prints the one or lists many. */
static int guide_search(const char *word)
{
	const struct guide_entry *e, *one = NULL;
	int n = 0;

	for (e = guide_entries; e->id; e++)
		if (strcasestr(e->id, word) || strcasestr(e->title, word) ||
		    strcasestr(e->branch, word)) {
			one = e;
			n++;
		}
	if (n == 1) {
		guide_print_entry(stdout, one);
		return EXIT_OK;
	}
	if (!n)
		return cli_usage_error("guide",
				       "no entry for '%s'; 'perfops guide' "
				       "lists them",
				       word);
	printf("%d entries match '%s':\n", n, word);
	for (e = guide_entries; e->id; e++)
		if (strcasestr(e->id, word) || strcasestr(e->title, word) ||
		    strcasestr(e->branch, word))
			printf("  %-22s %s > %s\n", e->id, e->branch, e->title);
	return EXIT_OK;
}

int cmd_guide(int argc, char **argv)
{
	const struct opt options[] = {
	    OPT_END(),
	};
	const struct guide_entry *e;

	argc = parse_options(argc, argv, &doc, options, 0);
	if (argc > 1)
		return cli_usage_error("guide", "one SYMPTOM at a time");
	if (!argc) {
		guide_print_tree(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[0], "patterns")) {
		guide_print_patterns(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[0], "gotchas")) {
		guide_print_gotchas(stdout);
		return EXIT_OK;
	}
	if ((e = guide_find(argv[0]))) {
		guide_print_entry(stdout, e);
		return EXIT_OK;
	}
	return guide_search(argv[0]);
}
