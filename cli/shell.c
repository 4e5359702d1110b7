/* The command interpreter: a script (or a prompt) of insmod, rmmod, lsmod, workers, run, stats. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <editline/readline.h>

#include "shell.h"

#include "base/lines.h"
#include "base/text.h"
#include "kernel/units.h"

#define SHELL_MAX_ARGS 64
#define SHELL_MAX_WORKERS 1024
#define SHELL_MAX_SECONDS 3600.0
#define SHELL_LINE_MAX 4096
#define SHELL_VLOG 1024 /* violations the kernel logs (stats.c) */

/* What a command did: the three outcomes the exit status is made of. */
enum shell_result { SHELL_OK, SHELL_FAILED, SHELL_USAGE };

/*
 * struct shell - one run of the interpreter.
 * @msg: the message of the last failed or misused command
 */
struct shell {
	struct modsim_kernel *k;
	FILE *out, *err;
	unsigned long line;
	bool any_usage, any_failed, quit, started_workers;
	char msg[512];
};

struct shell_cmd {
	const char *name;
	const char *args;
	const char *help;
	int min_args, max_args; /* not counting the name; -1: no limit */
	enum shell_result (*fn)(struct shell *sh, int argc, char **argv);
};

static enum shell_result shell_usage(struct shell *sh, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static enum shell_result shell_usage(struct shell *sh, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sh->msg, sizeof(sh->msg), fmt, ap);
	va_end(ap);
	return SHELL_USAGE;
}

/* A library call failed with @err: keep its message (or make one). */
static enum shell_result shell_failed(struct shell *sh, const char *what, int err)
{
	const char *m = modsim_last_error();

	if (m && *m)
		snprintf(sh->msg, sizeof(sh->msg), "%s", m);
	else
		snprintf(sh->msg, sizeof(sh->msg), "%s: %s (%s)", what, modsim_errname(err),
			 strerror(-err));
	return SHELL_FAILED;
}

/* Strict unsigned decimal: digits only, all consumed, at most @max. */
static bool parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

/* Strict non-negative decimal seconds ("2", "0.3", ".5"), at most @max. */
static bool parse_seconds(const char *s, double max, double *out)
{
	bool digit = false;
	const char *p;
	char *end;
	double v;

	for (p = s; *p; p++) {
		if (isdigit((unsigned char)*p))
			digit = true;
		else if (*p != '.')
			return false;
	}
	if (!digit)
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < 0 || v > max)
		return false;
	*out = v;
	return true;
}

static enum shell_result cmd_strategy(struct shell *sh, int argc, char **argv)
{
	int err = modsim_set_strategy(sh->k, argv[1]);

	/* No such preset or file is a misused line (status 2), as on the command line. */
	if (err == -ENOENT)
		return shell_usage(sh, "%s", modsim_last_error());
	return err ? shell_failed(sh, "strategy", err) : SHELL_OK;
}

static enum shell_result cmd_insmod(struct shell *sh, int argc, char **argv)
{
	int err = modsim_load(sh->k, argv[1], argc - 2, argv + 2, NULL);

	return err ? shell_failed(sh, "insmod", err) : SHELL_OK;
}

/*
 * Did the exit of generation @gen of @name fault?  The unload went through
 * (the generation is gone), but a module whose exit crashed is a failure
 * of the script.  Looks at the violations logged since the log held
 * @logged of them; the log keeps the first SHELL_VLOG, enough for a
 * script.
 */
static struct modsim_violation shell_vlog[SHELL_VLOG];

static bool exit_crashed(struct shell *sh, const char *name, unsigned long gen, size_t logged)
{
	size_t n = modsim_violations(sh->k, shell_vlog, SHELL_VLOG);
	const struct modsim_violation *v = shell_vlog;

	for (size_t i = logged; i < n; i++) {
		if (v[i].subsys != MODSIM_SS_LOADER || strcmp(v[i].op, "exit") ||
		    strcmp(v[i].module, name) || v[i].generation != gen)
			continue;
		snprintf(sh->msg, sizeof(sh->msg), "rmmod %s: unloaded, but its exit crashed (%s, gen %lu)",
			 name, modsim_vkind_name(v[i].kind), gen);
		return true;
	}
	return false;
}

static enum shell_result cmd_rmmod(struct shell *sh, int argc, char **argv)
{
	const char *name = NULL;
	unsigned int flags = 0;
	struct modsim_mod *m;
	unsigned long gen;
	size_t logged;
	bool wait = false;
	int i, err;

	/* kmod's spellings too: -f, and -w (wait for users: the default here). */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--nowait"))
			flags |= MODSIM_UNLOAD_NOWAIT;
		else if (!strcmp(argv[i], "--wait") || !strcmp(argv[i], "-w"))
			wait = true;
		else if (!strcmp(argv[i], "--force") || !strcmp(argv[i], "-f"))
			flags |= MODSIM_UNLOAD_FORCE;
		else if (argv[i][0] == '-')
			return shell_usage(sh, "rmmod: unknown flag '%s' (flags: -w/--wait, --nowait, -f/--force)",
					   argv[i]);
		else if (name)
			return shell_usage(sh, "rmmod: one module at a time ('%s' and '%s')", name,
					   argv[i]);
		else
			name = argv[i];
	}
	if (!name)
		return shell_usage(sh, "usage: rmmod NAME [-w|--wait|--nowait] [-f|--force]");
	if (wait && (flags & MODSIM_UNLOAD_NOWAIT))
		return shell_usage(sh, "rmmod: --wait and --nowait exclude each other");
	m = modsim_find(sh->k, name);
	gen = m ? m->generation : 0;
	logged = modsim_violations(sh->k, shell_vlog, SHELL_VLOG);
	err = modsim_unload(sh->k, name, flags);
	if (err)
		return shell_failed(sh, "rmmod", err);
	return exit_crashed(sh, name, gen, logged) ? SHELL_FAILED : SHELL_OK;
}

static enum shell_result cmd_lsmod(struct shell *sh, int argc, char **argv)
{
	modsim_lsmod_print(sh->k, sh->out);
	return SHELL_OK;
}

static enum shell_result cmd_modinfo(struct shell *sh, int argc, char **argv)
{
	int err = modsim_modinfo_print(sh->k, argv[1], sh->out);

	return err ? shell_failed(sh, "modinfo", err) : SHELL_OK;
}

static enum shell_result cmd_workers(struct shell *sh, int argc, char **argv)
{
	struct modsim_mix mix;
	unsigned long n;
	int err;

	if (!parse_ulong(argv[1], SHELL_MAX_WORKERS, &n))
		return shell_usage(sh, "workers: bad number '%s' (want 0..%u)", argv[1],
				   SHELL_MAX_WORKERS);
	if (n == modsim_workers_running(sh->k))
		return SHELL_OK;
	modsim_workers_stop(sh->k);
	sh->started_workers = false;
	if (n == 0) {
		fprintf(sh->out, "workers: stopped\n");
		return SHELL_OK;
	}
	modsim_mix_default(&mix);
	err = modsim_workers_start(sh->k, (unsigned int)n, &mix);
	if (err)
		return shell_failed(sh, "workers", err);
	sh->started_workers = true;
	fprintf(sh->out, "workers: %lu running\n", n);
	return SHELL_OK;
}

/* Sleep @seconds on the monotonic clock, through signals. */
static void shell_sleep(double seconds)
{
	struct timespec until;
	double whole = floor(seconds);

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += (time_t)whole;
	until.tv_nsec += (long)((seconds - whole) * 1e9);
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR)
		;
}

static enum shell_result cmd_run(struct shell *sh, int argc, char **argv)
{
	struct modsim_stats *a, *b;
	unsigned long total = 0, failed = 0, faulted = 0;
	double seconds;
	int s;

	if (!parse_seconds(argv[1], SHELL_MAX_SECONDS, &seconds))
		return shell_usage(sh, "run: bad number of seconds '%s' (want 0..%g)", argv[1],
				   SHELL_MAX_SECONDS);
	a = malloc(sizeof(*a));
	b = malloc(sizeof(*b));
	if (!a || !b) {
		free(a);
		free(b);
		snprintf(sh->msg, sizeof(sh->msg), "run: out of memory");
		return SHELL_FAILED;
	}
	modsim_stats_get(sh->k, a);
	shell_sleep(seconds);
	modsim_stats_get(sh->k, b);

	fprintf(sh->out, "run: %u workers, %g s:", modsim_workers_running(sh->k), seconds);
	for (s = 0; s < MODSIM_SS__COUNT; s++) {
		if (s == MODSIM_SS_LOADER)
			continue;
		total += b->ops[s] - a->ops[s];
		failed += b->failed_get[s] - a->failed_get[s];
		faulted += b->faulted[s] - a->faulted[s];
		fprintf(sh->out, " %s %lu", modsim_subsys_name(s), b->ops[s] - a->ops[s]);
	}
	fprintf(sh->out, "; %lu operations, %lu failed gets, %lu faulted\n", total, failed,
		faulted);
	free(a);
	free(b);
	return SHELL_OK;
}

static enum shell_result cmd_stats(struct shell *sh, int argc, char **argv)
{
	modsim_stats_print(sh->k, sh->out);
	return SHELL_OK;
}

static enum shell_result cmd_help(struct shell *sh, int argc, char **argv);

static enum shell_result cmd_quit(struct shell *sh, int argc, char **argv)
{
	sh->quit = true;
	return SHELL_OK;
}

static const struct shell_cmd shell_cmds[] = {
	{ "strategy", "NAME", "switch presets (no module may be loaded)", 1, 1, cmd_strategy },
	{ "insmod", "NAME|PATH [param=value...]", "load a module", 1, -1, cmd_insmod },
	{ "rmmod", "NAME [-w|--nowait] [-f]", "unload a module (-w waits for users, the default; -f forces)", 1, 4, cmd_rmmod },
	{ "lsmod", "", "list the loaded modules", 0, 0, cmd_lsmod },
	{ "modinfo", "NAME|PATH", "what a module declares: parameters, exports, hazard", 1, 1, cmd_modinfo },
	{ "workers", "N", "run N background workers (0 stops them)", 1, 1, cmd_workers },
	{ "run", "SECONDS", "let the workers run, then report what they did", 1, 1, cmd_run },
	{ "stats", "", "print the counters", 0, 0, cmd_stats },
	{ "help", "", "this list", 0, 0, cmd_help },
	{ "quit", "", "stop reading commands", 0, 0, cmd_quit },
	{ "exit", "", "the same as quit", 0, 0, cmd_quit },
};

#define SHELL_NCMDS (sizeof(shell_cmds) / sizeof(shell_cmds[0]))

static enum shell_result cmd_help(struct shell *sh, int argc, char **argv)
{
	size_t i;

	fprintf(sh->out, "commands:\n");
	for (i = 0; i < SHELL_NCMDS; i++)
		fprintf(sh->out, "  %-8s %-28s %s\n", shell_cmds[i].name, shell_cmds[i].args,
			shell_cmds[i].help);
	fprintf(sh->out, "  ! COMMAND                             expect COMMAND to fail\n"
			 "  # ...                                 a comment\n");
	return SHELL_OK;
}

/* Run one tokenised command. */
static enum shell_result shell_dispatch(struct shell *sh, int argc, char **argv)
{
	const struct shell_cmd *c = NULL;
	size_t i;

	for (i = 0; i < SHELL_NCMDS; i++)
		if (!strcmp(argv[0], shell_cmds[i].name))
			c = &shell_cmds[i];
	if (!c)
		return shell_usage(sh, "unknown command '%s' (try 'help')", argv[0]);
	if (argc - 1 < c->min_args || (c->max_args >= 0 && argc - 1 > c->max_args))
		return shell_usage(sh, "usage: %s%s%s", c->name, *c->args ? " " : "", c->args);
	modsim_err(0, "%s", "");
	return c->fn(sh, argc, argv);
}

static void shell_error(struct shell *sh)
{
	fprintf(sh->err, "modsim: line %lu: %s\n", sh->line, modsim_printable(sh->msg));
	fflush(sh->err);
}

int modsim_shell_split(char *line, char **argv, int max)
{
	char *save = NULL, *w;
	int argc = 0;

	for (w = strtok_r(line, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
		if (w[0] == '#')
			break;
		if (argc == max)
			return -1;
		argv[argc++] = w;
	}
	return argc;
}

static void shell_line(struct shell *sh, char *line)
{
	char *argv[SHELL_MAX_ARGS + 1];
	bool expect_fail = false;
	enum shell_result r;
	int argc = modsim_shell_split(line, argv, SHELL_MAX_ARGS);

	if (argc == 0)
		return;
	if (argc > 0 && !strcmp(argv[0], "!")) {
		expect_fail = true;
		argc--;
		memmove(argv, argv + 1, argc * sizeof(*argv));
	}
	if (argc < 0)
		r = shell_usage(sh, "more than %d words on one line", SHELL_MAX_ARGS);
	else if (argc == 0)
		r = shell_usage(sh, "'!' needs a command to expect to fail");
	else
		r = shell_dispatch(sh, argc, argv);

	if (r == SHELL_USAGE) {
		sh->any_usage = true;
		shell_error(sh);
	} else if (expect_fail && r == SHELL_FAILED) {
		fprintf(sh->out, "line %lu: failed as expected: %s\n", sh->line,
			modsim_printable(sh->msg));
	} else if (expect_fail) {
		sh->any_failed = true;
		snprintf(sh->msg, sizeof(sh->msg), "'%s' succeeded, but '!' expected it to fail",
			 argv[0]);
		shell_error(sh);
	} else if (r == SHELL_FAILED) {
		sh->any_failed = true;
		shell_error(sh);
	}
	fflush(sh->out);
}

/*
 * The next line of @in into @line (@cap bytes): through libedit (line
 * editing, and history kept for the session) when @edit, else
 * modsim_read_line().  Return: 1, 0 at the end of input, -E2BIG for a line
 * too long, -EILSEQ for a NUL byte in it, -EIO when reading failed.
 */
static int shell_read(FILE *in, FILE *out, bool interactive, bool edit, char *line, size_t cap)
{
	size_t len;
	int r;

	if (edit) {
		char *l = readline("modsim> ");

		if (!l)
			return 0;
		if (*l)
			add_history(l);
		len = strlen(l);
		if (len >= cap) {
			free(l);
			return -E2BIG;
		}
		memcpy(line, l, len + 1);
		free(l);
		return 1;
	}
	if (interactive) {
		fputs("modsim> ", out);
		fflush(out);
	}
	r = modsim_read_line(in, line, cap, &len);
	if (r > 0 && len != strlen(line))
		return -EILSEQ;
	return r;
}

int modsim_shell(struct modsim_kernel *k, FILE *in, FILE *out, FILE *err, bool interactive)
{
	struct shell sh = { .k = k, .out = out, .err = err };
	/* libedit reads the terminal itself: only for a prompt on one, writing to stdout. */
	bool edit = interactive && in == stdin && out == stdout && isatty(fileno(in)) &&
		    isatty(fileno(out));
	char line[SHELL_LINE_MAX];
	int r;

	const char *names[SHELL_NCMDS];

	if (edit) {
		for (size_t i = 0; i < SHELL_NCMDS; i++)
			names[i] = shell_cmds[i].name;
		using_history();
		modsim_shell_complete_begin(k, names, SHELL_NCMDS);
	}
	while (!sh.quit) {
		r = shell_read(in, out, interactive, edit, line, sizeof(line));
		if (r <= 0 && interactive)
			fputc('\n', out);
		if (!r)
			break;
		sh.line++;
		if (r < 0) {
			/* What cannot be read ends the input: a script is not run past it. */
			sh.any_failed = true;
			if (r == -EIO)
				snprintf(sh.msg, sizeof(sh.msg), "cannot read the input: %s",
					 strerror(errno));
			else if (r == -E2BIG)
				snprintf(sh.msg, sizeof(sh.msg), "a line longer than %d bytes",
					 SHELL_LINE_MAX - 1);
			else
				snprintf(sh.msg, sizeof(sh.msg), "a NUL byte in the line");
			shell_error(&sh);
			break;
		}
		shell_line(&sh, line);
	}
	if (edit) {
		modsim_shell_complete_end();
		clear_history();
	}
	if (sh.started_workers)
		modsim_workers_stop(k);
	fflush(out);
	return sh.any_usage ? 2 : sh.any_failed ? 1 : 0;
}
