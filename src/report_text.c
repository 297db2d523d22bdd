/*
 * report_text.c - the summary for people: the window in real dates, a
 * headline table (metric, value, DORA level, samples) that fits in 80
 * columns, the --period series as a compact table, then the evidence behind
 * the worst numbers (the most recent failed releases with culprit and
 * remediation, the longest-exposed vulnerabilities, the slowest security
 * fixes to ship), each commit by short id and subject, the --fail-if gates,
 * the latest releases and any warnings.
 *
 * Only formats: every number, rate, level and list comes from the metric
 * catalogue and the evidence lists of the metrics module. Durations are
 * humanised ("3d 4h"); the exact numbers are in the JSON report. Colour
 * (o->color) only marks levels and gates, so the text reads the same
 * without it.
 */
#include "gv/report.h"
#include "gv/catalogue.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHOWN 5   /* rows of each evidence list */
#define SUBJECT_COLS 50

typedef struct tw {
	gv_buf *out;
	const gv_analysis *a;
	int color;
	int error;
} tw;

static void puts_(tw *t, const char *s)
{
	t->error |= gv_buf_puts(t->out, s);
}

static void printf_(tw *t, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

static void printf_(tw *t, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	puts_(t, buf);
}

/* Bytes that may be invalid UTF-8 or hold control characters, cut to at
 * most `cols` characters (0: no limit) with "..." when cut. */
static void put_safe(tw *t, const char *s, size_t cols)
{
	gv_buf clean = {0};
	size_t i, chars = 0, cut = SIZE_MAX;

	if (gv_utf8_sanitize(&clean, s, strlen(s))) {
		t->error = 1;
		return;
	}
	for (i = 0; i < clean.len; i++) {
		unsigned char c = (unsigned char)clean.ptr[i];
		if (c < 0x20 || c == 0x7f)
			clean.ptr[i] = '?';
		if ((c & 0xc0) != 0x80 && cols && ++chars == cols - 2 &&
		    cut == SIZE_MAX)
			cut = i;
	}
	if (cols && chars > cols && cut != SIZE_MAX) {
		t->error |= gv_buf_put(t->out, clean.ptr, cut);
		puts_(t, "...");
	} else {
		t->error |= gv_buf_put(t->out, clean.ptr ? clean.ptr : "", clean.len);
	}
	gv_buf_free(&clean);
}

static const char *level_color(int level)
{
	switch (level) {
	case GV_LEVEL_ELITE:
	case GV_LEVEL_HIGH: return "\033[32m";
	case GV_LEVEL_MEDIUM: return "\033[33m";
	case GV_LEVEL_LOW: return "\033[31m";
	default: return "";
	}
}

/* A padded cell in colour: the padding is outside the escape codes. */
static void colored(tw *t, const char *color, const char *s, int width)
{
	int n = (int)strlen(s);

	if (t->color && *color)
		printf_(t, "%s%s\033[0m", color, s);
	else
		puts_(t, s);
	if (width > n)
		printf_(t, "%*s", width - n, "");
}

static void date(char *buf, size_t size, int64_t t)
{
	gv_time_iso(buf, size, t);
	if (size > 10)
		buf[10] = '\0';
}

static void short_sha(tw *t, gv_idx i)
{
	char hex[GV_OID_HEXSZ + 1];

	gv_history_hex(t->a->history, i, hex);
	hex[12] = '\0';
	puts_(t, hex);
}

/* "  abcdef012345  subject" for commit i (the subject when known). */
static void commit_line(tw *t, const char *indent, const char *what, gv_idx i)
{
	const char *subject = gv_metrics_subject(t->a->metrics, i);

	printf_(t, "%s%-9s ", indent, what);
	short_sha(t, i);
	if (subject) {
		puts_(t, "  ");
		put_safe(t, subject, SUBJECT_COLS);
	}
	puts_(t, "\n");
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

static void header(tw *t, const gv_report_opts *o)
{
	const gv_metrics *m = t->a->metrics;
	const gv_metrics_opts *mo = &t->a->metrics_opts;
	char d1[40], d2[40], c[4][48], cp[80];
	uint64_t all;

	puts_(t, "git-vitals ");
	put_safe(t, o->path, 0);
	puts_(t, gv_history_is_shallow(t->a->history)
			 ? "  (shallow clone: partial history)\n" : "\n");
	/* [since, until): real dates; without bounds the history's own */
	date(d1, sizeof(d1), m->has_since ? m->since : m->oldest);
	date(d2, sizeof(d2), m->has_until ? m->until : m->newest);
	if (!gv_history_count(t->a->history))
		printf_(t, "  window   (no commits)\n");
	else
		printf_(t, "  window   %s%s .. %s%s\n", d1,
			m->has_since ? "" : " (oldest commit)", d2,
			m->has_until ? "" : " (newest commit)");
	counted(c[0], sizeof(c[0]), m->counts.fixes, m->counts.possible.fixes);
	counted(c[1], sizeof(c[1]), m->counts.reverts, m->counts.possible.reverts);
	counted(c[2], sizeof(c[2]), m->counts.rollbacks,
		m->counts.possible.rollbacks);
	counted(c[3], sizeof(c[3]), m->counts.security,
		m->counts.possible.security);
	/* a cherry-picked copy is one change with its original (copies.c):
	 * say so where the reader counts commits */
	if (m->counts.copies == 1)
		snprintf(cp, sizeof(cp), "; 1 is a copy of an earlier commit, "
			 "counted with it");
	else if (m->counts.copies)
		snprintf(cp, sizeof(cp), "; %llu are copies of earlier "
			 "commits, counted with them",
			 (unsigned long long)m->counts.copies);
	else
		cp[0] = '\0';
	printf_(t, "  commits  %llu (%llu merges%s)\n"
		"  labels   fixes %s, reverts %s\n"
		"           rollbacks %s, security %s\n"
		"           %s\n",
		(unsigned long long)m->counts.commits,
		(unsigned long long)m->counts.merges, cp, c[0], c[1], c[2],
		c[3],
		m->counts.min_confidence == GV_CONF_LOW
			? "every tier counted (--min-confidence low)"
			: "counted: high confidence and advisories; "
			  "possible: low only");
	/* the bot share, of every commit in the window */
	all = m->counts.commits + (mo->exclude_bots ? m->counts.bots : 0);
	printf_(t, "  bots     %llu commits (%.1f%%), %s\n\n",
		(unsigned long long)m->counts.bots,
		all ? 100.0 * (double)m->counts.bots / (double)all : 0.0,
		mo->exclude_bots ? "excluded from commit-level numbers"
				 : "counted like everyone");
}

/* The value column of a headline entry: its value and the context. */
static void headline_value(char *buf, size_t size, const gv_metric *e)
{
	char v[64], p[40];

	gv_metric_format(v, sizeof(v), e);
	if (!e->has && e->unit == GV_UNIT_PER_WEEK)
		snprintf(buf, size, "n/a (no releases)");
	else if (!e->has)
		snprintf(buf, size, "n/a");
	else if (e->unit == GV_UNIT_SECONDS) {
		gv_duration_format(p, sizeof(p), e->p90_s);
		snprintf(buf, size, "median %s, p90 %s", v, p);
	} else if (e->unit == GV_UNIT_RATIO)
		snprintf(buf, size, "%s (%llu of %llu)", v,
			 (unsigned long long)e->num, (unsigned long long)e->den);
	else if (e->unit == GV_UNIT_PER_WEEK)
		snprintf(buf, size, "%s (%llu in %.0f days)", v,
			 (unsigned long long)e->samples, e->days);
	else
		snprintf(buf, size, "%s", v);
}

/* One headline row: 2 + 22 + 1 + 30 + 1 + 8 + 1 + 15 = 80 columns. */
static void headline(tw *t, const gv_catalogue *c)
{
	char v[128], s[64];
	size_t i;

	printf_(t, "  %-22s %-30s %-8s %s\n", "METRIC", "VALUE", "LEVEL",
		"SAMPLES");
	for (i = 0; i < c->count; i++) {
		const gv_metric *e = &c->items[i];
		const char *lv = "";
		if (!(e->flags & GV_METRIC_HEADLINE))
			continue;
		if (e->flags & GV_METRIC_DORA)
			lv = e->level.insufficient ? "too few"
			     : e->level.level == GV_LEVEL_NONE ? "n/a"
			     : gv_level_name(e->level.level);
		else if (e->samples && e->samples < GV_LEVEL_MIN_SAMPLES)
			/* no level to say so: a number on a handful of
			 * samples says it here */
			lv = "too few";
		headline_value(v, sizeof(v), e);
		snprintf(s, sizeof(s), "%llu %s", (unsigned long long)e->samples,
			 e->samples_of ? e->samples_of : "");
		printf_(t, "  %-22.22s %-30.30s ", e->label, v);
		colored(t, e->level.insufficient ? "" : level_color(e->level.level),
			lv, 8);
		printf_(t, " %.15s\n", s);
	}
}

/* --period: one row per period. 80 columns at most. */
static void series(tw *t)
{
	const gv_metrics *m = t->a->metrics;
	char lead[40], cfr[16];
	size_t i;
	double r;

	if (!m->nseries)
		return;
	printf_(t, "\n  %-9s %7s %8s %6s %7s %8s %12s %6s\n", "PERIOD",
		"COMMITS", "RELEASES", "FIXES", "REVERTS", "SECURITY",
		"LEAD MEDIAN", "CFR");
	for (i = 0; i < m->nseries; i++) {
		const gv_period *p = &m->series[i];
		if (p->lead_time.samples)
			gv_duration_format(lead, sizeof(lead), p->lead_time.median_s);
		else
			snprintf(lead, sizeof(lead), "-");
		if (gv_rate(&r, p->failed, p->releases))
			snprintf(cfr, sizeof(cfr), "%.0f%%", 100.0 * r);
		else
			snprintf(cfr, sizeof(cfr), "-");
		printf_(t, "  %-9s %7llu %8llu %6llu %7llu %8llu %12s %6s\n",
			p->name, (unsigned long long)p->commits,
			(unsigned long long)p->releases,
			(unsigned long long)p->fixes, (unsigned long long)p->reverts,
			(unsigned long long)p->security, lead, cfr);
	}
}

static const char *remedy(int kind)
{
	return kind == GV_REF_REVERT ? "reverted" : kind == GV_REF_ADVISORY
						    ? "patched" : "fixed";
}

/* The most recent failed releases, with culprit and remediation. */
static void failed_releases(tw *t)
{
	const gv_metrics *m = t->a->metrics;
	size_t nrel, i;
	const gv_release *list = gv_releases_list(t->a->releases, &nrel);
	char d[40];

	if (m->evidence.nfailed)
		puts_(t, "\n  recent failed releases\n");
	for (i = 0; i < m->evidence.nfailed && i < SHOWN; i++) {
		uint32_t r = m->evidence.failed[i], f, listed = 0, urgent = 0;
		date(d, sizeof(d), list[r].time);
		printf_(t, "    %s  ", d);
		put_safe(t, list[r].tag->name, 40);
		if (m->restore_s[r] >= 0) {
			gv_duration_format(d, sizeof(d), m->restore_s[r]);
			printf_(t, "  restored in %s\n", d);
		} else {
			puts_(t, "  not restored\n");
		}
		for (f = m->failures_at[r]; f < m->failures_at[r + 1]; f++) {
			const gv_failure *x = &m->failures[f];
			if (!x->urgent || urgent++ >= 3)
				continue;
			listed++;
			commit_line(t, "      ", "culprit", x->culprit);
			commit_line(t, "      ", remedy(x->kind), x->remediation);
		}
		if (urgent > listed)
			printf_(t, "      ... and %u more\n", urgent - listed);
	}
	if (m->evidence.nfailed > SHOWN)
		printf_(t, "    ... and %zu more failed releases\n",
			m->evidence.nfailed - SHOWN);
}

static void vulnerabilities(tw *t)
{
	const gv_metrics *m = t->a->metrics;
	size_t nrel, i;
	const gv_release *list = gv_releases_list(t->a->releases, &nrel);
	char d[40];

	if (m->evidence.nexposed)
		puts_(t, "\n  longest-exposed vulnerabilities\n");
	for (i = 0; i < m->evidence.nexposed && i < SHOWN; i++) {
		const gv_vuln *v = &m->security.vulns[m->evidence.exposed[i]];
		gv_duration_format(d, sizeof(d), v->exposure_s);
		puts_(t, "    ");
		if (v->nids)
			put_safe(t, m->vuln_ids[v->ids_at], 24);
		else
			short_sha(t, m->vuln_commits[v->fixes_at]);
		printf_(t, "  %s  ", d);
		put_safe(t, list[v->introduced].tag->name, 20);
		puts_(t, " .. ");
		put_safe(t, list[v->fixed].tag->name, 20);
		puts_(t, "\n");
	}
	if (m->evidence.nslow)
		puts_(t, "\n  slowest security fixes to ship\n");
	for (i = 0; i < m->evidence.nslow && i < SHOWN; i++) {
		const gv_slow_fix *s = &m->evidence.slow[i];
		const char *subject = gv_metrics_subject(m, s->commit);
		gv_duration_format(d, sizeof(d), s->delay_s);
		puts_(t, "    ");
		short_sha(t, s->commit);
		printf_(t, "  %-8s ", d);
		put_safe(t, list[s->release].tag->name, 16);
		if (subject) {
			puts_(t, "  ");
			put_safe(t, subject, 36);
		}
		puts_(t, "\n");
	}
}

static void gates(tw *t)
{
	const gv_analysis *a = t->a;
	char v[64];
	size_t i;

	if (!a->ngates)
		return;
	puts_(t, "\n  gates\n");
	for (i = 0; i < a->ngates; i++) {
		const gv_gate *g = &a->gates[i];
		gv_gate_format(v, sizeof(v), g, 1);
		puts_(t, "    ");
		colored(t, g->status == GV_GATE_FIRED ? "\033[31m"
			   : g->status == GV_GATE_PASSED ? "\033[32m" : "",
			g->status == GV_GATE_FIRED ? "FAILED"
			: g->status == GV_GATE_PASSED ? "ok" : "null", 6);
		puts_(t, " ");
		put_safe(t, g->expr, 0);
		printf_(t, " (value %s)\n", v);
	}
}

/* No release at all: say so, and which tag shapes the pattern left out. */
static void no_release(tw *t)
{
	const gv_analysis *a = t->a;
	size_t nrel, i;

	gv_releases_list(a->releases, &nrel);
	if (nrel || !gv_history_count(a->history))
		return;
	if (!a->ntag_shapes) {
		puts_(t, "\n  no release: the repository has no tags\n");
		return;
	}
	puts_(t, "\n  no release: no tag matches the release pattern; "
	      "tags seen like\n   ");
	for (i = 0; i < a->ntag_shapes && i < 3; i++) {
		puts_(t, " ");
		put_safe(t, a->tag_shapes[i].shape, 24);
	}
	puts_(t, "\n  try --release-pattern '");
	put_safe(t, a->tag_shapes[0].pattern, 0);
	puts_(t, "'\n");
}

static void latest(tw *t)
{
	const gv_metrics *m = t->a->metrics;
	size_t nrel, i, shown;
	const gv_release *list = gv_releases_list(t->a->releases, &nrel);
	char d[40];

	if (!m->nreleases)
		return;
	puts_(t, "\n  latest releases\n");
	shown = m->nreleases > SHOWN ? SHOWN : m->nreleases;
	for (i = m->nreleases - shown; i < m->nreleases; i++) {
		const gv_release *r = &list[m->releases[i]];
		date(d, sizeof(d), r->time);
		printf_(t, "    %s  ", d);
		put_safe(t, r->tag->name, 40);
		printf_(t, "  (%u new commit%s)\n", r->new_commits,
			r->new_commits == 1 ? "" : "s");
	}
}

static void warnings(tw *t)
{
	const gv_warnings *w = &t->a->warnings;
	size_t i;

	if (!w->count)
		return;
	puts_(t, "\n  warnings\n");
	for (i = 0; i < w->count; i++) {
		printf_(t, "    %s (%llu): ", w->items[i].code,
			(unsigned long long)w->items[i].count);
		put_safe(t, w->items[i].message, 0);
		puts_(t, "\n");
	}
}

int gv_report_text(gv_buf *out, const gv_analysis *a, const gv_report_opts *o,
		   gv_error *err)
{
	gv_catalogue *c = malloc(sizeof(*c));
	tw t;

	if (!c)
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	memset(&t, 0, sizeof(t));
	t.out = out;
	t.a = a;
	t.color = o->color;
	gv_catalogue_of(c, a->metrics);
	header(&t, o);
	headline(&t, c);
	if (a->metrics->counts.min_confidence == GV_CONF_LOW)
		puts_(&t, "  (failure, rework, rollback and security numbers count "
			  "low-confidence\n   labels too: --min-confidence low)\n");
	series(&t);
	failed_releases(&t);
	vulnerabilities(&t);
	gates(&t);
	no_release(&t);
	latest(&t);
	warnings(&t);
	free(c);
	if (t.error)
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	return 0;
}

/* ---- the fleet summary ---- */

/* One row per repository: its DORA numbers with levels; then the fleet
 * medians and the failed repositories with their error. */
int gv_summary_text(gv_buf *out, const gv_summary_row *rows, size_t n,
		    gv_error *err)
{
	static const gv_metrics none;
	gv_catalogue *c = malloc(sizeof(*c));
	gv_summary_cell *med = malloc(GV_CATALOGUE_MAX * sizeof(*med));
	size_t col[4], lvl[4], ncol = 0, i, j, r, failed = 0;
	char v[64], cellbuf[80];
	tw t;
	int error;

	memset(&t, 0, sizeof(t));
	t.out = out;
	if (!c || !med) {
		error = gv_error_set(err, GV_ENOMEM, "out of memory");
		goto done;
	}
	if ((error = gv_summary_fleet(med, rows, n, err)))
		goto done;
	gv_catalogue_of(c, &none);
	/* the four DORA headline entries, and their level entries */
	for (i = 0; i < c->count && ncol < 4; i++) {
		const gv_metric *e = &c->items[i];
		if ((e->flags & GV_METRIC_DORA) && (e->flags & GV_METRIC_HEADLINE)) {
			lvl[ncol] = gv_catalogue_level_of(c, e);
			col[ncol++] = i;
		}
	}
	for (r = 0; r < n; r++)
		failed += rows[r].error != 0;
	printf_(&t, "git-vitals fleet: %zu repositories, %zu ran, %zu failed\n\n",
		n, n - failed, failed);
	/* 2 + 20 + 4 * (1 + 14) = 82: names are cut to 18 */
	printf_(&t, "  %-18s", "REPOSITORY");
	for (j = 0; j < ncol; j++)
		printf_(&t, " %-14.14s", c->items[col[j]].label);
	puts_(&t, "\n");
	for (r = 0; r < n; r++) {
		if (rows[r].error)
			continue;
		puts_(&t, "  ");
		put_safe(&t, rows[r].name, 18);
		printf_(&t, "%*s", (int)(18 - (strlen(rows[r].name) > 18 ? 18
					       : strlen(rows[r].name))), "");
		for (j = 0; j < ncol; j++) {
			gv_metric e = c->items[col[j]];
			const gv_summary_cell *l = lvl[j] != SIZE_MAX
						   ? &rows[r].cells[lvl[j]] : NULL;
			e.has = rows[r].cells[col[j]].has;
			e.value = rows[r].cells[col[j]].value;
			gv_metric_format(v, sizeof(v), &e);
			snprintf(cellbuf, sizeof(cellbuf), "%s%s%.1s", v,
				 l && l->has ? " " : "",
				 l && l->has ? gv_level_name(l->level) : "");
			printf_(&t, " %-14.14s", cellbuf);
		}
		puts_(&t, "\n");
	}
	printf_(&t, "  %-18s", "fleet median");
	for (j = 0; j < ncol; j++) {
		gv_metric e = c->items[col[j]];
		e.has = med[col[j]].has;
		e.value = med[col[j]].value;
		gv_metric_format(v, sizeof(v), &e);
		printf_(&t, " %-14.14s", v);
	}
	puts_(&t, "\n  (levels: e elite, h high, m medium, l low)\n");
	if (failed)
		puts_(&t, "\n  failed repositories\n");
	for (r = 0; r < n; r++) {
		if (!rows[r].error)
			continue;
		puts_(&t, "    ");
		put_safe(&t, rows[r].name, 30);
		puts_(&t, ": ");
		put_safe(&t, rows[r].message ? rows[r].message : "failed", 0);
		puts_(&t, "\n");
	}
	if (t.error)
		error = gv_error_set(err, GV_ENOMEM, "out of memory");
done:
	free(c);
	free(med);
	return error;
}
