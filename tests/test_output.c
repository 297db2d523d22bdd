/*
 * test_output.c - where --output and --summary write (src/cli/output.c): a
 * regular file replaced atomically keeping its mode, a symlink written
 * through, devices, FIFOs and /dev/stdout written as they are, a failed
 * write exit 2 with the old file intact.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "fixture.h"

static fx_repo *repo;
static char *dir;
static fx_run run;

static void setup(void)
{
	repo = fx_repo_shared("output",
			      "c one 2024-01-01T00:00:00Z\n"
			      "lt v1.0\n"
			      "c two 2024-01-02T00:00:00Z\n");
	dir = fx_tmpdir(NULL, "output");
}

static void teardown(void)
{
	fx_run_free(&run);
	fx_repo_free(repo);
	free(dir);
}

TestSuite(output, .init = setup, .fini = teardown);

static char *in_dir(const char *name)
{
	char *p = malloc(strlen(dir) + strlen(name) + 2);
	cr_assert_not_null(p);
	sprintf(p, "%s/%s", dir, name);
	return p;
}

static void put(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
	cr_assert_eq(chmod(path, mode), 0);
}

/* 1 when the file holds a git-vitals report. */
static int holds_report(const char *path)
{
	size_t len = 0;
	char *text = fx_read_file(path, &len);
	int ok = text && strstr(text, "\"git-vitals/report/1\"") != NULL;
	free(text);
	return ok;
}

static void output_to(const char *path)
{
	fx_run_free(&run);
	fx_gv(&run, NULL, "--format", "json", "--output", path, repo->path, NULL);
}

Test(output, a_regular_file_is_replaced_keeping_its_mode)
{
	char *file = in_dir("report.json");
	struct stat st;

	put(file, "old\n", 0600);
	output_to(file);
	cr_expect_eq(run.status, 0, "%s", run.err);
	cr_expect(holds_report(file));
	cr_assert_eq(stat(file, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0600, "mode %o", st.st_mode & 07777);
	free(file);
}

/* A new file gets what a shell redirect gives: 0666 less the umask. */
Test(output, a_new_file_takes_its_mode_from_the_umask)
{
	char *file = in_dir("new.json"), *out = NULL;

	cr_assert_eq(fx_sh(&out, dir, "umask 027; '%s' --output '%s' '%s'; "
			   "stat -c %%a '%s'", fx_bin(), file, repo->path, file),
		     0);
	cr_expect_str_eq(out, "640");
	cr_expect(holds_report(file));
	free(out);
	free(file);
}

/* The link stays a link; the file it names is replaced. */
Test(output, a_symlink_is_written_through_to_its_target)
{
	char *file = in_dir("target.json"), *link_path = in_dir("link.json");
	struct stat st;

	put(file, "old\n", 0640);
	cr_assert_eq(symlink(file, link_path), 0);
	output_to(link_path);
	cr_expect_eq(run.status, 0, "%s", run.err);
	cr_assert_eq(lstat(link_path, &st), 0);
	cr_expect(S_ISLNK(st.st_mode), "the link was replaced");
	cr_expect(holds_report(file));
	cr_assert_eq(stat(file, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0640);
	free(file);
	free(link_path);
}

/* A FIFO is written, not replaced by a file: the reader gets the report. */
Test(output, a_fifo_is_written_directly)
{
	char *fifo = in_dir("fifo"), *got = in_dir("got"), *out = NULL;
	struct stat st;

	/* a hang is the bug: fail, not wait (criterion's .timeout leaks
	 * in its runner under -j2) */
	alarm(30);
	cr_assert_eq(fx_sh(&out, dir, "mkfifo '%s' && { cat '%s' > '%s' & } && "
			   "rc=0; '%s' --output '%s' '%s' || rc=$?; wait; echo $rc",
			   fifo, fifo, got, fx_bin(), fifo, repo->path), 0);
	cr_expect_str_eq(out, "0");
	cr_assert_eq(lstat(fifo, &st), 0);
	cr_expect(S_ISFIFO(st.st_mode), "the FIFO was replaced");
	cr_expect(holds_report(got));
	free(out);
	free(fifo);
	free(got);
	alarm(0);
}

/* /dev/stdout names the descriptor we have: written whatever it is, by
 * anyone (renaming over it failed for non-root). */
Test(output, dev_stdout_writes_to_stdout)
{
	output_to("/dev/stdout");
	cr_expect_eq(run.status, 0, "%s", run.err);
	cr_assert_not_null(run.json, "stdout: %.200s", run.out);
	cr_expect_str_eq(fx_str(run.json, "schema"), "git-vitals/report/1");
}

/* A device is written as it is: /dev/full fails the write (exit 2, the
 * path named) and stays the device. */
Test(output, a_device_is_written_directly_and_a_failed_write_is_exit_2)
{
	struct stat st;

	output_to("/dev/full");
	cr_expect_eq(run.status, 2, "%s", run.err);
	cr_expect_not_null(strstr(run.err, "git-vitals: /dev/full: "), "%s",
			   run.err);
	cr_assert_eq(stat("/dev/full", &st), 0);
	cr_expect(S_ISCHR(st.st_mode));
}

/* A write that fails half-way (here the file size limit; a full disk is
 * the same) is exit 2 and leaves the previous file whole, and no
 * temporary beside it. */
Test(output, a_failed_write_keeps_the_previous_file)
{
	char *file = in_dir("keep.json"), *out = NULL, *text;
	size_t len;

	put(file, "previous\n", 0644);
	cr_assert_eq(fx_sh(&out, dir, "trap '' XFSZ; ulimit -f 1; "
			   "rc=0; '%s' --output '%s' '%s' 2>/dev/null || rc=$?; echo $rc; "
			   "ls | grep -c tmp || true", fx_bin(), file, repo->path), 0);
	cr_expect_str_eq(out, "2\n0");
	text = fx_read_file(file, &len);
	cr_expect_str_eq(text, "previous\n");
	free(text);
	free(out);
	free(file);
}

Test(output, a_directory_is_exit_2)
{
	output_to(dir);
	cr_expect_eq(run.status, 2, "%s", run.err);
	cr_expect_not_null(strstr(run.err, "is a directory"), "%s", run.err);
}

/* --summary goes through the same writer. */
Test(output, batch_summary_is_written_through_a_symlink_keeping_the_mode)
{
	char *file = in_dir("fleet.json"), *link_path = in_dir("fleet-link.json");
	char *manifest = in_dir("repos.txt"), *text;
	struct stat st;
	size_t len;

	put(file, "old\n", 0600);
	cr_assert_eq(symlink(file, link_path), 0);
	put(manifest, repo->path, 0644);
	fx_gv(&run, NULL, "batch", "--no-cache", "--summary", link_path,
	      manifest, NULL);
	cr_expect_eq(run.status, 0, "%s", run.err);
	cr_assert_eq(lstat(link_path, &st), 0);
	cr_expect(S_ISLNK(st.st_mode));
	cr_assert_eq(stat(file, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0600);
	text = fx_read_file(file, &len);
	cr_expect_not_null(text && strstr(text, "\"repositories\""), "%s", text);
	free(text);
	free(manifest);
	free(file);
	free(link_path);
}

/* What reaches stderr is safe for a terminal: C0 controls (but tab), DEL
 * and C1 controls are shown, never sent; invalid UTF-8 is repaired. */
Test(output, diagnostics_are_escaped_for_the_terminal)
{
	gv_buf b = {0};
	static const char in[] = "tag v1\x1b[2J\x07\tok\x7f\xc2\x9b" "31m\xff";

	cr_assert_eq(gv_cli_escape(&b, in, sizeof(in) - 1), 0);
	cr_expect_str_eq(b.ptr, "tag v1\\x1b[2J\\x07\tok\\x7f\\u009b31m\xef\xbf\xbd");
	gv_buf_free(&b);
}
