/* The command line's commands: each parses its own words and returns an exit status. */
#ifndef MODSIM_CLI_H
#define MODSIM_CLI_H

#include <stdio.h>

/*
 * Every command takes the words after the command's name (argv[0] is the
 * command's name for the getopt-based ones), writes its result on @out and
 * one-line errors on @err, and returns the exit status: 0 done, 1 a runtime
 * failure, 2 bad usage, 3 a verdict failure (a mismatch, a violation asked
 * to fail), 4 a replay that did not fail as recorded.
 */
int cmd_run(int argc, char **argv, FILE *out, FILE *err);
int cmd_matrix(int argc, char **argv, FILE *out, FILE *err);
int cmd_merge(int argc, char **argv, FILE *out, FILE *err);
int cmd_shrink(int argc, char **argv, FILE *out, FILE *err);
/* @strategy: the global --strategy (NULL: every preset). */
int cmd_hazards(int argc, char **argv, const char *strategy, FILE *out, FILE *err);
int cmd_strategies(int argc, char **argv, const char *strategy, FILE *out, FILE *err);

/*
 * cli_columns - the width the text output of @f should fit: $COLUMNS when
 * set (20 to 10000), else the terminal's when @f is one, else 0 (no limit).
 */
unsigned int cli_columns(FILE *f);

/*
 * cli_set_progname - name the command in the printed command lines
 * ("repeat:", "replay:") as it was invoked (@argv0, quoted for a shell),
 * or "modsim" when that is what $PATH finds.
 */
void cli_set_progname(const char *argv0);

/*
 * cli_check_strategies - every name of the comma-separated @list is a
 * preset, a composition or a readable .so path; else one line on @err,
 * prefixed with @who ("modsim hazards").
 * Return: 0, or 2 (the usage status).
 */
int cli_check_strategies(const char *list, const char *who, FILE *err);

#endif /* MODSIM_CLI_H */
