/*
 * fuzz_date.c - the date and span parsers of --since/--until and
 * --hotfix-window (gv_time_parse_iso, gv_span_parse) from bytes: a span
 * never exceeds GV_SPAN_MAX, and any parsed time formats.
 */
#include "fuzz.h"

#include "gv/common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_copy(data, size), buf[64];
	int64_t t;

	if (!s)
		return 0;
	if (!gv_time_parse_iso(&t, s))
		gv_time_iso(buf, sizeof(buf), t);
	if (!gv_span_parse(&t, s) && (t < 0 || t > GV_SPAN_MAX))
		abort();
	free(s);
	return 0;
}
