/*
 * test_gates.c - `--fail-if` expressions: parsing (paths, operators,
 * numbers, durations, levels, malformed input), evaluation on metrics built
 * by hand (null values do not fire), and the exit codes and messages of
 * whole-program runs.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "fixture.h"
#include "gv/gates.h"

#define DAY INT64_C(86400)

static gv_gate g;
static fx_repo *repo;
static fx_run run;

static void teardown(void)
{
	gv_gate_free(&g);
	fx_run_free(&run);
	fx_repo_free(repo);
	repo = NULL;
}

TestSuite(gates, .fini = teardown);

static void parse_ok(const char *expr, const char *path, int op,
		     double threshold)
{
	gv_error err = {0};

	gv_gate_free(&g);
	cr_assert_eq(gv_gate_parse(&g, expr, &err), 0, "%s: %s", expr, err.msg);
	cr_expect_str_eq(g.path, path, "%s", expr);
	cr_expect_eq(g.op, op, "%s: op", expr);
	cr_expect(g.threshold == threshold, "%s: threshold %g, want %g", expr,
		  g.threshold, threshold);
	cr_expect_str_eq(g.expr, expr);
}

static void parse_bad(const char *expr, const char *why)
{
	gv_error err = {0};

	gv_gate_free(&g);
	cr_expect_eq(gv_gate_parse(&g, expr, &err), GV_EUSAGE, "accepted %s", expr);
	cr_expect_not_null(strstr(err.msg, why), "%s: message '%s' lacks '%s'",
			   expr, err.msg, why);
}

Test(gates, parses_paths_operators_and_values)
{
	parse_ok("change_failure_rate > 0.15", "change_failure_rate.rate",
		 GV_OP_GT, 0.15);
	parse_ok("lead_time.median_s > 7d", "lead_time.median_s", GV_OP_GT,
		 7.0 * DAY);
	parse_ok("metrics.lead_time.p90_s>=36h", "lead_time.p90_s", GV_OP_GE,
		 36.0 * 3600);
	parse_ok("time_to_restore < 30min", "time_to_restore.median_s", GV_OP_LT,
		 1800);
	parse_ok("security.unreleased_fixes > 0", "security.unreleased_fixes",
		 GV_OP_GT, 0);
	parse_ok("  rollback_rate <= 1e-2 ", "rollback_rate.rate", GV_OP_LE, 0.01);
	parse_ok("counts.bots == 3", "counts.bots", GV_OP_EQ, 3);
	parse_ok("security.exposure.p90_s != 0", "security.exposure.p90_s",
		 GV_OP_NE, 0);
	parse_ok("deployment_frequency.level < high", "deployment_frequency.level",
		 GV_OP_LT, GV_LEVEL_HIGH);
	cr_expect(g.is_level);
	parse_ok("change_failure_rate.level == elite", "change_failure_rate.level",
		 GV_OP_EQ, GV_LEVEL_ELITE);
}

Test(gates, malformed_expressions_are_usage_errors)
{
	parse_bad("change_failure_rate 0.15", "no operator");
	parse_bad("", "no operator");
	parse_bad("change_failure_rate => 0.15", "bad operator");
	parse_bad("nope > 1", "unknown metric 'nope'");
	parse_bad("lead_time.median > 1", "unknown metric");
	parse_bad("> 1", "unknown metric");
	parse_bad("lead_time.median_s > soon", "not a number or a duration");
	parse_bad("lead_time.median_s >", "not a number");
	parse_bad("lead_time.median_s > 1 > 2", "more than one operator");
	parse_bad("lead_time.level < fast", "not a level");
	parse_bad("lead_time.median_s > high", "not a number");
}

/* Metrics with a known value for each kind of path. */
static gv_metrics *metrics(void)
{
	static gv_metrics m;

	memset(&m, 0, sizeof(m));
	m.change_failure_rate.releases = 10;
	m.change_failure_rate.failed = 2;           /* rate 0.2 */
	m.change_failure_rate.level.level = GV_LEVEL_HIGH;
	m.lead_time.stats.samples = 5;
	m.lead_time.stats.median_s = 7 * DAY;
	m.lead_time.level.level = GV_LEVEL_MEDIUM;
	m.deployment_frequency.level.level = GV_LEVEL_NONE;
	m.deployment_frequency.level.insufficient = 1;
	m.time_to_restore.level.level = GV_LEVEL_NONE;
	m.security.unreleased_fixes = 0;
	return &m;
}

static int eval(const char *expr)
{
	gv_error err = {0};

	gv_gate_free(&g);
	cr_assert_eq(gv_gate_parse(&g, expr, &err), 0, "%s: %s", expr, err.msg);
	gv_gate_eval(&g, metrics());
	return g.status;
}

Test(gates, fire_hold_and_null)
{
	/* rate 0.2 */
	cr_expect_eq(eval("change_failure_rate > 0.15"), GV_GATE_FIRED);
	cr_expect_eq(eval("change_failure_rate > 0.2"), GV_GATE_PASSED);
	cr_expect_eq(eval("change_failure_rate >= 0.2"), GV_GATE_FIRED);
	/* median 7 d: > 7d holds not, >= 7d holds */
	cr_expect_eq(eval("lead_time.median_s > 7d"), GV_GATE_PASSED);
	cr_expect_eq(eval("lead_time.median_s >= 7d"), GV_GATE_FIRED);
	cr_expect_eq(eval("lead_time.median_s == 168h"), GV_GATE_FIRED);
	cr_expect_eq(eval("lead_time.median_s != 168h"), GV_GATE_PASSED);
	cr_expect_eq(eval("lead_time.median_s <= 1w"), GV_GATE_FIRED);
	cr_expect_eq(eval("lead_time.median_s < 1w"), GV_GATE_PASSED);
	cr_expect_eq(eval("security.unreleased_fixes > 0"), GV_GATE_PASSED);
	/* levels: medium < high holds; high < high does not */
	cr_expect_eq(eval("lead_time.level < high"), GV_GATE_FIRED);
	cr_expect_eq(eval("change_failure_rate.level < high"), GV_GATE_PASSED);
	/* null: no samples, no level, no rate: never fires */
	cr_expect_eq(eval("time_to_restore.median_s > 0"), GV_GATE_NULL);
	cr_expect_eq(eval("time_to_restore.median_s < 1000d"), GV_GATE_NULL);
	cr_expect_eq(eval("deployment_frequency.level < elite"), GV_GATE_NULL);
	cr_expect_eq(eval("rework_rate > 0"), GV_GATE_NULL);
	char buf[32];
	gv_gate_format(buf, sizeof(buf), &g, 1);
	cr_expect_str_eq(buf, "null");
}

/* A release failed by a revert: 1 failed of 1 release (rate 1), restored
 * in v1.1 2 days later. */
static const char REPO[] =
	"c 'add a' 2024-01-01T00:00:00Z; A=$(git rev-parse HEAD)\n"
	"at v1.0 2024-01-02T00:00:00Z\n"
	"c \"$(printf 'Revert \"add a\"\\n\\nThis reverts commit %s.' $A)\" "
	"2024-01-03T00:00:00Z\n"
	"at v1.1 2024-01-04T00:00:00Z\n";

Test(gates, exit_4_when_a_gate_fires_after_the_report)
{
	repo = fx_repo_shared("gates", REPO);
	fx_gv(&run, repo->path, "--format", "json", "--fail-if",
	      "change_failure_rate > 0.15", "--fail-if",
	      "security.unreleased_fixes > 0", NULL);
	cr_expect_eq(run.status, 4, "exit %d: %s", run.status, run.err);
	/* the report is written all the same, with the gates in it */
	cr_assert_not_null(run.json, "%s", run.out);
	/* 2 releases, v1.0 failed: rate 0.5 */
	cr_expect_str_eq(fx_str(run.json, "gates.0.expr"),
			 "change_failure_rate > 0.15");
	cr_expect_str_eq(fx_str(run.json, "gates.0.metric"),
			 "change_failure_rate.rate");
	cr_expect(cJSON_IsTrue(fx_get(run.json, "gates.0.fired")));
	cr_expect_str_eq(fx_str(run.json, "gates.0.status"), "fired");
	cr_expect(fx_num(run.json, "gates.0.value") == 0.5);
	cr_expect(cJSON_IsFalse(fx_get(run.json, "gates.1.fired")));
	cr_expect_str_eq(fx_str(run.json, "gates.1.status"), "passed");
	cr_expect_not_null(strstr(run.err, "git-vitals: gate failed: "
				  "change_failure_rate > 0.15 (value 0.5)"),
			   "%s", run.err);
	cr_expect_null(strstr(run.err, "unreleased_fixes"), "%s", run.err);
}

Test(gates, exit_0_when_no_gate_fires)
{
	repo = fx_repo_shared("gates", REPO);
	/* restore 2 d: > 7d does not hold */
	fx_gv(&run, repo->path, "--format", "json", "--fail-if",
	      "time_to_restore.median_s > 7d", NULL);
	cr_expect_eq(run.status, 0, "exit %d: %s", run.status, run.err);
	cr_expect(cJSON_IsFalse(fx_get(run.json, "gates.0.fired")));
	cr_expect(fx_int(run.json, "gates.0.value") == 2 * DAY);
	cr_expect(fx_int(run.json, "gates.0.threshold") == 7 * DAY);
	/* no --fail-if: no gates key */
	fx_run_free(&run);
	fx_gv(&run, repo->path, "--format", "json", NULL);
	cr_expect_eq(run.status, 0);
	cr_expect_null(fx_get(run.json, "gates"));
}

Test(gates, null_value_does_not_fire_and_says_so)
{
	repo = fx_repo_shared("gates", REPO);
	/* 2 releases: fewer than 5, the level is null */
	fx_gv(&run, repo->path, "--format", "json", "--fail-if",
	      "change_failure_rate.level < elite", NULL);
	cr_expect_eq(run.status, 0, "exit %d: %s", run.status, run.err);
	cr_expect(fx_is_null(run.json, "gates.0.value"));
	cr_expect_str_eq(fx_str(run.json, "gates.0.status"), "null");
	cr_expect(cJSON_IsFalse(fx_get(run.json, "gates.0.fired")));
	cr_expect_not_null(strstr(run.err, "gate not evaluated: "
				  "change_failure_rate.level < elite (value null"),
			   "%s", run.err);
}

Test(gates, malformed_gate_is_exit_1_before_the_analysis)
{
	repo = fx_repo_shared("gates", REPO);
	fx_gv(&run, repo->path, "--fail-if", "change_failure_rate 0.15", NULL);
	cr_expect_eq(run.status, 1, "exit %d", run.status);
	cr_expect_not_null(strstr(run.err, "--fail-if"), "%s", run.err);
	cr_expect_eq(run.out_len, 0, "no report: %s", run.out);
	fx_run_free(&run);
	fx_gv(&run, repo->path, "--fail-if", "no_such_metric > 1", NULL);
	cr_expect_eq(run.status, 1);
	/* also when the path is not a repository: usage first */
	fx_run_free(&run);
	fx_gv(&run, NULL, "--fail-if", "x", "/nonexistent-gv-path", NULL);
	cr_expect_eq(run.status, 1, "exit %d: %s", run.status, run.err);
}
