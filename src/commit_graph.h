/*
 * commit_graph.h - read-only access to git's commit-graph file (a helper of
 * history.c): commit ids and their parents without inflating any object.
 *
 * Format: git's Documentation/gitformat-commit-graph.txt (chunks OIDF,
 * OIDL, CDAT, EDGE; a single file or a chain of split layers). Positions
 * are global over the chain, base layers first, as in the format.
 */
#ifndef GV_COMMIT_GRAPH_H
#define GV_COMMIT_GRAPH_H

#include <stddef.h>
#include <stdint.h>

typedef struct gv_cgraph gv_cgraph;

/* Opens objects/info/commit-graph or the chain in objects/info/
 * commit-graphs/. *out is NULL (and 0 returned) when there is none or it is
 * unusable: the graph is only ever a shortcut. Caller frees with
 * gv_cgraph_free(). */
int gv_cgraph_open(gv_cgraph **out, const char *objects_dir);
void gv_cgraph_free(gv_cgraph *g);

/* How many commits the graph holds (all layers). */
uint32_t gv_cgraph_count(const gv_cgraph *g);
/* The position of a commit id, or UINT32_MAX. */
uint32_t gv_cgraph_find(const gv_cgraph *g, const unsigned char *id);
const unsigned char *gv_cgraph_id(const gv_cgraph *g, uint32_t pos);
/* Writes up to cap parent positions of pos to out; returns how many parents
 * the commit has (which may exceed cap), or -1 when the file is corrupt. */
int gv_cgraph_parents(const gv_cgraph *g, uint32_t pos, uint32_t *out,
		      size_t cap);

#endif
