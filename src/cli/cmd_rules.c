/*
 * cmd_rules.c - the commands for writing and debugging rules:
 *
 *   git-vitals rules test  [--rules P]... [--rules-add P]... [FILE|DIR]...
 *   git-vitals rules check [--rules P]... [--rules-add P]... [FILE|DIR]...
 *   git-vitals rules show  [--rules P]... [--rules-add P]...
 *   git-vitals rules accuracy [--rules P]... [--rules-add P]... [--floor S]...
 *                       [--misses] [--format json|text] PATH... (accuracy.c)
 *   git-vitals classify [--rules P]... [--rules-add P]... [--author A]
 *                       [--format json|text]          (message on stdin)
 *   git-vitals explain [--format json|text] [REPORT OPTIONS] REV [PATH]
 *
 * explain runs the report's analysis (gv_cli_prepare, as main.c) and prints
 * REV's entry of its classification table, so labels, tiers and resolved
 * refs are the report's by construction; only the trace of rule hits comes
 * from classifying the message once more.
 *
 * Paths given to `rules test` / `rules check` are the rule set checked (as
 * with --rules). Exit codes: 0 ok; 1 usage; 2 an input error, a rule file
 * that does not parse or compile, or (`rules test`) a failing example.
 * Results go to stdout, diagnostics to stderr.
 */
#include "cli/accuracy.h"
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gv/classify.h"
#include "gv/history.h"
#include "gv/metrics.h"

typedef struct rule_opts {
	char **rules;
	size_t nrules;
	char **add;
	size_t nadd;
	char **args;           /* positional arguments */
	size_t nargs;
	const char *format;
	const char *author;
} rule_opts;

static int usage_error(const char *what, const char *msg)
{
	gv_cli_eprintf("%s: %s", what, msg);
	return GV_EXIT_USAGE;
}

/* vitals.disableRules of the repository at path, if it is one. */
static int disable_from_config(gv_ruleset *rs, const char *path,
			       gv_error *err)
{
	gv_settings s;
	gv_error ignored = { 0, "" };
	int rc;

	gv_settings_init(&s);
	s.path = path;
	rc = gv_settings_apply_config(&s, 0, &ignored);
	if (rc == GV_EREPO)
		rc = 0; /* no repository: no config to honour */
	else if (rc)
		*err = ignored;
	else
		rc = gv_settings_disable_rules(&s, rs, err);
	gv_settings_free(&s);
	return rc;
}

int gv_cli_load_rules(gv_ruleset **out, char *const *rules, size_t nrules,
		      char *const *rules_add, size_t nadd,
		      const char *config_repo, int compile, gv_error *err)
{
	gv_ruleset *rs = NULL;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = gv_rules_new(&rs, err)))
		goto done;
	if (!nrules && (rc = gv_rules_add_default(rs, err)))
		goto done;
	for (i = 0; i < nrules; i++)
		if ((rc = gv_rules_add_path(rs, rules[i], err)))
			goto done;
	for (i = 0; i < nadd; i++)
		if ((rc = gv_rules_add_path(rs, rules_add[i], err)))
			goto done;
	if (config_repo && (rc = disable_from_config(rs, config_repo, err)))
		goto done;
	if (compile && (rc = gv_rules_compile(rs, err)))
		goto done;
	*out = rs;
	rs = NULL;
done:
	gv_rules_free(rs);
	return rc;
}

static int push_arg(char ***v, size_t *n, char *arg)
{
	char **p = gv_reallocarray(*v, *n + 1, sizeof(*p));

	if (!p)
		return GV_ENOMEM;
	*v = p;
	p[(*n)++] = arg;
	return 0;
}

/* Takes the value of `--name VALUE` or `--name=VALUE`; NULL when argv[*i]
 * is not that option. Sets *missing when the value is absent. */
static char *opt_value(int argc, char **argv, int *i, const char *name,
		       int *missing)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n))
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n])
		return NULL;
	if (*i + 1 >= argc) {
		*missing = 1;
		return NULL;
	}
	return argv[++*i];
}

/* Parses the options every command here shares. Returns an exit code, or
 * -1 to go on. */
static int parse_opts(rule_opts *o, int argc, char **argv, const char *cmd,
		      const char *usage)
{
	int i, missing = 0, dashdash = 0, rc = 0;
	char *v;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < argc && !rc; i++) {
		if (dashdash || argv[i][0] != '-' || !argv[i][1]) {
			rc = push_arg(&o->args, &o->nargs, argv[i]);
		} else if (!strcmp(argv[i], "--")) {
			dashdash = 1;
		} else if (!strcmp(argv[i], "-h") ||
			   !strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return GV_EXIT_OK;
		} else if ((v = opt_value(argc, argv, &i, "--rules-add",
					  &missing))) {
			rc = push_arg(&o->add, &o->nadd, v);
		} else if ((v = opt_value(argc, argv, &i, "--rules",
					  &missing))) {
			rc = push_arg(&o->rules, &o->nrules, v);
		} else if ((v = opt_value(argc, argv, &i, "--format",
					  &missing))) {
			if (strcmp(v, "json") && strcmp(v, "text"))
				return usage_error(cmd, "--format is json or "
						   "text");
			o->format = v;
		} else if ((v = opt_value(argc, argv, &i, "--author",
					  &missing))) {
			o->author = v;
		} else if (missing) {
			fprintf(stderr, "git-vitals: %s: %s needs a value\n",
				cmd, argv[i]);
			return GV_EXIT_USAGE;
		} else {
			fprintf(stderr, "git-vitals: %s: unknown option %s\n"
				"%s", cmd, argv[i], usage);
			return GV_EXIT_USAGE;
		}
		if (missing) {
			fprintf(stderr, "git-vitals: %s: %s needs a value\n",
				cmd, argv[i]);
			return GV_EXIT_USAGE;
		}
	}
	if (rc) {
		fprintf(stderr, "git-vitals: %s: out of memory\n", cmd);
		return GV_EXIT_INPUT;
	}
	if (!o->format)
		o->format = isatty(STDOUT_FILENO) ? "text" : "json";
	return -1;
}

static void opts_free(rule_opts *o)
{
	free(o->rules);
	free(o->add);
	free(o->args);
}

/* ---- rules test | check | show ---- */

static const char rules_usage[] =
	"usage: git-vitals rules test  [--rules PATH]... [--rules-add PATH]... "
	"[FILE|DIR]...\n"
	"       git-vitals rules check [--rules PATH]... [--rules-add PATH]... "
	"[FILE|DIR]...\n"
	"       git-vitals rules show  [--rules PATH]... [--rules-add PATH]...\n"
	"       git-vitals rules accuracy [--rules PATH]... [--rules-add PATH]... "
	"[--format text|json]\n"
	"                 [--floor LABEL:METRIC=VALUE]... [--misses] "
	"[--project NAME] PATH...\n"
	"Without a path the default rules (compiled in) are used.\n";

int gv_cmd_rules(int argc, char **argv)
{
	gv_ruleset *rs = NULL;
	gv_error err = { 0, "" };
	gv_buf out = { 0 };
	rule_opts o;
	const char *action;
	char what[64];
	size_t problems = 0;
	int rc, ret;

	/* Accept argv with or without the subcommand name in front. */
	if (argc > 0 && !strcmp(argv[0], "rules")) {
		argc--;
		argv++;
	}
	/* accuracy has options of its own, so it parses its argv itself. */
	if (argc > 0 && !strcmp(argv[0], "accuracy"))
		return gv_cmd_rules_accuracy(argc - 1, argv + 1);
	if ((ret = parse_opts(&o, argc, argv, "rules", rules_usage)) >= 0)
		goto done;
	if (!o.nargs) {
		ret = usage_error("rules", "expected test, check or show");
		fputs(rules_usage, stderr);
		goto done;
	}
	action = o.args[0];
	snprintf(what, sizeof(what), "rules %s", action);
	if (!strcmp(action, "accuracy")) {
		ret = usage_error(what, "options go after the word accuracy");
		goto done;
	}
	if (strcmp(action, "test") && strcmp(action, "check") &&
	    strcmp(action, "show")) {
		ret = usage_error("rules", "expected test, check or show");
		fputs(rules_usage, stderr);
		goto done;
	}
	if (!strcmp(action, "show") && o.nargs > 1) {
		ret = usage_error(what, "takes no path (use --rules)");
		goto done;
	}
	/* Paths after the action are the set under test, like --rules. */
	if (o.nargs > 1) {
		rc = gv_cli_load_rules(&rs, o.args + 1, o.nargs - 1, o.add,
				       o.nadd, ".", 1, &err);
	} else {
		rc = gv_cli_load_rules(&rs, o.rules, o.nrules, o.add, o.nadd,
				       ".", 1, &err);
	}
	if (rc) {
		ret = gv_cli_fail(what, &err);
		goto done;
	}
	ret = GV_EXIT_OK;
	if (!strcmp(action, "show")) {
		rc = gv_rules_show(rs, &out);
	} else if (!strcmp(action, "check")) {
		rc = gv_rules_lint(rs, &out, &problems);
		if (!rc && !problems)
			rc = gv_buf_printf(&out, "%zu rules: ok\n",
					   gv_rules_count(rs));
	} else {
		rc = gv_rules_test(rs, &out, &problems, &err);
		if (!rc)
			rc = gv_buf_printf(&out, "%zu rules: %zu failure%s\n",
					   gv_rules_count(rs), problems,
					   problems == 1 ? "" : "s");
	}
	if (rc) {
		if (!err.msg[0])
			gv_error_set(&err, rc, "out of memory");
		ret = gv_cli_fail(what, &err);
		goto done;
	}
	if (out.len)
		fwrite(out.ptr, 1, out.len, stdout);
	if (problems)
		ret = GV_EXIT_INPUT;
done:
	gv_buf_free(&out);
	gv_rules_free(rs);
	opts_free(&o);
	return ret;
}

/* ---- classify and explain ---- */

/* Control characters escaped are C0, DEL and C1. */
int gv_cli_put_str(gv_buf *b, const char *s, size_t len, int json)
{
	gv_buf u = { 0 };
	size_t i;
	int rc;

	if ((rc = gv_utf8_sanitize(&u, s, len)))
		goto done;
	if (json)
		rc = gv_buf_puts(b, "\"");
	for (i = 0; i < u.len && !rc; i++) {
		unsigned char c = (unsigned char)u.ptr[i];

		if (json && (c == '"' || c == '\\'))
			rc = gv_buf_printf(b, "\\%c", c);
		else if (c == '\n')
			rc = gv_buf_puts(b, "\\n");
		else if (c == '\t' && json)
			rc = gv_buf_puts(b, "\\t");
		else if (c < 0x20 || (!json && c == 0x7f))
			rc = gv_buf_printf(b, json ? "\\u%04x" : "\\x%02x", c);
		else if (!json && c == 0xc2 && i + 1 < u.len &&
			 (unsigned char)u.ptr[i + 1] < 0xa0)
			rc = gv_buf_printf(b, "\\u%04x",
					   (unsigned char)u.ptr[++i]);
		else
			rc = gv_buf_put(b, (const char *)&c, 1);
	}
	if (!rc && json)
		rc = gv_buf_puts(b, "\"");
done:
	gv_buf_free(&u);
	return rc;
}

static int json_str(gv_buf *b, const char *s, size_t len)
{
	return gv_cli_put_str(b, s, len, 1);
}

static int text_str(gv_buf *b, const char *s, size_t len)
{
	return gv_cli_put_str(b, s, len, 0);
}

typedef struct trace {
	gv_buf out;
	int json;
	size_t nhits;
	int rc;
} trace;

static int on_hit(const gv_rule_hit *h, void *payload)
{
	trace *t = payload;
	gv_buf *b = &t->out;
	const char *cat = h->category < 0 ? "none" :
			  gv_category_name(h->category);
	size_t i;
	int rc;

	if (t->json) {
		rc = gv_buf_printf(b, "%s{\"rule\": ", t->nhits ? ", " : "");
		rc = rc ? rc : json_str(b, h->rule, strlen(h->rule));
		rc = rc ? rc : gv_buf_printf(b, ", \"source\": \"%s:%u\", "
					     "\"field\": \"%s\", "
					     "\"category\": \"%s\", ",
					     h->file, h->line, h->field, cat);
		if (!rc && h->veto)
			rc = gv_buf_puts(b, "\"veto\": true, ");
		else if (!rc)
			rc = gv_buf_printf(b, "\"confidence\": \"%s\", ",
					   gv_confidence_name(h->confidence));
		if (!rc && h->high_with) {
			rc = gv_buf_puts(b, "\"high_with\": ");
			rc = rc ? rc : json_str(b, h->high_with,
						strlen(h->high_with));
			rc = rc ? rc : gv_buf_puts(b, ", ");
		}
		rc = rc ? rc : gv_buf_puts(b, "\"match\": ");
		rc = rc ? rc : json_str(b, h->text, h->len);
		rc = rc ? rc : gv_buf_puts(b, ", \"captures\": [");
		for (i = 0; i < h->ncaptures && !rc; i++) {
			rc = gv_buf_printf(b, "%s{\"meaning\": \"%s\", "
					   "\"text\": ", i ? ", " : "",
					   h->captures[i].meaning);
			rc = rc ? rc : json_str(b, h->captures[i].text,
						h->captures[i].len);
			rc = rc ? rc : gv_buf_puts(b, "}");
		}
		rc = rc ? rc : gv_buf_puts(b, "]}");
	} else {
		rc = gv_buf_printf(b, "rule %s (%s:%u): %s", h->rule, h->file,
				   h->line, cat);
		if (!rc)
			rc = h->veto ? gv_buf_puts(b, ", veto") :
			     gv_buf_printf(b, ", %s",
					   gv_confidence_name(h->confidence));
		if (!rc && h->high_with)
			rc = gv_buf_printf(b, " (high with %s)", h->high_with);
		rc = rc ? rc : gv_buf_printf(b, "\n  field:   %s\n"
					     "  matched: \"", h->field);
		rc = rc ? rc : text_str(b, h->text, h->len);
		rc = rc ? rc : gv_buf_puts(b, "\"\n");
		for (i = 0; i < h->ncaptures && !rc; i++) {
			rc = gv_buf_printf(b, "  %-8s \"",
					   h->captures[i].meaning);
			rc = rc ? rc : text_str(b, h->captures[i].text,
						h->captures[i].len);
			rc = rc ? rc : gv_buf_puts(b, "\"\n");
		}
	}
	t->nhits++;
	return rc ? GV_ENOMEM : 0;
}

/* What the report counts of the labels, by the metrics' own rule. */
static int counted(int cat, const gv_class_view *v, int min_conf)
{
	return (gv_metrics_counted(v, min_conf) & GV_LABEL(cat)) != 0;
}

/* The labels the report counts (possible = 0) or reports as possible. */
static int print_tier(gv_buf *b, const gv_class_view *v, int min_conf,
		      int possible, int json)
{
	int cat, rc = 0, first = 1;

	rc = json ? gv_buf_printf(b, ", \"%s\": [", possible ? "possible" :
				  "counted") :
		    gv_buf_puts(b, possible ? "\npossible:" : "\ncounted:");
	for (cat = 0; cat < GV_CAT__COUNT && !rc; cat++) {
		if (!(v->labels & GV_LABEL(cat)) ||
		    counted(cat, v, min_conf) == possible)
			continue;
		rc = gv_buf_printf(b, json ? "%s\"%s\"" : "%s%s",
				   json ? (first ? "" : ", ") : " ",
				   gv_category_name(cat));
		first = 0;
	}
	if (!rc && !json && first)
		rc = gv_buf_puts(b, " none");
	if (!rc && json)
		rc = gv_buf_puts(b, "]");
	return rc;
}

/* min_conf: the report's tier, to say which labels it counts (explain), or
 * 0 when there is no report to speak for (classify). */
static int print_result(gv_buf *b, const gv_class_view *v, const trace *t,
			const char *commit, int min_conf, int json)
{
	size_t i;
	int cat, rc = 0, first = 1;

	if (json) {
		rc = gv_buf_puts(b, "{");
		if (!rc && commit)
			rc = gv_buf_printf(b, "\"commit\": \"%s\", ", commit);
		rc = rc ? rc : gv_buf_puts(b, "\"labels\": [");
	} else {
		if (commit)
			rc = gv_buf_printf(b, "commit %s\n", commit);
		rc = rc ? rc : gv_buf_puts(b, "labels:");
	}
	for (cat = 0; cat < GV_CAT__COUNT && !rc; cat++) {
		if (!(v->labels & GV_LABEL(cat)))
			continue;
		rc = json ? gv_buf_printf(b, "%s\"%s\"", first ? "" : ", ",
					  gv_category_name(cat)) :
			    gv_buf_printf(b, " %s (%s)", gv_category_name(cat),
					  gv_confidence_name(v->conf[cat]));
		first = 0;
	}
	if (!rc && !json && first)
		rc = gv_buf_puts(b, " none");
	if (!rc && json)
		rc = gv_buf_puts(b, "]");
	if (!rc && min_conf) {
		rc = json ? gv_buf_printf(b, ", \"min_confidence\": \"%s\"",
					  gv_confidence_name(min_conf)) :
			    gv_buf_printf(b, "\nmin-confidence: %s",
					  gv_confidence_name(min_conf));
		rc = rc ? rc : print_tier(b, v, min_conf, 0, json);
		rc = rc ? rc : print_tier(b, v, min_conf, 1, json);
	}
	rc = rc ? rc : gv_buf_puts(b, json ? ", \"rules\": [" : "\nrules:");
	for (i = 0; i < v->nrules && !rc; i++)
		rc = gv_buf_printf(b, json ? "%s\"%s\"" : "%s%s",
				   json ? (i ? ", " : "") : " ", v->rules[i]);
	rc = rc ? rc : gv_buf_puts(b, json ? "], \"refs\": [" : "\nrefs:");
	for (i = 0; i < v->nrefs && !rc; i++) {
		const gv_ref *r = &v->refs[i];

		if (json)
			rc = gv_buf_printf(b, "%s{\"sha\": \"%s\", \"kind\": "
					   "\"%s\", \"resolved\": %s}",
					   i ? ", " : "", r->text,
					   gv_ref_kind_name(r->kind),
					   r->resolved ? "true" : "false");
		else
			rc = gv_buf_printf(b, " %s %s%s", gv_ref_kind_name(
					   r->kind), r->text[0] ? r->text :
					   "(by subject)", r->resolved ? "" :
					   " (unresolved)");
	}
	rc = rc ? rc : gv_buf_puts(b, json ? "], \"ids\": [" : "\nids:");
	for (i = 0; i < v->nids && !rc; i++) {
		rc = gv_buf_puts(b, json ? (i ? ", " : "") : " ");
		rc = rc ? rc : json ? json_str(b, v->ids[i], strlen(v->ids[i]))
				    : text_str(b, v->ids[i], strlen(v->ids[i]));
	}
	rc = rc ? rc : gv_buf_puts(b, json ? "], \"issues\": [" :
				   "\nissues:");
	for (i = 0; i < v->nissues && !rc; i++) {
		rc = gv_buf_puts(b, json ? (i ? ", " : "") : " ");
		rc = rc ? rc : json ? json_str(b, v->issues[i],
					       strlen(v->issues[i]))
				    : text_str(b, v->issues[i],
					       strlen(v->issues[i]));
	}
	if (json) {
		rc = rc ? rc : gv_buf_puts(b, "], \"confidence\": {");
		for (cat = 0, first = 1; cat < GV_CAT__COUNT && !rc; cat++) {
			if (!(v->labels & GV_LABEL(cat)))
				continue;
			rc = gv_buf_printf(b, "%s\"%s\": \"%s\"",
					   first ? "" : ", ",
					   gv_category_name(cat),
					   gv_confidence_name(v->conf[cat]));
			first = 0;
		}
		rc = rc ? rc : gv_buf_puts(b, "}, \"hits\": [");
		rc = rc ? rc : gv_buf_put(b, t->out.ptr, t->out.len);
		rc = rc ? rc : gv_buf_puts(b, "]}\n");
	} else {
		rc = rc ? rc : gv_buf_puts(b, "\n");
		if (!rc && t->out.len)
			rc = gv_buf_puts(b, "\n");
		rc = rc ? rc : gv_buf_put(b, t->out.ptr, t->out.len);
	}
	return rc;
}

/* Classifies one message into a table of its own (*out, freed by the
 * caller with gv_classes_free()), recording every rule hit in t. */
static int trace_message(gv_classes **out, gv_ruleset *rs,
			 const gv_buf *message, const char *name,
			 size_t name_len, const char *email, size_t email_len,
			 trace *t, gv_error *err)
{
	gv_message m;
	int rc;

	if ((rc = gv_rules_compile_once(rs, err)) ||
	    (rc = gv_classes_new(out, rs, err)))
		return rc;
	memset(&m, 0, sizeof(m));
	m.commit = 0;
	m.message = message->ptr ? message->ptr : "";
	m.message_len = message->len;
	m.author_name = name;
	m.author_name_len = name_len;
	m.author_email = email;
	m.author_email_len = email_len;
	if ((rc = gv_classify_message(*out, &m, on_hit, t)))
		gv_error_set(err, rc, rc == GV_ENOMEM ? "out of memory" :
			     "classification failed (%d)", rc);
	return rc;
}

/* Prints the result and warns when the trace skipped a rule. */
static int put_result(const gv_class_view *v, const trace *t,
		      const gv_classes *scratch, const char *commit,
		      int min_conf, const char *what)
{
	gv_buf out = { 0 };
	gv_error err = { 0, "" };
	int ret = GV_EXIT_OK;

	if (print_result(&out, v, t, commit, min_conf, t->json)) {
		gv_error_set(&err, GV_ENOMEM, "out of memory");
		ret = gv_cli_fail(what, &err);
		goto done;
	}
	fwrite(out.ptr, 1, out.len, stdout);
	if (gv_classes_limit_hits(scratch))
		fprintf(stderr, "git-vitals: %s: warning: a rule hit its "
			"match limit and was skipped\n", what);
done:
	gv_buf_free(&out);
	return ret;
}

static const char classify_usage[] =
	"usage: git-vitals classify [--rules PATH]... [--rules-add PATH]... "
	"[--author 'Name <email>'] [--format json|text] < MESSAGE\n";

int gv_cmd_classify(int argc, char **argv)
{
	gv_buf msg = { 0 };
	gv_error err = { 0, "" };
	gv_ruleset *rs = NULL;
	gv_classes *c = NULL;
	gv_class_view v;
	rule_opts o;
	trace t;
	char chunk[65536];
	const char *name = "", *email = "", *lt, *gt;
	size_t n, name_len = 0, email_len = 0;
	int ret;

	memset(&t, 0, sizeof(t));
	if (argc > 0 && !strcmp(argv[0], "classify")) {
		argc--;
		argv++;
	}
	if ((ret = parse_opts(&o, argc, argv, "classify",
			      classify_usage)) >= 0)
		goto done;
	if (o.nargs) {
		ret = usage_error("classify", "reads the message on stdin, "
				  "and takes no argument");
		goto done;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
		if (gv_buf_put(&msg, chunk, n)) {
			gv_error_set(&err, GV_ENOMEM, "out of memory");
			ret = gv_cli_fail("classify", &err);
			goto done;
		}
	if (ferror(stdin)) {
		gv_error_set(&err, GV_EIO, "cannot read stdin");
		ret = gv_cli_fail("classify", &err);
		goto done;
	}
	if (o.author) {
		/* "Name <email>": split so the author field reads as in a
		 * history. */
		lt = strchr(o.author, '<');
		gt = lt ? strchr(lt, '>') : NULL;
		name = o.author;
		name_len = lt ? (size_t)(lt - o.author) : strlen(o.author);
		while (name_len && name[name_len - 1] == ' ')
			name_len--;
		if (lt && gt) {
			email = lt + 1;
			email_len = (size_t)(gt - lt - 1);
		}
	}
	t.json = !strcmp(o.format, "json");
	if (gv_cli_load_rules(&rs, o.rules, o.nrules, o.add, o.nadd, ".", 1,
			      &err) ||
	    trace_message(&c, rs, &msg, name, name_len, email, email_len, &t,
			  &err)) {
		ret = gv_cli_fail("classify", &err);
		goto done;
	}
	gv_classes_get(c, 0, &v);
	ret = put_result(&v, &t, c, NULL, 0, "classify");
done:
	gv_classes_free(c);
	gv_rules_free(rs);
	gv_buf_free(&t.out);
	gv_buf_free(&msg);
	opts_free(&o);
	return ret;
}

static const char explain_usage[] =
	"usage: git-vitals explain [--format json|text] [REPORT OPTIONS] "
	"REV [PATH]\n"
	"Labels REV as the report with the same options and the repository's\n"
	"vitals.* config does (--rules, --rules-add, --advisories,\n"
	"--min-confidence, --rev, --all, --release-pattern ...), and names\n"
	"every rule that fired.\n";

/* explain's command line: the report's analysis options, --format, REV and
 * PATH. Returns an exit code, or -1 to go on. */
static int explain_parse(gv_settings *s, const char **format,
			 const char **rev, int argc, char **argv)
{
	const char *missing = NULL, *pos[2] = { NULL, NULL };
	int i, r, npos = 0, dashdash = 0;

	for (i = 0; i < argc; i++) {
		if (dashdash || argv[i][0] != '-' || !argv[i][1]) {
			if (npos == 2)
				return usage_error("explain",
						   "expected REV [PATH]");
			pos[npos++] = argv[i];
		} else if (!strcmp(argv[i], "--")) {
			dashdash = 1;
		} else if (!strcmp(argv[i], "-h") ||
			   !strcmp(argv[i], "--help")) {
			fputs(explain_usage, stdout);
			return GV_EXIT_OK;
		} else if ((r = gv_cli_opt_value(argc, argv, &i, "--format",
						 format))) {
			if (r < 0 || (strcmp(*format, "json") &&
				      strcmp(*format, "text")))
				return usage_error("explain", "--format is "
						   "json or text");
		} else if ((r = gv_settings_parse_option(s, argc, argv, &i,
							 &missing)) <= 0) {
			if (r == -2)
				return usage_error("explain", "out of memory");
			fprintf(stderr, r ? "git-vitals: explain: %s needs a "
				"value\n" : "git-vitals: explain: unknown "
				"option %s\n", r ? missing : argv[i]);
			fputs(explain_usage, stderr);
			return GV_EXIT_USAGE;
		}
	}
	if (!npos) {
		usage_error("explain", "expected REV [PATH]");
		fputs(explain_usage, stderr);
		return GV_EXIT_USAGE;
	}
	*rev = pos[0];
	s->path = pos[1] ? pos[1] : ".";
	if (!*format)
		*format = isatty(STDOUT_FILENO) ? "text" : "json";
	return -1;
}

/* Runs the report's analysis and finds commit `hex` in it. A commit the
 * analysed revs do not reach is analysed with them plus itself (as
 * `--rev REV` would), so explain answers for any commit. */
static int explain_analyse(gv_analysis **out, gv_idx *idx, gv_ruleset **rs,
			   gv_settings *s, const char *hex, const char *rev,
			   gv_error *err)
{
	gv_analysis_opts ao;
	const char **revs = NULL;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = gv_cli_prepare(&ao, rs, s, err)) ||
	    (rc = gv_analysis_run(out, &ao, err)))
		goto done;
	if (!gv_history_find_hex((*out)->history, hex, GV_OID_HEXSZ, idx))
		goto done;
	if (ao.all) {
		rc = gv_error_set(err, GV_EINPUT, "%s: no ref reaches it", rev);
		goto done;
	}
	if (!(revs = gv_reallocarray(NULL, ao.nrevs + 2, sizeof(*revs)))) {
		rc = gv_error_set(err, GV_ENOMEM, "out of memory");
		goto done;
	}
	for (i = 0; i < ao.nrevs; i++)
		revs[i] = ao.revs[i];
	if (!ao.nrevs)
		revs[i++] = "HEAD"; /* what no rev means */
	revs[i++] = hex;
	ao.revs = revs;
	ao.nrevs = i;
	fprintf(stderr, "git-vitals: explain: note: the analysed revs do not "
		"reach %s; explained as with --rev %s added\n", rev, rev);
	gv_analysis_free(*out);
	*out = NULL;
	if ((rc = gv_analysis_run(out, &ao, err)))
		goto done;
	if (gv_history_find_hex((*out)->history, hex, GV_OID_HEXSZ, idx))
		rc = gv_error_set(err, GV_EINPUT, "%s: not in the history "
				  "loaded", rev);
done:
	free(revs);
	return rc;
}

int gv_cmd_explain(int argc, char **argv)
{
	gv_buf msg = { 0 }, name = { 0 }, email = { 0 };
	gv_error err = { 0, "" };
	gv_settings s;
	gv_analysis *a = NULL;
	gv_ruleset *rs = NULL;
	gv_classes *scratch = NULL;
	gv_class_view v;
	gv_idx idx = GV_NONE;
	char hex[GV_OID_HEXSZ + 1];
	const char *format = NULL, *rev = NULL;
	trace t;
	size_t i;
	int ret;

	memset(&t, 0, sizeof(t));
	gv_settings_init(&s);
	if (argc > 0 && !strcmp(argv[0], "explain")) {
		argc--;
		argv++;
	}
	if ((ret = explain_parse(&s, &format, &rev, argc, argv)) >= 0)
		goto done;
	t.json = !strcmp(format, "json");
	/* The labels, refs and tiers are the report's (a->classes); the
	 * message is classified once more only to trace the rule hits. */
	if (gv_repo_read_commit(&msg, &name, &email, hex, s.path, rev, &err) ||
	    explain_analyse(&a, &idx, &rs, &s, hex, rev, &err) ||
	    trace_message(&scratch, rs, &msg, name.ptr ? name.ptr : "",
			  name.len, email.ptr ? email.ptr : "", email.len,
			  &t, &err)) {
		ret = gv_cli_fail("explain", &err);
		goto done;
	}
	for (i = 0; i < a->warnings.count; i++)
		fprintf(stderr, "git-vitals: warning: %s\n",
			a->warnings.items[i].message);
	gv_classes_get(a->classes, idx, &v);
	ret = put_result(&v, &t, scratch, hex,
			 a->metrics->counts.min_confidence, "explain");
done:
	gv_classes_free(scratch);
	gv_analysis_free(a);
	gv_rules_free(rs);
	gv_buf_free(&t.out);
	gv_buf_free(&msg);
	gv_buf_free(&name);
	gv_buf_free(&email);
	gv_settings_free(&s);
	return ret;
}
