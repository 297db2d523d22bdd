/*
 * catalogue.c - the metric catalogue (see catalogue.h): one table, built by
 * entries() below, one call per number, in the order of the JSON report.
 *
 * Invariants: the list of paths, their units and flags depend on nothing
 * but this file (a catalogue of zeroed metrics has them all), so a gate
 * parsed against an empty catalogue finds the same entry at evaluation;
 * a value is null exactly when the JSON report writes null for it.
 */
#include "gv/catalogue.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define M "metrics."
#define H GV_METRIC_HEADLINE
#define F GV_METRIC_FLEET
#define D GV_METRIC_DORA

static gv_metric *add(gv_catalogue *c, const char *path, const char *label,
		      int unit, int better, unsigned flags, int has, double value)
{
	static gv_metric spare; /* only when GV_CATALOGUE_MAX is too small:
	                           test_catalogue catches that */
	gv_metric *e = c->count < GV_CATALOGUE_MAX ? &c->items[c->count++] : &spare;

	memset(e, 0, sizeof(*e));
	e->path = path;
	e->label = label;
	e->unit = unit;
	e->better = better;
	e->flags = flags;
	e->has = has;
	e->value = has ? value : 0;
	e->level.level = GV_LEVEL_NONE;
	return e;
}

static void count(gv_catalogue *c, const char *path, const char *label,
		  uint64_t v)
{
	add(c, path, label, GV_UNIT_COUNT, GV_BETTER_NEITHER, 0, 1, (double)v);
}

int gv_rate(double *out, uint64_t num, uint64_t den)
{
	*out = den ? (double)num / (double)den : 0;
	return den > 0;
}

/* A rate "path" of num over den: the headline entry when name is set. */
static void rate(gv_catalogue *c, const char *path, const char *name,
		 const char *label, unsigned flags, uint64_t num, uint64_t den,
		 const char *of)
{
	double v;
	int has = gv_rate(&v, num, den);
	gv_metric *e = add(c, path, label, GV_UNIT_RATIO, GV_BETTER_LOWER,
			   flags, has, v);

	e->name = name;
	e->num = num;
	e->den = den;
	e->samples = den;
	e->samples_of = of;
}

static void level(gv_catalogue *c, const char *path, const char *label,
		  const gv_level_of *l)
{
	/* the four levels are DORA's: columns of the fleet summary */
	gv_metric *e = add(c, path, label, GV_UNIT_LEVEL, GV_BETTER_HIGHER,
			   F, l->level != GV_LEVEL_NONE, (double)l->level);

	e->level = *l;
}

/* samples, median_s, p75_s, p90_s (and mean_s) of a summary at `base`;
 * the median is the headline entry when name is set. */
static void stats(gv_catalogue *c, const char *const paths[5],
		  const char *name, const char *label, unsigned flags,
		  const gv_stats *s, const gv_level_of *l, const char *of)
{
	int has = s->samples > 0;
	gv_metric *e;

	count(c, paths[0], label, s->samples);
	e = add(c, paths[1], label, GV_UNIT_SECONDS, GV_BETTER_LOWER, flags,
		has, (double)s->median_s);
	e->name = name;
	e->samples = s->samples;
	e->samples_of = of;
	e->p90_s = has ? s->p90_s : 0;
	if (l)
		e->level = *l;
	add(c, paths[2], label, GV_UNIT_SECONDS, GV_BETTER_LOWER, 0, has,
	    (double)s->p75_s);
	add(c, paths[3], label, GV_UNIT_SECONDS, GV_BETTER_LOWER, 0, has,
	    (double)s->p90_s);
	if (paths[4])
		add(c, paths[4], label, GV_UNIT_SECONDS, GV_BETTER_LOWER, 0, has,
		    (double)s->mean_s);
}

#define STATS(base, mean) \
	((const char *const[5]){ base ".samples", base ".median_s", \
				 base ".p75_s", base ".p90_s", mean })

/* Every number, in the order of the JSON report. */
static void entries(gv_catalogue *c, const gv_metrics *m)
{
	const char *lt = "lead time for changes", *df = "deployment frequency",
		   *cfr = "change failure rate", *ttr = "time to restore";
	gv_metric *e;

	count(c, "counts.commits", "commits", m->counts.commits);
	c->items[c->count - 1].flags = F;
	count(c, "counts.merges", "merges", m->counts.merges);
	count(c, "counts.releases", "releases", m->counts.releases);
	c->items[c->count - 1].flags = F;
	count(c, "counts.fixes", "fixes", m->counts.fixes);
	count(c, "counts.reverts", "reverts", m->counts.reverts);
	count(c, "counts.rollbacks", "rollbacks", m->counts.rollbacks);
	count(c, "counts.security", "security fixes", m->counts.security);
	count(c, "counts.bots", "bot commits", m->counts.bots);
	/* later copies of a change (cherry-picks): one change, not several */
	count(c, "counts.copies", "copies", m->counts.copies);
	/* labels below the counted tier: in no number but this one */
	count(c, "counts.possible.fix", "possible fixes", m->counts.possible.fixes);
	count(c, "counts.possible.revert", "possible reverts",
	      m->counts.possible.reverts);
	count(c, "counts.possible.rollback", "possible rollbacks",
	      m->counts.possible.rollbacks);
	count(c, "counts.possible.security", "possible security fixes",
	      m->counts.possible.security);

	stats(c, STATS(M "lead_time", M "lead_time.mean_s"), "lead_time", lt,
	      H | F | D, &m->lead_time.stats, &m->lead_time.level, "changes");
	count(c, M "lead_time.unreleased", "unreleased changes",
	      m->lead_time.unreleased);
	count(c, M "lead_time.clamped", "changes clamped to 0",
	      m->lead_time.clamped);
	level(c, M "lead_time.level", lt, &m->lead_time.level);

	count(c, M "deployment_frequency.releases", df,
	      m->deployment_frequency.releases);
	add(c, M "deployment_frequency.days", "window", GV_UNIT_DAYS,
	    GV_BETTER_NEITHER, 0, m->deployment_frequency.has_days,
	    m->deployment_frequency.days);
	e = add(c, M "deployment_frequency.per_week", df, GV_UNIT_PER_WEEK,
		GV_BETTER_HIGHER, H | F | D, m->deployment_frequency.has_days,
		m->deployment_frequency.per_week);
	e->name = "deployment_frequency";
	e->level = m->deployment_frequency.level;
	e->samples = m->deployment_frequency.releases;
	e->samples_of = "releases";
	e->days = m->deployment_frequency.has_days ? m->deployment_frequency.days : 0;
	level(c, M "deployment_frequency.level", df,
	      &m->deployment_frequency.level);

	count(c, M "change_failure_rate.releases", cfr,
	      m->change_failure_rate.releases);
	count(c, M "change_failure_rate.failed", "failed releases",
	      m->change_failure_rate.failed);
	rate(c, M "change_failure_rate.rate", "change_failure_rate", cfr,
	     H | F | D, m->change_failure_rate.failed,
	     m->change_failure_rate.releases, "releases");
	c->items[c->count - 1].level = m->change_failure_rate.level;
	level(c, M "change_failure_rate.level", cfr,
	      &m->change_failure_rate.level);

	count(c, M "escaped_defect_rate.releases", "escaped defect rate",
	      m->escaped_defect_rate.releases);
	count(c, M "escaped_defect_rate.escaped", "releases with escaped defects",
	      m->escaped_defect_rate.escaped);
	rate(c, M "escaped_defect_rate.rate", "escaped_defect_rate",
	     "escaped defect rate", H, m->escaped_defect_rate.escaped,
	     m->escaped_defect_rate.releases, "releases");

	stats(c, STATS(M "time_to_restore", NULL), "time_to_restore", ttr,
	      H | F | D, &m->time_to_restore.stats, &m->time_to_restore.level,
	      "restored");
	count(c, M "time_to_restore.unrestored", "unrestored releases",
	      m->time_to_restore.unrestored);
	level(c, M "time_to_restore.level", ttr, &m->time_to_restore.level);

	count(c, M "rollback_rate.changes", "rollback rate",
	      m->rollback_rate.changes);
	count(c, M "rollback_rate.rollbacks", "rollbacks",
	      m->rollback_rate.rollbacks);
	rate(c, M "rollback_rate.rate", "rollback_rate", "rollback rate", H,
	     m->rollback_rate.rollbacks, m->rollback_rate.changes, "commits");

	count(c, M "rework_rate.releases", "rework rate", m->rework_rate.releases);
	count(c, M "rework_rate.rework", "rework releases", m->rework_rate.rework);
	rate(c, M "rework_rate.rate", "rework_rate", "rework rate", H,
	     m->rework_rate.rework, m->rework_rate.releases, "releases");

	stats(c, STATS(M "fix_latency", NULL), "fix_latency", "fix latency",
	      H | F, &m->fix_latency, NULL, "fixes");
	stats(c, STATS(M "time_to_revert", NULL), "time_to_revert",
	      "time to revert", H, &m->time_to_revert, NULL, "reverts");

	count(c, M "security.patches", "security patches", m->security.patches);
	count(c, M "security.high_confidence", "high-confidence security patches",
	      m->security.high_confidence);
	count(c, M "security.unreleased_fixes", "unreleased security fixes",
	      m->security.unreleased_fixes);
	c->items[c->count - 1].flags = F;
	c->items[c->count - 1].better = GV_BETTER_LOWER;
	count(c, M "security.ids", "vulnerability ids", m->security.nids);
	count(c, M "security.vulnerabilities", "vulnerabilities",
	      m->security.nvulns);
	stats(c, STATS(M "security.fix_to_release", NULL),
	      "security.fix_to_release", "security fix to ship", H | F,
	      &m->security.fix_to_release, NULL, "fixes");
	stats(c, STATS(M "security.exposure", NULL), "security.exposure",
	      "vulnerability exposure", H, &m->security.exposure, NULL, "vulns");
}

void gv_catalogue_of(gv_catalogue *c, const gv_metrics *m)
{
	c->count = 0;
	entries(c, m);
}

size_t gv_catalogue_level_of(const gv_catalogue *c, const gv_metric *e)
{
	const char *dot = strrchr(e->path, '.');
	size_t i, n = dot ? (size_t)(dot - e->path) : 0;

	if (!(e->flags & GV_METRIC_DORA) || e->unit == GV_UNIT_LEVEL || !n)
		return SIZE_MAX;
	for (i = 0; i < c->count; i++)
		if (c->items[i].unit == GV_UNIT_LEVEL &&
		    !strncmp(c->items[i].path, e->path, n) &&
		    !strcmp(c->items[i].path + n, ".level"))
			return i;
	return SIZE_MAX;
}

const char *gv_metric_short_path(const gv_metric *e)
{
	return strncmp(e->path, M, strlen(M)) ? e->path : e->path + strlen(M);
}

const gv_metric *gv_catalogue_find(const gv_catalogue *c, const char *path)
{
	size_t i;

	for (i = 0; i < c->count; i++)
		if (c->items[i].name && !strcmp(c->items[i].name, path))
			return &c->items[i];
	for (i = 0; i < c->count; i++)
		if (!strcmp(c->items[i].path, path) ||
		    !strcmp(gv_metric_short_path(&c->items[i]), path))
			return &c->items[i];
	return NULL;
}

void gv_duration_format(char *buf, size_t size, int64_t s)
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

void gv_metric_format(char *buf, size_t size, const gv_metric *e)
{
	if (!e->has) {
		snprintf(buf, size, "n/a");
		return;
	}
	switch (e->unit) {
	case GV_UNIT_SECONDS:
		gv_duration_format(buf, size, (int64_t)e->value);
		break;
	case GV_UNIT_RATIO:
		snprintf(buf, size, "%.1f%%", 100.0 * e->value);
		break;
	case GV_UNIT_PER_WEEK:
		snprintf(buf, size, "%.2f/week", e->value);
		break;
	case GV_UNIT_DAYS:
		snprintf(buf, size, "%.0f days", e->value);
		break;
	case GV_UNIT_LEVEL:
		snprintf(buf, size, "%s", gv_level_name((int)e->value));
		break;
	default:
		snprintf(buf, size, "%.0f", e->value);
	}
}
