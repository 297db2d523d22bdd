/*
 * test_e2e_core.c - whole-program runs of git-vitals on fixture repositories
 * (issue 3: history, releases, lead time, deployment frequency, reports, CLI).
 *
 * Every expected number is worked out by hand from the fixture's fixed dates;
 * the comment next to it shows the arithmetic. Dn below means the fixture's
 * date 2024-01-(n+1)T00:00:00Z, so Dn - Dm = (n - m) days, and a day is
 * 86400 s. Fixtures that no test writes to are shared between the tests of a
 * suite (fx_repo_shared); those that need git config get their own copy.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "fixture.h"

#define DAY INT64_C(86400)
#define HOUR INT64_C(3600)
#define NUL_STAT INT64_MIN /* expect JSON null */

static fx_repo *repo;
static fx_run run;

/* What a test allocates is handed to own()/own_json() and freed in the
 * .fini, so a failing assertion (which ends the test at once) leaks nothing
 * under ASan either. */
static void *owned[64];
static cJSON *owned_json[8];
static size_t nowned, nowned_json;

static void *own(void *p)
{
	cr_assert_not_null(p, "out of memory");
	cr_assert_lt(nowned, sizeof(owned) / sizeof(*owned));
	owned[nowned++] = p;
	return p;
}

static cJSON *own_json(cJSON *j)
{
	cr_assert_not_null(j, "no JSON");
	cr_assert_lt(nowned_json, sizeof(owned_json) / sizeof(*owned_json));
	owned_json[nowned_json++] = j;
	return j;
}

static void teardown(void)
{
	while (nowned)
		free(owned[--nowned]);
	while (nowned_json)
		cJSON_Delete(owned_json[--nowned_json]);
	fx_run_free(&run);
	fx_repo_free(repo);
	repo = NULL;
}

/* A suite whose tests share one read-only fixture repository built from
 * `script` (once per run of the test runner). */
#define SHARED_SUITE(suite, script)                                  \
	static void setup_##suite(void)                              \
	{                                                            \
		repo = fx_repo_shared(#suite, script);               \
	}                                                            \
	TestSuite(suite, .init = setup_##suite, .fini = teardown)

/* Runs git-vitals with the arguments, expects exit 0 and a JSON document. */
#define gv_json(cwd, ...) \
	fx_gv_json_argv(&run, cwd, (const char *const[]){ __VA_ARGS__, NULL })


/* Runs git-vitals and returns the exit status (output in `run`). */
#define gv_status(cwd, ...) \
	gv_status_argv(cwd, (const char *const[]){ __VA_ARGS__, NULL })

static int gv_status_argv(const char *cwd, const char *const *argv)
{
	fx_run_free(&run);
	fx_gv_argv(&run, cwd, argv);
	return run.status;
}

static void expect_releases(const cJSON *doc, int n)
{
	const cJSON *rel = fx_get(doc, "releases");
	cr_assert(cJSON_IsArray(rel), "releases is not an array");
	cr_assert_eq(cJSON_GetArraySize(rel), n, "want %d releases, got %d",
		     n, cJSON_GetArraySize(rel));
	cr_expect_eq(fx_int(doc, "counts.releases"), n);
}

/* releases[i] is `tag` at the commit `rev` (NULL: not checked), released at
 * `time`, first release of `new_commits` commits. */
static void expect_release(const cJSON *doc, int i, const char *tag,
			   const char *rev, const char *time,
			   int64_t new_commits)
{
	char path[32];
	snprintf(path, sizeof(path), "releases.%d", i);
	const cJSON *r = fx_get(doc, path);
	cr_assert_not_null(r, "no releases[%d] (want %s)", i, tag);
	cr_expect_str_eq(fx_str(r, "tag"), tag, "releases[%d]", i);
	if (rev) {
		char *sha = own(fx_rev(repo, rev));
		cr_expect_str_eq(fx_str(r, "commit"), sha, "%s: commit", tag);
	}
	cr_expect_str_eq(fx_str(r, "time"), time, "%s: time", tag);
	cr_expect_eq(fx_int(r, "new_commits"), new_commits,
		     "%s: new_commits %lld, want %lld", tag,
		     (long long)fx_int(r, "new_commits"),
		     (long long)new_commits);
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
			     path, (long long)fx_int(doc, path),
			     (long long)want);
}

static void expect_lead(const cJSON *doc, int64_t samples, int64_t unreleased,
			int64_t clamped, int64_t median, int64_t p75,
			int64_t p90, int64_t mean)
{
	expect_stat(doc, "metrics.lead_time.samples", samples);
	expect_stat(doc, "metrics.lead_time.unreleased", unreleased);
	expect_stat(doc, "metrics.lead_time.clamped", clamped);
	expect_stat(doc, "metrics.lead_time.median_s", median);
	expect_stat(doc, "metrics.lead_time.p75_s", p75);
	expect_stat(doc, "metrics.lead_time.p90_s", p90);
	expect_stat(doc, "metrics.lead_time.mean_s", mean);
}

/* days < 0: days and per_week must be null. */
static void expect_df(const cJSON *doc, int64_t releases, double days,
		      double per_week)
{
	expect_stat(doc, "metrics.deployment_frequency.releases", releases);
	if (days < 0) {
		cr_expect(fx_is_null(doc, "metrics.deployment_frequency.days"),
			  "days should be null");
		cr_expect(fx_is_null(doc,
				     "metrics.deployment_frequency.per_week"),
			  "per_week should be null");
		return;
	}
	double d = fx_num(doc, "metrics.deployment_frequency.days");
	double w = fx_num(doc, "metrics.deployment_frequency.per_week");
	cr_expect(fabs(d - days) < 1e-9, "days %.17g, want %.17g", d, days);
	cr_expect(fabs(w - per_week) < 1e-9, "per_week %.17g, want %.17g", w,
		  per_week);
}

static void expect_counts(const cJSON *doc, int64_t commits, int64_t merges)
{
	expect_stat(doc, "counts.commits", commits);
	expect_stat(doc, "counts.merges", merges);
}

/* The entry of `commits` for `rev`: release tag (NULL: null), lead time
 * (NUL_STAT: null), merge flag. */
static void expect_commit(const cJSON *doc, const char *rev,
			  const char *release, int64_t lead, int merge)
{
	char *sha = own(fx_rev(repo, rev));
	const cJSON *c = fx_find(doc, "commits", "sha", sha);
	cr_assert_not_null(c, "%s (%s) is not in commits", rev, sha);
	if (release)
		cr_expect(cJSON_IsString(fx_get(c, "release")) &&
				  strcmp(fx_str(c, "release"), release) == 0,
			  "%s: release should be %s", rev, release);
	else
		cr_expect(fx_is_null(c, "release"), "%s: release not null",
			  rev);
	expect_stat(c, "lead_time_s", lead);
	cr_expect(cJSON_IsBool(fx_get(c, "merge")) &&
			  cJSON_IsTrue(fx_get(c, "merge")) == merge,
		  "%s: merge should be %d", rev, merge);
}

/* commits[i].sha is the id of rev. */
static void expect_commit_at(const cJSON *doc, int i, const char *rev)
{
	char path[32];
	snprintf(path, sizeof(path), "commits.%d.sha", i);
	char *sha = own(fx_rev(repo, rev));
	cr_expect_str_eq(fx_str(doc, path), sha, "commits[%d] should be %s", i,
			 rev);
}

static const cJSON *warning(const cJSON *doc, const char *code)
{
	return fx_find(doc, "warnings", "code", code);
}

/*
 * A maintenance branch. Dates (committer = author):
 *
 *   alpha D1 -- bravo D2 [v1.0 annotated D3] -- charlie D6 -- M D7 -- delta D8
 *      \            \                                      /   [v1.1 at D9]
 *       \            foxtrot D4 [v1.0.1 annotated D5] ----'        -- echo D10
 *        golf D2.5 [v0.9.9 lightweight: golf's committer date D2.5]
 *
 * main = alpha bravo foxtrot charlie M delta echo (M merges maint --no-ff);
 * branch old = alpha golf is not reachable from HEAD.
 */
static const char MAINT[] =
	"c alpha 2024-01-02T00:00:00Z\n"
	"c bravo 2024-01-03T00:00:00Z\n"
	"at v1.0 2024-01-04T00:00:00Z\n"
	"git checkout -q -b old HEAD~1\n"
	"c golf 2024-01-03T12:00:00Z\n"
	"lt v0.9.9\n"
	"git checkout -q -b maint v1.0\n"
	"c foxtrot 2024-01-05T00:00:00Z\n"
	"at v1.0.1 2024-01-06T00:00:00Z\n"
	"git checkout -q main\n"
	"c charlie 2024-01-07T00:00:00Z\n"
	"m maint 2024-01-08T00:00:00Z merge-maint\n"
	"c delta 2024-01-09T00:00:00Z\n"
	"at v1.1 2024-01-10T00:00:00Z\n"
	"c echo 2024-01-11T00:00:00Z\n"
	"mkdir sub && : > sub/.keep\n";

SHARED_SUITE(maint, MAINT);

Test(maint, releases_are_listed_oldest_first_including_unreachable_ones)
{
	const cJSON *doc = gv_json(repo->path, "--format", "json", repo->path);
	/* Oldest first: v0.9.9 D2.5, v1.0 D3, v1.0.1 D5, v1.1 D9. Visiting
	 * them in that order and marking unmarked ancestors:
	 *   v0.9.9: golf, alpha          -> 2
	 *   v1.0:   bravo (alpha marked) -> 1
	 *   v1.0.1: foxtrot              -> 1
	 *   v1.1:   delta, M, charlie    -> 3   (echo stays unreleased) */
	expect_releases(doc, 4);
	expect_release(doc, 0, "v0.9.9", "old", "2024-01-03T12:00:00Z", 2);
	expect_release(doc, 1, "v1.0", "v1.0^{commit}", "2024-01-04T00:00:00Z",
		       1);
	expect_release(doc, 2, "v1.0.1", "maint", "2024-01-06T00:00:00Z", 1);
	expect_release(doc, 3, "v1.1", "v1.1^{commit}", "2024-01-10T00:00:00Z",
		       3);
}

Test(maint, first_release_crosses_maintenance_branch)
{
	const cJSON *doc = gv_json(repo->path, "--format", "json", "--commits",
				   repo->path);
	/* foxtrot is in v1.0.1 (D5) and, through the merge, in v1.1 (D9):
	 * the earliest wins, lead = D5 - D4 = 86400. */
	expect_commit(doc, ":/foxtrot", "v1.0.1", DAY, 0);
	/* alpha's first release is v0.9.9 on branch old, which HEAD does not
	 * reach: D2.5 - D1 = 1.5 days = 129600. */
	expect_commit(doc, ":/alpha", "v0.9.9", 129600, 0);
	expect_commit(doc, ":/bravo", "v1.0", DAY, 0);     /* D3 - D2 */
	expect_commit(doc, ":/charlie", "v1.1", 3 * DAY, 0); /* D9 - D6 */
	expect_commit(doc, ":/delta", "v1.1", DAY, 0);     /* D9 - D8 */
	expect_commit(doc, ":/echo", NULL, NUL_STAT, 0);
	/* golf is not reachable from HEAD: not a commit of the report. */
	char *golf = own(fx_rev(repo, "old"));
	cr_expect_null(fx_find(doc, "commits", "sha", golf));
}

Test(maint, merges_are_excluded_from_lead_time)
{
	const cJSON *doc = gv_json(repo->path, "--format", "json", "--commits",
				   repo->path);
	/* HEAD reaches alpha bravo foxtrot charlie M delta echo: 7, 1 merge. */
	expect_counts(doc, 7, 1);
	/* The merge has a release but no lead time. */
	expect_commit(doc, ":/merge-maint", "v1.1", NUL_STAT, 1);
	/* Samples: the 5 released non-merges (echo is unreleased):
	 *   sorted 86400 86400 86400 129600 259200 (n = 5)
	 *   median rank ceil(2.5) = 3 -> 86400
	 *   p75    rank ceil(3.75) = 4 -> 129600
	 *   p90    rank ceil(4.5) = 5 -> 259200
	 *   mean   (3 * 86400 + 129600 + 259200) / 5 = 648000 / 5 = 129600 */
	expect_lead(doc, 5, 1, 0, 86400, 129600, 259200, 129600);
}

Test(maint, commits_are_listed_newest_first)
{
	const cJSON *doc = gv_json(repo->path, "--format", "json", "--commits",
				   repo->path);
	cr_assert_eq(cJSON_GetArraySize(fx_get(doc, "commits")), 7);
	/* By committer time: echo D10, delta D8, M D7, charlie D6,
	 * foxtrot D4, bravo D2, alpha D1. */
	static const char *const order[] = { ":/echo", ":/delta",
					     ":/merge-maint", ":/charlie",
					     ":/foxtrot", ":/bravo", ":/alpha" };
	for (int i = 0; i < 7; i++)
		expect_commit_at(doc, i, order[i]);
	cr_expect_str_eq(fx_str(doc, "commits.0.author_time"),
			 "2024-01-11T00:00:00Z");
	cr_expect_str_eq(fx_str(doc, "commits.0.commit_time"),
			 "2024-01-11T00:00:00Z");
}

Test(maint, commits_list_only_with_the_option)
{
	const cJSON *doc = gv_json(repo->path, "--format", "json", repo->path);
	cr_expect_null(fx_get(doc, "commits"));
}

Test(maint, deployment_frequency_spans_first_release_to_newest_commit)
{
	const cJSON *doc = gv_json(repo->path, "--format", "json", repo->path);
	/* start = first release v0.9.9 at D2.5, end = newest commit echo D10:
	 * days = 7.5; per_week = 4 * 7 / 7.5 = 3.7333... */
	expect_df(doc, 4, 7.5, 28.0 / 7.5);
	cr_expect(fx_is_null(doc, "window.since"));
	cr_expect(fx_is_null(doc, "window.until"));
}

Test(maint, report_names_path_head_and_revs)
{
	const cJSON *doc = gv_json(repo->path, "--format", "json", repo->path);
	char *head = own(fx_rev(repo, "HEAD"));
	cr_expect_str_eq(fx_str(doc, "schema"), "git-vitals/report/1");
	cr_expect_str_eq(fx_str(doc, "generator.name"), "git-vitals");
	cr_expect_str_eq(fx_str(doc, "repository.path"), repo->path);
	cr_expect_str_eq(fx_str(doc, "repository.head"), head);
	cr_expect_eq(cJSON_GetArraySize(fx_get(doc, "repository.revs")), 1);
	cr_expect_str_eq(fx_str(doc, "repository.revs.0"), "HEAD");
	cr_expect(cJSON_IsFalse(fx_get(doc, "repository.shallow")));
	cr_expect(cJSON_IsArray(fx_get(doc, "warnings")));
	cr_expect_eq(cJSON_GetArraySize(fx_get(doc, "warnings")), 0);
	/* No message here says fix, revert, rollback or CVE. */
	expect_stat(doc, "counts.fixes", 0);
	expect_stat(doc, "counts.reverts", 0);
	expect_stat(doc, "counts.rollbacks", 0);
	expect_stat(doc, "counts.security", 0);
}

Test(maint, path_is_reported_exactly_as_given)
{
	const cJSON *doc = gv_json(repo->root, "--format", "json", "repo/");
	cr_expect_str_eq(fx_str(doc, "repository.path"), "repo/");
	doc = gv_json(repo->path, "--format", "json");
	cr_expect_str_eq(fx_str(doc, "repository.path"), ".");
}

Test(maint, runs_from_a_subdirectory_of_the_work_tree)
{
	char *sub = own(malloc(strlen(repo->path) + 8));
	sprintf(sub, "%s/sub", repo->path);
	const cJSON *doc = gv_json(sub, "--format", "json");
	char *head = own(fx_rev(repo, "HEAD"));
	cr_expect_str_eq(fx_str(doc, "repository.head"), head);
	expect_counts(doc, 7, 1);
}

Test(maint, all_picks_up_a_branch_not_reachable_from_head)
{
	const cJSON *doc = gv_json(repo->path, "--format", "json", "--all",
				   repo->path);
	cr_expect_str_eq(fx_str(doc, "repository.revs.0"), "--all");
	/* HEAD's 7 plus golf on branch old = 8 commits, 1 merge. */
	expect_counts(doc, 8, 1);
	/* golf adds a sample of 0: released by v0.9.9 (lightweight, so at
	 * golf's own committer date) = its author date; 0 is not clamped.
	 *   sorted 0 86400 86400 86400 129600 259200 (n = 6)
	 *   median rank 3 -> 86400; p75 rank ceil(4.5) = 5 -> 129600;
	 *   p90 rank ceil(5.4) = 6 -> 259200; mean 648000 / 6 = 108000 */
	expect_lead(doc, 6, 1, 0, 86400, 129600, 259200, 108000);
}

Test(maint, rev_limits_commit_level_numbers_but_not_releases)
{
	const cJSON *doc = gv_json(repo->path, "--format", "json", "--rev",
				   "old", repo->path);
	cr_expect_eq(cJSON_GetArraySize(fx_get(doc, "repository.revs")), 1);
	cr_expect_str_eq(fx_str(doc, "repository.revs.0"), "old");
	/* old reaches alpha and golf. */
	expect_counts(doc, 2, 0);
	/* Every release is still listed, with the same new_commits. */
	expect_releases(doc, 4);
	expect_release(doc, 3, "v1.1", NULL, "2024-01-10T00:00:00Z", 3);
	/* alpha 129600, golf 0: median rank 1 -> 0; p75 rank ceil(1.5) = 2
	 * -> 129600; p90 rank 2 -> 129600; mean 129600 / 2 = 64800 */
	expect_lead(doc, 2, 0, 0, 0, 129600, 129600, 64800);
	/* The walk is old + the release tags; echo (only on main) is not in
	 * it, so the window ends at delta, D8: days = 8 - 2.5 = 5.5,
	 * per_week = 4 * 7 / 5.5. */
	expect_df(doc, 4, 5.5, 28.0 / 5.5);
}

Test(maint, rev_is_repeatable)
{
	const cJSON *doc = gv_json(repo->path, "--format", "json", "--rev",
				   "old", "--rev", "maint", repo->path);
	cr_expect_eq(cJSON_GetArraySize(fx_get(doc, "repository.revs")), 2);
	cr_expect_str_eq(fx_str(doc, "repository.revs.0"), "old");
	cr_expect_str_eq(fx_str(doc, "repository.revs.1"), "maint");
	/* old: alpha golf; maint: alpha bravo foxtrot -> 4 commits. */
	expect_counts(doc, 4, 0);
}

Test(maint, nonexistent_rev_is_exit_2)
{
	int st = gv_status(repo->path, "--format", "json", "--rev",
			   "no-such-rev", repo->path);
	cr_expect_eq(st, 2, "exit %d: %s", st, run.err);
	cr_expect_eq(strncmp(run.err, "git-vitals: ", 12), 0, "stderr: %s",
		     run.err);
	cr_expect_not_null(strstr(run.err, "no-such-rev"), "stderr: %s",
			   run.err);
	cr_expect_eq(run.out_len, 0, "stdout: %s", run.out);
}

Test(maint, json_is_the_default_when_stdout_is_not_a_terminal)
{
	const cJSON *doc = gv_json(repo->path, repo->path);
	cr_expect_str_eq(fx_str(doc, "schema"), "git-vitals/report/1");
}

Test(maint, reports_are_identical_between_runs)
{
	gv_json(repo->path, "--format", "json", "--commits", repo->path);
	cJSON *first = own_json(cJSON_Duplicate(run.json, 1));
	char *first_out = own(strdup(run.out));
	const cJSON *second = gv_json(repo->path, "--format", "json",
				      "--commits", repo->path);
	/* generated_at is the one member allowed to differ. */
	if (!fx_get(first, "generated_at"))
		cr_expect_str_eq(run.out, first_out);
	cJSON_DeleteItemFromObjectCaseSensitive(first, "generated_at");
	cJSON_DeleteItemFromObjectCaseSensitive((cJSON *)second,
						"generated_at");
	cr_expect(cJSON_Compare(first, second, 1));
}

Test(maint, pretty_prints_the_same_document)
{
	gv_json(repo->path, "--format", "json", repo->path);
	cJSON *compact = own_json(cJSON_Duplicate(run.json, 1));
	/* Compact: one line. */
	char *nl = strchr(run.out, '\n');
	cr_expect(!nl || nl[1] == '\0', "compact output has several lines");
	const cJSON *pretty = gv_json(repo->path, "--format", "json",
				      "--pretty", repo->path);
	nl = strchr(run.out, '\n');
	cr_expect(nl && nl[1] != '\0', "--pretty output is one line");
	cJSON_DeleteItemFromObjectCaseSensitive(compact, "generated_at");
	cJSON_DeleteItemFromObjectCaseSensitive((cJSON *)pretty,
						"generated_at");
	cr_expect(cJSON_Compare(compact, pretty, 1));
}

Test(maint, text_format_is_a_human_summary)
{
	int st = gv_status(repo->path, "--format", "text", repo->path);
	cr_assert_eq(st, 0, "exit %d: %s", st, run.err);
	cr_expect_gt(run.out_len, 0);
	cr_expect_null(run.json, "text output parsed as JSON");
	cr_expect(fx_utf8_valid(run.out, run.out_len));
	cr_expect(run.out_len && run.out[run.out_len - 1] == '\n',
		  "text does not end with a newline");
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	cr_assert_not_null(d, "opendir %s", dir);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

Test(maint, output_writes_the_file_atomically)
{
	gv_json(repo->path, "--format", "json", repo->path);
	cJSON *want = own_json(cJSON_Duplicate(run.json, 1));
	char *dir = own(fx_tmpdir(NULL, "output"));
	char *file = own(malloc(strlen(dir) + 16));
	sprintf(file, "%s/report.json", dir);
	/* An existing file is replaced. */
	FILE *f = fopen(file, "w");
	cr_assert_not_null(f);
	fputs("old content\n", f);
	fclose(f);

	int st = gv_status(repo->path, "--format", "json", "--output", file,
			   repo->path);
	cr_expect_eq(st, 0, "exit %d: %s", st, run.err);
	cr_expect_eq(run.out_len, 0, "stdout: %s", run.out);
	size_t len = 0;
	char *text = own(fx_read_file(file, &len));
	cJSON *got = own_json(cJSON_ParseWithLength(text, len));
	cr_expect_not_null(got, "output file is not JSON: %.200s", text);
	cJSON_DeleteItemFromObjectCaseSensitive(want, "generated_at");
	cJSON_DeleteItemFromObjectCaseSensitive(got, "generated_at");
	cr_expect(cJSON_Compare(want, got, 1), "file differs from stdout");
	/* No temporary file left beside it. */
	cr_expect_eq(count_entries(dir), 1, "files left in %s", dir);
}

Test(maint, output_into_a_missing_directory_fails)
{
	char *dir = own(fx_tmpdir(NULL, "output"));
	char *file = own(malloc(strlen(dir) + 32));
	sprintf(file, "%s/missing/report.json", dir);
	int st = gv_status(repo->path, "--format", "json", "--output", file,
			   repo->path);
	cr_expect_eq(st, 2, "exit %d: %s", st, run.err);
	cr_expect_eq(strncmp(run.err, "git-vitals: ", 12), 0, "stderr: %s",
		     run.err);
	cr_expect_eq(count_entries(dir), 0);
}

/*
 * Two releases tagged in the same second, on different commits:
 *   alpha D1 -- bravo D2 -- charlie D5 -- delta D5
 *   v1.9 (annotated, D4) at alpha, v1.10 (annotated, D4) at bravo.
 * Ties go by byte order of the names: "v1.10" < "v1.9" ('1' < '9'), so
 * v1.10 is visited first even though a version sort would put it last.
 */
static const char TIE[] =
	"c alpha 2024-01-02T00:00:00Z\n"
	"c bravo 2024-01-03T00:00:00Z\n"
	"at v1.10 2024-01-05T00:00:00Z\n"
	"at v1.9 2024-01-05T00:00:00Z HEAD~1\n"
	"c charlie 2024-01-06T00:00:00Z\n"
	"c delta 2024-01-06T00:00:00Z\n";

SHARED_SUITE(tie, TIE);

Test(tie, same_second_releases_are_ordered_by_tag_name)
{
	const cJSON *doc = gv_json(repo->path, "--format", "json", "--commits",
				   repo->path);
	expect_releases(doc, 2);
	/* v1.10 first: it marks bravo and alpha (2); v1.9 finds alpha marked. */
	expect_release(doc, 0, "v1.10", ":/bravo", "2024-01-05T00:00:00Z", 2);
	expect_release(doc, 1, "v1.9", ":/alpha", "2024-01-05T00:00:00Z", 0);
	expect_commit(doc, ":/alpha", "v1.10", 3 * DAY, 0); /* D4 - D1 */
	expect_commit(doc, ":/bravo", "v1.10", 2 * DAY, 0); /* D4 - D2 */
	/* 172800 259200: median rank 1; p75, p90 rank 2; mean 216000 */
	expect_lead(doc, 2, 2, 0, 2 * DAY, 3 * DAY, 3 * DAY, 216000);
}

Test(tie, commits_with_the_same_time_are_ordered_by_sha)
{
	const cJSON *doc = gv_json(repo->path, "--format", "json", "--commits",
				   repo->path);
	char *c = own(fx_rev(repo, ":/charlie")), *d = own(fx_rev(repo, ":/delta"));
	/* charlie and delta share D5: ascending sha first, then bravo, alpha. */
	int c_first = strcmp(c, d) < 0;
	expect_commit_at(doc, 0, c_first ? ":/charlie" : ":/delta");
	expect_commit_at(doc, 1, c_first ? ":/delta" : ":/charlie");
	expect_commit_at(doc, 2, ":/bravo");
	expect_commit_at(doc, 3, ":/alpha");
}

/*
 * Kinds of tags:
 *   alpha D1   v1.0 lightweight        -> alpha's committer date D1
 *   bravo D3   v2.0 annotated at D5    -> D5
 *   charlie D7 v3.0 annotated, no tagger line (written with mktag) -> D7
 *   delta D9   snapshot annotated at D11 (not a release name), and
 *              v4.0 annotated at D12 pointing at the tag snapshot -> D12
 *   echo D13   unreleased
 *   v9.9 at a blob and v9.8 at a tree: skipped, warned.
 */
static const char KINDS[] =
	"c alpha 2024-01-02T00:00:00Z\n"
	"lt v1.0\n"
	"c bravo 2024-01-04T00:00:00Z\n"
	"at v2.0 2024-01-06T00:00:00Z\n"
	"c charlie 2024-01-08T00:00:00Z\n"
	"id=$(printf 'object %s\\ntype commit\\ntag v3.0\\n\\nold, no tagger\\n'"
	" \"$(git rev-parse HEAD)\" |"
	" git -c fsck.missingTaggerEntry=ignore mktag)\n"
	"git update-ref refs/tags/v3.0 \"$id\"\n"
	"c delta 2024-01-10T00:00:00Z\n"
	"at snapshot 2024-01-12T00:00:00Z\n"
	"GIT_COMMITTER_DATE=2024-01-13T00:00:00Z"
	" git tag -a -m v4.0 v4.0 snapshot 2>/dev/null\n"
	"git tag v9.9 \"$(echo data | git hash-object -w --stdin)\"\n"
	"git tag v9.8 'HEAD^{tree}'\n"
	"c echo 2024-01-14T00:00:00Z\n";

SHARED_SUITE(kinds, KINDS);

Test(kinds, lightweight_annotated_and_taggerless_release_times)
{
	const cJSON *doc = gv_json(repo->path, "--format", "json", repo->path);
	expect_releases(doc, 4);
	expect_release(doc, 0, "v1.0", ":/alpha", "2024-01-02T00:00:00Z", 1);
	expect_release(doc, 1, "v2.0", ":/bravo", "2024-01-06T00:00:00Z", 1);
	expect_release(doc, 2, "v3.0", ":/charlie", "2024-01-08T00:00:00Z", 1);
}

Test(kinds, tag_of_a_tag_keeps_the_outer_date)
{
	const cJSON *doc = gv_json(repo->path, "--format", "json", repo->path);
	/* Peeled to delta; dated by v4.0 (D12 = Jan 13), not snapshot (D11). */
	expect_release(doc, 3, "v4.0", ":/delta", "2024-01-13T00:00:00Z", 1);
	cr_expect_null(fx_find(doc, "releases", "tag", "snapshot"));
}

Test(kinds, tags_at_blobs_and_trees_are_skipped_with_a_warning)
{
	const cJSON *doc = gv_json(repo->path, "--format", "json", repo->path);
	cr_expect_null(fx_find(doc, "releases", "tag", "v9.9"));
	cr_expect_null(fx_find(doc, "releases", "tag", "v9.8"));
	const cJSON *w = warning(doc, "tag-not-commit");
	cr_assert_not_null(w, "no tag-not-commit warning");
	cr_expect_eq(fx_int(w, "count"), 2); /* v9.8 (tree) + v9.9 (blob) */
	cr_expect_gt(strlen(fx_str(w, "message")), 0);
}

Test(kinds, lead_time_per_kind_of_tag)
{
	const cJSON *doc = gv_json(repo->path, "--format", "json", "--commits",
				   repo->path);
	expect_commit(doc, ":/alpha", "v1.0", 0, 0);       /* D1 - D1 */
	expect_commit(doc, ":/bravo", "v2.0", 2 * DAY, 0); /* D5 - D3 */
	expect_commit(doc, ":/charlie", "v3.0", 0, 0);     /* D7 - D7 */
	expect_commit(doc, ":/delta", "v4.0", 3 * DAY, 0); /* D12 - D9 */
	expect_commit(doc, ":/echo", NULL, NUL_STAT, 0);
	/* sorted 0 0 172800 259200 (n = 4): median rank 2 -> 0; p75 rank 3
	 * -> 172800; p90 rank ceil(3.6) = 4 -> 259200;
	 * mean 432000 / 4 = 108000. Zeros are not clamped. */
	expect_lead(doc, 4, 1, 0, 0, 2 * DAY, 3 * DAY, 108000);
}

/*
 * A rebased commit authored after its release:
 *   alpha D1; bravo committed D3 but authored D6; v1.0 annotated at D4.
 */
static const char CLAMP[] =
	"c alpha 2024-01-02T00:00:00Z\n"
	"c bravo 2024-01-04T00:00:00Z 2024-01-07T00:00:00Z\n"
	"at v1.0 2024-01-05T00:00:00Z\n";

SHARED_SUITE(clamp, CLAMP);

Test(clamp, commit_authored_after_its_release_is_clamped_to_zero)
{
	const cJSON *doc = gv_json(repo->path, "--format", "json", "--commits",
				   repo->path);
	/* bravo: D4 - D6 = -2 days -> 0, clamped; alpha: D4 - D1 = 259200.
	 * sorted 0 259200: median rank 1 -> 0; p75, p90 rank 2 -> 259200;
	 * mean 259200 / 2 = 129600 */
	expect_commit(doc, ":/bravo", "v1.0", 0, 0);
	expect_lead(doc, 2, 0, 1, 0, 259200, 259200, 129600);
	cr_expect_str_eq(fx_str(fx_find(doc, "commits", "sha",
					fx_str(doc, "repository.head")),
				"author_time"),
			 "2024-01-07T00:00:00Z");
}

Test(clamp, lead_time_from_commit_uses_committer_time)
{
	const cJSON *doc = gv_json(repo->path, "--format", "json",
				   "--lead-time-from", "commit", "--commits",
				   repo->path);
	/* bravo: D4 - D3 = 86400; alpha: D4 - D1 = 259200; nothing clamped.
	 * median rank 1 -> 86400; p75, p90 -> 259200; mean 345600 / 2 */
	expect_commit(doc, ":/bravo", "v1.0", DAY, 0);
	expect_lead(doc, 2, 0, 0, DAY, 3 * DAY, 3 * DAY, 172800);
}

/*
 * Ten commits released together by v1.0 (annotated, 2024-02-01T00:00:00Z),
 * each committed (and authored) L before it, L in hours:
 * 89 55 34 21 13 8 5 3 2 and 1h + 5s. Gaps grow, so nearest-rank and
 * interpolating percentiles disagree everywhere.
 */
static const char PCT[] =
	"c c89 2024-01-28T07:00:00Z\n"
	"c c55 2024-01-29T17:00:00Z\n"
	"c c34 2024-01-30T14:00:00Z\n"
	"c c21 2024-01-31T03:00:00Z\n"
	"c c13 2024-01-31T11:00:00Z\n"
	"c c08 2024-01-31T16:00:00Z\n"
	"c c05 2024-01-31T19:00:00Z\n"
	"c c03 2024-01-31T21:00:00Z\n"
	"c c02 2024-01-31T22:00:00Z\n"
	"c c01 2024-01-31T22:59:55Z\n"
	"at v1.0 2024-02-01T00:00:00Z\n";

SHARED_SUITE(pct, PCT);

Test(pct, nearest_rank_percentiles_and_mean_rounded_half_up)
{
	const cJSON *doc = gv_json(repo->path, "--format", "json", repo->path);
	/* sorted (s): 3605 7200 10800 18000 28800 46800 75600 122400 198000
	 * 320400, n = 10
	 *   median rank ceil(5.0) = 5 -> 28800 (interpolation: 37800)
	 *   p75    rank ceil(7.5) = 8 -> 122400
	 *   p90    rank ceil(9.0) = 9 -> 198000
	 *   mean   (231 h + 5 s) / 10 = 831605 / 10 = 83160.5 -> 83161 */
	expect_lead(doc, 10, 0, 0, 28800, 122400, 198000, 83161);
	expect_release(doc, 0, "v1.0", "HEAD", "2024-02-01T00:00:00Z", 10);
}

/*
 * The window. One commit a month, a release five days after each of the
 * first three, and one commit from the future:
 *   alpha 01-10  v1.0 01-15 | bravo 02-10  v1.1 02-15 |
 *   charlie 03-10  v1.2 03-15 | delta 04-10 | future 2099-01-01
 * The newest commit time not in the future is delta's, 2024-04-10.
 * Each released commit has a lead time of 5 days = 432000.
 */
static const char WIN[] =
	"c alpha 2024-01-10T00:00:00Z\n"
	"at v1.0 2024-01-15T00:00:00Z\n"
	"c bravo 2024-02-10T00:00:00Z\n"
	"at v1.1 2024-02-15T00:00:00Z\n"
	"c charlie 2024-03-10T00:00:00Z\n"
	"at v1.2 2024-03-15T00:00:00Z\n"
	"c delta 2024-04-10T00:00:00Z\n"
	"c future 2099-01-01T00:00:00Z\n";

SHARED_SUITE(window, WIN);

Test(window, whole_history_by_default)
{
	const cJSON *doc = gv_json(repo->path, "--format", "json", repo->path);
	expect_counts(doc, 5, 0);
	expect_releases(doc, 3);
	expect_lead(doc, 3, 2, 0, 5 * DAY, 5 * DAY, 5 * DAY, 5 * DAY);
	/* 2024-01-15 .. 2024-04-10 = 17 + 29 + 31 + 9 = 86 days (the 2099
	 * commit is in the future and does not end the window);
	 * per_week = 3 * 7 / 86 */
	expect_df(doc, 3, 86.0, 21.0 / 86.0);
}

Test(window, since_date_is_midnight_utc_and_inclusive)
{
	const cJSON *doc = gv_json(repo->path, "--format", "json", "--since",
				   "2024-02-01", repo->path);
	cr_expect_str_eq(fx_str(doc, "window.since"), "2024-02-01T00:00:00Z");
	cr_expect(fx_is_null(doc, "window.until"));
	/* bravo charlie delta future */
	expect_counts(doc, 4, 0);
	expect_releases(doc, 2);
	expect_release(doc, 0, "v1.1", ":/bravo", "2024-02-15T00:00:00Z", 1);
	expect_release(doc, 1, "v1.2", ":/charlie", "2024-03-15T00:00:00Z", 1);
	/* bravo, charlie released; delta, future not */
	expect_lead(doc, 2, 2, 0, 5 * DAY, 5 * DAY, 5 * DAY, 5 * DAY);
	/* 02-01 .. 04-10 = 29 + 31 + 9 = 69 days; 2 * 7 / 69 per week */
	expect_df(doc, 2, 69.0, 14.0 / 69.0);
}

Test(window, until_is_exclusive_for_commits_and_releases)
{
	const cJSON *doc = gv_json(repo->path, "--format", "json", "--since",
				   "2024-02-01", "--until", "2024-03-15",
				   repo->path);
	cr_expect_str_eq(fx_str(doc, "window.until"), "2024-03-15T00:00:00Z");
	/* bravo 02-10, charlie 03-10 */
	expect_counts(doc, 2, 0);
	/* v1.2 at exactly 03-15T00:00:00Z is outside [since, until). */
	expect_releases(doc, 1);
	expect_release(doc, 0, "v1.1", ":/bravo", "2024-02-15T00:00:00Z", 1);
	/* charlie's first release (v1.2) lies outside the window but still
	 * gives it a lead time: 2 samples of 432000, none unreleased. */
	expect_lead(doc, 2, 0, 0, 5 * DAY, 5 * DAY, 5 * DAY, 5 * DAY);
	/* 02-01 .. 03-15 = 29 + 14 = 43 days; 1 * 7 / 43 */
	expect_df(doc, 1, 43.0, 7.0 / 43.0);
}

Test(window, offsets_are_converted_to_utc)
{
	/* 02:00 at +02:00 is 00:00Z: bravo (02-10T00:00:00Z) is inside. */
	const cJSON *doc = gv_json(repo->path, "--format", "json", "--since",
				   "2024-02-10T02:00:00+02:00", repo->path);
	cr_expect_str_eq(fx_str(doc, "window.since"), "2024-02-10T00:00:00Z");
	expect_counts(doc, 4, 0);
	/* One second later bravo is out: charlie delta future. */
	doc = gv_json(repo->path, "--format", "json", "--since",
		      "2024-02-10T00:00:01Z", repo->path);
	expect_counts(doc, 3, 0);
}

Test(window, relative_since_counts_back_from_newest_commit_not_in_future)
{
	const cJSON *doc = gv_json(repo->path, "--format", "json", "--since",
				   "30d", repo->path);
	/* 2024-04-10 - 30 days = 2024-03-11 */
	cr_expect_str_eq(fx_str(doc, "window.since"), "2024-03-11T00:00:00Z");
	cr_expect(fx_is_null(doc, "window.until"));
	/* delta and future; v1.2 (03-15) */
	expect_counts(doc, 2, 0);
	expect_releases(doc, 1);
	/* Neither commit is released: no samples, every statistic null. */
	expect_lead(doc, 0, 2, 0, NUL_STAT, NUL_STAT, NUL_STAT, NUL_STAT);
	/* 03-11 .. 04-10 = 30 days; 7 / 30 per week */
	expect_df(doc, 1, 30.0, 7.0 / 30.0);
}

Test(window, spans_in_weeks_months_and_years)
{
	/* From 2024-04-10: 12w = 84 days -> 01-17; 6m = 180 days ->
	 * 2023-10-13; 1y = 365 days -> 2023-04-11 (2024 is a leap year). */
	const cJSON *doc = gv_json(repo->path, "--format", "json", "--since",
				   "12w", repo->path);
	cr_expect_str_eq(fx_str(doc, "window.since"), "2024-01-17T00:00:00Z");
	expect_counts(doc, 4, 0); /* alpha (01-10) is out */
	doc = gv_json(repo->path, "--format", "json", "--since", "6m",
		      repo->path);
	cr_expect_str_eq(fx_str(doc, "window.since"), "2023-10-13T00:00:00Z");
	doc = gv_json(repo->path, "--format", "json", "--since", "1y",
		      repo->path);
	cr_expect_str_eq(fx_str(doc, "window.since"), "2023-04-11T00:00:00Z");
	expect_counts(doc, 5, 0);
}

Test(window, relative_since_counts_back_from_until)
{
	const cJSON *doc = gv_json(repo->path, "--format", "json", "--since",
				   "4w", "--until", "2024-03-01", repo->path);
	/* 2024-03-01 - 28 days = 2024-02-02 (February has 29 days) */
	cr_expect_str_eq(fx_str(doc, "window.since"), "2024-02-02T00:00:00Z");
	cr_expect_str_eq(fx_str(doc, "window.until"), "2024-03-01T00:00:00Z");
	expect_counts(doc, 1, 0); /* bravo */
	expect_releases(doc, 1);  /* v1.1 */
	/* one sample: every statistic is 432000 */
	expect_lead(doc, 1, 0, 0, 5 * DAY, 5 * DAY, 5 * DAY, 5 * DAY);
	/* 28 days; 1 * 7 / 28 = 0.25 */
	expect_df(doc, 1, 28.0, 0.25);
}

Test(window, relative_until_counts_back_from_newest_commit)
{
	const cJSON *doc = gv_json(repo->path, "--format", "json", "--until",
				   "10d", repo->path);
	/* 2024-04-10 - 10 days = 2024-03-31 */
	cr_expect(fx_is_null(doc, "window.since"));
	cr_expect_str_eq(fx_str(doc, "window.until"), "2024-03-31T00:00:00Z");
	expect_counts(doc, 3, 0); /* alpha bravo charlie */
	expect_releases(doc, 3);
	/* from the first release: 01-15 .. 03-31 = 17 + 29 + 30 = 76 days */
	expect_df(doc, 3, 76.0, 21.0 / 76.0);
}

Test(window, no_release_in_window_gives_zero_per_week)
{
	const cJSON *doc = gv_json(repo->path, "--format", "json", "--since",
				   "2024-04-01", repo->path);
	expect_releases(doc, 0);
	/* 04-01 .. 04-10 = 9 days, 0 releases */
	expect_df(doc, 0, 9.0, 0.0);
}

Test(window, window_ending_before_it_starts_has_null_days)
{
	/* since 05-01 is after the end (04-10): days <= 0 -> null */
	const cJSON *doc = gv_json(repo->path, "--format", "json", "--since",
				   "2024-05-01", repo->path);
	expect_df(doc, 0, -1, -1);
	expect_counts(doc, 1, 0); /* only the 2099 commit */
}

Test(window, malformed_since_is_a_usage_error)
{
	int st = gv_status(repo->path, "--since", "yesterday", repo->path);
	cr_expect_eq(st, 1, "exit %d: %s", st, run.err);
	cr_expect_eq(strncmp(run.err, "git-vitals: ", 12), 0, "stderr: %s",
		     run.err);
}

/*
 * Release names: all on one commit (lightweight, so all at alpha's
 * committer date, a 12-way tie broken by byte order).
 */
static const char NAMES[] =
	"c alpha 2024-01-02T00:00:00Z\n"
	"for t in v1.0 v2.45.0 1.2.3 curl-8_5_0 release-2024.05 OpenSSL_1_1_1w"
	" v2.45.0-rc0 v1.0-beta.2 v3.0.0-alpha1 nightly latest backup; do"
	" git tag \"$t\"; done\n";

SHARED_SUITE(names, NAMES);

static void expect_tag_list(const cJSON *doc, const char *const *tags)
{
	int n = 0;
	while (tags[n])
		n++;
	expect_releases(doc, n);
	for (int i = 0; i < n; i++)
		expect_release(doc, i, tags[i], "HEAD", "2024-01-02T00:00:00Z",
			       i == 0 ? 1 : 0);
}

Test(names, default_pattern_matches_versions_not_prereleases)
{
	const cJSON *doc = gv_json(repo->path, "--format", "json", repo->path);
	/* Byte order: '1' < 'O' < 'c' < 'r' < 'v'. */
	static const char *const want[] = { "1.2.3", "OpenSSL_1_1_1w",
					    "curl-8_5_0", "release-2024.05",
					    "v1.0", "v2.45.0", NULL };
	expect_tag_list(doc, want);
}

Test(names, include_prereleases_admits_rc_alpha_beta)
{
	const cJSON *doc = gv_json(repo->path, "--format", "json",
				   "--include-prereleases", repo->path);
	/* A name sorts before its extensions: "v1.0" < "v1.0-beta.2". */
	static const char *const want[] = {
		"1.2.3", "OpenSSL_1_1_1w", "curl-8_5_0", "release-2024.05",
		"v1.0", "v1.0-beta.2", "v2.45.0", "v2.45.0-rc0",
		"v3.0.0-alpha1", NULL
	};
	expect_tag_list(doc, want);
}

Test(names, release_pattern_replaces_the_default)
{
	const cJSON *doc = gv_json(repo->path, "--format", "json",
				   "--release-pattern", "^(nightly|latest)$",
				   repo->path);
	static const char *const want[] = { "latest", "nightly", NULL };
	expect_tag_list(doc, want);
}

Test(names, invalid_release_pattern_is_an_error)
{
	int st = gv_status(repo->path, "--release-pattern", "(unclosed",
			   repo->path);
	cr_expect(st == 1 || st == 2, "exit %d: %s", st, run.err);
	cr_expect_eq(strncmp(run.err, "git-vitals: ", 12), 0, "stderr: %s",
		     run.err);
}

/* Edge cases that need their own repository. */
TestSuite(edge, .fini = teardown);

Test(edge, empty_repository_gives_a_valid_zero_report)
{
	repo = fx_repo_new("");
	const cJSON *doc = gv_json(repo->path, "--format", "json", repo->path);
	cr_expect(fx_is_null(doc, "repository.head"));
	cr_expect_str_eq(fx_str(doc, "repository.revs.0"), "HEAD");
	expect_counts(doc, 0, 0);
	expect_releases(doc, 0);
	expect_lead(doc, 0, 0, 0, NUL_STAT, NUL_STAT, NUL_STAT, NUL_STAT);
	/* no release and no --since: no window start */
	expect_df(doc, 0, -1, -1);
}

/*
 * A shallow clone (--depth 2) of
 *   alpha D1, bravo D2 [v1.0 D3], charlie D4, delta D5 [v1.1 D6]:
 * it holds charlie and delta (charlie's parent cut off) and tag v1.1.
 */
static const char SHALLOW[] =
	"c alpha 2024-01-02T00:00:00Z\n"
	"c bravo 2024-01-03T00:00:00Z\n"
	"at v1.0 2024-01-04T00:00:00Z\n"
	"c charlie 2024-01-05T00:00:00Z\n"
	"c delta 2024-01-06T00:00:00Z\n"
	"at v1.1 2024-01-07T00:00:00Z\n"
	"cd .. && mv repo src\n"
	"git clone -q --depth 2 \"file://$PWD/src\" repo\n";

Test(edge, shallow_clone_is_analysed_and_flagged)
{
	repo = fx_repo_shared("shallow", SHALLOW);
	const cJSON *doc = gv_json(repo->path, "--format", "json", repo->path);
	cr_expect(cJSON_IsTrue(fx_get(doc, "repository.shallow")));
	cr_expect_not_null(warning(doc, "shallow"), "no shallow warning");
	cr_expect_not_null(strstr(run.err, "shallow"), "stderr: %s", run.err);
	expect_counts(doc, 2, 0);
	expect_releases(doc, 1);
	expect_release(doc, 0, "v1.1", "HEAD", "2024-01-07T00:00:00Z", 2);
	/* charlie D6 - D4 = 172800, delta D6 - D5 = 86400: median rank 1;
	 * p75, p90 rank 2; mean 259200 / 2 = 129600 */
	expect_lead(doc, 2, 0, 0, DAY, 2 * DAY, 2 * DAY, 129600);
}

Test(edge, not_a_repository_is_exit_2_naming_the_path)
{
	repo = fx_repo_new("");
	char *plain = own(fx_tmpdir(repo, "plain"));
	int st = gv_status(repo->root, "--format", "json", plain);
	cr_expect_eq(st, 2, "exit %d: %s", st, run.err);
	cr_expect_eq(strncmp(run.err, "git-vitals: ", 12), 0, "stderr: %s",
		     run.err);
	cr_expect_not_null(strstr(run.err, plain), "stderr: %s", run.err);
	cr_expect_eq(run.out_len, 0, "stdout: %s", run.out);
}

Test(edge, missing_path_is_exit_2_naming_the_path)
{
	repo = fx_repo_new("");
	int st = gv_status(repo->root, "--format", "json", "no/such/dir");
	cr_expect_eq(st, 2, "exit %d: %s", st, run.err);
	cr_expect_not_null(strstr(run.err, "no/such/dir"), "stderr: %s",
			   run.err);
}

Test(edge, invalid_utf8_tag_name_yields_valid_utf8_json)
{
	/* The tag name is 'v', bytes FF FE, '1': two invalid lead bytes. */
	repo = fx_repo_new("c alpha 2024-01-02T00:00:00Z\n"
			   "git tag \"$(printf 'v\\377\\3761')\"\n");
	const cJSON *doc = gv_json(repo->path, "--format", "json",
				   "--release-pattern", "^v", repo->path);
	cr_expect(fx_utf8_valid(run.out, run.out_len), "stdout is not UTF-8");
	expect_releases(doc, 1);
	/* each invalid byte becomes U+FFFD (EF BF BD) */
	cr_expect_str_eq(fx_str(doc, "releases.0.tag"),
			 "v\xEF\xBF\xBD\xEF\xBF\xBD" "1");
}

/* The JSON writer's escapes, compact and pretty: a path (kept exactly as
 * given) with a quote, a backslash, a tab, a newline and a control byte, and
 * a tag name with a quote. */
Test(edge, quotes_and_control_bytes_are_escaped_in_both_layouts)
{
	repo = fx_repo_new("c alpha 2024-01-02T00:00:00Z\n"
			   "git tag 'v\"1'\n");
	char weird[4096];
	const char *const layouts[] = {"--pretty", "--commits"};
	size_t i;

	snprintf(weird, sizeof(weird), "%s/we\"ird\\ \t\n\001dir", repo->root);
	cr_assert_eq(symlink(repo->path, weird), 0);
	for (i = 0; i < 2; i++) {
		const cJSON *doc = gv_json(repo->root, "--format", "json",
					   layouts[i], "--release-pattern", "^v",
					   weird);
		cr_expect_str_eq(fx_str(doc, "repository.path"), weird);
		cr_expect_str_eq(fx_str(doc, "releases.0.tag"), "v\"1");
		cr_expect_not_null(strstr(run.out, "we\\\"ird\\\\ \\t\\n\\u0001dir"),
				   "%s", run.out);
		cr_expect(fx_utf8_valid(run.out, run.out_len));
	}
}

/*
 * Settings in the analysed repository's git config; each test has its own
 * copy of this repository because it writes to its config.
 *   alpha D1 [v1.0 lightweight]  bravo committed D4, authored D2
 *   [proddeploy annotated D5, v1.1-rc1 lightweight -> D4]
 *   branch side: charlie D6
 */
static const char CFG[] =
	"c alpha 2024-01-02T00:00:00Z\n"
	"lt v1.0\n"
	"c bravo 2024-01-05T00:00:00Z 2024-01-03T00:00:00Z\n"
	"at proddeploy 2024-01-06T00:00:00Z\n"
	"lt v1.1-rc1\n"
	"git checkout -q -b side\n"
	"c charlie 2024-01-07T00:00:00Z\n"
	"git checkout -q main\n";

TestSuite(config, .fini = teardown);

static void git_config(const char *args)
{
	cr_assert_eq(fx_sh(NULL, repo->path, "git config %s", args), 0,
		     "git config %s", args);
}

Test(config, release_pattern_applies_and_the_command_line_wins)
{
	repo = fx_repo_new(CFG);
	const cJSON *doc = gv_json(repo->path, "--format", "json", repo->path);
	expect_releases(doc, 1);
	expect_release(doc, 0, "v1.0", ":/alpha", "2024-01-02T00:00:00Z", 1);

	git_config("vitals.releasePattern '^prod'");
	doc = gv_json(repo->path, "--format", "json", repo->path);
	expect_releases(doc, 1);
	expect_release(doc, 0, "proddeploy", ":/bravo", "2024-01-06T00:00:00Z",
		       2);
	/* alpha D5 - D1 = 345600, bravo D5 - D2 (author) = 259200;
	 * mean (345600 + 259200) / 2 = 302400 */
	expect_lead(doc, 2, 0, 0, 3 * DAY, 4 * DAY, 4 * DAY, 302400);

	doc = gv_json(repo->path, "--format", "json", "--release-pattern",
		      "^v1\\.0$", repo->path);
	expect_releases(doc, 1);
	expect_release(doc, 0, "v1.0", ":/alpha", "2024-01-02T00:00:00Z", 1);
}

Test(config, lead_time_from_applies_and_the_command_line_wins)
{
	repo = fx_repo_new(CFG);
	git_config("vitals.releasePattern '^prod'");
	git_config("vitals.leadTimeFrom commit");
	const cJSON *doc = gv_json(repo->path, "--format", "json", repo->path);
	/* bravo by committer time: D5 - D4 = 86400; alpha 345600;
	 * mean (86400 + 345600) / 2 = 216000 */
	expect_lead(doc, 2, 0, 0, DAY, 4 * DAY, 4 * DAY, 216000);
	doc = gv_json(repo->path, "--format", "json", "--lead-time-from",
		      "author", repo->path);
	expect_lead(doc, 2, 0, 0, 3 * DAY, 4 * DAY, 4 * DAY, 302400);
}

Test(config, rev_and_all_apply_and_the_command_line_wins)
{
	repo = fx_repo_new(CFG);
	git_config("--add vitals.rev side");
	const cJSON *doc = gv_json(repo->path, "--format", "json", repo->path);
	cr_expect_str_eq(fx_str(doc, "repository.revs.0"), "side");
	expect_counts(doc, 3, 0); /* alpha bravo charlie */
	doc = gv_json(repo->path, "--format", "json", "--rev", "main",
		      repo->path);
	cr_expect_eq(cJSON_GetArraySize(fx_get(doc, "repository.revs")), 1);
	cr_expect_str_eq(fx_str(doc, "repository.revs.0"), "main");
	expect_counts(doc, 2, 0); /* alpha bravo */

	git_config("--unset-all vitals.rev");
	git_config("vitals.all true");
	doc = gv_json(repo->path, "--format", "json", repo->path);
	cr_expect_str_eq(fx_str(doc, "repository.revs.0"), "--all");
	expect_counts(doc, 3, 0);
}

Test(config, include_prereleases_applies)
{
	repo = fx_repo_new(CFG);
	git_config("vitals.includePrereleases true");
	const cJSON *doc = gv_json(repo->path, "--format", "json", repo->path);
	/* v1.0 (D1) and v1.1-rc1 (lightweight at bravo: D4) */
	expect_releases(doc, 2);
	expect_release(doc, 0, "v1.0", ":/alpha", "2024-01-02T00:00:00Z", 1);
	expect_release(doc, 1, "v1.1-rc1", ":/bravo", "2024-01-05T00:00:00Z",
		       1);
}

/* The command line itself. */
TestSuite(cli, .fini = teardown);

Test(cli, help_is_exit_0_on_stdout)
{
	int st = gv_status(NULL, "--help");
	cr_expect_eq(st, 0, "exit %d: %s", st, run.err);
	cr_expect_not_null(strstr(run.out, "--release-pattern"), "%s",
			   run.out);
	cr_expect_not_null(strstr(run.out, "git-vitals"), "%s", run.out);
}

Test(cli, version_matches_the_report_generator)
{
	repo = fx_repo_new("");
	const cJSON *doc = gv_json(repo->path, "--format", "json", repo->path);
	char *version = own(strdup(fx_str(doc, "generator.version")));
	int st = gv_status(NULL, "--version");
	cr_expect_eq(st, 0, "exit %d: %s", st, run.err);
	cr_expect_not_null(strstr(run.out, version), "%s vs %s", run.out,
			   version);
}

Test(cli, unknown_option_is_a_usage_error)
{
	repo = fx_repo_new("");
	int st = gv_status(repo->path, "--no-such-option");
	cr_expect_eq(st, 1, "exit %d: %s", st, run.err);
	cr_expect_eq(strncmp(run.err, "git-vitals: ", 12), 0, "stderr: %s",
		     run.err);
	cr_expect_eq(run.out_len, 0);
}

Test(cli, bad_option_values_are_usage_errors)
{
	repo = fx_repo_new("");
	int st = gv_status(repo->path, "--format", "xml", ".");
	cr_expect_eq(st, 1, "--format xml: exit %d: %s", st, run.err);
	st = gv_status(repo->path, "--lead-time-from", "merge", ".");
	cr_expect_eq(st, 1, "--lead-time-from merge: exit %d: %s", st,
		     run.err);
}

/*
 * The demo repository of samples/ (what `make demo` reports on). Counted by
 * hand from the script: 42 commits, of which the backport on release/0.2 is
 * not reachable from main, so 41; 4 of them merge a feature branch; the 7
 * non-merge commits after v0.3.0 are unreleased, so 41 - 4 - 7 = 30 lead
 * time samples. v0.2.0-rc1 is a pre-release.
 */
TestSuite(demo, .fini = teardown);

Test(demo, script_builds_the_same_repository_every_time)
{
	const char *srcdir = getenv("GV_SRCDIR");
	char *src = own(realpath(srcdir && *srcdir ? srcdir : ".", NULL));
	char *dir = own(fx_tmpdir(NULL, "demo"));
	int rc = fx_sh(NULL, dir,
		       "sh '%s/samples/make-demo-repo.sh' repo >/dev/null\n"
		       "git -C repo rev-parse HEAD > first\n"
		       ": > repo/stale\n"
		       "sh '%s/samples/make-demo-repo.sh' repo >/dev/null\n"
		       "test ! -e repo/stale\n"
		       "test -z \"$(git -C repo status --porcelain)\"\n"
		       "git -C repo rev-parse HEAD | cmp -s - first\n",
		       src, src);
	cr_assert_eq(rc, 0, "the demo script is not repeatable");

	char *path = own(malloc(strlen(dir) + 8));
	sprintf(path, "%s/repo", dir);
	const cJSON *doc = gv_json(dir, "--format", "json", path);
	expect_counts(doc, 41, 4);
	expect_releases(doc, 4);
	static const char *const tags[] = { "v0.1.0", "v0.2.0", "v0.2.1",
					    "v0.3.0" };
	for (int i = 0; i < 4; i++) {
		char key[32];
		snprintf(key, sizeof(key), "releases.%d.tag", i);
		cr_expect_str_eq(fx_str(doc, key), tags[i]);
	}
	expect_stat(doc, "metrics.lead_time.samples", 30);
	expect_stat(doc, "metrics.lead_time.unreleased", 7);
	/* The demo shows a revert, a CVE fix and Fixes: trailers. */
	cr_expect_geq(fx_int(doc, "counts.reverts"), 1);
	cr_expect_geq(fx_int(doc, "counts.security"), 1);
	cr_expect_geq(fx_int(doc, "counts.fixes"), 1);
	doc = gv_json(dir, "--format", "json", "--include-prereleases", path);
	expect_releases(doc, 5);
	cr_expect_str_eq(fx_str(doc, "releases.1.tag"), "v0.2.0-rc1");
}

Test(edge, times_with_offsets_are_reported_in_utc)
{
	/* alpha at 2024-01-02T00:00+02:00 = 2024-01-01T22:00Z; v1.0 tagged at
	 * 2024-01-03T00:00-05:00 = 2024-01-03T05:00Z.
	 * lead = 1 day 7 hours = 86400 + 25200 = 111600 */
	repo = fx_repo_new("c alpha 2024-01-02T00:00:00+02:00\n"
			   "at v1.0 2024-01-03T00:00:00-05:00\n");
	const cJSON *doc = gv_json(repo->path, "--format", "json", "--commits",
				   repo->path);
	expect_release(doc, 0, "v1.0", "HEAD", "2024-01-03T05:00:00Z", 1);
	cr_expect_str_eq(fx_str(doc, "commits.0.author_time"),
			 "2024-01-01T22:00:00Z");
	cr_expect_str_eq(fx_str(doc, "commits.0.commit_time"),
			 "2024-01-01T22:00:00Z");
	expect_commit(doc, "HEAD", "v1.0", 111600, 0);
}

Test(cli, runs_as_a_git_subcommand)
{
	/* git finds git-vitals on PATH and runs it for `git vitals`. */
	repo = fx_repo_new("c alpha 2024-01-02T00:00:00Z\n");
	char *bindir = own(strdup(fx_bin()));
	*strrchr(bindir, '/') = '\0';
	char *out = NULL;
	int rc = fx_sh(&out, repo->path,
		       "PATH='%s':\"$PATH\" git vitals --format json --commits",
		       bindir);
	own(out);
	cr_assert_eq(rc, 0, "git vitals failed: %s", out);
	cJSON *doc = own_json(cJSON_Parse(out));
	expect_counts(doc, 1, 0);
	cr_expect_str_eq(fx_str(doc, "repository.path"), ".");
}
