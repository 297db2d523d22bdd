/*
 * classify.h - what each commit is: labels, refs, vulnerability ids, issues.
 *
 * A gv_classes table is filled while the history streams past (pass
 * gv_classify_cb as the history's message callback, the table as payload),
 * then gv_classes_resolve() turns the refs written in messages into commit
 * indexes of the history. Results are indexed by the history's commit index.
 * Nothing here does I/O except gv_classes_add_advisories(), which reads OSV
 * files.
 */
#ifndef GV_CLASSIFY_H
#define GV_CLASSIFY_H

#include "gv/common.h"
#include "gv/history.h"
#include "gv/rules.h"

enum gv_ref_kind {
	GV_REF_REVERT = 0,
	GV_REF_FIXES,
	GV_REF_FOLLOWUP,
	GV_REF_BACKPORT,
	GV_REF_ADVISORY,
	GV_REF__COUNT
};
/* "revert", "fixes", "follow-up", "backport", "advisory". */
const char *gv_ref_kind_name(int kind);

enum gv_confidence {
	GV_CONF_NONE = 0,
	GV_CONF_LOW = 1,
	GV_CONF_HIGH = 2,
	GV_CONF_ADVISORY = 3
};
/* "low", "high", "advisory"; NULL for GV_CONF_NONE. */
const char *gv_confidence_name(int conf);

typedef struct gv_ref {
	gv_idx commit;    /* the target once resolved, else GV_NONE */
	uint8_t kind;     /* enum gv_ref_kind */
	uint8_t resolved;
	char text[41];    /* the full 40-hex id once resolved, else as written
	                     (may be empty for a subject-only revert) */
} gv_ref;

typedef struct gv_class_view {
	uint32_t labels;                  /* GV_LABEL(cat) bits */
	uint64_t identity;                /* a hash of (author email after
	                                     the mailmap, author time,
	                                     subject); 0 for an empty
	                                     subject. Copies made by a
	                                     cherry-pick share it */
	uint8_t conf[GV_CAT__COUNT];      /* enum gv_confidence per category */
	const gv_ref *refs;
	size_t nrefs;
	const char *const *ids;           /* upper case, distinct, sorted */
	size_t nids;
	const char *const *issues;        /* as written: "#123", "PROJ-9", "gh-4" */
	size_t nissues;
	const char *const *rules;         /* ids of the rules that fired */
	size_t nrules;
} gv_class_view;

typedef struct gv_classes gv_classes;

/* `rs` must be compiled and outlive the table; it may be NULL, then nothing
 * is labelled. Caller frees with gv_classes_free(). */
int gv_classes_new(gv_classes **out, const gv_ruleset *rs, gv_error *err);
void gv_classes_free(gv_classes *c);

/* A gv_message_cb: classifies one commit. payload is the gv_classes.
 * Thread-safe: several threads may classify different commits of one table
 * at once (scratch space comes from a pool, results are stored under a
 * lock). The table grows to fit msg->commit; no sizing is needed. */
int gv_classify_cb(const gv_message *msg, void *payload);

/* Resolves refs against the loaded history (abbreviated ids, subject-only
 * reverts to the nearest ancestor with that exact subject or merge title,
 * reverts of pull request M ("#M") to the nearest ancestor that lands M,
 * reverts of reverts). Unresolved refs stay with resolved = 0 and are
 * counted in a warning. Call once, after gv_history_load(). */
int gv_classes_resolve(gv_classes *c, const gv_history *h,
		       gv_warnings *warnings, gv_error *err);

/* Reads OSV records (a file or a directory of *.json) and labels their fixed
 * commits. Call after gv_classes_resolve(). A file that is not JSON is
 * GV_EINPUT naming it; malformed records and unknown commits are warnings. */
int gv_classes_add_advisories(gv_classes *c, const gv_history *h,
			      const char *path, gv_warnings *warnings,
			      gv_error *err);

/* How OSV records name commits: find() gives the index of a 40-hex id (0,
 * or non-zero when it is not a commit of the history), hex() writes an
 * index's 40-hex id and a NUL. */
typedef struct gv_commit_lookup {
	int (*find)(void *payload, const char *hex, gv_idx *out);
	void (*hex)(void *payload, gv_idx i, char *hex);
	void *payload;
} gv_commit_lookup;

/* The same for the bytes of one OSV file (`path` names it in messages),
 * with commits named through `find`: the parser from bytes. */
int gv_classes_add_osv(gv_classes *c, const gv_commit_lookup *find,
		       const char *path, const char *data, size_t len,
		       gv_warnings *warnings, gv_error *err);

/* Regex matches that hit the match, depth or heap limit while classifying
 * (that rule is skipped for that message). gv_classes_resolve() also reports
 * them as the warning "rule-match-limit". */
uint64_t gv_classes_limit_hits(const gv_classes *c);

/* One rule that fired, for `git-vitals explain` and `classify`. */
typedef struct gv_hit_capture {
	const char *meaning;   /* "ref:revert", "subject:revert",
	                          "pull:revert", "reapply", "id", "issue" */
	const char *text;      /* the captured bytes, in the field */
	size_t len;
} gv_hit_capture;

typedef struct gv_rule_hit {
	const char *rule;      /* the rule's id */
	const char *file;      /* where it is defined */
	unsigned line;
	const char *field;     /* "subject", "body", "message", "author",
	                          "trailer:<Name>" */
	int category;          /* enum gv_category, or -1: it only captures */
	int confidence;        /* enum gv_confidence */
	int veto;              /* a `not` rule */
	const char *text;      /* the matched text, in the field */
	size_t len;
	const gv_hit_capture *captures;
	size_t ncaptures;
	const char *high_with; /* `high-with`: the rule whose firing too
	                          makes this low label high, or NULL */
} gv_rule_hit;

/* Return 0 to go on; a negative GV_E* stops the classification with it. */
typedef int (*gv_hit_cb)(const gv_rule_hit *hit, void *payload);

/* gv_classify_cb with a trace: `on_hit` (may be NULL) is called for every
 * match of every rule that fires (a rule that captures may match more than
 * once), in rule order, before the result is stored at msg->commit. */
int gv_classify_message(gv_classes *c, const gv_message *msg,
			gv_hit_cb on_hit, void *payload);

/* The incremental cache's callbacks (gv_cache_blob_cb, gv_cache_restore_cb
 * of cache.h; payload is the gv_classes). blob appends commit's
 * classification as bytes; restore stores such bytes as commit's
 * classification instead of classifying its message, and is thread-safe
 * like gv_classify_cb. Refs are restored unresolved (a subject-only revert
 * with its subject hash), so call gv_classes_resolve() after the load as
 * usual. Rule ids unknown to the table's rule set are dropped; bytes that
 * do not decode are GV_EINPUT. */
int gv_classes_blob(void *payload, gv_idx commit, gv_buf *out);
int gv_classes_restore(void *payload, gv_idx commit, const void *data,
		       size_t len);

/* The classification of one commit; an unclassified commit gives an empty
 * view. Pointers stay valid until the table is freed. */
void gv_classes_get(const gv_classes *c, gv_idx commit, gv_class_view *out);
uint32_t gv_classes_labels(const gv_classes *c, gv_idx commit);

#endif
