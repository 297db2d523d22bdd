/*
 * test_e2e_copies.c - whole-program runs for "Changes, not copies" (issue
 * 12): a main line and a release branch that copies two of its fixes, one
 * with `git cherry-pick -x`, one with a plain `git cherry-pick`. Every
 * expected number is worked out by hand next to it; all dates are 2024,
 * 00:00:00Z unless shown.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

#define DAY INT64_C(86400)
#define HOUR INT64_C(3600)

FX_SUITE(e2e_copies);

#define gv_json(cwd, ...) \
	fx_gv_json_argv(&run, cwd, (const char *const[]){ __VA_ARGS__, NULL })


/* The fixture. refs/tags/x-NAME name commits (not releases: no version).
 *
 *   main                                   maint (from S)
 *   Jan 1  S  start
 *   v1.0   Jan 2 (annotated)               ships S
 *   Jan 5  P  Fix crash in parser (CVE-2024-1234)
 *   Jan 6  L  Fix leak in cache
 *   Jan 7  F  Add feature
 *                                          Jan 8  XP  cherry-pick -x P
 *                                          Jan 9  CL  cherry-pick L
 *                                          v1.0.1 Jan 10: ships XP, CL
 *   Jan 20 RL Revert "Fix leak in cache" (This reverts commit L)
 *   Feb 1  G  More work
 *   v1.1   Feb 1 12:00                     ships P, L, F, RL, G
 *
 * A cherry-pick keeps the author and the author date: XP is authored Jan 5,
 * CL Jan 6. */
static const char COPIES[] =
	"pick() { GIT_COMMITTER_DATE=\"$2\" git cherry-pick $3 --allow-empty "
	"--keep-redundant-commits \"$1\" >/dev/null; }\n"
	"c 'start' 2024-01-01T00:00:00Z; lt x-S\n"
	"at v1.0 2024-01-02T00:00:00Z\n"
	"c 'Fix crash in parser (CVE-2024-1234)' 2024-01-05T00:00:00Z; lt x-P\n"
	"c 'Fix leak in cache' 2024-01-06T00:00:00Z; lt x-L\n"
	"c 'Add feature' 2024-01-07T00:00:00Z; lt x-F\n"
	"git checkout -q -b maint x-S\n"
	"pick x-P 2024-01-08T00:00:00Z -x; lt x-XP\n"
	"pick x-L 2024-01-09T00:00:00Z; lt x-CL\n"
	"at v1.0.1 2024-01-10T00:00:00Z\n"
	"git checkout -q main\n"
	"c \"$(printf 'Revert \"Fix leak in cache\"\\n\\nThis reverts commit "
	"%s.' $(git rev-parse x-L))\" 2024-01-20T00:00:00Z; lt x-RL\n"
	"c 'More work' 2024-02-01T00:00:00Z; lt x-G\n"
	"at v1.1 2024-02-01T12:00:00Z\n";

static const cJSON *report(const char *extra)
{
	repo = fx_repo_shared("e2e-copies", COPIES);
	if (extra)
		return gv_json(repo->path, "--all", "--commits", "--format",
			       "json", extra);
	return gv_json(repo->path, "--all", "--commits", "--format", "json");
}

/* The commit entry of the commit tagged x-NAME. */
static const cJSON *commit_of(const cJSON *doc, const char *name)
{
	char tag[32];
	char *sha;
	const cJSON *c;

	snprintf(tag, sizeof(tag), "x-%s", name);
	sha = fx_rev(repo, tag);
	c = fx_find(doc, "commits", "sha", sha);
	cr_assert_not_null(c, "no commit %s in the list", name);
	free(sha);
	return c;
}

static void expect_copy_of(const cJSON *doc, const char *name,
			   const char *of)
{
	const cJSON *c = commit_of(doc, name);
	char tag[32], *sha;

	if (!of) {
		cr_expect_null(fx_get(c, "copy_of"), "%s has a copy_of", name);
		return;
	}
	snprintf(tag, sizeof(tag), "x-%s", of);
	sha = fx_rev(repo, tag);
	cr_expect(cJSON_IsString(fx_get(c, "copy_of")) &&
			  !strcmp(fx_str(c, "copy_of"), sha),
		  "%s should be a copy of %s", name, of);
	free(sha);
}

static void expect_release(const cJSON *doc, const char *name,
			   const char *tag, int64_t lead)
{
	const cJSON *c = commit_of(doc, name);

	cr_expect_str_eq(fx_str(c, "release"), tag, "%s: release", name);
	cr_expect_eq(fx_int(c, "lead_time_s"), lead, "%s: lead %lld, want %lld",
		     name, (long long)fx_int(c, "lead_time_s"), (long long)lead);
}

Test(e2e_copies, cherry_picks_are_copies_of_the_earliest_commit)
{
	const cJSON *doc = report(NULL);

	/* XP names P in "(cherry picked from commit P)"; CL shares L's
	 * author, author date and subject. P and L were committed first. */
	expect_copy_of(doc, "XP", "P");
	expect_copy_of(doc, "CL", "L");
	expect_copy_of(doc, "P", NULL);
	expect_copy_of(doc, "L", NULL);
	expect_copy_of(doc, "F", NULL);
	cr_expect_eq(fx_int(doc, "counts.copies"), 2);
	cr_expect_eq(fx_int(doc, "counts.commits"), 8);
}

Test(e2e_copies, a_change_is_first_released_by_its_earliest_copy)
{
	const cJSON *doc = report(NULL);

	/* P and L are in v1.1 (Feb 1 12:00) only, their copies in v1.0.1
	 * (Jan 10): the change of each ships first in v1.0.1, and every
	 * copy says so. P: Jan 10 - Jan 5 = 5 days; L: Jan 10 - Jan 6 = 4. */
	expect_release(doc, "P", "v1.0.1", 5 * DAY);
	expect_release(doc, "XP", "v1.0.1", 5 * DAY);
	expect_release(doc, "L", "v1.0.1", 4 * DAY);
	expect_release(doc, "CL", "v1.0.1", 4 * DAY);
	/* F: Feb 1 12:00 - Jan 7 = 25.5 days */
	expect_release(doc, "F", "v1.1", 25 * DAY + 12 * HOUR);
}

Test(e2e_copies, lead_time_has_one_sample_per_change)
{
	const cJSON *doc = report(NULL);

	/* Changes: S 1 day (Jan 2 - Jan 1); P+XP 5 days; L+CL 4 days; F
	 * 25.5 days; RL 12.5 days (Feb 1 12:00 - Jan 20); G 12 hours.
	 * Sorted: 0.5 1 4 5 12.5 25.5 (days): 6 samples, the median at rank
	 * ceil(3) = 3 is 4 days, p75 at rank ceil(4.5) = 5 is 12.5 days,
	 * p90 at rank ceil(5.4) = 6 is 25.5 days; the mean is 48.5 / 6 =
	 * 8.0833 days = 698400 s. */
	cr_expect_eq(fx_int(doc, "metrics.lead_time.samples"), 6);
	cr_expect_eq(fx_int(doc, "metrics.lead_time.median_s"), 4 * DAY);
	cr_expect_eq(fx_int(doc, "metrics.lead_time.p75_s"), 12 * DAY + 12 * HOUR);
	cr_expect_eq(fx_int(doc, "metrics.lead_time.p90_s"), 25 * DAY + 12 * HOUR);
	cr_expect_eq(fx_int(doc, "metrics.lead_time.mean_s"), 698400);
}

Test(e2e_copies, a_revert_of_the_original_fails_the_release_that_shipped_a_copy)
{
	const cJSON *doc = report(NULL);
	const cJSON *r = fx_find(doc, "releases", "tag", "v1.0.1"), *f;
	char *l = fx_rev(repo, "x-L"), *rl = fx_rev(repo, "x-RL");

	/* RL reverts L; L's change first shipped in v1.0.1 (as CL), and
	 * v1.0.1 does not ship RL: v1.0.1 failed, urgently (a revert). Of
	 * 3 releases, 1 failed; restored by v1.1, the first release of RL:
	 * Feb 1 12:00 - Jan 10 = 22.5 days. */
	cr_assert_not_null(r);
	f = fx_get(r, "failures");
	cr_assert_eq(cJSON_GetArraySize(f), 1);
	cr_expect_str_eq(fx_str(cJSON_GetArrayItem(f, 0), "culprit"), l);
	cr_expect_str_eq(fx_str(cJSON_GetArrayItem(f, 0), "remediation"), rl);
	cr_expect(cJSON_IsTrue(fx_get(cJSON_GetArrayItem(f, 0), "urgent")));
	cr_expect_eq(cJSON_GetArraySize(fx_get(fx_find(doc, "releases", "tag",
						       "v1.1"), "failures")), 0);
	cr_expect_eq(fx_int(doc, "metrics.change_failure_rate.failed"), 1);
	cr_expect_eq(fx_int(doc, "metrics.change_failure_rate.releases"), 3);
	cr_expect_eq(fx_int(doc, "metrics.time_to_restore.median_s"),
		     22 * DAY + 12 * HOUR);
	free(l);
	free(rl);
}

Test(e2e_copies, a_security_fix_and_its_copy_are_one_patch)
{
	const cJSON *doc = report(NULL);

	/* P and XP name CVE-2024-1234: one patch, one vulnerability; its
	 * fix to release from P (Jan 5, the older copy) to the change's
	 * first release v1.0.1 (Jan 10): 5 days. */
	cr_expect_eq(fx_int(doc, "metrics.security.patches"), 1);
	cr_expect_eq(fx_int(doc, "metrics.security.fix_to_release.samples"), 1);
	cr_expect_eq(fx_int(doc, "metrics.security.fix_to_release.median_s"),
		     5 * DAY);
	cr_expect_eq(cJSON_GetArraySize(fx_get(doc,
			"metrics.security.vulnerabilities")), 1);
	/* the commits are still counted as commits */
	cr_expect_eq(fx_int(doc, "counts.security"), 2);
}

/* With copies off, each commit is its own change: the numbers before. */
static void expect_no_copies(const cJSON *doc)
{
	const cJSON *r = fx_find(doc, "releases", "tag", "v1.0.1");

	expect_copy_of(doc, "XP", NULL);
	expect_copy_of(doc, "CL", NULL);
	cr_expect_eq(fx_int(doc, "counts.copies"), 0);
	/* P: Feb 1 12:00 - Jan 5 = 27.5 days; XP: Jan 10 - Jan 5 = 5 */
	expect_release(doc, "P", "v1.1", 27 * DAY + 12 * HOUR);
	expect_release(doc, "XP", "v1.0.1", 5 * DAY);
	/* 8 samples: 0.5 1 4 (CL) 5 (XP) 12.5 25.5 26.5 (L) 27.5 (P);
	 * the median at rank 4 is 5 days */
	cr_expect_eq(fx_int(doc, "metrics.lead_time.samples"), 8);
	cr_expect_eq(fx_int(doc, "metrics.lead_time.median_s"), 5 * DAY);
	/* L first ships in v1.1, which ships RL too: no failure */
	cr_expect_eq(cJSON_GetArraySize(fx_get(r, "failures")), 0);
	cr_expect_eq(fx_int(doc, "metrics.change_failure_rate.failed"), 0);
	cr_expect_eq(fx_int(doc, "metrics.security.patches"), 2);
}

Test(e2e_copies, no_copies_counts_each_commit)
{
	expect_no_copies(report("--no-copies"));
}

Test(e2e_copies, git_config_copies_false_is_no_copies)
{
	repo = fx_repo_new(COPIES);
	cr_assert_eq(fx_sh(NULL, repo->path, "git config vitals.copies false"), 0);
	expect_no_copies(gv_json(repo->path, "--all", "--commits", "--format",
				 "json"));
	/* a typo is an input error, not a silent default */
	cr_assert_eq(fx_sh(NULL, repo->path, "git config vitals.copies maybe"), 0);
	fx_run_free(&run);
	fx_gv(&run, repo->path, "--format", "json", NULL);
	cr_expect_eq(run.status, 2, "exit %d", run.status);
}

Test(e2e_copies, the_warm_cache_keeps_the_copies)
{
	char *cache;
	char *cold;

	repo = fx_repo_new(COPIES);
	cache = fx_tmpdir(repo, "cache");
	gv_json(repo->path, "--all", "--commits", "--format", "json",
		"--cache", cache);
	cold = strdup(run.out);
	cr_assert_not_null(cold);
	/* the second run restores every commit from the cache */
	gv_json(repo->path, "--all", "--commits", "--format", "json",
		"--cache", cache);
	cr_expect_eq(fx_int(run.json, "counts.copies"), 2);
	cr_expect_str_eq(run.out, cold);
	free(cold);
	free(cache);
}

/* Merges that share author, time and subject are no copies: two bare
 * merges of one topic into two branches, the same second. */
Test(e2e_copies, merges_are_not_copies_by_identity)
{
	const cJSON *doc;

	repo = fx_repo_new(
		"c 'start' 2024-01-01T00:00:00Z\n"
		"git checkout -q -b topic\n"
		"c 'topic work' 2024-01-02T00:00:00Z\n"
		"git checkout -q -b other main\n"
		"c 'other work' 2024-01-02T00:00:00Z\n"
		"m topic 2024-01-03T00:00:00Z 'Merge topic'\n"
		"git checkout -q main\n"
		"m topic 2024-01-03T00:00:00Z 'Merge topic'\n");
	doc = gv_json(repo->path, "--all", "--commits", "--format", "json");
	/* 5 commits, 2 of them merges with one identity: no copies */
	cr_expect_eq(fx_int(doc, "counts.commits"), 5);
	cr_expect_eq(fx_int(doc, "counts.merges"), 2);
	cr_expect_eq(fx_int(doc, "counts.copies"), 0);
}

/* A change reverted and then landed again by cherry-picking it keeps its
 * identity, but it is a new delivery: its release is its own, and a
 * revert of it fails that release, not the first one.
 *
 *   Jan 1  S   start;                      v1.0 Jan 2
 *   Jan 5  A   Add fast path;              v1.1 Jan 6   ships A
 *   Jan 10 RA  Revert "Add fast path" (A); v1.2 Jan 11
 *   Jan 15 A2  cherry-pick A (author date Jan 5 kept); v1.3 Jan 16
 *   Jan 20 RA2 Revert "Add fast path" (A2); v1.4 Jan 21 */
Test(e2e_copies, a_change_landed_again_after_its_revert_is_no_copy)
{
	const cJSON *doc;

	repo = fx_repo_new(
		"pick() { GIT_COMMITTER_DATE=\"$2\" git cherry-pick --allow-empty "
		"--keep-redundant-commits \"$1\" >/dev/null; }\n"
		"rv() { c \"$(printf 'Revert \"Add fast path\"\\n\\nThis reverts "
		"commit %s.' $(git rev-parse $1))\" $2; }\n"
		"c 'start' 2024-01-01T00:00:00Z\n"
		"at v1.0 2024-01-02T00:00:00Z\n"
		"c 'Add fast path' 2024-01-05T00:00:00Z; lt x-A\n"
		"at v1.1 2024-01-06T00:00:00Z\n"
		"rv x-A 2024-01-10T00:00:00Z\n"
		"at v1.2 2024-01-11T00:00:00Z\n"
		"pick x-A 2024-01-15T00:00:00Z; lt x-A2\n"
		"at v1.3 2024-01-16T00:00:00Z\n"
		"rv x-A2 2024-01-20T00:00:00Z\n"
		"at v1.4 2024-01-21T00:00:00Z\n");
	doc = gv_json(repo->path, "--all", "--commits", "--format", "json");
	expect_copy_of(doc, "A2", NULL);
	cr_expect_eq(fx_int(doc, "counts.copies"), 0);
	/* A2 ships in v1.3: Jan 16 - Jan 5 (its author date) = 11 d */
	expect_release(doc, "A2", "v1.3", 11 * DAY);
	expect_release(doc, "A", "v1.1", 1 * DAY);
	/* v1.1 (A reverted) and v1.3 (A2 reverted) failed, of 5 releases;
	 * as one change, v1.3's failure would have been v1.1's again */
	cr_expect_eq(fx_int(doc, "metrics.change_failure_rate.failed"), 2);
	cr_expect_eq(fx_int(doc, "metrics.change_failure_rate.releases"), 5);
}

/* The text report says how many commits are copies where it counts
 * commits: the fixture's XP and CL. */
Test(e2e_copies, the_text_report_says_how_many_commits_are_copies)
{
	repo = fx_repo_shared("e2e-copies", COPIES);
	fx_gv(&run, repo->path, "--all", "--format", "text", NULL);
	cr_assert_eq(run.status, 0, "exit %d: %s", run.status, run.err);
	cr_expect(strstr(run.out, "  commits  8 (0 merges; 2 are copies of "
			 "earlier commits, counted with them)\n") != NULL,
		  "%s", run.out);
	fx_run_free(&run);
	fx_gv(&run, repo->path, "--all", "--format", "text", "--no-copies",
	      NULL);
	cr_expect(strstr(run.out, "  commits  8 (0 merges)\n") != NULL, "%s",
		  run.out);
}
