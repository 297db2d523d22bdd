/*
 * metrics_int.h - what metrics.c hands evidence.c (both the metrics
 * module; nothing else includes this).
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

#endif
