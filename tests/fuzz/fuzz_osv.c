/*
 * fuzz_osv.c - OSV records (gv_classes_add_osv) from bytes, applied
 * through an id lookup that knows 16 commits: the ids whose 40 hex digits
 * are one digit repeated ("000...0" is commit 0, "fff...f" commit 15).
 */
#include "fuzz.h"

#include "gv/classify.h"

static int find(void *payload, const char *hex, gv_idx *out)
{
	size_t i;

	(void)payload;
	for (i = 1; i < GV_OID_HEXSZ; i++)
		if (hex[i] != hex[0])
			return -1;
	if (hex[0] >= '0' && hex[0] <= '9')
		*out = (gv_idx)(hex[0] - '0');
	else if (hex[0] >= 'a' && hex[0] <= 'f')
		*out = (gv_idx)(hex[0] - 'a' + 10);
	else
		return -1;
	return 0;
}

static void hex(void *payload, gv_idx i, char *out)
{
	(void)payload;
	memset(out, "0123456789abcdef"[i & 15], GV_OID_HEXSZ);
	out[GV_OID_HEXSZ] = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gv_commit_lookup lookup = { find, hex, NULL };
	gv_classes *c = NULL;
	gv_warnings w = { 0 };
	gv_error err = { 0, "" };

	if (gv_classes_new(&c, NULL, &err))
		return 0;
	(void)gv_classes_add_osv(c, &lookup, "fuzz.json", (const char *)data,
				 size, &w, &err);
	gv_classes_free(c);
	gv_warnings_free(&w);
	return 0;
}
