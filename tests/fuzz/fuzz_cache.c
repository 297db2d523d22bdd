/*
 * fuzz_cache.c - the cache loader (gv_cache_check) from bytes. The input
 * is a cache file: its checksum is recomputed first, and the key and the
 * repository path it is checked against are read from it, so the fuzzer
 * reaches the structure checks behind them as a crafted file would,
 * instead of stopping at the checksum.
 */
#include "fuzz.h"

#include "gv/cache.h"

/* cache.c's header: the key at 16, path_bytes at 104, the checksum at
 * 192, 200 bytes in all; the path is the file's last path_bytes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *p = (unsigned char *)fuzz_copy(data, size);
	gv_cache_key key = {0, 0, 0, 0};
	char real[256] = "/fuzz/repo";
	uint64_t sum, plen;

	if (!p)
		return 0;
	if (size >= 200) {
		memcpy(&key, p + 16, sizeof(key));
		memcpy(&plen, p + 104, 8);
		if (plen > 0 && plen < sizeof(real) && plen <= size - 200) {
			memcpy(real, p + size - plen, (size_t)plen);
			real[plen] = '\0';
		}
		sum = gv_cache_checksum(p, size);
		memcpy(p + 192, &sum, 8);
	}
	(void)gv_cache_check(p, size, real, &key);
	free(p);
	return 0;
}
