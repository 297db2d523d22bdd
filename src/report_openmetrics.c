/*
 * report_openmetrics.c - the OpenMetrics text exposition (also read by
 * Prometheus' text parser and node_exporter's textfile collector): one gauge
 * family per metric catalogue entry, one sample per repository labelled
 * repository="<name>" (and level="<DORA level>" on the four DORA metrics),
 * plus gitvitals_up, 0 for a repository whose analysis failed.
 *
 * A single report is the summary of one repository, so both go through
 * om_write(). Names: "gitvitals_" and the JSON path without "metrics." or
 * "counts.", dots as underscores, "_s" spelled "_seconds" and a trailing
 * ".rate" as "_ratio" (Prometheus' base units). A null value has no
 * sample: OpenMetrics has no null. Level entries are not families of their
 * own: they are the level label. Label values are escaped as the format
 * says (backslash, quote, newline) after UTF-8 sanitising.
 */
#include "gv/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The family name of an entry; 0 when it has none (levels, window days). */
static int om_name(char *buf, size_t size, const gv_metric *m)
{
	const char *p = gv_metric_short_path(m);
	size_t n, i;

	if (m->unit == GV_UNIT_LEVEL || m->unit == GV_UNIT_DAYS)
		return 0;
	if (!strncmp(p, "counts.", 7))
		p += 7;
	n = (size_t)snprintf(buf, size, "gitvitals_%s", p);
	if (n + 8 >= size)
		return 0;
	for (i = 0; i < n; i++)
		if (buf[i] == '.')
			buf[i] = '_';
	if (n > 2 && !strcmp(buf + n - 2, "_s"))
		strcpy(buf + n - 2, "_seconds");
	else if (n > 5 && !strcmp(buf + n - 5, "_rate") && m->unit == GV_UNIT_RATIO)
		strcpy(buf + n - 5, "_ratio");
	return 1;
}

static int put_label(gv_buf *out, const char *s)
{
	gv_buf clean = {0};
	size_t i;
	int error;

	if ((error = gv_utf8_sanitize(&clean, s, strlen(s))))
		return error;
	for (i = 0; !error && i < clean.len; i++) {
		char c = clean.ptr[i];
		error = c == '\\' ? gv_buf_puts(out, "\\\\")
		      : c == '"' ? gv_buf_puts(out, "\\\"")
		      : c == '\n' ? gv_buf_puts(out, "\\n")
		      : gv_buf_put(out, &c, 1);
	}
	gv_buf_free(&clean);
	return error;
}

static int om_value(gv_buf *out, double v)
{
	if (v == (double)(long long)v && v > -9e15 && v < 9e15)
		return gv_buf_printf(out, " %lld\n", (long long)v);
	return gv_buf_printf(out, " %.17g\n", v);
}

/* The repository label of a row is its name. */
static int om_write(gv_buf *out, const gv_summary_row *rows, size_t n,
		    gv_error *err)
{
	static const gv_metrics none;
	gv_catalogue *c = malloc(sizeof(*c));
	char name[128];
	size_t i, r;
	int error = 0;

	if (!c)
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	gv_catalogue_of(c, &none);
	error |= gv_buf_puts(out, "# TYPE gitvitals_up gauge\n"
			     "# HELP gitvitals_up 1 when git-vitals analysed "
			     "the repository, 0 when it failed\n");
	for (r = 0; r < n; r++) {
		error |= gv_buf_puts(out, "gitvitals_up{repository=\"");
		error |= put_label(out, rows[r].name);
		error |= gv_buf_printf(out, "\"} %d\n", rows[r].error ? 0 : 1);
	}
	for (i = 0; i < c->count; i++) {
		const gv_metric *m = &c->items[i];
		size_t lv = gv_catalogue_level_of(c, m);
		if (!om_name(name, sizeof(name), m))
			continue;
		error |= gv_buf_printf(out, "# TYPE %s gauge\n", name);
		if (m->unit == GV_UNIT_SECONDS)
			error |= gv_buf_printf(out, "# UNIT %s seconds\n", name);
		if (m->unit == GV_UNIT_RATIO)
			error |= gv_buf_printf(out, "# UNIT %s ratio\n", name);
		error |= gv_buf_printf(out, "# HELP %s %s (%s)\n", name, m->label,
				       gv_metric_short_path(m));
		for (r = 0; r < n; r++) {
			const gv_summary_cell *v = &rows[r].cells[i];
			if (!v->has)
				continue;
			error |= gv_buf_printf(out, "%s{repository=\"", name);
			error |= put_label(out, rows[r].name);
			if (lv != SIZE_MAX)
				error |= gv_buf_printf(out, "\",level=\"%s",
						       rows[r].cells[lv].has
						       ? gv_level_name(rows[r].cells[lv].level)
						       : rows[r].cells[lv].insufficient
						       ? "insufficient" : "none");
			error |= gv_buf_puts(out, "\"}");
			error |= om_value(out, v->value);
		}
	}
	error |= gv_buf_puts(out, "# EOF\n");
	free(c);
	if (error)
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	return 0;
}

int gv_report_openmetrics(gv_buf *out, const gv_analysis *a,
			  const gv_report_opts *o, gv_error *err)
{
	gv_summary_row *row = calloc(1, sizeof(*row));
	int error;

	if (!row)
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	if (!(error = gv_summary_row_set(row, o->name ? o->name : o->path,
					 o->path, a, 0, NULL, err)))
		error = om_write(out, row, 1, err);
	gv_summary_row_clear(row);
	free(row);
	return error;
}

int gv_summary_openmetrics(gv_buf *out, const gv_summary_row *rows, size_t n,
			   gv_error *err)
{
	return om_write(out, rows, n, err);
}
