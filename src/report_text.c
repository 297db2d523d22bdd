/*
 * report_text.c - the summary for people: a headline table (metric, value,
 * DORA level, samples) that fits in 80 columns, then the evidence behind the
 * worst numbers (the most recent failed releases with culprit and
 * remediation, the longest-exposed vulnerabilities, the slowest security
 * fixes to ship), the --fail-if gates, the latest releases and any
 * warnings. Durations are shown
 * humanised ("3d 4h"); the exact numbers are in the JSON report.
 */
#include "gv/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void human(char *buf, size_t size, int64_t s)
{
	if (s >= 86400)
		snprintf(buf, size, "%lldd %lldh", (long long)(s / 86400),
			 (long long)(s % 86400 / 3600));
	else if (s >= 3600)
		snprintf(buf, size, "%lldh %lldm", (long long)(s / 3600),
			 (long long)(s % 3600 / 60));
	else if (s >= 60)
		snprintf(buf, size, "%lldm %llds", (long long)(s / 60),
			 (long long)(s % 60));
	else
		snprintf(buf, size, "%llds", (long long)s);
}

/* Prints bytes that may be invalid UTF-8 or hold control characters. */
static int put_safe(gv_buf *out, const char *s)
{
	gv_buf clean = {0};
	size_t i;
	int error;

	if ((error = gv_utf8_sanitize(&clean, s, strlen(s))))
		return error;
	for (i = 0; i < clean.len; i++)
		if ((unsigned char)clean.ptr[i] < 0x20 || clean.ptr[i] == 0x7f)
			clean.ptr[i] = '?';
	error = gv_buf_put(out, clean.ptr ? clean.ptr : "", clean.len);
	gv_buf_free(&clean);
	return error;
}

/* One headline row: 2 + 22 + 1 + 30 + 1 + 8 + 1 + 15 = 80 columns. */
static int row(gv_buf *out, const char *metric, const char *value,
	       const char *level, const char *samples)
{
	return gv_buf_printf(out, "  %-22.22s %-30.30s %-8.8s %.15s\n", metric,
			     value, level, samples);
}

static const char *level_text(const gv_level_of *l)
{
	if (l->insufficient)
		return "too few";
	return l->level == GV_LEVEL_NONE ? "n/a" : gv_level_name(l->level);
}

static void pct(char *buf, size_t size, uint64_t num, uint64_t den,
		const char *of)
{
	if (den)
		snprintf(buf, size, "%.1f%% (%llu of %llu%s)",
			 100.0 * (double)num / (double)den, (unsigned long long)num,
			 (unsigned long long)den, of);
	else
		snprintf(buf, size, "n/a");
}

static void median_p90(char *buf, size_t size, const gv_stats *s)
{
	char a[40], b[40];

	if (!s->samples) {
		snprintf(buf, size, "n/a");
		return;
	}
	human(a, sizeof(a), s->median_s);
	human(b, sizeof(b), s->p90_s);
	snprintf(buf, size, "median %s, p90 %s", a, b);
}

static void count(char *buf, size_t size, uint64_t n, const char *what)
{
	snprintf(buf, size, "%llu %s", (unsigned long long)n, what);
}

/* The level column of a row that has no DORA level: says when the number
 * rests on too few samples to read much into, as a level would. */
static const char *few(uint64_t n)
{
	return n && n < GV_LEVEL_MIN_SAMPLES ? "too few" : "";
}

/* "975" or "975 (+2014 possible)": the counted tier first, then the hits
 * below it, which no number of the report uses. */
static void counted(char *buf, size_t size, uint64_t n, uint64_t possible)
{
	if (possible)
		snprintf(buf, size, "%llu (+%llu possible)",
			 (unsigned long long)n, (unsigned long long)possible);
	else
		snprintf(buf, size, "%llu", (unsigned long long)n);
}

static int headline(gv_buf *out, const gv_metrics *m)
{
	char v[128], s[64];
	int error = 0;

	error |= row(out, "METRIC", "VALUE", "LEVEL", "SAMPLES");
	if (m->deployment_frequency.has_days)
		snprintf(v, sizeof(v), "%.2f/week (%llu in %.0f days)",
			 m->deployment_frequency.per_week,
			 (unsigned long long)m->deployment_frequency.releases,
			 m->deployment_frequency.days);
	else
		snprintf(v, sizeof(v), "n/a (no releases)");
	count(s, sizeof(s), m->deployment_frequency.releases, "releases");
	error |= row(out, "deployment frequency", v,
		     level_text(&m->deployment_frequency.level), s);
	median_p90(v, sizeof(v), &m->lead_time.stats);
	count(s, sizeof(s), m->lead_time.stats.samples, "changes");
	error |= row(out, "lead time for changes", v,
		     level_text(&m->lead_time.level), s);
	pct(v, sizeof(v), m->change_failure_rate.failed,
	    m->change_failure_rate.releases, "");
	count(s, sizeof(s), m->change_failure_rate.releases, "releases");
	error |= row(out, "change failure rate", v,
		     level_text(&m->change_failure_rate.level), s);
	median_p90(v, sizeof(v), &m->time_to_restore.stats);
	count(s, sizeof(s), m->time_to_restore.stats.samples, "restored");
	error |= row(out, "time to restore", v,
		     level_text(&m->time_to_restore.level), s);
	pct(v, sizeof(v), m->escaped_defect_rate.escaped,
	    m->escaped_defect_rate.releases, "");
	count(s, sizeof(s), m->escaped_defect_rate.releases, "releases");
	error |= row(out, "escaped defect rate", v,
		     few(m->escaped_defect_rate.releases), s);
	pct(v, sizeof(v), m->rework_rate.rework, m->rework_rate.releases, "");
	count(s, sizeof(s), m->rework_rate.releases, "releases");
	error |= row(out, "rework rate", v, few(m->rework_rate.releases), s);
	pct(v, sizeof(v), m->rollback_rate.rollbacks, m->rollback_rate.changes, "");
	count(s, sizeof(s), m->rollback_rate.changes, "commits");
	error |= row(out, "rollback rate", v, few(m->rollback_rate.changes), s);
	median_p90(v, sizeof(v), &m->fix_latency);
	count(s, sizeof(s), m->fix_latency.samples, "fixes");
	error |= row(out, "fix latency", v, few(m->fix_latency.samples), s);
	median_p90(v, sizeof(v), &m->time_to_revert);
	count(s, sizeof(s), m->time_to_revert.samples, "reverts");
	error |= row(out, "time to revert", v, few(m->time_to_revert.samples), s);
	median_p90(v, sizeof(v), &m->security.fix_to_release);
	count(s, sizeof(s), m->security.fix_to_release.samples, "fixes");
	error |= row(out, "security fix to ship", v,
		     few(m->security.fix_to_release.samples), s);
	median_p90(v, sizeof(v), &m->security.exposure);
	count(s, sizeof(s), m->security.exposure.samples, "vulns");
	error |= row(out, "vulnerability exposure", v,
		     few(m->security.exposure.samples), s);
	return error;
}

static int short_sha(gv_buf *out, const gv_analysis *a, gv_idx i)
{
	char hex[GV_OID_HEXSZ + 1];

	gv_history_hex(a->history, i, hex);
	hex[12] = '\0';
	return gv_buf_puts(out, hex);
}

/* The most recent failed releases, with culprit and remediation. */
static int failed_releases(gv_buf *out, const gv_analysis *a)
{
	const gv_metrics *m = a->metrics;
	size_t nrel, i, shown = 0;
	const gv_release *list = gv_releases_list(a->releases, &nrel);
	char t[40], d[40];
	int error = 0;

	for (i = m->nreleases; i-- > 0 && shown < 5;) {
		uint32_t r = m->releases[i], f, listed = 0, urgent = 0;
		for (f = m->failures_at[r]; f < m->failures_at[r + 1]; f++)
			urgent += m->failures[f].urgent;
		if (!urgent)
			continue;
		if (!shown++)
			error |= gv_buf_puts(out, "\n  recent failed releases\n");
		gv_time_iso(t, sizeof(t), list[r].time);
		t[10] = '\0';
		error |= gv_buf_printf(out, "    %s  ", t);
		error |= put_safe(out, list[r].tag->name);
		if (m->restore_s[r] >= 0) {
			human(d, sizeof(d), m->restore_s[r]);
			error |= gv_buf_printf(out, "  restored in %s\n", d);
		} else {
			error |= gv_buf_puts(out, "  not restored\n");
		}
		for (f = m->failures_at[r]; f < m->failures_at[r + 1] && listed < 3; f++) {
			const gv_failure *x = &m->failures[f];
			if (!x->urgent)
				continue;
			listed++;
			error |= gv_buf_puts(out, "      ");
			error |= short_sha(out, a, x->culprit);
			error |= gv_buf_printf(out, " %s by ",
					       x->kind == GV_REF_REVERT ? "reverted"
					       : x->kind == GV_REF_ADVISORY ? "patched"
					       : "fixed");
			error |= short_sha(out, a, x->remediation);
			error |= gv_buf_puts(out, "\n");
		}
		if (urgent > listed)
			error |= gv_buf_printf(out, "      ... and %u more\n",
					       urgent - listed);
	}
	return error;
}

/* Picks up to `max` indexes of the largest keys (key < 0: skipped). */
static size_t top(const int64_t *key, size_t n, size_t *pick, size_t max)
{
	size_t i, j, k = 0;

	for (i = 0; i < n; i++) {
		if (key[i] < 0)
			continue;
		for (j = k; j > 0 && key[pick[j - 1]] < key[i]; j--)
			if (j < max)
				pick[j] = pick[j - 1];
		if (j < max) {
			pick[j] = i;
			if (k < max)
				k++;
		}
	}
	return k;
}

static int vulnerabilities(gv_buf *out, const gv_analysis *a)
{
	const gv_metrics *m = a->metrics;
	size_t nrel, i, n, k, pick[5];
	const gv_release *list = gv_releases_list(a->releases, &nrel);
	const uint32_t *first = gv_releases_first(a->releases);
	const gv_commit *cs = gv_history_commits(a->history);
	int64_t *key;
	gv_idx *fix;
	char d[40];
	int error = 0;

	if (!m->security.nvulns)
		return 0;
	if (!(key = malloc(m->security.nvulns * sizeof(*key))))
		return GV_ENOMEM;
	for (i = 0; i < m->security.nvulns; i++)
		key[i] = m->security.vulns[i].has_exposure
				 ? m->security.vulns[i].exposure_s : -1;
	n = top(key, m->security.nvulns, pick, 5);
	if (n)
		error |= gv_buf_puts(out, "\n  longest-exposed vulnerabilities\n");
	for (i = 0; i < n; i++) {
		const gv_vuln *v = &m->security.vulns[pick[i]];
		human(d, sizeof(d), v->exposure_s);
		error |= gv_buf_puts(out, "    ");
		if (v->nids)
			error |= put_safe(out, m->vuln_ids[v->ids_at]);
		else
			error |= short_sha(out, a, m->vuln_commits[v->fixes_at]);
		error |= gv_buf_printf(out, "  %s  ", d);
		error |= put_safe(out, list[v->introduced].tag->name);
		error |= gv_buf_puts(out, " .. ");
		error |= put_safe(out, list[v->fixed].tag->name);
		error |= gv_buf_puts(out, "\n");
	}
	free(key);

	/* every security fix is the fix of exactly one vulnerability */
	n = m->security.vulns[m->security.nvulns - 1].fixes_at +
	    m->security.vulns[m->security.nvulns - 1].nfixes;
	if (!(key = malloc((n ? n : 1) * sizeof(*key))) ||
	    !(fix = malloc((n ? n : 1) * sizeof(*fix)))) {
		free(key);
		return GV_ENOMEM;
	}
	for (i = k = 0; i < m->security.nvulns; i++) {
		const gv_vuln *v = &m->security.vulns[i];
		size_t j;
		for (j = 0; j < v->nfixes; j++, k++) {
			gv_idx c = m->vuln_commits[v->fixes_at + j];
			int64_t dt = first[c] == GV_NONE ? 0
				    : list[first[c]].time - cs[c].commit_time;
			fix[k] = c;
			key[k] = first[c] == GV_NONE ? -1 : dt < 0 ? 0 : dt;
		}
	}
	n = top(key, k, pick, 5);
	if (n)
		error |= gv_buf_puts(out, "\n  slowest security fixes to ship\n");
	for (i = 0; i < n; i++) {
		human(d, sizeof(d), key[pick[i]]);
		error |= gv_buf_puts(out, "    ");
		error |= short_sha(out, a, fix[pick[i]]);
		error |= gv_buf_printf(out, "  %s  ", d);
		error |= put_safe(out, list[first[fix[pick[i]]]].tag->name);
		error |= gv_buf_puts(out, "\n");
	}
	free(key);
	free(fix);
	return error;
}

int gv_report_text(gv_buf *out, const gv_analysis *a, const gv_report_opts *o,
		   gv_error *err)
{
	const gv_metrics *m = a->metrics;
	size_t nrel, i, shown;
	const gv_release *list = gv_releases_list(a->releases, &nrel);
	char t1[40], t2[40], t3[40], c[4][48];
	uint64_t all;
	int error = 0;

	(void)o->color;
	error |= gv_buf_puts(out, "git-vitals ");
	error |= put_safe(out, o->path);
	error |= gv_buf_printf(out, "%s\n", gv_history_is_shallow(a->history)
						    ? "  (shallow clone: partial history)"
						    : "");
	if (m->has_since)
		gv_time_iso(t1, sizeof(t1), m->since);
	if (m->has_until)
		gv_time_iso(t2, sizeof(t2), m->until);
	error |= gv_buf_printf(out, "  window   %s .. %s\n",
			       m->has_since ? t1 : "start", m->has_until ? t2 : "now");
	counted(c[0], sizeof(c[0]), m->counts.fixes, m->counts.possible.fixes);
	counted(c[1], sizeof(c[1]), m->counts.reverts, m->counts.possible.reverts);
	counted(c[2], sizeof(c[2]), m->counts.rollbacks,
		m->counts.possible.rollbacks);
	counted(c[3], sizeof(c[3]), m->counts.security,
		m->counts.possible.security);
	error |= gv_buf_printf(out,
			       "  commits  %llu (%llu merges)\n"
			       "  labels   fixes %s, reverts %s\n"
			       "           rollbacks %s, security %s\n"
			       "           %s\n",
			       (unsigned long long)m->counts.commits,
			       (unsigned long long)m->counts.merges,
			       c[0], c[1], c[2], c[3],
			       m->counts.min_confidence == GV_CONF_LOW
				       ? "every tier counted (--min-confidence low)"
				       : "counted: high confidence and advisories; "
					 "possible: low only");
	/* the bot share, of every commit in the window */
	all = m->counts.commits + (a->metrics_opts.exclude_bots ? m->counts.bots : 0);
	error |= gv_buf_printf(out, "  bots     %llu commits (%.1f%%), %s\n\n",
			       (unsigned long long)m->counts.bots,
			       all ? 100.0 * (double)m->counts.bots / (double)all : 0.0,
			       a->metrics_opts.exclude_bots
				       ? "excluded from commit-level numbers"
				       : "counted like everyone");
	error |= headline(out, m);
	if (m->counts.min_confidence == GV_CONF_LOW)
		error |= gv_buf_puts(out, "  (failure, rework, rollback and security numbers "
					  "count low-confidence\n   labels too: "
					  "--min-confidence low)\n");
	error |= failed_releases(out, a);
	error |= vulnerabilities(out, a);

	if (a->ngates) {
		error |= gv_buf_puts(out, "\n  gates\n");
		for (i = 0; i < a->ngates; i++) {
			const gv_gate *g = &a->gates[i];
			gv_gate_format(t1, sizeof(t1), g, 1);
			error |= gv_buf_printf(out, "    %-6s ",
					       g->status == GV_GATE_FIRED ? "FAILED"
					       : g->status == GV_GATE_PASSED ? "ok"
					       : "null");
			error |= put_safe(out, g->expr);
			error |= gv_buf_printf(out, " (value %s)\n", t1);
		}
	}
	if (m->nreleases) {
		error |= gv_buf_puts(out, "\n  latest releases\n");
		shown = m->nreleases > 5 ? 5 : m->nreleases;
		for (i = m->nreleases - shown; i < m->nreleases; i++) {
			const gv_release *r = &list[m->releases[i]];
			gv_time_iso(t3, sizeof(t3), r->time);
			t3[10] = '\0';
			error |= gv_buf_printf(out, "    %s  ", t3);
			error |= put_safe(out, r->tag->name);
			error |= gv_buf_printf(out, "  (%u new commit%s)\n", r->new_commits,
					       r->new_commits == 1 ? "" : "s");
		}
	}
	if (a->warnings.count) {
		error |= gv_buf_puts(out, "\n  warnings\n");
		for (i = 0; i < a->warnings.count; i++)
			error |= gv_buf_printf(out, "    %s (%llu): %s\n",
					       a->warnings.items[i].code,
					       (unsigned long long)a->warnings.items[i].count,
					       a->warnings.items[i].message);
	}
	if (error)
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	return 0;
}
