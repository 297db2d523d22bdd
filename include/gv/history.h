/*
 * history.h - the compact in-memory model of a repository's history.
 *
 * gv_history_load() reads every commit reachable from the analysed revs plus
 * every commit reachable from a release tag, reading (inflating) each commit
 * object exactly once, and keeps per commit only what the metrics need: id,
 * parents, author and committer times with their offsets, and flags. Each
 * message (with the author identity, after .mailmap) is handed to a callback
 * as it streams past and is then dropped: history knows nothing about
 * classification, the caller wires it in.
 *
 * Invariants: commits are numbered densely 0..count-1 in discovery order;
 * every parent index is < count; ids are unique. Commits reachable from the
 * analysed revs carry GV_COMMIT_IN_REVS. Tags are those the tag filter
 * accepted and that peel to a commit of the history.
 */
#ifndef GV_HISTORY_H
#define GV_HISTORY_H

#include "gv/common.h"

#define GV_OID_RAWSZ 20
#define GV_OID_HEXSZ 40

enum {
	GV_COMMIT_IN_REVS = 1u << 0,  /* reachable from the analysed revs */
	GV_COMMIT_MERGE = 1u << 1,    /* two or more parents */
	GV_COMMIT_SHALLOW = 1u << 2,  /* a shallow boundary: parents cut off */
	GV_COMMIT_BAD_DATE = 1u << 3  /* a date missing or malformed: dated
	                                 1970-01-01, as git does */
};

typedef struct gv_commit {
	int64_t author_time;   /* seconds since the epoch, UTC */
	int64_t commit_time;
	int16_t author_tz;     /* offset east of UTC, in minutes */
	int16_t commit_tz;
	uint32_t flags;
	uint32_t parents_at;   /* index into gv_history_parents() */
	uint32_t nparents;
} gv_commit;

enum gv_tag_kind {
	GV_TAG_LIGHTWEIGHT = 0,
	GV_TAG_ANNOTATED = 1,       /* time is the (outermost) tagger date */
	GV_TAG_ANNOTATED_NO_TAGGER = 2, /* old git: time is the committer date */
	GV_TAG_ANNOTATED_BAD_DATE = 3   /* a tagger date missing, malformed or
	                                   outside 1970..9999: timed as
	                                   NO_TAGGER, counted in tag-bad-date */
};

typedef struct gv_tag {
	char *name;        /* without "refs/tags/", NUL-terminated raw bytes */
	gv_idx commit;     /* the commit it peels to */
	int64_t time;      /* release time, see enum gv_tag_kind */
	int16_t tz;
	uint8_t kind;
} gv_tag;

/* What the message callback sees. Pointers are valid only during the call;
 * nothing is NUL-terminated. */
typedef struct gv_message {
	gv_idx commit;
	const unsigned char *id;  /* GV_OID_RAWSZ bytes */
	const char *message;
	size_t message_len;
	const char *author_name;
	size_t author_name_len;
	const char *author_email;
	size_t author_email_len;
	const gv_commit *info;    /* times; parents_at/flags not yet final */
} gv_message;

/* Return 0 to go on, a negative GV_E* code to stop the load with it. */
typedef int (*gv_message_cb)(const gv_message *msg, void *payload);
/* Return 1 to keep the tag as a release, 0 to ignore it, < 0 on error. */
typedef int (*gv_tag_filter_cb)(const char *name, size_t len, void *payload);

/* A digest of everything a loaded history is a function of: the analysed
 * revs, every ref and where it points, HEAD, .git/shallow and which tags the
 * tag filter keeps (objects never change: their ids are their content).
 * Equal states give equal histories. All zero: no state could be taken
 * (e.g. a rev that reads the reflog); nothing may be reused by it. */
typedef struct gv_history_state {
	uint64_t a, b;
} gv_history_state;

/* A whole history as a seed hands it back (see gv_history_seed.snapshot);
 * the arrays are those of gv_history_commits() and friends, in index order. */
typedef struct gv_history_snapshot {
	size_t count;
	const gv_commit *commits;     /* flags as loaded */
	const unsigned char *ids;     /* count * GV_OID_RAWSZ */
	const gv_idx *parents;
	size_t nparents;
	const gv_tag *tags;           /* names are copied by the load */
	size_t ntags;
	const char *head;             /* 40 hex, or NULL for none */
	uint64_t skipped_refs;        /* refs that do not peel to a commit */
	uint64_t skipped_tags;        /* release tags that do not either */
	const gv_idx *table;          /* the id index, table_size slots: opaque
	                                 to a seed, which must check that it
	                                 finds every id at its own index (see
	                                 gv_history_table_slot) */
	size_t table_size;            /* sizes and bounds checked by the load */
	/* When release is set, the load keeps the arrays above instead of
	 * copying them, and calls release(hold) when the history is freed. */
	void (*release)(void *hold);
	void *hold;
} gv_history_snapshot;


/* What an incremental run already knows (the cache). */
typedef struct gv_history_seed {
	/* Called once, before any other callback and before any object is
	 * read, with the state of the repository. When the seed holds the
	 * history loaded from exactly this state it fills *snap (valid while
	 * the seed lives, or longer: see release) and returns 1: the load takes
	 * it over, reads nothing and
	 * calls no other callback (the seed restores what it needs itself).
	 * 0 to walk; < 0 stops the load with that error. May be NULL. */
	int (*snapshot)(void *payload, const gv_history_state *state,
			gv_history_snapshot *snap);
	/* Returns 1 and fills *c (times, tz and GV_COMMIT_BAD_DATE of flags)
	 * for a known commit, 0 for an unknown one. Its parents' ids go to
	 * `parents` (room for `cap` ids), their number to *nparents; when it
	 * exceeds cap, the caller makes room and asks again. Called
	 * concurrently. */
	int (*lookup)(void *payload, const unsigned char *id, gv_commit *c,
		      unsigned char *parents, uint32_t cap, uint32_t *nparents);
	/* Called instead of on_message for a commit taken from the seed, with
	 * its new index (unlocked, possibly concurrently). May be NULL. */
	int (*on_known)(void *payload, gv_idx commit, const unsigned char *id);
	void *payload;
} gv_history_seed;

typedef struct gv_history_opts {
	const char *path;            /* repository or a directory inside it */
	const char *const *revs;     /* analysed revs; none means HEAD */
	size_t nrevs;
	int all;                     /* HEAD and every ref under refs/ */
	gv_tag_filter_cb tag_filter; /* NULL: no tag is a release */
	void *tag_payload;
	gv_message_cb on_message;    /* NULL: messages are skipped */
	void *msg_payload;
	const gv_history_seed *seed; /* NULL: read every commit object */
	int threads;                 /* reading threads; 0: one per online core.
	                                With more than one, on_message is called
	                                concurrently for different commits */
} gv_history_opts;

#define GV_HISTORY_MAX_THREADS 64

typedef struct gv_history gv_history;

/* Loads the history. On success *out is set; caller frees with
 * gv_history_free(). Errors: GV_EREPO (not a repository, corrupt or missing
 * object, a rev that does not resolve), GV_ENOMEM, or what a callback
 * returned. Warnings (shallow, tags at trees or blobs) go to `warnings`. */
int gv_history_load(gv_history **out, const gv_history_opts *opts,
		    gv_warnings *warnings, gv_error *err);
void gv_history_free(gv_history *h);

size_t gv_history_count(const gv_history *h);
/* How many commit objects the load read (the rest came from the seed). */
size_t gv_history_objects_read(const gv_history *h);
const gv_commit *gv_history_commits(const gv_history *h);
const gv_idx *gv_history_parents(const gv_history *h);
/* GV_OID_RAWSZ bytes of commit i's id. */
const unsigned char *gv_history_id(const gv_history *h, gv_idx i);
/* Writes the 40-hex id and a NUL into hex (>= 41 bytes). */
void gv_history_hex(const gv_history *h, gv_idx i, char *hex);
/* Exact lookup: the index, or GV_NONE. */
gv_idx gv_history_find(const gv_history *h, const unsigned char *id);
/* Looks up a hex prefix (4..40 digits, any case) among the loaded commits.
 * 0 and *out set; GV_ENOTFOUND; GV_EAMBIGUOUS; GV_EINPUT if not hex. */
int gv_history_find_hex(const gv_history *h, const char *hex, size_t len,
			gv_idx *out);

/* The home slot of an id in the id index of a snapshot (table_size, a
 * power of two, slots; linear probing): for a seed that checks a stored
 * table before handing it back. */
size_t gv_history_table_slot(const unsigned char *id, size_t table_size);

const gv_tag *gv_history_tags(const gv_history *h, size_t *count);

/* The HEAD commit's hex id, or NULL for an unborn HEAD / detached nothing. */
const char *gv_history_head(const gv_history *h);
int gv_history_is_shallow(const gv_history *h);
/* The state the history was loaded from (see gv_history_state); all zero
 * when none could be taken or the refs moved during the load. */
const gv_history_state *gv_history_state_of(const gv_history *h);
/* Describes h as a snapshot (arrays valid while h lives, release NULL), for
 * a seed to store and hand back. */
void gv_history_snapshot_of(const gv_history *h, gv_history_snapshot *out);
/* Refs (--all) and release tags skipped because they do not peel to a
 * commit: the counts behind the "ref-not-commit" and "tag-not-commit"
 * warnings. */
void gv_history_skipped(const gv_history *h, uint64_t *refs, uint64_t *tags);
/* The analysed revs as resolved names (e.g. "HEAD", "--all"). */
const char *const *gv_history_revs(const gv_history *h, size_t *count);

/* Reads the git config of the repository at `path` (all its levels, as git
 * does) for every variable whose name starts with `prefix` (lower case, e.g.
 * "vitals."). *out is a NULL-terminated array of alternating names (lower
 * case, as git normalises them) and values, in config order; the caller
 * frees it with gv_strv_free(). *out is NULL when nothing matched.
 * GV_EREPO when path is not a repository. */
int gv_repo_config_get(char ***out, const char *path, const char *prefix,
		       gv_error *err);
void gv_strv_free(char **v);

/* A hash of everything libgit2's mailmap is built from for the repository at
 * path (the work tree's .mailmap, HEAD:.mailmap, mailmap.file and
 * mailmap.blob), so a cache can tell when identities may have changed. */
int gv_repo_mailmap_hash(uint64_t *out, const char *path, gv_error *err);

/* Reads one commit (any rev git understands) of the repository at `path`:
 * its raw message bytes, author name and email (after .mailmap) and 40-hex
 * id (hex, >= 41 bytes). For `git-vitals explain`. */
int gv_repo_read_commit(gv_buf *message, gv_buf *author_name,
			gv_buf *author_email, char *hex, const char *path,
			const char *rev, gv_error *err);

#endif
