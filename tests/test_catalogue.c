/*
 * test_catalogue.c - the metric catalogue: one entry per number, with the
 * value, null, level and context every reporter shows, and the evidence
 * lists of the metrics module, on metrics built by hand.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "gv/catalogue.h"

static gv_catalogue cat;

static const gv_metric *get(const char *path)
{
	const gv_metric *e = gv_catalogue_find(&cat, path);
	cr_assert_not_null(e, "no entry %s", path);
	return e;
}

Test(catalogue, paths_are_unique_and_fit)
{
	static const gv_metrics none;
	size_t i, j;

	gv_catalogue_of(&cat, &none);
	cr_assert_gt(cat.count, 40);
	cr_assert_lt(cat.count, GV_CATALOGUE_MAX, "raise GV_CATALOGUE_MAX");
	for (i = 0; i < cat.count; i++)
		for (j = i + 1; j < cat.count; j++)
			cr_expect_str_neq(cat.items[i].path, cat.items[j].path);
	/* the JSON paths, with or without "metrics.", and headline names */
	cr_expect_eq(get("metrics.lead_time.median_s"), get("lead_time.median_s"));
	cr_expect_eq(get("lead_time"), get("lead_time.median_s"));
	cr_expect_eq(get("change_failure_rate"), get("change_failure_rate.rate"));
	cr_expect_eq(get("security.exposure"), get("security.exposure.median_s"));
	cr_expect_null(gv_catalogue_find(&cat, "lead_time.median"));
}

Test(catalogue, rates_are_null_without_a_denominator)
{
	gv_metrics m;

	memset(&m, 0, sizeof(m));
	/* 3 of 12 releases failed: 0.25; rework 0 of 0: null */
	m.change_failure_rate.releases = 12;
	m.change_failure_rate.failed = 3;
	m.change_failure_rate.level.level = GV_LEVEL_LOW;
	gv_catalogue_of(&cat, &m);
	const gv_metric *e = get("change_failure_rate.rate");
	cr_expect(e->has);
	cr_expect_eq(e->value, 0.25);
	cr_expect_eq(e->num, 3);
	cr_expect_eq(e->den, 12);
	cr_expect_eq(e->samples, 12);
	cr_expect_eq(e->unit, GV_UNIT_RATIO);
	cr_expect_eq(e->better, GV_BETTER_LOWER);
	cr_expect_eq(e->level.level, GV_LEVEL_LOW);
	cr_expect(e->flags & GV_METRIC_DORA);
	cr_expect_not(get("rework_rate.rate")->has);
	cr_expect(get("change_failure_rate.level")->has);
	cr_expect_eq(get("change_failure_rate.level")->value, GV_LEVEL_LOW);
	/* lead time: no samples, every statistic null, the count 0 */
	cr_expect_not(get("lead_time.median_s")->has);
	cr_expect(get("lead_time.samples")->has);
	cr_expect_eq(get("lead_time.samples")->value, 0);
}

Test(catalogue, durations_carry_their_p90_and_format_for_people)
{
	gv_metrics m;
	char buf[64];

	memset(&m, 0, sizeof(m));
	/* median 3 d 4 h = 273600 s; p90 5 h 2 min = 18120 s */
	m.fix_latency.samples = 7;
	m.fix_latency.median_s = 273600;
	m.fix_latency.p90_s = 18120;
	m.deployment_frequency.has_days = 1;
	m.deployment_frequency.days = 28;
	m.deployment_frequency.per_week = 1.25;
	gv_catalogue_of(&cat, &m);
	const gv_metric *e = get("fix_latency");
	cr_expect_eq(e->value, 273600);
	cr_expect_eq(e->p90_s, 18120);
	cr_expect_eq(e->samples, 7);
	gv_metric_format(buf, sizeof(buf), e);
	cr_expect_str_eq(buf, "3d 4h");
	gv_duration_format(buf, sizeof(buf), 18120);
	cr_expect_str_eq(buf, "5h 2m");
	gv_metric_format(buf, sizeof(buf), get("deployment_frequency"));
	cr_expect_str_eq(buf, "1.25/week");
	gv_metric_format(buf, sizeof(buf), get("change_failure_rate"));
	cr_expect_str_eq(buf, "n/a");
	cr_expect_eq(get("deployment_frequency")->days, 28);
}

Test(catalogue, headline_and_fleet_entries)
{
	static const gv_metrics none;
	size_t i, headline = 0, dora = 0;

	gv_catalogue_of(&cat, &none);
	for (i = 0; i < cat.count; i++) {
		headline += (cat.items[i].flags & GV_METRIC_HEADLINE) != 0;
		dora += (cat.items[i].flags & GV_METRIC_HEADLINE) &&
			(cat.items[i].flags & GV_METRIC_DORA);
		if (cat.items[i].flags & GV_METRIC_HEADLINE) {
			cr_expect_not_null(cat.items[i].name);
			cr_expect_not_null(cat.items[i].samples_of);
		}
	}
	/* 11 rows of the text report; 4 of them DORA's */
	cr_expect_eq(headline, 11);
	cr_expect_eq(dora, 4);
	cr_expect(get("counts.commits")->flags & GV_METRIC_FLEET);
	cr_expect(get("lead_time.level")->flags & GV_METRIC_FLEET);
	cr_expect_not(get("counts.merges")->flags & GV_METRIC_FLEET);
}

Test(catalogue, rate_helper)
{
	double v = -1;

	cr_expect_eq(gv_rate(&v, 1, 4), 1);
	cr_expect_eq(v, 0.25);
	cr_expect_eq(gv_rate(&v, 0, 0), 0);
}
