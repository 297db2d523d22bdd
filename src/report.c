/*
 * report.c - the report formats by name, and the one call that writes any
 * of them (the reporters are report_json.c, report_text.c, report_html.c
 * and report_openmetrics.c).
 */
#include "gv/report.h"

#include <string.h>

static const char *const names[] = {"json", "text", "html", "openmetrics"};

int gv_report_format(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return (int)i;
	return -1;
}

int gv_report(gv_buf *out, int fmt, const gv_analysis *a,
	      const gv_report_opts *o, gv_error *err)
{
	switch (fmt) {
	case GV_FORMAT_TEXT: return gv_report_text(out, a, o, err);
	case GV_FORMAT_HTML: return gv_report_html(out, a, o, err);
	case GV_FORMAT_OPENMETRICS: return gv_report_openmetrics(out, a, o, err);
	default: return gv_report_json(out, a, o, err);
	}
}

int gv_summary_write(gv_buf *out, int fmt, const gv_summary_row *rows,
		     size_t n, const gv_manifest *m, gv_error *err)
{
	switch (fmt) {
	case GV_FORMAT_TEXT: return gv_summary_text(out, rows, n, err);
	case GV_FORMAT_HTML: return gv_summary_html(out, rows, n, err);
	case GV_FORMAT_OPENMETRICS: return gv_summary_openmetrics(out, rows, n, err);
	default: return gv_summary_json(out, rows, n, m, err);
	}
}
