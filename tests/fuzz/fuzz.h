/*
 * fuzz.h - what every libFuzzer target of tests/fuzz/ shares: the entry
 * point's declaration, and a copy of the input that is NUL-terminated and
 * aligned as malloc aligns (parsers that read a struct out of bytes, like
 * the cache loader, assume that much).
 */
#ifndef GV_FUZZ_H
#define GV_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A malloc'd copy of the input with a NUL after it; NULL without memory. */
static inline char *fuzz_copy(const uint8_t *data, size_t size)
{
	char *p = malloc(size + 1);

	if (p) {
		if (size)
			memcpy(p, data, size);
		p[size] = '\0';
	}
	return p;
}

#endif
