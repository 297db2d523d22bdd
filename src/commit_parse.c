/*
 * commit_parse.c - git's commit and tag headers, from bytes: pure
 * functions of a buffer, no libgit2, no shared state, so history.c's
 * reading threads run them unlocked and a fuzz target links them alone.
 *
 * Formats: git's Documentation/gitformat-object (commit: "tree", "parent"
 * lines, "author" and "committer" idents, a blank line, the message; tag:
 * "object", "type", "tag", "tagger", a blank line, the message). An ident
 * is "Name <email> <seconds> <+hhmm>". Nothing is NUL-terminated: lengths
 * travel with pointers, and every read stays inside [p, end).
 */
#include "commit_parse.h"

#include <stdlib.h>
#include <string.h>

/* Hex digit values, -1 for anything else; a constant so threads share it
 * without a lazy-initialisation race. */
#define H_ -1
const signed char gv_hexval[256] = {
#define R16 H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_
	R16, R16, R16,
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, H_, H_, H_, H_, H_, H_,
	H_, 10, 11, 12, 13, 14, 15, H_, H_, H_, H_, H_, H_, H_, H_, H_,
	R16,
	H_, 10, 11, 12, 13, 14, 15, H_, H_, H_, H_, H_, H_, H_, H_, H_,
	R16, R16, R16, R16, R16, R16, R16, R16, R16 /* 0x70 to 0xff */
#undef R16
};
#undef H_

int gv_parse_hex_oid(unsigned char *out, const char *p, const char *end)
{
	const signed char *hv = gv_hexval;
	int i;

	if (end - p < GV_OID_HEXSZ)
		return -1;
	for (i = 0; i < GV_OID_RAWSZ; i++) {
		int a = hv[(unsigned char)p[2 * i]], b = hv[(unsigned char)p[2 * i + 1]];
		if (a < 0 || b < 0)
			return -1;
		out[i] = (unsigned char)(a << 4 | b);
	}
	return 0;
}

/* Parses the tail of an ident line, "Name <email> 1700000000 +0100". Git
 * writes what it was given, so a missing, malformed or unbelievable date
 * (outside GV_TIME_MIN..GV_TIME_MAX, common.h: a 20-digit or negative one)
 * leaves time 0 (git's own fallback) and returns -1 for the caller to
 * count. Digits are read with the bound checked first: no overflow. */
static int parse_ident(const char *p, const char *end, const char **name,
		       size_t *name_len, const char **email, size_t *email_len,
		       int64_t *t, int16_t *tz)
{
	const char *lt = memchr(p, '<', (size_t)(end - p)), *gt = NULL, *q;
	int64_t v = 0, off = 0;
	int neg = 0, ok = 0;

	for (q = end; q > p; q--) {
		if (q[-1] == '>') {
			gt = q - 1;
			break;
		}
	}
	*t = 0;
	*tz = 0;
	if (!lt || !gt || gt < lt) {
		*name = p;
		*name_len = (size_t)(end - p);
		*email = end;
		*email_len = 0;
		return -1;
	}
	*name = p;
	*name_len = (size_t)(lt - p);
	while (*name_len && p[*name_len - 1] == ' ')
		(*name_len)--;
	*email = lt + 1;
	*email_len = (size_t)(gt - lt - 1);
	q = gt + 1;
	while (q < end && *q == ' ')
		q++;
	if (q < end && *q == '-') {
		neg = 1;
		q++;
	}
	while (q < end && *q >= '0' && *q <= '9') {
		if (v <= GV_TIME_MAX)
			v = v * 10 + (*q - '0');
		q++;
		ok = 1;
	}
	if (!ok || neg || v < GV_TIME_MIN || v > GV_TIME_MAX)
		return -1;
	*t = v;
	while (q < end && *q == ' ')
		q++;
	if (end - q >= 5 && (*q == '+' || *q == '-')) {
		int i, d[4];
		for (i = 0; i < 4; i++)
			d[i] = q[1 + i] - '0';
		if (d[0] >= 0 && d[0] <= 9 && d[1] >= 0 && d[1] <= 9 && d[2] >= 0 &&
		    d[2] <= 9 && d[3] >= 0 && d[3] <= 9) {
			off = (d[0] * 10 + d[1]) * 60 + d[2] * 10 + d[3];
			*tz = (int16_t)(*q == '-' ? -off : off);
		}
	}
	return 0;
}


int gv_commit_parse(gv_commit_header *out, const char *p, const char *end)
{
	int have_author = 0, have_committer = 0;

	memset(&out->c, 0, sizeof(out->c));
	out->nparents = 0;
	out->name = out->email = out->msg = end;
	out->name_len = out->email_len = out->msg_len = 0;
	out->bad_date = 0;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		if (eol == p) { /* the blank line before the message */
			out->msg = p + 1 < end ? p + 1 : end;
			out->msg_len = (size_t)(end - out->msg);
			break;
		}
		if (eol - p > 7 && !memcmp(p, "parent ", 7)) {
			if (gv_grow((void **)&out->parents, &out->parents_alloc,
				    out->nparents + 1, GV_OID_RAWSZ))
				return GV_ENOMEM;
			if (gv_parse_hex_oid(out->parents +
						     out->nparents * GV_OID_RAWSZ,
					     p + 7, eol))
				return GV_EREPO;
			out->nparents++;
		} else if (!have_author && eol - p > 7 && !memcmp(p, "author ", 7)) {
			if (parse_ident(p + 7, eol, &out->name, &out->name_len,
					&out->email, &out->email_len,
					&out->c.author_time, &out->c.author_tz))
				out->bad_date = 1;
			have_author = 1;
		} else if (!have_committer && eol - p > 10 &&
			   !memcmp(p, "committer ", 10)) {
			const char *n, *e;
			size_t nl, el;
			if (parse_ident(p + 10, eol, &n, &nl, &e, &el,
					&out->c.commit_time, &out->c.commit_tz))
				out->bad_date = 1;
			have_committer = 1;
		}
		p = eol + 1;
	}
	/* without an author line the author date is git's fallback, 0: a
	 * bad date like a malformed one, not a 1970 start of a lead time */
	if (!have_author)
		out->bad_date = 1;
	if (!have_committer) {
		out->c.commit_time = out->c.author_time;
		out->c.commit_tz = out->c.author_tz;
		out->bad_date = 1;
	}
	return 0;
}

void gv_commit_header_free(gv_commit_header *h)
{
	free(h->parents);
	h->parents = NULL;
	h->nparents = h->parents_alloc = 0;
}

int gv_tag_parse_tagger(const char *p, const char *end, int64_t *t,
			int16_t *tz)
{
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		if (eol == p)
			break;
		if (eol - p > 7 && !memcmp(p, "tagger ", 7)) {
			const char *n, *e;
			size_t nl, el;
			return parse_ident(p + 7, eol, &n, &nl, &e, &el, t, tz) ? -2 : 0;
		}
		p = eol + 1;
	}
	return -1;
}
