/*
 * test_accuracy.c - `git-vitals rules accuracy`: a rule set measured against
 * a hand-labelled corpus (src/cli/accuracy.c), run as a whole program.
 *
 * Each test writes a small corpus and its own rule file to a temporary
 * directory, so the figures do not move when the default rules change.
 * The corpus has two projects:
 *
 *   a/a  strata s1 = 100, s2 = 300 commits (N = 400)
 *        s1: A1 A2        weight (100/400)/2 = 1/8 each
 *        s2: A3 A4 A5     weight (300/400)/3 = 1/4 each
 *   b/b  stratum x = 12 commits
 *        x:  B1 B2 B3     weight (12/12)/3 = 1/3 each
 *
 *   A1 "fix: crash in parser"      fix            -> fix high      (TP)
 *   A2 "fix: typo in docs"         nothing        -> fix high      (FP)
 *   A3 "a bug in the loop"         fix            -> fix low only  (FN)
 *   A4 Revert "fix: crash ..."     revert of A1   -> revert, target right
 *   A5 "update readme"             nothing        -> nothing
 *   B1 Revert "add thing"          revert of 2222 -> revert, target wrong
 *   B2 "fix: CVE-2024-1234 ..."    fix, security  -> fix, security high
 *   B3 "roll back the allocator"   rollback       -> rollback low only
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fixture.h"

static fx_run run;
static char *dir;

static void teardown(void)
{
	fx_run_free(&run);
	free(dir);
	dir = NULL;
}

TestSuite(accuracy, .fini = teardown);

static const char rules[] =
	"[rule t-fix]\ncategory = fix\nfield = subject\nconfidence = high\n"
	"pattern = ^fix:\nmatch = fix: a\nnomatch = feat: b\n\n"
	"[rule t-fix-low]\ncategory = fix\nfield = subject\n"
	"confidence = low\npattern = \\bbug\\b\nmatch = a bug\n"
	"nomatch = debug\n\n"
	"[rule t-sec]\ncategory = security\nfield = message\n"
	"confidence = high\npattern = CVE-\\d{4}-\\d+\n"
	"match = CVE-2024-1234\nnomatch = CVE\n\n"
	"[rule t-revert-id]\ncategory = revert\nfield = message\n"
	"confidence = high\npattern = ^This reverts commit ([0-9a-f]{7,40})\n"
	"flags = m\ncaptures = ref:revert\n"
	"match = This reverts commit 0123456\nnomatch = reverts\n\n"
	"[rule t-revert-subject]\ncategory = revert\nfield = subject\n"
	"confidence = high\npattern = ^Revert \"(.+)\"$\n"
	"captures = subject:revert\nmatch = Revert \"x\"\n"
	"nomatch = Revert x\n\n"
	"[rule t-reapply]\ncategory = revert\nfield = subject\n"
	"confidence = high\npattern = ^Reapply \"(.+)\"$\n"
	"captures = reapply\nmatch = Reapply \"x\"\nnomatch = Reapply x\n\n"
	"[rule t-revert-gh]\ncategory = revert\nfield = body\n"
	"confidence = high\npattern = ^Reverts ([\\w.-]+/[\\w.-]+#\\d+)\n"
	"flags = m\ncaptures = issue\nmatch = Reverts o/r#12\n"
	"nomatch = Reverts #12\n\n"
	"[rule t-rollback]\ncategory = rollback\nfield = subject\n"
	"confidence = low\npattern = \\broll back\\b\n"
	"match = roll back x\nnomatch = rollback\n";

#define ID(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c \
	c c c c c c c c c c
#define A1 ID("1")
#define REC(proj, id, stratum, msg, labels, target, tsubject)             \
	"{\"project\": \"" proj "\", \"id\": \"" id "\", \"stratum\": \""  \
	stratum "\", \"parents\": 1, \"author\": \"A U Thor <a@x.org>\", " \
	"\"message\": \"" msg "\", " labels ", \"revert_target\": \""      \
	target "\", \"revert_target_subject\": \"" tsubject "\", "         \
	"\"reason\": \"judged by hand\"}\n"
#define LABELS(f, s, r, b) "\"fix\": " f ", \"security\": " s \
	", \"revert\": " r ", \"rollback\": " b
#define NONE LABELS("false", "false", "false", "false")

static const char corpus_a[] =
	"{\"project\": \"a/a\", \"head\": \"" A1 "\", \"branch\": null, "
	"\"seed\": 7, \"strata\": {\"s1\": 100, \"s2\": 300}}\n"
	REC("a/a", A1, "s1", "fix: crash in parser\\n",
	    LABELS("true", "false", "false", "false"), "", "")
	REC("a/a", ID("2"), "s1", "fix: typo in docs\\n", NONE, "", "")
	"\n"    /* a blank line is skipped */
	REC("a/a", ID("3"), "s2", "a bug in the loop\\n",
	    LABELS("true", "false", "false", "false"), "", "")
	REC("a/a", ID("4"), "s2", "Revert \\\"fix: crash in parser\\\"\\n\\n"
	    "This reverts commit " A1 ".\\n",
	    LABELS("false", "false", "true", "false"), A1,
	    "fix: crash in parser")
	REC("a/a", ID("5"), "s2", "update readme\\n", NONE, "", "");

static const char corpus_b[] =
	"{\"project\": \"b/b\", \"head\": \"" A1 "\", \"branch\": null, "
	"\"seed\": 7, \"strata\": {\"x\": 12}}\n"
	REC("b/b", ID("6"), "x", "Revert \\\"add thing\\\"\\n\\n"
	    "This reverts commit 1111111.\\n",
	    LABELS("false", "false", "true", "false"), ID("2"),
	    "add other thing")
	REC("b/b", ID("7"), "x", "fix: CVE-2024-1234 overflow\\n",
	    LABELS("true", "true", "false", "false"), "", "")
	REC("b/b", ID("8"), "x", "roll back the allocator\\n",
	    LABELS("false", "false", "false", "true"), "", "");

static char *path_in(const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	cr_assert_not_null(p);
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

static void write_file(const char *name, const char *text)
{
	char *p = path_in(name);
	FILE *f = fopen(p, "w");

	cr_assert_not_null(f, "cannot write %s", p);
	cr_assert_eq(fwrite(text, 1, strlen(text), f), strlen(text));
	cr_assert_eq(fclose(f), 0);
	free(p);
}

/* A fresh directory with t.rules and the corpus in corpus/ (a.jsonl,
 * b.jsonl). */
static void setup_corpus(void)
{
	char *c;

	dir = fx_tmpdir(NULL, "accuracy");
	write_file("t.rules", rules);
	c = path_in("corpus");
	cr_assert_eq(mkdir(c, 0700), 0, "mkdir %s", c);
	free(c);
	write_file("corpus/a.jsonl", corpus_a);
	write_file("corpus/b.jsonl", corpus_b);
}

/* Runs `git-vitals rules accuracy --rules t.rules ARGS...` in dir. */
#define accuracy(...) accuracy_argv((const char *const[]){ \
	"rules", "accuracy", "--rules", "t.rules", __VA_ARGS__, NULL })

static int accuracy_argv(const char *const *argv)
{
	fx_run_free(&run);
	fx_gv_argv(&run, dir, argv);
	return run.status;
}

static void expect_num(const char *path, double want)
{
	cr_assert_not_null(run.json, "stdout is not JSON: %.300s (stderr %s)",
			   run.out, run.err);
	cr_expect(fabs(fx_num(run.json, path) - want) < 1e-9,
		  "%s: want %.10g, got %.10g", path, want,
		  fx_num(run.json, path));
}

Test(accuracy, weights_make_each_project_count_once)
{
	setup_corpus();
	cr_assert_eq(accuracy("--format", "json", "corpus"), 0, "stderr: %s",
		     run.err);
	/* fix, counted: TP A1 1/8 + B2 1/3 = 11/24, FP A2 1/8 = 3/24,
	 * FN A3 1/4 = 6/24: precision 11/14, recall 11/17 (unweighted it
	 * would be 2/3 and 2/3). */
	expect_num("pooled.labels.fix.counted.precision", 11.0 / 14.0);
	expect_num("pooled.labels.fix.counted.recall", 11.0 / 17.0);
	cr_expect_eq(fx_int(run.json, "pooled.labels.fix.counted.tp"), 2);
	cr_expect_eq(fx_int(run.json, "pooled.labels.fix.counted.fp"), 1);
	cr_expect_eq(fx_int(run.json, "pooled.labels.fix.counted.fn"), 1);
	/* low only: A3 alone, right; recall 6/24 of 17/24 */
	expect_num("pooled.labels.fix.low.precision", 1.0);
	expect_num("pooled.labels.fix.low.recall", 6.0 / 17.0);
	/* any: TP 17/24, FP 3/24 */
	expect_num("pooled.labels.fix.any.precision", 17.0 / 20.0);
	expect_num("pooled.labels.fix.any.recall", 1.0);
	expect_num("pooled.labels.security.counted.precision", 1.0);
	expect_num("pooled.labels.revert.counted.recall", 1.0);
	/* Wilson 95% of 2 of 3: (2/3 + z^2/6) / (1 + z^2/3) -+ ... */
	expect_num("pooled.labels.fix.counted.precision_ci95.0",
		   0.2076596008);
	expect_num("pooled.labels.fix.counted.precision_ci95.1",
		   0.9385080553);
	/* per project: a/a fix TP 1/8, FP 1/8, FN 1/4 */
	cr_expect_str_eq(fx_str(run.json, "projects.0.project"), "a/a");
	expect_num("projects.0.labels.fix.counted.precision", 0.5);
	expect_num("projects.0.labels.fix.counted.recall", 1.0 / 3.0);
	expect_num("projects.1.labels.fix.counted.precision", 1.0);
	cr_expect_eq(fx_int(run.json, "pooled.records"), 8);
	cr_expect_eq(fx_int(run.json, "projects.1.records"), 3);
}

Test(accuracy, revert_target_by_ref_and_subject)
{
	setup_corpus();
	cr_assert_eq(accuracy("--format", "json", "corpus"), 0, "stderr: %s",
		     run.err);
	/* A4 names A1 (ref and subject): right; B1 names 1111111 and quotes
	 * "add thing", the target is 2222... "add other thing": wrong. */
	cr_expect_eq(fx_int(run.json, "pooled.revert_target.right"), 1);
	cr_expect_eq(fx_int(run.json, "pooled.revert_target.total"), 2);
	expect_num("pooled.revert_target.rate", 0.5);
	expect_num("projects.0.revert_target.rate", 1.0);
	expect_num("projects.1.revert_target.rate", 0.0);
}

/* c/c: one stratum of 3 records, each weighing 1/3. A Reapply "X" names
 * the commit `Revert "X"`; "Reverts o/r#12" names the commit whose subject
 * says #12 (and not #120). */
static const char corpus_c[] =
	"{\"project\": \"c/c\", \"strata\": {\"r\": 3}}\n"
	REC("c/c", ID("a"), "r", "Reapply \\\"add cache\\\"\\n",
	    LABELS("false", "false", "true", "false"), ID("9"),
	    "Revert \\\"add cache\\\"")
	REC("c/c", ID("b"), "r", "Undo the thing\\n\\nReverts o/r#12\\n",
	    LABELS("false", "false", "true", "false"), ID("8"),
	    "Add thing (#12)")
	REC("c/c", ID("c"), "r", "Undo more\\n\\nReverts o/r#12\\n",
	    LABELS("false", "false", "true", "false"), ID("7"),
	    "Add other (#120)");

Test(accuracy, revert_target_by_reapply_and_issue)
{
	setup_corpus();
	write_file("c.jsonl", corpus_c);
	cr_assert_eq(accuracy("--format", "json", "c.jsonl"), 0, "stderr: %s",
		     run.err);
	expect_num("pooled.labels.revert.counted.precision", 1.0);
	cr_expect_eq(fx_int(run.json, "pooled.revert_target.right"), 2);
	cr_expect_eq(fx_int(run.json, "pooled.revert_target.total"), 3);
}

Test(accuracy, rollback_rules_all_low_are_not_counted)
{
	setup_corpus();
	cr_assert_eq(accuracy("--format", "json", "corpus"), 0);
	cr_expect(fx_is_null(run.json,
			     "pooled.labels.rollback.counted.precision"));
	expect_num("pooled.labels.rollback.counted.recall", 0.0);
	expect_num("pooled.labels.rollback.low.precision", 1.0);
	/* a precision floor passes as "not counted", a recall floor fails */
	cr_assert_eq(accuracy("--format", "json", "--floor",
			      "rollback:precision=0.8", "corpus"), 0,
		     "stderr: %s", run.err);
	cr_expect_str_eq(fx_str(run.json, "floors.0.result"), "not counted");
	cr_assert_eq(accuracy("--format", "text", "--floor",
			      "rollback:precision=0.8", "--floor",
			      "rollback:recall=0.1", "corpus"), 4);
	cr_expect(strstr(run.out, "PASS rollback:precision >= 0.8: not "
			 "counted"), "%s", run.out);
	cr_expect(strstr(run.out, "FAIL rollback:recall >= 0.1: 0.000"),
		  "%s", run.out);
	cr_expect(strstr(run.err, "floor failed: rollback:recall=0.1"), "%s",
		  run.err);
}

Test(accuracy, floors_pass_and_fail)
{
	setup_corpus();
	/* fix precision 11/14 = 0.7857, revert target 0.5 */
	cr_expect_eq(accuracy("--floor", "fix:precision=0.78", "--floor",
			      "revert:target=0.5", "corpus"), 0,
		     "stderr: %s", run.err);
	cr_expect_eq(accuracy("--floor", "fix:precision=0.79", "corpus"), 4);
	cr_expect_eq(accuracy("--floor", "revert:target=0.6", "corpus"), 4);
	cr_expect_eq(accuracy("--format", "json", "--floor",
			      "fix:recall=0.9", "corpus"), 4);
	cr_expect_str_eq(fx_str(run.json, "floors.0.result"), "fail");
	expect_num("floors.0.value", 11.0 / 17.0);
	/* malformed floors are usage errors */
	cr_expect_eq(accuracy("--floor", "fix:target=0.5", "corpus"), 1);
	cr_expect_eq(accuracy("--floor", "fix:precision=1.5", "corpus"), 1);
	cr_expect_eq(accuracy("--floor", "bug:recall=0.5", "corpus"), 1);
	cr_expect_eq(accuracy("--floor", "fix=0.5", "corpus"), 1);
}

Test(accuracy, text_tables_and_misses)
{
	setup_corpus();
	cr_assert_eq(accuracy("--format", "text", "--misses", "corpus"), 0,
		     "stderr: %s", run.err);
	cr_expect(strstr(run.out, "| fix | counted | 0.786 | 0.21-0.94 | "
			 "0.647 | 2 | 1 | 1 |"), "%s", run.out);
	cr_expect(strstr(run.out, "## a/a: 5 records"), "%s", run.out);
	/* A2 is a false positive, A3 a false negative (labelled low only) */
	cr_expect(strstr(run.out, "FP fix      a/a 222222222222 s1 (high)\n"
			 "   rules:   t-fix\n   subject: fix: typo in docs\n"
			 "   reason:  judged by hand\n"), "%s", run.out);
	cr_expect(strstr(run.out, "FN fix      a/a 333333333333 s2 (low)"),
		  "%s", run.out);
	cr_expect(strstr(run.out, "FN rollback b/b 888888888888 x (low)"),
		  "%s", run.out);
	cr_expect(!strstr(run.out, "111111111111"), "A1 is no miss");
	/* B1 is a revert whose target was not found */
	cr_expect(strstr(run.out, "WT revert   b/b 666666666666 x (high)\n"
			 "   rules:   t-revert-id t-revert-subject\n"
			 "   subject: Revert \"add thing\"\n"
			 "   target:  " ID("2") " add other thing\n"),
		  "%s", run.out);
	/* the same in JSON, in record order: A2 comes first */
	cr_assert_eq(accuracy("--format", "json", "--misses", "corpus"), 0);
	cr_expect_str_eq(fx_str(run.json, "misses.0.miss"), "false-positive");
	cr_expect_str_eq(fx_str(run.json, "misses.0.label"), "fix");
	cr_expect_str_eq(fx_str(run.json, "misses.0.rules"), "t-fix");
	cr_expect_str_eq(fx_str(run.json, "misses.0.reason"),
			 "judged by hand");
	cr_expect_str_eq(fx_str(run.json, "misses.1.miss"), "false-negative");
	cr_expect_str_eq(fx_str(run.json, "misses.1.confidence"), "low");
}

Test(accuracy, project_filter_and_single_file)
{
	setup_corpus();
	cr_assert_eq(accuracy("--format", "json", "--project", "b/b",
			      "corpus"), 0, "stderr: %s", run.err);
	cr_expect_eq(fx_int(run.json, "pooled.records"), 3);
	cr_assert_eq(accuracy("--format", "json", "corpus/a.jsonl"), 0);
	expect_num("pooled.labels.fix.counted.precision", 0.5);
	cr_expect_eq(accuracy("--project", "c/c", "corpus"), 2);
}

/* Writes corpus/bad.jsonl (after a.jsonl's header) and expects exit 2
 * with `git-vitals: corpus/bad.jsonl:LINE: why`. */
static void expect_bad(const char *lines, unsigned line, const char *why)
{
	char *text, want[256];
	size_t n = strlen(lines) + 200;

	text = malloc(n);
	cr_assert_not_null(text);
	snprintf(text, n, "{\"project\": \"a/a\", \"strata\": {\"s1\": 100, "
		 "\"s2\": 300}}\n%s", lines);
	write_file("corpus/bad.jsonl", text);
	free(text);
	cr_assert_eq(accuracy("corpus/bad.jsonl"), 2, "%s: exit %d, %s", why,
		     run.status, run.err);
	snprintf(want, sizeof(want), "git-vitals: corpus/bad.jsonl:%u: %s",
		 line, why);
	cr_expect(strstr(run.err, want), "want %s, got %s", want, run.err);
}

Test(accuracy, malformed_input_names_file_and_line)
{
	setup_corpus();
	expect_bad(REC("a/a", A1, "s1", "x", LABELS("null", "false", "false",
		   "false"), "", ""), 2, "\"fix\" is null");
	expect_bad(REC("a/a", A1, "s1", "x", NONE, "", "") "{\"id\": \n", 3,
		   "not a JSON value");
	expect_bad(REC("a/a", A1, "s9", "x", NONE, "", ""), 2,
		   "stratum \"s9\" is not in the header");
	expect_bad(REC("a/a", "123", "s1", "x", NONE, "", ""), 2,
		   "\"id\" is not 40 hex digits");
	expect_bad(REC("b/b", A1, "s1", "x", NONE, "", ""), 2,
		   "\"project\" is not \"a/a\"");
	expect_bad(REC("a/a", A1, "s1", "x", NONE, "beef", ""), 2,
		   "\"revert_target\" is not");
	expect_bad(REC("a/a", A1, "s1", "x", NONE, "", "")
		   REC("a/a", A1, "s1", "y", NONE, "", ""), 3,
		   "commit " A1 " again (first at corpus/bad.jsonl:2)");
	expect_bad(REC("a/a", A1, "s1", "x", NONE, "", "") "[1]\n", 3,
		   "a record is a JSON object");
	/* a record where the header should be */
	write_file("corpus/bad.jsonl", REC("a/a", A1, "s1", "x", NONE, "",
					   ""));
	cr_expect_eq(accuracy("corpus/bad.jsonl"), 2);
	cr_expect(strstr(run.err, "bad.jsonl:1: expected the header"), "%s",
		  run.err);
	cr_expect_eq(accuracy("corpus/none.jsonl"), 2);
	/* no corpus path */
	cr_expect_eq(accuracy_argv((const char *const[]){ "rules", "accuracy",
							   NULL }), 1);
}
