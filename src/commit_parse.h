/*
 * commit_parse.h - git's commit and tag headers parsed from bytes (a
 * helper of history.c, with no libgit2: see commit_parse.c).
 */
#ifndef GV_COMMIT_PARSE_H
#define GV_COMMIT_PARSE_H

#include "gv/history.h"

/* Hex digit values of every byte, -1 for what is not one. */
extern const signed char gv_hexval[256];

/* 40 hex digits at p (before end) to 20 bytes; -1 when they are not. */
int gv_parse_hex_oid(unsigned char *out, const char *p, const char *end);

/* What one commit object says, reused from commit to commit (parents
 * keeps its allocation). Pointers point into the parsed buffer. */
typedef struct gv_commit_header {
	gv_commit c;             /* times and offsets; flags, parents_at and
	                            nparents left 0 */
	unsigned char *parents;  /* GV_OID_RAWSZ each */
	size_t nparents, parents_alloc;
	const char *name, *email, *msg;   /* the author's, and the message */
	size_t name_len, email_len, msg_len;
	int bad_date;            /* a date missing, malformed or outside
	                            GV_TIME_MIN..GV_TIME_MAX: dated 0 */
} gv_commit_header;

/* Parses a raw commit object [p, end). 0; GV_EREPO for a malformed parent
 * line; GV_ENOMEM. A bad date is no error: out->bad_date says so. */
int gv_commit_parse(gv_commit_header *out, const char *p, const char *end);
void gv_commit_header_free(gv_commit_header *h);

/* Finds the tagger line of a raw tag object [p, end): 0 and its date; -1
 * when there is none; -2 when its date is bad (see gv_commit_header). */
int gv_tag_parse_tagger(const char *p, const char *end, int64_t *t,
			int16_t *tz);

#endif
