/*
 * metrics_int.h - what metrics.c hands evidence.c and copies.c (all the
 * metrics module; nothing else includes this).
 */
#ifndef GV_METRICS_INT_H
#define GV_METRICS_INT_H

#include "gv/metrics.h"

/* Fills m->evidence from the finished metrics; `hits` are the rule ids of
 * every commit in scope, one entry per (commit, rule), when opts.evidence
 * asked for them (NULL otherwise). */
int gv_evidence_compute(gv_metrics *m, const gv_metrics_input *in,
			const char **hits, size_t nhits);
/* Frees what gv_evidence_compute and gv_metrics_subject_set allocated. */
void gv_evidence_free(gv_metrics *m);

/* The copies of each change (copies.c). */
typedef struct gv_copies {
	gv_idx *root;      /* per commit: the earliest copy of its change */
	uint32_t *first;   /* per commit: its change's first release */
	gv_idx *mem;       /* the copies of root r: mem[at[r] .. at[r + 1]) */
	uint32_t *at;
} gv_copies;

/* Groups the commits of `in` into changes: ident[i] is commit i's
 * identity (gv_class_view.identity), has_refs[i] says whether it has
 * refs. With `off` every commit is its own change. Free with
 * gv_copies_free(), which leaves cp empty. */
int gv_copies_compute(gv_copies *cp, const gv_metrics_input *in,
		      const uint64_t *ident, const uint8_t *has_refs, int off);
void gv_copies_free(gv_copies *cp);

#endif
