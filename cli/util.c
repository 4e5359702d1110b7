/* What every command shares: the terminal's width, the name it was invoked by, checking strategy names. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <modsim/kernel.h>

#include "base/text.h"
#include "cli.h"
#include "kernel/units.h"

unsigned int cli_columns(FILE *f)
{
	const char *env = getenv("COLUMNS");
	struct winsize ws;
	char *end;

	if (env && *env) {
		unsigned long v;

		errno = 0;
		v = strtoul(env, &end, 10);
		if (!errno && !*end && v >= 20 && v <= 10000)
			return (unsigned int)v;
	}
	if (isatty(fileno(f)) && !ioctl(fileno(f), TIOCGWINSZ, &ws) && ws.ws_col)
		return ws.ws_col;
	return 0;
}

/* Is @path the same file as the first `modsim` on $PATH? */
static bool on_path(const char *path)
{
	const char *p = getenv("PATH");
	struct stat self, other;

	if (!p || stat(path, &self))
		return false;
	while (*p) {
		size_t n = strcspn(p, ":");
		char cand[PATH_MAX];

		if (n && snprintf(cand, sizeof(cand), "%.*s/modsim", (int)n, p) < (int)sizeof(cand) &&
		    !access(cand, X_OK))
			return !stat(cand, &other) && other.st_dev == self.st_dev &&
			       other.st_ino == self.st_ino;
		p += n + (p[n] == ':');
	}
	return false;
}

void cli_set_progname(const char *argv0)
{
	char quoted[512];

	/* Found on PATH (no slash), or the same file PATH finds: "modsim" is enough. */
	if (!argv0 || !strchr(argv0, '/') || on_path(argv0)) {
		modsim_set_progname("modsim");
		return;
	}
	/* Quoted for a shell as every printed word is (base/text.h); too long: "modsim". */
	if (modsim_shell_quote(quoted, sizeof(quoted), argv0) >= sizeof(quoted)) {
		modsim_set_progname("modsim");
		return;
	}
	modsim_set_progname(quoted);
}

int cli_check_strategies(const char *list, const char *who, FILE *err)
{
	char buf[4096], *save = NULL, *tok;

	if (strlen(list) >= sizeof(buf)) {
		fprintf(err, "%s: strategy list too long\n", who);
		return 2;
	}
	strcpy(buf, list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const struct modsim_strategy *s;
		void *handle = NULL;

		if (strchr(tok, '/')) {
			if (access(tok, R_OK)) {
				fprintf(err, "%s: strategy %s: %s (try '%s --help')\n", who, tok,
					strerror(errno), who);
				return 2;
			}
			continue;
		}
		if (modsim_strategy_resolve(tok, &s, &handle)) {
			fprintf(err, "%s: %s (try '%s --help')\n", who, modsim_last_error(), who);
			return 2;
		}
	}
	return 0;
}
