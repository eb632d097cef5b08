#ifndef PERFOPS_CSS_H
#define PERFOPS_CSS_H

#include <stddef.h>

/*
 * A CSS scanner for the "CSS never used" finding: the style rules of a
 * stylesheet (those inside @media, @supports, @layer, @container, @scope
 * and @document blocks included; @font-face, @keyframes, @page and other
 * at-rules hold no selector and are skipped) and the class and id names
 * each selector needs.  Comments, strings and escapes are read as CSS
 * Syntax Level 3 reads them; a truncated or unbalanced stylesheet ends the
 * scan at its end without an error.  Nothing is allocated but the names
 * handed to callbacks, which the callee must not keep.
 */

struct css_rule {
	size_t start, end;	   /* the rule: its selector to its '}' */
	size_t sel_start, sel_end; /* the selector list, trimmed */
};

/* A group rule (@media, @supports, ...): its bytes from the '@' to its
 * '}', its prelude ("@media print", trimmed) and the style rules it holds
 * at any depth, as indices in walk order. */
struct css_group {
	size_t start, end;
	size_t pre_start, pre_end;
	size_t first_rule, nrules;
	/* It holds something besides style rules and groups of them (an
	 * @font-face, @keyframes, a statement, a group too deep to walk):
	 * removing it whole would remove more than rules. */
	int other;
};

/* Call fn for every style rule of css[0..len), in order; returns how many
 * there were. */
size_t css_each_rule(const char *css, size_t len,
		     void (*fn)(const char *css, const struct css_rule *r,
				void *ctx),
		     void *ctx);

/* The same walk, also calling group (when not NULL) after each group
 * rule's contents, inner groups first. */
size_t css_each_rule_group(const char *css, size_t len,
			   void (*fn)(const char *css, const struct css_rule *r,
				      void *ctx),
			   void (*group)(const char *css,
					 const struct css_group *g, void *ctx),
			   void *ctx);

/*
 * Whether a selector list can match, by the names it needs: each selector
 * (between top-level commas) is kept when it names no class or id (an
 * element, attribute or pseudo selector alone), or when known() says one
 * of its class or id names (unescaped: .md\:flex is "md:flex") is
 * mentioned.  Names inside :not() are not needed and do not count.
 * Returns 1 when some selector is kept, 0 when none is.
 */
int css_selector_used(const char *sel, size_t len,
		      int (*known)(const char *name, size_t n, void *ctx),
		      void *ctx);

#endif
