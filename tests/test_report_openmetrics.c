/*
 * test_report_openmetrics.c - `--format openmetrics`: the exposition that
 * node_exporter's textfile collector reads. Prometheus' own checker
 * (`promtool check metrics`, Debian's prometheus package, installed by
 * `make deps`) must accept it, label values must be escaped, and a null
 * value has no sample.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"

FX_SUITE(openmetrics);

/* Runs promtool on text; returns its exit status (its output goes to the
 * test log on failure). */
int om_promtool_check(const fx_repo *r, const char *text, size_t len);
int om_promtool_check(const fx_repo *r, const char *text, size_t len)
{
	char *dir = fx_tmpdir(r, "om"), path[4096], *out = NULL;
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/metrics.prom", dir);
	cr_assert_not_null(f = fopen(path, "wb"));
	cr_assert_eq(fwrite(text, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
	rc = fx_sh(&out, dir, "promtool check metrics < metrics.prom 2>&1");
	if (rc)
		cr_log_error("promtool: %s", out ? out : "");
	free(out);
	free(dir);
	return rc;
}

Test(openmetrics, demo_exposition_passes_promtool)
{
	repo = fx_demo_repo();
	fx_gv(&run, repo->path, "--format", "openmetrics", ".", NULL);
	cr_assert_eq(run.status, 0, "%s", run.err);
	cr_expect_eq(om_promtool_check(repo, run.out, run.out_len), 0,
		     "promtool rejected:\n%s", run.out);
	cr_expect_not_null(strstr(run.out, "gitvitals_up{repository=\".\"} 1\n"));
	/* lead time median 975600 s (11 d 7 h), DORA medium: the
	 * idle-timeout fix counts from v0.2.1, which shipped its copy */
	cr_expect_not_null(strstr(run.out,
		"# TYPE gitvitals_lead_time_median_seconds gauge\n"
		"# UNIT gitvitals_lead_time_median_seconds seconds\n"));
	cr_expect_not_null(strstr(run.out, "gitvitals_lead_time_median_seconds"
				  "{repository=\".\",level=\"medium\"} 975600\n"));
	/* 1 of 4 releases failed: 0.25, too few releases for a level */
	cr_expect_not_null(strstr(run.out, "gitvitals_change_failure_rate_ratio"
				  "{repository=\".\",level=\"insufficient\"} 0.25\n"));
	cr_expect_not_null(strstr(run.out, "gitvitals_commits{repository=\".\"} 41\n"));
	size_t n = strlen("# EOF\n");
	cr_expect(run.out_len > n && !strcmp(run.out + run.out_len - n, "# EOF\n"));
}

Test(openmetrics, null_values_have_no_sample)
{
	repo = fx_repo_new("c alpha 2024-01-02T00:00:00Z\n");
	fx_gv(&run, repo->path, "--format", "openmetrics", ".", NULL);
	cr_assert_eq(run.status, 0, "%s", run.err);
	/* no release: the family is declared, no sample is written */
	cr_expect_not_null(strstr(run.out, "# TYPE gitvitals_lead_time_median_seconds gauge\n"));
	cr_expect_null(strstr(run.out, "gitvitals_lead_time_median_seconds{"));
	cr_expect_not_null(strstr(run.out, "gitvitals_lead_time_unreleased{repository=\".\"} 1\n"));
	cr_expect_eq(om_promtool_check(repo, run.out, run.out_len), 0);
}

Test(openmetrics, label_values_are_escaped)
{
	repo = fx_repo_new("c alpha 2024-01-02T00:00:00Z\n");
	char weird[4096];

	/* a quote, a backslash and a newline in the path */
	snprintf(weird, sizeof(weird), "%s/we\"ird\\\ndir", repo->root);
	cr_assert_eq(symlink(repo->path, weird), 0);
	fx_gv(&run, repo->root, "--format", "openmetrics", weird, NULL);
	cr_assert_eq(run.status, 0, "%s", run.err);
	cr_expect_not_null(strstr(run.out, "we\\\"ird\\\\\\ndir\"} 1\n"), "%s",
			   run.out);
	cr_expect_eq(om_promtool_check(repo, run.out, run.out_len), 0);
}
