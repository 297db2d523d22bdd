/*
 * gates.c - `--fail-if` expressions: parsed once, before the (long)
 * analysis, so a typo is a usage error at once; evaluated against the
 * metrics after it.
 *
 * The paths are those of the JSON report. They come from one table,
 * gate_values(), which both validates a path at parse time (on empty
 * metrics) and reads its value at evaluation time, so the two cannot drift.
 */
#include "gv/gates.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct gate_value {
	const char *path;
	int is_level;
	int is_null;
	double v;
} gate_value;

#define MAX_VALUES 96

typedef struct values {
	gate_value v[MAX_VALUES];
	size_t n;
	char names[MAX_VALUES][64];
} values;

static void put(values *vs, const char *prefix, const char *key, int is_null,
		double v)
{
	gate_value *g;

	if (vs->n >= MAX_VALUES)
		return;
	g = &vs->v[vs->n];
	snprintf(vs->names[vs->n], sizeof(vs->names[0]), "%s%s%s", prefix,
		 *prefix && *key ? "." : "", key);
	g->path = vs->names[vs->n++];
	g->is_level = 0;
	g->is_null = is_null;
	g->v = v;
}

static void put_count(values *vs, const char *prefix, const char *key,
		      uint64_t v)
{
	put(vs, prefix, key, 0, (double)v);
}

static void put_rate(values *vs, const char *prefix, uint64_t num, uint64_t den)
{
	put(vs, prefix, "rate", den == 0, den ? (double)num / (double)den : 0);
}

static void put_level(values *vs, const char *prefix, const gv_level_of *l)
{
	put(vs, prefix, "level", l->level == GV_LEVEL_NONE, (double)l->level);
	vs->v[vs->n - 1].is_level = 1;
}

static void put_stats(values *vs, const char *prefix, const gv_stats *s,
		      int with_mean)
{
	int none = s->samples == 0;

	put_count(vs, prefix, "samples", s->samples);
	put(vs, prefix, "median_s", none, (double)s->median_s);
	put(vs, prefix, "p75_s", none, (double)s->p75_s);
	put(vs, prefix, "p90_s", none, (double)s->p90_s);
	if (with_mean)
		put(vs, prefix, "mean_s", none, (double)s->mean_s);
}

/* Every number a gate may read, named as in the JSON report. */
static void gate_values(values *vs, const gv_metrics *m)
{
	const char *c = "counts";

	vs->n = 0;
	put_count(vs, c, "commits", m->counts.commits);
	put_count(vs, c, "merges", m->counts.merges);
	put_count(vs, c, "releases", m->counts.releases);
	put_count(vs, c, "fixes", m->counts.fixes);
	put_count(vs, c, "reverts", m->counts.reverts);
	put_count(vs, c, "rollbacks", m->counts.rollbacks);
	put_count(vs, c, "security", m->counts.security);
	put_count(vs, c, "bots", m->counts.bots);

	put_stats(vs, "lead_time", &m->lead_time.stats, 1);
	put_count(vs, "lead_time", "unreleased", m->lead_time.unreleased);
	put_count(vs, "lead_time", "clamped", m->lead_time.clamped);
	put_level(vs, "lead_time", &m->lead_time.level);

	put_count(vs, "deployment_frequency", "releases",
		  m->deployment_frequency.releases);
	put(vs, "deployment_frequency", "days", !m->deployment_frequency.has_days,
	    m->deployment_frequency.days);
	put(vs, "deployment_frequency", "per_week",
	    !m->deployment_frequency.has_days, m->deployment_frequency.per_week);
	put_level(vs, "deployment_frequency", &m->deployment_frequency.level);

	put_count(vs, "change_failure_rate", "releases",
		  m->change_failure_rate.releases);
	put_count(vs, "change_failure_rate", "failed", m->change_failure_rate.failed);
	put_rate(vs, "change_failure_rate", m->change_failure_rate.failed,
		 m->change_failure_rate.releases);
	put_level(vs, "change_failure_rate", &m->change_failure_rate.level);

	put_count(vs, "escaped_defect_rate", "releases",
		  m->escaped_defect_rate.releases);
	put_count(vs, "escaped_defect_rate", "escaped",
		  m->escaped_defect_rate.escaped);
	put_rate(vs, "escaped_defect_rate", m->escaped_defect_rate.escaped,
		 m->escaped_defect_rate.releases);

	put_stats(vs, "time_to_restore", &m->time_to_restore.stats, 0);
	put_count(vs, "time_to_restore", "unrestored", m->time_to_restore.unrestored);
	put_level(vs, "time_to_restore", &m->time_to_restore.level);

	put_count(vs, "rollback_rate", "changes", m->rollback_rate.changes);
	put_count(vs, "rollback_rate", "rollbacks", m->rollback_rate.rollbacks);
	put_rate(vs, "rollback_rate", m->rollback_rate.rollbacks,
		 m->rollback_rate.changes);

	put_count(vs, "rework_rate", "releases", m->rework_rate.releases);
	put_count(vs, "rework_rate", "rework", m->rework_rate.rework);
	put_rate(vs, "rework_rate", m->rework_rate.rework, m->rework_rate.releases);

	put_stats(vs, "fix_latency", &m->fix_latency, 0);
	put_stats(vs, "time_to_revert", &m->time_to_revert, 0);

	put_count(vs, "security", "patches", m->security.patches);
	put_count(vs, "security", "high_confidence", m->security.high_confidence);
	put_count(vs, "security", "unreleased_fixes", m->security.unreleased_fixes);
	put_count(vs, "security", "ids", m->security.nids);
	put_count(vs, "security", "vulnerabilities", m->security.nvulns);
	put_stats(vs, "security.fix_to_release", &m->security.fix_to_release, 0);
	put_stats(vs, "security.exposure", &m->security.exposure, 0);
}

/* A bare metric name stands for its headline number. */
static const char *const shorthand[][2] = {
	{"lead_time", "lead_time.median_s"},
	{"deployment_frequency", "deployment_frequency.per_week"},
	{"change_failure_rate", "change_failure_rate.rate"},
	{"escaped_defect_rate", "escaped_defect_rate.rate"},
	{"time_to_restore", "time_to_restore.median_s"},
	{"rollback_rate", "rollback_rate.rate"},
	{"rework_rate", "rework_rate.rate"},
	{"fix_latency", "fix_latency.median_s"},
	{"time_to_revert", "time_to_revert.median_s"},
	{"security.fix_to_release", "security.fix_to_release.median_s"},
	{"security.exposure", "security.exposure.median_s"},
};

static const gate_value *find(const values *vs, const char *path)
{
	size_t i;

	for (i = 0; i < sizeof(shorthand) / sizeof(shorthand[0]); i++)
		if (!strcmp(path, shorthand[i][0]))
			path = shorthand[i][1];
	for (i = 0; i < vs->n; i++)
		if (!strcmp(vs->v[i].path, path))
			return &vs->v[i];
	return NULL;
}

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

/* A number ("0.15", "3", "1e3") or a duration ("7d", "36h", "30min"). */
static int parse_number(double *out, const char *s)
{
	char *end;
	int64_t span;
	double d;

	if (!*s)
		return GV_EUSAGE;
	if (!gv_span_parse(&span, s)) {
		*out = (double)span;
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
	values *vs = NULL;
	const gate_value *gv;
	char *copy = NULL, *path, *value, *p;
	size_t i;
	int error = GV_EUSAGE, op = -1;

	memset(g, 0, sizeof(*g));
	if (!(g->expr = gv_utf8_dup(expr, strlen(expr))) ||
	    !(copy = gv_utf8_dup(expr, strlen(expr))) ||
	    !(vs = malloc(sizeof(*vs)))) {
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
	gate_values(vs, &empty);
	if (!*path || !(gv = find(vs, path))) {
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
	snprintf(g->path, sizeof(g->path), "%s", gv->path);
	g->op = op;
	g->is_level = gv->is_level;
	if (g->is_level) {
		int level = gv_level_from_name(value, strlen(value));
		if (level == GV_LEVEL_NONE) {
			gv_error_set(err, GV_EUSAGE, "--fail-if '%s': '%s' is "
				     "not a level (low, medium, high, elite)",
				     expr, value);
			goto done;
		}
		g->threshold = level;
	} else if (parse_number(&g->threshold, value)) {
		gv_error_set(err, GV_EUSAGE, "--fail-if '%s': '%s' is not a "
			     "number or a duration (7d, 36h, 30min)", expr,
			     value);
		goto done;
	}
	error = 0;
done:
	free(copy);
	free(vs);
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
	values *vs = malloc(sizeof(*vs));
	const gate_value *gv;

	g->status = GV_GATE_UNEVALUATED;
	if (!vs)
		return;
	gate_values(vs, m);
	if ((gv = find(vs, g->path))) {
		if (gv->is_null) {
			g->status = GV_GATE_NULL;
		} else {
			g->value = gv->v;
			g->status = holds(g->op, gv->v, g->threshold) ? GV_GATE_FIRED
								      : GV_GATE_PASSED;
		}
	}
	free(vs);
}

void gv_gate_format(char *buf, size_t size, const gv_gate *g, int value)
{
	double v = value ? g->value : g->threshold;

	if (value && g->status != GV_GATE_FIRED && g->status != GV_GATE_PASSED)
		snprintf(buf, size, "null");
	else if (g->is_level)
		snprintf(buf, size, "%s", gv_level_name((int)v));
	else if (v > -9e15 && v < 9e15 && v == (double)(long long)v)
		snprintf(buf, size, "%lld", (long long)v);
	else
		snprintf(buf, size, "%.6g", v);
}
