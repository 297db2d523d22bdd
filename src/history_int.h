/*
 * history_int.h - the model of gv/history.h as history.c builds it and
 * history_model.c serves it: shared by the two, nobody else.
 */
#ifndef GV_HISTORY_INT_H
#define GV_HISTORY_INT_H

#include "gv/history.h"

#define F_READ (1u << 15) /* internal: the object has been read */

struct gv_history {
	gv_commit *commits;
	unsigned char *ids; /* GV_OID_RAWSZ bytes per commit */
	size_t count, alloc;
	gv_idx *parents;
	size_t nparents, parents_alloc;
	gv_idx *table;
	size_t table_size; /* a power of two */
	gv_tag *tags;
	size_t ntags, tags_alloc;
	char head[GV_OID_HEXSZ + 1];
	int has_head;
	int shallow;
	char **revs;
	size_t nrevs;
	size_t objects_read;
	gv_history_state state;
	uint64_t skipped_refs, skipped_tags;
	/* a history taken from a seed's snapshot borrows commits, ids, parents
	 * and table (read-only from then on) and gives them back here */
	void (*release)(void *hold);
	void *hold;
};

/* The id index (history_model.c). gv_history_intern returns the index of
 * id, adding an unread commit when it is new (*added); the others make
 * room. 0 or GV_ENOMEM. */
int gv_history_intern(gv_history *h, const unsigned char *id, gv_idx *out,
		      int *added);
int gv_history_reserve(gv_history *h, size_t n);
int gv_history_table_grow(gv_history *h);

#endif
