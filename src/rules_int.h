/*
 * rules_int.h - the rule engine's private view of a ruleset, shared by
 * rules.c (parser, compiler, self-tests) and classify.c (the matcher).
 *
 * A rule is parsed into plain data first (strings, positions for error
 * messages) and compiled later; after gv_rules_compile() the ruleset is
 * read-only, so threads may share it. Required literals of every rule are
 * interned once per ruleset (lits[]) and compiled into one automaton, so the
 * classifier finds all of them in one pass over a message (one table step
 * per byte) and skips the rules none of whose literals occur. The compiler
 * adds literals of its own, read off each pattern (gv_rule.cond), so that
 * the rules whose pattern cannot match are skipped too.
 */
#ifndef GV_RULES_INT_H
#define GV_RULES_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "gv/rules.h"

#include <pthread.h>

/* What a rule reads. */
enum gv_field {
	GV_FIELD_SUBJECT = 0,
	GV_FIELD_BODY,
	GV_FIELD_MESSAGE,
	GV_FIELD_TRAILER,
	GV_FIELD_AUTHOR,
	GV_FIELD_TITLE    /* the subject; for a merge whose subject is git's or
	                     GitHub's merge line, the first body line (the
	                     PR title or topic description) */
};

/* What a capture group means. */
enum gv_cap_type {
	GV_CAP_IGNORE = 0,
	GV_CAP_REF,       /* a commit id, 7..40 hex; kind in gv_cap.kind */
	GV_CAP_SUBJECT,   /* the subject of the commit referred to */
	GV_CAP_REAPPLY,   /* X of `Reapply "X"`: the target's subject is
	                     `Revert "X"` */
	GV_CAP_ID,        /* a vulnerability id, stored upper case */
	GV_CAP_ISSUE,     /* an issue reference, stored as written */
	GV_CAP_PULL,      /* a pull request number (`#M`, `owner/repo#M`,
	                     `M`), also an issue: the target is the PR's
	                     merge or squash commit; kind in gv_cap.kind */
	GV_CAP_CONTEXT_ID /* a vulnerability id the message names as
	                     context (another fix's, a regression's): not
	                     one of the commit's ids */
};

typedef struct gv_cap {
	uint8_t type;     /* enum gv_cap_type */
	uint8_t kind;     /* enum gv_ref_kind for REF, SUBJECT and PULL */
} gv_cap;

/* The category of a rule that labels nothing and only records what it
 * captures (`category = none`: backport and follow-up refs). */
#define GV_CAT_NONE (-1)

typedef struct gv_example {
	char *text;       /* escapes (\n, \t, \\) already decoded */
	size_t len;
	unsigned line;
	int match;        /* 1: must match, 0: must not */
} gv_example;

typedef struct gv_rule {
	char *id;
	const char *file;      /* owned by the ruleset's names[] */
	unsigned line;         /* of the [rule ID] header */
	int category;          /* enum gv_category or GV_CAT_NONE; for a
	                          veto, the first of veto_cats */
	uint32_t veto_cats;    /* a veto: GV_LABEL() of each category it
	                          vetoes (`category = fix security`) */
	int needs;             /* `needs = CAT`: the label stays only on a
	                          commit that ends up labelled CAT too; -1 */
	char *high_with_id;    /* `high-with = ID`: this low rule's label is
	                          high when rule ID fired on the commit too
	                          (two weak signs in different places); */
	int high_with;         /* ... ID's index in the ruleset once compiled,
	                          else -1 */
	int disabled;          /* `disable:` in a rule file, or
	                          gv_rules_disable(): never runs */
	const char *override_file; /* where `disable:` or `confidence:`
	                          changed this rule, for `rules show` */
	unsigned override_line;
	int field;             /* enum gv_field */
	char *trailer;         /* the trailer name when field is TRAILER */
	size_t trailer_len;
	int confidence;        /* GV_CONF_LOW or GV_CONF_HIGH (classify.h) */
	int veto;              /* a `not` rule */
	int skip_revert;       /* skip = revert-subject: on a `Revert "..."`
	                          or `Reapply "..."` subject, a message rule
	                          reads past the first line and a subject or
	                          title rule does not run */
	char *pattern;
	size_t pattern_len;
	unsigned pattern_line, pattern_col;
	/* Where each continuation line of the pattern starts: offset in
	 * pattern[], line and column in the file (for error positions). */
	size_t *seg_off;
	unsigned *seg_line, *seg_col;
	size_t nseg;
	char *flags;           /* as written, e.g. "i m" */
	uint32_t options;      /* PCRE2 compile options from flags */
	gv_cap *caps;          /* one per capture group, in group order */
	size_t ncaps;
	char *caps_text;       /* as written, for `rules show` */
	unsigned caps_line, caps_col;
	char *req_text;        /* as written, for `rules show` */
	uint32_t *req;         /* indexes into the ruleset's lits[] */
	size_t nreq;
	/* What every text the pattern matches in contains (rules.c,
	 * prefilter): a condition over the literals of lits[], in prefix
	 * order: a literal's index (it occurs), or GV_COND_AND or GV_COND_OR,
	 * the length of the whole node, then its operands; nested at most
	 * GV_COND_DEPTH deep. ncond = 0: no condition known. */
	uint32_t *cond;
	size_t ncond;
	gv_example *examples;
	size_t nexamples;
	pcre2_code *code;
} gv_rule;

typedef struct gv_lit {
	char *text;            /* lower case ASCII, >= 2 bytes */
	size_t len;
	uint8_t edges;         /* read off a pattern, it counts only with a
	                          word boundary (\b) just before it
	                          (GV_LIT_WORD_START), just after it (_END) */
} gv_lit;
#define GV_LIT_WORD_START 1u
#define GV_LIT_WORD_END 2u

/* The end of a list in lit_outs[]. */
#define GV_LIT_END UINT32_MAX

/* The operators of gv_rule.cond. */
#define GV_COND_AND (UINT32_MAX - 1)
#define GV_COND_OR UINT32_MAX
#define GV_COND_DEPTH 32

/* A rule file's `disable: ID` or `confidence: ID TIER` line (or
 * gv_rules_disable()), applied to the rule when the set is compiled, so
 * that it may name a rule of a file added before or after it. */
typedef struct gv_override {
	char *id;
	const char *file;      /* owned by names[], or a static string */
	unsigned line;
	int confidence;        /* GV_CONF_LOW / _HIGH, or 0: disable */
} gv_override;

struct gv_ruleset {
	/* gv_rules_compile_once: threads that find the set uncompiled wait
	 * here while one of them compiles it */
	pthread_mutex_t once;
	gv_rule *rules;
	size_t count, alloc;
	char **names;          /* source names, one per file added */
	size_t nnames, anames;
	gv_override *overrides;
	size_t noverrides, aoverrides;
	gv_lit *lits;
	size_t nlits, alits;
	/* The rules that require literal i (`requires`), as indexes into
	 * rules[]: lit_rules[lit_req_at[i]] up to lit_rules[lit_req_at[i + 1]],
	 * so that the classifier goes from the literals present to the rules
	 * to run without testing every rule's list. */
	uint32_t *lit_req_at;
	uint32_t *lit_rules;
	/* The literal automaton (Aho-Corasick made a DFA, gv_rules_compile):
	 * a row per state of lit_row entries, one per byte class (lit_class:
	 * bytes that start or continue no literal share class 0, upper case
	 * folds onto lower case) holding the next state's row offset, then
	 * where the state's list of the literals that end there starts in
	 * lit_outs (GV_LIT_END-terminated). States that end a literal have the
	 * last rows, from offset lit_hit on; the start state's row is at 0. */
	uint8_t lit_class[256];
	uint32_t lit_row;
	uint32_t *lit_next;
	uint32_t lit_hit;
	uint32_t *lit_outs;
	size_t lit_maxlen;     /* the longest literal */
	uint32_t max_groups;   /* the most capture groups of any rule */
	uint64_t hash;
	int compiled;
	pcre2_match_context *mctx;
};

/* Limits every match runs under: a hostile pattern or message costs at most
 * this much work and memory, then counts as a limit hit. */
#define GV_MATCH_LIMIT 5000000u
#define GV_DEPTH_LIMIT 10000u
#define GV_HEAP_LIMIT_KIB 65536u

/* Compile options of every pattern (rules, --release-pattern): subjects are
 * bytes, so what would read them in another encoding is refused at compile
 * time, with the rule named: (*UTF) (whose invalid-UTF-8 errors failed
 * whole runs), (*UCP) and \C (which splits a UTF-8 character). */
#define GV_PCRE2_NEVER \
	(PCRE2_NEVER_UTF | PCRE2_NEVER_UCP | PCRE2_NEVER_BACKSLASH_C)

/* "subject", "body", "message", "trailer", "author", "title". */
const char *gv_field_name(int field);

/* Runs one compiled pattern under the ruleset's limits. Returns the PCRE2
 * result: > 0 match, PCRE2_ERROR_NOMATCH, or another negative code (a limit
 * among them). */
int gv_rules_match(const gv_ruleset *rs, const gv_rule *r, const char *s,
		   size_t len, size_t start, pcre2_match_data *md);
/* Where rule r starts reading its field text: past the first line when the
 * rule says `skip = revert-subject` and the text opens with `Revert "` or
 * `Reapply "` (that quoted subject is another commit's), else 0. */
size_t gv_rules_start(const gv_rule *r, const char *s, size_t len);
/* 1 when a PCRE2 result code means a resource limit was hit. */
int gv_rules_is_limit(int rc);

#endif
