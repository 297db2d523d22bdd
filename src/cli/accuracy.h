/*
 * accuracy.h - `git-vitals rules accuracy` (accuracy.c), and the string
 * writer it shares with the other rules commands (cmd_rules.c).
 */
#ifndef GV_CLI_ACCURACY_H
#define GV_CLI_ACCURACY_H

#include <stddef.h>

#include "gv/common.h"

/* `git-vitals rules accuracy ...`: argv after the word "accuracy". Returns
 * an exit code: 0 ok, 1 usage, 2 input error, 4 a --floor failed. */
int gv_cmd_rules_accuracy(int argc, char **argv);

/* Appends message bytes repaired to UTF-8: as a quoted JSON string (json),
 * or as text with control characters escaped so that a hostile message
 * cannot drive the terminal. (cmd_rules.c) */
int gv_cli_put_str(gv_buf *b, const char *s, size_t len, int json);

#endif
