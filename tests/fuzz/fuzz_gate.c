/*
 * fuzz_gate.c - the --fail-if expression (gv_gate_parse) from bytes.
 */
#include "fuzz.h"

#include "gv/gates.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_copy(data, size);
	gv_gate g;
	gv_error err = { 0, "" };

	if (!s)
		return 0;
	memset(&g, 0, sizeof(g));
	if (!gv_gate_parse(&g, s, &err))
		gv_gate_free(&g);
	free(s);
	return 0;
}
