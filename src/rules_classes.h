/*
 * rules_classes.h - what advisories.c may do to a gv_classes table beyond
 * the public API: merge a label, ids and refs into one commit's result.
 */
#ifndef GV_RULES_CLASSES_H
#define GV_RULES_CLASSES_H

#include "gv/classify.h"

/* Labels `commit` with category `cat` at confidence `conf` (a stronger
 * confidence already there is kept), adds `ids` (upper-cased, kept distinct
 * and sorted) and appends `refs` not already present. Not thread-safe with
 * gv_classify_cb: call after the history is loaded. */
int gv_classes_merge(gv_classes *c, gv_idx commit, int cat, int conf,
		     const char *const *ids, size_t nids, const gv_ref *refs,
		     size_t nrefs);

#endif
