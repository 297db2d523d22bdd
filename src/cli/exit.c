/*
 * exit.c - errors as the user sees them: "git-vitals: <what>: <why>" on
 * stderr, and the documented exit codes. Separate from main.c so that every
 * subcommand, and the tests, link it.
 */
#include "cli/cli.h"

#include <stdio.h>

int gv_cli_exit_code(int status)
{
	switch (status) {
	case GV_OK:
		return GV_EXIT_OK;
	case GV_EUSAGE:
		return GV_EXIT_USAGE;
	default:
		return GV_EXIT_INPUT;
	}
}

int gv_cli_fail(const char *what, const gv_error *err)
{
	const char *why = err && err->msg[0] ? err->msg : "failed";

	if (what)
		fprintf(stderr, "git-vitals: %s: %s\n", what, why);
	else
		fprintf(stderr, "git-vitals: %s\n", why);
	return gv_cli_exit_code(err ? err->code : GV_EINTERNAL);
}
