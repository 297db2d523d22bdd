/*
 * regex.h - a small PCRE2 wrapper for single patterns outside the rule set
 * (the release tag pattern, user gates). JIT-compiled when available and
 * always matched under a match limit and a depth limit, so a hostile pattern
 * or subject cannot hang the tool.
 */
#ifndef GV_REGEX_H
#define GV_REGEX_H

#include "gv/common.h"

typedef struct gv_regex gv_regex;

/* Compiles a UTF-8-agnostic PCRE2 pattern (bytes, no UTF check). A bad
 * pattern is GV_EINPUT with "column N: <PCRE2 message>". Caller frees with
 * gv_regex_free(). */
int gv_regex_compile(gv_regex **out, const char *pattern, gv_error *err);
/* Unanchored search. 1 match, 0 no match, GV_ELIMIT when a limit was hit,
 * GV_ENOMEM. */
int gv_regex_search(const gv_regex *re, const char *subject, size_t len);
void gv_regex_free(gv_regex *re);

#endif
