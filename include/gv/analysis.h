/*
 * analysis.h - one repository, end to end: load the history while
 * classifying messages, resolve refs, apply advisories, compute releases and
 * metrics, then evaluate the --fail-if gates. The single-repository command
 * and batch both run this; reporters read its result. A malformed gate is
 * GV_EUSAGE before any history is read.
 */
#ifndef GV_ANALYSIS_H
#define GV_ANALYSIS_H

#include "gv/cache.h"
#include "gv/classify.h"
#include "gv/gates.h"
#include "gv/history.h"
#include "gv/metrics.h"
#include "gv/releases.h"
#include "gv/rules.h"

typedef struct gv_analysis_opts {
	const char *path;
	const char *const *revs;
	size_t nrevs;
	int all;
	const char *release_pattern;  /* NULL: the default */
	int include_prereleases;      /* only with the default pattern */
	gv_ruleset *rules;            /* NULL: nothing is labelled. Compiled
	                                 on the first message to classify
	                                 (gv_rules_compile_once), so a run
	                                 served by the cache compiles nothing */
	const char *const *advisories;
	size_t nadvisories;
	gv_metrics_opts metrics;
	const char *const *gates;     /* --fail-if expressions */
	size_t ngates;
	int threads;                  /* reading threads; 0: one per core */
	const char *cache_dir;        /* incremental cache; NULL: none */
	uint64_t build_id;            /* part of the cache key */
	int subjects;                 /* read the subjects of the commits the
	                                 first GV_EVIDENCE_ROWS rows of each
	                                 evidence list name (text, HTML) */
} gv_analysis_opts;

/* How many rows of each evidence list a report shows at most. */
#define GV_EVIDENCE_ROWS 50

/* The shape of tag names the release pattern left out: each run of digits
 * is "N" ("vN.N.N-rcN", "release-N"). */
#define GV_TAG_SHAPES 32
typedef struct gv_tag_shape {
	char shape[40];
	size_t digits_at;   /* where the first "N" is (strlen: none) */
	uint64_t count;     /* counts rank the shapes; the refs may be walked
	                       twice, so they are not totals */
	char pattern[96];   /* a --release-pattern that matches the shape */
} gv_tag_shape;

typedef struct gv_analysis {
	gv_history *history;
	gv_classes *classes;
	gv_releases *releases;
	gv_metrics *metrics;
	gv_metrics_opts metrics_opts;
	gv_gate *gates;               /* evaluated, in the order given */
	size_t ngates;
	gv_warnings warnings;
	size_t objects_read;          /* commit objects read (not from cache) */
	gv_tag_shape tag_shapes[GV_TAG_SHAPES]; /* most common first */
	size_t ntag_shapes;
} gv_analysis;

/* Caller frees with gv_analysis_free(). On error *out is NULL. */
int gv_analysis_run(gv_analysis **out, const gv_analysis_opts *opts,
		    gv_error *err);
void gv_analysis_free(gv_analysis *a);

#endif
