/*
 * jsonschema.h - a small JSON Schema (draft 2020-12) validator over cJSON,
 * enough for docs/schema/report-1.schema.json and no more.
 *
 * Keywords understood: type (a name or an array of names; "integer" is a
 * number with no fractional part), required, properties,
 * additionalProperties (true, false or a schema), items (one schema), enum,
 * const, minimum, exclusiveMinimum, pattern (POSIX extended regex, which
 * covers the anchored character-class patterns the schema uses) and $ref to
 * "#/..." inside the same document. Annotations ($schema, $id, title,
 * description, $comment, $defs) are skipped. Any other keyword is reported as
 * an error rather than ignored, so a schema can never pass by using
 * something this validator does not check.
 */
#ifndef GV_TESTS_JSONSCHEMA_H
#define GV_TESTS_JSONSCHEMA_H

#include <stddef.h>
#include <cJSON.h>

/* Returns the number of violations (0: valid). The first one is described
 * in err ("<json path>: <why>"), which may be NULL. */
int js_validate(const cJSON *schema, const cJSON *doc, char *err,
		size_t errsize);

#endif
