#ifndef PERFOPS_PLAN_LABEL_H
#define PERFOPS_PLAN_LABEL_H

#include <stddef.h>

/*
 * The first words of a node line as EXPLAIN's text format prints them
 * ("Parallel Index Scan Backward using idx on public.t t1") and the bare
 * node type, table, alias and index they stand for, the same that the
 * JSON format gives in separate keys.  Shared by both plan readers.
 */
struct plan_node;

/*
 * Set n's label, type, relation, alias, index_name, cte_name and parallel
 * from the label text s[0..len).  Returns 1 when the node type is one
 * PostgreSQL has, 0 otherwise (the type is then the label's first words).
 */
int plan_label_parse(struct plan_node *n, const char *s, size_t len);

/* The part of a label before " on " or " using ": "Hash Left Join" gives
 * "Hash Join"; NULL when it is no node type PostgreSQL has. */
const char *plan_bare_type(const char *name, size_t len, int *parallel);

/* Free the strings of one node and zero it. */
void plan_node_clear(struct plan_node *n);

/* Whether a node of this type reads a table (has a Relation Name). */
int plan_type_has_relation(const char *type);

#endif
