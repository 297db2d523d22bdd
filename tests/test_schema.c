/*
 * test_schema.c - real reports validate against docs/schema/report-1.schema.json,
 * and broken documents do not (so neither the schema nor the validator can
 * be a no-op).
 *
 * The schema is read from the source tree: $GV_SRCDIR (default: the current
 * directory, which is the repository root under `make check`).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "jsonschema.h"

static cJSON *schema;
static fx_repo *repo;
static fx_run run;

static void load_schema(void)
{
	const char *src = getenv("GV_SRCDIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/docs/schema/report-1.schema.json",
		 src && *src ? src : ".");
	size_t len = 0;
	char *text = fx_read_file(path, &len);
	cr_assert_not_null(text, "cannot read %s", path);
	schema = cJSON_ParseWithLength(text, len);
	free(text);
	cr_assert_not_null(schema, "%s is not JSON", path);
}

static void teardown(void)
{
	fx_run_free(&run);
	fx_repo_free(repo);
	repo = NULL;
	cJSON_Delete(schema);
	schema = NULL;
}

TestSuite(schema, .init = load_schema, .fini = teardown);

static void expect_valid(const cJSON *doc, const char *what)
{
	char err[512];
	int n = js_validate(schema, doc, err, sizeof(err));
	cr_expect_eq(n, 0, "%s: %d violation(s), first: %s", what, n, err);
}

static void expect_invalid(const char *json, const char *why)
{
	cJSON *doc = cJSON_Parse(json);
	cr_assert_not_null(doc, "bad test JSON: %s", json);
	char err[512];
	cr_expect_gt(js_validate(schema, doc, err, sizeof(err)), 0,
		     "accepted a document with %s", why);
	cJSON_Delete(doc);
}

/* Runs the binary; the report must validate. */
#define report_validates(what, ...) \
	report_validates_argv(what, (const char *const[]){ __VA_ARGS__, NULL })

static void report_validates_argv(const char *what, const char *const *argv)
{
	fx_run_free(&run);
	fx_gv_argv(&run, repo->path, argv);
	cr_assert_eq(run.status, 0, "%s: exit %d: %s", what, run.status,
		     run.err);
	cr_assert_not_null(run.json, "%s: not JSON: %.300s", what, run.out);
	expect_valid(run.json, what);
}

/* A hand-written report with every member, nulls and non-nulls. */
#define SHA "0123456789abcdef0123456789abcdef01234567"
static const char GOOD_HEAD[] =
	"{\"schema\":\"git-vitals/report/1\","
	"\"generator\":{\"name\":\"git-vitals\",\"version\":\"0.1.0\"},"
	"\"repository\":{\"path\":\".\",\"head\":\"" SHA "\","
	"\"revs\":[\"HEAD\"],\"shallow\":false},"
	"\"window\":{\"since\":\"2024-01-01T00:00:00Z\",\"until\":null},"
	"\"warnings\":[{\"code\":\"tag-not-commit\",\"message\":\"m\","
	"\"count\":2}],"
	"\"counts\":{\"commits\":3,\"merges\":1,\"releases\":1,\"fixes\":0,"
	"\"reverts\":0,\"rollbacks\":0,\"security\":0},"
	"\"releases\":[{\"tag\":\"v1.0\",\"commit\":\"" SHA "\","
	"\"time\":\"2024-01-02T00:00:00Z\",\"new_commits\":3}],"
	"\"metrics\":{\"lead_time\":{\"samples\":2,\"unreleased\":0,"
	"\"clamped\":0,\"median_s\":10,\"p75_s\":20,\"p90_s\":20,"
	"\"mean_s\":15},\"deployment_frequency\":{\"releases\":1,"
	"\"days\":7.5,\"per_week\":0.9333}},"
	"\"commits\":[{\"sha\":\"" SHA "\","
	"\"author_time\":\"2024-01-01T00:00:00Z\","
	"\"commit_time\":\"2024-01-01T00:00:00Z\",\"merge\":false,"
	"\"labels\":[],\"rules\":[],\"refs\":[{\"sha\":\"abc1234\","
	"\"kind\":\"fixes\",\"resolved\":false}],\"ids\":[],\"issues\":[],"
	"\"confidence\":{},\"release\":\"v1.0\",\"lead_time_s\":10}]";

static char *good_with(const char *tail)
{
	size_t n = strlen(GOOD_HEAD) + strlen(tail) + 2;
	char *s = malloc(n);
	cr_assert_not_null(s);
	snprintf(s, n, "%s%s}", GOOD_HEAD, tail);
	return s;
}

Test(schema, hand_written_complete_report_is_valid)
{
	char *json = good_with("");
	cJSON *doc = cJSON_Parse(json);
	cr_assert_not_null(doc);
	expect_valid(doc, "hand-written report");
	cJSON_Delete(doc);
	free(json);
}

Test(schema, broken_documents_fail_validation)
{
	static const char *const bad[][2] = {
		{ ",\"schema\":\"git-vitals/report/2\"", "a wrong schema id" },
		{ ",\"releases\":[{\"tag\":\"v1\",\"commit\":\"abc\","
		  "\"time\":\"2024-01-02T00:00:00Z\",\"new_commits\":1}]",
		  "a short sha" },
		{ ",\"releases\":[{\"tag\":\"v1\",\"commit\":\"" SHA "\","
		  "\"time\":\"2024-01-02 00:00:00\",\"new_commits\":1}]",
		  "a time that is not ISO UTC" },
		{ ",\"releases\":[{\"tag\":\"v1\",\"commit\":\"" SHA "\","
		  "\"time\":\"2024-01-02T00:00:00Z\"}]",
		  "a release without new_commits" },
		{ ",\"counts\":{\"commits\":-1,\"merges\":0,\"releases\":0,"
		  "\"fixes\":0,\"reverts\":0,\"rollbacks\":0,\"security\":0}",
		  "a negative count" },
		{ ",\"metrics\":{\"lead_time\":{\"samples\":1,\"unreleased\":0,"
		  "\"clamped\":0,\"median_s\":1.5,\"p75_s\":2,\"p90_s\":2,"
		  "\"mean_s\":2},\"deployment_frequency\":{\"releases\":0,"
		  "\"days\":null,\"per_week\":null}}",
		  "a fractional duration" },
		{ ",\"metrics\":{\"lead_time\":{\"samples\":0,\"unreleased\":0,"
		  "\"clamped\":0,\"median_s\":null,\"p75_s\":null,"
		  "\"p90_s\":null},"
		  "\"deployment_frequency\":{\"releases\":0,\"days\":null,"
		  "\"per_week\":null}}",
		  "a lead_time without mean_s" },
		{ ",\"repository\":{\"path\":\".\",\"head\":null,\"revs\":[],"
		  "\"shallow\":false,\"branch\":\"main\"}",
		  "an unknown repository member" },
		{ ",\"releases\":[{\"tag\":\"v1\",\"commit\":\"" SHA "\","
		  "\"time\":\"2024-01-02T00:00:00Z\",\"new_commits\":1,"
		  "\"failures\":[{\"culprit\":\"x\",\"remediation\":\"" SHA "\","
		  "\"kind\":\"fixes\"}]}]",
		  "a failure whose culprit is not a sha" },
		{ ",\"repository\":{\"path\":\".\",\"head\":0,\"revs\":[],"
		  "\"shallow\":false}",
		  "a numeric head" },
		{ ",\"window\":{\"since\":null}", "a window without until" },
		{ ",\"warnings\":[{\"code\":\"shallow\",\"message\":\"m\"}]",
		  "a warning without a count" },
		{ ",\"commits\":[{\"sha\":\"" SHA "\"}]",
		  "a commit without its members" },
	};
	/* Each broken member is appended after the good one of the same name;
	 * the good one (the first) is then detached, so the document differs
	 * from the valid one in that member only. */
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		char *json = good_with(bad[i][0]);
		cJSON *doc = cJSON_Parse(json);
		cr_assert_not_null(doc, "bad test JSON: %s", json);
		const char *name = strchr(bad[i][0], '"') + 1;
		size_t len = (size_t)(strchr(name, '"') - name);
		char key[32];
		memcpy(key, name, len);
		key[len] = '\0';
		cJSON *good = cJSON_DetachItemFromObjectCaseSensitive(doc, key);
		cr_assert_not_null(good, "%s: no member %s", bad[i][1], key);
		cJSON_Delete(good);
		cr_assert_not_null(cJSON_GetObjectItemCaseSensitive(doc, key),
				   "%s: the broken member is gone", bad[i][1]);
		char *again = cJSON_PrintUnformatted(doc);
		cr_assert_not_null(again);
		expect_invalid(again, bad[i][1]);
		free(again);
		cJSON_Delete(doc);
		free(json);
	}
	expect_invalid("[]", "an array at the top");
	expect_invalid("{}", "no members at all");
}

Test(schema, validator_rejects_keywords_it_does_not_know)
{
	cJSON *s = cJSON_Parse("{\"type\":\"object\",\"maxProperties\":1}");
	cJSON *doc = cJSON_Parse("{\"a\":1,\"b\":2}");
	cr_assert(s && doc);
	char err[256];
	cr_expect_gt(js_validate(s, doc, err, sizeof(err)), 0);
	cr_expect_not_null(strstr(err, "maxProperties"), "%s", err);
	cJSON_Delete(s);
	cJSON_Delete(doc);
}

/* Tags of every kind, a merge, a maintenance tag off HEAD, an unreleased
 * commit, a tag at a blob. */
static const char REPO[] =
	"c alpha 2024-01-02T00:00:00Z\n"
	"lt v1.0\n"
	"c bravo 2024-01-04T00:00:00Z 2024-01-09T00:00:00Z\n"
	"at v1.1 2024-01-05T00:00:00Z\n"
	"git checkout -q -b maint\n"
	"c charlie 2024-01-06T00:00:00Z\n"
	"at v1.1.1 2024-01-07T00:00:00Z\n"
	"git checkout -q main\n"
	"c delta 2024-01-08T00:00:00Z\n"
	"m maint 2024-01-09T00:00:00Z merge\n"
	"git tag v9.9 \"$(echo blob | git hash-object -w --stdin)\"\n"
	"c echo 2024-01-10T00:00:00Z\n";

Test(schema, real_reports_validate)
{
	repo = fx_repo_shared("schema", REPO);
	report_validates("default", "--format", "json", ".");
	/* the blob tag gave a warning, so warnings are checked too */
	cr_expect_gt(cJSON_GetArraySize(cJSON_GetObjectItem(run.json,
							    "warnings")),
		     0);
	report_validates("--commits --pretty", "--format", "json",
			 "--commits", "--pretty", ".");
	report_validates("window", "--format", "json", "--commits", "--since",
			 "2024-01-05", "--until", "2024-01-09T12:00:00Z", ".");
	report_validates("--all", "--format", "json", "--all", "--commits",
			 ".");
	report_validates("no samples", "--format", "json", "--since", "1d",
			 "--commits", ".");
}

Test(schema, empty_repository_report_validates)
{
	repo = fx_repo_new("");
	report_validates("empty", "--format", "json", "--commits", ".");
}

/* The demo repository has labels, references and vulnerability ids, so its
 * commits exercise every member of a commit entry. */
Test(schema, demo_report_with_commits_validates)
{
	const char *srcdir = getenv("GV_SRCDIR");
	char *src = realpath(srcdir && *srcdir ? srcdir : ".", NULL);
	cr_assert_not_null(src);
	repo = fx_repo_new("");
	int rc = fx_sh(NULL, repo->root,
		       "sh '%s/samples/make-demo-repo.sh' repo >/dev/null", src);
	free(src);
	cr_assert_eq(rc, 0, "the demo script failed");
	report_validates("demo", "--format", "json", "--commits", "--all",
			 "--include-prereleases", ".");
}

/* ---- the batch error line and the fleet summary (issue 13) ---- */

static cJSON *load(const char *name)
{
	const char *src = getenv("GV_SRCDIR");
	char path[4096];
	size_t len = 0;

	snprintf(path, sizeof(path), "%s/docs/schema/%s", src && *src ? src : ".",
		 name);
	char *text = fx_read_file(path, &len);
	cr_assert_not_null(text, "cannot read %s", path);
	cJSON *s = cJSON_ParseWithLength(text, len);
	free(text);
	cr_assert_not_null(s, "%s is not JSON", path);
	return s;
}

static int violations(const cJSON *s, const char *json, char *err, size_t n)
{
	cJSON *doc = cJSON_Parse(json);
	cr_assert_not_null(doc, "not JSON: %s", json);
	int v = js_validate(s, doc, err, n);
	cJSON_Delete(doc);
	return v;
}

Test(schema, batch_error_lines_and_summaries_validate)
{
	cJSON *es = load("batch-error-1.schema.json");
	cJSON *ss = load("batch-summary-1.schema.json");
	char err[512], *dir, man[4096], sum[4096];
	const char *line;
	size_t lines = 0, errors = 0;
	FILE *f;

	repo = fx_repo_new("c 'add a' 2024-01-01T00:00:00Z\n"
			   "git tag v1.0\n"
			   "c 'fix b' 2024-01-05T00:00:00Z\n"
			   "git tag v1.1\n");
	dir = fx_tmpdir(repo, "fleet");
	snprintf(man, sizeof(man), "%s/m.txt", dir);
	snprintf(sum, sizeof(sum), "%s/sum.json", dir);
	cr_assert_not_null(f = fopen(man, "w"));
	fprintf(f, "%s name=ok\n%s/missing name=gone\n%s bogus\n", repo->path,
		repo->root, repo->path);
	cr_assert_eq(fclose(f), 0);
	fx_gv(&run, repo->root, "batch", "--no-cache", "-q", "--summary", sum,
	      man, NULL);
	cr_assert_eq(run.status, 3, "%s", run.err);
	/* each line: a report (the report schema) or an error line */
	for (line = run.out; *line;) {
		const char *nl = strchr(line, '\n');
		char *one = strndup(line, (size_t)(nl - line));
		cJSON *doc = cJSON_Parse(one);
		cr_assert_not_null(doc);
		if (fx_get(doc, "error")) {
			errors++;
			cr_expect_eq(js_validate(es, doc, err, sizeof(err)), 0,
				     "error line: %s: %s", err, one);
			cr_expect_gt(js_validate(schema, doc, err, sizeof(err)), 0,
				     "an error line passes as a report");
		} else {
			cr_expect_eq(js_validate(schema, doc, err, sizeof(err)), 0,
				     "report line: %s", err);
			cr_expect_gt(js_validate(es, doc, err, sizeof(err)), 0,
				     "a report passes as an error line");
		}
		cJSON_Delete(doc);
		free(one);
		lines++;
		line = nl + 1;
	}
	cr_expect_eq(lines, 2);
	cr_expect_eq(errors, 1);
	/* the summary file, and the same from `git-vitals summary` */
	char *text = fx_read_file(sum, NULL);
	cr_assert_not_null(text);
	cr_expect_eq(violations(ss, text, err, sizeof(err)), 0, "summary: %s", err);
	cJSON *doc = cJSON_Parse(text);
	cr_expect_eq(fx_int(doc, "counts.malformed_lines"), 1);
	cJSON_Delete(doc);
	free(text);
	/* broken documents fail */
	cr_expect_gt(violations(es, "{\"schema\":\"git-vitals/report/1\","
				"\"generator\":{\"name\":\"git-vitals\",\"version\":"
				"\"0.1.0\"},\"repository\":{\"path\":\"x\"},\"error\":"
				"{\"code\":-2,\"message\":\"m\",\"extra\":1}}",
				err, sizeof(err)), 0);
	cr_expect_gt(violations(ss, "{\"schema\":\"git-vitals/batch-summary/1\","
				"\"generator\":{\"name\":\"git-vitals\",\"version\":"
				"\"0.1.0\"},\"counts\":{\"repositories\":1,\"ok\":1,"
				"\"failed\":0,\"malformed_lines\":0},\"repositories\":"
				"[{\"name\":\"a\",\"path\":\"a\",\"status\":\"fine\"}],"
				"\"fleet\":{\"metrics\":{}},\"malformed_lines\":[]}",
				err, sizeof(err)), 0);
	cJSON_Delete(es);
	cJSON_Delete(ss);
	free(dir);
}
