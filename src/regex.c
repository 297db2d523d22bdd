/*
 * regex.c - single PCRE2 patterns outside the rule set (the release tag
 * pattern, user gates).
 *
 * Patterns and subjects are bytes: no PCRE2_UTF (and (*UTF), (*UCP), \C
 * refused: GV_PCRE2_NEVER), so invalid UTF-8 in a tag name or message can
 * never make a match fail or misbehave. Every match runs
 * under a match, depth and heap limit (the same as the rule engine's), so a
 * hostile pattern costs bounded time; hitting one is GV_ELIMIT, never a hang.
 * A gv_regex is read-only after compilation; gv_regex_search allocates its
 * match data per call, so threads may share one.
 */
#include "gv/regex.h"

#include <stdlib.h>

#include "rules_int.h"

struct gv_regex {
	pcre2_code *code;
	pcre2_match_context *mctx;
};

int gv_regex_compile(gv_regex **out, const char *pattern, gv_error *err)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	gv_regex *re;
	int code, rc = 0;

	*out = NULL;
	if (!(re = calloc(1, sizeof(*re))))
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	re->code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
				 GV_PCRE2_NEVER, &code, &off, NULL);
	if (!re->code) {
		pcre2_get_error_message(code, msg, sizeof(msg));
		rc = gv_error_set(err, GV_EINPUT, "column %zu: %s",
				  (size_t)off + 1, (const char *)msg);
		goto done;
	}
	(void)pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);
	if (!(re->mctx = pcre2_match_context_create(NULL))) {
		rc = gv_error_set(err, GV_ENOMEM, "out of memory");
		goto done;
	}
	pcre2_set_match_limit(re->mctx, GV_MATCH_LIMIT);
	pcre2_set_depth_limit(re->mctx, GV_DEPTH_LIMIT);
	pcre2_set_heap_limit(re->mctx, GV_HEAP_LIMIT_KIB);
	*out = re;
	re = NULL;
done:
	gv_regex_free(re);
	return rc;
}

int gv_regex_search(const gv_regex *re, const char *subject, size_t len)
{
	pcre2_match_data *md;
	int rc;

	if (!(md = pcre2_match_data_create_from_pattern(re->code, NULL)))
		return GV_ENOMEM;
	rc = pcre2_match(re->code, (PCRE2_SPTR)(subject ? subject : ""), len,
			 0, 0, md, re->mctx);
	pcre2_match_data_free(md);
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	return gv_rules_is_limit(rc) ? GV_ELIMIT : GV_EINTERNAL;
}

void gv_regex_free(gv_regex *re)
{
	if (!re)
		return;
	pcre2_code_free(re->code);
	pcre2_match_context_free(re->mctx);
	free(re);
}
