/*
 * metrics.h - the numbers: derived from the history, the classification and
 * the releases, in memory, with no I/O.
 *
 * Conventions for every duration summary: samples are integer seconds;
 * percentiles use the nearest-rank method (the value at 1-based rank
 * ceil(q*n) of the sorted samples); with no samples every statistic is absent
 * (reported as null, never 0). Rates are in [0, 1] and absent when their
 * denominator is 0.
 */
#ifndef GV_METRICS_H
#define GV_METRICS_H

#include "gv/classify.h"
#include "gv/common.h"
#include "gv/history.h"
#include "gv/releases.h"

/* A window bound as given: absent, an absolute time, or a span counted back
 * from --until (or else from the newest commit time not in the future). */
typedef struct gv_bound {
	enum { GV_BOUND_NONE = 0, GV_BOUND_TIME, GV_BOUND_SPAN } kind;
	int64_t value; /* UTC seconds, or a span in seconds */
} gv_bound;

typedef struct gv_metrics_opts {
	gv_bound since, until;
	int lead_from_commit; /* --lead-time-from commit */
	int64_t now;          /* "the future" starts after this; 0: time(NULL) */
} gv_metrics_opts;

typedef struct gv_stats {
	uint64_t samples;
	int64_t median_s, p75_s, p90_s, mean_s; /* valid when samples > 0 */
} gv_stats;

typedef struct gv_metrics {
	/* The window actually used: [since, until), each present or not. */
	int has_since, has_until;
	int64_t since, until;
	/* The newest commit time that is not in the future (0 if none). */
	int64_t newest;

	struct {
		uint64_t commits, merges, releases, fixes, reverts, rollbacks,
			security;
	} counts;

	struct {
		gv_stats stats;
		uint64_t unreleased, clamped;
	} lead_time;

	struct {
		uint64_t releases;
		int has_days;
		double days, per_week;
	} deployment_frequency;

	/* Releases in the window, as indexes into gv_releases_list(). */
	uint32_t *releases;
	size_t nreleases;
	/* Commits reachable from the revs in the window, newest first (ties by
	 * id ascending): the `commits` list of the report. */
	gv_idx *commits;
	size_t ncommits;
} gv_metrics;

/* `classes` may be NULL (nothing classified). Caller frees with
 * gv_metrics_free(). */
int gv_metrics_compute(gv_metrics **out, const gv_history *h,
		       const gv_classes *classes, const gv_releases *rel,
		       const gv_metrics_opts *opts, gv_error *err);
void gv_metrics_free(gv_metrics *m);

/* Lead time of one commit: 0 and *out set when it is a non-merge commit with
 * a first release; GV_ENOTFOUND otherwise. */
int gv_metrics_lead_time(const gv_history *h, const gv_releases *rel,
			 const gv_metrics_opts *opts, gv_idx commit,
			 int64_t *out);

/* Fills a summary from unsorted samples (sorts them in place). */
void gv_stats_from(gv_stats *s, int64_t *samples, size_t n);

#endif
