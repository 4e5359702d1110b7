/* modsim_gnuplot_run and friends: gnuplot fed a script through a pipe, its errors caught and made one line. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/text.h"
#include "report/gnuplot.h"

#include "kernel/units.h"

extern char **environ;

MODSIM_API int modsim_gnuplot_check_output(const char *png)
{
	if (!png || !*png)
		return modsim_err(-EINVAL, "plot: no file name");
	if (modsim_text_has_control(png))
		return modsim_err(-EINVAL, "plot %s: a control character in the file name; refused",
				  png);
	return 0;
}

MODSIM_API void modsim_gnuplot_output(FILE *f, const char *png)
{
	fputs("set output '", f);
	for (const char *p = png; *p; p++) {
		if (*p == '\'')
			fputc('\'', f);
		fputc(*p, f);
	}
	fputs("'\n", f);
}

MODSIM_API void modsim_gnuplot_field(FILE *f, const char *s)
{
	const char *e;

	if (!s || !*s) {
		fputc('-', f);
		return;
	}
	/* gnuplot reads backslash escapes in these strings: one more level keeps ours as text. */
	for (e = modsim_printable(s); *e; e++) {
		if (*e == '"')
			fputs("\\\\x22", f);
		else if (*e == '\\')
			fputs("\\\\", f);
		else
			fputc(*e, f);
	}
}

/* Write @len bytes to @fd; SIGPIPE is held off so that a dying gnuplot is an error, not our death. */
static int feed(int fd, const char *script, size_t len)
{
	sigset_t pipe_set, old;
	struct timespec zero = { 0, 0 };
	int err = 0;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	while (len) {
		ssize_t n = write(fd, script, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = -EPIPE;
			break;
		}
		script += n;
		len -= (size_t)n;
	}
	close(fd);
	while (sigtimedwait(&pipe_set, NULL, &zero) == SIGPIPE)
		;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

/*
 * gnuplot's first error in @log, on one line: its messages look like
 * "gnuplot> COMMAND / ^ / line N: WHAT" (and maybe "system error: WHY").
 */
static void first_error(FILE *log, char *out, size_t len)
{
	char line[512];
	bool have = false;

	out[0] = '\0';
	rewind(log);
	while (fgets(line, sizeof(line), log)) {
		char *p = line + strspn(line, " \t"), *colon;

		line[strcspn(line, "\n")] = '\0';
		if (!have && !strncmp(p, "line ", 5) && (colon = strchr(p, ':'))) {
			p = colon + 1 + strspn(colon + 1, " \t");
			snprintf(out, len, "%s", modsim_printable(p));
			have = true;
		} else if (have && !strncmp(p, "system error: ", 14)) {
			size_t n = strlen(out);

			snprintf(out + n, len - n, " (%s)", modsim_printable(p + 14));
			return;
		} else if (have) {
			return;
		}
	}
}

/* $MODSIM_PLOT_SCRIPT names a file to keep the script in (to read it, or for the tests). */
static int keep_script(const char *script, size_t len)
{
	const char *path = getenv("MODSIM_PLOT_SCRIPT");
	FILE *f;

	if (!path || !*path)
		return 0;
	f = fopen(path, "w");
	if (!f)
		return modsim_err(-errno, "plot: MODSIM_PLOT_SCRIPT=%s: %s", path, strerror(errno));
	if (fwrite(script, 1, len, f) != len || fclose(f))
		return modsim_err(-EIO, "plot: MODSIM_PLOT_SCRIPT=%s: could not write it all", path);
	return 0;
}

MODSIM_API int modsim_gnuplot_run(const char *script, size_t len, const char *png)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = { "gnuplot", NULL }, why[400];
	struct stat st;
	int fds[2], err, status, fed;
	FILE *log;
	pid_t pid;

	err = modsim_gnuplot_check_output(png);
	if (err)
		return err;
	err = keep_script(script, len);
	if (err)
		return err;
	log = tmpfile();
	if (!log)
		return modsim_err(-errno, "plot: cannot make a file for gnuplot's messages: %s",
				  strerror(errno));
	if (pipe2(fds, O_CLOEXEC)) {
		err = -errno;
		fclose(log);
		return modsim_err(err, "plot: cannot make a pipe: %s", strerror(-err));
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[0], STDIN_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fileno(log), STDERR_FILENO);
	err = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[0]);
	if (err) {
		close(fds[1]);
		fclose(log);
		if (err == ENOENT)
			return modsim_err(-ENOENT, "plot %s: gnuplot is not installed (not found on PATH); "
					  "install it (Debian: apt-get install gnuplot-nox, or tools/install-deps)",
					  png);
		return modsim_err(-err, "plot %s: cannot run gnuplot: %s", png, strerror(err));
	}
	fed = feed(fds[1], script, len);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			err = errno;
			fclose(log);
			return modsim_err(-EIO, "plot %s: lost gnuplot: %s", png, strerror(err));
		}
	}
	first_error(log, why, sizeof(why));
	fclose(log);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return modsim_err(-EIO, "plot %s: gnuplot failed (%s %d): %s", png,
				  WIFEXITED(status) ? "exit status" : "signal",
				  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
				  why[0] ? why : "it gave no reason");
	if (why[0])
		return modsim_err(-EIO, "plot %s: gnuplot failed: %s", png, why);
	if (fed)
		return modsim_err(-EIO, "plot %s: gnuplot stopped reading its script", png);
	if (stat(png, &st) || !st.st_size)
		return modsim_err(-EIO, "plot %s: gnuplot wrote nothing there", png);
	return 0;
}
