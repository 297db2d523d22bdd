/*
 * fuzz_rules.c - a rule file (gv_rules_add_buffer, then compile) from
 * bytes; when it compiles, a fixed message is classified with it, so the
 * limits and the literal pre-check run on hostile patterns too.
 */
#include "fuzz.h"

#include "gv/classify.h"
#include "gv/rules.h"

static const char MSG[] = "fix: bound the copy (CVE-2024-0001)\n\n"
			  "This reverts commit 0123456789abcdef0123456789abcdef01234567.\n"
			  "Fixes: #12\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gv_ruleset *rs = NULL;
	gv_classes *c = NULL;
	gv_error err = { 0, "" };
	gv_message m;
	gv_commit info;

	if (gv_rules_new(&rs, &err))
		return 0;
	if (!gv_rules_add_buffer(rs, "fuzz.rules", (const char *)data, size,
				 &err) &&
	    !gv_rules_compile(rs, &err) && !gv_classes_new(&c, rs, &err)) {
		memset(&m, 0, sizeof(m));
		memset(&info, 0, sizeof(info));
		m.id = (const unsigned char *)"01234567890123456789";
		m.message = MSG;
		m.message_len = sizeof(MSG) - 1;
		m.author_name = "A";
		m.author_name_len = 1;
		m.author_email = "a@x";
		m.author_email_len = 3;
		m.info = &info;
		(void)gv_classify_cb(&m, c);
	}
	gv_classes_free(c);
	gv_rules_free(rs);
	return 0;
}
