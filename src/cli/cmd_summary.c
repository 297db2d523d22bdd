/*
 * cmd_summary.c - `git-vitals summary [--format F] [--output FILE] FILE...`:
 * the fleet view of batch output. Reads NDJSON (report and error lines)
 * from any number of files (- for stdin), e.g. the outputs of every
 * `batch --shard K/N`, in any order, and writes the summary that one
 * unsharded `batch --summary` writes (see docs/BATCH.md).
 */
#include "cli/cli.h"
#include "gv/batch.h"
#include "gv/report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
	"usage: git-vitals summary [OPTIONS] FILE...\n"
	"\n"
	"Reads the NDJSON of `git-vitals batch` runs (one file per shard, in any\n"
	"order; - for stdin) and writes one row per repository with its headline\n"
	"metrics and DORA levels, failed repositories with their error, and the\n"
	"fleet-wide medians. See docs/BATCH.md.\n"
	"\n"
	"  --format FORMAT          json, text, html or openmetrics (default: text\n"
	"                           on a terminal, else json)\n"
	"  --output FILE            write to FILE (atomically)\n"
	"  -h, --help               this text\n"
	"\n"
	"Exit status: 0 ok, 1 usage error, 2 a file could not be read or holds a\n"
	"line that is not batch output.\n";

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "git-vitals summary: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'git-vitals summary --help' for more information.\n");
	return GV_EXIT_USAGE;
}

/* Appends a row per non-empty line of `text` to *rows. */
static int add_rows(gv_summary_row **rows, size_t *n, size_t *alloc,
		    const char *name, const gv_buf *text, gv_error *err)
{
	const char *p = text->ptr ? text->ptr : "", *end = p + text->len;
	size_t line = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		line++;
		if (len && !(len == 1 && *p == '\r')) {
			if (gv_grow((void **)rows, alloc, *n + 1, sizeof(**rows)))
				return gv_error_set(err, GV_ENOMEM, "out of memory");
			memset(&(*rows)[*n], 0, sizeof(**rows));
			if (gv_summary_row_parse(&(*rows)[*n], p, len, err)) {
				gv_summary_row_clear(&(*rows)[*n]);
				return gv_error_set(err, GV_EINPUT, "%s:%zu: not a "
						    "git-vitals report or error "
						    "line", name, line);
			}
			(*n)++;
		}
		p += len + 1;
	}
	return 0;
}

int gv_cmd_summary(int argc, char **argv)
{
	const char *format = NULL, *output = NULL, *val;
	gv_summary_row *rows = NULL;
	size_t n = 0, alloc = 0, i;
	gv_buf text = {0}, out = {0};
	gv_error err = {0};
	int fmt = -1, error = 0, code = GV_EXIT_OK, k, nfiles = 0, only_args = 0, r;

	for (k = 0; k < argc; k++) {
		if (!only_args && !strcmp(argv[k], "--")) {
			only_args = 1;
		} else if (!only_args && (!strcmp(argv[k], "-h") ||
					  !strcmp(argv[k], "--help"))) {
			fputs(usage_text, stdout);
			return GV_EXIT_OK;
		} else if (!only_args &&
			   (r = gv_cli_opt_value(argc, argv, &k, "--format", &val))) {
			if (r < 0)
				return usage_error("option '%s' needs a value", "--format");
			format = val;
		} else if (!only_args &&
			   (r = gv_cli_opt_value(argc, argv, &k, "--output", &val))) {
			if (r < 0)
				return usage_error("option '%s' needs a value", "--output");
			output = val;
		} else if (!only_args && argv[k][0] == '-' && argv[k][1]) {
			return usage_error("unknown option '%s'", argv[k]);
		} else {
			nfiles++;
		}
	}
	if (format && (fmt = gv_report_format(format)) < 0)
		return usage_error("--format '%s': expected json, text, html or "
				   "openmetrics", format);
	if (!nfiles)
		return usage_error("%s", "at least one FILE is required (- for stdin)");
	if (fmt < 0)
		fmt = output || !isatty(STDOUT_FILENO) ? GV_FORMAT_JSON : GV_FORMAT_TEXT;
	for (k = 0, only_args = 0; k < argc; k++) {
		if (!only_args && !strcmp(argv[k], "--")) {
			only_args = 1;
			continue;
		}
		if (!only_args && (!strcmp(argv[k], "--format") ||
				   !strcmp(argv[k], "--output"))) {
			k++;
			continue;
		}
		if (!only_args && argv[k][0] == '-' && argv[k][1])
			continue; /* --format=F, --output=F */
		text.len = 0;
		if ((error = gv_cli_read_input(&text, argv[k], &err)) ||
		    (error = add_rows(&rows, &n, &alloc,
				      strcmp(argv[k], "-") ? argv[k] : "<stdin>",
				      &text, &err)))
			goto fail;
	}
	gv_summary_sort(rows, n);
	if ((error = gv_summary_write(&out, fmt, rows, n, NULL, &err)))
		goto fail;
	if (output) {
		if ((error = gv_write_atomic(output, out.ptr ? out.ptr : "", out.len,
					  &err)))
			goto fail;
	} else if (out.len && (fwrite(out.ptr, 1, out.len, stdout) != out.len ||
			       fflush(stdout))) {
		error = gv_error_set(&err, GV_EIO, "writing the summary: %s",
				     strerror(errno));
		goto fail;
	}
	goto done;
fail:
	code = gv_cli_fail(NULL, &err);
done:
	for (i = 0; i < n; i++)
		gv_summary_row_clear(&rows[i]);
	free(rows);
	gv_buf_free(&text);
	gv_buf_free(&out);
	return code;
}
