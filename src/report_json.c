/*
 * report_json.c - the JSON report, version 1 of the contract in
 * docs/JSON.md, written straight into the output buffer as it is walked.
 *
 * Not a cJSON tree: at 200k commits the tree was the peak of a run's memory
 * and a fifth of a warm run (a node, a key copy and a value copy per field,
 * all freed again). The writer emits the bytes cJSON_Print and
 * cJSON_PrintUnformatted would (same escapes, number formats and
 * indentation), so the format did not change; integers are exact int64.
 *
 * Invariants: every string passes through gv_utf8_sanitize (repositories hold
 * Latin-1 tag names and worse); absent statistics are null, never 0; times
 * are ISO 8601 UTC, durations integer seconds in keys ending _s, shas full
 * 40-hex. Keys keep their order so output diffs cleanly. An allocation
 * failure sticks in the writer and the whole document is withdrawn.
 */
#include "gv/report.h"
#include "gv/catalogue.h"

#include <float.h>
#include <limits.h>
#include <math.h> /* isnan, isinf: macros, no libm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef GV_VERSION
#define GV_VERSION "0.0.0"
#endif

#define JW_MAX_DEPTH 32

/* A streaming writer: containers open and close in order; `first` says
 * whether the container at each depth has had an item yet. */
typedef struct jw {
	gv_buf *out;
	gv_buf tmp;      /* a sanitised string before it is escaped */
	int pretty;
	int depth;
	unsigned char first[JW_MAX_DEPTH];
	int failed;
} jw;

/* Makes room for n more bytes (and the NUL gv_buf keeps after its bytes,
 * written once by finish()); 0 when there is none. */
static int grow(jw *w, size_t n)
{
	gv_buf *b = w->out;

	if (w->failed || n > SIZE_MAX / 2 - b->len ||
	    gv_grow((void **)&b->ptr, &b->alloc, b->len + n + 1, 1)) {
		w->failed = 1;
		return 0;
	}
	return 1;
}

/* Appends n bytes: a copy when there is room, which is nearly always. */
static inline void put(jw *w, const char *s, size_t n)
{
	gv_buf *b = w->out;

	if (n >= b->alloc - b->len && !grow(w, n))
		return;
	memcpy(b->ptr + b->len, s, n);
	b->len += n;
}

static void put_tabs(jw *w, int n)
{
	static const char tabs[] = "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t";

	while (n > 0) {
		int k = n > 16 ? 16 : n;
		put(w, tabs, (size_t)k);
		n -= k;
	}
}

/* A JSON string from valid UTF-8 (escapes as cJSON's print_string_ptr). */
static void put_escaped(jw *w, const char *s, size_t n)
{
	size_t i, start = 0;
	char esc[8];

	put(w, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *e = NULL;
		if (c >= 32 && c != '"' && c != '\\')
			continue;
		switch (c) {
		case '"': e = "\\\""; break;
		case '\\': e = "\\\\"; break;
		case '\b': e = "\\b"; break;
		case '\f': e = "\\f"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		case '\t': e = "\\t"; break;
		default:
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			e = esc;
		}
		put(w, s + start, i - start);
		put(w, e, strlen(e));
		start = i + 1;
	}
	put(w, s + start, n - start);
	put(w, "\"", 1);
}

/* Before a value: the separator and, in an object, the key. */
static void item(jw *w, const char *key)
{
	int d = w->depth;

	if (d > 0 && !w->first[d - 1])
		put(w, w->pretty ? (key ? ",\n" : ", ") : ",", w->pretty ? 2 : 1);
	if (d > 0)
		w->first[d - 1] = 0;
	if (key) {
		/* keys are this file's constants (and category names): plain
		 * ASCII that needs no escape */
		size_t n = strlen(key);
		if (w->pretty)
			put_tabs(w, d);
		put(w, "\"", 1);
		put(w, key, n);
		put(w, w->pretty ? "\":\t" : "\":", w->pretty ? 3 : 2);
	}
}

static void open_(jw *w, const char *key, char c)
{
	item(w, key);
	put(w, c == '{' && w->pretty ? "{\n" : (c == '{' ? "{" : "["),
	    c == '{' && w->pretty ? 2 : 1);
	if (w->depth >= JW_MAX_DEPTH) {
		w->failed = 1;
		return;
	}
	w->first[w->depth++] = 1;
}

static void obj(jw *w, const char *key) { open_(w, key, '{'); }
static void arr(jw *w, const char *key) { open_(w, key, '['); }

static void end_obj(jw *w)
{
	if (w->depth <= 0) {
		w->failed = 1;
		return;
	}
	w->depth--;
	if (w->pretty) {
		if (!w->first[w->depth])
			put(w, "\n", 1);
		put_tabs(w, w->depth);
	}
	put(w, "}", 1);
}

static void end_arr(jw *w)
{
	if (w->depth <= 0) {
		w->failed = 1;
		return;
	}
	w->depth--;
	put(w, "]", 1);
}

static void add_null(jw *w, const char *key)
{
	item(w, key);
	put(w, "null", 4);
}

static void add_bool(jw *w, const char *key, int v)
{
	item(w, key);
	put(w, v ? "true" : "false", v ? 4 : 5);
}

/* A string of raw bytes, made valid UTF-8 first. */
static void add_bytes(jw *w, const char *key, const char *s, size_t len)
{
	item(w, key);
	w->tmp.len = 0;
	if (gv_utf8_sanitize(&w->tmp, s, len)) {
		w->failed = 1;
		return;
	}
	put_escaped(w, w->tmp.ptr ? w->tmp.ptr : "", w->tmp.len);
}

static void add_str(jw *w, const char *key, const char *s)
{
	if (s)
		add_bytes(w, key, s, strlen(s));
	else
		add_null(w, key);
}

/* A string known to be plain ASCII without escapes (hex ids, times). */
static void add_ascii(jw *w, const char *key, const char *s)
{
	item(w, key);
	put(w, "\"", 1);
	put(w, s, strlen(s));
	put(w, "\"", 1);
}

static void add_time(jw *w, const char *key, int64_t t)
{
	char buf[40];

	gv_time_iso(buf, sizeof(buf), t);
	add_ascii(w, key, buf);
}

static void add_int(jw *w, const char *key, int64_t v)
{
	char buf[24], *p = buf + sizeof(buf);
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	item(w, key);
	put(w, p, (size_t)(buf + sizeof(buf) - p));
}

static double absd(double x) { return x < 0 ? -x : x; }

/* cJSON's compare_double: equal within the precision of the larger. */
static int same_double(double a, double b)
{
	double m = absd(a) > absd(b) ? absd(a) : absd(b);
	return absd(a - b) <= m * DBL_EPSILON;
}

/* A double as cJSON prints it: an integral value in int range as %d, else
 * the shortest of %1.15g and %1.17g that reads back equal. */
static void add_double(jw *w, const char *key, double d)
{
	char buf[32];
	double test;
	int vi;

	item(w, key);
	if (isnan(d) || isinf(d)) {
		put(w, "null", 4);
		return;
	}
	vi = d >= INT_MAX ? INT_MAX : d <= (double)INT_MIN ? INT_MIN : (int)d;
	if (d == (double)vi) {
		snprintf(buf, sizeof(buf), "%d", vi);
	} else {
		snprintf(buf, sizeof(buf), "%1.15g", d);
		if (sscanf(buf, "%lg", &test) != 1 || !same_double(test, d))
			snprintf(buf, sizeof(buf), "%1.17g", d);
	}
	put(w, buf, strlen(buf));
}

static void add_opt_int(jw *w, const char *key, int has, int64_t v)
{
	if (has)
		add_int(w, key, v);
	else
		add_null(w, key);
}

static void add_repository(jw *w, const gv_analysis *a, const gv_report_opts *o)
{
	const char *const *rv;
	size_t n, i;

	obj(w, "repository");
	add_str(w, "path", o->path);
	add_str(w, "head", gv_history_head(a->history));
	arr(w, "revs");
	rv = gv_history_revs(a->history, &n);
	for (i = 0; i < n; i++)
		add_bytes(w, NULL, rv[i], strlen(rv[i]));
	end_arr(w);
	add_bool(w, "shallow", gv_history_is_shallow(a->history));
	end_obj(w);
}

static void add_warnings(jw *w, const gv_warnings *wn)
{
	size_t i;

	arr(w, "warnings");
	for (i = 0; i < wn->count; i++) {
		obj(w, NULL);
		add_str(w, "code", wn->items[i].code);
		add_str(w, "message", wn->items[i].message);
		add_int(w, "count", (int64_t)wn->items[i].count);
		end_obj(w);
	}
	end_arr(w);
}

static void add_sha(jw *w, const char *key, const gv_analysis *a, gv_idx i)
{
	char hex[GV_OID_HEXSZ + 1];

	gv_history_hex(a->history, i, hex);
	add_ascii(w, key, hex);
}

static void add_failures(jw *w, const gv_analysis *a, uint32_t r)
{
	const gv_metrics *m = a->metrics;
	uint32_t f;

	arr(w, "failures");
	for (f = m->failures_at[r]; f < m->failures_at[r + 1]; f++) {
		const gv_failure *x = &m->failures[f];
		obj(w, NULL);
		add_sha(w, "culprit", a, x->culprit);
		add_sha(w, "remediation", a, x->remediation);
		add_str(w, "kind", gv_ref_kind_name(x->kind));
		add_bool(w, "urgent", x->urgent != 0);
		end_obj(w);
	}
	end_arr(w);
}

static void add_releases(jw *w, const gv_analysis *a)
{
	size_t nrel, i;
	const gv_release *list = gv_releases_list(a->releases, &nrel);

	arr(w, "releases");
	for (i = 0; i < a->metrics->nreleases; i++) {
		const gv_release *r = &list[a->metrics->releases[i]];
		obj(w, NULL);
		add_str(w, "tag", r->tag->name);
		add_sha(w, "commit", a, r->commit);
		add_time(w, "time", r->time);
		add_int(w, "new_commits", r->new_commits);
		add_failures(w, a, a->metrics->releases[i]);
		end_obj(w);
	}
	end_arr(w);
}

/* The catalogue entry at `path` as key: an integer, a double or null. */
static void add_metric(jw *w, const char *key, const gv_catalogue *c,
		       const char *path)
{
	const gv_metric *e = gv_catalogue_find(c, path);

	if (!e) {
		w->failed = 1; /* a path this file and catalogue.c disagree on */
		return;
	}
	if (!e->has)
		add_null(w, key);
	else if (e->unit == GV_UNIT_COUNT || e->unit == GV_UNIT_SECONDS)
		add_int(w, key, (int64_t)e->value);
	else
		add_double(w, key, e->value);
}

/* "level" and "insufficient" of the metric at `path` (its .level entry). */
static void add_level(jw *w, const gv_catalogue *c, const char *path)
{
	const gv_metric *e = gv_catalogue_find(c, path);

	if (!e) {
		w->failed = 1;
		return;
	}
	add_str(w, "level", gv_level_name(e->level.level));
	add_bool(w, "insufficient", e->level.insufficient != 0);
}

/* {samples, median_s, p75_s, p90_s[, mean_s]} of the summary at `base`,
 * left open for the caller when `open` is set. */
static void add_summary(jw *w, const char *key, const gv_catalogue *c,
			const char *base, int with_mean, int open)
{
	static const char *const keys[] = {"samples", "median_s", "p75_s",
					   "p90_s", "mean_s"};
	char path[96];
	size_t i;

	obj(w, key);
	for (i = 0; i < 4u + (with_mean != 0); i++) {
		if (i == 1 && open)
			return; /* the caller adds its counts, then add_stats_rest */
		snprintf(path, sizeof(path), "%s.%s", base, keys[i]);
		add_metric(w, keys[i], c, path);
	}
	end_obj(w);
}

/* The rest of a summary opened by add_summary(..., open = 1). */
static void add_stats_rest(jw *w, const gv_catalogue *c, const char *base,
			   int with_mean)
{
	static const char *const keys[] = {"median_s", "p75_s", "p90_s", "mean_s"};
	char path[96];
	size_t i;

	for (i = 0; i < 3u + (with_mean != 0); i++) {
		snprintf(path, sizeof(path), "%s.%s", base, keys[i]);
		add_metric(w, keys[i], c, path);
	}
}

static const char *release_name(const gv_analysis *a, uint32_t r)
{
	size_t nrel;
	const gv_release *list = gv_releases_list(a->releases, &nrel);

	return r == GV_NONE || r >= nrel ? NULL : list[r].tag->name;
}

static void add_vulnerabilities(jw *w, const gv_analysis *a)
{
	const gv_metrics *m = a->metrics;
	size_t i, k;

	arr(w, "vulnerabilities");
	for (i = 0; i < m->security.nvulns; i++) {
		const gv_vuln *v = &m->security.vulns[i];
		obj(w, NULL);
		arr(w, "ids");
		for (k = 0; k < v->nids; k++)
			add_str(w, NULL, m->vuln_ids[v->ids_at + k]);
		end_arr(w);
		arr(w, "fixes");
		for (k = 0; k < v->nfixes; k++)
			add_sha(w, NULL, a, m->vuln_commits[v->fixes_at + k]);
		end_arr(w);
		arr(w, "culprits");
		for (k = 0; k < v->nculprits; k++)
			add_sha(w, NULL, a, m->vuln_commits[v->culprits_at + k]);
		end_arr(w);
		add_str(w, "introduced", release_name(a, v->introduced));
		add_str(w, "fixed", release_name(a, v->fixed));
		add_opt_int(w, "exposure_s", v->has_exposure, v->exposure_s);
		end_obj(w);
	}
	end_arr(w);
}

static void add_security(jw *w, const gv_analysis *a, const gv_catalogue *c)
{
	const gv_metrics *m = a->metrics;
	size_t i;

	obj(w, "security");
	add_metric(w, "patches", c, "metrics.security.patches");
	add_metric(w, "high_confidence", c, "metrics.security.high_confidence");
	arr(w, "ids");
	for (i = 0; i < m->security.nids; i++)
		add_str(w, NULL, m->security.ids[i]);
	end_arr(w);
	add_summary(w, "fix_to_release", c, "metrics.security.fix_to_release", 0, 0);
	add_summary(w, "exposure", c, "metrics.security.exposure", 0, 0);
	add_metric(w, "unreleased_fixes", c, "metrics.security.unreleased_fixes");
	add_vulnerabilities(w, a);
	end_obj(w);
}

/* A rate object: its counts under their keys, then rate (and level). */
static void add_rate_obj(jw *w, const gv_catalogue *c, const char *key,
			 const char *const *keys, size_t nkeys)
{
	char path[96];
	size_t i;

	obj(w, key);
	for (i = 0; i < nkeys; i++) {
		snprintf(path, sizeof(path), "metrics.%s.%s", key, keys[i]);
		add_metric(w, keys[i], c, path);
	}
	snprintf(path, sizeof(path), "metrics.%s.rate", key);
	add_metric(w, "rate", c, path);
}

static void add_metrics(jw *w, const gv_analysis *a, const gv_catalogue *c)
{
	static const char *const cfr[] = {"releases", "failed"};
	static const char *const edr[] = {"releases", "escaped"};
	static const char *const rbr[] = {"changes", "rollbacks"};
	static const char *const rwr[] = {"releases", "rework"};

	obj(w, "metrics");
	add_summary(w, "lead_time", c, "metrics.lead_time", 1, 1);
	add_metric(w, "unreleased", c, "metrics.lead_time.unreleased");
	add_metric(w, "clamped", c, "metrics.lead_time.clamped");
	add_stats_rest(w, c, "metrics.lead_time", 1);
	add_level(w, c, "metrics.lead_time.level");
	end_obj(w);

	obj(w, "deployment_frequency");
	add_metric(w, "releases", c, "metrics.deployment_frequency.releases");
	add_metric(w, "days", c, "metrics.deployment_frequency.days");
	add_metric(w, "per_week", c, "metrics.deployment_frequency.per_week");
	add_level(w, c, "metrics.deployment_frequency.level");
	end_obj(w);

	add_rate_obj(w, c, "change_failure_rate", cfr, 2);
	add_level(w, c, "metrics.change_failure_rate.level");
	add_int(w, "hotfix_window_s", a->metrics->hotfix_window);
	end_obj(w);

	add_rate_obj(w, c, "escaped_defect_rate", edr, 2);
	end_obj(w);

	add_summary(w, "time_to_restore", c, "metrics.time_to_restore", 0, 1);
	add_metric(w, "unrestored", c, "metrics.time_to_restore.unrestored");
	add_stats_rest(w, c, "metrics.time_to_restore", 0);
	add_level(w, c, "metrics.time_to_restore.level");
	end_obj(w);

	add_rate_obj(w, c, "rollback_rate", rbr, 2);
	end_obj(w);
	add_rate_obj(w, c, "rework_rate", rwr, 2);
	end_obj(w);

	add_summary(w, "fix_latency", c, "metrics.fix_latency", 0, 0);
	add_summary(w, "time_to_revert", c, "metrics.time_to_revert", 0, 0);
	add_security(w, a, c);
	end_obj(w);
}

/* A period's rate: the metrics module's gv_rate, or null. */
static void add_period_rate(jw *w, uint64_t num, uint64_t den)
{
	double v;

	if (gv_rate(&v, num, den))
		add_double(w, "rate", v);
	else
		add_null(w, "rate");
}

static void add_series(jw *w, const gv_analysis *a)
{
	const gv_metrics *m = a->metrics;
	size_t i;

	arr(w, "series");
	for (i = 0; i < m->nseries; i++) {
		const gv_period *p = &m->series[i];
		obj(w, NULL);
		add_str(w, "period", p->name);
		add_time(w, "start", p->start);
		add_int(w, "commits", (int64_t)p->commits);
		add_int(w, "releases", (int64_t)p->releases);
		add_int(w, "reverts", (int64_t)p->reverts);
		add_int(w, "fixes", (int64_t)p->fixes);
		add_int(w, "security", (int64_t)p->security);
		obj(w, "lead_time");
		add_int(w, "samples", (int64_t)p->lead_time.samples);
		add_opt_int(w, "median_s", p->lead_time.samples > 0,
			    p->lead_time.median_s);
		end_obj(w);
		obj(w, "change_failure_rate");
		add_int(w, "releases", (int64_t)p->releases);
		add_int(w, "failed", (int64_t)p->failed);
		add_period_rate(w, p->failed, p->releases);
		end_obj(w);
		obj(w, "escaped_defect_rate");
		add_int(w, "releases", (int64_t)p->releases);
		add_int(w, "escaped", (int64_t)p->escaped);
		add_period_rate(w, p->escaped, p->releases);
		end_obj(w);
		end_obj(w);
	}
	end_arr(w);
}

static void add_gate_value(jw *w, const char *key, const gv_gate *g, int value)
{
	if (value && g->status != GV_GATE_FIRED && g->status != GV_GATE_PASSED)
		add_null(w, key);
	else if (g->is_level)
		add_str(w, key, gv_level_name((int)(value ? g->value : g->threshold)));
	else
		add_double(w, key, value ? g->value : g->threshold);
}

static void add_gates(jw *w, const gv_analysis *a)
{
	static const char *const status[] = {"unevaluated", "passed", "fired",
					     "null"};
	size_t i;

	arr(w, "gates");
	for (i = 0; i < a->ngates; i++) {
		const gv_gate *g = &a->gates[i];
		obj(w, NULL);
		add_str(w, "expr", g->expr);
		add_str(w, "metric", g->path);
		add_str(w, "op", gv_gate_op_name(g->op));
		add_gate_value(w, "threshold", g, 0);
		add_gate_value(w, "value", g, 1);
		add_str(w, "status", status[g->status]);
		add_bool(w, "fired", g->status == GV_GATE_FIRED);
		end_obj(w);
	}
	end_arr(w);
}

static void add_commit(jw *w, const gv_analysis *a, gv_idx i)
{
	const gv_commit *c = &gv_history_commits(a->history)[i];
	uint32_t first = a->metrics->first[i];
	gv_class_view v;
	size_t nrel, k;
	const gv_release *list = gv_releases_list(a->releases, &nrel);
	int64_t lead;

	obj(w, NULL);
	add_sha(w, "sha", a, i);
	add_time(w, "author_time", c->author_time);
	add_time(w, "commit_time", c->commit_time);
	add_bool(w, "merge", (c->flags & GV_COMMIT_MERGE) != 0);
	gv_classes_get(a->classes, i, &v);
	arr(w, "labels");
	for (k = 0; k < GV_CAT__COUNT; k++)
		if (v.labels & GV_LABEL(k))
			add_str(w, NULL, gv_category_name((int)k));
	end_arr(w);
	arr(w, "rules");
	for (k = 0; k < v.nrules; k++)
		add_str(w, NULL, v.rules[k]);
	end_arr(w);
	arr(w, "refs");
	for (k = 0; k < v.nrefs; k++) {
		obj(w, NULL);
		add_str(w, "sha", v.refs[k].text);
		add_str(w, "kind", gv_ref_kind_name(v.refs[k].kind));
		add_bool(w, "resolved", v.refs[k].resolved != 0);
		end_obj(w);
	}
	end_arr(w);
	arr(w, "ids");
	for (k = 0; k < v.nids; k++)
		add_str(w, NULL, v.ids[k]);
	end_arr(w);
	arr(w, "issues");
	for (k = 0; k < v.nissues; k++)
		add_str(w, NULL, v.issues[k]);
	end_arr(w);
	obj(w, "confidence");
	for (k = 0; k < GV_CAT__COUNT; k++)
		if ((v.labels & GV_LABEL(k)) && v.conf[k])
			add_str(w, gv_category_name((int)k),
				gv_confidence_name(v.conf[k]));
	end_obj(w);
	add_str(w, "release", first == GV_NONE ? NULL : list[first].tag->name);
	if (!gv_metrics_lead_time(a->metrics, a->history, a->releases, i, &lead))
		add_int(w, "lead_time_s", lead < 0 ? 0 : lead);
	else
		add_null(w, "lead_time_s");
	if (a->metrics->copy_of[i] != GV_NONE)
		add_sha(w, "copy_of", a, a->metrics->copy_of[i]);
	end_obj(w);
}

static void begin(jw *w, gv_buf *out, const gv_report_opts *o, int pretty)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->pretty = pretty;
	obj(w, NULL);
	add_ascii(w, "schema", GV_REPORT_SCHEMA);
	if (o->name)
		add_str(w, "name", o->name);
	obj(w, "generator");
	add_ascii(w, "name", "git-vitals");
	add_ascii(w, "version", GV_VERSION);
	end_obj(w);
}

/* Closes the document; on failure takes back what was written. */
static int finish(jw *w, size_t start, gv_error *err)
{
	end_obj(w);
	put(w, "\n", 1);
	gv_buf_free(&w->tmp);
	if (w->failed || w->depth) {
		w->out->len = start;
		if (w->out->ptr)
			w->out->ptr[start] = '\0';
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	}
	w->out->ptr[w->out->len] = '\0';
	return 0;
}

int gv_report_json(gv_buf *out, const gv_analysis *a, const gv_report_opts *o,
		   gv_error *err)
{
	const gv_metrics *m = a->metrics;
	size_t start = out->len, i;
	gv_catalogue *cat = malloc(sizeof(*cat));
	jw w;
	int error;

	if (!cat)
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	gv_catalogue_of(cat, m);
	begin(&w, out, o, o->pretty);
	add_repository(&w, a, o);
	obj(&w, "window");
	if (m->has_since)
		add_time(&w, "since", m->since);
	else
		add_null(&w, "since");
	if (m->has_until)
		add_time(&w, "until", m->until);
	else
		add_null(&w, "until");
	end_obj(&w);
	add_warnings(&w, &a->warnings);
	obj(&w, "counts");
	for (i = 0; i < cat->count; i++)
		if (!strncmp(cat->items[i].path, "counts.", 7) &&
		    strncmp(cat->items[i].path, "counts.possible.", 16))
			add_metric(&w, cat->items[i].path + 7, cat, cat->items[i].path);
	/* what the numbers above count, and the hits below that tier */
	add_ascii(&w, "min_confidence", gv_confidence_name(m->counts.min_confidence));
	obj(&w, "possible");
	for (i = 0; i < cat->count; i++)
		if (!strncmp(cat->items[i].path, "counts.possible.", 16))
			add_metric(&w, cat->items[i].path + 16, cat, cat->items[i].path);
	end_obj(&w);
	end_obj(&w);
	add_releases(&w, a);
	add_metrics(&w, a, cat);
	if (a->metrics_opts.period)
		add_series(&w, a);
	if (a->ngates)
		add_gates(&w, a);
	if (o->with_commits) {
		arr(&w, "commits");
		for (i = 0; i < m->ncommits; i++)
			add_commit(&w, a, m->commits[i]);
		end_arr(&w);
	}
	error = finish(&w, start, err);
	free(cat);
	return error;
}

int gv_report_json_error(gv_buf *out, const gv_report_opts *o, int code,
			 const char *message, gv_error *err)
{
	size_t start = out->len;
	jw w;

	begin(&w, out, o, 0);
	obj(&w, "repository");
	add_str(&w, "path", o->path);
	end_obj(&w);
	obj(&w, "error");
	add_int(&w, "code", code);
	add_str(&w, "message", message);
	end_obj(&w);
	return finish(&w, start, err);
}
