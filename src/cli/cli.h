/*
 * cli.h - the command line: the only place that prints errors as
 * "git-vitals: <what>: <why>" and maps statuses to exit codes.
 */
#ifndef GV_CLI_H
#define GV_CLI_H

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
int gv_cli_exit_code(int status);

/* Builds and compiles the rule set: the default rules unless `rules` names
 * any path (then only those), plus every `rules_add` path. Caller frees with
 * gv_rules_free(). (cmd_rules.c) */
int gv_cli_load_rules(gv_ruleset **out, char *const *rules, size_t nrules,
		      char *const *rules_add, size_t nadd, gv_error *err);

/* Subcommands; each takes argv after the subcommand name and returns an exit
 * code. (cmd_rules.c) */
int gv_cmd_rules(int argc, char **argv);
int gv_cmd_classify(int argc, char **argv);
int gv_cmd_explain(int argc, char **argv);

#endif
