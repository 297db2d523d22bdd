/*
 * embedded.h - files compiled into the binary at build time (the default
 * rules of rules/). The table ends with a zeroed entry.
 */
#ifndef GV_EMBEDDED_H
#define GV_EMBEDDED_H

#include <stddef.h>

typedef struct gv_embedded_file {
	const char *name;   /* the path in the source tree, e.g. "rules/fix.rules" */
	const char *data;   /* NUL-terminated; len excludes the NUL */
	size_t len;
} gv_embedded_file;

extern const gv_embedded_file gv_default_rules[];
extern const size_t gv_default_rules_count;

#endif
