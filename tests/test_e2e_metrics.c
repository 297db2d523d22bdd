/*
 * test_e2e_metrics.c - whole-program runs on fixture repositories for the
 * failure, recovery, rework, fix latency, security, trends and "whose
 * changes" numbers (issue 5). Messages use the plain forms the default
 * rules certainly label: `This reverts commit <sha>.`, `Fixes: <12 hex>
 * ("subj")`, `CVE-2024-1234`. Every expected number is worked out by hand in
 * the comment next to it; all dates are 2024, 00:00:00Z unless shown.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

#define DAY INT64_C(86400)
#define HOUR INT64_C(3600)
#define NUL_STAT INT64_MIN

FX_SUITE(e2e_metrics);

/* sh helpers of these fixtures, on top of fixture.h's c / m / lt / at:
 *   fixes SUBJECT SHA CULPRIT_SUBJECT DATE   a commit with a Fixes: trailer
 *   revert SUBJECT SHA DATE                 git revert's message
 *   sha                                     the HEAD commit */
#define HELPERS                                                              \
	"fixes() { c \"$(printf '%s\\n\\nFixes: %.12s (\"%s\")' \"$1\" \"$2\" " \
	"\"$3\")\" \"$4\"; }\n"                                              \
	"revert() { c \"$(printf 'Revert \"%s\"\\n\\nThis reverts commit %s.' " \
	"\"$1\" \"$2\")\" \"$3\"; }\n"                                       \
	"sha() { git rev-parse HEAD; }\n"

#define gv_json(cwd, ...) \
	fx_gv_json_argv(&run, cwd, (const char *const[]){ __VA_ARGS__, NULL })


#define gv_status(cwd, ...) \
	gv_status_argv(cwd, (const char *const[]){ __VA_ARGS__, NULL })

static int gv_status_argv(const char *cwd, const char *const *argv)
{
	fx_run_free(&run);
	fx_gv_argv(&run, cwd, argv);
	return run.status;
}

static void expect_stat(const cJSON *doc, const char *path, int64_t want)
{
	if (want == NUL_STAT) {
		cr_expect(fx_is_null(doc, path), "%s should be null", path);
		return;
	}
	cr_expect(!fx_is_null(doc, path), "%s is null, want %lld", path,
		  (long long)want);
	if (!fx_is_null(doc, path))
		cr_expect_eq(fx_int(doc, path), want, "%s = %lld, want %lld",
			     path, (long long)fx_int(doc, path), (long long)want);
}

static void expect_rate(const cJSON *doc, const char *path, double want)
{
	if (want < 0) {
		cr_expect(fx_is_null(doc, path), "%s should be null", path);
		return;
	}
	cr_expect(!fx_is_null(doc, path), "%s is null", path);
	double v = fx_num(doc, path);
	cr_expect(v > want - 1e-12 && v < want + 1e-12, "%s = %.17g, want %.17g",
		  path, v, want);
}

static void expect_level(const cJSON *doc, const char *metric,
			 const char *level)
{
	char p[128], q[128];

	snprintf(p, sizeof(p), "metrics.%s.level", metric);
	snprintf(q, sizeof(q), "metrics.%s.insufficient", metric);
	if (!level) {
		cr_expect(fx_is_null(doc, p), "%s should be null", p);
		cr_expect(cJSON_IsTrue(fx_get(doc, q)), "%s should be true", q);
		return;
	}
	cr_expect(cJSON_IsString(fx_get(doc, p)) && !strcmp(fx_str(doc, p), level),
		  "%s should be %s", p, level);
	cr_expect(cJSON_IsFalse(fx_get(doc, q)), "%s should be false", q);
}

static char *sha_of(const char *rev)
{
	return fx_rev(repo, rev);
}

/* The failures of release `tag`: exactly `n`, and the i-th one (by
 * remediation time) is (culprit, remediation, kind, urgent) when asked. */
static const cJSON *failures_of(const cJSON *doc, const char *tag, int n)
{
	const cJSON *r = fx_find(doc, "releases", "tag", tag);
	cr_assert_not_null(r, "no release %s", tag);
	const cJSON *f = fx_get(r, "failures");
	cr_assert(cJSON_IsArray(f), "%s: failures is not a list", tag);
	cr_expect_eq(cJSON_GetArraySize(f), n, "%s: %d failures, want %d", tag,
		     cJSON_GetArraySize(f), n);
	return f;
}

static void expect_failure(const cJSON *list, int i, const char *culprit,
			   const char *remediation, const char *kind,
			   int urgent)
{
	const cJSON *f = cJSON_GetArrayItem(list, i);
	char *c = sha_of(culprit), *r = sha_of(remediation);

	cr_assert_not_null(f, "no failure %d", i);
	cr_expect_str_eq(fx_str(f, "culprit"), c, "failure %d: culprit %s", i,
			 culprit);
	cr_expect_str_eq(fx_str(f, "remediation"), r,
			 "failure %d: remediation %s", i, remediation);
	cr_expect_str_eq(fx_str(f, "kind"), kind);
	cr_expect(cJSON_IsBool(fx_get(f, "urgent")) &&
			  cJSON_IsTrue(fx_get(f, "urgent")) == urgent,
		  "failure %d (%s): urgent should be %d", i, culprit, urgent);
	free(c);
	free(r);
}

/* The failures fixture. Tags name the commits so tests can find them:
 * refs/tags/x-NAME are not releases (no version number).
 *
 *   Jan 1  A  add a                 Jan 2  B  add b
 *   v1.0   Jan 3                    ships A, B
 *   Jan 4  RV revert of B          Jan 4 12:00  C  add c
 *   v1.1   Jan 5                    ships RV, C (not rework: C)
 *   Jan 6  D  add d
 *   v1.2   Jan 7                    ships D
 *   Feb 10 FD Fixes: D
 *   v1.2.1 Feb 11                   ships FD only: rework, a hotfix release
 *   Feb 12 E  add e
 *   v1.3   Feb 13                   ships E
 *   Feb 20 FE Fixes: E              Feb 21 F  add f
 *   v1.4   Feb 22                   ships FE, F: not rework; 9 days
 *   Mar 1  G  add g                 Mar 2  H  Fixes: G (before release)
 *   v1.5   Mar 3                    ships G, H
 *   Jun 1  FA Fixes: A              Jun 2  I  add i
 *   v1.6   Jun 3                    ships FA, I: FA is 152 days after v1.0
 *   v1.7   Jun 5 at I               no new commits
 *   Jun 10 RR revert of RV          never released
 */
static const char FAILURES[] = HELPERS
	"c 'add a' 2024-01-01T00:00:00Z; lt x-A\n"
	"c 'add b' 2024-01-02T00:00:00Z; lt x-B\n"
	"at v1.0 2024-01-03T00:00:00Z\n"
	"revert 'add b' $(git rev-parse x-B) 2024-01-04T00:00:00Z; lt x-RV\n"
	"c 'add c' 2024-01-04T12:00:00Z\n"
	"at v1.1 2024-01-05T00:00:00Z\n"
	"c 'add d' 2024-01-06T00:00:00Z; lt x-D\n"
	"at v1.2 2024-01-07T00:00:00Z\n"
	"fixes 'fix d' $(git rev-parse x-D) 'add d' 2024-02-10T00:00:00Z; lt x-FD\n"
	"at v1.2.1 2024-02-11T00:00:00Z\n"
	"c 'add e' 2024-02-12T00:00:00Z; lt x-E\n"
	"at v1.3 2024-02-13T00:00:00Z\n"
	"fixes 'fix e' $(git rev-parse x-E) 'add e' 2024-02-20T00:00:00Z; lt x-FE\n"
	"c 'add f' 2024-02-21T00:00:00Z\n"
	"at v1.4 2024-02-22T00:00:00Z\n"
	"c 'add g' 2024-03-01T00:00:00Z; lt x-G\n"
	"fixes 'fix g' $(git rev-parse x-G) 'add g' 2024-03-02T00:00:00Z; lt x-H\n"
	"at v1.5 2024-03-03T00:00:00Z\n"
	"fixes 'fix a' $(git rev-parse x-A) 'add a' 2024-06-01T00:00:00Z; lt x-FA\n"
	"c 'add i' 2024-06-02T00:00:00Z; lt x-I\n"
	"at v1.6 2024-06-03T00:00:00Z\n"
	"at v1.7 2024-06-05T00:00:00Z x-I\n"
	"revert 'Revert \"add b\"' $(git rev-parse x-RV) 2024-06-10T00:00:00Z; lt x-RR\n";

static const cJSON *failures_report(void)
{
	repo = fx_repo_shared("e2e-metrics-failures", FAILURES);
	return gv_json(repo->path, "--format", "json");
}

Test(e2e_metrics, release_failed_by_a_revert)
{
	const cJSON *doc = failures_report();
	/* v1.0 first shipped A and B: B is reverted by RV (urgent), A is
	 * fixed by FA months later (listed, not urgent); by remediation
	 * time RV (Jan 4) comes before FA (Jun 1) */
	const cJSON *f = failures_of(doc, "v1.0", 2);
	expect_failure(f, 0, "x-B", "x-RV", "revert", 1);
	expect_failure(f, 1, "x-A", "x-FA", "fixes", 0);
}

/* GitHub's revert button: PR #7 merged with a merge commit, shipped in
 * v1.0; PR #9 from branch revert-7-widget (its commit quotes #7's title)
 * merged two days later, shipped in v1.1. The culprit is #7's merge
 * itself, the remediation #9's merge, found through the PR number (the
 * commit of the revert branch names the same merge: one failure per pair,
 * both listed). */
Test(e2e_metrics, release_failed_by_a_github_revert_merge)
{
	repo = fx_repo_new(
		"c 'base' 2024-01-01T00:00:00Z\n"
		"git checkout -q -b widget\n"
		"c 'widget: first cut' 2024-01-02T00:00:00Z\n"
		"git checkout -q main\n"
		"m widget 2024-01-03T00:00:00Z 'Merge pull request #7 from "
		"octo/widget\n\nAdd the widget'; lt x-M7\n"
		"at v1.0 2024-01-04T00:00:00Z\n"
		"git checkout -q -b revert-7-widget\n"
		"c 'Revert \"Add the widget\"' 2024-01-05T00:00:00Z; lt x-RC\n"
		"git checkout -q main\n"
		"m revert-7-widget 2024-01-06T00:00:00Z 'Merge pull request #9 "
		"from octo/revert-7-widget\n\nRevert \"Add the widget\"\n\n"
		"Reverts octo/widgets#7'; lt x-M9\n"
		"at v1.1 2024-01-07T00:00:00Z\n");
	const cJSON *doc = gv_json(repo->path, "--format", "json");
	/* by remediation time: the revert commit (Jan 5), then #9's merge
	 * (Jan 6); both urgent reverts of #7's merge */
	const cJSON *f = failures_of(doc, "v1.0", 2);
	expect_failure(f, 0, "x-M7", "x-RC", "revert", 1);
	expect_failure(f, 1, "x-M7", "x-M9", "revert", 1);
	/* v1.0 failed, v1.1 did not: 1 of 2 */
	expect_stat(doc, "metrics.change_failure_rate.failed", 1);
	/* the quoted title ("Add the widget") is no fix */
	expect_stat(doc, "counts.fixes", 0);
}

/* A security fix whose Fixes: names a commit of another branch: the pair
 * is not used (no culprit, no exposure) and is counted in a warning. */
Test(e2e_metrics, vulnerability_culprit_on_another_branch_is_dropped)
{
	repo = fx_repo_new(HELPERS
		"c 'base' 2024-01-01T00:00:00Z\n"
		"at v1.0 2024-01-02T00:00:00Z\n"
		"git checkout -q -b side\n"
		"c 'add x' 2024-01-03T00:00:00Z; lt x-X\n"
		"git checkout -q main\n"
		"fixes 'Bound the copy (CVE-2024-1234)' $(git rev-parse x-X) "
		"'add x' 2024-01-04T00:00:00Z\n"
		"at v1.1 2024-01-05T00:00:00Z\n");
	const cJSON *doc = gv_json(repo->path, "--all", "--format", "json");
	const cJSON *v = fx_get(doc, "metrics.security.vulnerabilities.0");
	cr_assert_not_null(v);
	cr_expect_eq(cJSON_GetArraySize(fx_get(v, "culprits")), 0);
	cr_expect(fx_is_null(v, "introduced"));
	cr_expect(fx_is_null(v, "exposure_s"));
	const cJSON *w = fx_find(doc, "warnings", "code", "vuln-culprit-dropped");
	cr_assert_not_null(w, "no vuln-culprit-dropped warning");
	expect_stat(w, "count", 1);
}

Test(e2e_metrics, release_failed_by_a_fix_in_a_hotfix_release)
{
	const cJSON *doc = failures_report();
	/* FD ships in v1.2.1, 35 days after v1.2 (outside 14 d), but v1.2.1
	 * holds nothing but FD: a hotfix release, so urgent */
	const cJSON *f = failures_of(doc, "v1.2", 1);
	expect_failure(f, 0, "x-D", "x-FD", "fixes", 1);
	failures_of(doc, "v1.2.1", 0);
	/* with a hotfix window of 40 days it stays urgent; the release is
	 * still rework either way */
}

Test(e2e_metrics, release_failed_by_a_fix_within_the_window)
{
	const cJSON *doc = failures_report();
	/* FE ships in v1.4 (with F: no hotfix release), 9 days after v1.3 */
	const cJSON *f = failures_of(doc, "v1.3", 1);
	expect_failure(f, 0, "x-E", "x-FE", "fixes", 1);
	failures_of(doc, "v1.4", 0);
	/* a hotfix window of 8 days: 9 > 8, and v1.4 is no hotfix release,
	 * so FE is an escaped defect of v1.3, no longer a failure */
	doc = gv_json(repo->path, "--format", "json", "--hotfix-window", "8d");
	f = failures_of(doc, "v1.3", 1);
	expect_failure(f, 0, "x-E", "x-FE", "fixes", 0);
	expect_stat(doc, "metrics.change_failure_rate.failed", 3);
	expect_stat(doc, "metrics.escaped_defect_rate.escaped", 4);
	expect_stat(doc, "metrics.change_failure_rate.hotfix_window_s", 8 * DAY);
}

Test(e2e_metrics, fix_shipped_months_later_is_escaped_not_failed)
{
	const cJSON *doc = failures_report();
	/* FA: 152 days after v1.0 in v1.6, which also ships I */
	const cJSON *f = failures_of(doc, "v1.0", 2);
	expect_failure(f, 1, "x-A", "x-FA", "fixes", 0);
	/* alone it would make v1.0 escaped but not failed: with RV removed
	 * from the picture that is what v1.3 shows under --hotfix-window 8d
	 * (above) */
	failures_of(doc, "v1.6", 0);
}

Test(e2e_metrics, bug_fixed_before_release_is_no_failure)
{
	const cJSON *doc = failures_report();
	/* v1.5 ships G and its fix H */
	failures_of(doc, "v1.5", 0);
}

Test(e2e_metrics, revert_of_revert_and_unrestored_release)
{
	const cJSON *doc = failures_report();
	/* RR reverts RV, which v1.1 first shipped: the revert is the
	 * culprit; RR is never released, so v1.1 is not restored */
	const cJSON *f = failures_of(doc, "v1.1", 1);
	expect_failure(f, 0, "x-RV", "x-RR", "revert", 1);
	expect_stat(doc, "metrics.time_to_restore.unrestored", 1);
	/* time to revert: RV - B = Jan 4 - Jan 2 = 2 d; RR - RV = Jun 10 -
	 * Jan 4 = 158 d; median rank 1 = 2 d, p90 rank 2 = 158 d */
	expect_stat(doc, "metrics.time_to_revert.samples", 2);
	expect_stat(doc, "metrics.time_to_revert.median_s", 2 * DAY);
	expect_stat(doc, "metrics.time_to_revert.p90_s", 158 * DAY);
}

Test(e2e_metrics, release_with_no_new_commits)
{
	const cJSON *doc = failures_report();
	const cJSON *r = fx_find(doc, "releases", "tag", "v1.7");
	cr_assert_not_null(r);
	expect_stat(r, "new_commits", 0);
	failures_of(doc, "v1.7", 0);
}

Test(e2e_metrics, rates_restore_rework_and_levels)
{
	const cJSON *doc = failures_report();
	/* 9 releases; failed (an urgent failure): v1.0, v1.1, v1.2, v1.3 =
	 * 4; escaped (any failure): the same 4. 4 * 100 > 15 * 9: low */
	expect_stat(doc, "metrics.change_failure_rate.releases", 9);
	expect_stat(doc, "metrics.change_failure_rate.failed", 4);
	expect_rate(doc, "metrics.change_failure_rate.rate", 4.0 / 9.0);
	expect_level(doc, "change_failure_rate", "low");
	expect_stat(doc, "metrics.escaped_defect_rate.releases", 9);
	expect_stat(doc, "metrics.escaped_defect_rate.escaped", 4);
	expect_rate(doc, "metrics.escaped_defect_rate.rate", 4.0 / 9.0);
	/* restore: v1.0 by v1.1 (RV) 2 d; v1.2 by v1.2.1 35 d; v1.3 by v1.4
	 * 9 d; v1.1 unrestored. Sorted 2, 9, 35: median rank 2 = 9 d, p75
	 * rank 3 = 35 d, p90 35 d. 3 samples: no level, insufficient */
	expect_stat(doc, "metrics.time_to_restore.samples", 3);
	expect_stat(doc, "metrics.time_to_restore.unrestored", 1);
	expect_stat(doc, "metrics.time_to_restore.median_s", 9 * DAY);
	expect_stat(doc, "metrics.time_to_restore.p75_s", 35 * DAY);
	expect_stat(doc, "metrics.time_to_restore.p90_s", 35 * DAY);
	expect_level(doc, "time_to_restore", NULL);
	/* rework: only v1.2.1 (FD alone); v1.7 has no new commits */
	expect_stat(doc, "metrics.rework_rate.releases", 9);
	expect_stat(doc, "metrics.rework_rate.rework", 1);
	expect_rate(doc, "metrics.rework_rate.rate", 1.0 / 9.0);
	/* rollbacks: RV and RR among 14 non-merge commits */
	expect_stat(doc, "metrics.rollback_rate.changes", 14);
	expect_stat(doc, "metrics.rollback_rate.rollbacks", 2);
	expect_rate(doc, "metrics.rollback_rate.rate", 2.0 / 14.0);
	/* fix latency: FD - D 35 d, FE - E 8 d, H - G 1 d, FA - A 152 d;
	 * sorted 1, 8, 35, 152: median rank 2 = 8 d, p75 rank 3 = 35 d,
	 * p90 rank 4 = 152 d */
	expect_stat(doc, "metrics.fix_latency.samples", 4);
	expect_stat(doc, "metrics.fix_latency.median_s", 8 * DAY);
	expect_stat(doc, "metrics.fix_latency.p75_s", 35 * DAY);
	expect_stat(doc, "metrics.fix_latency.p90_s", 152 * DAY);
	/* lead time: C 12 h; B, RV, D, FD, E, F, H, I 1 d; A, FE, G, FA
	 * 2 d; RR unreleased. 13 samples, median rank 7 = 1 d: not < 1 d,
	 * so high */
	expect_stat(doc, "metrics.lead_time.samples", 13);
	expect_stat(doc, "metrics.lead_time.median_s", DAY);
	expect_level(doc, "lead_time", "high");
	/* deployment frequency: 9 releases from v1.0 (Jan 3) to the newest
	 * commit (Jun 10): 159 days; 9 * 7 < 159 <= 9 * 30: medium */
	expect_level(doc, "deployment_frequency", "medium");
}

Test(e2e_metrics, text_report_fits_80_columns_and_shows_evidence)
{
	repo = fx_repo_shared("e2e-metrics-failures", FAILURES);
	fx_run_free(&run);
	fx_gv(&run, repo->path, "--format", "text", NULL);
	cr_assert_eq(run.status, 0, "%s", run.err);
	/* the headline table and the evidence sections */
	cr_expect_not_null(strstr(run.out, "change failure rate"));
	cr_expect_not_null(strstr(run.out, "44.4% (4 of 9)"));
	cr_expect_not_null(strstr(run.out, "recent failed releases"));
	cr_expect_not_null(strstr(run.out, "v1.1  not restored"));
	/* every line up to the warnings (sentences) fits 80 columns */
	const char *line = run.out, *end = strstr(run.out, "\n  warnings\n");
	while (line && *line && (!end || line < end)) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		cr_expect_leq(len, 80, "line too long: %.*s", (int)len, line);
		line = nl ? nl + 1 : NULL;
	}
}

/* ---- advisories ---- */

Test(e2e_metrics, release_failed_by_an_advisory)
{
	/* K (Jan 1) is introduced, SK (Jan 5, a plain message) fixes it per
	 * the OSV record; v1.0 Jan 2 ships K, v1.0.1 Jan 6 ships SK alone.
	 * SC (Jan 10) names CVE-2024-1234 and is never released. */
	repo = fx_repo_new(HELPERS
		"c 'add k' 2024-01-01T00:00:00Z; lt x-K\n"
		"at v1.0 2024-01-02T00:00:00Z\n"
		"c 'tweak parser' 2024-01-05T00:00:00Z; lt x-SK\n"
		"at v1.0.1 2024-01-06T00:00:00Z\n"
		"c 'check length, CVE-2024-1234' 2024-01-10T00:00:00Z; lt x-SC\n");
	char *k = sha_of("x-K"), *sk = sha_of("x-SK"), *dir = fx_tmpdir(repo, "osv");
	cr_assert_eq(fx_sh(NULL, dir,
			   "printf '%%s' '{\"id\":\"GHSA-2345-6789-cfgh\","
			   "\"aliases\":[\"CVE-2024-9999\"],\"affected\":[{\"ranges\":"
			   "[{\"type\":\"GIT\",\"events\":[{\"introduced\":\"%s\"},"
			   "{\"fixed\":\"%s\"}]}]}]}' > rec.json", k, sk), 0);
	char path[4096];
	snprintf(path, sizeof(path), "%s/rec.json", dir);
	const cJSON *doc = gv_json(repo->path, "--format", "json",
				   "--advisories", path);
	/* SK is a security fix of kind advisory for K; v1.0.1 holds only
	 * SK (security): a hotfix release, and 4 days: urgent */
	const cJSON *f = failures_of(doc, "v1.0", 1);
	expect_failure(f, 0, "x-K", "x-SK", "advisory", 1);
	expect_stat(doc, "metrics.change_failure_rate.failed", 1);
	/* restore: v1.0.1 - v1.0 = 4 d */
	expect_stat(doc, "metrics.time_to_restore.median_s", 4 * DAY);
	/* security: SK (advisory) and SC (an id): 2 patches, both high */
	expect_stat(doc, "metrics.security.patches", 2);
	expect_stat(doc, "metrics.security.high_confidence", 2);
	const cJSON *ids = fx_get(doc, "metrics.security.ids");
	cr_assert_eq(cJSON_GetArraySize(ids), 3);
	cr_expect_str_eq(cJSON_GetArrayItem(ids, 0)->valuestring, "CVE-2024-1234");
	cr_expect_str_eq(cJSON_GetArrayItem(ids, 1)->valuestring, "CVE-2024-9999");
	cr_expect_str_eq(cJSON_GetArrayItem(ids, 2)->valuestring,
			 "GHSA-2345-6789-CFGH");
	/* fix to release: SK Jan 6 - Jan 5 = 1 d; SC unreleased */
	expect_stat(doc, "metrics.security.fix_to_release.samples", 1);
	expect_stat(doc, "metrics.security.fix_to_release.median_s", DAY);
	expect_stat(doc, "metrics.security.unreleased_fixes", 1);
	/* exposure: the GHSA/CVE-9999 pair is one vulnerability, introduced
	 * in v1.0 (Jan 2), fixed in v1.0.1 (Jan 6): 4 d */
	expect_stat(doc, "metrics.security.exposure.samples", 1);
	expect_stat(doc, "metrics.security.exposure.median_s", 4 * DAY);
	const cJSON *v = fx_get(doc, "metrics.security.vulnerabilities.0");
	cr_assert_not_null(v);
	cr_expect_eq(cJSON_GetArraySize(fx_get(v, "ids")), 2);
	cr_expect_str_eq(fx_str(v, "introduced"), "v1.0");
	cr_expect_str_eq(fx_str(v, "fixed"), "v1.0.1");
	expect_stat(v, "exposure_s", 4 * DAY);
	cr_expect_str_eq(fx_str(v, "culprits.0"), k);
	cr_expect_str_eq(fx_str(v, "fixes.0"), sk);
	v = fx_get(doc, "metrics.security.vulnerabilities.1");
	cr_assert_not_null(v);
	cr_expect(fx_is_null(v, "fixed"));
	cr_expect(fx_is_null(v, "exposure_s"));
	free(k);
	free(sk);
	free(dir);
}

/* ---- whose changes ---- */

/* Jan 1 a human; Jan 2 dependabot[bot]; Jan 3 an address .mailmap maps to
 * renovate[bot]; v1.0 Jan 4. */
static const char BOTS[] =
	"printf 'renovate[bot] <bot@renovateapp.com> <old@example.com>\\n' > .mailmap\n"
	"git add .mailmap\n"
	"c 'add a' 2024-01-01T00:00:00Z; lt x-A\n"
	"(export GIT_AUTHOR_NAME='dependabot[bot]' "
	"GIT_AUTHOR_EMAIL='49699333+dependabot[bot]@users.noreply.github.com'; "
	"c 'Bump lodash from 4.17.20 to 4.17.21' 2024-01-02T00:00:00Z); lt x-BOT\n"
	"(export GIT_AUTHOR_NAME='Old Name' GIT_AUTHOR_EMAIL='old@example.com'; "
	"c 'Update dependency x' 2024-01-03T00:00:00Z); lt x-MM\n"
	"at v1.0 2024-01-04T00:00:00Z\n";

Test(e2e_metrics, bots_included_by_default)
{
	repo = fx_repo_shared("e2e-metrics-bots", BOTS);
	const cJSON *doc = gv_json(repo->path, "--format", "json");
	/* both bots (the second through .mailmap) are counted; lead times
	 * 3, 2, 1 d: median 2 d */
	expect_stat(doc, "counts.commits", 3);
	expect_stat(doc, "counts.bots", 2);
	expect_stat(doc, "metrics.lead_time.samples", 3);
	expect_stat(doc, "metrics.lead_time.median_s", 2 * DAY);
	expect_stat(doc, "metrics.rollback_rate.changes", 3);
}

Test(e2e_metrics, bots_excluded_and_mailmap_applied)
{
	repo = fx_repo_shared("e2e-metrics-bots", BOTS);
	const cJSON *doc = gv_json(repo->path, "--format", "json",
				   "--exclude-bots", "--commits");
	/* only A counts: lead time 3 d; counts.bots still says 2 */
	expect_stat(doc, "counts.commits", 1);
	expect_stat(doc, "counts.bots", 2);
	expect_stat(doc, "metrics.lead_time.samples", 1);
	expect_stat(doc, "metrics.lead_time.median_s", 3 * DAY);
	expect_stat(doc, "metrics.rollback_rate.changes", 1);
	/* every commit keeps its release and lead time */
	char *mm = sha_of("x-MM");
	const cJSON *c = fx_find(doc, "commits", "sha", mm);
	cr_assert_not_null(c);
	cr_expect_str_eq(fx_str(c, "release"), "v1.0");
	expect_stat(c, "lead_time_s", DAY);
	char *labels = cJSON_PrintUnformatted(fx_get(c, "labels"));
	cr_expect_not_null(strstr(labels, "bot"), "the mailmapped author is a bot");
	cJSON_free(labels);
	free(mm);
}

Test(e2e_metrics, exclude_bots_from_git_config)
{
	repo = fx_repo_new(BOTS);
	cr_assert_eq(fx_sh(NULL, repo->path, "git config vitals.excludeBots true"), 0);
	const cJSON *doc = gv_json(repo->path, "--format", "json");
	expect_stat(doc, "counts.commits", 1);
}

/* c0 Jan 1 on main; f1 Jan 2, f2 Jan 3 on a branch; w Jan 4 on main; the
 * merge Jan 5; v1.0 Jan 6. */
static const char MERGES[] =
	"c 'base' 2024-01-01T00:00:00Z\n"
	"git checkout -q -b feat\n"
	"c 'f1' 2024-01-02T00:00:00Z\n"
	"c 'f2' 2024-01-03T00:00:00Z\n"
	"git checkout -q main\n"
	"c 'main work' 2024-01-04T00:00:00Z\n"
	"m feat 2024-01-05T00:00:00Z 'Merge branch feat'\n"
	"at v1.0 2024-01-06T00:00:00Z\n";

Test(e2e_metrics, changes_commits_and_merges)
{
	repo = fx_repo_shared("e2e-metrics-merges", MERGES);
	/* commits: base 5 d, f1 4 d, f2 3 d, main work 2 d: median rank 2 =
	 * 3 d */
	const cJSON *doc = gv_json(repo->path, "--format", "json");
	expect_stat(doc, "metrics.lead_time.samples", 4);
	expect_stat(doc, "metrics.lead_time.median_s", 3 * DAY);
	/* merges: the first-parent chain merge, main work, base; the merge
	 * starts at f1 (Jan 2): 4 d; main work 2 d; base 5 d. Sorted 2, 4,
	 * 5: median 4 d, p90 5 d */
	doc = gv_json(repo->path, "--format", "json", "--changes", "merges");
	expect_stat(doc, "metrics.lead_time.samples", 3);
	expect_stat(doc, "metrics.lead_time.median_s", 4 * DAY);
	expect_stat(doc, "metrics.lead_time.p90_s", 5 * DAY);
	cr_expect_eq(gv_status(repo->path, "--changes", "prs"), 1);
}

/* ---- trends ---- */

/* Jan 10 (W02) c1, v1.0 Jan 11; Mar 20 (W12) a fix, v1.1 Mar 21. */
static const char PERIODS[] =
	"c 'add a' 2024-01-10T00:00:00Z\n"
	"at v1.0 2024-01-11T00:00:00Z\n"
	"c 'fix the parser crash' 2024-03-20T00:00:00Z\n"
	"at v1.1 2024-03-21T00:00:00Z\n";

static const cJSON *period(const cJSON *doc, int i, const char *name,
			   const char *start)
{
	char p[32];
	snprintf(p, sizeof(p), "series.%d", i);
	const cJSON *e = fx_get(doc, p);
	cr_assert_not_null(e, "no series[%d] (want %s)", i, name);
	cr_expect_str_eq(fx_str(e, "period"), name);
	cr_expect_str_eq(fx_str(e, "start"), start);
	return e;
}

Test(e2e_metrics, series_by_month_with_an_empty_period)
{
	repo = fx_repo_shared("e2e-metrics-periods", PERIODS);
	const cJSON *doc = gv_json(repo->path, "--format", "json", "--period",
				   "month");
	cr_assert_eq(cJSON_GetArraySize(fx_get(doc, "series")), 3);
	const cJSON *e = period(doc, 0, "2024-01", "2024-01-01T00:00:00Z");
	/* January: 1 commit, v1.0 with its lead time 1 d */
	expect_stat(e, "commits", 1);
	expect_stat(e, "releases", 1);
	expect_stat(e, "lead_time.samples", 1);
	expect_stat(e, "lead_time.median_s", DAY);
	expect_rate(e, "change_failure_rate.rate", 0);
	/* February: nothing, with zeros and nulls */
	e = period(doc, 1, "2024-02", "2024-02-01T00:00:00Z");
	expect_stat(e, "commits", 0);
	expect_stat(e, "releases", 0);
	expect_stat(e, "lead_time.samples", 0);
	expect_stat(e, "lead_time.median_s", NUL_STAT);
	expect_rate(e, "change_failure_rate.rate", -1);
	expect_rate(e, "escaped_defect_rate.rate", -1);
	e = period(doc, 2, "2024-03", "2024-03-01T00:00:00Z");
	expect_stat(e, "fixes", 1);
	/* without --period there is no series */
	doc = gv_json(repo->path, "--format", "json");
	cr_expect_null(fx_get(doc, "series"));
}

Test(e2e_metrics, series_by_week_and_quarter)
{
	repo = fx_repo_shared("e2e-metrics-periods", PERIODS);
	/* Jan 10 is in 2024-W02 (from Mon Jan 8), Mar 21 in 2024-W12: 11
	 * weeks */
	const cJSON *doc = gv_json(repo->path, "--format", "json", "--period",
				   "week");
	cr_assert_eq(cJSON_GetArraySize(fx_get(doc, "series")), 11);
	period(doc, 0, "2024-W02", "2024-01-08T00:00:00Z");
	period(doc, 10, "2024-W12", "2024-03-18T00:00:00Z");
	doc = gv_json(repo->path, "--format", "json", "--period", "quarter");
	cr_assert_eq(cJSON_GetArraySize(fx_get(doc, "series")), 1);
	const cJSON *e = period(doc, 0, "2024-Q1", "2024-01-01T00:00:00Z");
	expect_stat(e, "releases", 2);
	expect_stat(e, "commits", 2);
	/* a window spans its periods even when empty: Jan .. Apr */
	doc = gv_json(repo->path, "--format", "json", "--period", "month",
		      "--since", "2024-01-01", "--until", "2024-05-01");
	cr_assert_eq(cJSON_GetArraySize(fx_get(doc, "series")), 4);
	e = period(doc, 3, "2024-04", "2024-04-01T00:00:00Z");
	expect_stat(e, "commits", 0);
	/* vitals.period in git config; a bad period is a usage error */
	cr_expect_eq(gv_status(repo->path, "--period", "day"), 1);
}

Test(e2e_metrics, hotfix_window_option_is_checked)
{
	repo = fx_repo_shared("e2e-metrics-periods", PERIODS);
	cr_expect_eq(gv_status(repo->path, "--hotfix-window", "soon"), 1);
	cr_expect_not_null(strstr(run.err, "--hotfix-window"));
}

Test(e2e_metrics, empty_repository_has_null_metrics)
{
	repo = fx_repo_new("");
	const cJSON *doc = gv_json(repo->path, "--format", "json", "--period",
				   "month");
	expect_stat(doc, "metrics.change_failure_rate.releases", 0);
	expect_rate(doc, "metrics.change_failure_rate.rate", -1);
	expect_level(doc, "change_failure_rate", NULL);
	expect_stat(doc, "metrics.time_to_restore.median_s", NUL_STAT);
	expect_rate(doc, "metrics.rollback_rate.rate", -1);
	expect_stat(doc, "metrics.security.exposure.median_s", NUL_STAT);
	cr_expect_eq(cJSON_GetArraySize(fx_get(doc, "series")), 0);
}

Test(e2e_metrics, hotfix_window_boundary_is_inclusive)
{
	/* v1.0 Jan 1 ships A; FA (Fixes: A) and B ship in v1.1 at exactly
	 * Jan 15 00:00, 14 days later: within the default window (<= 14 d),
	 * urgent; v1.1 holds B too, so it is no hotfix release */
	repo = fx_repo_new(HELPERS
		"c 'add a' 2023-12-31T00:00:00Z; lt x-A\n"
		"at v1.0 2024-01-01T00:00:00Z\n"
		"fixes 'fix a' $(git rev-parse x-A) 'add a' 2024-01-10T00:00:00Z; lt x-FA\n"
		"c 'add b' 2024-01-11T00:00:00Z\n"
		"at v1.1 2024-01-15T00:00:00Z\n");
	const cJSON *doc = gv_json(repo->path, "--format", "json");
	expect_failure(failures_of(doc, "v1.0", 1), 0, "x-A", "x-FA", "fixes", 1);
	/* one second shorter (13 d 23 h 59 min 59 s = 1209599 s): escaped */
	doc = gv_json(repo->path, "--format", "json", "--hotfix-window",
		      "1209599s");
	expect_failure(failures_of(doc, "v1.0", 1), 0, "x-A", "x-FA", "fixes", 0);
	expect_stat(doc, "metrics.change_failure_rate.failed", 0);
	expect_stat(doc, "metrics.escaped_defect_rate.escaped", 1);
	/* from git config */
	cr_assert_eq(fx_sh(NULL, repo->path,
			   "git config vitals.hotfixWindow 1209599s"), 0);
	doc = gv_json(repo->path, "--format", "json");
	expect_stat(doc, "metrics.change_failure_rate.failed", 0);
	/* the command line wins */
	doc = gv_json(repo->path, "--format", "json", "--hotfix-window", "2w");
	expect_stat(doc, "metrics.change_failure_rate.failed", 1);
}

Test(e2e_metrics, text_report_shows_the_bot_share_either_way)
{
	repo = fx_repo_shared("e2e-metrics-bots", BOTS);
	fx_run_free(&run);
	fx_gv(&run, repo->path, "--format", "text", NULL);
	cr_assert_eq(run.status, 0, "%s", run.err);
	/* 2 of 3 commits */
	cr_expect_not_null(strstr(run.out, "bots     2 commits (66.7%), counted"),
			   "%s", run.out);
	fx_run_free(&run);
	fx_gv(&run, repo->path, "--format", "text", "--exclude-bots", NULL);
	cr_assert_eq(run.status, 0, "%s", run.err);
	cr_expect_not_null(strstr(run.out, "bots     2 commits (66.7%), excluded"),
			   "%s", run.out);
}

/* ---- confidence tiers (issue: labels a reader can believe) ---- */

/* Three commits, each a different tier of fix: a title fix word (high),
 * a body fix word only (low), and a feature that closes an issue (none);
 * one possible security fix (vocabulary, low) and one named by its CVE. */
static const char TIERS[] =
	"c 'parser: fix a crash on empty input' 2024-01-01T00:00:00Z\n"
	"c \"$(printf 'parser: reject empty input\\n\\nIt crashed before.')\" "
	"2024-01-02T00:00:00Z\n"
	"c \"$(printf 'tool: add --retry-all\\n\\nCloses #100')\" "
	"2024-01-03T00:00:00Z\n"
	"c 'http: fix a heap buffer overflow in the header parser' "
	"2024-01-04T00:00:00Z\n"
	"c 'cookie: reject TLD cookies, CVE-2014-3620' 2024-01-05T00:00:00Z\n"
	"at v1.0 2024-01-06T00:00:00Z\n";

Test(e2e_metrics, only_the_counted_tier_counts_and_low_hits_are_possible)
{
	repo = fx_repo_new(TIERS);
	const cJSON *doc = gv_json(repo->path, "--format", "json");
	/* fixes: the crash (title), the overflow (title), the CVE commit
	 * ("reject" is no fix word; the id makes it security only) */
	expect_stat(doc, "counts.fixes", 2);
	expect_stat(doc, "counts.possible.fix", 1);
	expect_stat(doc, "counts.security", 1);
	expect_stat(doc, "counts.possible.security", 1);
	cr_assert_str_eq(fx_str(doc, "counts.min_confidence"), "high");
	expect_stat(doc, "metrics.security.patches", 1);

	doc = gv_json(repo->path, "--format", "json", "--min-confidence", "low");
	expect_stat(doc, "counts.fixes", 3);
	expect_stat(doc, "counts.possible.fix", 0);
	expect_stat(doc, "counts.security", 2);
	cr_assert_str_eq(fx_str(doc, "counts.min_confidence"), "low");
	expect_stat(doc, "metrics.security.patches", 2);

	/* git config, and the text report says what it counted */
	cr_assert_eq(fx_sh(NULL, repo->path,
			   "git config vitals.minConfidence low"), 0);
	doc = gv_json(repo->path, "--format", "json");
	expect_stat(doc, "counts.fixes", 3);
	fx_run_free(&run);
	fx_gv(&run, repo->path, "--format", "text", "--min-confidence", "high",
	      NULL);
	cr_assert_eq(run.status, 0, "%s", run.err);
	cr_assert_not_null(strstr(run.out, "fixes 2 (+1 possible)"), "%s",
			   run.out);
	cr_assert_not_null(strstr(run.out, "security 1 (+1 possible)"));
	cr_assert_eq(gv_status(repo->path, "--min-confidence", "medium"), 1);
	cr_assert_not_null(strstr(run.err, "--min-confidence 'medium': "
				  "expected high or low"), "%s", run.err);
}

Test(e2e_metrics, rules_are_switched_off_by_a_file_or_by_git_config)
{
	repo = fx_repo_new(TIERS);
	char *dir = fx_tmpdir(repo, "my-rules"), path[4096];

	snprintf(path, sizeof(path), "%s/local.rules", dir);
	cr_assert_eq(fx_sh(NULL, dir, "printf '%%s\\n' 'disable: fix-title' "
			   "'confidence: fix-keyword high' > local.rules"), 0);
	const cJSON *doc = gv_json(repo->path, "--format", "json",
				   "--rules-add", path);
	/* the title rule is off: "fix a crash" is no fix; the body word
	 * ("crashed") now counts; the overflow is a defect name of another
	 * rule, fix-title-defect-name, which is on */
	expect_stat(doc, "counts.fixes", 2);
	expect_stat(doc, "counts.possible.fix", 0);

	fx_run_free(&run);
	fx_gv(&run, repo->path, "rules", "show", "--rules-add", path, NULL);
	cr_assert_eq(run.status, 0, "%s", run.err);
	cr_assert_not_null(strstr(run.out, "# disabled by "), "%s", run.out);
	cr_assert_not_null(strstr(run.out, "disable: fix-title\n"));
	cr_assert_not_null(strstr(run.out, "# confidence set by "));

	cr_assert_eq(fx_sh(NULL, repo->path, "git config vitals.disableRules "
			   "'fix-title, fix-title-defect-name, sec-cve'"), 0);
	doc = gv_json(repo->path, "--format", "json");
	expect_stat(doc, "counts.fixes", 0);
	expect_stat(doc, "counts.security", 0);
	fx_run_free(&run);
	fx_gv(&run, repo->path, "rules", "show", NULL);
	cr_assert_not_null(strstr(run.out, "# disabled by git config "
				  "vitals.disableRules\n[rule fix-title]"),
			   "%s", run.out);

	/* a misspelt id is an error naming where it came from */
	cr_assert_eq(fx_sh(NULL, repo->path, "git config vitals.disableRules "
			   "fix-titel"), 0);
	cr_assert_eq(gv_status(repo->path, "--format", "json"), 2);
	cr_assert_not_null(strstr(run.err, "git config vitals.disableRules: "
				  "unknown rule 'fix-titel'"), "%s", run.err);
	free(dir);
}

/* ---- the text report at a glance (issue 13) ---- */

/* A line of stdout that starts with `prefix` (after the indent), or NULL. */
static const char *line_with(const char *out, const char *text)
{
	const char *p = strstr(out, text);
	return p;
}

Test(e2e_metrics, text_report_reads_at_a_glance)
{
	repo = fx_repo_shared("e2e-metrics-failures", FAILURES);
	char *d = sha_of("x-D"), *fd = sha_of("x-FD"), *rv = sha_of("x-RV");
	char want[256];

	fx_run_free(&run);
	fx_gv(&run, repo->path, "--format", "text", "--period", "quarter",
	      "--fail-if", "time_to_restore > 2d", NULL);
	/* the gate fires: exit 4 after the report */
	cr_assert_eq(run.status, 4, "%s", run.err);
	/* real dates: the oldest commit (a, Jan 1) to the newest (RR, Jun 10) */
	cr_expect_not_null(line_with(run.out, "  window   2024-01-01 (oldest "
				     "commit) .. 2024-06-10 (newest commit)\n"),
			   "%s", run.out);
	/* the series as a table: Q1 holds a b RV c d FD e FE f g H = 11
	 * commits, v1.0 .. v1.5 = 7 releases of which v1.0 v1.1 v1.2 v1.3
	 * failed (4/7 = 57%), fixes FD FE H, the revert RV; lead medians
	 * 1 d. Q2: FA I RR, v1.6 v1.7 (0 failed), fix FA, revert RR. */
	cr_expect_not_null(line_with(run.out, "  2024-Q1        11        7      3"
				     "       1        0        1d 0h    57%\n"),
			   "%s", run.out);
	cr_expect_not_null(line_with(run.out, "  2024-Q2         3        2      1"
				     "       1        0        1d 0h     0%\n"),
			   "%s", run.out);
	/* failed releases: short ids with subjects */
	snprintf(want, sizeof(want), "      culprit   %.12s  add d\n"
		 "      fixed     %.12s  fix d\n", d, fd);
	cr_expect_not_null(line_with(run.out, want), "%s\n%s", want, run.out);
	snprintf(want, sizeof(want), "      culprit   %.12s  Revert \"add b\"\n", rv);
	cr_expect_not_null(line_with(run.out, want), "%s", run.out);
	/* restore times 2 d, 35 d, 9 d: median 9 d, printed in days as the
	 * gate was written */
	cr_expect_not_null(line_with(run.out, "    FAILED time_to_restore > 2d "
				     "(value 9d)\n"), "%s", run.out);
	cr_expect_not_null(strstr(run.err, "gate failed: time_to_restore > 2d "
				  "(value 9d)"), "%s", run.err);
	/* piped: no colour */
	cr_expect_null(strchr(run.out, '\033'));
	free(d);
	free(fd);
	free(rv);
}

Test(e2e_metrics, window_ending_before_it_starts_is_a_usage_error)
{
	repo = fx_repo_shared("e2e-metrics-failures", FAILURES);
	cr_expect_eq(gv_status(repo->path, "--since", "2025", "--until", "2024"), 1);
	cr_expect_not_null(strstr(run.err, "git-vitals: --since '2025' is not "
				  "before --until '2024'"), "%s", run.err);
	/* a bare year is its first day */
	const cJSON *doc = gv_json(repo->path, "--format", "json", "--since",
				   "2024", "--until", "2025");
	cr_expect_str_eq(fx_str(doc, "window.since"), "2024-01-01T00:00:00Z");
}

/* No tag is a release: the report says so, names the shapes it saw (most
 * common first: build-N twice, nightly.x once) and a pattern that works. */
Test(e2e_metrics, no_release_names_the_tag_shapes_and_a_pattern)
{
	repo = fx_repo_new("c a 2024-01-01T00:00:00Z; lt build-41\n"
			   "c b 2024-01-02T00:00:00Z; lt build-42; lt nightly.x\n");
	fx_run_free(&run);
	fx_gv(&run, repo->path, "--format", "text", NULL);
	cr_assert_eq(run.status, 0, "%s", run.err);
	cr_expect_not_null(strstr(run.out, "  no release: no tag matches the "
				  "release pattern; tags seen like\n"
				  "    build-N nightly.x\n"
				  "  try --release-pattern '^build-[0-9]'\n"),
			   "%s", run.out);
	const cJSON *doc = gv_json(repo->path, "--format", "json",
				   "--release-pattern", "^build-[0-9]");
	cr_expect_eq(cJSON_GetArraySize(fx_get(doc, "releases")), 2);
}

/* Colour on a terminal (script(1) gives the run one), none with NO_COLOR
 * or when piped: lead time is high (green), the failure rate low (red). */
Test(e2e_metrics, text_is_coloured_on_a_terminal_unless_no_color)
{
	char *out = NULL;

	repo = fx_repo_shared("e2e-metrics-failures", FAILURES);
	cr_assert_eq(fx_sh(&out, repo->path, "script -qec \"'%s' --format text\" "
			   "/dev/null", fx_bin()), 0, "%s", out);
	cr_expect_not_null(strstr(out, "\033[32mhigh\033[0m"), "%s", out);
	cr_expect_not_null(strstr(out, "\033[31mlow\033[0m"), "%s", out);
	free(out);
	out = NULL;
	cr_assert_eq(fx_sh(&out, repo->path, "NO_COLOR=1 script -qec \"'%s' "
			   "--format text\" /dev/null", fx_bin()), 0, "%s", out);
	cr_expect_null(strchr(out, '\033'), "%s", out);
	free(out);
}
