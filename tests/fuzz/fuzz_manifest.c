/*
 * fuzz_manifest.c - the batch manifest (gv_manifest_parse) from bytes.
 */
#include "fuzz.h"

#include "gv/batch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gv_manifest m;
	gv_error err = { 0, "" };

	memset(&m, 0, sizeof(m));
	(void)gv_manifest_parse(&m, (const char *)data, size, &err);
	gv_manifest_free(&m);
	return 0;
}
