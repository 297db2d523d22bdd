/*
 * settings.c - what one analysis is asked to do, merged from the defaults,
 * the repository's vitals.* git config and the command line (or, in a batch,
 * a manifest line).
 *
 * The --fail-if gates are parsed here, so a malformed one is a usage error
 * before any history is read, and reported on stderr by gv_cli_gates().
 *
 * Precedence is the caller's choice (gv_settings_apply_config's override):
 * a single run lets the command line win; a batch lets each repository's own
 * config beat the shared command line, and the manifest beat both.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int gv_strv_push(gv_strv *s, char *v)
{
	if (gv_grow((void **)&s->v, &s->alloc, s->n + 1, sizeof(*s->v)))
		return GV_ENOMEM;
	s->v[s->n++] = v;
	return 0;
}

int gv_cli_opt_value(int argc, char **argv, int *i, const char *name,
		     const char **out)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n))
		return 0;
	if (argv[*i][n] == '=' || (n == 2 && argv[*i][n])) {
		*out = argv[*i] + n + (argv[*i][n] == '=');
		return 1;
	}
	if (argv[*i][n] != '\0')
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*out = argv[++*i];
	return 1;
}

int gv_settings_parse_option(gv_settings *s, int argc, char **argv, int *i,
			     const char **missing)
{
	static const struct { const char *name; int kind; } flags[] = {
		{"--all", 0}, {"--include-prereleases", 1}, {"--exclude-bots", 2},
		{"--commits", 3}, {"--no-copies", 4},
	};
	static const char *const valued[] = {
		"--rev", "--rules", "--rules-add", "--advisories",
		"--release-pattern", "--since", "--until", "--lead-time-from",
		"--hotfix-window", "--changes", "--period", "--min-confidence",
	};
	const char **scalar[] = {
		&s->release_pattern, &s->since, &s->until, &s->lead_from,
		&s->hotfix_window, &s->changes, &s->period, &s->min_confidence,
	};
	gv_strv *lists[] = {&s->revs, &s->rules, &s->rules_add, &s->advisories};
	const char *val = NULL;
	size_t k;
	int r;

	for (k = 0; k < sizeof(flags) / sizeof(flags[0]); k++) {
		if (strcmp(argv[*i], flags[k].name))
			continue;
		switch (flags[k].kind) {
		case 0: s->all = 1; break;
		case 1: s->include_prereleases = 1; break;
		case 2: s->exclude_bots = 1; break;
		case 4: s->copies = 0; break;
		default: s->commits = 1; break;
		}
		return 1;
	}
	for (k = 0; k < sizeof(valued) / sizeof(valued[0]); k++) {
		if (!(r = gv_cli_opt_value(argc, argv, i, valued[k], &val)))
			continue;
		if (r < 0) {
			*missing = valued[k];
			return -1;
		}
		if (k < 4)
			return gv_strv_push(lists[k], (char *)val) ? -2 : 1;
		*scalar[k - 4] = val;
		return 1;
	}
	return 0;
}

void gv_settings_init(gv_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->all = -1;
	s->include_prereleases = -1;
	s->exclude_bots = -1;
	s->copies = -1;
}

void gv_settings_free(gv_settings *s)
{
	free(s->revs.v);
	free(s->rules.v);
	free(s->rules_add.v);
	free(s->advisories.v);
	free(s->fail_if.v);
	free(s->disable_rules.v);
	gv_strv_free(s->config);
	memset(s, 0, sizeof(*s));
}

static int parse_bool(const char *v)
{
	if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on") ||
	    !strcmp(v, "1"))
		return 1;
	if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off") ||
	    !strcmp(v, "0") || !*v)
		return 0;
	return -1;
}

static void set_str(const char **dst, const char *v, int override)
{
	if (override || !*dst)
		*dst = v;
}

static int set_bool(int *dst, const char *name, const char *v, int override,
		    gv_error *err)
{
	int b = parse_bool(v);

	if (b < 0)
		return gv_error_set(err, GV_EINPUT, "config %s: bad boolean '%s'",
				    name, v);
	if (override || *dst < 0)
		*dst = b;
	return 0;
}

int gv_settings_apply_config(gv_settings *s, int override, gv_error *err)
{
	gv_strv revs = {0};
	int error = 0, config_all = 0;
	size_t i;

	gv_strv_free(s->config);
	s->config = NULL;
	if ((error = gv_repo_config_get(&s->config, s->path, "vitals.", err)))
		return error;
	for (i = 0; s->config && s->config[i]; i += 2) {
		const char *k = s->config[i], *v = s->config[i + 1];
		if (!strcmp(k, "vitals.rev")) {
			if (gv_strv_push(&revs, (char *)v)) {
				error = gv_error_set(err, GV_ENOMEM, "out of memory");
				goto done;
			}
		} else if (!strcmp(k, "vitals.all")) {
			if ((error = set_bool(&s->all, "vitals.all", v, override, err)))
				goto done;
			config_all = s->all == 1;
		} else if (!strcmp(k, "vitals.includeprereleases")) {
			if ((error = set_bool(&s->include_prereleases,
					      "vitals.includePrereleases", v, override,
					      err)))
				goto done;
		} else if (!strcmp(k, "vitals.releasepattern")) {
			set_str(&s->release_pattern, v, override);
		} else if (!strcmp(k, "vitals.since")) {
			set_str(&s->since, v, override);
		} else if (!strcmp(k, "vitals.until")) {
			set_str(&s->until, v, override);
		} else if (!strcmp(k, "vitals.leadtimefrom")) {
			set_str(&s->lead_from, v, override);
		} else if (!strcmp(k, "vitals.hotfixwindow")) {
			set_str(&s->hotfix_window, v, override);
		} else if (!strcmp(k, "vitals.changes")) {
			set_str(&s->changes, v, override);
		} else if (!strcmp(k, "vitals.period")) {
			set_str(&s->period, v, override);
		} else if (!strcmp(k, "vitals.minconfidence")) {
			set_str(&s->min_confidence, v, override);
		} else if (!strcmp(k, "vitals.disablerules")) {
			/* a list: every value adds to it */
			if (gv_strv_push(&s->disable_rules, (char *)v)) {
				error = gv_error_set(err, GV_ENOMEM, "out of memory");
				goto done;
			}
		} else if (!strcmp(k, "vitals.excludebots")) {
			if ((error = set_bool(&s->exclude_bots, "vitals.excludeBots",
					      v, override, err)))
				goto done;
		} else if (!strcmp(k, "vitals.copies")) {
			if ((error = set_bool(&s->copies, "vitals.copies", v,
					      override, err)))
				goto done;
		}
	}
	/* Revs from config apply when nothing stronger chose what to walk:
	 * neither revs nor --all given (or the config is the stronger side). */
	if (revs.n && (override || (!s->revs.n && s->all != 1))) {
		free(s->revs.v);
		s->revs = revs;
		revs.v = NULL;
		/* in a batch the repository's revs beat a command-line --all,
		 * unless its own config asks for all as well */
		if (override && !config_all)
			s->all = 0;
	}
done:
	free(revs.v);
	return error;
}

static int parse_bound(gv_bound *b, const char *s, const char *what,
		       gv_error *err)
{
	if (!s) {
		b->kind = GV_BOUND_NONE;
		return 0;
	}
	if (!gv_span_parse(&b->value, s)) {
		b->kind = GV_BOUND_SPAN;
		return 0;
	}
	if (!gv_time_parse_iso(&b->value, s)) {
		b->kind = GV_BOUND_TIME;
		return 0;
	}
	/* a bare year is its first day: --since 2024 */
	if (strlen(s) == 4 && strspn(s, "0123456789") == 4) {
		char day[16];
		snprintf(day, sizeof(day), "%s-01-01", s);
		if (!gv_time_parse_iso(&b->value, day)) {
			b->kind = GV_BOUND_TIME;
			return 0;
		}
	}
	return gv_error_set(err, GV_EUSAGE,
			    "%s '%s': not a date (2024, 2024-01-31, "
			    "2024-01-31T12:00:00Z) or a span (90d, 12w, 6m, 1y)",
			    what, s);
}

int gv_settings_to_analysis(const gv_settings *s, gv_analysis_opts *ao,
			    gv_error *err)
{
	size_t i;
	int error;

	memset(ao, 0, sizeof(*ao));
	ao->path = s->path;
	/* --all walks every ref; revs would be a subset of it */
	ao->all = s->all > 0;
	ao->revs = ao->all ? NULL : (const char *const *)s->revs.v;
	ao->nrevs = ao->all ? 0 : s->revs.n;
	ao->release_pattern = s->release_pattern;
	ao->include_prereleases = s->include_prereleases > 0;
	ao->advisories = (const char *const *)s->advisories.v;
	ao->nadvisories = s->advisories.n;
	ao->cache_dir = s->cache_dir;
	ao->threads = s->threads;
	ao->build_id = gv_cli_build_id();
	if (s->lead_from && strcmp(s->lead_from, "author") &&
	    strcmp(s->lead_from, "commit"))
		return gv_error_set(err, GV_EUSAGE,
				    "--lead-time-from '%s': expected author or commit",
				    s->lead_from);
	ao->metrics.lead_from_commit = s->lead_from && !strcmp(s->lead_from, "commit");
	if ((error = parse_bound(&ao->metrics.since, s->since, "--since", err)) ||
	    (error = parse_bound(&ao->metrics.until, s->until, "--until", err)))
		return error;
	if (ao->metrics.since.kind == GV_BOUND_TIME &&
	    ao->metrics.until.kind == GV_BOUND_TIME &&
	    ao->metrics.since.value >= ao->metrics.until.value)
		return gv_error_set(err, GV_EUSAGE, "--since '%s' is not before "
				    "--until '%s': the window is empty", s->since,
				    s->until);
	ao->metrics.has_hotfix_window = s->hotfix_window != NULL;
	if (s->hotfix_window &&
	    gv_span_parse(&ao->metrics.hotfix_window, s->hotfix_window))
		return gv_error_set(err, GV_EUSAGE,
				    "--hotfix-window '%s': not a span (14d, 2w, 36h)",
				    s->hotfix_window);
	ao->metrics.exclude_bots = s->exclude_bots > 0;
	ao->metrics.no_copies = s->copies == 0;
	if (!s->min_confidence || !strcmp(s->min_confidence, "high"))
		ao->metrics.min_confidence = GV_CONF_HIGH;
	else if (!strcmp(s->min_confidence, "low"))
		ao->metrics.min_confidence = GV_CONF_LOW;
	else
		return gv_error_set(err, GV_EUSAGE,
				    "--min-confidence '%s': expected high or low",
				    s->min_confidence);
	ao->metrics.list_commits = s->commits > 0;
	if (s->changes && strcmp(s->changes, "commits") &&
	    strcmp(s->changes, "merges"))
		return gv_error_set(err, GV_EUSAGE,
				    "--changes '%s': expected commits or merges",
				    s->changes);
	ao->metrics.merges = s->changes && !strcmp(s->changes, "merges");
	if (!s->period)
		ao->metrics.period = GV_PERIOD_NONE;
	else if (!strcmp(s->period, "week"))
		ao->metrics.period = GV_PERIOD_WEEK;
	else if (!strcmp(s->period, "month"))
		ao->metrics.period = GV_PERIOD_MONTH;
	else if (!strcmp(s->period, "quarter"))
		ao->metrics.period = GV_PERIOD_QUARTER;
	else
		return gv_error_set(err, GV_EUSAGE,
				    "--period '%s': expected week, month or quarter",
				    s->period);
	/* a malformed gate is a usage error now, not after the analysis */
	for (i = 0; i < s->fail_if.n; i++) {
		gv_gate g;
		if ((error = gv_gate_parse(&g, s->fail_if.v[i], err)))
			return error;
		gv_gate_free(&g);
	}
	ao->gates = (const char *const *)s->fail_if.v;
	ao->ngates = s->fail_if.n;
	return 0;
}

int gv_settings_disable_rules(const gv_settings *s, gv_ruleset *rs,
			      gv_error *err)
{
	size_t i, a, b;
	char id[128];
	int error;

	for (i = 0; i < s->disable_rules.n; i++) {
		const char *v = s->disable_rules.v[i];

		for (a = 0; v[a];) {
			while (v[a] == ' ' || v[a] == '\t' || v[a] == ',')
				a++;
			for (b = a; v[b] && v[b] != ' ' && v[b] != '\t' &&
				    v[b] != ','; b++)
				;
			if (b == a)
				break;
			if (b - a >= sizeof(id))
				return gv_error_set(err, GV_EINPUT,
						    "git config vitals.disableRules: "
						    "unknown rule '%.40s...'", v + a);
			memcpy(id, v + a, b - a);
			id[b - a] = '\0';
			if ((error = gv_rules_disable(rs, id, "git config "
						      "vitals.disableRules", err)))
				return error;
			a = b;
		}
	}
	return 0;
}

int gv_cli_prepare(gv_analysis_opts *ao, gv_ruleset **rules, gv_settings *s,
		   gv_error *err)
{
	int error;

	*rules = NULL;
	if (!s->path)
		s->path = ".";
	/* the command line's own values first: a typo is a usage error (exit
	 * 1) wherever it is run, not "not a git repository" */
	if ((error = gv_settings_to_analysis(s, ao, err)) ||
	    (error = gv_settings_apply_config(s, 0, err)) ||
	    (error = gv_settings_to_analysis(s, ao, err)))
		return error;
	if ((error = gv_cli_load_rules(rules, s->rules.v, s->rules.n,
				       s->rules_add.v, s->rules_add.n, NULL, 0,
				       err)) ||
	    (error = gv_settings_disable_rules(s, *rules, err)))
		return error;
	ao->rules = *rules;
	return 0;
}

int gv_cli_gates(const gv_analysis *a)
{
	char v[64];
	size_t i;
	int code = GV_EXIT_OK;

	for (i = 0; i < a->ngates; i++) {
		const gv_gate *g = &a->gates[i];
		gv_gate_format(v, sizeof(v), g, 1);
		if (g->status == GV_GATE_FIRED) {
			fprintf(stderr, "git-vitals: gate failed: %s (value %s)\n",
				g->expr, v);
			code = GV_EXIT_GATE;
		} else if (g->status != GV_GATE_PASSED) {
			fprintf(stderr, "git-vitals: gate not evaluated: %s "
				"(value null: %s)\n", g->expr,
				g->is_level ? "fewer than 5 samples"
					    : "no samples");
		}
	}
	return code;
}

#ifndef GV_BUILD_ID
#define GV_BUILD_ID "0"
#endif

int gv_cli_next_option(gv_settings *s, int argc, char **argv, int *i,
		       const char *const *valued, size_t nvalued, size_t *k,
		       const char **val, const char **fmt, const char **arg)
{
	const char *missing = NULL;
	int r;

	if ((r = gv_settings_parse_option(s, argc, argv, i, &missing)) > 0)
		return 1;
	*fmt = "option '%s' needs a value";
	*arg = missing;
	if (r == -1)
		return -1;
	*fmt = "%s";
	*arg = "out of memory";
	if (r < -1)
		return -1;
	for (*k = 0; *k < nvalued; (*k)++)
		if ((r = gv_cli_opt_value(argc, argv, i, valued[*k], val)))
			break;
	*fmt = "option '%s' needs a value";
	*arg = *k < nvalued ? valued[*k] : NULL;
	if (r < 0)
		return -1;
	*fmt = "unknown option '%s'";
	*arg = argv[*i];
	return r ? 2 : -1;
}

uint64_t gv_cli_build_id(void)
{
	static const char id[] = GV_BUILD_ID " " __DATE__ " " __TIME__;
	return gv_fnv1a64(id, sizeof(id) - 1);
}
