/*
 * test_explain.c - `git-vitals explain REV` says what the report says
 * (issue 11, item 6): the same labels, tiers, rules, refs, ids and issues
 * as the report's `commits` entry for REV under the same options and git
 * config, and the same commits read (an empty author email is no error).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

static fx_repo *repo;
static fx_run run, report;
static char *owned[8];
static size_t nowned;

static char *own(char *p)
{
	cr_assert_not_null(p, "out of memory");
	cr_assert_lt(nowned, sizeof(owned) / sizeof(*owned));
	return owned[nowned++] = p;
}

static void teardown(void)
{
	while (nowned)
		free(owned[--nowned]);
	fx_run_free(&run);
	fx_run_free(&report);
	fx_repo_free(repo);
	repo = NULL;
}

TestSuite(explain, .fini = teardown, .timeout = 120);

/* Runs explain with the arguments; expects exit 0 and JSON. */
#define explain(...) \
	explain_argv((const char *const[]){ "explain", "--format", "json", \
					    __VA_ARGS__, NULL })

static const cJSON *explain_argv(const char *const *argv)
{
	fx_run_free(&run);
	fx_gv_argv(&run, NULL, argv);
	cr_assert_eq(run.status, 0, "%s: exit %d: %s", argv[3], run.status,
		     run.err);
	cr_assert_not_null(run.json, "not JSON: %.300s", run.out);
	return run.json;
}

/* The members of a report's commit entry that explain prints too. */
static const char *const same[] = { "labels", "rules", "refs", "ids",
				    "issues", "confidence" };

static void expect_same(const cJSON *entry, const cJSON *ex, const char *sha)
{
	size_t k;

	cr_expect_str_eq(fx_str(ex, "commit"), sha);
	for (k = 0; k < sizeof(same) / sizeof(*same); k++) {
		const cJSON *a = fx_get(entry, same[k]), *b = fx_get(ex, same[k]);
		char *as = a ? cJSON_PrintUnformatted(a) : NULL;
		char *bs = b ? cJSON_PrintUnformatted(b) : NULL;

		cr_expect(a && b && cJSON_Compare(a, b, 1),
			  "%s %s: report %s, explain %s", sha, same[k],
			  as ? as : "(none)", bs ? bs : "(none)");
		free(as);
		free(bs);
	}
}

static size_t append(const char **argv, size_t i, const char *const *v,
		     size_t n)
{
	if (n)
		memcpy(argv + i, v, n * sizeof(*v));
	return i + n;
}

/* Explains every commit of the report's `commits` list (run with `opts`
 * and the repository at path) with the same options. */
static void expect_explain_matches_report(const char *path,
					  const char *const *opts, size_t n)
{
	static const char *const rep[] = { "--format", "json", "--commits" };
	static const char *const ex[] = { "explain", "--format", "json" };
	const char *argv[16];
	const cJSON *c;
	size_t i;
	int count = 0;

	cr_assert_lt(n + 6, sizeof(argv) / sizeof(*argv));
	i = append(argv, append(argv, 0, rep, 3), opts, n);
	argv[i++] = path;
	argv[i] = NULL;
	fx_run_free(&report);
	fx_gv_argv(&report, NULL, argv);
	cr_assert_eq(report.status, 0, "%s", report.err);
	cr_assert_not_null(fx_get(report.json, "commits"));
	cJSON_ArrayForEach(c, fx_get(report.json, "commits")) {
		const char *sha = fx_str(c, "sha");

		i = append(argv, append(argv, 0, ex, 3), opts, n);
		argv[i++] = sha;
		argv[i++] = path;
		argv[i] = NULL;
		expect_same(c, explain_argv(argv), sha);
		count++;
	}
	cr_assert_gt(count, 0);
}

/* The demo repository: 42 commits with --all (the backport on
 * release/0.2 is reached through its release tag anyway), a git revert,
 * Fixes: trailers and a CVE fix. */
Test(explain, says_what_the_report_says_for_every_demo_commit)
{
	const char *srcdir = getenv("GV_SRCDIR");
	char *src = own(realpath(srcdir && *srcdir ? srcdir : ".", NULL));
	char *dir = own(fx_tmpdir(NULL, "demo"));
	char *path = own(malloc(strlen(dir) + 8));
	static const char *const all[] = { "--all" };
	static const char *const low[] = { "--min-confidence", "low" };

	cr_assert_eq(fx_sh(NULL, dir, "sh '%s/samples/make-demo-repo.sh' repo "
			   ">/dev/null", src), 0, "the demo script failed");
	sprintf(path, "%s/repo", dir);
	expect_explain_matches_report(path, all, 1);
	cr_expect_eq(cJSON_GetArraySize(fx_get(report.json, "commits")), 42);
	expect_explain_matches_report(path, low, 2);
}

/* Refs the report resolves against the loaded history and explain used to
 * print as "(unresolved)": a subject-only revert, an abbreviated Fixes:
 * id, and a revert of that revert. */
Test(explain, resolves_refs_against_the_history_as_the_report_does)
{
	char *add, *revert, *fixed;
	const cJSON *ex;

	repo = fx_repo_new(
		"c 'Add foo' 2024-01-01T00:00:00Z\n"
		"c 'Revert \"Add foo\"' 2024-01-02T00:00:00Z\n"
		"c \"Reapply \\\"Add foo\\\"\n\nThis reverts commit "
		"$(git rev-parse HEAD).\" 2024-01-03T00:00:00Z\n"
		"c \"parser: bound the copy\n\nFixes: $(git rev-parse "
		"--short=12 HEAD~2)\" 2024-01-04T00:00:00Z\n");
	add = own(fx_rev(repo, "HEAD~3"));
	revert = own(fx_rev(repo, "HEAD~2"));
	fixed = own(fx_rev(repo, "HEAD"));
	ex = explain("HEAD~2", repo->path);
	cr_expect_str_eq(fx_str(ex, "refs.0.sha"), add);
	cr_expect(cJSON_IsTrue(fx_get(ex, "refs.0.resolved")));
	ex = explain("HEAD~1", repo->path);
	cr_expect_str_eq(fx_str(ex, "refs.0.sha"), revert);
	cr_expect(cJSON_IsTrue(fx_get(ex, "refs.0.resolved")));
	ex = explain(fixed, repo->path);
	cr_expect_str_eq(fx_str(ex, "refs.0.kind"), "fixes");
	cr_expect_str_eq(fx_str(ex, "refs.0.sha"), add);
	fx_run_free(&run);
	fx_gv(&run, NULL, "explain", "--format", "text", "HEAD~2", repo->path,
	      NULL);
	cr_assert_eq(run.status, 0, "%s", run.err);
	cr_expect_null(strstr(run.out, "unresolved"), "%s", run.out);
	expect_explain_matches_report(repo->path, NULL, 0);
}

/* git writes "author A <>" when the email is empty; the report reads such
 * a commit, and explain did exit 2 ("Signature cannot have an empty name
 * or email"). */
Test(explain, reads_a_commit_whose_author_email_is_empty)
{
	const cJSON *ex;
	char *out = NULL;

	repo = fx_repo_new("export GIT_AUTHOR_EMAIL=\n"
			   "c 'fix: a crash on empty input' "
			   "2024-01-01T00:00:00Z\n");
	cr_assert_eq(fx_sh(&out, repo->path, "git cat-file commit HEAD | "
			   "grep '^author '"), 0);
	own(out);
	cr_assert_not_null(strstr(out, " <> "), "%s", out);
	ex = explain("HEAD", repo->path);
	cr_expect_str_eq(fx_str(ex, "labels.0"), "fix");
	expect_explain_matches_report(repo->path, NULL, 0);
}

/* A plain message that an OSV record names as the fix, and a bare "fixes"
 * in a body (fix, low): each option and config that changes the report's
 * answer changes explain's. */
Test(explain, follows_rules_add_advisories_min_confidence_and_config)
{
	char *sk, *dir, *osv, *add;
	const cJSON *ex;

	repo = fx_repo_new("c 'add k' 2024-01-01T00:00:00Z\n"
			   "c 'tweak parser' 2024-01-05T00:00:00Z\n"
			   "c 'fix: handle EOF' 2024-01-06T00:00:00Z\n"
			   "c \"Tidy the reader\n\nThis fixes a crash when "
			   "the input is empty.\" 2024-01-07T00:00:00Z\n");
	sk = own(fx_rev(repo, "HEAD~2"));
	dir = own(fx_tmpdir(repo, "osv"));
	cr_assert_eq(fx_sh(NULL, dir,
			   "printf '%%s' '{\"id\":\"GHSA-2345-6789-cfgh\","
			   "\"affected\":[{\"ranges\":[{\"type\":\"GIT\","
			   "\"events\":[{\"introduced\":\"0\"},{\"fixed\":"
			   "\"%s\"}]}]}]}' > rec.json\n"
			   "printf 'disable: fix-conventional\\n"
			   "disable: fix-title\\n' > off.rules", sk), 0);
	osv = own(malloc(strlen(dir) + 16));
	sprintf(osv, "%s/rec.json", dir);
	add = own(malloc(strlen(dir) + 16));
	sprintf(add, "%s/off.rules", dir);

	/* --advisories: "tweak parser" becomes a security fix */
	ex = explain("HEAD~2", repo->path);
	cr_expect_eq(cJSON_GetArraySize(fx_get(ex, "labels")), 0);
	ex = explain("--advisories", osv, "HEAD~2", repo->path);
	cr_expect_str_eq(fx_str(ex, "confidence.security"), "advisory");
	cr_expect_str_eq(fx_str(ex, "ids.0"), "GHSA-2345-6789-CFGH");
	cr_expect_str_eq(fx_str(ex, "counted.0"), "security");

	/* --rules-add with disable: the conventional fix loses its label */
	ex = explain("HEAD~1", repo->path);
	cr_expect_str_eq(fx_str(ex, "labels.0"), "fix");
	ex = explain("--rules-add", add, "HEAD~1", repo->path);
	cr_expect_eq(cJSON_GetArraySize(fx_get(ex, "labels")), 0, "%s",
		     run.out);

	/* --min-confidence: the low fix is possible, then counted */
	ex = explain("HEAD", repo->path);
	cr_expect_str_eq(fx_str(ex, "confidence.fix"), "low");
	cr_expect_str_eq(fx_str(ex, "min_confidence"), "high");
	cr_expect_str_eq(fx_str(ex, "possible.0"), "fix");
	cr_expect_eq(cJSON_GetArraySize(fx_get(ex, "counted")), 0);
	ex = explain("--min-confidence", "low", "HEAD", repo->path);
	cr_expect_str_eq(fx_str(ex, "counted.0"), "fix");
	cr_expect_eq(cJSON_GetArraySize(fx_get(ex, "possible")), 0);

	/* the repository's git config, as the report reads it */
	cr_assert_eq(fx_sh(NULL, repo->path, "git config vitals.minConfidence "
			   "low && git config vitals.disableRules "
			   "'fix-conventional fix-title'"), 0);
	ex = explain("HEAD", repo->path);
	cr_expect_str_eq(fx_str(ex, "counted.0"), "fix");
	ex = explain("HEAD~1", repo->path);
	cr_expect_eq(cJSON_GetArraySize(fx_get(ex, "labels")), 0, "%s",
		     run.out);
	expect_explain_matches_report(repo->path, NULL, 0);
}

/* A commit the analysed revs do not reach is explained as with --rev REV
 * added, and says so on stderr. */
Test(explain, explains_a_commit_off_the_analysed_revs)
{
	const cJSON *ex;

	repo = fx_repo_new("c 'Add foo' 2024-01-01T00:00:00Z\n"
			   "git checkout -q -b side\n"
			   "c 'fix: a crash' 2024-01-02T00:00:00Z\n"
			   "git checkout -q main\n");
	ex = explain("side", repo->path);
	cr_expect_str_eq(fx_str(ex, "labels.0"), "fix");
	cr_expect_not_null(strstr(run.err, "do not reach side"), "%s",
			   run.err);
}
