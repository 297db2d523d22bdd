/*
 * main.c - `git-vitals [OPTIONS] [PATH]` and the dispatch to subcommands.
 *
 * Settings come from three places, weakest first: built-in defaults, the
 * analysed repository's git config (vitals.*), the command line. The only
 * place that prints errors ("git-vitals: <what>: <why>") and chooses exit
 * codes (0 ok, 1 usage, 2 repository or input error, 3 partial batch
 * failure, 4 a gate fired).
 */
#include "cli/batch_cli.h"
#include "cli/cli.h"
#include "gv/analysis.h"
#include "gv/report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef GV_VERSION
#define GV_VERSION "0.0.0"
#endif

static const char usage_text[] =
	"usage: git-vitals [OPTIONS] [PATH]\n"
	"       git-vitals rules (test|check|show) [--rules PATH] [FILE|DIR]\n"
	"       git-vitals classify [--format text|json] < MESSAGE\n"
	"       git-vitals explain [--format text|json] [OPTIONS] REV [PATH]\n"
	"       git-vitals batch [OPTIONS] MANIFEST\n"
	"       git-vitals summary [--format json|text|html|openmetrics] FILE...\n"
	"\n"
	"Reads the history of the repository at PATH (default: .) and reports\n"
	"lead time, release frequency and, with classification, failure and\n"
	"security numbers.\n"
	"\n"
	"What is analysed:\n"
	"  --rev REV                analyse REV (repeatable; default HEAD)\n"
	"  --all                    HEAD and every ref under refs/, as git log --all\n"
	"  --release-pattern REGEX  tags whose name matches are releases (PCRE2)\n"
	"  --include-prereleases    admit rc/alpha/beta/pre tags as releases\n"
	"  --since DATE|SPAN        window start: 2024-01-31, 2024-01-31T12:00:00Z,\n"
	"                           or a span back from --until: 90d 12w 6m 1y\n"
	"  --until DATE|SPAN        window end (exclusive)\n"
	"  --lead-time-from author|commit\n"
	"                           start lead time at the author (default) or\n"
	"                           committer date\n"
	"  --changes commits|merges each commit is a change (default), or each\n"
	"                           first-parent merge (the pull-request view)\n"
	"  --hotfix-window SPAN     a fix released this soon after the release it\n"
	"                           fixes is urgent: a failure (default 14d)\n"
	"  --exclude-bots           leave bot commits out of commit-level numbers\n"
	"  --no-copies              count each cherry-pick as its own change\n"
	"  --period week|month|quarter\n"
	"                           add a series of the numbers per period\n"
	"  --fail-if EXPR           exit 4 when EXPR holds, e.g.\n"
	"                           'change_failure_rate > 0.15',\n"
	"                           'lead_time.median_s > 7d' (repeatable)\n"
	"Classification:\n"
	"  --rules PATH             use these rule files instead of the default set\n"
	"                           (repeatable; file or directory)\n"
	"  --rules-add PATH         add rule files to the set in use (repeatable)\n"
	"  --advisories PATH        OSV records (file or directory, repeatable)\n"
	"  --min-confidence high|low\n"
	"                           the lowest tier of a fix, revert, rollback or\n"
	"                           security label the numbers count (default\n"
	"                           high: high and advisory); low hits are\n"
	"                           reported as possible\n"
	"Output:\n"
	"  --format FORMAT          text, json, html (one self-contained page) or\n"
	"                           openmetrics (Prometheus textfile); default:\n"
	"                           text on a terminal, else json\n"
	"  --pretty                 indent the JSON\n"
	"  --commits                list every commit in the JSON report\n"
	"  --output FILE            write the report to FILE (atomically)\n"
	"  --cache DIR              keep an incremental cache in DIR: the next run\n"
	"                           reads only the commits it has not seen\n"
	"  -h, --help               this text\n"
	"  --version                print the version\n"
	"\n"
	"Git config of the repository (the command line wins): vitals.rev,\n"
	"vitals.all, vitals.releasePattern, vitals.includePrereleases,\n"
	"vitals.since, vitals.until, vitals.leadTimeFrom, vitals.changes,\n"
	"vitals.hotfixWindow, vitals.excludeBots, vitals.period,\n"
	"vitals.minConfidence, vitals.copies, vitals.disableRules (rule ids\n"
	"to skip).\n"
	"\n"
	"Exit status: 0 ok, 1 usage error, 2 repository or input error,\n"
	"3 some repositories of a batch failed, 4 a --fail-if gate fired (after\n"
	"the report is written).\n";

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "git-vitals: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'git-vitals --help' for more information.\n");
	return GV_EXIT_USAGE;
}

static int parse_args(gv_settings *o, int argc, char **argv)
{
	static const char *const valued[] = {
		"--format", "--output", "--fail-if", "--cache",
	};
	int i, only_args = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL, *fmt, *farg;
		size_t k;
		int r = 0;

		if (only_args || a[0] != '-' || !a[1]) {
			if (o->path)
				return usage_error("unexpected argument '%s'", a);
			o->path = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_args = 1;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage_text, stdout);
			return -1;
		}
		if (!strcmp(a, "--version")) {
			printf("git-vitals %s\n", GV_VERSION);
			return -1;
		}
		if (!strcmp(a, "--pretty")) {
			o->pretty = 1;
			continue;
		}
		if (!strcmp(a, "--no-cache")) {
			o->cache_dir = NULL;
			continue;
		}
		r = gv_cli_next_option(o, argc, argv, &i, valued,
				       sizeof(valued) / sizeof(valued[0]), &k,
				       &val, &fmt, &farg);
		if (r < 0)
			return usage_error(fmt, farg);
		if (r == 1)
			continue;
		switch (k) {
		case 0: o->format = val; break;
		case 1: o->output = val; break;
		case 2: {
			/* a malformed gate is a usage error before anything
			 * else is looked at */
			gv_gate g;
			gv_error err = {0};
			if (gv_gate_parse(&g, val, &err))
				return gv_cli_fail(NULL, &err);
			gv_gate_free(&g);
			if (gv_strv_push(&o->fail_if, (char *)val))
				return usage_error("%s", "out of memory");
			break;
		}
		default: o->cache_dir = val; break;
		}
	}
	return 0;
}

static int run(gv_settings *o)
{
	gv_error err = {0};
	gv_analysis_opts ao;
	gv_analysis *a = NULL;
	gv_ruleset *rules = NULL;
	gv_report_opts ro;
	gv_buf out = {0};
	int fmt = GV_FORMAT_JSON, error, code = GV_EXIT_OK;
	size_t i;

	/* the command line's own values first: a typo is a usage error (exit
	 * 1) wherever it is run, not "not a git repository" */
	if (o->format && (fmt = gv_report_format(o->format)) < 0) {
		error = gv_error_set(&err, GV_EUSAGE, "--format '%s': expected "
				     "text, json, html or openmetrics", o->format);
		goto fail;
	}
	if ((error = gv_cli_prepare(&ao, &rules, o, &err)))
		goto fail;
	if (!o->format)
		fmt = o->output || !isatty(STDOUT_FILENO) ? GV_FORMAT_JSON
							  : GV_FORMAT_TEXT;
	/* people's reports show the evidence with subjects; the HTML report
	 * charts a series even when no --period was asked for */
	ao.subjects = ao.metrics.evidence =
		fmt == GV_FORMAT_TEXT || fmt == GV_FORMAT_HTML;
	if (fmt == GV_FORMAT_HTML && !ao.metrics.period)
		ao.metrics.period = GV_PERIOD_MONTH;
	if ((error = gv_analysis_run(&a, &ao, &err)))
		goto fail;
	for (i = 0; i < a->warnings.count; i++)
		gv_cli_eprintf("warning: %s", a->warnings.items[i].message);
	memset(&ro, 0, sizeof(ro));
	ro.path = o->path;
	ro.with_commits = o->commits;
	ro.pretty = o->pretty;
	ro.color = fmt == GV_FORMAT_TEXT && !o->output &&
		   isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	if ((error = gv_report(&out, fmt, a, &ro, &err)))
		goto fail;
	if (o->output) {
		if ((error = gv_write_atomic(o->output, out.ptr ? out.ptr : "", out.len,
					  &err)))
			goto fail;
	} else if (out.len && (fwrite(out.ptr, 1, out.len, stdout) != out.len ||
			       fflush(stdout))) {
		error = gv_error_set(&err, GV_EIO, "writing the report: %s",
				     strerror(errno));
		goto fail;
	}
	code = gv_cli_gates(a);
	goto done;
fail:
	code = gv_cli_fail(NULL, &err);
done:
	gv_buf_free(&out);
	gv_analysis_free(a);
	gv_rules_free(rules);
	return code;
}

int main(int argc, char **argv)
{
	gv_settings o;
	int r, code;

	if (argc > 1 && !strcmp(argv[1], "batch"))
		return gv_cmd_batch(argc - 2, argv + 2);
	if (argc > 1 && !strcmp(argv[1], "summary"))
		return gv_cmd_summary(argc - 2, argv + 2);
	if (argc > 1 && !strcmp(argv[1], "rules"))
		return gv_cmd_rules(argc - 2, argv + 2);
	if (argc > 1 && !strcmp(argv[1], "classify"))
		return gv_cmd_classify(argc - 2, argv + 2);
	if (argc > 1 && !strcmp(argv[1], "explain"))
		return gv_cmd_explain(argc - 2, argv + 2);
	gv_settings_init(&o);
	r = parse_args(&o, argc, argv);
	if (r < 0)
		code = GV_EXIT_OK; /* --help, --version */
	else if (r > 0)
		code = r;
	else
		code = run(&o);
	gv_settings_free(&o);
	return code;
}
