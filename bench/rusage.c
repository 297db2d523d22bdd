/*
 * rusage.c - run one command and report its wall time and memory, for
 * bench/run.sh (which must not depend on /usr/bin/time being installed).
 *
 *   rusage [-a] [-o OUT] [-e ERR] -- COMMAND [ARG...]
 *
 * COMMAND runs with stdin from /dev/null, stdout to /dev/null (or to OUT),
 * stderr inherited (or to ERR). One line goes to stdout:
 *
 *   <wall s> <user s> <sys s> <peak RSS KiB> <peak anon KiB> <exit status>
 *
 * wall is CLOCK_MONOTONIC from just before fork() to wait4() returning; user,
 * sys and peak RSS (ru_maxrss: resident pages, file-backed pack mappings
 * included) come from wait4() for that child alone. The exit status is the
 * child's, or 128+signal.
 *
 * Peak anonymous memory has no kernel counter, so with -a the parent samples
 * RssAnon in /proc/<pid>/status every millisecond while the child runs and
 * reports the largest sample (a lower bound; a peak shorter than a
 * millisecond can be missed). Sampling costs the parent a little CPU, so
 * run.sh takes timings from runs without -a. Without -a, or where /proc is
 * missing, peak anon is -1.
 */
#define _DEFAULT_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* RssAnon of pid in KiB, or -1. */
static long rss_anon(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "RssAnon: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static void usage(void)
{
	fputs("usage: rusage [-a] [-o OUT] [-e ERR] -- COMMAND [ARG...]\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *out = "/dev/null", *errpath = NULL;
	struct rusage ru;
	struct timespec tick = { 0, 1000000 };
	double t0, t1;
	long anon = -1;
	int sample = 0, opt, st, code;
	pid_t pid, r;

	while ((opt = getopt(argc, argv, "ao:e:")) != -1) {
		if (opt == 'a')
			sample = 1;
		else if (opt == 'o')
			out = optarg;
		else if (opt == 'e')
			errpath = optarg;
		else
			usage();
	}
	if (optind >= argc)
		usage();
	t0 = now();
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "rusage: fork: %s\n", strerror(errno));
		return 2;
	}
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0666);
		int ed = errpath ? open(errpath, O_WRONLY | O_CREAT | O_TRUNC,
					0666) : 2;

		if (in < 0 || fd < 0 || ed < 0) {
			fprintf(stderr, "rusage: %s: %s\n", fd < 0 ? out : errpath,
				strerror(errno));
			_exit(127);
		}
		dup2(in, 0);
		dup2(fd, 1);
		dup2(ed, 2);
		close(in);
		close(fd);
		if (ed != 2)
			close(ed);
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "rusage: %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	for (;;) {
		r = wait4(pid, &st, sample ? WNOHANG : 0, &ru);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			fprintf(stderr, "rusage: wait4: %s\n", strerror(errno));
			return 2;
		}
		if (sample) {
			long a = rss_anon(pid);

			if (a > anon)
				anon = a;
			nanosleep(&tick, NULL);
		}
	}
	t1 = now();
	code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	printf("%.4f %.4f %.4f %ld %ld %d\n", t1 - t0,
	       (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6,
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6,
	       ru.ru_maxrss, anon, code);
	return 0;
}
