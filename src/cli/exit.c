/*
 * exit.c - errors as the user sees them: "git-vitals: <what>: <why>" on
 * stderr, and the documented exit codes. Separate from main.c so that every
 * subcommand, and the tests, link it.
 *
 * Messages carry bytes git-vitals did not write (tag names, paths, OSV ids,
 * rule ids), so what reaches stderr goes through gv_cli_escape: a terminal
 * is never handed an escape sequence it would act on.
 */
#include "cli/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int gv_cli_exit_code(int status)
{
	switch (status) {
	case GV_OK:
		return GV_EXIT_OK;
	case GV_EUSAGE:
		return GV_EXIT_USAGE;
	default:
		return GV_EXIT_INPUT;
	}
}

int gv_cli_escape(gv_buf *out, const char *s, size_t len)
{
	gv_buf u = {0};
	size_t i;
	int rc = GV_ENOMEM;

	if (gv_utf8_sanitize(&u, s, len))
		goto done;
	for (i = 0; i < u.len; i++) {
		unsigned char b = (unsigned char)u.ptr[i];
		int c1 = b == 0xc2 && i + 1 < u.len &&
			 (unsigned char)u.ptr[i + 1] >= 0x80 &&
			 (unsigned char)u.ptr[i + 1] <= 0x9f;
		if (c1) /* U+0080..U+009F: C1 controls, e.g. CSI */
			rc = gv_buf_printf(out, "\\u%04x",
					   (unsigned char)u.ptr[++i]);
		else if ((b < 0x20 && b != '\t') || b == 0x7f)
			rc = gv_buf_printf(out, "\\x%02x", b);
		else
			rc = gv_buf_put(out, (const char *)&u.ptr[i], 1);
		if (rc)
			goto done;
	}
	rc = gv_buf_put(out, "", 0);
done:
	gv_buf_free(&u);
	return rc;
}

void gv_cli_eprintf(const char *fmt, ...)
{
	va_list ap;
	gv_buf esc = {0};
	char small[1024], *msg = small;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(small) && (msg = malloc((size_t)n + 1))) {
		va_start(ap, fmt);
		vsnprintf(msg, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	if (!msg)
		msg = small; /* out of memory: the truncated message */
	if (gv_cli_escape(&esc, msg, strlen(msg)))
		fputs("git-vitals: out of memory\n", stderr);
	else
		fprintf(stderr, "git-vitals: %s\n", esc.ptr ? esc.ptr : "");
	if (msg != small)
		free(msg);
	gv_buf_free(&esc);
}

int gv_cli_fail(const char *what, const gv_error *err)
{
	const char *why = err && err->msg[0] ? err->msg : "failed";

	if (what)
		gv_cli_eprintf("%s: %s", what, why);
	else
		gv_cli_eprintf("%s", why);
	return gv_cli_exit_code(err ? err->code : GV_EINTERNAL);
}
