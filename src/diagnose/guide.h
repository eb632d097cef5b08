#ifndef PERFOPS_DIAGNOSE_GUIDE_H
#define PERFOPS_DIAGNOSE_GUIDE_H

#include <stdio.h>

/*
 * `perfops guide`: the decision tree from a symptom to a cause, the
 * optimization patterns and the common gotchas, as static text.  Each leaf
 * of the tree is an entry named by the id `perfops diagnose` prints, and
 * names the perfops command that investigates it and the pattern that
 * usually fixes it.  All text is static; nothing is allocated.
 */
struct guide_entry {
	const char *id;	     /* "cpu_one_core" */
	const char *branch;  /* the symptom a user sees: "High CPU" */
	const char *title;   /* the leaf: "Sustained 100% on one core" */
	const char *means;   /* what it usually is */
	const char *detect;  /* how perfops diagnose recognizes it */
	const char *command; /* the perfops command that looks next */
	const char *fix;     /* the pattern that usually fixes it */
};

/* The entries in tree order, ending with an entry whose id is NULL. */
extern const struct guide_entry guide_entries[];

/* The entry with this id, or NULL. */
const struct guide_entry *guide_find(const char *id);

/* The whole tree, one line per leaf, with the ids. */
void guide_print_tree(FILE *fp);
/* One entry in full. */
void guide_print_entry(FILE *fp, const struct guide_entry *e);
/* The optimization patterns; the common gotchas. */
void guide_print_patterns(FILE *fp);
void guide_print_gotchas(FILE *fp);

/* Print text wrapped at width columns, each line starting with indent
 * spaces (paragraphs are separated by "\n"). */
void guide_wrap(FILE *fp, const char *text, int indent, int width);

#endif
