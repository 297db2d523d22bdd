/*
 * report.h - the reporters: JSON for tools (schema git-vitals/report/1,
 * documented in docs/JSON.md and docs/schema/), text and a self-contained
 * HTML page for people, the OpenMetrics exposition for Prometheus; and the
 * same formats for the fleet summary (batch.h). Reporters only format:
 * every number, rate, level and "worst N" list comes from the metric
 * catalogue (catalogue.h) and the metrics module.
 *
 * Reports are deterministic: nothing varies between two runs on the same
 * repository and options (no timings, no wall clock) except the optional
 * top-level generated_at. Every string is valid UTF-8 whatever the repository
 * holds.
 */
#ifndef GV_REPORT_H
#define GV_REPORT_H

#include "gv/analysis.h"
#include "gv/batch.h"
#include "gv/catalogue.h"
#include "gv/common.h"

#define GV_REPORT_SCHEMA "git-vitals/report/1"

typedef struct gv_report_opts {
	const char *path;   /* the repository path exactly as given */
	const char *name;   /* batch: the "name" key; NULL omits it */
	int with_commits;   /* --commits */
	int pretty;         /* JSON: indented */
	int color;          /* text: ANSI colour */
} gv_report_opts;

enum gv_format {
	GV_FORMAT_JSON = 0,
	GV_FORMAT_TEXT,
	GV_FORMAT_HTML,
	GV_FORMAT_OPENMETRICS
};
/* The format of a --format name, or -1. */
int gv_report_format(const char *name);
/* Appends the report in format `fmt` to out. */
int gv_report(gv_buf *out, int fmt, const gv_analysis *a,
	      const gv_report_opts *o, gv_error *err);

/* Appends the report to out. */
int gv_report_json(gv_buf *out, const gv_analysis *a, const gv_report_opts *o,
		   gv_error *err);
int gv_report_text(gv_buf *out, const gv_analysis *a, const gv_report_opts *o,
		   gv_error *err);
/* One self-contained HTML page: inline CSS and SVG, no script but a
 * table sorter, nothing fetched (report_html.c). */
int gv_report_html(gv_buf *out, const gv_analysis *a, const gv_report_opts *o,
		   gv_error *err);
/* The OpenMetrics text exposition: one gauge family per catalogue entry,
 * labelled with the repository (report_openmetrics.c). */
int gv_report_openmetrics(gv_buf *out, const gv_analysis *a,
			  const gv_report_opts *o, gv_error *err);

/* The fleet summary of rows (see batch.h) in format `fmt`; m (the
 * manifest's problems) may be NULL and only the JSON lists them. */
int gv_summary_write(gv_buf *out, int fmt, const gv_summary_row *rows,
		     size_t n, const gv_manifest *m, gv_error *err);
int gv_summary_text(gv_buf *out, const gv_summary_row *rows, size_t n,
		    gv_error *err);
int gv_summary_html(gv_buf *out, const gv_summary_row *rows, size_t n,
		    gv_error *err);
int gv_summary_openmetrics(gv_buf *out, const gv_summary_row *rows, size_t n,
			   gv_error *err);

/* The one-line error document batch writes for a repository that failed. */
int gv_report_json_error(gv_buf *out, const gv_report_opts *o, int code,
			 const char *message, gv_error *err);

#endif
