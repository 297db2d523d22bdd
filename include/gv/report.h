/*
 * report.h - the reporters: JSON for tools (schema git-vitals/report/1,
 * documented in docs/JSON.md and docs/schema/) and text for people.
 *
 * Reports are deterministic: nothing varies between two runs on the same
 * repository and options (no timings, no wall clock) except the optional
 * top-level generated_at. Every string is valid UTF-8 whatever the repository
 * holds.
 */
#ifndef GV_REPORT_H
#define GV_REPORT_H

#include "gv/analysis.h"
#include "gv/common.h"

#define GV_REPORT_SCHEMA "git-vitals/report/1"

typedef struct gv_report_opts {
	const char *path;   /* the repository path exactly as given */
	const char *name;   /* batch: the "name" key; NULL omits it */
	int with_commits;   /* --commits */
	int pretty;         /* JSON: indented */
	int color;          /* text: ANSI colour */
} gv_report_opts;

/* Appends the report to out. */
int gv_report_json(gv_buf *out, const gv_analysis *a, const gv_report_opts *o,
		   gv_error *err);
int gv_report_text(gv_buf *out, const gv_analysis *a, const gv_report_opts *o,
		   gv_error *err);

/* The one-line error document batch writes for a repository that failed. */
int gv_report_json_error(gv_buf *out, const gv_report_opts *o, int code,
			 const char *message, gv_error *err);

#endif
