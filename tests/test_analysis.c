/*
 * test_analysis.c - the pipeline with the incremental cache: a warm report
 * is byte-identical to a cold one, the warm run reads only what is new, and
 * whatever shaped the classifications (.mailmap, rules) invalidates it.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "gv/analysis.h"
#include "gv/report.h"

/* four commits (the revert is amended in place to carry its body) */
static const char REPO[] =
	"c 'feat: one' 2024-01-01T00:00:00Z\n"
	"c 'fix: two' 2024-01-02T00:00:00Z\n"
	"at v1.0 2024-01-03T00:00:00Z\n"
	"c 'Revert \"fix: two\"' 2024-01-04T00:00:00Z\n"
	"git commit -q --amend --allow-empty -m \"Revert \\\"fix: two\\\"\" "
	"-m \"This reverts commit $(git rev-parse HEAD~1).\"\n"
	"c 'CVE-2024-1234: bound check' 2024-01-05T00:00:00Z\n"
	"at v1.1 2024-01-06T00:00:00Z\n";

static gv_ruleset *rules;

static void setup(void)
{
	gv_error err = {0};

	cr_assert_eq(gv_rules_new(&rules, &err), 0);
	cr_assert_eq(gv_rules_add_default(rules, &err), 0, "%s", err.msg);
	cr_assert_eq(gv_rules_compile(rules, &err), 0, "%s", err.msg);
}

static void teardown(void)
{
	gv_rules_free(rules);
}

TestSuite(analysis, .init = setup, .fini = teardown);

/* Runs the analysis and returns its JSON report (with --commits, so every
 * classification is in it); *read gets the commit objects read. */
static char *report(const char *path, const char *cache, gv_ruleset *rs,
		    size_t *read)
{
	gv_analysis_opts o;
	gv_analysis *a = NULL;
	gv_report_opts ro;
	gv_buf out = {0};
	gv_error err = {0};

	memset(&o, 0, sizeof(o));
	o.path = path;
	o.all = 1;
	o.rules = rs;
	o.cache_dir = cache;
	o.build_id = 42;
	o.threads = 2;
	o.metrics.list_commits = 1;
	cr_assert_eq(gv_analysis_run(&a, &o, &err), 0, "%s", err.msg);
	memset(&ro, 0, sizeof(ro));
	ro.path = path;
	ro.with_commits = 1;
	cr_assert_eq(gv_report_json(&out, a, &ro, &err), 0, "%s", err.msg);
	if (read)
		*read = a->objects_read;
	gv_analysis_free(a);
	return out.ptr;
}

Test(analysis, warm_report_is_byte_identical_and_reads_nothing)
{
	fx_repo *r = fx_repo_new(REPO);
	char *dir = fx_tmpdir(r, "cache");
	size_t read;
	char *cold = report(r->path, NULL, rules, &read);
	char *first = report(r->path, dir, rules, NULL);
	char *warm = report(r->path, dir, rules, &read);

	cr_expect_eq(read, 0);
	cr_expect_str_eq(first, cold);
	cr_expect_str_eq(warm, cold);
	/* and the classification really is in both: a revert and a CVE */
	cr_expect_not_null(strstr(warm, "\"revert\""));
	cr_expect_not_null(strstr(warm, "CVE-2024-1234"));
	free(cold);
	free(first);
	free(warm);
	free(dir);
	fx_repo_free(r);
}

Test(analysis, new_commits_and_tags_are_picked_up)
{
	fx_repo *r = fx_repo_new(REPO);
	char *dir = fx_tmpdir(r, "cache"), *warm, *cold;
	size_t read;

	free(report(r->path, dir, rules, NULL));
	cr_assert_eq(fx_sh(NULL, r->path, "c 'fix: three' 2024-01-07T00:00:00Z\n"
					  "at v1.2 2024-01-08T00:00:00Z"), 0);
	warm = report(r->path, dir, rules, &read);
	cr_expect_eq(read, 1, "only the new commit is read");
	cold = report(r->path, NULL, rules, NULL);
	cr_expect_str_eq(warm, cold);
	cr_expect_not_null(strstr(warm, "\"v1.2\""));
	free(warm);
	free(cold);
	free(dir);
	fx_repo_free(r);
}

Test(analysis, rewritten_history_gives_the_cold_report)
{
	fx_repo *r = fx_repo_new(REPO);
	char *dir = fx_tmpdir(r, "cache"), *warm, *cold;
	size_t read;

	free(report(r->path, dir, rules, NULL));
	/* a force-push: drop the last two commits (and their tag), add one */
	cr_assert_eq(fx_sh(NULL, r->path, "git tag -d v1.1 >/dev/null\n"
					  "git reset -q --hard HEAD~2\n"
					  "c 'feat: other' 2024-01-09T00:00:00Z"), 0);
	warm = report(r->path, dir, rules, &read);
	cr_expect_eq(read, 1);
	cold = report(r->path, NULL, rules, NULL);
	cr_expect_str_eq(warm, cold);
	free(warm);
	free(cold);
	free(dir);
	fx_repo_free(r);
}

Test(analysis, a_changed_mailmap_invalidates_the_cache)
{
	fx_repo *r = fx_repo_new(REPO);
	char *dir = fx_tmpdir(r, "cache");
	size_t read;

	free(report(r->path, dir, rules, NULL));
	free(report(r->path, dir, rules, &read));
	cr_expect_eq(read, 0);
	cr_assert_eq(fx_sh(NULL, r->path,
			   "printf 'Bot <bot@example.com> <author@example.com>\\n'"
			   " > .mailmap"), 0);
	free(report(r->path, dir, rules, &read));
	cr_expect_eq(read, 4, "all four commits are classified again");
	free(dir);
	fx_repo_free(r);
}

Test(analysis, a_changed_rule_set_invalidates_the_cache)
{
	fx_repo *r = fx_repo_new(REPO);
	char *dir = fx_tmpdir(r, "cache"), *file;
	gv_ruleset *more = NULL;
	gv_error err = {0};
	FILE *f;
	size_t read;

	free(report(r->path, dir, rules, NULL));
	file = fx_tmpdir(r, "rules");
	file = realloc(file, strlen(file) + 16);
	strcat(file, "/extra.rules");
	f = fopen(file, "w");
	fputs("[rule extra-feat]\ncategory = feature\nfield = subject\n"
	      "pattern = ^feat\\b\nconfidence = high\nrequires = feat\n"
	      "match = feat: x\nmatch = feat(y): z\nnomatch = fix: x\nnomatch = a feat\n", f);
	fclose(f);
	cr_assert_eq(gv_rules_new(&more, &err), 0);
	cr_assert_eq(gv_rules_add_default(more, &err), 0, "%s", err.msg);
	cr_assert_eq(gv_rules_add_path(more, file, &err), 0, "%s", err.msg);
	cr_assert_eq(gv_rules_compile(more, &err), 0, "%s", err.msg);
	free(report(r->path, dir, more, &read));
	cr_expect_eq(read, 4);
	gv_rules_free(more);
	free(file);
	free(dir);
	fx_repo_free(r);
}

/* A run the cache serves whole reads no commit object and compiles no rule;
 * a run with something new compiles the set on its first message. */
Test(analysis, nothing_new_means_no_rule_is_compiled)
{
	fx_repo *r = fx_repo_new(REPO);
	char *dir = fx_tmpdir(r, "cache");
	gv_ruleset *lazy = NULL;
	gv_error err = {0};
	size_t read;

	free(report(r->path, dir, rules, NULL));
	cr_assert_eq(gv_rules_new(&lazy, &err), 0);
	cr_assert_eq(gv_rules_add_default(lazy, &err), 0, "%s", err.msg);
	free(report(r->path, dir, lazy, &read));
	cr_expect_eq(read, 0);
	cr_expect_not(gv_rules_is_compiled(lazy));
	cr_assert_eq(fx_sh(NULL, r->path, "c 'fix: new' 2024-01-07T00:00:00Z"), 0);
	free(report(r->path, dir, lazy, &read));
	cr_expect_eq(read, 1);
	cr_expect(gv_rules_is_compiled(lazy));
	gv_rules_free(lazy);
	free(dir);
	fx_repo_free(r);
}

/* The bytes of the one cache file in dir, via the shell (its name is a hash
 * of the repository's real path). */
static char *cache_bytes(const char *dir)
{
	char *out = NULL;

	cr_assert_eq(fx_sh(&out, dir, "cksum *.cache"), 0);
	return out;
}

/* A tag on a commit already known reads nothing, yet the refs moved: the
 * file is rewritten for them, and a run after that rewrites nothing. */
Test(analysis, moved_refs_alone_rewrite_the_cache_once)
{
	fx_repo *r = fx_repo_new(REPO);
	char *dir = fx_tmpdir(r, "cache"), *warm, *cold, *sum1, *sum2, *sum3;
	size_t read;

	free(report(r->path, dir, rules, NULL));
	sum1 = cache_bytes(dir);
	cr_assert_eq(fx_sh(NULL, r->path, "at v1.2 2024-01-08T00:00:00Z HEAD~1"), 0);
	warm = report(r->path, dir, rules, &read);
	cr_expect_eq(read, 0);
	cold = report(r->path, NULL, rules, NULL);
	cr_expect_str_eq(warm, cold);
	cr_expect_not_null(strstr(warm, "\"v1.2\""));
	sum2 = cache_bytes(dir);
	cr_expect_str_neq(sum2, sum1, "rewritten for the new tag");
	free(warm);
	warm = report(r->path, dir, rules, &read);
	cr_expect_str_eq(warm, cold);
	sum3 = cache_bytes(dir);
	cr_expect_str_eq(sum3, sum2, "nothing moved: not rewritten");
	free(warm);
	free(cold);
	free(sum1);
	free(sum2);
	free(sum3);
	free(dir);
	fx_repo_free(r);
}

/* A commit whose author date does not parse: dated 1970 with a warning, on
 * a warm run too (the flag is in the cache), whether the history comes
 * back whole or commit by commit. */
Test(analysis, a_bad_date_is_reported_by_warm_runs_too)
{
	fx_repo *r = fx_repo_new(
		"c 'one' 2024-01-01T00:00:00Z\n"
		"printf 'tree %s\\nparent %s\\nauthor A <a@x> notadate\\n"
		"committer A <a@x> 1704153600 +0000\\n\\nbroken date\\n' "
		"$(git rev-parse HEAD^{tree}) $(git rev-parse HEAD) >../bad\n"
		"git update-ref refs/heads/main "
		"$(git hash-object --literally -t commit -w ../bad)\n");
	char *dir = fx_tmpdir(r, "cache"), *cold, *warm;
	size_t read;

	cold = report(r->path, NULL, rules, NULL);
	cr_assert_not_null(strstr(cold, "\"bad-date\""), "%s", cold);
	cr_expect_not_null(strstr(cold, "1970-01-01T00:00:00Z"));
	free(report(r->path, dir, rules, NULL));
	warm = report(r->path, dir, rules, &read);
	cr_expect_eq(read, 0);
	cr_expect_str_eq(warm, cold);
	free(warm);
	/* commit by commit: a new branch moves the refs */
	cr_assert_eq(fx_sh(NULL, r->path, "git branch other HEAD~1"), 0);
	free(cold);
	cold = report(r->path, NULL, rules, NULL);
	warm = report(r->path, dir, rules, &read);
	cr_expect_eq(read, 0);
	cr_expect_str_eq(warm, cold);
	cr_expect_not_null(strstr(warm, "\"bad-date\""));
	free(warm);
	free(cold);
	free(dir);
	fx_repo_free(r);
}
