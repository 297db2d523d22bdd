/*
 * catalogue.h - the metric catalogue: every number a report shows, each
 * with its JSON path, label, unit, value (or null), DORA level, sample count
 * and which way is better, derived once from gv_metrics. The reporters (JSON,
 * text, HTML, OpenMetrics), the --fail-if gates and the fleet summary walk
 * this list; none of them computes a number, a rate or a level itself.
 *
 * Adding a metric is one entry in catalogue.c (its computation, if new, goes
 * to metrics.c). Entries keep a fixed order (that of the JSON report), so
 * every output lists them the same way and a catalogue of an empty
 * gv_metrics names every path (gates validate paths on it).
 */
#ifndef GV_CATALOGUE_H
#define GV_CATALOGUE_H

#include "gv/metrics.h"

enum gv_unit {
	GV_UNIT_COUNT = 0,  /* an integer count */
	GV_UNIT_SECONDS,    /* a duration in integer seconds (keys end _s) */
	GV_UNIT_RATIO,      /* a rate in [0, 1] */
	GV_UNIT_PER_WEEK,   /* events per week */
	GV_UNIT_DAYS,       /* a span in days (fractional) */
	GV_UNIT_LEVEL       /* a DORA level: enum gv_level as the value */
};

enum gv_better {
	GV_BETTER_NEITHER = 0,
	GV_BETTER_HIGHER = 1,
	GV_BETTER_LOWER = -1
};

enum {
	GV_METRIC_HEADLINE = 1u << 0, /* a row of the headline table / a tile */
	GV_METRIC_FLEET = 1u << 1,    /* a column of the fleet summary */
	GV_METRIC_DORA = 1u << 2      /* one of the four DORA metrics */
};

typedef struct gv_metric {
	const char *path;   /* the report's JSON path: "counts.commits",
	                       "metrics.lead_time.median_s" */
	const char *name;   /* headline metrics: the bare name a gate may use
	                       ("lead_time"); NULL otherwise */
	const char *label;  /* for people: "lead time for changes" */
	int unit;           /* enum gv_unit */
	int better;         /* enum gv_better */
	unsigned flags;     /* GV_METRIC_* */
	int has;            /* 0: null (no samples, no denominator, no level) */
	double value;
	gv_level_of level;  /* headline DORA metrics; GV_LEVEL_NONE otherwise */
	uint64_t samples;   /* how many observations the value rests on */
	const char *samples_of; /* what they are: "releases", "changes" ... */
	/* Context a reporter shows next to the value: durations their p90,
	 * rates their numerator and denominator, per_week the window in days.
	 * Valid when has is set. */
	int64_t p90_s;
	uint64_t num, den;
	double days;
} gv_metric;

#define GV_CATALOGUE_MAX 96

typedef struct gv_catalogue {
	gv_metric items[GV_CATALOGUE_MAX];
	size_t count;
} gv_catalogue;

/* Fills c from m (no allocation; m may be all zeros). */
void gv_catalogue_of(gv_catalogue *c, const gv_metrics *m);
/* The entry at a JSON path, with or without the "metrics." prefix, or a
 * headline metric by its bare name; NULL when there is none. */
const gv_metric *gv_catalogue_find(const gv_catalogue *c, const char *path);
/* The index of the level entry ("<metric>.level") of the DORA headline
 * entry e, or SIZE_MAX when e has none. */
size_t gv_catalogue_level_of(const gv_catalogue *c, const gv_metric *e);
/* The path without "metrics." ("lead_time.median_s", "counts.commits"). */
const char *gv_metric_short_path(const gv_metric *e);
/* A rate of a gv_metrics pair (e.g. a period's failed of releases): 1 and
 * *out = num / den when den > 0, else 0. */
int gv_rate(double *out, uint64_t num, uint64_t den);
/* Formats e's value for people: "3d 4h", "42.9% (3 of 7)", "1.25/week",
 * "elite", "12"; "n/a" when null. */
void gv_metric_format(char *buf, size_t size, const gv_metric *e);
/* A duration for people: "3d 4h", "5h 2m", "4m 10s", "12s". */
void gv_duration_format(char *buf, size_t size, int64_t s);

#endif
