/*
 * cli.h - the command line: the only place that prints errors as
 * "git-vitals: <what>: <why>" and maps statuses to exit codes.
 */
#ifndef GV_CLI_H
#define GV_CLI_H

#include "gv/analysis.h"
#include "gv/common.h"
#include "gv/rules.h"

/* Exit codes, documented in the man page and README. */
enum {
	GV_EXIT_OK = 0,
	GV_EXIT_USAGE = 1,
	GV_EXIT_INPUT = 2,    /* repository or input error */
	GV_EXIT_PARTIAL = 3,  /* some repositories of a batch failed */
	GV_EXIT_GATE = 4      /* a --fail-if gate fired */
};

/* Prints "git-vitals: <what>: <why>" (or "git-vitals: <why>" when what is
 * NULL) on stderr and returns the exit code for err->code. */
int gv_cli_fail(const char *what, const gv_error *err);
/* Prints "git-vitals: <message>\n" on stderr with gv_cli_escape applied:
 * every diagnostic that may carry bytes from a repository, rule file,
 * manifest or advisory goes through it. */
void gv_cli_eprintf(const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 1, 2)))
#endif
	;
/* Appends s (len bytes) to out as text safe for a terminal: invalid UTF-8
 * repaired (U+FFFD), C0 controls but tab, DEL and C1 controls written as
 * \xNN or \uNNNN. NUL-terminated; 0 or GV_ENOMEM. */
int gv_cli_escape(gv_buf *out, const char *s, size_t len);
int gv_cli_exit_code(int status);
/* Names every gate that fired ("git-vitals: gate failed: EXPR (value V)")
 * or could not be evaluated on stderr; GV_EXIT_GATE when one fired, else
 * GV_EXIT_OK. Call after the report is written. */
int gv_cli_gates(const gv_analysis *a);

typedef struct gv_strv {
	char **v;  /* borrowed strings (argv, manifest, config) */
	size_t n, alloc;
} gv_strv;

int gv_strv_push(gv_strv *s, char *v);

/* The settings of one analysis, from defaults, the repository's vitals.*
 * git config and the command line (or a batch manifest line). Strings are
 * borrowed, except `config`, which the settings own. */
typedef struct gv_settings {
	const char *path;
	gv_strv revs, rules, rules_add, advisories;
	int all;                  /* -1: not set */
	int include_prereleases;  /* -1: not set */
	const char *release_pattern, *since, *until, *lead_from;
	const char *hotfix_window, *changes, *period;
	int exclude_bots;         /* -1: not set */
	int copies;               /* 0: --no-copies; -1: not set */
	const char *min_confidence; /* "high" or "low"; NULL: high */
	gv_strv disable_rules;    /* vitals.disableRules values: rule ids
	                             separated by blanks or commas */
	gv_strv fail_if;          /* --fail-if expressions */
	const char *format, *output;
	int pretty, commits;
	const char *cache_dir;    /* --cache: NULL, no cache */
	int threads;              /* reading threads; 0: one per core */
	char **config;            /* vitals.* name/value pairs read */
} gv_settings;

void gv_settings_init(gv_settings *s);
/* Consumes argv[*i] (and its value) when it is one of the analysis options
 * every command shares (--rev, --all, --release-pattern, --since, --until,
 * --lead-time-from, --rules, --rules-add, --advisories, --hotfix-window,
 * --changes, --period, --include-prereleases, --exclude-bots, --commits,
 * --min-confidence, --no-copies).
 * 1 consumed, 0 not one of them, -1 its value is missing (*missing names
 * the option), -2 out of memory. */
int gv_settings_parse_option(gv_settings *s, int argc, char **argv, int *i,
			     const char **missing);
void gv_settings_free(gv_settings *s);
/* Reads vitals.* from the repository at s->path. With override = 0 it fills
 * only what is unset (single runs: the command line wins); with override = 1
 * config values replace what is set (batch: config beats the command line).
 * GV_EREPO when the path is not a repository. */
int gv_settings_apply_config(gv_settings *s, int override, gv_error *err);
/* Fills the analysis options from the settings (everything but rules).
 * Borrowed strings: s must outlive ao. GV_EUSAGE for a bad date or value,
 * or a malformed --fail-if expression. */
int gv_settings_to_analysis(const gv_settings *s, gv_analysis_opts *ao,
			    gv_error *err);
/* Disables the rules vitals.disableRules names in rs (before it compiles:
 * an unknown id is then an error naming the config key). */
int gv_settings_disable_rules(const gv_settings *s, gv_ruleset *rs,
			      gv_error *err);
/* The analysis options of one report: s (s->path, default ".") takes the
 * repository's vitals.* config under the command line, and the rule set is
 * built from it less vitals.disableRules. Every command that answers for
 * the report (the report itself, explain) goes through here, so they
 * cannot disagree on a setting. ao borrows from s and *rules; the caller
 * frees *rules with gv_rules_free(), on error too. */
int gv_cli_prepare(gv_analysis_opts *ao, gv_ruleset **rules, gv_settings *s,
		   gv_error *err);

/* Matches option `name` at argv[*i] as "--name VALUE", "--name=VALUE" or,
 * for a two-character name, "-jVALUE"; advances *i past a separate value.
 * 1 matched (*out set), 0 not this option, -1 the value is missing. */
int gv_cli_opt_value(int argc, char **argv, int *i, const char *name,
		     const char **out);

/* The end of both commands' option loops, after their own flags: argv[*i]
 * is a shared analysis option (1, consumed), or one of the command's
 * `valued` options (2: *k its index, *val its value), or wrong (-1: report
 * the usage error printf(*fmt, *arg)). */
int gv_cli_next_option(gv_settings *s, int argc, char **argv, int *i,
		       const char *const *valued, size_t nvalued, size_t *k,
		       const char **val, const char **fmt, const char **arg);

/* A number that changes with every build of the sources (the Makefile's
 * GV_BUILD_ID), so a cache never trusts another build's classifications. */
uint64_t gv_cli_build_id(void);

/* Writes an output (--output, --summary) to path the way a user expects
 * (src/cli/output.c): a regular file, or a symlink to one, is replaced
 * atomically (a temporary file beside it, then rename) keeping its mode,
 * so readers see the old file or the new one, never half, and a failed
 * write leaves the old one; a new file gets 0666 less the umask; a device,
 * FIFO, socket or /dev/stdout (any /dev/fd/N) is written directly. */
int gv_write_atomic(const char *path, const char *data, size_t len,
		    gv_error *err);

/* Builds the rule set: the default rules unless `rules` names any path
 * (then only those), plus every `rules_add` path, less the rules that the
 * git config vitals.disableRules of the repository at `config_repo` names
 * (NULL, or not a repository: none), and compiles it when `compile` is set
 * (otherwise the analysis compiles it on first use, so a run served wholly
 * by the cache compiles nothing). Caller frees with gv_rules_free().
 * (cmd_rules.c) */
int gv_cli_load_rules(gv_ruleset **out, char *const *rules, size_t nrules,
		      char *const *rules_add, size_t nadd,
		      const char *config_repo, int compile, gv_error *err);

/* Appends the whole file at path ("-": stdin) to out: a manifest, batch
 * output. (cmd_batch.c) */
int gv_cli_read_input(gv_buf *out, const char *path, gv_error *err);

/* Subcommands; each takes argv after the subcommand name and returns an exit
 * code. (cmd_rules.c) */
int gv_cmd_rules(int argc, char **argv);
int gv_cmd_classify(int argc, char **argv);
int gv_cmd_explain(int argc, char **argv);
/* `git-vitals summary`: the fleet view of batch NDJSON (cmd_summary.c). */
int gv_cmd_summary(int argc, char **argv);

#endif
