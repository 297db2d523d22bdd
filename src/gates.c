/*
 * gates.c - `--fail-if` expressions: parsed once, before the (long)
 * analysis, so a typo is a usage error at once; evaluated against the
 * metrics after it.
 *
 * The paths are those of the JSON report. They come from the metric
 * catalogue, which both validates a path at parse time (on empty metrics)
 * and hands its value over at evaluation time, so the two cannot drift.
 */
#include "gv/gates.h"
#include "gv/catalogue.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const op_names[] = {">", ">=", "<", "<=", "==", "!="};

const char *gv_gate_op_name(int op)
{
	return op >= GV_OP_GT && op <= GV_OP_NE ? op_names[op] : "?";
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* A number ("0.15", "3", "1e3") or a duration ("7d", "36h", "30min"),
 * whose unit goes to g. */
static int parse_number(double *out, gv_gate *g, const char *s)
{
	char *end;
	int64_t span;
	double d;
	const char *u = s;

	if (!*s)
		return GV_EUSAGE;
	if (!gv_span_parse(&span, s)) {
		*out = (double)span;
		while (*u >= '0' && *u <= '9')
			u++;
		d = strtod(s, NULL);
		if (d > 0 && strlen(u) < sizeof(g->unit)) {
			snprintf(g->unit, sizeof(g->unit), "%s", u);
			g->unit_s = (double)span / d;
		}
		return 0;
	}
	d = strtod(s, &end);
	if (*end || end == s || d != d || d - d != 0)
		return GV_EUSAGE;
	*out = d;
	return 0;
}

int gv_gate_parse(gv_gate *g, const char *expr, gv_error *err)
{
	static gv_metrics empty;
	gv_catalogue *cat = NULL;
	const gv_metric *gv;
	char *copy = NULL, *path, *value, *p;
	size_t i;
	int error = GV_EUSAGE, op = -1;

	memset(g, 0, sizeof(*g));
	if (!(g->expr = gv_utf8_dup(expr, strlen(expr))) ||
	    !(copy = gv_utf8_dup(expr, strlen(expr))) ||
	    !(cat = malloc(sizeof(*cat)))) {
		error = gv_error_set(err, GV_ENOMEM, "out of memory");
		goto done;
	}
	/* the first operator character splits path and value */
	for (p = copy; *p && !strchr("<>=!", *p); p++)
		;
	if (!*p) {
		gv_error_set(err, GV_EUSAGE, "--fail-if '%s': no operator "
			     "(> >= < <= == !=), e.g. 'change_failure_rate > 0.15'",
			     expr);
		goto done;
	}
	for (i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++)
		if (!strncmp(p, op_names[i], strlen(op_names[i])) &&
		    (op < 0 || strlen(op_names[i]) > strlen(op_names[op])))
			op = (int)i;
	if (op < 0) {
		gv_error_set(err, GV_EUSAGE, "--fail-if '%s': bad operator "
			     "(> >= < <= == !=)", expr);
		goto done;
	}
	value = trim(p + strlen(op_names[op]));
	*p = '\0';
	path = trim(copy);
	if (!strncmp(path, "metrics.", 8))
		path += 8;
	gv_catalogue_of(cat, &empty);
	if (!*path || !(gv = gv_catalogue_find(cat, path))) {
		gv_error_set(err, GV_EUSAGE, "--fail-if '%s': unknown metric '%s' "
			     "(use the JSON names, e.g. lead_time.median_s, "
			     "change_failure_rate, security.unreleased_fixes; "
			     "see docs/METRICS.md)", expr, path);
		goto done;
	}
	if (strchr(value, '<') || strchr(value, '>') || strchr(value, '=') ||
	    strchr(value, '!')) {
		gv_error_set(err, GV_EUSAGE, "--fail-if '%s': more than one "
			     "operator", expr);
		goto done;
	}
	snprintf(g->path, sizeof(g->path), "%s", gv_metric_short_path(gv));
	g->op = op;
	g->is_level = gv->unit == GV_UNIT_LEVEL;
	if (g->is_level) {
		int level = gv_level_from_name(value, strlen(value));
		if (level == GV_LEVEL_NONE) {
			gv_error_set(err, GV_EUSAGE, "--fail-if '%s': '%s' is "
				     "not a level (low, medium, high, elite)",
				     expr, value);
			goto done;
		}
		g->threshold = level;
	} else if (parse_number(&g->threshold, g, value)) {
		gv_error_set(err, GV_EUSAGE, "--fail-if '%s': '%s' is not a "
			     "number or a duration (7d, 36h, 30min)", expr,
			     value);
		goto done;
	}
	error = 0;
done:
	free(copy);
	free(cat);
	if (error)
		gv_gate_free(g);
	return error;
}

void gv_gate_free(gv_gate *g)
{
	free(g->expr);
	memset(g, 0, sizeof(*g));
}

static int holds(int op, double a, double b)
{
	switch (op) {
	case GV_OP_GT: return a > b;
	case GV_OP_GE: return a >= b;
	case GV_OP_LT: return a < b;
	case GV_OP_LE: return a <= b;
	case GV_OP_EQ: return a == b;
	default: return a != b;
	}
}

void gv_gate_eval(gv_gate *g, const gv_metrics *m)
{
	gv_catalogue *cat = malloc(sizeof(*cat));
	const gv_metric *e;

	g->status = GV_GATE_UNEVALUATED;
	if (!cat)
		return;
	gv_catalogue_of(cat, m);
	if ((e = gv_catalogue_find(cat, g->path))) {
		if (!e->has) {
			g->status = GV_GATE_NULL;
		} else {
			g->value = e->value;
			g->status = holds(g->op, e->value, g->threshold) ? GV_GATE_FIRED
								     : GV_GATE_PASSED;
		}
	}
	free(cat);
}

void gv_gate_format(char *buf, size_t size, const gv_gate *g, int value)
{
	double v = value ? g->value : g->threshold;

	if (value && g->status != GV_GATE_FIRED && g->status != GV_GATE_PASSED)
		snprintf(buf, size, "null");
	else if (g->is_level)
		snprintf(buf, size, "%s", gv_level_name((int)v));
	else if (g->unit_s > 0)
		snprintf(buf, size, "%.4g%s", v / g->unit_s, g->unit);
	else if (v > -9e15 && v < 9e15 && v == (double)(long long)v)
		snprintf(buf, size, "%lld", (long long)v);
	else
		snprintf(buf, size, "%.6g", v);
}
