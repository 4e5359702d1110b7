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

#endif /* MODSIM_CLI_H */
