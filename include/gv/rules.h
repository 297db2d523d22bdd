/*
 * rules.h - the rule engine: rule files (data in rules/), their PCRE2
 * patterns compiled once (JIT when available), and their self-tests.
 *
 * A ruleset is built in two steps: add sources (the default set compiled into
 * the binary, files, directories), then compile. A compiled ruleset is
 * read-only and may be shared by threads. Only the rule engine (rules.c,
 * regex.c, classify.c) includes pcre2.h.
 */
#ifndef GV_RULES_H
#define GV_RULES_H

#include "gv/common.h"

/* The categories a rule may label. Fixed so that a typo in a rule file is
 * an error ("unknown category"), not a silent new label. */
enum gv_category {
	GV_CAT_FIX = 0,
	GV_CAT_REVERT,
	GV_CAT_ROLLBACK,
	GV_CAT_SECURITY,
	GV_CAT_BOT,
	GV_CAT_FEATURE,
	GV_CAT_CHORE,
	GV_CAT_DOCS,
	GV_CAT_TEST,
	GV_CAT_PERF,
	GV_CAT_REFACTOR,
	GV_CAT__COUNT
};
#define GV_LABEL(cat) (1u << (cat))

/* "fix", "revert", ...; NULL for an out-of-range value. */
const char *gv_category_name(int cat);
/* The category of a name, or -1. */
int gv_category_from_name(const char *name, size_t len);

typedef struct gv_ruleset gv_ruleset;

/* Caller frees with gv_rules_free(). */
int gv_rules_new(gv_ruleset **out, gv_error *err);
/* Adds the default rules compiled into the binary from rules/. */
int gv_rules_add_default(gv_ruleset *rs, gv_error *err);
/* Adds a rule file, or every *.rules file of a directory (sorted by name).
 * Parse errors are GV_EINPUT with "file:line:column: message". */
int gv_rules_add_path(gv_ruleset *rs, const char *path, gv_error *err);
/* Adds rules from memory; `name` is used in messages. */
int gv_rules_add_buffer(gv_ruleset *rs, const char *name, const char *data,
			size_t len, gv_error *err);
/* Disables rule `id` (git config vitals.disableRules); `source` (static,
 * or outliving the set) names where the wish came from in messages and in
 * `rules show`. An id that no rule has is an error when the set compiles. */
int gv_rules_disable(gv_ruleset *rs, const char *id, const char *source,
		     gv_error *err);
/* Compiles every pattern. A bad regex is GV_EINPUT with file:line:column and
 * PCRE2's own message. Idempotent. */
int gv_rules_compile(gv_ruleset *rs, gv_error *err);
/* The same, safe when several threads may need the set at once (the first
 * compiles, the others wait): for compiling lazily, only once a message
 * must really be classified, so that a run served wholly by the cache
 * compiles nothing. */
int gv_rules_compile_once(gv_ruleset *rs, gv_error *err);
void gv_rules_free(gv_ruleset *rs);
int gv_rules_is_compiled(const gv_ruleset *rs);

size_t gv_rules_count(const gv_ruleset *rs);
const char *gv_rules_id(const gv_ruleset *rs, size_t i);
/* A hash of every loaded rule's text: what the cache keys classifications by. */
uint64_t gv_rules_hash(const gv_ruleset *rs);

/* Runs every rule's examples. Appends one line per failure
 * ("file:line: rule ID: expected match: ...") to `report` and sets *failures.
 * Returns 0 when it could run them (even with failures). */
int gv_rules_test(const gv_ruleset *rs, gv_buf *report, size_t *failures,
		  gv_error *err);
/* Checks without running any pattern that every `match` example of a rule
 * with `requires` contains one of its required literals (else the literal
 * pre-check would skip the rule on such a message). Appends one line per
 * problem ("file:line:1: rule ID: ...") to `report`, sets *problems. */
int gv_rules_lint(const gv_ruleset *rs, gv_buf *report, size_t *problems);
/* Prints the rule set in use, in the rule file format. */
int gv_rules_show(const gv_ruleset *rs, gv_buf *out);

#endif
