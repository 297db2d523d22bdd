/*
 * report_json.c - the JSON report, version 1 of the contract in
 * docs/JSON.md. The only reporter that includes cJSON.
 *
 * Invariants: every string passes through gv_utf8_sanitize (repositories hold
 * Latin-1 tag names and worse); absent statistics are null, never 0; times
 * are ISO 8601 UTC, durations integer seconds in keys ending _s, shas full
 * 40-hex. Keys keep their order so output diffs cleanly.
 */
#include "gv/report.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#ifndef GV_VERSION
#define GV_VERSION "0.0.0"
#endif

/* Adds a sanitised copy of len bytes; NULL on allocation failure. */
static cJSON *add_bytes(cJSON *obj, const char *key, const char *s, size_t len)
{
	char *u = gv_utf8_dup(s, len);
	cJSON *item;

	if (!u)
		return NULL;
	item = cJSON_CreateString(u);
	free(u);
	if (!item)
		return NULL;
	if (key)
		cJSON_AddItemToObject(obj, key, item);
	else
		cJSON_AddItemToArray(obj, item);
	return item;
}

static cJSON *add_str(cJSON *obj, const char *key, const char *s)
{
	return s ? add_bytes(obj, key, s, strlen(s)) : cJSON_AddNullToObject(obj, key);
}

static cJSON *add_time(cJSON *obj, const char *key, int64_t t)
{
	char buf[40];

	gv_time_iso(buf, sizeof(buf), t);
	return cJSON_AddStringToObject(obj, key, buf);
}

static cJSON *add_int(cJSON *obj, const char *key, int64_t v)
{
	return cJSON_AddNumberToObject(obj, key, (double)v);
}

static cJSON *add_opt_int(cJSON *obj, const char *key, int has, int64_t v)
{
	return has ? add_int(obj, key, v) : cJSON_AddNullToObject(obj, key);
}

static cJSON *add_stats(cJSON *obj, const char *key, const gv_stats *s)
{
	cJSON *o = cJSON_AddObjectToObject(obj, key);

	if (!o)
		return NULL;
	add_int(o, "samples", (int64_t)s->samples);
	return o;
}

static void add_stats_values(cJSON *o, const gv_stats *s, int with_mean)
{
	int has = s->samples > 0;

	add_opt_int(o, "median_s", has, s->median_s);
	add_opt_int(o, "p75_s", has, s->p75_s);
	add_opt_int(o, "p90_s", has, s->p90_s);
	if (with_mean)
		add_opt_int(o, "mean_s", has, s->mean_s);
}

static void add_repository(cJSON *root, const gv_analysis *a,
			   const gv_report_opts *o)
{
	cJSON *repo = cJSON_AddObjectToObject(root, "repository"), *revs;
	const char *const *rv;
	size_t n, i;

	if (!repo)
		return;
	add_str(repo, "path", o->path);
	add_str(repo, "head", gv_history_head(a->history));
	revs = cJSON_AddArrayToObject(repo, "revs");
	rv = gv_history_revs(a->history, &n);
	for (i = 0; revs && i < n; i++)
		add_bytes(revs, NULL, rv[i], strlen(rv[i]));
	cJSON_AddBoolToObject(repo, "shallow", gv_history_is_shallow(a->history));
}

static void add_warnings(cJSON *root, const gv_warnings *w)
{
	cJSON *arr = cJSON_AddArrayToObject(root, "warnings");
	size_t i;

	for (i = 0; arr && i < w->count; i++) {
		cJSON *it = cJSON_CreateObject();
		if (!it)
			return;
		cJSON_AddItemToArray(arr, it);
		add_str(it, "code", w->items[i].code);
		add_str(it, "message", w->items[i].message);
		add_int(it, "count", (int64_t)w->items[i].count);
	}
}

static void add_sha(cJSON *obj, const char *key, const gv_analysis *a, gv_idx i)
{
	char hex[GV_OID_HEXSZ + 1];

	gv_history_hex(a->history, i, hex);
	if (key)
		cJSON_AddStringToObject(obj, key, hex);
	else
		cJSON_AddItemToArray(obj, cJSON_CreateString(hex));
}

static void add_failures(cJSON *it, const gv_analysis *a, uint32_t r)
{
	const gv_metrics *m = a->metrics;
	cJSON *arr = cJSON_AddArrayToObject(it, "failures");
	uint32_t f;

	for (f = m->failures_at[r]; arr && f < m->failures_at[r + 1]; f++) {
		const gv_failure *x = &m->failures[f];
		cJSON *o = cJSON_CreateObject();
		if (!o)
			return;
		cJSON_AddItemToArray(arr, o);
		add_sha(o, "culprit", a, x->culprit);
		add_sha(o, "remediation", a, x->remediation);
		add_str(o, "kind", gv_ref_kind_name(x->kind));
		cJSON_AddBoolToObject(o, "urgent", x->urgent != 0);
	}
}

static void add_releases(cJSON *root, const gv_analysis *a)
{
	cJSON *arr = cJSON_AddArrayToObject(root, "releases");
	size_t nrel, i;
	const gv_release *list = gv_releases_list(a->releases, &nrel);
	char hex[GV_OID_HEXSZ + 1];

	for (i = 0; arr && i < a->metrics->nreleases; i++) {
		const gv_release *r = &list[a->metrics->releases[i]];
		cJSON *it = cJSON_CreateObject();
		if (!it)
			return;
		cJSON_AddItemToArray(arr, it);
		add_str(it, "tag", r->tag->name);
		gv_history_hex(a->history, r->commit, hex);
		cJSON_AddStringToObject(it, "commit", hex);
		add_time(it, "time", r->time);
		add_int(it, "new_commits", r->new_commits);
		add_failures(it, a, a->metrics->releases[i]);
	}
}

static void add_rate(cJSON *o, uint64_t num, uint64_t den)
{
	if (den)
		cJSON_AddNumberToObject(o, "rate", (double)num / (double)den);
	else
		cJSON_AddNullToObject(o, "rate");
}

static void add_level(cJSON *o, const gv_level_of *l)
{
	add_str(o, "level", gv_level_name(l->level));
	cJSON_AddBoolToObject(o, "insufficient", l->insufficient != 0);
}

/* {samples, median_s, p75_s, p90_s} */
static cJSON *add_summary(cJSON *obj, const char *key, const gv_stats *s)
{
	cJSON *o = add_stats(obj, key, s);

	if (o)
		add_stats_values(o, s, 0);
	return o;
}

static const char *release_name(const gv_analysis *a, uint32_t r)
{
	size_t nrel;
	const gv_release *list = gv_releases_list(a->releases, &nrel);

	return r == GV_NONE || r >= nrel ? NULL : list[r].tag->name;
}

static void add_vulnerabilities(cJSON *sec, const gv_analysis *a)
{
	const gv_metrics *m = a->metrics;
	cJSON *arr = cJSON_AddArrayToObject(sec, "vulnerabilities");
	size_t i, k;

	for (i = 0; arr && i < m->security.nvulns; i++) {
		const gv_vuln *v = &m->security.vulns[i];
		cJSON *o = cJSON_CreateObject(), *l;
		if (!o)
			return;
		cJSON_AddItemToArray(arr, o);
		if ((l = cJSON_AddArrayToObject(o, "ids")))
			for (k = 0; k < v->nids; k++)
				add_str(l, NULL, m->vuln_ids[v->ids_at + k]);
		if ((l = cJSON_AddArrayToObject(o, "fixes")))
			for (k = 0; k < v->nfixes; k++)
				add_sha(l, NULL, a, m->vuln_commits[v->fixes_at + k]);
		if ((l = cJSON_AddArrayToObject(o, "culprits")))
			for (k = 0; k < v->nculprits; k++)
				add_sha(l, NULL, a, m->vuln_commits[v->culprits_at + k]);
		add_str(o, "introduced", release_name(a, v->introduced));
		add_str(o, "fixed", release_name(a, v->fixed));
		add_opt_int(o, "exposure_s", v->has_exposure, v->exposure_s);
	}
}

static void add_security(cJSON *mo, const gv_analysis *a)
{
	const gv_metrics *m = a->metrics;
	cJSON *sec = cJSON_AddObjectToObject(mo, "security"), *ids;
	size_t i;

	if (!sec)
		return;
	add_int(sec, "patches", (int64_t)m->security.patches);
	add_int(sec, "high_confidence", (int64_t)m->security.high_confidence);
	if ((ids = cJSON_AddArrayToObject(sec, "ids")))
		for (i = 0; i < m->security.nids; i++)
			add_str(ids, NULL, m->security.ids[i]);
	add_summary(sec, "fix_to_release", &m->security.fix_to_release);
	add_summary(sec, "exposure", &m->security.exposure);
	add_int(sec, "unreleased_fixes", (int64_t)m->security.unreleased_fixes);
	add_vulnerabilities(sec, a);
}

static void add_metrics(cJSON *root, const gv_analysis *a)
{
	const gv_metrics *m = a->metrics;
	cJSON *mo = cJSON_AddObjectToObject(root, "metrics"), *o;

	if (!mo)
		return;
	if ((o = add_stats(mo, "lead_time", &m->lead_time.stats))) {
		add_int(o, "unreleased", (int64_t)m->lead_time.unreleased);
		add_int(o, "clamped", (int64_t)m->lead_time.clamped);
		add_stats_values(o, &m->lead_time.stats, 1);
		add_level(o, &m->lead_time.level);
	}
	if ((o = cJSON_AddObjectToObject(mo, "deployment_frequency"))) {
		add_int(o, "releases", (int64_t)m->deployment_frequency.releases);
		if (m->deployment_frequency.has_days) {
			cJSON_AddNumberToObject(o, "days", m->deployment_frequency.days);
			cJSON_AddNumberToObject(o, "per_week",
						m->deployment_frequency.per_week);
		} else {
			cJSON_AddNullToObject(o, "days");
			cJSON_AddNullToObject(o, "per_week");
		}
		add_level(o, &m->deployment_frequency.level);
	}
	if ((o = cJSON_AddObjectToObject(mo, "change_failure_rate"))) {
		add_int(o, "releases", (int64_t)m->change_failure_rate.releases);
		add_int(o, "failed", (int64_t)m->change_failure_rate.failed);
		add_rate(o, m->change_failure_rate.failed,
			 m->change_failure_rate.releases);
		add_level(o, &m->change_failure_rate.level);
		add_int(o, "hotfix_window_s", m->hotfix_window);
	}
	if ((o = cJSON_AddObjectToObject(mo, "escaped_defect_rate"))) {
		add_int(o, "releases", (int64_t)m->escaped_defect_rate.releases);
		add_int(o, "escaped", (int64_t)m->escaped_defect_rate.escaped);
		add_rate(o, m->escaped_defect_rate.escaped,
			 m->escaped_defect_rate.releases);
	}
	if ((o = add_stats(mo, "time_to_restore", &m->time_to_restore.stats))) {
		add_int(o, "unrestored", (int64_t)m->time_to_restore.unrestored);
		add_stats_values(o, &m->time_to_restore.stats, 0);
		add_level(o, &m->time_to_restore.level);
	}
	if ((o = cJSON_AddObjectToObject(mo, "rollback_rate"))) {
		add_int(o, "changes", (int64_t)m->rollback_rate.changes);
		add_int(o, "rollbacks", (int64_t)m->rollback_rate.rollbacks);
		add_rate(o, m->rollback_rate.rollbacks, m->rollback_rate.changes);
	}
	if ((o = cJSON_AddObjectToObject(mo, "rework_rate"))) {
		add_int(o, "releases", (int64_t)m->rework_rate.releases);
		add_int(o, "rework", (int64_t)m->rework_rate.rework);
		add_rate(o, m->rework_rate.rework, m->rework_rate.releases);
	}
	add_summary(mo, "fix_latency", &m->fix_latency);
	add_summary(mo, "time_to_revert", &m->time_to_revert);
	add_security(mo, a);
}

static void add_series(cJSON *root, const gv_analysis *a)
{
	const gv_metrics *m = a->metrics;
	cJSON *arr = cJSON_AddArrayToObject(root, "series"), *o;
	size_t i;

	for (i = 0; arr && i < m->nseries; i++) {
		const gv_period *p = &m->series[i];
		cJSON *it = cJSON_CreateObject();
		if (!it)
			return;
		cJSON_AddItemToArray(arr, it);
		cJSON_AddStringToObject(it, "period", p->name);
		add_time(it, "start", p->start);
		add_int(it, "commits", (int64_t)p->commits);
		add_int(it, "releases", (int64_t)p->releases);
		add_int(it, "reverts", (int64_t)p->reverts);
		add_int(it, "fixes", (int64_t)p->fixes);
		add_int(it, "security", (int64_t)p->security);
		if ((o = add_stats(it, "lead_time", &p->lead_time)))
			add_opt_int(o, "median_s", p->lead_time.samples > 0,
				    p->lead_time.median_s);
		if ((o = cJSON_AddObjectToObject(it, "change_failure_rate"))) {
			add_int(o, "releases", (int64_t)p->releases);
			add_int(o, "failed", (int64_t)p->failed);
			add_rate(o, p->failed, p->releases);
		}
		if ((o = cJSON_AddObjectToObject(it, "escaped_defect_rate"))) {
			add_int(o, "releases", (int64_t)p->releases);
			add_int(o, "escaped", (int64_t)p->escaped);
			add_rate(o, p->escaped, p->releases);
		}
	}
}

static void add_gate_value(cJSON *o, const char *key, const gv_gate *g,
			   int value)
{
	if (value && g->status != GV_GATE_FIRED && g->status != GV_GATE_PASSED)
		cJSON_AddNullToObject(o, key);
	else if (g->is_level)
		add_str(o, key, gv_level_name((int)(value ? g->value : g->threshold)));
	else
		cJSON_AddNumberToObject(o, key, value ? g->value : g->threshold);
}

static void add_gates(cJSON *root, const gv_analysis *a)
{
	static const char *const status[] = {"unevaluated", "passed", "fired",
					     "null"};
	cJSON *arr = cJSON_AddArrayToObject(root, "gates");
	size_t i;

	for (i = 0; arr && i < a->ngates; i++) {
		const gv_gate *g = &a->gates[i];
		cJSON *o = cJSON_CreateObject();
		if (!o)
			return;
		cJSON_AddItemToArray(arr, o);
		add_str(o, "expr", g->expr);
		add_str(o, "metric", g->path);
		add_str(o, "op", gv_gate_op_name(g->op));
		add_gate_value(o, "threshold", g, 0);
		add_gate_value(o, "value", g, 1);
		add_str(o, "status", status[g->status]);
		cJSON_AddBoolToObject(o, "fired", g->status == GV_GATE_FIRED);
	}
}

static void add_commit(cJSON *arr, const gv_analysis *a, gv_idx i)
{
	const gv_commit *c = &gv_history_commits(a->history)[i];
	cJSON *it = cJSON_CreateObject(), *l, *rules, *refs, *ids, *issues, *conf;
	uint32_t first = gv_releases_first(a->releases)[i];
	char hex[GV_OID_HEXSZ + 1];
	gv_class_view v;
	size_t nrel, k;
	const gv_release *list = gv_releases_list(a->releases, &nrel);
	int64_t lead;

	if (!it)
		return;
	cJSON_AddItemToArray(arr, it);
	gv_history_hex(a->history, i, hex);
	cJSON_AddStringToObject(it, "sha", hex);
	add_time(it, "author_time", c->author_time);
	add_time(it, "commit_time", c->commit_time);
	cJSON_AddBoolToObject(it, "merge", (c->flags & GV_COMMIT_MERGE) != 0);
	gv_classes_get(a->classes, i, &v);
	if ((l = cJSON_AddArrayToObject(it, "labels")))
		for (k = 0; k < GV_CAT__COUNT; k++)
			if (v.labels & GV_LABEL(k))
				add_str(l, NULL, gv_category_name((int)k));
	if ((rules = cJSON_AddArrayToObject(it, "rules")))
		for (k = 0; k < v.nrules; k++)
			add_str(rules, NULL, v.rules[k]);
	if ((refs = cJSON_AddArrayToObject(it, "refs"))) {
		for (k = 0; k < v.nrefs; k++) {
			cJSON *r = cJSON_CreateObject();
			if (!r)
				break;
			cJSON_AddItemToArray(refs, r);
			add_str(r, "sha", v.refs[k].text);
			add_str(r, "kind", gv_ref_kind_name(v.refs[k].kind));
			cJSON_AddBoolToObject(r, "resolved", v.refs[k].resolved != 0);
		}
	}
	if ((ids = cJSON_AddArrayToObject(it, "ids")))
		for (k = 0; k < v.nids; k++)
			add_str(ids, NULL, v.ids[k]);
	if ((issues = cJSON_AddArrayToObject(it, "issues")))
		for (k = 0; k < v.nissues; k++)
			add_str(issues, NULL, v.issues[k]);
	if ((conf = cJSON_AddObjectToObject(it, "confidence")))
		for (k = 0; k < GV_CAT__COUNT; k++)
			if ((v.labels & GV_LABEL(k)) && v.conf[k])
				add_str(conf, gv_category_name((int)k),
					gv_confidence_name(v.conf[k]));
	add_str(it, "release", first == GV_NONE ? NULL : list[first].tag->name);
	if (!gv_metrics_lead_time(a->history, a->releases, &a->metrics_opts, i, &lead))
		add_int(it, "lead_time_s", lead < 0 ? 0 : lead);
	else
		cJSON_AddNullToObject(it, "lead_time_s");
}

static int finish(gv_buf *out, cJSON *root, int pretty, gv_error *err)
{
	char *s = pretty ? cJSON_Print(root) : cJSON_PrintUnformatted(root);
	size_t len;
	int error = 0;

	/* the tree goes before the text is copied: at 200k commits tree,
	 * text and copy together were the peak of the whole run */
	cJSON_Delete(root);
	if (!s)
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	len = strlen(s);
	if (!out->len && !out->ptr) {
		/* cJSON allocates with malloc (no hooks are installed), so the
		 * buffer can take the text over instead of copying it */
		out->ptr = s;
		out->len = len;
		out->alloc = len + 1;
		s = NULL;
	} else if (gv_buf_put(out, s, len)) {
		error = gv_error_set(err, GV_ENOMEM, "out of memory");
	}
	if (!error && gv_buf_put(out, "\n", 1))
		error = gv_error_set(err, GV_ENOMEM, "out of memory");
	cJSON_free(s);
	return error;
}

static cJSON *new_root(const gv_report_opts *o)
{
	cJSON *root = cJSON_CreateObject(), *gen;

	if (!root)
		return NULL;
	cJSON_AddStringToObject(root, "schema", GV_REPORT_SCHEMA);
	if (o->name)
		add_str(root, "name", o->name);
	if ((gen = cJSON_AddObjectToObject(root, "generator"))) {
		cJSON_AddStringToObject(gen, "name", "git-vitals");
		cJSON_AddStringToObject(gen, "version", GV_VERSION);
	}
	return root;
}

int gv_report_json(gv_buf *out, const gv_analysis *a, const gv_report_opts *o,
		   gv_error *err)
{
	const gv_metrics *m = a->metrics;
	cJSON *root = new_root(o), *win, *counts, *commits;
	size_t i;

	if (!root)
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	add_repository(root, a, o);
	if ((win = cJSON_AddObjectToObject(root, "window"))) {
		if (m->has_since)
			add_time(win, "since", m->since);
		else
			cJSON_AddNullToObject(win, "since");
		if (m->has_until)
			add_time(win, "until", m->until);
		else
			cJSON_AddNullToObject(win, "until");
	}
	add_warnings(root, &a->warnings);
	if ((counts = cJSON_AddObjectToObject(root, "counts"))) {
		add_int(counts, "commits", (int64_t)m->counts.commits);
		add_int(counts, "merges", (int64_t)m->counts.merges);
		add_int(counts, "releases", (int64_t)m->counts.releases);
		add_int(counts, "fixes", (int64_t)m->counts.fixes);
		add_int(counts, "reverts", (int64_t)m->counts.reverts);
		add_int(counts, "rollbacks", (int64_t)m->counts.rollbacks);
		add_int(counts, "security", (int64_t)m->counts.security);
		add_int(counts, "bots", (int64_t)m->counts.bots);
	}
	add_releases(root, a);
	add_metrics(root, a);
	if (a->metrics_opts.period)
		add_series(root, a);
	if (a->ngates)
		add_gates(root, a);
	if (o->with_commits && (commits = cJSON_AddArrayToObject(root, "commits")))
		for (i = 0; i < m->ncommits; i++)
			add_commit(commits, a, m->commits[i]);
	return finish(out, root, o->pretty, err);
}

int gv_report_json_error(gv_buf *out, const gv_report_opts *o, int code,
			 const char *message, gv_error *err)
{
	cJSON *root = new_root(o), *repo, *e;

	if (!root)
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	if ((repo = cJSON_AddObjectToObject(root, "repository")))
		add_str(repo, "path", o->path);
	if ((e = cJSON_AddObjectToObject(root, "error"))) {
		add_int(e, "code", code);
		add_str(e, "message", message);
	}
	return finish(out, root, 0, err);
}
