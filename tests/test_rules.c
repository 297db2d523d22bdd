/*
 * test_rules.c - the rule engine: the rule file parser and its errors (each
 * kind, with file, line and column), compiling, the self-tests of rule
 * examples, `rules show`, the bounded regex wrapper, and the default rules
 * compiled into the binary.
 *
 * Bad rule files live in tests/data/rules/; columns in the expectations are
 * counted by hand from those files (1-based bytes).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <time.h>

#include "fixture.h"
#include "gv/classify.h"
#include "gv/regex.h"
#include "gv/rules.h"

static gv_ruleset *rs;
static gv_buf buf;

static void teardown(void)
{
	gv_rules_free(rs);
	rs = NULL;
	gv_buf_free(&buf);
}

TestSuite(rules, .fini = teardown);

static const char *data_path(const char *name)
{
	static char path[4096];
	const char *src = getenv("GV_SRCDIR");

	snprintf(path, sizeof(path), "%s/tests/data/rules/%s",
		 src && *src ? src : ".", name);
	return path;
}

/* Loads and compiles a bad file; returns the error (code and message). */
static gv_error load_bad(const char *name)
{
	gv_error err = { 0, "" };
	int rc;

	cr_assert_eq(gv_rules_new(&rs, &err), 0);
	rc = gv_rules_add_path(rs, data_path(name), &err);
	if (!rc)
		rc = gv_rules_compile(rs, &err);
	cr_assert_eq(rc, GV_EINPUT, "%s: expected GV_EINPUT, got %d (%s)",
		     name, rc, err.msg);
	return err;
}

/* The message starts "<path>:<line>:<col>: " and contains `what`. */
static void assert_pos(const gv_error *err, const char *name, unsigned line,
		       unsigned col, const char *what)
{
	char prefix[4200];

	snprintf(prefix, sizeof(prefix), "%s:%u:%u: ", data_path(name), line,
		 col);
	cr_assert(!strncmp(err->msg, prefix, strlen(prefix)),
		  "expected '%s...', got '%s'", prefix, err->msg);
	cr_assert_not_null(strstr(err->msg, what), "'%s' not in '%s'", what,
			   err->msg);
}

static void load_text(const char *text)
{
	gv_error err = { 0, "" };

	cr_assert_eq(gv_rules_new(&rs, &err), 0);
	cr_assert_eq(gv_rules_add_buffer(rs, "mem.rules", text, strlen(text),
					 &err), 0, "%s", err.msg);
	cr_assert_eq(gv_rules_compile(rs, &err), 0, "%s", err.msg);
}

Test(rules, bad_regex_reports_pcre2_message_and_column)
{
	/* line 5 is "pattern = foo(bar": the value starts at column 11, PCRE2
	 * stops at offset 7 (the end), so column 11 + 7 = 18. */
	gv_error err = load_bad("bad_regex.rules");

	assert_pos(&err, "bad_regex.rules", 5, 18,
		   "bad pattern: missing closing parenthesis (at offset 7)");
}

Test(rules, bad_regex_on_a_continuation_line_points_into_that_line)
{
	/* The pattern is "\b(?:" "heap" "| stack[" ")\b" joined by newlines
	 * (5+1+4+1+8+1+3 = 23 bytes); PCRE2 fails at offset 23, the end. Line 9
	 * is "\t)\b": its text starts at column 2 (offset 20), so 2 + 3 = 5. */
	gv_error err = load_bad("bad_regex_continued.rules");

	assert_pos(&err, "bad_regex_continued.rules", 9, 5,
		   "missing terminating ] for character class");
}

Test(rules, unknown_category_points_at_the_value)
{
	gv_error err = load_bad("unknown_category.rules");

	assert_pos(&err, "unknown_category.rules", 2, 12,
		   "unknown category 'fixes'");
}

Test(rules, unknown_field_points_at_the_value_after_blanks)
{
	/* "field   =   trailers:Fixes": '=' at 9, value at 13. */
	gv_error err = load_bad("unknown_field.rules");

	assert_pos(&err, "unknown_field.rules", 3, 13,
		   "unknown field 'trailers:Fixes'");
}

Test(rules, duplicate_id_names_the_first_definition)
{
	/* "[rule  same]" on line 7: the id starts at column 8. */
	gv_error err = load_bad("duplicate_id.rules");
	char first[4200];

	assert_pos(&err, "duplicate_id.rules", 7, 8,
		   "duplicate rule id 'same'");
	snprintf(first, sizeof(first), "first defined at %s:1",
		 data_path("duplicate_id.rules"));
	cr_assert_not_null(strstr(err.msg, first), "%s", err.msg);
}

Test(rules, missing_required_key_points_at_the_rule_header)
{
	gv_error err = load_bad("missing_pattern.rules");

	assert_pos(&err, "missing_pattern.rules", 3, 1,
		   "rule 'no-pattern': missing required key 'pattern'");
}

Test(rules, unknown_key_is_an_error)
{
	gv_error err = load_bad("unknown_key.rules");

	assert_pos(&err, "unknown_key.rules", 3, 1, "unknown key 'feild'");
}

Test(rules, unknown_capture_kind_points_at_the_token)
{
	/* "captures = ref:revert ref:bogus": value at 12, 2nd token at 23. */
	gv_error err = load_bad("bad_capture.rules");

	assert_pos(&err, "bad_capture.rules", 6, 23,
		   "unknown capture 'ref:bogus'");
}

Test(rules, more_captures_than_groups_is_an_error)
{
	gv_error err = load_bad("too_many_captures.rules");

	assert_pos(&err, "too_many_captures.rules", 6, 12,
		   "captures names 3 groups, the pattern has 1");
}

Test(rules, unknown_flag_points_at_the_letter)
{
	/* "flags = i q": value at 9, 'q' at 11. */
	gv_error err = load_bad("bad_flag.rules");

	assert_pos(&err, "bad_flag.rules", 6, 11, "unknown flag 'q'");
}

Test(rules, missing_file_is_an_io_error_naming_it)
{
	gv_error err = { 0, "" };

	cr_assert_eq(gv_rules_new(&rs, &err), 0);
	cr_assert_eq(gv_rules_add_path(rs, "/nonexistent/x.rules", &err),
		     GV_EIO);
	cr_assert_not_null(strstr(err.msg, "/nonexistent/x.rules"));
}

Test(rules, key_outside_a_rule_is_an_error)
{
	gv_error err = { 0, "" };
	const char *t = "# header\ncategory = fix\n";

	cr_assert_eq(gv_rules_new(&rs, &err), 0);
	cr_assert_eq(gv_rules_add_buffer(rs, "m.rules", t, strlen(t), &err),
		     GV_EINPUT);
	cr_assert_str_eq(err.msg, "m.rules:2:1: 'category' outside a "
			 "[rule ID] section");
}

/* A fresh rs from the files a.rules (a) and, unless NULL, b.rules (b);
 * compiled, with the status and err of the compile. */
static int compile_two(const char *a, const char *b, gv_error *err)
{
	gv_rules_free(rs);
	cr_assert_eq(gv_rules_new(&rs, err), 0);
	cr_assert_eq(gv_rules_add_buffer(rs, "a.rules", a, strlen(a), err), 0,
		     "%s", err->msg);
	if (b)
		cr_assert_eq(gv_rules_add_buffer(rs, "b.rules", b, strlen(b),
						 err), 0, "%s", err->msg);
	return gv_rules_compile(rs, err);
}

Test(rules, high_with_names_another_low_rule_of_the_same_label)
{
	gv_error err = { 0, "" };
	gv_buf out = { 0 };
	const char *base = "[rule a]\ncategory = fix\nfield = title\n"
			   "confidence = low\npattern = x\nhigh-with = b\n";
	const char *ok = "[rule b]\ncategory = fix\nfield = body\n"
			 "confidence = low\npattern = y\n";
	const char *other = "[rule b]\ncategory = security\nfield = body\n"
			    "confidence = low\npattern = y\n";
	const char *high = "[rule c]\ncategory = fix\nfield = title\n"
			   "confidence = high\npattern = x\nhigh-with = a\n";
	const char *two = "[rule d]\nhigh-with = a b\n";

	/* the other rule may come later, in another file */
	cr_assert_eq(compile_two(base, ok, &err), 0, "%s", err.msg);
	cr_assert_eq(gv_rules_show(rs, &out), 0);
	cr_assert_not_null(strstr(out.ptr, "confidence = low\nhigh-with = b\n"));
	gv_buf_free(&out);

	cr_assert_eq(compile_two(base, NULL, &err), GV_EINPUT);
	cr_assert_str_eq(err.msg, "a.rules:1:1: rule 'a': high-with: unknown "
			 "rule 'b'");
	cr_assert_eq(compile_two(base, other, &err), GV_EINPUT);
	cr_assert_str_eq(err.msg, "a.rules:1:1: rule 'a': high-with: 'b' is "
			 "not another rule giving fix");

	/* one id, nothing else */
	gv_rules_free(rs);
	cr_assert_eq(gv_rules_new(&rs, &err), 0);
	cr_assert_eq(gv_rules_add_buffer(rs, "d.rules", two, strlen(two),
					 &err), GV_EINPUT);
	cr_assert_str_eq(err.msg, "d.rules:2:13: 'high-with' takes one rule id "
			 "(letters, digits, '.', '_', '-')");

	/* only a low rule can be raised */
	gv_rules_free(rs);
	cr_assert_eq(gv_rules_new(&rs, &err), 0);
	cr_assert_eq(gv_rules_add_buffer(rs, "c.rules", high, strlen(high),
					 &err), GV_EINPUT);
	cr_assert_str_eq(err.msg, "c.rules:1:1: rule 'c': 'high-with' raises "
			 "a low rule that labels, without 'needs'");
}

Test(rules, skip_revert_subject_needs_a_message_field)
{
	gv_error err = { 0, "" };
	const char *t = "[rule s]\ncategory = fix\nfield = author\n"
			"confidence = low\npattern = x\nskip = revert-subject\n";
	const char *u = "[rule u]\ncategory = fix\nfield = message\n"
			"confidence = low\npattern = x\nskip = reverts\n";

	cr_assert_eq(gv_rules_new(&rs, &err), 0);
	cr_assert_eq(gv_rules_add_buffer(rs, "m.rules", t, strlen(t), &err),
		     GV_EINPUT);
	cr_assert_str_eq(err.msg, "m.rules:1:1: rule 's': 'skip = "
			 "revert-subject' needs field message, subject, title or "
			 "body");
	cr_assert_eq(gv_rules_add_buffer(rs, "n.rules", u, strlen(u), &err),
		     GV_EINPUT);
	cr_assert_str_eq(err.msg, "n.rules:6:8: unknown skip 'reverts' "
			 "(expected revert-subject)");
}

Test(rules, failing_examples_are_reported_with_file_and_line)
{
	gv_error err = { 0, "" };
	size_t failures = 99;
	char expect[9000];

	cr_assert_eq(gv_rules_new(&rs, &err), 0);
	cr_assert_eq(gv_rules_add_path(rs, data_path("failing_examples.rules"),
				       &err), 0, "%s", err.msg);
	cr_assert_eq(gv_rules_compile(rs, &err), 0, "%s", err.msg);
	cr_assert_eq(gv_rules_test(rs, &buf, &failures, &err), 0);
	/* line 7: "match = feat: b" does not match; line 8: "nomatch = fix: c"
	 * does. */
	cr_assert_eq(failures, 2);
	snprintf(expect, sizeof(expect),
		 "%s:7: rule e: expected a match: feat: b\n"
		 "%s:8: rule e: expected no match: fix: c\n",
		 data_path("failing_examples.rules"),
		 data_path("failing_examples.rules"));
	cr_assert_str_eq(buf.ptr, expect);
}

Test(rules, match_example_without_a_required_literal_fails_test_and_lint)
{
	gv_error err = { 0, "" };
	size_t failures = 0, problems = 0;

	cr_assert_eq(gv_rules_new(&rs, &err), 0);
	cr_assert_eq(gv_rules_add_path(rs, data_path("wrong_requires.rules"),
				       &err), 0, "%s", err.msg);
	cr_assert_eq(gv_rules_compile(rs, &err), 0, "%s", err.msg);
	/* "fix it" matches \bfix\b but has no "bug": the pre-check would
	 * skip the rule on that message. "a bug fix" has it. */
	cr_assert_eq(gv_rules_lint(rs, &buf, &problems), 0);
	cr_assert_eq(problems, 1);
	cr_assert_not_null(strstr(buf.ptr, "wrong_requires.rules:7:1: rule r:"));
	buf.len = 0;
	cr_assert_eq(gv_rules_test(rs, &buf, &failures, &err), 0);
	cr_assert_eq(failures, 1);
	cr_assert_not_null(strstr(buf.ptr, "wrong_requires.rules:7: rule r: "
				  "matches, but contains none of the required"));
}

Test(rules, continuation_lines_build_an_extended_pattern)
{
	load_text("[rule x]\ncategory = fix\nfield = subject\n"
		  "confidence = high\nflags = x i\n"
		  "pattern = \\b(?:\n\t  foo   # a comment, x mode\n"
		  "\t| bar baz\n\t)\\b\nmatch = FOO\nmatch = barbaz\n"
		  "nomatch = bar baz\n");
	size_t failures = 0;
	gv_error err = { 0, "" };

	cr_assert_eq(gv_rules_test(rs, &buf, &failures, &err), 0);
	cr_assert_eq(failures, 0, "%s", buf.ptr);
}

Test(rules, examples_decode_newline_and_backslash_escapes)
{
	load_text("[rule x]\ncategory = fix\nfield = message\n"
		  "confidence = high\nflags = m\npattern = ^b\\\\n$\n"
		  "match = a\\nb\\\\n\nnomatch = a b\\\\n\n");
	size_t failures = 0;
	gv_error err = { 0, "" };

	cr_assert_eq(gv_rules_test(rs, &buf, &failures, &err), 0);
	cr_assert_eq(failures, 0, "%s", buf.ptr);
}

Test(rules, show_prints_a_set_that_parses_back_to_the_same_rules)
{
	gv_ruleset *again = NULL;
	gv_buf second = { 0 };
	gv_error err = { 0, "" };

	load_text("[rule x]\ncategory = security\nfield = trailer:Reported-by\n"
		  "confidence = low\nflags = i x\npattern = (a)\n\t| b\n"
		  "captures = issue\nrequires = ab | cd\n"
		  "match = a\\nb\nnomatch = \\\\n\n");
	cr_assert_eq(gv_rules_show(rs, &buf), 0);
	cr_assert_eq(gv_rules_new(&again, &err), 0);
	cr_assert_eq(gv_rules_add_buffer(again, "mem.rules", buf.ptr, buf.len,
					 &err), 0, "%s\n%s", err.msg, buf.ptr);
	cr_assert_eq(gv_rules_compile(again, &err), 0, "%s", err.msg);
	cr_assert_eq(gv_rules_show(again, &second), 0);
	/* Equal but for the first line, "# <source>:<line>". */
	cr_assert_str_eq(strchr(second.ptr, '\n'), strchr(buf.ptr, '\n'));
	cr_assert_not_null(strstr(buf.ptr, "field = trailer:Reported-by\n"));
	cr_assert_not_null(strstr(buf.ptr, "pattern = (a)\n\t| b\n"));
	gv_buf_free(&second);
	gv_rules_free(again);
}

Test(rules, category_names_round_trip)
{
	int c;

	for (c = 0; c < GV_CAT__COUNT; c++)
		cr_assert_eq(gv_category_from_name(gv_category_name(c),
			     strlen(gv_category_name(c))), c);
	cr_assert_eq(gv_category_from_name("fixes", 5), -1);
	cr_assert_null(gv_category_name(GV_CAT__COUNT));
}

Test(rules, hash_changes_with_the_rule_text)
{
	gv_ruleset *b = NULL;
	gv_error err = { 0, "" };
	const char *t1 = "[rule a]\ncategory = fix\nfield = subject\n"
			 "confidence = low\npattern = a\n";
	const char *t2 = "[rule a]\ncategory = fix\nfield = subject\n"
			 "confidence = low\npattern = b\n";

	cr_assert_eq(gv_rules_new(&rs, &err), 0);
	cr_assert_eq(gv_rules_new(&b, &err), 0);
	cr_assert_eq(gv_rules_add_buffer(rs, "m", t1, strlen(t1), &err), 0);
	cr_assert_eq(gv_rules_add_buffer(b, "m", t2, strlen(t2), &err), 0);
	cr_assert_neq(gv_rules_hash(rs), gv_rules_hash(b));
	gv_rules_free(b);
}

/* ---- the default rules ---- */

static void load_default(void)
{
	gv_error err = { 0, "" };

	cr_assert_eq(gv_rules_new(&rs, &err), 0);
	cr_assert_eq(gv_rules_add_default(rs, &err), 0, "%s", err.msg);
	cr_assert_eq(gv_rules_compile(rs, &err), 0, "%s", err.msg);
}

Test(rules, default_rules_pass_their_own_examples)
{
	gv_error err = { 0, "" };
	size_t failures = 0, problems = 0;

	load_default();
	cr_assert_geq(gv_rules_count(rs), 40);
	cr_assert_eq(gv_rules_test(rs, &buf, &failures, &err), 0);
	cr_assert_eq(failures, 0, "%s", buf.ptr);
	cr_assert_eq(gv_rules_lint(rs, &buf, &problems), 0);
	cr_assert_eq(problems, 0, "%s", buf.ptr);
}

Test(rules, every_default_rule_has_two_match_and_two_nomatch_examples)
{
	char *p, *q;
	size_t i;

	load_default();
	cr_assert_eq(gv_rules_show(rs, &buf), 0);
	/* Count per stanza in the printed set ("[rule " starts one). */
	for (i = 0, p = strstr(buf.ptr, "[rule "); p; i++, p = q) {
		size_t match = 0, nomatch = 0;
		char *line;

		q = strstr(p + 1, "[rule ");
		for (line = p; line && (!q || line < q);
		     line = strchr(line + 1, '\n')) {
			if (!strncmp(line, "\nmatch = ", 9))
				match++;
			if (!strncmp(line, "\nnomatch = ", 11))
				nomatch++;
		}
		cr_assert_geq(match, 2, "%.40s: %zu match examples", p, match);
		cr_assert_geq(nomatch, 2, "%.40s: %zu nomatch examples", p,
			      nomatch);
	}
	cr_assert_eq(i, gv_rules_count(rs));
}

Test(rules, default_rules_come_from_the_rules_directory)
{
	size_t i;
	int seen_fix = 0;

	load_default();
	for (i = 0; i < gv_rules_count(rs); i++)
		seen_fix |= !strcmp(gv_rules_id(rs, i), "fix-trailer");
	cr_assert(seen_fix);
	cr_assert_null(gv_rules_id(rs, gv_rules_count(rs)));
}

/* ---- gv_regex ---- */

Test(regex, searches_bytes_including_invalid_utf8)
{
	gv_regex *re = NULL;
	gv_error err = { 0, "" };
	const char subject[] = "v1.2\xff\xfe-rc1";

	cr_assert_eq(gv_regex_compile(&re, "^v\\d+\\.\\d+.*-rc\\d+$", &err), 0);
	cr_assert_eq(gv_regex_search(re, subject, sizeof(subject) - 1), 1);
	cr_assert_eq(gv_regex_search(re, "v1.2", 4), 0);
	gv_regex_free(re);
}

Test(regex, bad_pattern_reports_the_column)
{
	gv_regex *re = NULL;
	gv_error err = { 0, "" };

	cr_assert_eq(gv_regex_compile(&re, "^v(\\d+", &err), GV_EINPUT);
	cr_assert_null(re);
	cr_assert_str_eq(err.msg, "column 7: missing closing parenthesis");
}

Test(regex, catastrophic_backtracking_hits_the_limit_not_a_hang)
{
	gv_regex *re = NULL;
	gv_error err = { 0, "" };
	char subject[4096];
	struct timespec a, b;
	double secs;

	memset(subject, 'a', sizeof(subject) - 1);
	subject[sizeof(subject) - 1] = '!';
	cr_assert_eq(gv_regex_compile(&re, "^(a+)+$", &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	cr_assert_eq(gv_regex_search(re, subject, sizeof(subject)), GV_ELIMIT);
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) +
	       (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	cr_assert_lt(secs, 5.0, "took %.2f s", secs);
	gv_regex_free(re);
}

/* ---- the commands (the binary named by $GV_BIN) ---- */

static fx_run run;
static fx_repo *cli_repo;

static void cli_teardown(void)
{
	fx_run_free(&run);
	memset(&run, 0, sizeof(run));
	fx_repo_free(cli_repo);
	cli_repo = NULL;
}

TestSuite(cli_rules, .fini = cli_teardown, .timeout = 60);

static const char *bin(void)
{
	static char path[4096];
	const char *b = getenv("GV_BIN");

	cr_assert_not_null(realpath(b && *b ? b : "./git-vitals", path));
	return path;
}

Test(cli_rules, rules_test_passes_on_the_default_rules)
{
	fx_gv(&run, NULL, "rules", "test", NULL);
	cr_assert_eq(run.status, 0, "%s%s", run.out, run.err);
	cr_assert_not_null(strstr(run.out, " rules: 0 failures\n"), "%s",
			   run.out);
}

Test(cli_rules, rules_test_reports_failures_and_exits_2)
{
	char expect[4200];

	fx_gv(&run, NULL, "rules", "test", data_path("failing_examples.rules"),
	      NULL);
	cr_assert_eq(run.status, 2);
	snprintf(expect, sizeof(expect), "%s:7: rule e: expected a match: "
		 "feat: b\n", data_path("failing_examples.rules"));
	cr_assert_not_null(strstr(run.out, expect), "%s", run.out);
	cr_assert_not_null(strstr(run.out, "1 rules: 2 failures\n"));
}

Test(cli_rules, rules_check_prints_the_position_and_exits_2)
{
	char expect[4200];

	fx_gv(&run, NULL, "rules", "check", data_path("bad_regex.rules"), NULL);
	cr_assert_eq(run.status, 2);
	snprintf(expect, sizeof(expect), "git-vitals: rules check: %s:5:18: "
		 "rule 'bad-regex': bad pattern: missing closing parenthesis",
		 data_path("bad_regex.rules"));
	cr_assert(!strncmp(run.err, expect, strlen(expect)), "%s", run.err);
	cr_assert_eq(run.out_len, 0, "nothing else runs: %s", run.out);
}

Test(cli_rules, rules_add_extends_and_rules_replaces_the_default_set)
{
	fx_gv(&run, NULL, "rules", "show", "--rules",
	      data_path("failing_examples.rules"), NULL);
	cr_assert_eq(run.status, 0, "%s", run.err);
	cr_assert_not_null(strstr(run.out, "[rule e]\n"));
	cr_assert_null(strstr(run.out, "[rule fix-trailer]"));
	fx_run_free(&run);
	fx_gv(&run, NULL, "rules", "show", "--rules-add",
	      data_path("failing_examples.rules"), NULL);
	cr_assert_eq(run.status, 0, "%s", run.err);
	cr_assert_not_null(strstr(run.out, "[rule e]\n"));
	cr_assert_not_null(strstr(run.out, "[rule fix-trailer]\n"));
}

Test(cli_rules, unknown_action_is_a_usage_error)
{
	fx_gv(&run, NULL, "rules", "frobnicate", NULL);
	cr_assert_eq(run.status, 1);
	cr_assert_not_null(strstr(run.err, "git-vitals: rules: expected test, "
				  "check or show"));
}

Test(cli_rules, classify_reads_stdin_and_prints_json)
{
	char *out = NULL;
	cJSON *j;

	cr_assert_eq(fx_sh(&out, ".", "printf 'fix: bound it\\n\\nCVE-2024-1 "
			   "cve-2024-12345\\nFixes: 0123456789ab\\n' | "
			   "'%s' classify --format json", bin()), 0);
	j = cJSON_Parse(out);
	cr_assert_not_null(j, "%s", out);
	cr_assert_str_eq(fx_str(j, "confidence.fix"), "high");
	cr_assert_str_eq(fx_str(j, "confidence.security"), "high");
	cr_assert_eq(cJSON_GetArraySize(fx_get(j, "ids")), 1);
	cr_assert_str_eq(cJSON_GetArrayItem(fx_get(j, "ids"), 0)->valuestring,
			 "CVE-2024-12345");
	cr_assert_str_eq(fx_str(cJSON_GetArrayItem(fx_get(j, "refs"), 0),
				"kind"), "fixes");
	cr_assert(cJSON_IsFalse(fx_get(cJSON_GetArrayItem(fx_get(j, "refs"),
							  0), "resolved")));
	cJSON_Delete(j);
	free(out);
}

Test(cli_rules, explain_names_rule_field_match_and_captures)
{
	char *hex;

	cli_repo = fx_repo_new("c 'Add the parser' 2024-01-01T00:00:00Z\n"
			       "c \"parser: bound the copy\n\nThis is "
			       "CVE-2024-4242.\n\nFixes: $(git rev-parse "
			       "--short=12 HEAD)\" 2024-01-02T00:00:00Z\n");
	fx_gv(&run, NULL, "explain", "--format", "text", "HEAD",
	      cli_repo->path, NULL);
	cr_assert_eq(run.status, 0, "%s", run.err);
	hex = fx_rev(cli_repo, "HEAD~1");
	cr_assert_not_null(strstr(run.out, "labels: fix (high) security "
				  "(high)\n"), "%s", run.out);
	cr_assert_not_null(strstr(run.out, "rule sec-cve (rules/security.rules:"),
			   "%s", run.out);
	cr_assert_not_null(strstr(run.out, "  field:   message\n"
				  "  matched: \"CVE-2024-4242\"\n"
				  "  id       \"CVE-2024-4242\"\n"), "%s", run.out);
	/* The abbreviated Fixes: ref is resolved against the repository. */
	cr_assert_not_null(strstr(run.out, hex), "%s", run.out);
	free(hex);
}

Test(cli_rules, explain_of_an_unknown_rev_is_an_input_error)
{
	cli_repo = fx_repo_new("c 'Add' 2024-01-01T00:00:00Z\n");
	fx_gv(&run, NULL, "explain", "nosuchrev", cli_repo->path, NULL);
	cr_assert_eq(run.status, 2);
	cr_assert(!strncmp(run.err, "git-vitals: explain: ", 21), "%s",
		  run.err);
}

Test(rules, disable_and_confidence_directives_apply_at_compile)
{
	gv_error err = { 0, "" };
	const char *t = "[rule a]\ncategory = fix\nfield = subject\n"
			"confidence = low\npattern = a\nmatch = a\n"
			"[rule b]\ncategory = fix\nfield = subject\n"
			"confidence = high\npattern = b\nmatch = b\n";
	const char *u = "# mine\ndisable: b\nconfidence: a high\n";
	const char *bad = "disable: nope\n";

	cr_assert_eq(gv_rules_new(&rs, &err), 0);
	cr_assert_eq(gv_rules_add_buffer(rs, "t.rules", t, strlen(t), &err), 0);
	cr_assert_eq(gv_rules_add_buffer(rs, "u.rules", u, strlen(u), &err), 0);
	cr_assert_eq(gv_rules_compile(rs, &err), 0, "%s", err.msg);
	cr_assert_eq(gv_rules_show(rs, &buf), 0);
	cr_assert_not_null(strstr(buf.ptr, "[rule a]\ncategory = fix\n"
				  "field = subject\nconfidence = high\n"), "%s",
			   buf.ptr);
	cr_assert_not_null(strstr(buf.ptr, "disable: b\n"));
	cr_assert_not_null(strstr(buf.ptr, "# disabled by u.rules:2\n"));
	cr_assert_not_null(strstr(buf.ptr, "# confidence set by u.rules:3\n"));
	cr_assert_eq(gv_rules_add_buffer(rs, "bad.rules", bad, strlen(bad),
					 &err), 0);
	cr_assert_eq(gv_rules_compile(rs, &err), GV_EINPUT);
	cr_assert_str_eq(err.msg, "bad.rules:1:1: disable: unknown rule 'nope'");
}

Test(rules, directive_errors_point_at_the_line)
{
	static const char *const cases[][2] = {
		{ "confidence: a medium\n", "d.rules:1:15: expected "
		  "'confidence: ID high' or 'confidence: ID low'" },
		{ "\ndisable:\n", "d.rules:2:9: expected a rule id" },
		{ "enable: a\n", "d.rules:1:1: unknown directive 'enable:' "
		  "(expected 'disable:' or 'confidence:')" },
		{ "disable: a$b\n", "d.rules:1:11: unexpected '$' in a rule "
		  "id" },
	};
	gv_error err = { 0, "" };
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		cr_assert_eq(gv_rules_new(&rs, &err), 0);
		cr_assert_eq(gv_rules_add_buffer(rs, "d.rules", cases[i][0],
						 strlen(cases[i][0]), &err),
			     GV_EINPUT, "%s", cases[i][0]);
		cr_assert_str_eq(err.msg, cases[i][1]);
		gv_rules_free(rs);
		rs = NULL;
	}
}

/* Only regular files are read from a rules directory: a FIFO named
 * *.rules there used to block the run until a writer came. */
Test(rules, a_fifo_in_a_rules_directory_is_skipped)
{
	gv_error err = { 0, "" };
	char *dir = fx_tmpdir(NULL, "rules"), path[4096];
	const char *rule = "[rule fix-word]\ncategory = fix\nfield = subject\n"
			   "confidence = high\n"
			   "pattern = \\bfix\\b\nmatch = fix the parser\n";
	FILE *f;

	/* a hang is the bug: fail, not wait (criterion's .timeout leaks
	 * in its runner under -j2) */
	alarm(20);
	snprintf(path, sizeof(path), "%s/a.rules", dir);
	cr_assert_not_null(f = fopen(path, "w"));
	fputs(rule, f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/b.rules", dir);
	cr_assert_eq(mkfifo(path, 0600), 0);
	cr_assert_eq(gv_rules_new(&rs, &err), 0);
	cr_assert_eq(gv_rules_add_path(rs, dir, &err), 0, "%s", err.msg);
	cr_expect_eq(gv_rules_count(rs), 1);
	free(dir);
	alarm(0);
}

/* Writes one rule with `pattern` to dir/name and runs `rules check` on it:
 * exit 2 and stderr starting with "<path>:<line>:<col>: rule 'r': why". */
static void check_refuses(const char *name, const char *pattern,
			  unsigned col, const char *why)
{
	char *dir = fx_tmpdir(NULL, "check"), path[4096], expect[4400];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	cr_assert_not_null(f = fopen(path, "w"));
	fprintf(f, "[rule r]\ncategory = fix\nfield = subject\n"
		"confidence = low\npattern = %s\nmatch = fix\n", pattern);
	fclose(f);
	fx_gv(&run, NULL, "rules", "check", path, NULL);
	cr_expect_eq(run.status, 2, "%s", run.err);
	snprintf(expect, sizeof(expect), "git-vitals: rules check: %s:5:%u: "
		 "rule 'r': %s", path, col, why);
	cr_expect(!strncmp(run.err, expect, strlen(expect)), "%s\nwanted %s",
		  run.err, expect);
	fx_run_free(&run);
	free(dir);
}

/* Subjects are bytes: what would read them as UTF-8 (and fail a whole run
 * on the first invalid byte, naming no rule) is refused by `rules check`
 * with the rule named. */
Test(cli_rules, rules_check_refuses_options_that_change_the_encoding)
{
	check_refuses("utf.rules", "(*UTF)fix", 17,
		      "bad pattern: using UTF is disabled by the application");
	check_refuses("ucp.rules", "(*UCP)\\bfix", 17,
		      "bad pattern: using UCP is disabled by the application");
	check_refuses("c.rules", "fi\\Cx", 15,
		      "bad pattern: using \\C is disabled by the application");
}

/* A rule that captures and can match nothing would step through every
 * message a byte at a time and store empty ids. */
Test(cli_rules, rules_check_refuses_a_capturing_pattern_that_can_match_nothing)
{
	check_refuses("empty.rules", "(fix)?\ncaptures = id", 11,
		      "the pattern can match the empty string, and the rule "
		      "captures");
	check_refuses("star.rules", "(x*)\ncaptures = id", 11,
		      "the pattern can match the empty string, and the rule "
		      "captures");
}

/* The same options in --release-pattern: exit 2, the option named, before
 * any history is read. */
Test(cli_rules, release_pattern_with_utf_is_refused)
{
	fx_repo *r = fx_repo_new("c one 2024-01-01T00:00:00Z\n");

	fx_gv(&run, NULL, "--release-pattern", "(*UTF)^v", r->path, NULL);
	cr_expect_eq(run.status, 2, "%s", run.err);
	cr_expect_not_null(strstr(run.err, "git-vitals: release pattern: "),
			   "%s", run.err);
	cr_expect_not_null(strstr(run.err, "UTF is disabled"), "%s", run.err);
	fx_repo_free(r);
}

/* A group that takes part in a match but captures nothing gives no id (it
 * used to store an empty one). */
Test(cli_rules, an_empty_capture_stores_no_id)
{
	char *dir = fx_tmpdir(NULL, "empty-cap"), *out = NULL;
	cJSON *j;

	cr_assert_eq(fx_sh(&out, dir, "printf '[rule t]\\ncategory = security\\n"
			   "field = message\\nconfidence = high\\n"
			   "pattern = TICKET-([0-9]*)\\ncaptures = id\\n"
			   "match = TICKET-7\\n' > t.rules && "
			   "printf 'TICKET- and TICKET-7\\n' | '%s' classify "
			   "--rules t.rules --format json", bin()), 0);
	cr_assert_not_null(j = cJSON_Parse(out), "%s", out);
	cr_expect_eq(cJSON_GetArraySize(fx_get(j, "ids")), 1, "%s", out);
	cr_expect_str_eq(cJSON_GetArrayItem(fx_get(j, "ids"), 0)->valuestring,
			 "7");
	cJSON_Delete(j);
	free(out);
	free(dir);
}
