/*
 * fuzz_commit.c - commit and tag headers (commit_parse.c) from bytes: any
 * input parses without reading outside it, and what comes out keeps the
 * invariants the history relies on (dates in range or flagged bad).
 */
#include "fuzz.h"

#include "commit_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static gv_commit_header h;
	const char *p = (const char *)data, *end = p + size;
	int64_t t = 0;
	int16_t tz = 0;

	if (!gv_commit_parse(&h, p, end)) {
		if ((h.c.author_time < GV_TIME_MIN || h.c.author_time > GV_TIME_MAX ||
		     h.c.commit_time < GV_TIME_MIN || h.c.commit_time > GV_TIME_MAX))
			abort();
		if (h.msg < p || h.msg + h.msg_len > end || h.name + h.name_len > end ||
		    h.email + h.email_len > end)
			abort();
	}
	if (!gv_tag_parse_tagger(p, end, &t, &tz) &&
	    (t < GV_TIME_MIN || t > GV_TIME_MAX))
		abort();
	return 0;
}
